//! Interpreter one-liners: `python -c`, `node -e`, `perl -e`, `ruby -e`, `php -r`, an `awk`
//! program, or a program they read from stdin. We do not parse these languages. A small tokenizer (names,
//! string literals, punctuation) is enough to find the two accidents that matter:
//! - a shell command handed to the system: `os.system("…")`, `subprocess.run("…")` or
//!   `subprocess.run(["rm", "-rf", "/"])`, `execSync("…")`, `system "…"`, backticks, `qx{…}`,
//!   awk's `system("…")`, `print | "…"` and `"…" | getline`;
//!   returned as shell text or as an argv, for the walker to judge like any command;
//! - a recursive delete (`shutil.rmtree`, `fs.rmSync(…, {recursive: true})`, rimraf,
//!   `FileUtils.rm_rf`, `File::Path::rmtree`, `Pathname#rmtree`) of a path spelled with
//!   literals and the home directory (`os.path.expanduser("~")`, `os.homedir()`, `"HOME"`).
//!
//! Judgement call: only literal paths are judged. Where a variable of the other language
//! starts the path (`shutil.rmtree(sys.argv[1])`), we cannot place it and let it pass;
//! inside an otherwise literal path (`"/tmp/" + name`) it stands for one unknown component.
//! Interpolations in a shell string (`f"rm -rf {d}"`, `` `rm -rf ${d}` ``) become an
//! unknown expansion `${…}`, which a recursive `rm` is then denied for.

use super::argv::{cmd_name, is_option, long_opt};
use super::syntax::Word;
use super::wrappers::is_stdin_path;

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(super) enum Lang {
    Python,
    Node,
    Perl,
    Ruby,
    Php,
    /// awk, gawk, mawk, nawk: the first operand is the program; stdin is data.
    Awk,
}

/// What stands for a value the guard cannot see, inside a shell string.
const EXPR: &str = "${…}";
/// Bounds on what one program may produce, so a huge one-liner cannot make the hook slow.
const MAX_TOKENS: usize = 20_000;
const MAX_FINDINGS: usize = 64;
const MAX_ARG_TOKENS: usize = 256;

pub(super) fn lang_of(cmd: &str) -> Option<Lang> {
    let name = cmd_name(cmd);
    let name = name.as_ref();
    let versioned =
        |base: &str| name.strip_prefix(base).is_some_and(|v| v.chars().all(|c| c.is_ascii_digit() || c == '.'));
    if versioned("python") || versioned("pypy") {
        Some(Lang::Python)
    } else if matches!(name, "node" | "nodejs" | "bun") {
        Some(Lang::Node)
    } else if versioned("perl") {
        Some(Lang::Perl)
    } else if versioned("ruby") {
        Some(Lang::Ruby)
    } else if versioned("php") {
        Some(Lang::Php)
    } else if matches!(name, "awk" | "gawk" | "mawk" | "nawk") {
        Some(Lang::Awk)
    } else {
        None
    }
}

/// The program an interpreter's arguments name: inline code, or stdin when no code, module
/// or script file is given.
pub(super) struct Program {
    pub(super) code: Vec<String>,
    pub(super) reads_stdin: bool,
}

