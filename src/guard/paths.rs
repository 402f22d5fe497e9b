//! The session's places: the project, the home directory and the Claude account homes, as
//! normalised path components, and the lexical helpers every rule shares (globs, temp dirs,
//! `$NAME` prefixes). Where a word points is `resolve.rs`.

use std::path::{Component, Path};

use super::Context;

pub(super) struct Env {
    pub(super) project: Vec<String>,
    pub(super) home: Vec<String>,
    pub(super) accounts: Vec<Vec<String>>,
    pub(super) own: Option<Vec<String>>,
}

fn comps_of(p: &Path, base: &[String], home: &[String]) -> Vec<String> {
    let mut out: Vec<String> = if p.is_absolute() { Vec::new() } else { base.to_vec() };
    for (i, c) in p.components().enumerate() {
        match c {
            Component::RootDir | Component::Prefix(_) | Component::CurDir => {}
            Component::ParentDir => {
                out.pop();
            }
            Component::Normal(s) => {
                let s = s.to_string_lossy();
                // CLAUDE_CONFIG_DIR is used verbatim by Claude Code, but a config file written by
                // hand may still say `~/...`; expanding it beats never matching.
                if i == 0 && s == "~" {
                    out = home.to_vec();
                } else {
                    out.push(s.into_owned());
                }
            }
        }
    }
    out
}

pub(super) fn show(comps: &[String]) -> String {
    format!("/{}", comps.join("/"))
}

impl Env {
    pub(super) fn new(ctx: &Context) -> Env {
        let project = comps_of(ctx.project_dir, &[], &[]);
        let home = comps_of(ctx.home, &[], &[]);
        let project_for = |p: &Path| comps_of(p, &project, &home);
        // An "account home" that is `/` or contains the project would turn every write in the
        // project into a denial; that is a misconfiguration, and blocking all work over it
        // would get the guard switched off.
        let accounts = ctx
            .account_homes
            .iter()
            .map(|p| project_for(p))
            .filter(|c| !c.is_empty() && !project.starts_with(c))
            .collect();
        let own = ctx.own_config_dir.map(project_for);
        Env { project, home, accounts, own }
    }

    /// The account home `comps` lies in (or is), if writing there is forbidden. Claude Code's
    /// own auto-memory (`projects/*/memory/`) and plan files (`plans/`) in the session's own
    /// config dir are written by the model through these very tools, so they stay writable.
    pub(super) fn account_write_hit(&self, comps: &[String]) -> Option<&[String]> {
        if let Some(own) = &self.own
            && comps.starts_with(own)
        {
            let tail = comps.get(own.len()..).unwrap_or(&[]);
            let memory = tail.len() >= 4 && tail[0] == "projects" && tail[2] == "memory";
            let plans = tail.len() >= 2 && tail[0] == "plans";
            if memory || plans {
                return None;
            }
        }
        self.accounts.iter().find(|a| comps.starts_with(a)).map(Vec::as_slice)
    }

    pub(super) fn is_own(&self, acc: &[String]) -> bool {
        self.own.as_deref() == Some(acc)
    }

    /// The other account whose `.credentials.json` the (possibly globbed) path names.
    pub(super) fn foreign_credentials(&self, comps: &[String]) -> Option<&[String]> {
        if !comps.last().is_some_and(|c| c.contains(".credentials.json")) {
            return None;
        }
        self.accounts
            .iter()
            .filter(|a| !self.is_own(a))
            .find(|a| comps.len() > a.len() && comps.iter().zip(a.iter()).all(|(p, s)| glob_match(p, s)))
            .map(Vec::as_slice)
    }

    pub(super) fn has_foreign_account(&self) -> bool {
        self.accounts.iter().any(|a| !self.is_own(a))
    }
}

