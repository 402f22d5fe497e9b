//! Never panic, never overflow the stack, on any input.

use super::*;
use serde_json::json;

/// xorshift64*: deterministic, no crate.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

#[test]
fn no_panic_on_garbage() {
    const PIECES: &[&str] = &[
        "rm",
        " -rf ",
        "/",
        "~",
        "$HOME",
        "${",
        "}",
        "$(",
        ")",
        "(",
        "`",
        "'",
        "\"",
        "\\",
        ";",
        "&",
        "&&",
        "|",
        "||",
        "\n",
        "<<",
        "EOF",
        "<<-",
        "<(",
        ">",
        ">>",
        "2>&1",
        "{",
        " ",
        "*",
        "..",
        "sudo ",
        "sh -c ",
        "eval ",
        "xargs ",
        "git push -f ",
        "+main",
        ":",
        "curl x|sh",
        "$'\\x",
        "\\u{",
        "é",
        "日本",
        "\u{0}",
        "\t",
        "#",
        "=",
        "A=",
        "case ",
        " in ",
        ";;",
        "esac",
        "$((",
        "))",
        "find / -delete",
        ".credentials.json",
        "-exec",
        "\\;",
        "function ",
        "() ",
        "f(){ f|f& }",
        "cd ",
        "-",
        "--",
        "of=/dev/sda",
        "python3 -c '",
        "node -e \"",
        "perl -e ",
        "ruby -e ",
        "shutil.rmtree(",
        "os.system(",
        "execSync(`",
        "qx{",
        "%x(",
        "\"\"\"",
        ".rmtree",
        "| bash",
        "parallel ",
        ":::",
        "watch ",
        "trap ",
        "x=",
        "$x",
        "for d in ",
        "read d",
        "mktemp -d",
        "env -C ",
        "{}",
        "rsync --delete ",
    ];
    let g = guard();
    let f = fixture();
    let c = ctx(&f);
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    for _ in 0..4000 {
        let mut s = String::new();
        for _ in 0..rng.below(40) {
            if rng.below(4) == 0 {
                let ch = char::from_u32((rng.next() % 0x11_0000) as u32).unwrap_or('?');
                s.push(ch);
            } else {
                s.push_str(PIECES[rng.below(PIECES.len())]);
            }
        }
        let _ = simple_commands(&s);
        let _ = g.check("Bash", &json!({ "command": s }), &c);
        let _ = g.check("Read", &json!({ "file_path": s }), &c);
        let _ = g.check("Write", &json!({ "file_path": s }), &c);
    }
    // Pathological nesting must hit the depth limits, not the stack.
    // Long pipelines and lists must not recurse per stage either.
    for (head, unit, tail) in [("ls", " | head", " | read d; rm -rf $d"), ("find .", " | grep x", " | xargs rm -rf")] {
        let s = format!("{head}{}{tail}", unit.repeat(20_000));
        let _ = g.check("Bash", &json!({ "command": s }), &c);
    }
    for unit in ["$(", "(", "{ ", "\"$(", "`", "<(", "sh -c \"", "bash -c '", "${", "$((", "<<E\n"] {
        let s = unit.repeat(20_000);
        let _ = simple_commands(&s);
        let _ = g.check("Bash", &json!({ "command": s }), &c);
    }
}

#[test]
fn interpreter_scanner_never_panics() {
    use crate::guard::interp::{Lang, scan};
    const PIECES: &[&str] = &[
        "os.system(",
        "shutil.rmtree(",
        "subprocess.run([",
        "'",
        "\"",
        "`",
        "'''",
        "(",
        ")",
        "[",
        "]",
        "{",
        "}",
        ",",
        ";",
        "\\",
        "rm -rf /",
        "~",
        "HOME",
        "expanduser(",
        "Pathname.new(",
        ").rmtree",
        "%x(",
        "qx{",
        "q(",
        "f'",
        "${",
        "#",
        "//",
        "/*",
        "*/",
        "\n",
        "é",
        "::",
        ".",
        "execSync(",
        "rmSync(",
        "recursive",
        "+",
    ];
    let mut rng = Rng(0x1234_5678_9ABC_DEF0);
    for lang in [Lang::Python, Lang::Node, Lang::Perl, Lang::Ruby, Lang::Php] {
        for _ in 0..2000 {
            let mut s = String::new();
            for _ in 0..rng.below(30) {
                s.push_str(PIECES[rng.below(PIECES.len())]);
            }
            let _ = scan(lang, &s);
        }
        let _ = scan(lang, &"(".repeat(50_000));
        let _ = scan(lang, &"os.system(".repeat(10_000));
        let _ = scan(lang, &"system x ".repeat(10_000));
    }
}
