//! The walker: visits a parsed [`Script`] in execution order, carrying a [`Scope`] (the
//! working directory and variables; subshells and pipeline stages get a copy), unwrapping
//! wrappers, recursing into nested scripts (`sh -c`, `eval`, here-strings) within a budget,
//! and dispatching each simple command to its rule by name. `simple` stays a flat name →
//! rule match.

use std::borrow::Cow;

use super::argv::{cmd_name, is_option, joined, operands};
use super::interp::lang_of;
use super::parse::{is_assignment, parse};
use super::paths::Env;
use super::resolve::Target;
use super::scope::Scope;
use super::syntax::{Cmd, Redirect, Script, Word};
use super::wrappers::{SHELLS, pipe_lines, pipe_output, unwrap_wrappers};
use super::{Guard, MAX_CHECK_DEPTH, Verdict, snippet_str};

/// Environment variables that hold a command line some program runs through a shell.
const COMMAND_VARS: &[&str] = &[
    "GIT_SSH_COMMAND",
    "GIT_EDITOR",
    "GIT_SEQUENCE_EDITOR",
    "GIT_PAGER",
    "GIT_EXTERNAL_DIFF",
    "EDITOR",
    "VISUAL",
    "PAGER",
    "MANPAGER",
];

/// Commands whose arguments, when another program is handed them, are a command to judge.
const TAIL_COMMANDS: &[&str] = &[
    "rm",
    "find",
    "shred",
    "dd",
    "git",
    "rsync",
    "chmod",
    "chown",
    "mkfs",
    "wipefs",
    "mkswap",
    "blkdiscard",
    "sgdisk",
    "sfdisk",
    "fdisk",
    "parted",
    "eval",
    "xargs",
    "sudo",
    "env",
    "ssh",
    "parallel",
    "watch",
    "lvremove",
    "vgremove",
    "pvremove",
    "mdadm",
    "btrfs",
    "zfs",
    "zpool",
    "dmsetup",
    "cryptsetup",
];
/// Commands whose arguments are text or names, never a command they run.
#[rustfmt::skip]
const DATA_COMMANDS: &[&str] = &[
    "echo", "printf", "man", "info", "help", "tldr", "which", "whereis", "whatis", "apropos", "type", "hash", "alias",
    "unalias", "complete", "compgen", "history", "grep", "egrep", "fgrep", "rg", "ag", "ack", "cat", "less", "more",
    "head", "tail", "ls", "stat", "file", "wc", "sort", "uniq", "diff", "test", "[", "[[", "true", "false", "export",
    "declare", "typeset", "local", "readonly", "read", "cd", "pushd", "popd", "printenv", "set", "unset", "exit",
    "return", "shift", "touch", "mkdir", "cp", "mv", "ln", "tee", "sed", "tr", "cut", "jq", "yq", "curl", "wget",
    "tar", "zip", "unzip", "gzip", "apt", "apt-get", "brew", "pip", "pip3", "npm", "yarn", "pnpm", "cargo", "go",
    "make", "docker", "kubectl", "podman", "gh", "code", "vim", "nvim", "nano", "emacs", "for", "select", "case", "if",
    "while", "until", "function", "do", "then", "else", "elif", "in", "logger", "notify-send", "say", "wall", "cowsay",
    "figlet", "banner",
];

/// A word that is a value, never a command: a number or CPU mask (`0-3,7`, `0xff`), a
/// `controller:path`, `user@host` or `NAME=value`.
fn not_a_command(t: &str) -> bool {
    let numeric =
        t.chars().any(|c| c.is_ascii_digit()) && t.chars().all(|c| c.is_ascii_hexdigit() || ",.-+xX".contains(c));
    numeric || t.contains([':', '@', '='])
}

/// Does the command word `t` name a command the guard judges (so a program handed it as an
/// argument, or shell typed into an interpreter, is worth a look)?
pub(super) fn runs_judged_command(t: &str) -> bool {
    let n = cmd_name(t);
    TAIL_COMMANDS.contains(&n.as_ref()) || SHELLS.contains(&n.as_ref()) || lang_of(&n).is_some()
}

