//! Wrapper unwrapping: given an argv, find the argv that really runs (`sudo`, `env`, `nice`,
//! `timeout`, `xargs`, …), what a shell is asked to run (`-c`, stdin), where `find` starts,
//! and what a pipeline feeds `xargs`. Gives no verdict.

use std::borrow::Cow;

use super::argv::{cmd_name, is_option, joined, long_opt, operands, short_has, skip_options, text_at};
use super::parse::{is_assignment, parse};
use super::syntax::{Cmd, Script, Word};

pub(super) const SHELLS: &[&str] = &["sh", "bash", "zsh", "dash", "ksh", "mksh", "ash", "fish"];
const DOWNLOADERS: &[&str] = &["curl", "wget", "fetch"];

const SUDO_WITH_ARG: &[&str] = &[
    "-u",
    "-g",
    "-C",
    "-D",
    "-p",
    "-r",
    "-t",
    "-U",
    "-T",
    "-h",
    "--user",
    "--group",
    "--chdir",
    "--prompt",
    "--role",
    "--type",
    "--other-user",
    "--host",
    "--close-from",
];

const XARGS_WITH_ARG: &[&str] = &[
    "-I",
    "-J",
    "-R",
    "-S",
    "-L",
    "-n",
    "-P",
    "-s",
    "-d",
    "-E",
    "-a",
    "--arg-file",
    "--delimiter",
    "--max-args",
    "--max-lines",
    "--max-procs",
    "--max-chars",
    "--eof",
    "--process-slot-var",
];

pub(super) struct Unwrapped<'w> {
    pub(super) argv: Cow<'w, [Word]>,
    pub(super) xargs: bool,
    /// `xargs -I R`: input items replace `R` in the command instead of being appended.
    pub(super) replace: Option<String>,
    /// `env -C DIR`, `sudo -D DIR`: the command runs in `DIR`.
    pub(super) chdir: Option<Word>,
    /// `command -v x`: names a command without running it.
    pub(super) lookup: bool,
    /// `xargs -a FILE`: the items come from a file, not from the pipe.
    pub(super) arg_file: bool,
}

