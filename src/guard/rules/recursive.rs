//! Recursive deletion (`rm -r`, `find -delete`/`-exec rm`) and recursive permission changes:
//! `/`, the home directory, the project itself and anything outside the project or a temp dir.
//!
//! A target the guard cannot place is refused. That includes text `$(echo …)`/`$(printf …)`
//! printed (a text printer is not a place, `resolve.rs`) and the paths `xargs`/`parallel`
//! append after `find`'s expression, which are read when the command runs.

use crate::guard::Verdict;
use crate::guard::argv::{cmd_name, is_option, long_opt, operands, short_has};
use crate::guard::paths::{is_temp, is_temp_root, show};
use crate::guard::resolve::Target;
use crate::guard::scope::Scope;
use crate::guard::syntax::Word;
use crate::guard::walk::Walker;
use crate::guard::wrappers::{find_expr, find_starts, unwrap_wrappers};
use crate::guard::{MAX_CHECK_DEPTH, snippet, snippet_str};

#[derive(Clone, Copy, PartialEq)]
pub(in crate::guard) enum Del {
    /// `rm -r X`: X itself goes.
    Exact,
    /// `find X … -delete`: things below X go (X = project is fine there).
    Under,
}

impl Walker<'_> {
    /// Recursive deletion of `w`. A target the guard cannot place is denied: it may be `~`
    /// or `/` (`rm -rf "$d"` after `d=~`), and a literal path costs the agent nothing. The
    /// expansions that stay allowed are the ones we can follow: `$TMPDIR/x`, `$(mktemp -d)`,
    /// variables assigned in the same command, `find`/`ls` output.
    pub(in crate::guard) fn judge_delete(&self, w: &Word, sc: &Scope, kind: Del, argv: &[Word]) -> Verdict {
        for t in self.env.resolve_all(w, sc) {
            match t {
                Target::Known { comps, contents, under, printed } => {
                    let kind = if under || w.under { Del::Under } else { kind };
                    self.judge_known(&comps, contents, kind, argv)?;
                    if printed {
                        return Err(format!(
                            "claude-failover guard refused `{}`: it recursively deletes `{}`, a path printed as text by a command substitution (echo, printf), which the guard does not trust as a place to delete; spell the path out",
                            snippet(argv),
                            snippet_str(&w.text)
                        ));
                    }
                }
                Target::Unknown => {
                    let relative = !w.unknown && !w.text.starts_with(['/', '~', '$', '`']);
                    let reader = w.text.strip_prefix("<input of ").and_then(|r| r.strip_suffix('>'));
                    let why = if relative && sc.dir.is_none() {
                        "the working directory is unknown after a `cd` to a path the guard cannot resolve; use an absolute path".to_string()
                    } else if let Some(reader) = reader.filter(|_| w.unknown) {
                        format!(
                            "those are paths {reader} reads from its input when the command runs, which the guard cannot check beforehand; spell the paths out"
                        )
                    } else {
                        "the guard cannot tell where that points, and recursive deletion is only allowed where it can place the path (inside the project or /tmp); spell the path out".to_string()
                    };
                    return Err(format!(
                        "claude-failover guard refused `{}`: it recursively deletes `{}`: {why}",
                        snippet(argv),
                        snippet_str(&w.text)
                    ));
                }
            }
        }
        Ok(())
    }

    fn judge_known(&self, comps: &[String], contents: bool, kind: Del, argv: &[Word]) -> Verdict {
        let env = self.env;
        let what = if contents { format!("everything in {}", show(comps)) } else { show(comps) };
        let why = if comps.is_empty() {
            "that is the filesystem root".to_string()
        } else if env.home.starts_with(comps) {
            if comps == env.home {
                "that is your home directory".to_string()
            } else {
                "that contains your home directory".to_string()
            }
        } else if env.project.starts_with(comps) {
            if kind == Del::Under && comps == env.project {
                return Ok(());
            }
            "that is the whole project directory; delete specific subdirectories instead".to_string()
        } else if tmux_sockets(comps, contents) {
            "the tmux server sockets live there (/tmp/tmux-<uid>/): without them nobody can reach the tmux server the Claude sessions run in, and failover stops".to_string()
        } else if comps.starts_with(&env.project) || is_temp(comps) || (contents && is_temp_root(comps)) {
            return Ok(());
        } else {
            format!(
                "that is outside the project directory {}; only paths inside the project (or under /tmp) may be deleted recursively",
                show(&env.project)
            )
        };
        Err(format!("claude-failover guard refused `{}`: it recursively deletes {what}: {why}", snippet(argv)))
    }

    pub(in crate::guard) fn rm_rule(&self, args: &[Word], argv: &[Word], sc: &Scope) -> Verdict {
        let mut recursive = false;
        let mut opts = true;
        let mut paths = Vec::new();
        for w in args {
            let t = w.text.as_str();
            if opts && t == "--" {
                opts = false;
            } else if opts && t.starts_with("--") {
                recursive |= long_opt(t, "--recursive");
            } else if opts && is_option(t) {
                recursive |= t.contains(['r', 'R']);
            } else {
                paths.push(w);
            }
        }
        if !recursive {
            return Ok(());
        }
        for p in paths {
            self.judge_delete(p, sc, Del::Exact, argv)?;
        }
        Ok(())
    }

    /// `find X … -delete` and `-exec rm -r {}`: with a filter (`-name`, `-type`, `-empty`, …)
    /// it deletes some things below X, which is fine anywhere in the project; without one it
    /// deletes X and everything in it, judged like `rm -rf X` (so `find . -delete` at the
    /// project root is refused like `rm -rf .`).
    pub(in crate::guard) fn find_rule(&self, args: &[Word], argv: &[Word], sc: &Scope, depth: usize) -> Verdict {
        let (starts, expr) = find_starts(args);
        let fx = find_expr(expr);
        let kind = if fx.filtered { Del::Under } else { Del::Exact };
        let mut starts: Vec<Word> =
            if starts.is_empty() { vec![Word::lit(".")] } else { starts.into_iter().cloned().collect() };
        // `parallel find /tmp/x -delete` appends its inputs after the expression: find stops
        // there with an error, but they were meant as more places to delete (judged as meant).
        // Read from input when the command runs, they cannot be placed (`xargs find` gets
        // the same in `walk.rs`).
        let read = sc.read_placeholder();
        starts.extend(fx.stray.iter().map(|w| match read {
            Some((ph, reader)) if w.text.contains(ph) => Word::unknown(&format!("<input of {reader}>")),
            _ => (*w).clone(),
        }));
        let mut deletes = fx.delete;
        for sub in fx.execs {
            let un = unwrap_wrappers(sub);
            if let Some(n) = un.argv.first().map(|w| cmd_name(&w.text))
                && matches!(n.as_ref(), "rm" | "shred" | "unlink")
            {
                deletes = true;
            }
            if !sub.is_empty() && depth < MAX_CHECK_DEPTH {
                // `{}` is each path found: below the starts, or the starts themselves too.
                let found: Vec<Word> = starts.iter().map(|w| Word { under: fx.filtered, ..w.clone() }).collect();
                let mut inner = sc.clone();
                self.env.bind_placeholder(&mut inner, "{}", &found, None);
                self.simple(sub, &[], &[], &mut inner, &[], depth + 1)?;
            }
        }
        if !deletes {
            return Ok(());
        }
        for s in &starts {
            self.judge_delete(s, sc, kind, argv)?;
        }
        Ok(())
    }

    /// `rsync --delete…` removes whatever the source lacks from the destination (a remote
    /// `host:path` is another machine's business). `--remove-source-files` is a move: a
    /// source file goes only once it arrived, so it is not judged.
    pub(in crate::guard) fn rsync_rule(&self, args: &[Word], argv: &[Word], sc: &Scope) -> Verdict {
        let mut ops: Vec<&Word> = Vec::new();
        let mut delete = false;
        let mut i = 0;
        while let Some(w) = args.get(i) {
            let t = w.text.as_str();
            i += 1;
            if t == "--" {
                ops.extend(args.get(i..).unwrap_or(&[]));
                break;
            }
            if t.starts_with("--") {
                let name = t.split_once('=').map_or(t, |(n, _)| n);
                delete |= name.starts_with("--del");
                if !t.contains('=') && RSYNC_WITH_ARG.contains(&name) {
                    i += 1;
                }
            } else if is_option(t) {
                // `-e ssh`, `-f rule`: a short option with a value ends the cluster.
                if t.ends_with(['e', 'f', 'B', 'T', 'M']) {
                    i += 1;
                }
            } else {
                ops.push(w);
            }
        }
        let remote = |w: &Word| {
            let t = w.text.as_str();
            t.contains("://")
                || (!t.starts_with(['/', '.', '~', '$']) && t.split('/').next().is_some_and(|h| h.contains(':')))
        };
        let Some((dest, sources)) = ops.split_last() else {
            return Ok(());
        };
        if delete && !sources.is_empty() && !remote(dest) {
            self.judge_mirror(dest, sc, argv)?;
        }
        Ok(())
    }

    /// The destination of `rsync --delete`, which becomes a copy of the source: deleting what
    /// the source lacks is the point of a mirror, and it destroys only where the destination
    /// holds far more than any source would, i.e. `/`, a system directory, the home
    /// directory or the project (or a directory above them). A destination the guard cannot
    /// place is refused, as for `rm -r`.
    fn judge_mirror(&self, w: &Word, sc: &Scope, argv: &[Word]) -> Verdict {
        let env = self.env;
        for t in env.resolve_all(w, sc) {
            let what = match t {
                Target::Known { comps, .. } => {
                    let system = matches!(comps.as_slice(), [c] if SYSTEM_DIRS.contains(&c.as_str()));
                    if !(comps.is_empty() || system || env.home.starts_with(&comps) || env.project.starts_with(&comps))
                    {
                        continue;
                    }
                    show(&comps)
                }
                Target::Unknown => format!("`{}` (the guard cannot tell where that points)", snippet_str(&w.text)),
            };
            return Err(format!(
                "claude-failover guard refused `{}`: --delete makes {what} a copy of the source, deleting everything else in it; sync into a subdirectory instead",
                snippet(argv)
            ));
        }
        Ok(())
    }

    pub(in crate::guard) fn chperm_rule(&self, args: &[Word], argv: &[Word], sc: &Scope) -> Verdict {
        // Only upper-case R: `chmod -r file` is the mode "remove read".
        let recursive = args.iter().any(|w| {
            let t = w.text.as_str();
            long_opt(t, "--recursive") || short_has(t, 'R')
        });
        if !recursive {
            return Ok(());
        }
        for w in operands(args) {
            if let Target::Known { comps, .. } = self.env.resolve(w, sc) {
                let what = if comps.is_empty() {
                    "the filesystem root"
                } else if self.env.home.starts_with(&comps) {
                    "your home directory"
                } else {
                    continue;
                };
                return Err(format!(
                    "claude-failover guard refused `{}`: it recursively changes ownership/permissions of {what}",
                    snippet(argv)
                ));
            }
        }
        Ok(())
    }
}

