//! Commands that run another command given as arguments, which `wrappers.rs` cannot simply
//! strip because they hand it to a shell or take it apart: `watch` (joined and run by
//! `sh -c`, unless `-x`), `script -c`, `trap`, `flock`, and GNU `parallel` (a command line
//! per input, `{}` standing for the input, or appended).
//!
//! Judgement call: where joining the words by blanks defuses a command by accident (`watch sh
//! -c 'rm -rf ~'` runs `sh -c rm -rf ~`, i.e. a bare `rm`), the command as written is judged
//! as well: the agent meant it, and its next attempt fixes the quoting.

use crate::guard::argv::{is_option, joined, long_opt, short_has};
use crate::guard::scope::Scope;
use crate::guard::syntax::{Cmd, Word};
use crate::guard::walk::Walker;
use crate::guard::wrappers::pipe_lines;
use crate::guard::{MAX_CHECK_DEPTH, Verdict};

impl Walker<'_> {
    /// Judge `argv` as a command of its own (run without a shell).
    pub(in crate::guard) fn run_argv(&self, argv: &[Word], sc: &Scope, depth: usize) -> Verdict {
        if argv.is_empty() || depth >= MAX_CHECK_DEPTH {
            return Ok(());
        }
        self.simple(argv, &[], &[], &mut sc.clone(), &[], depth + 1)
    }

    pub(in crate::guard) fn watch_rule(&self, args: &[Word], sc: &Scope, depth: usize) -> Verdict {
        let mut i = 0;
        let mut exec = false;
        while let Some(t) = args.get(i).map(|w| w.text.as_str()) {
            if t == "--" {
                i += 1;
                break;
            }
            if !is_option(t) {
                break;
            }
            exec |= short_has(t, 'x') || long_opt(t, "--exec");
            let with_arg = ["-n", "-q", "-s"].contains(&t)
                || (["--interval", "--equexit", "--shotsdir"].iter().any(|l| long_opt(t, l)) && !t.contains('='));
            i += if with_arg { 2 } else { 1 };
        }
        let cmd = args.get(i..).unwrap_or(&[]);
        if !exec {
            // Joined with blanks, `watch sh -c 'git reset --hard'` runs `sh -c git …`, which
            // only runs `git`; what was meant is judged too.
            self.recurse(&joined(cmd), sc, depth)?;
        }
        self.run_argv(cmd, sc, depth)
    }

    /// util-linux `script -c CMD`; BSD `script [file [command …]]`.
    pub(in crate::guard) fn script_rule(&self, args: &[Word], sc: &Scope, depth: usize) -> Verdict {
        let mut ops = Vec::new();
        let mut it = args.iter().enumerate();
        while let Some((k, w)) = it.next() {
            let t = w.text.as_str();
            if let Some(c) = t.strip_prefix("--command=") {
                return self.recurse(c, sc, depth);
            }
            if long_opt(t, "--command") {
                return match it.next() {
                    Some((_, c)) => self.recurse(&c.text, sc, depth),
                    None => Ok(()),
                };
            }
            // `--`, or BSD's file operand: the rest is the command and its own options.
            if t == "--" || !ops.is_empty() {
                ops.extend(args.iter().skip(k + usize::from(t == "--")));
                break;
            }
            if t.starts_with('-') && !t.starts_with("--") && t.len() > 1 {
                if let Some(at) = t.find('c') {
                    let attached = &t[at + 1..];
                    if !attached.is_empty() {
                        return self.recurse(attached, sc, depth);
                    }
                    return match it.next() {
                        Some((_, c)) => self.recurse(&c.text, sc, depth),
                        None => Ok(()),
                    };
                }
                if ["-E", "-B", "-I", "-O", "-T", "-m"].contains(&t) {
                    it.next();
                }
                continue;
            }
            if !t.starts_with("--") {
                ops.push(w);
            }
        }
        let cmd: Vec<Word> = ops.into_iter().skip(1).cloned().collect();
        self.run_argv(&cmd, sc, depth)
    }

    /// `trap ACTION SIGNAL…`: the action runs later (on exit or a signal), but it runs.
    pub(in crate::guard) fn trap_rule(&self, args: &[Word], sc: &Scope, depth: usize) -> Verdict {
        let mut ops = args.iter().skip_while(|w| matches!(w.text.as_str(), "-l" | "-p")).peekable();
        if ops.peek().is_some_and(|w| w.text == "--") {
            ops.next();
        }
        match ops.next() {
            Some(action) if !action.text.is_empty() && action.text != "-" => self.recurse(&action.text, sc, depth),
            _ => Ok(()),
        }
    }

    /// `flock [opts] FILE CMD…` or `flock [opts] FILE -c CMD`.
    pub(in crate::guard) fn flock_rule(&self, args: &[Word], sc: &Scope, depth: usize) -> Verdict {
        let mut i = 0;
        while let Some(t) = args.get(i).map(|w| w.text.as_str()) {
            if !is_option(t) {
                break;
            }
            let with_arg = ["-w", "-E"].contains(&t)
                || (["--timeout", "--wait", "--conflict-exit-code"].iter().any(|l| long_opt(t, l)) && !t.contains('='));
            i += if with_arg { 2 } else { 1 };
        }
        let rest = args.get(i + 1..).unwrap_or(&[]);
        match rest.first().map(|w| w.text.as_str()) {
            Some("-c" | "--command") => match rest.get(1) {
                Some(c) => self.recurse(&c.text, sc, depth),
                None => Ok(()),
            },
            _ => self.run_argv(rest, sc, depth),
        }
    }

    /// GNU `parallel [opts] CMD… ::: ARGS…`: each input becomes a command line run by a
    /// shell, with `{}` replaced by it, or appended when `{}` does not occur. Without `:::`
    /// the inputs are the lines of stdin; with `::::` they come from files (unknown).
    pub(in crate::guard) fn parallel_rule(&self, args: &[Word], sc: &Scope, feed: &[Cmd], depth: usize) -> Verdict {
        let mut ph = "{}".to_string();
        let mut i = 0;
        while let Some(t) = args.get(i).map(|w| w.text.as_str()) {
            if t == "--" {
                i += 1;
                break;
            }
            if !is_option(t) || t.starts_with(":::") {
                break;
            }
            if t == "-I" {
                if let Some(r) = args.get(i + 1) {
                    ph = r.text.clone();
                }
            } else if let Some(r) = t.strip_prefix("-I").or_else(|| t.strip_prefix("--replace=")) {
                ph = r.to_string();
            }
            i += if PARALLEL_WITH_ARG.contains(&t) { 2 } else { 1 };
        }
        let rest = args.get(i..).unwrap_or(&[]);
        let sep = rest.iter().position(|w| w.text.starts_with(":::")).unwrap_or(rest.len());
        let (cmd, lists) = rest.split_at(sep);
        let mut inputs: Vec<Word> = Vec::new();
        let mut from_files = false;
        let mut group_is_files = false;
        for w in lists {
            match w.text.as_str() {
                ":::" | ":::+" => group_is_files = false,
                "::::" | "::::+" => {
                    group_is_files = true;
                    from_files = true;
                }
                _ if !group_is_files => inputs.push(w.clone()),
                _ => {}
            }
        }
        // Inputs from stdin or a file are read when the command runs (`input.rs`).
        let read = from_files || lists.is_empty();
        if read {
            let fed = if lists.is_empty() && !feed.is_empty() { pipe_lines(feed) } else { None };
            inputs.extend(fed.unwrap_or_else(|| vec![Word::unknown("<input of parallel>")]));
        }
        if cmd.is_empty() {
            // `parallel ::: 'cmd1' 'cmd2'`: each input is a command line.
            for w in inputs.iter().filter(|w| !w.unknown) {
                self.recurse(&w.text, sc, depth)?;
            }
            return if read { self.lines_from_input(args) } else { Ok(()) };
        }
        // The other replacement strings are derived from the input; `{//}` is its parent.
        let mut line = joined(cmd).replace("{//}", &format!("{ph}/..")).replace("{.}", &ph).replace("{/.}", &ph);
        if !line.contains(&ph) {
            line = format!("{line} {ph}");
        }
        let mut inner = sc.clone();
        self.env.bind_placeholder(&mut inner, &ph, &inputs, read.then_some("parallel"));
        self.recurse(&line, &inner, depth)?;
        // parallel hands the line to a shell: `parallel {}` runs the input itself.
        let whole: Vec<Word> = std::iter::once(Word::lit("parallel")).chain(args.iter().cloned()).collect();
        self.code_from_input(&line, true, &whole, &inner)?;
        // Joined with blanks, `parallel sh -c 'rm -rf {}' ::: /` runs `sh -c rm -rf /`, which
        // only runs `rm`; what was meant is judged too.
        if cmd.len() > 1 { self.run_argv(cmd, &inner, depth) } else { Ok(()) }
    }
}

const PARALLEL_WITH_ARG: &[&str] = &[
    "-j",
    "--jobs",
    "-P",
    "-S",
    "--sshlogin",
    "--slf",
    "--sshloginfile",
    "-a",
    "--arg-file",
    "-d",
    "--delimiter",
    "-E",
    "--eof",
    "-I",
    "-n",
    "--max-args",
    "-N",
    "-L",
    "--max-lines",
    "-C",
    "--colsep",
    "--tag-string",
    "--results",
    "--res",
    "--joblog",
    "--workdir",
    "--wd",
    "--tmpdir",
    "--env",
    "--delay",
    "--timeout",
    "--retries",
    "--load",
    "--memfree",
    "-s",
    "--max-chars",
    "--basefile",
    "--bf",
    "--return",
    "--transferfile",
    "--tf",
    "--termseq",
    "--block",
    "--bs",
];