/// Strip `sudo`, `env`, `nice`, `nohup`, `time`, `command`, `exec`, `timeout`, `xargs`, … so the
/// rules see the command that actually runs.
pub(super) fn unwrap_wrappers(words: &[Word]) -> Unwrapped<'_> {
    let mut cur: Cow<'_, [Word]> = Cow::Borrowed(words);
    let mut i = 0usize;
    let mut xargs = false;
    let mut replace = None;
    let mut chdir = None;
    let mut lookup = false;
    let mut arg_file = false;
    for _ in 0..64 {
        while cur.get(i).is_some_and(is_assignment) {
            i += 1;
        }
        let Some(name) = text_at(&cur, i).map(cmd_name) else {
            break;
        };
        match name.as_ref() {
            "sudo" | "doas" => {
                i += 1;
                while let Some(t) = text_at(&cur, i) {
                    if t == "--" {
                        i += 1;
                        break;
                    }
                    if !is_option(t) {
                        break;
                    }
                    if let Some(d) =
                        t.strip_prefix("--chdir=").or_else(|| t.strip_prefix("-D").filter(|d| !d.is_empty()))
                    {
                        chdir = Some(Word::lit(d));
                    } else if t == "-D" || t == "--chdir" {
                        chdir = cur.get(i + 1).cloned();
                    }
                    i += if SUDO_WITH_ARG.contains(&t) { 2 } else { 1 };
                }
            }
            "env" => {
                i += 1;
                let mut split: Option<Vec<Word>> = None;
                while let Some(t) = text_at(&cur, i) {
                    if t == "--" {
                        i += 1;
                        break;
                    }
                    let s_val = if t == "-S" || t == "--split-string" {
                        Some((text_at(&cur, i + 1).unwrap_or(""), 2))
                    } else if let Some(v) = t.strip_prefix("--split-string=") {
                        Some((v, 1))
                    } else {
                        t.strip_prefix("-S").filter(|v| !v.is_empty()).map(|v| (v, 1))
                    };
                    if let Some((s, used)) = s_val {
                        let mut v = first_words(s);
                        v.extend(cur.get(i + used..).unwrap_or(&[]).iter().cloned());
                        split = Some(v);
                        break;
                    }
                    if let Some(d) =
                        t.strip_prefix("--chdir=").or_else(|| t.strip_prefix("-C").filter(|d| !d.is_empty()))
                    {
                        chdir = Some(Word::lit(d));
                        i += 1;
                    } else if matches!(t, "-C" | "--chdir") {
                        chdir = cur.get(i + 1).cloned();
                        i += 2;
                    } else if matches!(t, "-u" | "--unset" | "-P" | "-a" | "--argv0") {
                        // BSD `-P altpath`, GNU `-a ARG0` take a value.
                        i += 2;
                    } else if is_option(t) {
                        i += 1;
                    } else {
                        break;
                    }
                }
                if let Some(v) = split {
                    cur = Cow::Owned(v);
                    i = 0;
                }
            }
            "nice" => i = skip_options(&cur, i + 1, &["-n", "--adjustment"]),
            "nohup" | "setsid" | "builtin" | "busybox" | "unbuffer" | "chronic" | "ifne" | "proxychains"
            | "proxychains4" | "torsocks" | "catchsegv" => {
                i = skip_options(&cur, i + 1, &[]);
            }
            "time" => i = skip_options(&cur, i + 1, &["-f", "-o", "--format", "--output"]),
            "exec" => i = skip_options(&cur, i + 1, &["-a"]),
            "ionice" => {
                i = skip_options(
                    &cur,
                    i + 1,
                    &["-c", "-n", "-p", "-P", "-u", "--class", "--classdata", "--pid", "--pgid", "--uid"],
                );
            }
            // `taskset [-c] MASK CMD…`; with `-p` it changes a running process instead.
            "taskset" => {
                let pid = cur
                    .get(i + 1..)
                    .unwrap_or(&[])
                    .iter()
                    .take_while(|w| is_option(&w.text))
                    .any(|w| short_has(&w.text, 'p') || long_opt(&w.text, "--pid"));
                if pid {
                    i = cur.len();
                    break;
                }
                i = skip_options(&cur, i + 1, &[]) + 1;
            }
            // `chrt [-f|-r|-o|-b|-i|-d] [PRIORITY] CMD…`; `-p` is a running process.
            "chrt" => {
                let start = i + 1;
                i = skip_options(
                    &cur,
                    start,
                    &["-T", "-P", "-D", "--sched-runtime", "--sched-period", "--sched-deadline"],
                );
                let pid = cur
                    .get(start..i)
                    .unwrap_or(&[])
                    .iter()
                    .any(|w| short_has(&w.text, 'p') || long_opt(&w.text, "--pid"));
                if pid {
                    i = cur.len();
                    break;
                }
                if text_at(&cur, i).is_some_and(|t| t.chars().all(|c| c.is_ascii_digit()) && !t.is_empty()) {
                    i += 1;
                }
            }
            "cgexec" => i = skip_options(&cur, i + 1, &["-g"]),
            // Every firejail option is `--name` or `--name=value`.
            "firejail" => i = skip_options(&cur, i + 1, &[]),
            "caffeinate" => i = skip_options(&cur, i + 1, &["-t", "-w"]),
            "stdbuf" => i = skip_options(&cur, i + 1, &["-i", "-o", "-e"]),
            "timeout" => {
                i = skip_options(&cur, i + 1, &["-s", "-k", "--signal", "--kill-after"]) + 1;
            }
            "command" => {
                i += 1;
                while let Some(t) = text_at(&cur, i).filter(|t| is_option(t)) {
                    if t.contains(['v', 'V']) {
                        lookup = true;
                    }
                    i += 1;
                }
                if lookup {
                    break;
                }
            }
            "xargs" => {
                xargs = true;
                i += 1;
                while let Some(t) = text_at(&cur, i) {
                    if t == "--" {
                        i += 1;
                        break;
                    }
                    if !is_option(t) {
                        break;
                    }
                    // BSD `-J R` replaces like `-I R`; an empty `--replace=` means `{}`.
                    if t == "-I" || t == "-J" {
                        replace = text_at(&cur, i + 1).map(str::to_string);
                    } else if let Some(r) = t.strip_prefix("-I").or_else(|| t.strip_prefix("-J")) {
                        replace = Some(r.to_string());
                    } else if t == "-i" || t == "--replace" || t == "--replace=" {
                        replace = Some("{}".to_string());
                    } else if let Some(r) = t.strip_prefix("-i").or_else(|| t.strip_prefix("--replace=")) {
                        replace = Some(r.to_string());
                    }
                    arg_file |= t.starts_with("-a") || long_opt(t, "--arg-file");
                    i += if XARGS_WITH_ARG.contains(&t) { 2 } else { 1 };
                }
            }
            _ => break,
        }
    }
    let argv = match cur {
        Cow::Borrowed(s) => Cow::Borrowed(s.get(i..).unwrap_or(&[])),
        Cow::Owned(mut v) => {
            v.drain(..i.min(v.len()));
            Cow::Owned(v)
        }
    };
    Unwrapped { argv, xargs, replace, chdir, lookup, arg_file }
}

