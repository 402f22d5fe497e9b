//! Wrapper unwrapping: given an argv, find the argv that really runs (`sudo`, `env`, `nice`,
//! `timeout`, `xargs`, …), what a shell is asked to run (`-c`, stdin), where `find` starts,
//! and what a pipeline feeds `xargs`. Gives no verdict.

use std::borrow::Cow;

use super::argv::{basename, is_option, operands, skip_options, text_at};
use super::parse::{is_assignment, parse};
use super::syntax::{Cmd, Script, Word};

pub(super) const SHELLS: &[&str] = &["sh", "bash", "zsh", "dash", "ksh", "mksh", "ash", "fish"];
const DOWNLOADERS: &[&str] = &["curl", "wget", "fetch"];

pub(super) struct Unwrapped<'w> {
    pub(super) argv: Cow<'w, [Word]>,
    pub(super) xargs: bool,
    /// `command -v x`: names a command without running it.
    pub(super) lookup: bool,
}

/// Strip `sudo`, `env`, `nice`, `nohup`, `time`, `command`, `exec`, `timeout`, `xargs`, … so the
/// rules see the command that actually runs.
pub(super) fn unwrap_wrappers(words: &[Word]) -> Unwrapped<'_> {
    let mut cur: Cow<'_, [Word]> = Cow::Borrowed(words);
    let mut i = 0usize;
    let mut xargs = false;
    let mut lookup = false;
    for _ in 0..64 {
        while cur.get(i).is_some_and(is_assignment) {
            i += 1;
        }
        let Some(name) = text_at(&cur, i).map(basename) else {
            break;
        };
        match name {
            "sudo" | "doas" => {
                i = skip_options(
                    &cur,
                    i + 1,
                    &[
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
                    ],
                );
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
                    if matches!(t, "-u" | "--unset" | "-C" | "--chdir") {
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
            "nohup" | "setsid" | "builtin" | "busybox" | "unbuffer" => {
                i = skip_options(&cur, i + 1, &[]);
            }
            "time" => i = skip_options(&cur, i + 1, &["-f", "-o", "--format", "--output"]),
            "exec" => i = skip_options(&cur, i + 1, &["-a"]),
            "ionice" => i = skip_options(&cur, i + 1, &["-c", "-n", "-p", "-P", "-u"]),
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
                i = skip_options(
                    &cur,
                    i + 1,
                    &[
                        "-I",
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
                    ],
                );
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
    Unwrapped { argv, xargs, lookup }
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
    ShellArgs { has_c, reads_stdin: !has_c && (has_s || matches!(first, None | Some("-" | "/dev/stdin"))), operands }
}

pub(super) fn find_starts(args: &[Word]) -> (Vec<&Word>, &[Word]) {
    let mut i = 0;
    while let Some(t) = text_at(args, i) {
        match t {
            "-H" | "-L" | "-P" => i += 1,
            "-D" => i += 2,
            t if t.starts_with("-O") => i += 1,
            _ => break,
        }
    }
    let mut starts = Vec::new();
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

/// What `prev | xargs …` feeds as arguments, when we can tell.
pub(super) fn xargs_sources(prev: &Cmd) -> Vec<Word> {
    let un = unwrap_wrappers(&prev.words);
    let Some((first, args)) = un.argv.split_first() else {
        return Vec::new();
    };
    match basename(&first.text) {
        "echo" | "printf" => {
            let mut out = Vec::new();
            for w in args.iter().filter(|w| !is_option(&w.text)) {
                if w.text.contains(char::is_whitespace) {
                    out.extend(w.text.split_whitespace().map(Word::lit));
                } else {
                    out.push(w.clone());
                }
            }
            out
        }
        "find" => {
            let (starts, _) = find_starts(args);
            let mut out: Vec<Word> = starts.into_iter().cloned().collect();
            if out.is_empty() {
                out.push(Word::lit("."));
            }
            out.iter_mut().for_each(|w| w.under = true);
            out
        }
        "ls" => {
            let ops = operands(args);
            if ops.is_empty() {
                return vec![Word::lit("*")];
            }
            ops.into_iter().map(|w| Word { under: true, ..w.clone() }).collect()
        }
        _ => Vec::new(),
    }
}

pub(super) fn script_downloads(s: &Script) -> bool {
    s.pipelines.iter().flatten().any(cmd_downloads)
}

fn cmd_downloads(c: &Cmd) -> bool {
    let un = unwrap_wrappers(&c.words);
    un.argv.first().is_some_and(|w| DOWNLOADERS.contains(&basename(&w.text)))
        || c.all_words().any(|w| w.subs.iter().any(script_downloads))
        || c.subshells.iter().chain(&c.groups).any(script_downloads)
}

/// Does this pipeline stage (or a group/subshell in it) satisfy `pred` on an unwrapped argv?
pub(super) fn stage_any(c: &Cmd, pred: &dyn Fn(&[Word]) -> bool) -> bool {
    pred(&unwrap_wrappers(&c.words).argv)
        || c.subshells.iter().chain(&c.groups).flat_map(|s| s.pipelines.iter().flatten()).any(|c| stage_any(c, pred))
}

pub(super) fn is_downloader(argv: &[Word]) -> bool {
    argv.first().is_some_and(|w| DOWNLOADERS.contains(&basename(&w.text)))
}

pub(super) fn is_stdin_shell(argv: &[Word]) -> bool {
    match argv.split_first() {
        Some((w, args)) => SHELLS.contains(&basename(&w.text)) && shell_args(args).reads_stdin,
        None => false,
    }
}
