//! git: pushes that rewrite or delete a protected branch, and commands that throw away work
//! nobody committed yet.
//!
//! What counts as a discard, and what stays allowed (judgement calls, checked against what
//! destructive_command_guard and claude-code-safety-net do):
//! - `reset --hard` and `reset --merge` are denied whatever the target; `--soft`, `--mixed`
//!   and `--keep` (which refuses to drop local changes) are ordinary.
//! - `checkout`/`restore` that overwrite working-tree files are denied even for one file: the
//!   file may hold the user's uncommitted edits, and `git stash push -- <path>` reverts it just
//!   as well while keeping a copy. Allowed: switching branches (`checkout main`, `-b`, `-B`,
//!   `--orphan`, `-`), `restore --staged` (only unstages), and `--ours`/`--theirs`, which is
//!   how a merge conflict is resolved. A lone operand is taken for a branch unless it cannot
//!   be a branch name (`.`, a trailing `/`, a glob, `:/`, a `.`-component).
//! - `clean` with `-f` is denied unless it is a dry run (`-n`); `-i` needs a terminal.
//! - `stash clear` is denied; `stash drop` is allowed: it drops one entry and prints its hash,
//!   so `git stash apply <hash>` brings it back, and agents use it to tidy after `apply`.
//! - `branch -D` (or `--delete --force`) is denied: the branch may be the only name of its
//!   commits; `branch -d` refuses unmerged branches and stays allowed.
//! - `switch --discard-changes`/`-f` and `checkout -f` are denied like `reset --hard`, and so
//!   is `worktree remove --force` (a worktree with changes); without `--force` git refuses.

use crate::guard::argv::{is_option, long_opt, short_has};
use crate::guard::scope::Scope;
use crate::guard::syntax::Word;
use crate::guard::walk::Walker;
use crate::guard::{Verdict, snippet};

/// Config keys whose value git runs as a shell command (lower case, as git compares them).
const COMMAND_KEYS: &[&str] =
    &["core.sshcommand", "core.editor", "core.pager", "sequence.editor", "diff.external", "core.askpass"];
/// Alias expansions followed (an alias may name another alias).
const MAX_ALIASES: usize = 8;