fn first_words(s: &str) -> Vec<Word> {
    parse(s).0.pipelines.into_iter().next().and_then(|p| p.into_iter().next()).map(|c| c.words).unwrap_or_default()
}

pub(super) struct ShellArgs<'w> {
    pub(super) has_c: bool,
    pub(super) reads_stdin: bool,
    pub(super) operands: &'w [Word],
}

pub(super) fn shell_args(args: &[Word]) -> ShellArgs<'_> {
    let mut i = 0;
    let (mut has_c, mut has_s) = (false, false);
    while let Some(t) = text_at(args, i) {
        if t == "--" {
            i += 1;
            break;
        }
        if t == "-" {
            break;
        }
        if matches!(t, "-o" | "+o" | "-O" | "+O" | "--rcfile" | "--init-file") {
            i += 2;
            continue;
        }
        if t.starts_with("--") {
            has_c |= t == "--command";
            i += 1;
            continue;
        }
        if (t.starts_with('-') || t.starts_with('+')) && t.len() > 1 {
            has_c |= t.contains('c');
            has_s |= t.contains('s');
            i += 1;
            continue;
        }
        break;
    }
    let operands = args.get(i..).unwrap_or(&[]);
    let first = operands.first().map(|w| w.text.as_str());
    ShellArgs { has_c, reads_stdin: !has_c && (has_s || first.is_none_or(|f| f == "-" || is_stdin_path(f))), operands }
}

/// A path that is the process's own standard input.
pub(super) fn is_stdin_path(t: &str) -> bool {
    matches!(t, "/dev/stdin" | "/dev/fd/0" | "/proc/self/fd/0")
}

/// `find`'s start paths (GNU leading options, BSD `-f PATH`) and the expression after them.
pub(super) fn find_starts(args: &[Word]) -> (Vec<&Word>, &[Word]) {
    let mut starts = Vec::new();
    let mut i = 0;
    while let Some(t) = text_at(args, i) {
        match t {
            "-H" | "-L" | "-P" | "-E" | "-X" | "-d" | "-s" | "-x" => i += 1,
            "-D" => i += 2,
            "-f" => {
                starts.extend(args.get(i + 1));
                i += 2;
            }
            t if t.starts_with("-O") => i += 1,
            _ => break,
        }
    }
    while let Some(w) = args.get(i) {
        let t = w.text.as_str();
        if is_option(t) || matches!(t, "(" | "!" | ")" | ",") {
            break;
        }
        starts.push(w);
        i += 1;
    }
    (starts, args.get(i..).unwrap_or(&[]))
}