/// Top-level directories of the system (Linux and macOS); a mirror into one wipes it.
#[rustfmt::skip]
const SYSTEM_DIRS: &[&str] = &[
    "bin", "boot", "dev", "etc", "home", "lib", "lib32", "lib64", "libx32", "mnt", "media", "nix", "opt", "proc",
    "root", "run", "sbin", "snap", "srv", "sys", "usr", "var", "Applications", "Library", "System", "Users",
    "Volumes", "private",
];

/// `/tmp/*` or anything under `/tmp/tmux-<uid>/`: the tmux server sockets (tmux's default
/// `TMUX_TMPDIR`). Deleting them leaves the server running but unreachable.
fn tmux_sockets(comps: &[String], contents: bool) -> bool {
    let c: Vec<&str> = comps.iter().map(String::as_str).collect();
    let c = c.strip_prefix(&["private"]).unwrap_or(&c);
    match c {
        ["tmp"] => contents,
        ["tmp", d, ..] => d.starts_with("tmux-"),
        _ => false,
    }
}

const RSYNC_WITH_ARG: &[&str] = &[
    "--rsh",
    "--filter",
    "--exclude",
    "--include",
    "--exclude-from",
    "--include-from",
    "--files-from",
    "--block-size",
    "--temp-dir",
    "--partial-dir",
    "--compare-dest",
    "--copy-dest",
    "--link-dest",
    "--backup-dir",
    "--suffix",
    "--chmod",
    "--chown",
    "--usermap",
    "--groupmap",
    "--timeout",
    "--contimeout",
    "--port",
    "--password-file",
    "--bwlimit",
    "--max-size",
    "--min-size",
    "--max-delete",
    "--modify-window",
    "--out-format",
    "--log-file",
    "--log-file-format",
    "--info",
    "--debug",
    "--iconv",
    "--remote-option",
    "--rsync-path",
    "--sockopts",
    "--stop-after",
    "--stop-at",
    "--checksum-choice",
    "--compress-choice",
    "--compress-level",
    "--skip-compress",
    "--outbuf",
    "--write-batch",
    "--read-batch",
    "--only-write-batch",
    "--protocol",
    "--address",
];
