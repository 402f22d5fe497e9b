//! Code that only exists once the command runs: the script of `sh -c`, the program of
//! `python -c`, or a whole command line, taken from what `xargs` or `parallel` read from
//! their input (`… | xargs -I{} bash -c {}`, `… | parallel bash -c {}`, `… | xargs sh -c`,
//! `cat jobs | parallel`).
//!
//! Judgement call (issue 24, what cannot be known is assumed the worst): such code is
//! refused whatever the stage before happens to print. The guard can read `echo ok` today,
//! but the form is the same whether the lines come from `echo`, a file or a command's
//! output, and a line read at run time is data the guard cannot check when the tool call is
//! made. Writing the commands out (`parallel ::: 'cmd1' 'cmd2'`, whose inputs are on the
//! command line and judged) or running a named script costs the agent nothing.
//!
//! Only code counts: the placeholder as a command name (`{}`, `sudo {}`, `eval {}`, in a
//! `$(…)` or a group) or as a whole program. An argument taken from input
//! (`xargs -I{} sh -c 'wc -l {}'`, `xargs -n1 sh -c 'wc -l "$1"' _`) is data, judged as
//! the rules judge any path; where the input is unseen the deletion rules refuse it there.

use crate::guard::argv::cmd_name;
use crate::guard::interp::{lang_of, program};
use crate::guard::parse::parse;
use crate::guard::scope::Scope;
use crate::guard::syntax::{Script, Word};
use crate::guard::walk::Walker;
use crate::guard::wrappers::{SHELLS, shell_args, unwrap_wrappers};
use crate::guard::{Verdict, snippet};

/// Stands for the first item `xargs` appends, in [`appended_is_code`]'s probe.
const PROBE: &str = "\u{0}xargs-input";

/// Why code read from input is refused; `cmd` is the command that runs it.
fn reason(cmd: &[Word], reader: &str) -> String {
    format!(
        "claude-failover guard refused `{}`: the code it runs is text {reader} reads from its input when the command runs, which the guard cannot check beforehand; write the commands out in the tool call, or put them in a script file and run that by name",
        snippet(cmd)
    )
}

/// Does a command of `s` take its name from `ph` (`{}`, `sudo {}`, `eval {}`, `$({})`)?
fn runs_placeholder(s: &Script, ph: &str) -> bool {
    s.pipelines.iter().flatten().any(|c| {
        let un = unwrap_wrappers(&c.words);
        let named = un.argv.split_first().is_some_and(|(first, args)| {
            first.text.contains(ph) || (cmd_name(&first.text) == "eval" && args.iter().any(|w| w.text.contains(ph)))
        });
        named
            || c.all_words().any(|w| w.subs.iter().any(|s| runs_placeholder(s, ph)))
            || c.subshells.iter().chain(&c.groups).any(|s| runs_placeholder(s, ph))
    })
}

/// Is the first item xargs appends to `argv` the script or program it runs?
fn appended_is_code(argv: &[Word]) -> bool {
    let mut probe = argv.to_vec();
    probe.push(Word::lit(PROBE));
    let un = unwrap_wrappers(&probe);
    let Some((first, args)) = un.argv.split_first() else {
        return false;
    };
    let name = cmd_name(&first.text);
    if SHELLS.contains(&name.as_ref()) {
        let sa = shell_args(args);
        return sa.has_c && sa.operands.first().is_some_and(|w| w.text == PROBE);
    }
    lang_of(&name).is_some_and(|lang| program(lang, args).code.iter().any(|c| c == PROBE))
}

impl Walker<'_> {
    /// `xargs sh -c`, `xargs python -c`, `xargs awk` without code of their own: xargs appends
    /// the items it reads, and the first one becomes the script.
    pub(in crate::guard) fn appended_code(&self, argv: &[Word]) -> Verdict {
        if appended_is_code(argv) { Err(reason(argv, "xargs")) } else { Ok(()) }
    }

    /// `code`, which `cmd` runs as a shell script (`shell`) or as a program, is (or runs as a
    /// command) the placeholder whose values xargs or parallel read from input: refused.
    pub(in crate::guard) fn code_from_input(&self, code: &str, shell: bool, cmd: &[Word], sc: &Scope) -> Verdict {
        let Some((ph, reader)) = sc.read_placeholder() else {
            return Ok(());
        };
        let runs = if shell { runs_placeholder(&parse(code).0, ph) } else { code.trim() == ph };
        if runs { Err(reason(cmd, reader)) } else { Ok(()) }
    }

    /// `parallel` without a command runs each input as a command line; read from stdin or
    /// a file (`cat jobs | parallel`, `parallel :::: jobs`) they are code from input.
    pub(in crate::guard) fn lines_from_input(&self, args: &[Word]) -> Verdict {
        let cmd: Vec<Word> = std::iter::once(Word::lit("parallel")).chain(args.iter().cloned()).collect();
        Err(reason(&cmd, "parallel"))
    }
}