pub(super) fn program(lang: Lang, args: &[Word]) -> Program {
    let mut code = Vec::new();
    let mut i = 0;
    let mut other = false; // a module or a script file
    while let Some(t) = args.get(i).map(|w| w.text.as_str()) {
        i += 1;
        if t == "-" || t == "--" {
            break;
        }
        // `python3 /dev/stdin <<EOF`: the script file is stdin.
        if is_stdin_path(t) && code.is_empty() {
            break;
        }
        if !is_option(t) {
            if lang == Lang::Awk && code.is_empty() && !other {
                code.push(t.to_string());
            } else if code.is_empty() {
                other = true;
            }
            break;
        }
        let next = |i: usize| args.get(i).map(|w| w.text.clone());
        match lang {
            Lang::Python => {
                if let Some(at) = t.find('c').filter(|_| !t.starts_with("--")) {
                    let attached = &t[at + 1..];
                    code.extend(if attached.is_empty() { next(i) } else { Some(attached.to_string()) });
                    break; // what follows is the program's own argv
                }
                if t.starts_with("-m") {
                    other = true;
                    break;
                }
                if ["-W", "-X", "--check-hash-based-pycs"].contains(&t) {
                    i += 1;
                }
            }
            Lang::Node => {
                if let Some(c) = t.strip_prefix("--eval=").or_else(|| t.strip_prefix("--print=")) {
                    code.push(c.to_string());
                    break;
                }
                if ["-e", "-p", "-pe"].contains(&t) || long_opt(t, "--eval") || long_opt(t, "--print") {
                    code.extend(next(i));
                    break;
                }
                if ["-r", "--require", "--import", "--loader", "--input-type"].contains(&t) {
                    i += 1;
                }
            }
            Lang::Perl | Lang::Ruby => {
                // `-e CODE`, `-ne CODE`, `-e'CODE'`; may repeat.
                let cluster =
                    !t.starts_with("--") && !t.starts_with("-I") && !t.starts_with("-M") && !t.starts_with("-i");
                if let Some(at) = t.find(['e', 'E']).filter(|_| cluster) {
                    let attached = &t[at + 1..];
                    if attached.is_empty() {
                        code.extend(next(i));
                        i += 1;
                    } else {
                        code.push(attached.to_string());
                    }
                    continue;
                }
                if ["-r", "-I", "-C", "-E", "-F", "-x"].contains(&t) && lang == Lang::Ruby {
                    i += 1;
                }
            }
            Lang::Awk => {
                if let Some(c) = t.strip_prefix("--source=") {
                    code.push(c.to_string());
                } else if t == "-e" || t == "--source" {
                    code.extend(next(i));
                    i += 1;
                } else if t == "-f" || t.starts_with("--file") || t == "-E" || t.starts_with("--exec") {
                    other = true;
                    break;
                } else if ["-v", "-F", "--assign", "--field-separator", "-i", "--include", "-l", "--load"].contains(&t)
                {
                    i += 1;
                }
            }
            Lang::Php => {
                if ["-r", "-B", "-R", "-E"].contains(&t) {
                    code.extend(next(i));
                    i += 1;
                    continue;
                }
                if t == "-f" {
                    other = true;
                    break;
                }
                if ["-c", "-d", "-z"].contains(&t) {
                    i += 1;
                }
            }
        }
    }
    // awk's stdin is data, never its program.
    let reads_stdin = code.is_empty() && !other && lang != Lang::Awk;
    Program { code, reads_stdin }
}

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Name(String),
    Str(String),
    /// Backticks (outside JavaScript), `qx{…}`, `%x(…)`: a shell command.
    Cmd(String),
    Punct(char),
}

#[derive(Debug, Default)]
pub(super) struct Findings {
    /// Shell text passed to the system.
    pub(super) shell: Vec<String>,
    /// An argv run without a shell.
    pub(super) argvs: Vec<Vec<String>>,
    /// Paths deleted recursively: (text, whether a leading `~` is the home directory).
    pub(super) deletes: Vec<(String, bool)>,
}

