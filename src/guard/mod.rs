//! PreToolUse safety guard: decides whether one tool call of an unattended Claude Code session
//! (often running with `--dangerously-skip-permissions`) may run. It owns a small shell lexer
//! ([`simple_commands`]), wrapper unwrapping (`sudo`, `env`, `sh -c`, `eval`, `xargs`,
//! `parallel`, `watch`, `trap`, `ssh`, unknown runners like `tool rm -rf /`, …), a look inside
//! interpreter one-liners (`python -c`, `node -e`, `awk`, …) and the rule set: recursive deletion of `/`, the home directory or anything
//! outside the project (`rm -r`, `find -delete`, `shutil.rmtree`), `rsync --delete` into `/`,
//! a system directory, the home directory or the project, disk-wiping commands and `shred`,
//! fork bombs, volume tools that drop a volume, git commands that discard uncommitted work,
//! force pushes to protected (or computed) branches, remote branch and tag deletion, `curl |
//! sh` (`source /dev/stdin` included), touching other accounts' `.credentials.json`, writes
//! into Claude account homes, and removing, moving or overwriting the user's keys and
//! credentials (`~/.ssh`, `~/.gnupg`, `~/.aws/credentials`, …; `rules/credentials.rs`).
//!
//! Invariant a newcomer can break: this is a guard against *accidents* by an agent nobody is
//! watching, not a sandbox against an adversary. It must deny the listed destructive forms
//! however they are quoted, chained or wrapped, and it must NOT deny ordinary work
//! (`rm -rf target`, `grep -rn "rm -rf /" src/`, force-pushing a feature branch): a guard that
//! blocks everyday commands gets switched off, and then it protects nothing. So every rule
//! looks at parsed argv, never at raw text (text only serves the fork-bomb shape and the
//! broken-quoting fallback), and whenever we cannot tell what a command does we allow it
//! (except the target of a recursive deletion and code read at run time, below).
//! Never panic: any string or JSON in gives a [`Decision`] out.
//!
//! Judgement calls where the rules were open:
//! - Paths are normalised lexically from a tracked scope: the cwd (`cd`, `pushd`, `env -C`)
//!   and the variables the command assigns (`d=~`, `tmp=$(mktemp -d)`, `for d in …`);
//!   subshells and pipeline stages get their own copy. For recursive deletion a target that
//!   still does not resolve (`$VAR/x`, `~other`, `$(cmd)`, after `cd "$DIR"`) is denied: it
//!   may be `/` or `~`, and the agent can always spell the path out. Other rules let an
//!   unresolved path pass. `$TMPDIR` counts as /tmp, `$(mktemp …)` as a fresh temp path; text
//!   `$(echo …)`/`$(printf …)` print is no deletion target the guard places (`resolve.rs`),
//!   and neither are the paths `xargs`/`parallel` append to `find … -delete`.
//! - Recursive deletion is allowed strictly inside the project and strictly inside `/tmp`,
//!   `/var/tmp` (scratch dirs agents use all the time); the project directory itself (`rm -rf .`,
//!   `rm -rf *` at its root, and `find . -delete` without a filter, which is the same) is
//!   denied like `/` and `~`, but a filtered `find . -name '*.pyc' -delete` is fine.
//!   `/tmp/*` and `/tmp/tmux-*` are the exception: the tmux server sockets live there.
//! - User `deny` beats user `allow`, which beats the built-in rules.
//! - The session's own `projects/*/memory/` and `plans/` stay writable: Claude Code writes them
//!   through the model's own tools.
//! - `mkfs`/`wipefs`/`sgdisk` on an image file inside the project is allowed; on a device it
//!   is not.
//! - git: what is a discard, and why `stash drop`, `restore --staged`, `checkout --theirs`
//!   stay allowed, is written in `rules/git.rs`.
//! - Interpreter code is scanned, not evaluated: only literal paths are judged there
//!   (`interp.rs`).
//! - Where a wrapper's quirk defuses a command by accident (`watch sh -c 'rm -rf ~'` runs a bare
//!   `rm`; `xargs -i` without `{}` drops its input; shell typed into `node -e`), the command as
//!   written is judged too: it was meant, and the next attempt fixes the quoting. Where bash
//!   provably runs something else than the text suggests (`W='rm -rf ~'; $W` deletes `./~`), bash
//!   wins. Command names are case-folded and lose `.exe`, as macOS and Windows file systems do.
//! - `ssh host CMD`: the remote line is judged by the same rules, its cwd unknown.
//! - A program the guard does not know runs its first operand when that names a command the
//!   guard judges, looking past option values, numbers and masks (`taskset -c 0 rm -rf /`);
//!   the rule and its limits are in `walk.rs` (`tail_command`). Unquoted `${IFS}` and a
//!   variable's value split as bash splits them (`scope.rs`), with `~` judged as meant.
//! - What cannot be known is assumed the worst where the worst is near: an unplaceable
//!   recursive delete, a force push to `"$BRANCH"`, and code `xargs`/`parallel` read from
//!   their input (`… | xargs -I{} bash -c {}`, `cat jobs | parallel`; `rules/input.rs`),
//!   whatever the stage before prints. An unknown `$CMD` itself still runs.
//! - Where we decide against both peer guards (dcg, cc-safety-net) on their own test suites,
//!   the case and the reason are in `tests/guard-corpus/differences.tsv`.
//!
//! The folder, in the order a command travels: `syntax` (the tree, types only) ← `parse`
//! (lenient parser; `parse/word` for the inside of a word) → `walk` (visits the tree,
//! carrying a `scope`: cwd and variables; dispatches by command name) → `rules/*` (one file
//! per family) using `wrappers` (the argv that really runs), `argv` (getopt-style option
//! reading), `resolve` (where a word points) and `paths` (the session's places). This file
//! knows the tool names and the JSON; it parses nothing itself.

