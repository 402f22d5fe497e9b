//! The walker: visits a parsed [`Script`] in execution order, tracking the working directory
//! (`cd`, subshells, pipeline stages), unwrapping wrappers, recursing into nested scripts
//! (`sh -c`, `eval`, here-strings) within a budget, and dispatching each simple command to
//! its rule by name. `simple` stays a flat name → rule match.

use std::borrow::Cow;

use super::argv::{basename, joined, operands};
use super::paths::{Cwd, Env, Target};
use super::syntax::{Cmd, Redirect, Script, Word};
use super::wrappers::{SHELLS, unwrap_wrappers, xargs_sources};
use super::{Guard, MAX_CHECK_DEPTH, Verdict, parse::parse, snippet_str};

pub(super) struct Walker<'a> {
    pub(super) g: &'a Guard,
    pub(super) env: &'a Env,
    /// Remaining nested-script re-parses (see [`MAX_RECURSIONS`]).
    pub(super) budget: std::cell::Cell<usize>,
}

impl Walker<'_> {
    pub(super) fn script(&self, s: &Script, cwd: &mut Cwd, depth: usize) -> Verdict {
        for pipeline in &s.pipelines {
            self.pipeline_rule(pipeline)?;
            let multi = pipeline.len() > 1;
            let mut prev: Option<&Cmd> = None;
            for c in pipeline {
                // Every stage of a real pipeline runs in its own subshell: a `cd` there does
                // not move the rest of the script.
                if multi {
                    self.cmd(c, &mut cwd.clone(), prev, depth)?;
                } else {
                    self.cmd(c, cwd, prev, depth)?;
                }
                prev = Some(c);
            }
        }
        Ok(())
    }

    pub(super) fn cmd(&self, c: &Cmd, cwd: &mut Cwd, prev: Option<&Cmd>, depth: usize) -> Verdict {
        for w in c.all_words() {
            for s in &w.subs {
                self.script(s, &mut cwd.clone(), depth)?;
            }
        }
        for s in &c.subshells {
            self.script(s, &mut cwd.clone(), depth)?;
        }
        for s in &c.groups {
            self.script(s, cwd, depth)?;
        }
        if c.words.is_empty() {
            self.credentials(c.assigns.iter(), cwd)?;
            return self.redirect_rules(&c.redirects, cwd);
        }
        self.simple(&c.words, &c.assigns, &c.redirects, cwd, prev, depth)
    }

    pub(super) fn recurse(&self, text: &str, cwd: &Cwd, depth: usize) -> Verdict {
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
        self.script(&script, &mut cwd.clone(), depth + 1)
    }

    pub(super) fn simple(
        &self,
        words: &[Word],
        assigns: &[Word],
        redirects: &[Redirect],
        cwd: &mut Cwd,
        prev: Option<&Cmd>,
        depth: usize,
    ) -> Verdict {
        let un = unwrap_wrappers(words);
        let mut argv = un.argv;
        if un.xargs
            && let Some(p) = prev
        {
            let src = xargs_sources(p);
            if !src.is_empty() {
                argv = Cow::Owned(argv.iter().cloned().chain(src).collect());
            }
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
        self.track_cd(&argv, cwd);
        if self.g.user_allows(&[&raw, &unwrapped]) {
            return Ok(());
        }
        self.credentials(words.iter().chain(assigns).chain(argv.iter()), cwd)?;
        self.credentials(redirects.iter().map(|r| &r.target), cwd)?;
        self.redirect_rules(redirects, cwd)?;
        let Some((first, args)) = argv.split_first() else {
            return Ok(());
        };
        let name = basename(&first.text);
        self.account_writes(name, args, &argv, cwd)?;
        match name {
            "rm" => self.rm_rule(args, &argv, cwd),
            "find" => self.find_rule(args, &argv, cwd, depth),
            "dd" => self.dd_rule(args, &argv, cwd),
            "shred" => self.shred_rule(args, &argv, cwd),
            "tee" | "cp" => self.device_write(args, &argv, cwd),
            "chmod" | "chown" | "chgrp" => self.chperm_rule(args, &argv, cwd),
            "git" => self.git_rule(args, &argv),
            "wipefs" | "mke2fs" => self.mkfs_rule(args, &argv, cwd),
            n if n.starts_with("mkfs") => self.mkfs_rule(args, &argv, cwd),
            n if SHELLS.contains(&n) => self.shell_rule(args, &argv, redirects, cwd, depth),
            "su" => {
                self.download_subs(&argv, redirects)?;
                let mut it = args.iter();
                while let Some(w) = it.next() {
                    let t = w.text.as_str();
                    if let Some(s) = t.strip_prefix("--command=") {
                        return self.recurse(s, cwd, depth);
                    }
                    let takes_script =
                        t == "--command" || (t.starts_with('-') && !t.starts_with("--") && t.contains('c'));
                    if takes_script && let Some(s) = it.next() {
                        return self.recurse(&s.text, cwd, depth);
                    }
                }
                Ok(())
            }
            "eval" => {
                self.download_subs(&argv, redirects)?;
                self.recurse(&joined(args), cwd, depth)
            }
            "source" | "." => self.download_subs(&argv, redirects),
            _ => Ok(()),
        }
    }

    fn track_cd(&self, argv: &[Word], cwd: &mut Cwd) {
        let Some((first, args)) = argv.split_first() else {
            return;
        };
        match first.text.as_str() {
            "cd" | "pushd" => {
                if args.first().is_some_and(|w| w.text == "-") {
                    *cwd = None;
                    return;
                }
                *cwd = match operands(args).first() {
                    None if first.text == "cd" => Some(self.env.home.clone()),
                    None => None,
                    Some(w) => match self.env.resolve(w, cwd) {
                        Target::Known { comps, contents: false } => Some(comps),
                        _ => None,
                    },
                };
            }
            "popd" => *cwd = None,
            _ => {}
        }
    }
}