/// `find` primaries that take one argument (`-fprintf` takes two), so `-name -delete` is a
/// name, not a deletion.
#[rustfmt::skip]
const FIND_WITH_ARG: &[&str] = &[
    "-name", "-iname", "-path", "-ipath", "-wholename", "-iwholename", "-regex", "-iregex", "-lname", "-ilname",
    "-type", "-xtype", "-user", "-group", "-uid", "-gid", "-perm", "-size", "-mtime", "-mmin", "-atime", "-amin",
    "-ctime", "-cmin", "-newer", "-anewer", "-cnewer", "-inum", "-samefile", "-links", "-used", "-fstype",
    "-context", "-maxdepth", "-mindepth", "-regextype", "-printf", "-fprint", "-fprint0", "-fls", "-files0-from",
    "-flags", "-mnewer", "-Bnewer", "-Bmin", "-Btime",
];
/// Primaries that only pass some of what `find` walks. Without one, `find X -delete` (or
/// `-exec rm -rf {}`) deletes X and everything in it, like `rm -rf X`.
#[rustfmt::skip]
const FIND_TESTS: &[&str] = &[
    "-name", "-iname", "-path", "-ipath", "-wholename", "-iwholename", "-regex", "-iregex", "-lname", "-ilname",
    "-type", "-xtype", "-user", "-group", "-uid", "-gid", "-perm", "-size", "-mtime", "-mmin", "-atime", "-amin",
    "-ctime", "-cmin", "-newer", "-anewer", "-cnewer", "-inum", "-samefile", "-links", "-used", "-fstype",
    "-context", "-empty", "-nouser", "-nogroup", "-readable", "-writable", "-executable", "-false", "-flags",
    "-mnewer", "-Bnewer", "-Bmin", "-Btime",
];

/// A `find` expression, read primary by primary.
pub(super) struct FindExpr<'w> {
    /// `-delete` is one of the primaries.
    pub(super) delete: bool,
    /// Something passes only some of the paths (`-name`, `-type`, `-empty`, `-newer…`).
    pub(super) filtered: bool,
    /// The commands of `-exec`/`-execdir`/`-ok`/`-okdir`, without their terminator.
    pub(super) execs: Vec<&'w [Word]>,
    /// Operands after the expression began (`find X -delete Y`, often appended by `xargs`
    /// or `parallel`): find refuses them, but they were meant as start paths.
    pub(super) stray: Vec<&'w Word>,
}

pub(super) fn find_expr(expr: &[Word]) -> FindExpr<'_> {
    let mut out = FindExpr { delete: false, filtered: false, execs: Vec::new(), stray: Vec::new() };
    let mut j = 0;
    while let Some(t) = text_at(expr, j) {
        j += 1;
        if !is_option(t) && !matches!(t, "(" | ")" | "!" | ",") {
            out.stray.extend(expr.get(j - 1));
        } else if t == "-delete" {
            out.delete = true;
        } else if matches!(t, "-exec" | "-execdir" | "-ok" | "-okdir") {
            let rest = expr.get(j..).unwrap_or(&[]);
            let end = rest
                .iter()
                .enumerate()
                .position(|(k, w)| w.text == ";" || (w.text == "+" && k > 0 && rest[k - 1].text == "{}"))
                .unwrap_or(rest.len());
            out.execs.push(&rest[..end]);
            j += end + 1;
        } else {
            out.filtered |= FIND_TESTS.contains(&t) || t.starts_with("-newer");
            if t == "-fprintf" {
                j += 2;
            } else if FIND_WITH_ARG.contains(&t) || t.starts_with("-newer") {
                j += 1;
            }
        }
    }
    out
}

