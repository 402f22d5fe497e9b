//! Targets behind expansions: for recursive deletion a target the guard cannot place is
//! denied, so it follows what the command itself says (`d=~`, `tmp=$(mktemp -d)`,
//! `for d in …`, `cd`, `env -C`) and allows the forms ordinary work uses.

use super::*;

#[rustfmt::skip]
const TARGETS: &[(bool, &str)] = &[
    // --- cannot be placed: denied for recursive deletion ---
    (D, "rm -rf ~root"),
    (D, "rm -rf ~nobody/x"),
    (D, "rm -rf $(echo ~)"),
    (D, "rm -rf \"$(echo ~)\""),
    (D, "rm -rf `echo ~`"),
    (D, "rm -rf $BUILD_DIR/out"), // unknown variable: spell the path out
    (D, "rm -rf \"$1\""),
    (D, "rm -rf $(git rev-parse --show-toplevel)"),
    (D, "rm -rf \"$(cat dirs.txt)\""),
    (D, "xargs rm -rf < list.txt"), // what xargs reads is unseen
    (D, "cat list | xargs rm -rf"),
    (D, "cd \"$SOME_DIR\" && rm -rf build"),
    (D, "find \"$X\" -delete"),
    (D, "rm -rf $TMPDIR"),
    (D, "rm -rf \"$TMPDIR\"/"),
    // --- variables assigned in the same command ---
    (D, "d=~; rm -rf \"$d\""),
    (D, "d=~ && rm -rf $d/"),
    (D, "d=$HOME; rm -rf ${d}"),
    (D, "export D=/; rm -rf \"$D\""),
    (D, "x=rm; $x -rf ~"),
    (D, "x=rm; sudo $x -rf /"),
    (D, "o='-rf'; rm $o ~"),
    (D, "a=/; b=$a; a=x; rm -rf $b"), // values are fixed when assigned
    (D, "d=$PWD; cd /tmp; rm -rf \"$d\""),
    (D, "for d in build /; do rm -rf \"$d\"; done"),
    (D, "for d in ~/a ~; do rm -rf $d; done"),
    (D, "read d; rm -rf \"$d\""),
    (D, "d=build; read d; rm -rf \"$d\""),
    (D, "d=build; unset d; rm -rf \"$d\"/"),
    (D, "find / -name x | while read f; do rm -rf \"$f\"; done"),
    (D, "d=$(dirname $PWD); rm -rf \"$d\""),
    (D, "t=$(mktemp -d -p ~); rm -rf \"$t/..\""),
    (D, "sh -c 'rm -rf \"$1\"' _ ~"),
    (D, "bash -c 'rm -rf $@' x / y"),
    (D, "$SHELL -c 'rm -rf ~'"),
    (D, "${SHELL} -c \"rm -rf /\""),
    // --- the working directory ---
    (D, "env -C / rm -rf etc"),
    (D, "env --chdir=/ rm -rf etc"),
    (D, "env -C ~ rm -rf *"),
    (D, "sudo -D / rm -rf usr"),
    (D, "cd /tmp && cd - && cd .. && rm -rf proj"),
    (D, "pushd /etc && rm -rf ssh"),
    (D, "pushd /tmp/x; popd; rm -rf ../other"),
    // --- {} and friends stand for what is found or read ---
    (D, "find / -exec sh -c 'rm -rf {}' \\;"),
    (D, "find ~ -type d -exec sh -c 'rm -rf \"$1\"' _ {} \\;"),
    (D, "echo / | xargs -I{} rm -rf {}"),
    (D, "echo ~ | xargs -I % sh -c 'rm -rf %'"),
    (D, "xargs -I{} bash -c 'rm -rf {}'"),
    (D, "cat dirs | xargs -I{} rm -rf {}/cache"),
    // --- brace expansion comes first ---
    (D, "rm -rf /tmp/{safe,../Users}"),
    (D, "rm -rf {build,~}"),
    (D, "rm -rf ./{a,b/../..}"),

    // ================= allowed: ordinary work =================
    (A, "rm -rf \"$TMPDIR/x\""),
    (A, "rm -rf $TMPDIR/build-cache"),
    (A, "rm -rf \"${TMPDIR:-/tmp}/x\""),
    (A, "rm -rf \"$(mktemp -d)\""),
    (A, "tmp=$(mktemp -d); cd \"$tmp\" && rm -rf *"),
    (A, "tmp=$(mktemp -d) && trap 'true' EXIT; rm -rf \"$tmp\""),
    (A, "tmp=`mktemp -d`; rm -rf $tmp"),
    (A, "d=$(mktemp -d -t test.XXXX); rm -rf \"$d\""),
    (A, "d=$(mktemp -d build.XXXX); rm -rf \"$d\""),
    (A, "rm -rf ./build"),
    (A, "rm -rf \"$PWD/build\""),
    (A, "rm -rf \"$(pwd)/build\""),
    (A, "rm -rf \"$CLAUDE_PROJECT_DIR/target\""),
    (A, "d=build; rm -rf \"$d\""),
    (A, "d=./dist; rm -rf $d/*"),
    (A, "out=target/debug; rm -rf \"$out\""),
    (A, "for d in build dist node_modules; do rm -rf \"$d\"; done"),
    (A, "for d in */; do rm -rf \"$d/node_modules\"; done"),
    (A, "for f in $(find . -name '*.egg-info'); do rm -rf \"$f\"; done"),
    (A, "rm -rf $(find . -name __pycache__)"),
    (A, "rm -rf $(ls -d build*)"),
    (A, "find . -name '*.pyc' | xargs rm -f"),
    (A, "find . -name node_modules -prune | grep -v keep | xargs rm -rf"),
    (A, "find . -name __pycache__ | while read d; do rm -rf \"$d\"; done"),
    (A, "ls | grep tmp- | xargs rm -rf"),
    (A, "grep -rl TODO src | xargs rm -rf"),
    (A, "echo build dist | xargs rm -rf"),
    (A, "echo build | xargs -I{} rm -rf {}/cache"),
    (A, "find . -type d -name .cache -exec sh -c 'rm -rf \"$1\"' _ {} \\;"),
    (A, "find . -name '*.tmp' -exec sh -c 'rm -rf {}' \\;"),
    (A, "cd src && rm -rf ../build"),
    (A, "pushd build && rm -rf out && popd && rm -rf dist"),
    (A, "env -C build rm -rf out"),
    (A, "env -C /tmp rm -rf scratch"),
    (A, "sh -c 'rm -rf \"$1\"' _ build"),
    (A, "x=ls; $x -la"),
    (A, "d=~; ls \"$d\""),
    (A, "rm -f \"$UNKNOWN/file\""), // not recursive: unknown is fine
    (A, "rm \"$1\""),
    (A, "read -r name; echo \"$name\""),
    (A, "chmod -R 755 \"$DIR\""),
    (A, "rm -rf build-$V"), // a variable inside a relative name stays inside
    (A, "rm -rf {build,dist}"),
    (A, "rm -rf /tmp/{a,b}/cache"),
    (A, "rm -rf '{/,~}'"), // quoted: one odd name in the project
    (A, "git stash drop stash@{1}"),
];

#[test]
fn unresolvable_targets_and_variables() {
    check_table(TARGETS);
}