impl Walker<'_> {
    /// `env`: the `NAME=value` words the command runs with (prefixes and `env` arguments),
    /// where `GIT_CONFIG_*` can define aliases and command-carrying settings.
    pub(in crate::guard) fn git_rule(
        &self,
        args: &[Word],
        argv: &[Word],
        env: &[&Word],
        sc: &Scope,
        depth: usize,
    ) -> Verdict {
        let mut config = env_config(env);
        let a: Vec<&str> = args.iter().map(|w| w.text.as_str()).collect();
        let mut i = 0;
        while let Some(&t) = a.get(i) {
            if t == "-c" {
                config.extend(a.get(i + 1).and_then(|kv| config_pair(kv)));
                i += 2;
            } else if let Some(kv) = t.strip_prefix("-c").filter(|kv| !kv.is_empty()) {
                config.extend(config_pair(kv));
                i += 1;
            } else if matches!(t, "-C" | "--git-dir" | "--work-tree" | "--namespace" | "--config-env") {
                i += 2;
            } else if t.starts_with('-') {
                i += 1;
            } else {
                break;
            }
        }
        for (key, value) in &config {
            if COMMAND_KEYS.contains(&key.as_str()) {
                self.recurse(value, sc, depth)?;
            }
        }
        // `git -c alias.nuke=reset nuke --hard` runs `git reset --hard`.
        let mut aliased: Option<Vec<String>> = None;
        for _ in 0..MAX_ALIASES {
            let cur: Vec<&str> = match &aliased {
                Some(v) => v.iter().map(String::as_str).collect(),
                None => a.get(i..).unwrap_or(&[]).to_vec(),
            };
            let Some((sub, rest)) = cur.split_first() else { break };
            let key = format!("alias.{}", sub.to_ascii_lowercase());
            let Some((_, value)) = config.iter().rev().find(|(k, _)| *k == key) else { break };
            if let Some(shell) = value.strip_prefix('!') {
                return self.recurse(&format!("{shell} {}", rest.join(" ")), sc, depth);
            }
            let next = value.split_whitespace().chain(rest.iter().copied()).map(str::to_string).collect();
            aliased = Some(next);
        }
        let cur: Vec<&str> = match &aliased {
            Some(v) => v.iter().map(String::as_str).collect(),
            None => a.get(i..).unwrap_or(&[]).to_vec(),
        };
        let Some((sub, rest)) = cur.split_first() else { return Ok(()) };
        let discard = match sub.to_ascii_lowercase().as_str() {
            "push" => return self.git_push(rest, argv),
            "branch" => self.moves_protected(rest).or_else(|| discards("branch", rest)),
            sub => discards(sub, rest),
        };
        match discard {
            Some(why) => Err(format!("claude-failover guard refused `{}`: {why}", snippet(argv))),
            None => Ok(()),
        }
    }

    fn git_push(&self, a: &[&str], argv: &[Word]) -> Verdict {
        let (mut force, mut delete, mut mirror, mut all, mut repo_opt) = (false, false, false, false, false);
        let mut pos: Vec<&str> = Vec::new();
        let mut opts = true;
        let mut j = 0;
        while let Some(&t) = a.get(j) {
            j += 1;
            if opts && t == "--" {
                opts = false;
            } else if opts && t.starts_with("--") {
                let lo = |full| long_opt(t, full);
                let takes_value = !t.contains('=');
                if lo("--force") || lo("--force-with-lease") {
                    force = true;
                } else if lo("--delete") {
                    delete = true;
                } else if lo("--mirror") {
                    mirror = true;
                } else if lo("--all") || lo("--branches") {
                    all = true;
                } else if lo("--repo") {
                    repo_opt = true;
                    if takes_value {
                        j += 1;
                    }
                } else if (lo("--push-option") || lo("--receive-pack") || lo("--exec")) && takes_value {
                    j += 1;
                }
            } else if opts && is_option(t) {
                for ch in t.chars().skip(1) {
                    match ch {
                        'f' => force = true,
                        'd' => delete = true,
                        'o' => {
                            j += 1;
                            break;
                        }
                        _ => {}
                    }
                }
            } else {
                pos.push(t);
            }
        }
        let refspecs = if repo_opt { &pos[..] } else { pos.get(1..).unwrap_or(&[]) };
        let deny = |why: String| Err(format!("claude-failover guard refused `{}`: {why}", snippet(argv)));
        let names = self.g.protected.join(", ");
        if mirror || (force && all) {
            return deny(format!("it force-updates every remote branch, including protected ones ({names})"));
        }
        if force && refspecs.is_empty() {
            return deny(format!(
                "a force push without a branch cannot be checked against the protected branches ({names}); name a non-protected branch explicitly, e.g. `git push --force-with-lease origin my-branch`"
            ));
        }
        for rs in refspecs {
            let plus = rs.starts_with('+');
            let body = rs.trim_start_matches('+');
            let (src, dst) = body.rsplit_once(':').unwrap_or((body, body));
            let dst = dst.strip_prefix("refs/heads/").unwrap_or(dst);
            if (delete || src.is_empty()) && self.g.is_protected(dst) {
                return deny(format!("it deletes the protected branch `{dst}`"));
            }
            if (delete || src.is_empty()) && !dst.is_empty() {
                let what = match dst.strip_prefix("refs/tags/") {
                    Some(tag) => format!("the tag `{tag}`"),
                    None => format!("the branch `{dst}`"),
                };
                return deny(format!(
                    "it deletes {what} on the remote, for everyone who fetches from it, and nothing local brings it back there; leave remote deletions to a person"
                ));
            }
            // `$(git branch --show-current)`, `"$BRANCH"`: the guard cannot know the branch,
            // and on the day it is `main` the push rewrites shared history.
            if (force || plus) && dst.contains(['$', '`']) {
                return deny(format!(
                    "the destination `{dst}` is computed when the command runs, so the guard cannot tell it from the protected branches ({names}); name the branch literally, e.g. `git push --force-with-lease origin my-branch`"
                ));
            }
            if force || plus {
                if matches!(dst, "HEAD" | "@" | "") {
                    return deny(format!(
                        "a force push of HEAD cannot be checked against the protected branches ({names}); name a non-protected destination branch explicitly, e.g. `git push --force-with-lease origin HEAD:my-branch`"
                    ));
                }
                if self.g.is_protected(dst) {
                    return deny(format!(
                        "it force-pushes to the protected branch `{dst}`, rewriting shared history; push to another branch instead"
                    ));
                }
            }
        }
        Ok(())
    }
}

impl Walker<'_> {
    /// `git branch -f main <commit>`, `git branch -M x main`: a protected branch made to point
    /// somewhere else, which the next push publishes.
    fn moves_protected(&self, a: &[&str]) -> Option<String> {
        let o =
            read_opts(a, "tu", &["--set-upstream-to", "--track", "--contains", "--merged", "--sort", "--format"], &[]);
        let force = o.has(Some('f'), &["--force"]);
        let copy_or_move = o.has(Some('M'), &[]) || o.has(Some('C'), &[]) || (force && o.has(Some('m'), &["--move"]));
        let target = if copy_or_move { o.operands.last() } else { o.operands.first() };
        let moves = force || copy_or_move;
        let listing = o.has(Some('l'), &["--list"]) || o.has(Some('d'), &["--delete"]) || o.has(Some('D'), &[]);
        match target {
            Some(b) if moves && !listing && self.g.is_protected(b) => Some(format!(
                "it force-moves the protected branch `{b}` to another commit, dropping its history from the branch; create a new branch instead"
            )),
            _ => None,
        }
    }
}