mod argv;
mod interp;
mod parse;
mod paths;
mod resolve;
mod rules;
mod scope;
mod syntax;
mod walk;
mod wrappers;

#[cfg(test)]
mod tests;

use regex::Regex;
use serde::Deserialize;
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

pub use parse::simple_commands;

use argv::joined;
use parse::parse;
use paths::{Env, show};
use resolve::Target;
use scope::Scope;
use syntax::Word;
use walk::Walker;

/// The `[guard]` table of the user's config.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct GuardConfig {
    /// Default true.
    pub enabled: Option<bool>,
    /// Extra regexes: a simple command (argv joined by single spaces) matching one is denied.
    pub deny: Vec<String>,
    /// Regexes: a simple command matching one is allowed even if a default rule denies it.
    pub allow: Vec<String>,
    /// Added to the defaults `main`, `master`.
    pub protected_branches: Vec<String>,
}

/// Where the session runs; all paths are judged lexically (no filesystem access, no symlinks).
pub struct Context<'a> {
    /// The session's cwd (hook input `cwd`).
    pub project_dir: &'a Path,
    /// `$HOME`.
    pub home: &'a Path,
    /// Every configured Claude account home (`CLAUDE_CONFIG_DIR`s).
    pub account_homes: &'a [PathBuf],
    /// The session's own `CLAUDE_CONFIG_DIR`.
    pub own_config_dir: Option<&'a Path>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision {
    Allow,
    /// Reason shown to the model: what was refused and why, one line.
    Deny(String),
}

#[derive(Debug)]
pub struct Guard {
    enabled: bool,
    deny: Vec<(String, Regex)>,
    allow: Vec<(String, Regex)>,
    protected: Vec<String>,
}

/// A built-in regex, compiled on first use: a hook process decides one tool call, and most
/// calls never need these (compiling all of them up front cost 2.5 ms per call, half the
/// hook's time). `None` if it failed to compile, which the unit tests rule out.
fn builtin(cell: &'static OnceLock<Option<Regex>>, pattern: &str) -> Option<&'static Regex> {
    cell.get_or_init(|| Regex::new(pattern).ok()).as_ref()
}

/// A function whose body pipes or backgrounds itself into itself. The regex crate has no
/// back-references, so the "itself" part is checked in code.
fn fork_bomb_re() -> Option<&'static Regex> {
    static RE: OnceLock<Option<Regex>> = OnceLock::new();
    builtin(&RE, r"(?:function\s+([^\s(){}|&;<>]+)\s*(?:\(\s*\))?|([^\s(){}|&;<>'\x22]+)\s*\(\s*\))\s*\{([^}]*)\}")
}