pub(super) struct Walker<'a> {
    pub(super) g: &'a Guard,
    pub(super) env: &'a Env,
    /// Remaining nested-script re-parses (see [`MAX_RECURSIONS`]).
    pub(super) budget: std::cell::Cell<usize>,
}

impl Walker<'_> {
    pub(super) fn script(&self, s: &Script, sc: &mut Scope, depth: usize) -> Verdict {
        for pipeline in &s.pipelines {
            self.pipeline_rule(pipeline, sc, depth)?;
            if let [c] = pipeline.as_slice() {
                self.cmd(c, sc, &[], depth)?;
                continue;
            }
            // Every stage of a real pipeline runs in its own subshell: a `cd` there does
            // not move the rest of the script.
            for (k, c) in pipeline.iter().enumerate() {
                self.cmd(c, &mut sc.clone(), &pipeline[..k], depth)?;
            }
            self.read_from_pipe(pipeline, sc);
        }
        Ok(())
    }

    /// `… | while read f; do rm -rf "$f"; done`: the loop body comes after the pipeline in
    /// our flat tree, so `f` is bound there to what the pipe carries (unknown if we cannot
    /// tell).
    fn read_from_pipe(&self, pipeline: &[Cmd], sc: &mut Scope) {
        let Some((last, before)) = pipeline.split_last() else {
            return;
        };
        let un = unwrap_wrappers(&last.words);
        if un.argv.first().is_none_or(|w| w.text != "read") {
            return;
        }
        let fed = pipe_output(before).unwrap_or_else(|| vec![Word::unknown("<lines read from the pipe>")]);
        for w in operands(un.argv.get(1..).unwrap_or(&[])) {
            self.env.bind(sc, &w.text, &fed);
        }
    }

    /// `feed`: the pipeline stages before this one (what `xargs` and `read` read).
    pub(super) fn cmd(&self, c: &Cmd, sc: &mut Scope, feed: &[Cmd], depth: usize) -> Verdict {
        for w in c.all_words() {
            for s in &w.subs {
                self.script(s, &mut sc.clone(), depth)?;
            }
        }
        for s in &c.subshells {
            self.script(s, &mut sc.clone(), depth)?;
        }
        for s in &c.groups {
            self.script(s, sc, depth)?;
        }
        if c.words.is_empty() {
            self.credentials(c.assigns.iter(), sc)?;
            self.redirect_rules(&c.redirects, sc)?;
            self.env.assign(&c.assigns, sc);
            return Ok(());
        }
        self.simple(&c.words, &c.assigns, &c.redirects, sc, feed, depth)
    }

    /// Variables whose value the command (or git, ssh, an editor it starts) runs as a shell
    /// command line: `GIT_SSH_COMMAND='sh -c "rm -rf /"' git fetch`.
    fn carried_commands(&self, env: &[&Word], sc: &Scope, depth: usize) -> Verdict {
        for w in env {
            if let Some((name, value)) = w.text.split_once('=')
                && COMMAND_VARS.contains(&name)
                && !value.is_empty()
            {
                self.recurse(value, sc, depth)?;
            }
        }
        Ok(())
    }

    /// A program the guard does not know, whose arguments start with a command it judges:
    /// `tool rm -rf /`, `taskset -c 0 rm -rf /`, `firejail --profile x git reset --hard`,
    /// `doppler run -- git reset --hard`, `uv run find . -delete`. Runners take a command
    /// this way, and a runner missing from `wrappers.rs` must not hide one.
    ///
    /// The rule, against false alarms: only the first operand can be the command, looking past
    /// what cannot be one: a word right after an option (it may be that option's value:
    /// `-c 0`, `--profile x`), a number, CPU mask, `controller:path`, `user@host` or
    /// `NAME=value`, and `run`/`exec`; and everything after `--`. The word found must name a
    /// command the guard judges (`rm`, `git`, `find`, a shell, an interpreter, a volume tool);
    /// deeper in, `rm` is the program's own subcommand (`aws s3 rm …`) or text. Commands
    /// that print or look up names (`echo`, `man`, `grep`, `logger`) are data.
    fn tail_command(&self, name: &str, args: &[Word], sc: &Scope, depth: usize) -> Verdict {
        if DATA_COMMANDS.contains(&name) {
            return Ok(());
        }
        let mut found = None;
        for (k, w) in args.iter().enumerate() {
            let t = w.text.as_str();
            if t == "--" {
                break;
            }
            if is_option(t) {
                continue;
            }
            if runs_judged_command(t) {
                found = Some(k);
                break;
            }
            let option_value = k > 0 && is_option(&args[k - 1].text) && !args[k - 1].text.contains('=');
            if !(option_value || not_a_command(t) || matches!(t, "run" | "exec")) {
                break;
            }
        }
        let after_dashdash = args.iter().position(|w| w.text == "--").map(|k| k + 1).filter(|&k| k < args.len());
        let judged = |k: &usize| runs_judged_command(&args[*k].text);
        match found.or_else(|| after_dashdash.filter(judged)) {
            Some(k) => self.run_argv(&args[k..], sc, depth).map_err(|e| format!("{e} (run through `{name}`)")),
            None => Ok(()),
        }
    }

    /// Walk `text` as a script of its own, in a copy of `sc`.
    pub(super) fn recurse(&self, text: &str, sc: &Scope, depth: usize) -> Verdict {
        if depth + 1 > MAX_CHECK_DEPTH || self.budget.get() == 0 {
            return Ok(());
        }
        self.budget.set(self.budget.get() - 1);
        let (script, broken) = parse(text);
        if broken && self.g.textual_rm_root(text) {
            return Err(format!(
                "claude-failover guard refused the nested script `{}`: unbalanced quoting around a recursive rm of / or ~",
                snippet_str(text)
            ));
        }
        self.script(&script, &mut sc.clone(), depth + 1)
    }

    pub(super) fn simple(
        &self,
        words: &[Word],
        assigns: &[Word],
        redirects: &[Redirect],
        sc: &mut Scope,
        feed: &[Cmd],
        depth: usize,
    ) -> Verdict {
        let expanded = self.env.expand_argv(words, sc);
        let words = expanded.as_deref().unwrap_or(words);
        let un = unwrap_wrappers(words);
        let mut argv = un.argv;
        // The scope the command itself runs in: `env -C dir`, `xargs -I{}` change it for this
        // command only.
        let mut local: Option<Scope> = None;
        // Code xargs takes from its input, refused once the user's patterns had their say.
        let mut input_code: Verdict = Ok(());
        if un.xargs {
            let fed = |read: fn(&[Cmd]) -> Option<Vec<Word>>| match feed {
                _ if un.arg_file => None,
                [] => None,
                _ => read(feed),
            };
            let unknown = || vec![Word::unknown("<input of xargs>")];
            // `xargs -i rm -rf` without `{}` drops its input by accident; judged as meant.
            let replace = un.replace.as_ref().filter(|r| argv.iter().any(|w| w.text.contains(r.as_str())));
            match replace {
                // One item per line.
                Some(r) => {
                    let input = fed(pipe_lines).unwrap_or_else(unknown);
                    self.env.bind_placeholder(local.get_or_insert_with(|| sc.clone()), r, &input, Some("xargs"));
                }
                None => {
                    // xargs splits lines into words: `printf 'rm -rf /' | xargs sh -c 'eval "$1"' _`
                    // passes only `rm` by accident. What was meant (`-d '\n'`) is judged too.
                    if let Some(lines) = fed(pipe_lines).filter(|l| l.iter().any(|w| w.text.contains(' '))) {
                        let meant: Vec<Word> = argv.iter().cloned().chain(lines).collect();
                        self.run_argv(&meant, sc, depth)?;
                    }
                    input_code = self.appended_code(&argv);
                    // What xargs appends to `find X -delete` lands after the expression: judged as
                    // the start paths it was meant as, read at run time, so unknown.
                    let finds = argv.first().is_some_and(|w| cmd_name(&w.text) == "find");
                    let input = if finds { None } else { fed(pipe_output) };
                    let input = input.unwrap_or_else(unknown);
                    argv = Cow::Owned(argv.iter().cloned().chain(input).collect());
                }
            }
        }
        if let Some(d) = &un.chdir {
            let to = match self.env.resolve(d, sc) {
                Target::Known { comps, contents: false, .. } => Some(comps),
                _ => None,
            };
            local.get_or_insert_with(|| sc.clone()).dir = to;
        }
        let raw = joined(words);
        let unwrapped = joined(&argv);
        if let Some((pat, _)) = self.g.deny.iter().find(|(_, r)| r.is_match(&raw) || r.is_match(&unwrapped)) {
            return Err(format!(
                "claude-failover guard refused `{}`: it matches your guard.deny pattern `{}`",
                snippet_str(&raw),
                snippet_str(pat)
            ));
        }
        if un.lookup {
            return Ok(());
        }
        if local.is_none() {
            self.env.track(&argv, sc);
        }
        if self.g.user_allows(&[&raw, &unwrapped]) {
            return Ok(());
        }
        input_code?;
        let sc: &Scope = local.as_ref().unwrap_or(sc);
        self.credentials(words.iter().chain(assigns).chain(argv.iter()), sc)?;
        self.credentials(redirects.iter().map(|r| &r.target), sc)?;
        self.redirect_rules(redirects, sc)?;
        let Some((first, args)) = argv.split_first() else {
            return Ok(());
        };
        let name = cmd_name(&first.text);
        let name = name.as_ref();
        // What the command runs with: `NAME=value` prefixes, and those `env` or `sudo` pass.
        let env: Vec<&Word> = assigns.iter().chain(words.iter().filter(|w| is_assignment(w))).collect();
        self.carried_commands(&env, sc, depth)?;
        self.account_writes(name, args, &argv, sc)?;
        self.key_writes(name, args, &argv, sc)?;
        if let Some(lang) = lang_of(name) {
            return self.interpreter_rule(lang, args, &argv, redirects, sc, depth);
        }
        match name {
            "rm" => self.rm_rule(args, &argv, sc),
            "find" => self.find_rule(args, &argv, sc, depth),
            "dd" => self.dd_rule(args, &argv, sc),
            "shred" => self.shred_rule(args, &argv, sc),
            "tee" | "cp" => self.device_write(args, &argv, sc),
            "chmod" | "chown" | "chgrp" => self.chperm_rule(args, &argv, sc),
            "git" => self.git_rule(args, &argv, &env, sc, depth),
            "wipefs" | "mke2fs" | "mkswap" => self.mkfs_rule(args, &argv, sc),
            "blkdiscard" | "sgdisk" | "gdisk" | "sfdisk" | "fdisk" | "parted" => self.disk_rule(name, args, &argv, sc),
            "rsync" => self.rsync_rule(args, &argv, sc),
            "lvremove" | "vgremove" | "pvremove" | "mdadm" | "btrfs" | "zfs" | "zpool" | "dmsetup" | "cryptsetup" => {
                self.volume_rule(name, args, &argv)
            }
            n if n.starts_with("mkfs") => self.mkfs_rule(args, &argv, sc),
            n if SHELLS.contains(&n) => self.shell_rule(args, &argv, redirects, sc, depth),
            "su" => self.su_rule(args, &argv, redirects, sc, depth),
            "eval" => {
                self.download_subs(&argv, redirects)?;
                self.recurse(&joined(args), sc, depth)
            }
            "source" | "." => self.source_rule(args, &argv, redirects, sc, depth),
            "watch" => self.watch_rule(args, sc, depth),
            "script" => self.script_rule(args, sc, depth),
            "trap" => self.trap_rule(args, sc, depth),
            "flock" => self.flock_rule(args, sc, depth),
            "parallel" => self.parallel_rule(args, sc, feed, depth),
            "ssh" => self.ssh_rule(args, redirects, depth),
            _ => self.tail_command(name, args, sc, depth),
        }
    }
}