pub(super) fn scan(lang: Lang, code: &str) -> Findings {
    let toks = tokenize(lang, code);
    let mut f = Findings::default();
    for (i, t) in toks.iter().enumerate() {
        if f.shell.len() + f.argvs.len() + f.deletes.len() >= MAX_FINDINGS {
            break;
        }
        let name = match t {
            Tok::Cmd(s) => {
                f.shell.push(s.clone());
                continue;
            }
            // awk: `print … | "cmd"` and `"cmd" | getline` run `cmd` through a shell.
            Tok::Punct('|') if lang == Lang::Awk => {
                if let Some(Tok::Str(cmd)) = toks.get(i + 1) {
                    f.shell.push(cmd.clone());
                } else if let (Some(Tok::Str(cmd)), Some(Tok::Name(n))) =
                    (i.checked_sub(1).and_then(|k| toks.get(k)), toks.get(i + 1))
                    && n == "getline"
                {
                    f.shell.push(cmd.clone());
                }
                continue;
            }
            Tok::Name(n) => n.as_str(),
            _ => continue,
        };
        let last = name.rsplit(['.', ':']).next().unwrap_or(name);
        let rest = toks.get(i + 1..).unwrap_or(&[]);
        if last == "rmtree" && i >= 2 && toks.get(i - 1) == Some(&Tok::Punct('.')) {
            // Ruby `Pathname.new("/").rmtree`: the path is the receiver's argument.
            if let Some(p) = receiver_args(&toks[..i - 1]).and_then(|a| literal_path(&a)) {
                f.deletes.push(p);
            }
        } else if runs_shell(lang, name, last) {
            let args = call_args(rest);
            let Some(first) = args.first() else {
                continue;
            };
            let is_list = |a: &Vec<Tok>| a.first() == Some(&Tok::Punct('['));
            let all_strs = args.iter().all(|a| matches!(a.as_slice(), [Tok::Str(_)]));
            if is_list(first) {
                f.argvs.push(strs(first));
            } else if let Some(second) = args.get(1).filter(|a| is_list(a)) {
                let mut argv = strs(first);
                argv.extend(strs(second));
                f.argvs.push(argv);
            } else if matches!(lang, Lang::Perl | Lang::Ruby) && args.len() > 1 && all_strs {
                f.argvs.push(args.iter().flat_map(|a| strs(a)).collect());
            } else {
                f.shell.push(shell_text(lang, first));
            }
        } else if deletes(lang, name, last) {
            let args = call_args(rest);
            let recursive = !matches!(last, "rm" | "rmSync" | "rmdir" | "rmdirSync")
                || args.iter().flatten().any(|t| matches!(t, Tok::Name(n) if n == "recursive"));
            if recursive && let Some(p) = args.first().and_then(|a| literal_path(a)) {
                f.deletes.push(p);
            }
        }
    }
    f
}

fn runs_shell(lang: Lang, name: &str, last: &str) -> bool {
    match lang {
        Lang::Python => {
            matches!(
                last,
                "system" | "popen" | "getoutput" | "getstatusoutput" | "check_output" | "check_call" | "Popen"
            ) || (name.starts_with("subprocess.") && matches!(last, "run" | "call"))
                || (name.starts_with("os.") && last.starts_with("exec"))
        }
        Lang::Node => matches!(
            last,
            "exec" | "execSync" | "spawn" | "spawnSync" | "execFile" | "execFileSync" | "execa" | "execaSync"
        ),
        Lang::Perl => matches!(last, "system" | "exec"),
        Lang::Ruby => matches!(last, "system" | "exec" | "spawn" | "popen" | "capture2" | "capture2e" | "capture3"),
        Lang::Php => matches!(last, "system" | "exec" | "shell_exec" | "passthru" | "popen" | "proc_open"),
        Lang::Awk => name == "system",
    }
}

fn deletes(lang: Lang, name: &str, last: &str) -> bool {
    match lang {
        Lang::Python => last == "rmtree",
        Lang::Node => {
            matches!(last, "rmSync" | "rmdirSync" | "removeSync" | "rimraf" | "rimrafSync")
                || (last == "sync" && name.contains("rimraf"))
                || (matches!(last, "rm" | "rmdir" | "remove") && name.contains('.'))
        }
        Lang::Perl => matches!(last, "rmtree" | "remove_tree"),
        Lang::Ruby => {
            matches!(last, "rm_rf" | "rm_r" | "remove_dir" | "remove_entry" | "remove_entry_secure" | "rmtree")
        }
        Lang::Php | Lang::Awk => false,
    }
}

/// The arguments after a callee: `( a, b )`, or up to `;`/end for a call without parens
/// (`system "…"`). Each argument is its tokens; nesting is respected.
fn call_args(rest: &[Tok]) -> Vec<Vec<Tok>> {
    let (body, paren) = match rest.first() {
        Some(Tok::Punct('(')) => (&rest[1..], true),
        _ => (rest, false),
    };
    let mut args = vec![Vec::new()];
    let mut depth = 0usize;
    // A call's first arguments are all we judge; never copy the rest of a huge program.
    for t in body.iter().take(MAX_ARG_TOKENS) {
        match t {
            Tok::Punct('(' | '[' | '{') => depth += 1,
            Tok::Punct(')' | ']' | '}') if depth == 0 => break,
            Tok::Punct(')' | ']' | '}') => depth -= 1,
            Tok::Punct(',') if depth == 0 => {
                args.push(Vec::new());
                continue;
            }
            Tok::Punct(';') if depth == 0 && !paren => break,
            _ => {}
        }
        if let Some(a) = args.last_mut() {
            a.push(t.clone());
        }
    }
    args.retain(|a| !a.is_empty());
    args
}

