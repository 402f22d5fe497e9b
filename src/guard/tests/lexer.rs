//! The lexer through its public face, [`simple_commands`].

use super::*;

fn sc(line: &str) -> Vec<Vec<String>> {
    simple_commands(line)
}

fn v(x: &[&[&str]]) -> Vec<Vec<String>> {
    x.iter().map(|c| c.iter().map(|s| s.to_string()).collect()).collect()
}

#[test]
fn lexer_quotes_and_escapes() {
    assert_eq!(sc("echo 'a b' \"c d\" e\\ f"), v(&[&["echo", "a b", "c d", "e f"]]));
    assert_eq!(sc(r#"echo "a \"q\" \$x \n""#), v(&[&["echo", r#"a "q" $x \n"#]]));
    assert_eq!(sc("r\\m -rf /"), v(&[&["rm", "-rf", "/"]]));
    assert_eq!(sc("echo $'a\\tb\\x41'"), v(&[&["echo", "a\tbA"]]));
    assert_eq!(sc("echo a\\\nb"), v(&[&["echo", "ab"]]));
    assert_eq!(sc("echo 'it''s'"), v(&[&["echo", "its"]]));
    assert_eq!(sc("echo \"$HOME\"/x"), v(&[&["echo", "$HOME/x"]]));
    assert_eq!(sc("# just a comment"), Vec::<Vec<String>>::new());
    assert_eq!(sc("echo a#b # c"), v(&[&["echo", "a#b"]]));
}

#[test]
fn lexer_operators() {
    assert_eq!(
        sc("a; b && c || d | e & f\ng |& h"),
        v(&[&["a"], &["b"], &["c"], &["d"], &["e"], &["f"], &["g"], &["h"]])
    );
    assert_eq!(sc("(a; b) && { c; }"), v(&[&["a"], &["b"], &["c"]]));
    assert_eq!(sc("echo $(a $(b)) `c`"), v(&[&["b"], &["a", "$(b)"], &["c"], &["echo", "$(a $(b))", "`c`"]]));
    assert_eq!(sc("diff <(x) >(y)"), v(&[&["x"], &["y"], &["diff", "<(x)", ">(y)"]]));
    assert_eq!(sc("A=1 B=\"x y\" cmd arg"), v(&[&["cmd", "arg"]]));
    assert_eq!(sc("\"A=1\" cmd"), v(&[&["A=1", "cmd"]]));
    assert_eq!(sc("cmd 2>&1 >out <in 3<>f"), v(&[&["cmd"]]));
    assert_eq!(sc("if a; then b; else c; fi"), v(&[&["a"], &["b"], &["c"]]));
    assert_eq!(sc("while x; do y; done"), v(&[&["x"], &["y"]]));
    assert_eq!(sc("f() { a | b; }"), v(&[&["a"], &["b"]]));
    assert_eq!(sc("cat <<EOF | wc\nrm -rf /\nEOF\nls"), v(&[&["cat"], &["wc"], &["ls"]]));
    assert_eq!(sc("cat <<-X\n\tbody\n\tX\necho done"), v(&[&["cat"], &["echo", "done"]]));
    assert_eq!(sc("case $a in x) b;; (y) c;; esac"), v(&[&["b"], &["c"]]));
    assert_eq!(sc("echo $((1+(2*3))) ${x:-a b}"), v(&[&["echo", "$((1+(2*3)))", "${x:-a b}"]]));
    // Substitutions inside arithmetic and parameter expansions still run.
    assert_eq!(sc("echo $(( $(a) + `b` ))"), v(&[&["a"], &["b"], &["echo", "$(( $(a) + `b` ))"]]));
    assert_eq!(sc("(( x = $(a) ))"), v(&[&["a"]]));
    assert_eq!(sc("echo ${x:-$(a)} ${y:=`b`}"), v(&[&["a"], &["b"], &["echo", "${x:-$(a)}", "${y:=`b`}"]]));
    assert_eq!(sc("echo $(( (1+2) * $((3)) ))"), v(&[&["echo", "$(( (1+2) * $((3)) ))"]]));
}

#[test]
fn lexer_is_lenient_on_broken_input() {
    assert_eq!(sc("echo 'abc"), v(&[&["echo", "abc"]]));
    assert_eq!(sc("echo \"abc"), v(&[&["echo", "abc"]]));
    assert_eq!(sc("echo $(ls"), v(&[&["ls"], &["echo", "$(ls"]]));
    assert_eq!(sc("a ) b"), v(&[&["a"], &["b"]]));
    assert_eq!(sc(""), Vec::<Vec<String>>::new());
}