/// `$NAME` or `${NAME}` at the start of `text`, when followed by end or `/`. The defaulting
/// forms `${NAME:?}`, `${NAME:-x}`, … count as `NAME`: those variables are always set, and
/// `rm -rf "${HOME:?}/"` is exactly the idiom people use to feel safe.
pub(super) fn leading_var(text: &str) -> Option<(&str, &str)> {
    let s = text.strip_prefix('$')?;
    let (name, rest) = if let Some(inner) = s.strip_prefix('{') {
        let end = inner.find('}')?;
        let body = &inner[..end];
        let ident_end = body.find(|c: char| !(c.is_ascii_alphanumeric() || c == '_')).unwrap_or(body.len());
        let modifier = &body[ident_end..];
        if !(modifier.is_empty() || modifier.starts_with([':', '-', '?', '=', '+'])) {
            return None;
        }
        (&body[..ident_end], &inner[end + 1..])
    } else {
        let end = s.find(|c: char| !(c.is_ascii_alphanumeric() || c == '_')).unwrap_or(s.len());
        (&s[..end], &s[end..])
    };
    let ident = !name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
    (ident && (rest.is_empty() || rest.starts_with('/'))).then_some((name, rest))
}

pub(super) fn is_glob_all(c: &str) -> bool {
    c == ".*" || (!c.is_empty() && c.chars().all(|ch| ch == '*'))
}

/// Shell-style wildcard match of one path component; `[...]` counts as any one char, and an
/// unexpanded `$VAR`/substitution matches anything (we cannot know what it holds).
pub(super) fn glob_match(pat: &str, s: &str) -> bool {
    if pat.contains(['$', '`']) {
        return true;
    }
    #[derive(Clone, Copy, PartialEq)]
    enum T {
        Star,
        Any,
        Lit(char),
    }
    let mut toks = Vec::new();
    let pc: Vec<char> = pat.chars().collect();
    let mut i = 0;
    while let Some(&c) = pc.get(i) {
        match c {
            '*' => toks.push(T::Star),
            '?' => toks.push(T::Any),
            '[' => match pc.get(i + 1..).and_then(|r| r.iter().skip(1).position(|&x| x == ']')) {
                Some(off) => {
                    toks.push(T::Any);
                    i += off + 2;
                }
                None => toks.push(T::Lit('[')),
            },
            '\\' => {
                i += 1;
                if let Some(&n) = pc.get(i) {
                    toks.push(T::Lit(n));
                }
            }
            c => toks.push(T::Lit(c)),
        }
        i += 1;
    }
    let sc: Vec<char> = s.chars().collect();
    // Classic iterative wildcard matching with one backtrack point.
    let (mut p, mut q) = (0usize, 0usize);
    let mut star: Option<(usize, usize)> = None;
    while q < sc.len() {
        match toks.get(p) {
            Some(T::Star) => {
                star = Some((p, q));
                p += 1;
            }
            Some(T::Any) => {
                p += 1;
                q += 1;
            }
            Some(T::Lit(c)) if sc.get(q) == Some(c) => {
                p += 1;
                q += 1;
            }
            _ => match star {
                Some((sp, sq)) => {
                    p = sp + 1;
                    q = sq + 1;
                    star = Some((sp, sq + 1));
                }
                None => return false,
            },
        }
    }
    toks.get(p..).unwrap_or(&[]).iter().all(|t| *t == T::Star)
}

pub(super) fn is_temp(c: &[String]) -> bool {
    let s: Vec<&str> = c.iter().map(String::as_str).collect();
    let s = s.strip_prefix(&["private"]).unwrap_or(&s);
    matches!(s, ["tmp", _, ..] | ["var", "tmp", _, ..] | ["var", "folders", _, _, "T", _, ..])
}

/// A temp directory itself (`/tmp`, `/var/tmp`): everything in it may go, as everything
/// strictly inside it may (but see the tmux sockets in `rules/recursive.rs`).
pub(super) fn is_temp_root(c: &[String]) -> bool {
    let s: Vec<&str> = c.iter().map(String::as_str).collect();
    let s = s.strip_prefix(&["private"]).unwrap_or(&s);
    matches!(s, ["tmp"] | ["var", "tmp"])
}