/// `Receiver(ARGS)` ending just before `end`: the arguments of that last call.
fn receiver_args(before: &[Tok]) -> Option<Vec<Tok>> {
    if before.last() != Some(&Tok::Punct(')')) {
        return None;
    }
    let mut depth = 0usize;
    for k in (0..before.len()).rev() {
        match before.get(k) {
            Some(Tok::Punct(')')) => depth += 1,
            Some(Tok::Punct('(')) => {
                depth -= 1;
                if depth == 0 {
                    return call_args(&before[k..]).into_iter().next();
                }
            }
            _ => {}
        }
    }
    None
}

fn strs(arg: &[Tok]) -> Vec<String> {
    arg.iter().filter_map(|t| if let Tok::Str(s) = t { Some(s.clone()) } else { None }).collect()
}

/// A shell string built from literals; every other operand is a value we cannot see.
fn shell_text(lang: Lang, arg: &[Tok]) -> String {
    let mut out = String::new();
    let mut after_str = false;
    for t in arg {
        match t {
            Tok::Str(s) => {
                out.push_str(&if lang == Lang::Python { python_placeholders(s) } else { s.clone() });
                after_str = true;
            }
            Tok::Name(n) if !after_str || !is_method(n) => out.push_str(EXPR),
            Tok::Punct('%') if lang == Lang::Python => after_str = false,
            _ => {}
        }
    }
    out
}

fn is_method(n: &str) -> bool {
    matches!(n, "format" | "join" | "strip" | "encode")
}

/// `%s`, `{}`, `{name}` in a Python string that is formatted later.
fn python_placeholders(s: &str) -> String {
    let mut out = String::new();
    let mut cs = s.chars().peekable();
    while let Some(c) = cs.next() {
        match c {
            '%' if cs.peek().is_some_and(|n| matches!(n, 's' | 'r' | 'd')) => {
                cs.next();
                out.push_str(EXPR);
            }
            '{' if cs.peek().is_some_and(|n| *n == '}' || n.is_alphanumeric() || *n == '_') => {
                for n in cs.by_ref() {
                    if n == '}' {
                        break;
                    }
                }
                out.push_str(EXPR);
            }
            c => out.push(c),
        }
    }
    out
}

/// The path a delete call's first argument spells, if it starts with something we can place.
fn literal_path(arg: &[Tok]) -> Option<(String, bool)> {
    /// Evaluate to the home directory (`Path.home()`, `os.homedir()`, `Dir.home`).
    const HOME_VALUES: &[&str] = &["homedir", "home", "gethome", "HOME"];
    /// Expand a leading `~` of their string argument.
    const TILDE: &[&str] = &["expanduser", "expand_path"];
    /// Containers of the environment, looked up by the literal `"HOME"`.
    const ENV: &[&str] = &["getenv", "environ", "env", "ENV", "$ENV", "get"];
    let last = |n: &str| n.rsplit(['.', ':']).next().unwrap_or(n).to_string();
    let home = arg.iter().any(|t| match t {
        Tok::Name(n) => HOME_VALUES.contains(&last(n).as_str()),
        Tok::Str(s) => s == "HOME",
        _ => false,
    });
    let tilde_ok = arg.iter().any(|t| matches!(t, Tok::Name(n) if TILDE.contains(&last(n).as_str())));
    let join = arg.iter().any(|t| matches!(t, Tok::Name(n) if n.ends_with("join")) || *t == Tok::Punct('/'));
    let mut text = String::new();
    let mut tilde = false;
    for (k, t) in arg.iter().enumerate() {
        let callee = arg.get(k + 1) == Some(&Tok::Punct('('));
        let piece = match t {
            Tok::Str(s) if s == "HOME" => continue,
            Tok::Str(s) if text.is_empty() && s.starts_with('~') && tilde_ok => {
                tilde = true;
                s.clone()
            }
            Tok::Str(s) => s.clone(),
            Tok::Name(n) => {
                let l = last(n);
                let skip = callee
                    || [HOME_VALUES, TILDE, ENV].iter().any(|set| set.contains(&l.as_str()))
                    || matches!(l.as_str(), "true" | "True" | "false" | "False" | "recursive" | "force");
                if skip {
                    continue;
                }
                if text.is_empty() && !home {
                    return None;
                }
                "…".to_string()
            }
            _ => continue,
        };
        if text.is_empty() && home && !tilde {
            tilde = true;
            text = if piece.starts_with('/') { format!("~{piece}") } else { format!("~/{piece}") };
        } else if text.is_empty() {
            text = piece;
        } else if join && !text.ends_with('/') && !piece.starts_with('/') {
            text = format!("{text}/{piece}");
        } else {
            text.push_str(&piece);
        }
    }
    if text.is_empty() {
        return home.then(|| ("~".to_string(), true));
    }
    Some((text, tilde))
}

