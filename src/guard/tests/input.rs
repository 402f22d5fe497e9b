//! What only exists once the command runs: code `xargs`/`parallel` read from their input
//! (`rules/input.rs`), paths `xargs` appends to `find … -delete`, and deletion targets that
//! `$(echo …)`/`$(printf …)` print. Unknown, so assumed the worst; the ordinary uses of
//! xargs and parallel next to them stay allowed.

use super::*;

#[rustfmt::skip]
const INPUT: &[(bool, &str)] = &[
    // --- the script of `sh -c`, a program, a command line: text read from input ---
    (D, "echo ok | xargs -I{} bash -c {}"), // `ok` this time; a line read at run time in general
    (D, "echo ok | parallel bash -c {}"),
    (D, "echo 'cargo test' | parallel bash -c {}"),
    (D, "cat cmds.txt | xargs -I{} sh -c {}"),
    (D, "xargs -I{} bash -c {} < cmds.txt"),
    (D, "xargs -I % sh -c '%'"),
    (D, "echo ok | xargs -I{} sh -c 'cd /tmp && {}'"),
    (D, "echo ok | xargs -I{} bash -c 'eval {}'"),
    (D, "echo ok | xargs -I{} bash -c 'x=$({})'"),
    (D, "echo ok | xargs -I{} sudo bash -c {}"),
    (D, "echo ok | xargs -I{} sh -c 'sh -c \"{}\"'"),
    (D, "echo ok | xargs -I{} python3 -c {}"),
    (D, "echo ok | xargs -I{} node -e '{}'"),
    (D, "echo ok | xargs bash -c"), // the first item appended is the script
    (D, "echo ok | xargs -n1 sh -c"),
    (D, "cat snippets | xargs python -c"),
    (D, "echo ok | parallel {}"),
    (D, "find . -name '*.sh' | parallel 'bash -c {}'"),
    (D, "printf 'echo ok\\n' | parallel"), // each line is a command line
    (D, "cat jobs.txt | parallel -j4"),
    (D, "parallel :::: jobs.txt"),
    (D, "parallel bash -c {} :::: cmds.txt"),
    // --- paths xargs and parallel append to find's expression ---
    (D, "printf '/tmp/ccsn-other\\n' | xargs find /tmp/ccsn-safe -delete"),
    (D, "echo build | xargs find /tmp/b -delete"),
    (D, "echo x | xargs find . -name '*.o' -delete"),
    (D, "echo /tmp/a | parallel find /tmp/b -delete"),
    // --- deletion targets printed by echo/printf in a substitution ---
    (D, "find \"$(printf /tmp/ccsn-safe)\" -delete"),
    (D, "rm -rf \"$(echo build)\""),
    (D, "rm -rf $(printf '%s' /tmp/x)"),
    (D, "rm -rf \"$(echo /tmp/x | head -1)\""),
    (D, "d=$(echo /tmp/x); rm -rf \"$d\""),
    (D, "for d in $(echo build dist); do rm -rf \"$d\"; done"),
    (D, "find `echo /tmp/x` -name '*.o' -delete"),
    (D, "rm -rf \"$(echo ~)\""), // still the home directory first
    (D, "rm \"$(echo ~/.ssh/id_ed25519)\""), // other rules still place printed paths

    // ================= allowed: ordinary xargs and parallel =================
    (A, "git ls-files | xargs grep foo"),
    (A, "find . -name '*.rs' | xargs wc -l"),
    (A, "echo a b | xargs -n1 echo"),
    (A, "find src -type f | sort | xargs -n1 sh -c 'wc -l \"$1\"' _"), // input as an argument
    (A, "find src -type f | xargs -I{} sh -c 'wc -l {}'"),
    (A, "xargs -I{} env FILE={} sh -c 'wc -l \"$FILE\"'"),
    (A, "find . -name '*.sh' | xargs -n1 bash -n"),
    (A, "find . -name '*.py' | xargs -I{} python3 -m py_compile {}"),
    (A, "xargs -I{} python -c 'print(1)' -- {}"),
    (A, "echo src | xargs -I{} ls {}"),
    (A, "parallel bash -c 'echo ok' ::: ok"),
    (A, "parallel bash -c {} ::: 'echo hi'"), // inputs on the command line are judged
    (A, "parallel ::: 'echo ok' 'true'"),
    (A, "parallel :::"),
    (A, "ls *.json | parallel jq . {}"),
    (A, "find . -name '*.tmp' | parallel rm -f"),
    (A, "find . -name '*.pyc' -print0 | xargs -0 rm -f"),
    (A, "find . -name '*.pyc' | xargs rm -f"),
    (A, "echo build dist | xargs rm -rf"), // as today: the listed words are judged
    (A, "echo build | xargs -I{} rm -rf {}/cache"),
    (A, "echo src | xargs -I{} find {} -name '*.o' -delete"),
    (A, "parallel find {} -name '*.o' -delete ::: src tests"),
    (A, "echo ok | xargs find . -name foo"), // no deletion
    (A, "rm -rf \"$(mktemp -d)\""), // mktemp names a fresh temp path
    (A, "d=$(mktemp -d); rm -rf \"$d\""),
    (A, "rm -rf \"$(pwd)/build\""),
    (A, "rm -rf $(find . -name __pycache__)"),
    (A, "d=$(realpath build); rm -rf \"$d\""),
    (A, "rm -f \"$(git rev-parse --show-toplevel)/build/x.o\""), // not recursive
    (A, "rm -f \"$(echo build)/x.o\""),
    (A, "ls \"$(echo ~)\""),
    (A, "echo $(rm -rf /tmp/foo 2>/dev/null)"),
];

#[test]
fn code_and_paths_read_at_run_time() {
    check_table(INPUT);
}

#[test]
fn input_reasons_say_what_to_do() {
    let g = guard();
    for (cmd, says) in [
        ("echo ok | xargs -I{} bash -c {}", "the code it runs is text xargs reads from its input"),
        ("echo ok | parallel bash -c {}", "the code it runs is text parallel reads from its input"),
        ("echo ok | xargs bash -c", "write the commands out in the tool call"),
        ("printf '/tmp/a\\n' | xargs find /tmp/b -delete", "paths xargs reads from its input when the command runs"),
        ("cat jobs.txt | parallel -j4", "refused `parallel -j4`: the code it runs is text parallel reads"),
        ("find \"$(printf /tmp/x)\" -delete", "a path printed as text by a command substitution"),
    ] {
        match bash(&g, cmd) {
            Decision::Deny(r) => assert!(r.contains(says), "{cmd:?}: {r}"),
            d => panic!("{cmd:?}: {d:?}"),
        }
    }
}