/// A git subcommand's arguments read as parse-options does: a short cluster ends at a letter
/// that takes a value (`-bfeature` is `-b feature`), long options may be abbreviated and
/// take their value as `--opt=v` or as the next word, operands before and after `--`.
struct Opts<'a> {
    shorts: String,
    longs: Vec<&'a str>,
    operands: Vec<&'a str>,
    after_dashdash: Vec<&'a str>,
}

/// `short_val`: short letters that take a value; `long_val`: long options that take one;
/// `optional`: long options whose value is optional, taken from the next word only when
/// it is one of the listed keywords (`--track direct`).
fn read_opts<'a>(a: &[&'a str], short_val: &str, long_val: &[&str], optional: &[(&str, &[&str])]) -> Opts<'a> {
    let mut o = Opts { shorts: String::new(), longs: Vec::new(), operands: Vec::new(), after_dashdash: Vec::new() };
    let mut j = 0;
    while let Some(&t) = a.get(j) {
        j += 1;
        if t == "--" {
            o.after_dashdash.extend(a.get(j..).unwrap_or(&[]));
            break;
        }
        if t.starts_with("--") {
            o.longs.push(t);
            if t.contains('=') {
                continue;
            }
            let next = a.get(j).copied().unwrap_or("");
            let takes = long_val.iter().any(|l| long_opt(t, l))
                || optional.iter().any(|(l, kws)| long_opt(t, l) && kws.contains(&next));
            j += usize::from(takes);
        } else if is_option(t) {
            for (k, c) in t.char_indices().skip(1) {
                o.shorts.push(c);
                if short_val.contains(c) {
                    j += usize::from(k + c.len_utf8() == t.len());
                    break;
                }
            }
        } else {
            o.operands.push(t);
        }
    }
    o
}

impl Opts<'_> {
    fn has(&self, short: Option<char>, long: &[&str]) -> bool {
        short.is_some_and(|c| self.shorts.contains(c)) || self.longs.iter().any(|t| long.iter().any(|l| long_opt(t, l)))
    }
}

/// Diff options `checkout -p`/`restore -p` accept, with a value.
const DIFF_VALUES: &[&str] = &["--conflict", "--inter-hunk-context", "--unified", "--pathspec-from-file"];