/// What the last of `stages` prints, as words standing for paths, when we can tell: the
/// arguments of `echo`, what `find`/`ls`/`grep -rl` list (marked `under` their start), seen
/// through filters that only drop or reorder lines (`grep`, `head`, `sort`, …). This is what
/// `… | xargs rm -rf`, `$(find …)` and `… | while read f` hand on.
pub(super) fn pipe_output(stages: &[Cmd]) -> Option<Vec<Word>> {
    // Walk back over the filters (iteratively: a pipeline may be long) to the producer.
    let mut filtered = false;
    for (k, stage) in stages.iter().enumerate().rev() {
        let un = unwrap_wrappers(&stage.words);
        let (first, args) = un.argv.split_first()?;
        let name = cmd_name(&first.text);
        let name = name.as_ref();
        let lists_files = args.iter().any(|w| {
            let t = w.text.as_str();
            ['r', 'R', 'l', 'L'].iter().any(|&c| short_has(t, c))
                || ["--recursive", "--files-with-matches", "--files-without-match"].iter().any(|l| long_opt(t, l))
        });
        let filter = matches!(name, "head" | "tail" | "sort" | "uniq" | "tac" | "shuf")
            || (matches!(name, "grep" | "egrep" | "fgrep" | "rg") && !lists_files);
        if filter && k > 0 {
            filtered = true;
            continue;
        }
        let out = stage_output(&un.argv)?;
        if !filtered {
            return Some(out);
        }
        // A filter passes some of the lines: `ls | grep x` is some entries of the directory,
        // not all of it.
        let some = |w: Word| if w.text == "*" { Word { under: true, ..Word::lit(".") } } else { w };
        return Some(out.into_iter().map(some).collect());
    }
    None
}

fn stage_output(argv: &[Word]) -> Option<Vec<Word>> {
    let (first, args) = argv.split_first()?;
    let under = |ws: Vec<Word>| ws.into_iter().map(|w| Word { under: true, ..w }).collect::<Vec<_>>();
    match cmd_name(&first.text).as_ref() {
        "echo" | "printf" => {
            let mut out = Vec::new();
            for w in args.iter().filter(|w| !is_option(&w.text)) {
                if w.text.contains(char::is_whitespace) {
                    out.extend(w.text.split_whitespace().map(Word::lit));
                } else {
                    out.push(w.clone());
                }
            }
            Some(out)
        }
        "find" => {
            let (starts, expr) = find_starts(args);
            let mut out: Vec<Word> = starts.into_iter().cloned().collect();
            if out.is_empty() {
                out.push(Word::lit("."));
            }
            // Unfiltered, `find X` lists X itself too: handing that on deletes X.
            Some(if find_expr(expr).filtered { under(out) } else { out })
        }
        "ls" => {
            let ops = operands(args);
            if ops.is_empty() {
                return Some(vec![Word::lit("*")]);
            }
            Some(under(ops.into_iter().cloned().collect()))
        }
        "grep" | "egrep" | "fgrep" | "rg" => {
            // The first operand is the pattern, unless `-e`/`-f` gave it.
            let given = args.iter().any(|w| matches!(w.text.as_str(), "-e" | "-f") || long_opt(&w.text, "--regexp"));
            let skip = usize::from(!given);
            let paths: Vec<Word> = operands(args).into_iter().skip(skip).cloned().collect();
            Some(under(if paths.is_empty() { vec![Word::lit(".")] } else { paths }))
        }
        _ => None,
    }
}

pub(super) fn script_downloads(s: &Script) -> bool {
    s.pipelines.iter().flatten().any(cmd_downloads)
}

fn cmd_downloads(c: &Cmd) -> bool {
    let un = unwrap_wrappers(&c.words);
    un.argv.first().is_some_and(|w| DOWNLOADERS.contains(&cmd_name(&w.text).as_ref()))
        || c.all_words().any(|w| w.subs.iter().any(script_downloads))
        || c.subshells.iter().chain(&c.groups).any(script_downloads)
}

