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
//! - `switch --discard-changes`/`-f` and `checkout -f` are denied like `reset --hard`.

use crate::guard::Verdict;
use crate::guard::argv::{is_option, long_opt, short_has};
use crate::guard::snippet;
use crate::guard::syntax::Word;
use crate::guard::walk::Walker;

impl Walker<'_> {
    pub(in crate::guard) fn git_rule(&self, args: &[Word], argv: &[Word]) -> Verdict {
        let a: Vec<&str> = args.iter().map(|w| w.text.as_str()).collect();
        let mut i = 0;
        while let Some(&t) = a.get(i) {
            if matches!(t, "-C" | "-c" | "--git-dir" | "--work-tree" | "--namespace" | "--config-env") {
                i += 2;
            } else if t.starts_with('-') {
                i += 1;
            } else {
                break;
            }
        }
        let rest = a.get(i + 1..).unwrap_or(&[]);
        let discard = match a.get(i).copied() {
            Some("push") => return self.git_push(rest, argv),
            Some(sub) => discards(sub, rest),
            None => None,
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

/// Why `git <sub> <a…>` throws away uncommitted work, if it does.
fn discards(sub: &str, a: &[&str]) -> Option<String> {
    let has = |short: Option<char>, long: &[&str]| {
        a.iter()
            .take_while(|t| **t != "--")
            .any(|t| short.is_some_and(|c| short_has(t, c)) || long.iter().any(|l| long_opt(t, l)))
    };
    let stash_hint = "commit or `git stash` the changes first";
    match sub {
        "reset" if has(None, &["--hard", "--merge"]) => Some(format!(
            "it discards every uncommitted change in the working tree; {stash_hint}, or use `git reset --keep` (which refuses to drop local changes) or `--soft`"
        )),
        "checkout" => {
            if has(Some('b'), &["--orphan"]) || has(Some('B'), &[]) || has(None, &["--ours", "--theirs"]) {
                return None;
            }
            if has(Some('f'), &["--force"]) {
                return Some(format!("`checkout --force` discards uncommitted changes; {stash_hint}"));
            }
            let (before, after) = split_dashdash(a);
            let ops: Vec<&str> = before.iter().copied().filter(|t| !is_option(t)).collect();
            let paths = !after.is_empty() || ops.len() >= 2 || ops.first().is_some_and(|t| !could_be_branch(t));
            (paths || has(None, &["--pathspec-from-file"])).then(|| {
                "it overwrites working-tree files with the committed version, discarding their uncommitted changes; use `git stash push -- <path>` to revert them and keep a copy".to_string()
            })
        }
        "switch" if has(Some('f'), &["--force", "--discard-changes"]) => {
            Some(format!("it discards uncommitted changes while switching; {stash_hint}"))
        }
        "restore" => {
            let staged = has(Some('S'), &["--staged"]);
            let worktree = has(Some('W'), &["--worktree"]);
            let interactive = has(Some('p'), &["--patch"]);
            (!interactive && (worktree || !staged)).then(|| {
                "it overwrites working-tree files, discarding their uncommitted changes; use `git stash push -- <path>` to revert them and keep a copy (`git restore --staged` only unstages and is fine)".to_string()
            })
        }
        "clean" => {
            let force = has(Some('f'), &["--force"]);
            let safe = has(Some('n'), &["--dry-run"]) || has(Some('i'), &["--interactive"]);
            (force && !safe).then(|| {
                "it deletes untracked files, which git cannot bring back; look first with `git clean -n`, then delete named paths".to_string()
            })
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

fn split_dashdash<'a, 'b>(a: &'b [&'a str]) -> (&'b [&'a str], &'b [&'a str]) {
    match a.iter().position(|t| *t == "--") {
        Some(k) => (&a[..k], &a[k + 1..]),
        None => (a, &[]),
    }
}

/// `git check-ref-format` forbids these in branch names, so such an operand is a pathspec.
fn could_be_branch(t: &str) -> bool {
    t == "-"
        || (!t.ends_with('/')
            && !t.contains(['*', '?', '[', ':', ' ', '\\'])
            && !t.split('/').any(|c| c.is_empty() || c.starts_with('.')))
}