fn tokenize(lang: Lang, code: &str) -> Vec<Tok> {
    let cs: Vec<char> = code.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    let hash_comments = matches!(lang, Lang::Python | Lang::Ruby | Lang::Perl | Lang::Php | Lang::Awk);
    while let Some(&c) = cs.get(i) {
        if out.len() >= MAX_TOKENS {
            break;
        }
        if c.is_whitespace() {
            i += 1;
        } else if (c == '#' && hash_comments) || (c == '/' && cs.get(i + 1) == Some(&'/') && lang == Lang::Node) {
            while cs.get(i).is_some_and(|&c| c != '\n') {
                i += 1;
            }
        } else if c == '/' && cs.get(i + 1) == Some(&'*') {
            i += 2;
            while i < cs.len() && !(cs.get(i) == Some(&'*') && cs.get(i + 1) == Some(&'/')) {
                i += 1;
            }
            i += 2;
        } else if c == '\'' || c == '"' || (c == '`' && lang == Lang::Node) {
            let (s, end) = quoted(&cs, i, lang == Lang::Python);
            let s = if c == '`' { template(&s) } else { s };
            out.push(Tok::Str(s));
            i = end;
        } else if c == '`' {
            let (s, end) = quoted(&cs, i, false);
            out.push(Tok::Cmd(s));
            i = end;
        } else if c.is_alphanumeric() || c == '_' || c == '$' || c == '@' {
            let start = i;
            while cs.get(i).is_some_and(|&c| c.is_alphanumeric() || c == '_' || c == '$' || c == '@')
                || (cs.get(i) == Some(&'.') && cs.get(i + 1).is_some_and(|c| c.is_alphabetic() || *c == '_'))
                || (cs.get(i) == Some(&':') && cs.get(i + 1) == Some(&':'))
            {
                i += if cs.get(i) == Some(&':') { 2 } else { 1 };
            }
            let name: String = cs[start..i].iter().collect();
            // String prefixes (`f"…"`, `r'…'`) and quote-like operators (`qx{…}`, `%x(…)`).
            match (name.as_str(), cs.get(i)) {
                (p, Some('\'' | '"'))
                    if lang == Lang::Python && p.len() <= 2 && p.chars().all(|c| "rbfuRBFU".contains(c)) =>
                {
                    let (s, end) = quoted(&cs, i, true);
                    out.push(Tok::Str(if p.contains(['f', 'F']) { python_placeholders(&s) } else { s }));
                    i = end;
                }
                ("qx" | "q" | "qq" | "qw", Some(&d))
                    if lang == Lang::Perl
                        && !d.is_alphanumeric()
                        && !d.is_whitespace()
                        && d != ','
                        && d != ';'
                        && d != '=' =>
                {
                    let (s, end) = delimited(&cs, i);
                    out.push(if name == "qx" { Tok::Cmd(s) } else { Tok::Str(s) });
                    i = end;
                }
                _ => out.push(Tok::Name(name)),
            }
        } else if c == '%'
            && lang == Lang::Ruby
            && cs.get(i + 1).is_some_and(|c| "xqQw".contains(*c))
            && cs.get(i + 2).is_some_and(|c| "([{<|!/".contains(*c))
        {
            let kind = cs.get(i + 1).copied();
            let (s, end) = delimited(&cs, i + 2);
            out.push(if kind == Some('x') { Tok::Cmd(s) } else { Tok::Str(s) });
            i = end;
        } else {
            out.push(Tok::Punct(c));
            i += 1;
        }
    }
    out
}