/// Does this pipeline stage (or a group/subshell in it) satisfy `pred` on an unwrapped argv?
pub(super) fn stage_any(c: &Cmd, pred: &dyn Fn(&[Word]) -> bool) -> bool {
    pred(&unwrap_wrappers(&c.words).argv)
        || c.subshells.iter().chain(&c.groups).flat_map(|s| s.pipelines.iter().flatten()).any(|c| stage_any(c, pred))
}

pub(super) fn is_downloader(argv: &[Word]) -> bool {
    argv.first().is_some_and(|w| DOWNLOADERS.contains(&cmd_name(&w.text).as_ref()))
}

/// A shell reading its script from stdin, or `source /dev/stdin` / `. /dev/stdin`, which
/// runs what stdin carries in the current shell.
pub(super) fn is_stdin_shell(argv: &[Word]) -> bool {
    match argv.split_first() {
        Some((w, args)) => match cmd_name(&w.text).as_ref() {
            "source" | "." => operands(args).first().is_some_and(|o| is_stdin_path(&o.text)),
            n => SHELLS.contains(&n) && shell_args(args).reads_stdin,
        },
        None => false,
    }
}

/// The text a pipeline stage prints when it is spelled out on the command line: `echo`'s and
/// `printf`'s arguments, a here-document or here-string handed to `cat`.
pub(super) fn printed_text(c: &Cmd) -> Option<String> {
    let un = unwrap_wrappers(&c.words);
    let (first, args) = un.argv.split_first()?;
    match cmd_name(&first.text).as_ref() {
        "echo" => {
            let flags = args.iter().take_while(|w| {
                w.text.len() > 1 && w.text.starts_with('-') && w.text[1..].chars().all(|c| "neE".contains(c))
            });
            let escapes = flags.clone().any(|w| w.text.contains('e'));
            let text = joined(&args[flags.count()..]);
            Some(if escapes { unescape(&text) } else { text })
        }
        "printf" => {
            let (format, values) = args.split_first()?;
            Some(printf(&format.text, values))
        }
        "cat" if operands(args).is_empty() => c.redirects.iter().find_map(|r| match (r.op, &r.body) {
            ("<<" | "<<-", Some(body)) => Some(body.clone()),
            ("<<<", _) => Some(r.target.text.clone()),
            _ => None,
        }),
        _ => None,
    }
}

/// `printf FORMAT ARGS…` for the conversions a script would be written with: `%s`/`%b`/`%q`
/// take the next argument, `%%` is `%`, the usual backslash escapes. The format is reused
/// while arguments remain, as printf does.
fn printf(format: &str, values: &[Word]) -> String {
    let mut out = String::new();
    let mut vals = values.iter().map(|w| w.text.as_str());
    let mut passes = 0;
    loop {
        let mut used = false;
        let mut cs = format.chars().peekable();
        while let Some(c) = cs.next() {
            if c != '%' {
                out.push(c);
                continue;
            }
            match cs.next() {
                Some('%') => out.push('%'),
                Some(_) => {
                    used = true;
                    out.push_str(vals.next().unwrap_or(""));
                }
                None => out.push('%'),
            }
        }
        passes += 1;
        if !used || vals.len() == 0 || passes > 64 {
            break;
        }
    }
    unescape(&out)
}

fn unescape(s: &str) -> String {
    s.replace("\\n", "\n").replace("\\t", "\t")
}

/// What `xargs -I`, `parallel` or `read` take from a pipe, one item per line, when the
/// stage before prints text spelled out on the command line and some line holds blanks
/// (`echo 'rm -rf /' | xargs -I{} sh -c {}`). Otherwise the words of [`pipe_output`],
/// which keep what `~` and `$…` mean.
pub(super) fn pipe_lines(stages: &[Cmd]) -> Option<Vec<Word>> {
    if let Some(text) = stages.last().and_then(printed_text)
        && text.lines().any(|l| l.trim().contains(char::is_whitespace))
    {
        return Some(text.lines().map(str::trim).filter(|l| !l.is_empty()).map(Word::lit).collect());
    }
    pipe_output(stages)
}