fn rm_root_text_re() -> Option<&'static Regex> {
    static RE: OnceLock<Option<Regex>> = OnceLock::new();
    builtin(&RE, r#"(?:^|[\s;&|(`'"])rm\s+((?:-[-\w]*\s+)+)["']?(?:/|~/?|\$\{?HOME\}?/?)\*?["']?(?:$|[\s;&|)`'"])"#)
}

/// Whole-disk and raw-memory devices, as a path from `/`.
fn block_device_re() -> Option<&'static Regex> {
    static RE: OnceLock<Option<Regex>> = OnceLock::new();
    builtin(
        &RE,
        r"^/dev/(?:sd[a-z]|hd[a-z]|vd[a-z]|xvd[a-z]|nvme\d|mmcblk\d|r?disk\d|loop\d|dm-\d|md\d|mapper/|disk/|k?mem$|port$)",
    )
}

/// `Err(reason)` = deny. Using `Result` lets every rule short-circuit with `?`.
type Verdict = Result<(), String>;

/// How many nested scripts deep (`sh -c "eval '…'"`) we look. Beyond that we stop looking
/// (allow): only a constructed input nests this deep.
const MAX_CHECK_DEPTH: usize = 6;
/// Total nested scripts (`sh -c`, `eval`, here-strings) re-parsed per tool call. Each level of
/// `eval $(eval $(…))` re-reads everything inside it, so without a cap the work grows like
/// n^MAX_CHECK_DEPTH; a hook must answer in milliseconds.
const MAX_RECURSIONS: usize = 256;

impl Guard {
    /// Compiles the user's regexes; the error names the bad one.
    pub fn new(cfg: &GuardConfig) -> Result<Self, String> {
        let compile = |list: &[String], key: &str| -> Result<Vec<(String, Regex)>, String> {
            list.iter()
                .enumerate()
                .map(|(i, p)| {
                    Regex::new(p)
                        .map(|r| (p.clone(), r))
                        .map_err(|e| format!("guard.{key}[{i}]: invalid regex {p:?}: {e}"))
                })
                .collect()
        };
        let mut protected = vec!["main".to_string(), "master".to_string()];
        for b in &cfg.protected_branches {
            let b = b.trim().trim_start_matches("refs/heads/");
            if !b.is_empty() && !protected.iter().any(|p| p == b) {
                protected.push(b.to_string());
            }
        }
        Ok(Guard {
            enabled: cfg.enabled.unwrap_or(true),
            deny: compile(&cfg.deny, "deny")?,
            allow: compile(&cfg.allow, "allow")?,
            protected,
        })
    }

    /// Decide on one tool call. `tool_input` is the raw JSON value from the hook.
    pub fn check(&self, tool_name: &str, tool_input: &Value, ctx: &Context) -> Decision {
        if !self.enabled {
            return Decision::Allow;
        }
        let env = Env::new(ctx);
        let str_field = |k: &str| tool_input.get(k).and_then(Value::as_str);
        let verdict = match tool_name {
            "Bash" => match str_field("command") {
                Some(cmd) => self.check_bash(cmd, &env),
                None => Ok(()),
            },
            "Read" | "NotebookRead" | "Grep" => {
                let path = str_field("file_path").or_else(|| str_field("path"));
                match path {
                    Some(p) => self.check_read_path(tool_name, p, &env),
                    None => Ok(()),
                }
            }
            "Write" | "Edit" | "MultiEdit" | "NotebookEdit" => {
                let path = str_field("file_path").or_else(|| str_field("notebook_path"));
                match path {
                    Some(p) => self.check_write_path(tool_name, p, &env),
                    None => Ok(()),
                }
            }
            _ => Ok(()),
        };
        match verdict {
            Ok(()) => Decision::Allow,
            Err(reason) => Decision::Deny(one_line(&reason)),
        }
    }

    fn check_read_path(&self, tool: &str, path: &str, env: &Env) -> Verdict {
        let sc = Scope::at(env.project.clone());
        if let Target::Known { comps, .. } = env.resolve_text(path, true, false, &sc)
            && let Some(acc) = env.foreign_credentials(&comps)
        {
            return Err(format!(
                "claude-failover guard refused {tool} of {path}: it is the credentials file of another Claude account ({}); sessions must never read or copy each other's tokens",
                show(acc)
            ));
        }
        Ok(())
    }