/// A JavaScript template: `${…}` interpolations are values we cannot see.
fn template(s: &str) -> String {
    let mut out = String::new();
    let mut rest = s;
    while let Some(at) = rest.find("${") {
        out.push_str(&rest[..at]);
        out.push_str(EXPR);
        rest = rest[at..].find('}').map_or("", |end| &rest[at + end + 1..]);
    }
    out.push_str(rest);
    out
}

/// A quoted string starting at `cs[start]`; Python's `'''`/`"""` when `triple`. Returns the
/// text (simple escapes undone) and the index after it.
fn quoted(cs: &[char], start: usize, triple: bool) -> (String, usize) {
    let q = cs.get(start).copied().unwrap_or('"');
    let is_triple = triple && cs.get(start + 1) == Some(&q) && cs.get(start + 2) == Some(&q);
    let mut i = start + if is_triple { 3 } else { 1 };
    let mut s = String::new();
    while let Some(&c) = cs.get(i) {
        if c == '\\' {
            let (ch, used) = escape(&cs[i + 1..]);
            s.extend(ch);
            i += 1 + used;
            continue;
        }
        if c == q && (!is_triple || (cs.get(i + 1) == Some(&q) && cs.get(i + 2) == Some(&q))) {
            return (s, i + if is_triple { 3 } else { 1 });
        }
        s.push(c);
        i += 1;
    }
    (s, i)
}

/// The character a backslash escape stands for (`\\n`, `\\040`, `\\x20`, `\\"`), and how many
/// chars after the backslash it used.
fn escape(after: &[char]) -> (Option<char>, usize) {
    let Some(&n) = after.first() else {
        return (None, 0);
    };
    let radix_digits = |radix: u32, from: usize, max: usize| {
        let ds: String = after.iter().skip(from).take(max).take_while(|c| c.is_digit(radix)).collect();
        let ch = u32::from_str_radix(&ds, radix).ok().and_then(char::from_u32);
        (ch, ds.len())
    };
    match n {
        'n' => (Some('\n'), 1),
        't' => (Some('\t'), 1),
        'x' => match radix_digits(16, 1, 2) {
            (Some(ch), len) if len > 0 => (Some(ch), 1 + len),
            _ => (Some('x'), 1),
        },
        '0'..='7' => match radix_digits(8, 0, 3) {
            (Some(ch), len) => (Some(ch), len),
            _ => (Some(n), 1),
        },
        n => (Some(n), 1),
    }
}

/// Perl/Ruby quote-like text whose delimiter is `cs[open]`: brackets nest, others repeat.
fn delimited(cs: &[char], open: usize) -> (String, usize) {
    let d = cs.get(open).copied().unwrap_or('/');
    let close = match d {
        '(' => ')',
        '[' => ']',
        '{' => '}',
        '<' => '>',
        c => c,
    };
    let mut depth = 0usize;
    let mut s = String::new();
    let mut i = open + 1;
    while let Some(&c) = cs.get(i) {
        i += 1;
        if c == '\\' {
            if let Some(&n) = cs.get(i) {
                s.push(n);
            }
            i += 1;
            continue;
        }
        if c == close && depth == 0 {
            return (s, i);
        }
        if close != d {
            if c == d {
                depth += 1;
            } else if c == close {
                depth -= 1;
            }
        }
        s.push(c);
    }
    (s, i)
}

/// An interpreter that reads its program from stdin (`… | python3`, `… | node -`).
pub(super) fn stdin_program(argv: &[Word]) -> Option<Lang> {
    let (first, args) = argv.split_first()?;
    let lang = lang_of(&first.text)?;
    program(lang, args).reads_stdin.then_some(lang)
}