/// Why `git <sub> <a…>` throws away uncommitted work, if it does.
fn discards(sub: &str, a: &[&str]) -> Option<String> {
    let has = |short: Option<char>, long: &[&str]| {
        a.iter()
            .take_while(|t| **t != "--")
            .any(|t| short.is_some_and(|c| short_has(t, c)) || long.iter().any(|l| long_opt(t, l)))
    };
    let stash_hint = "commit or `git stash` the changes first";
    let overwrites = "it overwrites working-tree files with the committed version, discarding their uncommitted changes; use `git stash push -- <path>` to revert them and keep a copy";
    match sub {
        "reset" if has(None, &["--hard", "--merge"]) => Some(format!(
            "it discards every uncommitted change in the working tree; {stash_hint}, or use `git reset --keep` (which refuses to drop local changes) or `--soft`"
        )),
        "checkout" => {
            let o = read_opts(
                a,
                "bBU",
                &["--orphan", "--conflict", "--inter-hunk-context", "--unified"],
                &[("--track", &["direct", "inherit"]), ("--recurse-submodules", &["checkout", "on-demand"])],
            );
            // Force first: `checkout -f -b x` still throws the changes away.
            if o.has(Some('f'), &["--force"]) {
                return Some(format!("`checkout --force` discards uncommitted changes; {stash_hint}"));
            }
            if o.has(Some('b'), &["--orphan"]) || o.has(Some('B'), &[]) || o.has(None, &["--ours", "--theirs"]) {
                return None;
            }
            let ops = &o.operands;
            let paths = !o.after_dashdash.is_empty()
                || ops.len() >= 2
                || ops.first().is_some_and(|t| !could_be_branch(t))
                || o.has(None, &["--pathspec-from-file"]);
            paths.then(|| overwrites.to_string())
        }
        "switch" => {
            // `-cfeature` is `-c feature`, not a cluster holding `-f`.
            let o = read_opts(a, "cC", &["--create", "--force-create", "--orphan", "--conflict"], &[]);
            o.has(Some('f'), &["--force", "--discard-changes"])
                .then(|| format!("it discards uncommitted changes while switching; {stash_hint}"))
        }
        "restore" => {
            let o = read_opts(a, "sU", &[&["--source"][..], DIFF_VALUES].concat(), &[]);
            let staged = o.has(Some('S'), &["--staged"]);
            let worktree = o.has(Some('W'), &["--worktree"]);
            // `-p` asks per hunk, but an agent answers the prompts itself (or pipes `y`s).
            let patch = o.has(Some('p'), &["--patch"]);
            // Without a path (or `-p`) git refuses to restore anything.
            let targets = patch
                || !o.operands.is_empty()
                || !o.after_dashdash.is_empty()
                || o.has(None, &["--pathspec-from-file"]);
            (targets && (worktree || !staged)).then(|| {
                "it overwrites working-tree files, discarding their uncommitted changes; use `git stash push -- <path>` to revert them and keep a copy (`git restore --staged` only unstages and is fine)".to_string()
            })
        }
        "rm" => {
            let o = read_opts(a, "", &["--pathspec-from-file"], &[]);
            (o.has(Some('f'), &["--force"]) && !o.has(None, &["--cached"])).then(|| {
                "`git rm --force` deletes files even when they hold uncommitted changes; commit or stash them first, or use `git rm --cached` to untrack only".to_string()
            })
        }
        "clean" => {
            let force = has(Some('f'), &["--force"]);
            let safe = has(Some('n'), &["--dry-run"]) || has(Some('i'), &["--interactive"]);
            (force && !safe).then(|| {
                "it deletes untracked files, which git cannot bring back; look first with `git clean -n`, then delete named paths".to_string()
            })
        }
        "worktree" if a.first() == Some(&"remove") => {
            let o = read_opts(&a[1..], "", &[], &[]);
            o.has(Some('f'), &["--force"]).then(|| {
                "`worktree remove --force` deletes a worktree even with uncommitted or untracked changes in it; commit or stash them there first, then remove it without --force".to_string()
            })
        }
        "tag" if has(Some('d'), &["--delete"]) => {
            Some("it deletes a tag, which may name a release that exists nowhere else (an annotated tag's message and signature are lost); leave tag deletions to a person".to_string())
        }
        "stash" if a.first() == Some(&"clear") => {
            Some("it deletes every stash entry at once, and they cannot be listed back; drop single entries with `git stash drop`".to_string())
        }
        "branch" => {
            let force_delete = has(Some('D'), &[]) || (has(Some('d'), &["--delete"]) && has(Some('f'), &["--force"]));
            force_delete.then(|| {
                "it force-deletes a branch whose commits may exist nowhere else; merge it first, or use `git branch -d`, which refuses unmerged branches".to_string()
            })
        }
        _ => None,
    }
}

/// `git check-ref-format` forbids these in branch names, so such an operand is a pathspec.
fn could_be_branch(t: &str) -> bool {
    t == "-"
        || (!t.ends_with('/')
            && !t.contains(['*', '?', '[', ':', ' ', '\\'])
            && !t.split('/').any(|c| c.is_empty() || c.starts_with('.')))
}

/// `key=value` of a `-c` option; the key in lower case, as git compares section and key names.
fn config_pair(kv: &str) -> Option<(String, String)> {
    let (k, v) = kv.split_once('=').unwrap_or((kv, "true"));
    Some((k.to_ascii_lowercase(), v.to_string()))
}

/// Settings passed through the environment: `GIT_CONFIG_COUNT`/`GIT_CONFIG_KEY_<n>`/
/// `GIT_CONFIG_VALUE_<n>` and `GIT_CONFIG_PARAMETERS` (`'key=value' 'key2=value2'`, the form
/// `git -c` itself exports to child processes).
fn env_config(env: &[&Word]) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let var = |name: &str| env.iter().rev().find_map(|w| w.text.strip_prefix(name).and_then(|r| r.strip_prefix('=')));
    if let Some(params) = var("GIT_CONFIG_PARAMETERS") {
        out.extend(params.replace('\'', " ").split_whitespace().filter_map(config_pair));
    }
    let count = var("GIT_CONFIG_COUNT").and_then(|n| n.trim().parse::<usize>().ok()).unwrap_or(0);
    for k in 0..count.min(32) {
        if let (Some(key), Some(value)) = (var(&format!("GIT_CONFIG_KEY_{k}")), var(&format!("GIT_CONFIG_VALUE_{k}"))) {
            out.push((key.to_ascii_lowercase(), value.to_string()));
        }
    }
    out
}