    fn check_write_path(&self, tool: &str, path: &str, env: &Env) -> Verdict {
        let sc = Scope::at(env.project.clone());
        let Target::Known { comps, .. } = env.resolve_text(path, true, false, &sc) else {
            return Ok(());
        };
        if let Some(acc) = env.account_write_hit(&comps) {
            return Err(format!(
                "claude-failover guard refused {tool} of {path}: it is inside the Claude account home {}, which sessions must not modify (settings, hooks and credentials live there)",
                show(acc)
            ));
        }
        // `~/.ssh/config` may be appended to, but a file tool rewrites the whole file.
        if let Some(s) = env.sacred(&comps).filter(|s| !s.holds) {
            return Err(format!(
                "claude-failover guard refused {tool} of {path}: it is {}; keys and credentials are never overwritten by an unattended session (reading them is fine)",
                s.what
            ));
        }
        Ok(())
    }

    fn check_bash(&self, cmd: &str, env: &Env) -> Verdict {
        let waived = self.allow.iter().any(|(_, r)| r.is_match(cmd));
        if !waived {
            self.check_fork_bomb(cmd)?;
        }
        let (script, broken) = parse(cmd);
        // Bash refuses to run a line with unbalanced quotes, so denying such a line costs
        // nothing; but when the quote swallowed a textual `rm -rf /` we cannot see the argv,
        // and a later edit that "fixes" the quote would run it. Deny only that obvious shape.
        if broken && !waived && self.textual_rm_root(cmd) {
            return Err(format!(
                "claude-failover guard refused `{}`: the quoting is unbalanced and the text contains a recursive rm of / or ~; fix the quoting and do not delete the root or home directory",
                snippet_str(cmd)
            ));
        }
        let walker = Walker { g: self, env, budget: std::cell::Cell::new(MAX_RECURSIONS) };
        walker.script(&script, &mut Scope::at(env.project.clone()), 0)
    }

    fn check_fork_bomb(&self, text: &str) -> Verdict {
        // Every fork bomb forks in the background: no `&`, no bomb (and no regex to build).
        if !text.contains('&') || !text.contains('{') {
            return Ok(());
        }
        let Some(re) = fork_bomb_re() else {
            return Ok(());
        };
        for caps in re.captures_iter(text) {
            let name = caps.get(1).or_else(|| caps.get(2)).map_or("", |m| m.as_str());
            let body: String = caps.get(3).map_or("", |m| m.as_str()).chars().filter(|c| !c.is_whitespace()).collect();
            if name.is_empty() {
                continue;
            }
            let piped = format!("{name}|{name}");
            let bg = format!("{name}&{name}");
            if body.contains(&bg) || (body.contains(&piped) && body.contains('&')) {
                return Err(format!(
                    "claude-failover guard refused a fork bomb (function `{}` that spawns itself recursively); it would exhaust the machine's processes",
                    snippet_str(name)
                ));
            }
        }
        Ok(())
    }

    fn textual_rm_root(&self, text: &str) -> bool {
        let Some(re) = rm_root_text_re() else {
            return false;
        };
        re.captures_iter(text).any(|c| {
            c.get(1).is_some_and(|opts| {
                opts.as_str()
                    .split_whitespace()
                    .any(|o| argv::long_opt(o, "--recursive") || (!o.starts_with("--") && o.contains(['r', 'R'])))
            })
        })
    }

    fn is_protected(&self, branch: &str) -> bool {
        let b = branch.strip_prefix("refs/heads/").unwrap_or(branch);
        self.protected.iter().any(|p| p == b)
    }

    fn user_allows(&self, texts: &[&str]) -> bool {
        self.allow.iter().any(|(_, r)| texts.iter().any(|t| r.is_match(t)))
    }
}

fn one_line(s: &str) -> String {
    s.split(['\n', '\r']).collect::<Vec<_>>().join(" ")
}

fn snippet_str(s: &str) -> String {
    let s = one_line(s);
    if s.chars().count() > 100 {
        let cut: String = s.chars().take(100).collect();
        format!("{cut}…")
    } else {
        s
    }
}

fn snippet(ws: &[Word]) -> String {
    snippet_str(&joined(ws))
}
