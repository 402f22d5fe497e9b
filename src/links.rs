//! The shared-state links: every account home exposes each shared name (`projects`,
//! `file-history`, `session-env`) as a symlink to one shared target, so `claude --resume <id>`
//! finds the same transcripts whichever account is active. Also the `claude_dir` pointer.
//!
//! The invariant a newcomer could break: **a link that points elsewhere is never corrected, and a
//! real file or directory where a link belongs is never removed.** The "wrong" target may hold
//! the only copy of someone's transcripts. Missing things are created; everything else is
//! reported (all of it, across all accounts, in one run) and left for the user. The one path that
//! moves real data is [`adopt`], which the user asks for by name, moves entries without ever
//! overwriting, and only removes directories it has emptied itself.

use std::fmt;
use std::fs;
use std::io::ErrorKind;
use std::os::unix::fs::{DirBuilderExt, symlink};
use std::path::{Path, PathBuf};

use crate::config::{Account, Config, SharedLink};

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Problem {
    /// The link exists and points somewhere else. Never auto-corrected.
    Divergent {
        link: PathBuf,
        points_to: PathBuf,
        expected: PathBuf,
    },
    /// A real file or directory sits where the link belongs.
    NotALink {
        path: PathBuf,
        is_dir: bool,
        expected: PathBuf,
    },
    /// Check-only mode: something that `--fix` / `link` would create.
    Missing {
        path: PathBuf,
        what: &'static str,
    },
    /// An account home that does not exist, where it must not be created (a swap's target): a
    /// home that was never logged in is no account to move panes to.
    NoHome {
        path: PathBuf,
    },
    /// A path that must be a directory is something else.
    NotADirectory {
        path: PathBuf,
        what: &'static str,
    },
    Io {
        path: PathBuf,
        doing: &'static str,
        error: String,
    },
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Problem::Divergent { link, points_to, expected } => write!(
                f,
                "{} points to {} but should point to {}; it is left alone because that directory may hold the only copy of transcripts: move its contents into {} yourself, then remove the link and run 'claude-failover link'",
                link.display(),
                points_to.display(),
                expected.display(),
                expected.display()
            ),
            Problem::NotALink { path, is_dir: true, expected } => write!(
                f,
                "{} is a real directory where a link to {} belongs; run 'claude-failover link --adopt' to move its contents into the shared target",
                path.display(),
                expected.display()
            ),
            Problem::NotALink { path, is_dir: false, expected } => write!(
                f,
                "{} is a file where a link to {} belongs; move the file away, then run 'claude-failover link'",
                path.display(),
                expected.display()
            ),
            Problem::Missing { path, what } => {
                write!(
                    f,
                    "{} is missing ({what}); run 'claude-failover link' or 'doctor --fix' to create it",
                    path.display()
                )
            }
            Problem::NoHome { path } => write!(
                f,
                "account home {} does not exist; log in with CLAUDE_CONFIG_DIR={} claude, then /login (or run 'claude-failover link' to create it)",
                path.display(),
                crate::tmux::shell_quote(&path.to_string_lossy())
            ),
            Problem::NotADirectory { path, what } => {
                write!(f, "{} ({what}) exists but is not a directory; move it away", path.display())
            }
            Problem::Io { path, doing, error } => write!(f, "cannot {doing} {}: {error}", path.display()),
        }
    }
}

fn io(path: &Path, doing: &'static str, e: std::io::Error) -> Problem {
    Problem::Io { path: path.to_path_buf(), doing, error: e.to_string() }
}

/// What one pass over the links did and found.
#[derive(Debug, Default)]
pub struct Report {
    pub created: Vec<String>,
    pub problems: Vec<Problem>,
}

impl Report {
    pub fn ok(&self) -> bool {
        self.problems.is_empty()
    }
    fn merge(&mut self, other: Report) {
        self.created.extend(other.created);
        self.problems.extend(other.problems);
    }
}

fn mkdir_private(path: &Path) -> std::io::Result<()> {
    fs::DirBuilder::new().recursive(true).mode(0o700).create(path)
}

/// Make sure `path` is a directory; create it (0700) when `fix`.
fn ensure_dir(path: &Path, what: &'static str, fix: bool, r: &mut Report) -> bool {
    match fs::metadata(path) {
        Ok(m) if m.is_dir() => true,
        Ok(_) => {
            r.problems.push(Problem::NotADirectory { path: path.to_path_buf(), what });
            false
        }
        Err(e) if e.kind() == ErrorKind::NotFound => {
            if !fix {
                r.problems.push(Problem::Missing { path: path.to_path_buf(), what });
                return false;
            }
            match mkdir_private(path) {
                Ok(()) => {
                    r.created.push(format!("created {} ({what})", path.display()));
                    true
                }
                Err(e) => {
                    r.problems.push(io(path, "create", e));
                    false
                }
            }
        }
        Err(e) => {
            r.problems.push(io(path, "inspect", e));
            false
        }
    }
}

/// Is the symlink at `link` (whose text is `points_to`) pointing at `target`? Equal text, or
/// both resolving to the same existing directory (a relative link to the right place is fine).
fn same_target(link: &Path, points_to: &Path, target: &Path) -> bool {
    if points_to == target {
        return true;
    }
    match (fs::canonicalize(link), fs::canonicalize(target)) {
        (Ok(a), Ok(b)) => a == b,
        _ => false,
    }
}

/// Reconcile one link inside `home`. Only ever creates; never removes or rewrites.
fn ensure_link(home: &Path, l: &SharedLink, fix: bool, r: &mut Report) {
    let link = home.join(&l.name);
    match fs::symlink_metadata(&link) {
        Err(e) if e.kind() == ErrorKind::NotFound => {
            if !fix {
                r.problems.push(Problem::Missing { path: link, what: "shared link" });
                return;
            }
            match symlink(&l.target, &link) {
                Ok(()) => r.created.push(format!("linked {} -> {}", link.display(), l.target.display())),
                Err(e) => r.problems.push(io(&link, "create the link", e)),
            }
        }
        Err(e) => r.problems.push(io(&link, "inspect", e)),
        Ok(m) if m.file_type().is_symlink() => match fs::read_link(&link) {
            Ok(points_to) if same_target(&link, &points_to, &l.target) => {}
            Ok(points_to) => r.problems.push(Problem::Divergent { link, points_to, expected: l.target.clone() }),
            Err(e) => r.problems.push(io(&link, "read the link", e)),
        },
        Ok(m) => r.problems.push(Problem::NotALink { path: link, is_dir: m.is_dir(), expected: l.target.clone() }),
    }
}

/// Check (and with `fix`, create what is missing) one account home: the home itself, every
/// shared target, every link. Reports every problem, not the first.
pub fn ensure_account(home: &Path, links: &[SharedLink], fix: bool) -> Report {
    let mut r = Report::default();
    if !ensure_dir(home, "account home", fix, &mut r) {
        return r;
    }
    for l in links {
        if ensure_dir(&l.target, "shared target", fix, &mut r) {
            ensure_link(home, l, fix, &mut r);
        } else if fix {
            // The target is broken; still say what the link looks like so the user sees it all.
            ensure_link(home, l, false, &mut Report::default());
        }
    }
    r
}

/// [`ensure_account`] with `fix` for a home that must already exist (the target of a swap):
/// shared targets and links are created, the home never is ([`Problem::NoHome`]). `link`,
/// `doctor --fix` and `recover` create homes; a swap never does it silently.
pub fn ensure_existing_account(home: &Path, links: &[SharedLink]) -> Report {
    if matches!(fs::metadata(home), Err(e) if e.kind() == ErrorKind::NotFound) {
        return Report { created: Vec::new(), problems: vec![Problem::NoHome { path: home.to_path_buf() }] };
    }
    ensure_account(home, links, true)
}

/// Every account, every problem, one report.
pub fn ensure_all(accounts: &[Account], links: &[SharedLink], fix: bool) -> Report {
    let mut r = Report::default();
    for a in accounts {
        r.merge(ensure_account(&a.home, links, fix));
    }
    // A broken shared target shows up once per account; say it once.
    let mut seen = Vec::new();
    r.problems.retain(|p| {
        let dup = seen.contains(p);
        if !dup {
            seen.push(p.clone());
        }
        !dup
    });
    r
}

/// What sits at `claude_dir`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Pointer {
    /// A symlink to this account's home.
    Account(String),
    /// A symlink to something that is no configured home.
    Elsewhere(PathBuf),
    Missing,
    RealDir,
    RealFile,
}

pub fn read_pointer(cfg: &Config) -> Pointer {
    match fs::symlink_metadata(&cfg.claude_dir) {
        Err(_) => Pointer::Missing,
        Ok(m) if m.file_type().is_symlink() => match fs::read_link(&cfg.claude_dir) {
            Ok(to) => {
                let abs = if to.is_absolute() {
                    to.clone()
                } else {
                    cfg.claude_dir.parent().map(|p| p.join(&to)).unwrap_or(to.clone())
                };
                match cfg.account_by_home(&abs) {
                    Some(a) => Pointer::Account(a.name.clone()),
                    None => Pointer::Elsewhere(to),
                }
            }
            Err(_) => Pointer::Missing,
        },
        Ok(m) if m.is_dir() => Pointer::RealDir,
        Ok(_) => Pointer::RealFile,
    }
}

pub fn pointer_problem(cfg: &Config, p: &Pointer) -> Option<String> {
    let d = cfg.claude_dir.display();
    match p {
        Pointer::Account(_) => None,
        Pointer::Missing => {
            Some(format!("{d} is missing; run 'claude-failover link' to point it at the primary account"))
        }
        Pointer::Elsewhere(to) => Some(format!(
            "{d} points to {}, which is not a configured account home; fix the config or the link (it is never changed automatically)",
            to.display()
        )),
        Pointer::RealDir => Some(format!(
            "{d} is a real directory; run 'claude-failover link --adopt' to move its contents into the primary account's home and shared targets"
        )),
        Pointer::RealFile => Some(format!("{d} is a file, not a link to an account home; move it away")),
    }
}

/// Create `claude_dir` pointing at the primary when it is missing. Anything else is reported.
pub fn ensure_pointer(cfg: &Config) -> Result<Option<String>, String> {
    match read_pointer(cfg) {
        Pointer::Missing => {
            let primary = cfg.primary_account();
            if let Some(parent) = cfg.claude_dir.parent() {
                mkdir_private(parent).map_err(|e| format!("cannot create {}: {e}", parent.display()))?;
            }
            // A dangling symlink also reads as "missing"; only create when nothing is there at all.
            if fs::symlink_metadata(&cfg.claude_dir).is_ok() {
                return Err(format!(
                    "{} is a dangling link; remove it by hand if it is not needed, then run 'claude-failover link'",
                    cfg.claude_dir.display()
                ));
            }
            symlink(&primary.home, &cfg.claude_dir)
                .map_err(|e| format!("cannot create {}: {e}", cfg.claude_dir.display()))?;
            Ok(Some(format!("linked {} -> {} (primary)", cfg.claude_dir.display(), primary.home.display())))
        }
        p => match pointer_problem(cfg, &p) {
            None => Ok(None),
            Some(msg) => Err(msg),
        },
    }
}

/// Point `claude_dir` at `home` atomically: a new symlink under a temp name, renamed over the old
/// one, so a process resolving `~/.claude` sees the old home or the new one, never nothing.
/// A real directory or file at `claude_dir` is refused and left intact.
pub fn flip_pointer(claude_dir: &Path, home: &Path) -> anyhow::Result<()> {
    use anyhow::{Context, bail};
    match fs::symlink_metadata(claude_dir) {
        Ok(m) if !m.file_type().is_symlink() => bail!(
            "{} is a real {}, not a link; it is never removed: run 'claude-failover link --adopt' to move its contents into the account homes",
            claude_dir.display(),
            if m.is_dir() { "directory" } else { "file" }
        ),
        _ => {}
    }
    let parent = claude_dir.parent().context("claude_dir has no parent directory")?;
    let name = claude_dir.file_name().context("claude_dir has no file name")?.to_string_lossy();
    let tmp = parent.join(format!(".{name}.flip-{}", std::process::id()));
    let _ = fs::remove_file(&tmp); // our own leftover from a crashed flip, never user data
    symlink(home, &tmp).with_context(|| format!("cannot create {}", tmp.display()))?;
    if let Err(e) = fs::rename(&tmp, claude_dir) {
        let _ = fs::remove_file(&tmp);
        return Err(e).with_context(|| format!("cannot point {} at {}", claude_dir.display(), home.display()));
    }
    crate::atomic::sync_dir(parent);
    Ok(())
}

// ---- adopt -----------------------------------------------------------------------------------

/// One step of an adoption, in the order it runs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Step {
    Move {
        from: PathBuf,
        to: PathBuf,
    },
    RemoveEmptyDir(PathBuf),
    Link {
        link: PathBuf,
        target: PathBuf,
    },
    Conflict {
        path: PathBuf,
        existing: PathBuf,
    },
    Failed {
        path: PathBuf,
        error: String,
    },
    /// `$HOME/.claude.json` copied into the primary's home (the original stays).
    Copy {
        from: PathBuf,
        to: PathBuf,
    },
}

impl fmt::Display for Step {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Step::Move { from, to } => write!(f, "move   {} -> {}", from.display(), to.display()),
            Step::RemoveEmptyDir(p) => write!(f, "rmdir  {} (emptied)", p.display()),
            Step::Link { link, target } => write!(f, "link   {} -> {}", link.display(), target.display()),
            Step::Conflict { path, existing } => write!(
                f,
                "CONFLICT {} is left in place: {} already exists (compare them, keep one, then run 'link --adopt' again)",
                path.display(),
                existing.display()
            ),
            Step::Failed { path, error } => write!(f, "FAILED {}: {error}", path.display()),
            Step::Copy { from, to } => write!(
                f,
                "copy   {} -> {} (onboarding, folder trust; the original stays)",
                from.display(),
                to.display()
            ),
        }
    }
}

/// Move every entry of `src` into `dst` without overwriting: a directory present on both sides is
/// merged entry by entry; any other name present on both sides is a conflict, left in place.
/// Returns whether `src` was emptied and removed.
fn merge_dir(src: &Path, dst: &Path, steps: &mut Vec<Step>) -> bool {
    let entries = match fs::read_dir(src) {
        Ok(rd) => rd,
        Err(e) => {
            steps.push(Step::Failed { path: src.to_path_buf(), error: e.to_string() });
            return false;
        }
    };
    let mut emptied = true;
    let mut names: Vec<_> = entries.filter_map(|e| e.ok().map(|e| e.file_name())).collect();
    names.sort();
    for name in names {
        let from = src.join(&name);
        let to = dst.join(&name);
        match fs::symlink_metadata(&to) {
            Err(e) if e.kind() == ErrorKind::NotFound => {
                if let Err(e) = move_entry(&from, &to) {
                    steps.push(Step::Failed { path: from, error: e });
                    emptied = false;
                    continue;
                }
                steps.push(Step::Move { from, to });
            }
            Ok(dm) if dm.is_dir() && fs::symlink_metadata(&from).map(|m| m.is_dir()).unwrap_or(false) => {
                emptied &= merge_dir(&from, &to, steps);
            }
            _ => {
                steps.push(Step::Conflict { path: from, existing: to });
                emptied = false;
            }
        }
    }
    if emptied {
        if let Err(e) = fs::remove_dir(src) {
            steps.push(Step::Failed { path: src.to_path_buf(), error: e.to_string() });
            return false;
        }
        steps.push(Step::RemoveEmptyDir(src.to_path_buf()));
    }
    emptied
}

/// rename(2) only: across filesystems we refuse rather than copy-then-delete, which could lose
/// data half-way.
fn move_entry(from: &Path, to: &Path) -> Result<(), String> {
    if let Some(parent) = to.parent() {
        mkdir_private(parent).map_err(|e| e.to_string())?;
    }
    fs::rename(from, to).map_err(|e| {
        if e.raw_os_error() == Some(libc::EXDEV) {
            format!("{} and {} are on different filesystems; move it by hand", from.display(), to.display())
        } else {
            e.to_string()
        }
    })
}

/// Adopt real directories into their proper places, then create the links they were blocking:
/// `claude_dir` (a real dir) into the primary's home, and each real shared dir in an account home
/// into its shared target. Never overwrites; conflicts stay where they are and block their link.
/// Last, the primary's home gets its own copy of `global_claude_json`, the `$HOME/.claude.json` a
/// plain `claude` uses ([`copy_claude_json`]). A plan is this very run on a shadow (`link
/// --dry-run`, `dry_run.rs`), never a second code path.
pub fn adopt(cfg: &Config, global_claude_json: Option<&Path>) -> Vec<Step> {
    let mut steps = Vec::new();
    let primary = cfg.primary_account();
    let was_real_dir = read_pointer(cfg) == Pointer::RealDir;
    if was_real_dir {
        let moved = if fs::symlink_metadata(&primary.home).is_err() {
            // The whole directory becomes the primary's home: one rename, nothing copied.
            if let Err(e) = move_entry(&cfg.claude_dir, &primary.home) {
                steps.push(Step::Failed { path: cfg.claude_dir.clone(), error: e });
                false
            } else {
                steps.push(Step::Move { from: cfg.claude_dir.clone(), to: primary.home.clone() });
                true
            }
        } else {
            adopt_claude_dir_into(cfg, &primary.home, &mut steps)
        };
        if moved {
            if let Err(e) = symlink(&primary.home, &cfg.claude_dir) {
                steps.push(Step::Failed { path: cfg.claude_dir.clone(), error: e.to_string() });
            } else {
                steps.push(Step::Link { link: cfg.claude_dir.clone(), target: primary.home.clone() });
            }
        }
    }
    for a in &cfg.accounts {
        for l in &cfg.shared {
            let at = a.home.join(&l.name);
            let is_real_dir = fs::symlink_metadata(&at).map(|m| m.is_dir()).unwrap_or(false);
            if !is_real_dir {
                continue;
            }
            let emptied = if fs::symlink_metadata(&l.target).is_err() {
                if let Err(e) = move_entry(&at, &l.target) {
                    steps.push(Step::Failed { path: at.clone(), error: e });
                    false
                } else {
                    steps.push(Step::Move { from: at.clone(), to: l.target.clone() });
                    true
                }
            } else {
                merge_dir(&at, &l.target, &mut steps)
            };
            if emptied {
                if let Err(e) = symlink(&l.target, &at) {
                    steps.push(Step::Failed { path: at.clone(), error: e.to_string() });
                } else {
                    steps.push(Step::Link { link: at.clone(), target: l.target.clone() });
                }
            }
        }
    }
    if let Some(src) = global_claude_json {
        copy_claude_json(cfg, src, was_real_dir, &mut steps);
    }
    steps
}

/// The most of `.claude.json` that is copied; a real one is far smaller (as in `login`).
const CLAUDE_JSON_MAX: u64 = 64 << 20;

/// Give the primary's home its own copy of `src` (`$HOME/.claude.json`: onboarding, folder trust,
/// the account's identity) when it has none. A plain `claude` reads `$HOME/.claude.json`; a pane
/// relaunched with `CLAUDE_CONFIG_DIR=<primary home>` reads `<primary home>/.claude.json` and,
/// without it, starts onboarding and asks for trust again.
///
/// A copy, never a move: the original stays for every plain `claude`. Never overwrites: an
/// existing `.claude.json` in the home wins, and the file is put in place with a no-clobber rename, 0600.
fn copy_claude_json(cfg: &Config, src: &Path, was_real_dir: bool, steps: &mut Vec<Step>) {
    let home = &cfg.primary_account().home;
    let to = home.join(crate::login::CLAUDE_JSON);
    if !fs::metadata(src).is_ok_and(|m| m.is_file()) || fs::symlink_metadata(&to).is_ok() {
        return;
    }
    match fs::symlink_metadata(home) {
        Ok(m) if m.is_dir() => {}
        // The real claude_dir was to become the home and could not: its failure is already listed.
        Err(_) if was_real_dir => return,
        Err(e) if e.kind() == ErrorKind::NotFound => {
            if let Err(e) = mkdir_private(home) {
                steps.push(Step::Failed { path: home.clone(), error: e.to_string() });
                return;
            }
        }
        _ => return, // not a directory: `link` reports it
    }
    match copy_new(src, &to) {
        Ok(()) => steps.push(Step::Copy { from: src.to_path_buf(), to }),
        Err(error) => steps.push(Step::Failed { path: to, error }),
    }
}

/// Copy `src` to `to` (0600) by temp file + no-clobber rename: `to` appears whole or not at all,
/// and a file that appeared there meanwhile is left alone.
fn copy_new(src: &Path, to: &Path) -> Result<(), String> {
    use std::io::{Read, Write};
    use std::os::unix::fs::PermissionsExt;
    let mut data = Vec::new();
    fs::File::open(src)
        .and_then(|f| f.take(CLAUDE_JSON_MAX + 1).read_to_end(&mut data))
        .map_err(|e| format!("cannot read {}: {e}", src.display()))?;
    if data.len() as u64 > CLAUDE_JSON_MAX {
        return Err(format!("{} is larger than 64 MiB; copy it by hand", src.display()));
    }
    let dir = to.parent().unwrap_or(Path::new("."));
    let mut tmp = tempfile::Builder::new()
        .prefix(".claude.json.")
        .suffix(".tmp")
        .tempfile_in(dir)
        .map_err(|e| format!("cannot create a temp file in {}: {e}", dir.display()))?;
    tmp.as_file()
        .set_permissions(fs::Permissions::from_mode(0o600))
        .and_then(|()| tmp.write_all(&data))
        .and_then(|()| tmp.as_file().sync_all())
        .map_err(|e| format!("cannot write {}: {e}", to.display()))?;
    tmp.persist_noclobber(to).map_err(|e| {
        if e.error.kind() == ErrorKind::AlreadyExists {
            format!("{} appeared meanwhile; it is left as it is", to.display())
        } else {
            format!("cannot create {}: {}", to.display(), e.error)
        }
    })?;
    crate::atomic::sync_dir(dir);
    Ok(())
}

/// `claude_dir` is a real directory and the primary home already exists: move entries across.
/// A shared name goes straight into its shared target (that is where the primary's link leads).
fn adopt_claude_dir_into(cfg: &Config, home: &Path, steps: &mut Vec<Step>) -> bool {
    let src = &cfg.claude_dir;
    let mut emptied = true;
    let mut names: Vec<_> = match fs::read_dir(src) {
        Ok(rd) => rd.filter_map(|e| e.ok().map(|e| e.file_name())).collect(),
        Err(e) => {
            steps.push(Step::Failed { path: src.clone(), error: e.to_string() });
            return false;
        }
    };
    names.sort();
    for name in names {
        let from = src.join(&name);
        let shared = cfg.shared.iter().find(|l| l.name.as_str() == name.to_string_lossy());
        let from_is_dir = fs::symlink_metadata(&from).map(|m| m.is_dir()).unwrap_or(false);
        match shared {
            Some(l) if from_is_dir && fs::symlink_metadata(&l.target).is_ok() => {
                emptied &= merge_dir(&from, &l.target, steps);
            }
            _ => {
                let to = home.join(&name);
                if fs::symlink_metadata(&to).is_ok() {
                    if from_is_dir && fs::metadata(&to).map(|m| m.is_dir()).unwrap_or(false) {
                        emptied &= merge_dir(&from, &to, steps);
                    } else {
                        steps.push(Step::Conflict { path: from, existing: to });
                        emptied = false;
                    }
                } else if let Err(e) = move_entry(&from, &to) {
                    steps.push(Step::Failed { path: from, error: e });
                    emptied = false;
                } else {
                    steps.push(Step::Move { from, to });
                }
            }
        }
    }
    if emptied {
        if let Err(e) = fs::remove_dir(src) {
            steps.push(Step::Failed { path: src.clone(), error: e.to_string() });
            return false;
        }
        steps.push(Step::RemoveEmptyDir(src.clone()));
    }
    emptied
}

#[cfg(test)]
mod tests {
    use super::*;

    fn links(root: &Path) -> Vec<SharedLink> {
        ["projects", "file-history"]
            .iter()
            .map(|n| SharedLink { name: n.to_string(), target: root.join("shared").join(n) })
            .collect()
    }

    #[test]
    fn missing_everything_is_created_0700() {
        use std::os::unix::fs::PermissionsExt;
        let d = tempfile::tempdir().unwrap();
        let ls = links(d.path());
        let home = d.path().join("a");
        let r = ensure_account(&home, &ls, true);
        assert!(r.ok(), "{:?}", r.problems);
        for l in &ls {
            assert_eq!(fs::read_link(home.join(&l.name)).unwrap(), l.target);
            assert_eq!(fs::metadata(&l.target).unwrap().permissions().mode() & 0o777, 0o700);
        }
        assert_eq!(fs::metadata(&home).unwrap().permissions().mode() & 0o777, 0o700);
        // second pass: nothing to do
        let r = ensure_account(&home, &ls, true);
        assert!(r.ok() && r.created.is_empty());
    }

    #[test]
    fn check_only_reports_missing_without_creating() {
        let d = tempfile::tempdir().unwrap();
        let home = d.path().join("a");
        let r = ensure_account(&home, &links(d.path()), false);
        assert!(matches!(r.problems[0], Problem::Missing { .. }));
        assert!(!home.exists());
    }

    fn cfg_in(home: &Path) -> Config {
        let text = "[[accounts]]\nname = \"main\"\nhome = \"~/.claude-main\"\n[[accounts]]\nname = \"b\"\nhome = \"~/.claude-b\"\n";
        crate::config::parse(text, &home.join("config.toml"), home).unwrap()
    }

    #[test]
    fn adopt_copies_the_global_claude_json_into_the_primary_home() {
        use std::os::unix::fs::PermissionsExt;
        let d = tempfile::tempdir().unwrap();
        let h = d.path();
        let cfg = cfg_in(h);
        let global = h.join(".claude.json");
        fs::write(&global, r#"{"hasCompletedOnboarding":true}"#).unwrap();
        fs::set_permissions(&global, fs::Permissions::from_mode(0o644)).unwrap();
        fs::create_dir_all(h.join(".claude/projects")).unwrap();
        let copy = h.join(".claude-main/.claude.json");
        let done = adopt(&cfg, Some(&global));
        assert!(done.contains(&Step::Copy { from: global.clone(), to: copy.clone() }), "{done:?}");
        assert_eq!(fs::read(&copy).unwrap(), fs::read(&global).unwrap());
        assert_eq!(fs::metadata(&copy).unwrap().permissions().mode() & 0o777, 0o600);
        assert_eq!(fs::metadata(&global).unwrap().permissions().mode() & 0o777, 0o644, "the original is untouched");
        // a second run: the home has one now, nothing to do
        assert!(!adopt(&cfg, Some(&global)).iter().any(|s| matches!(s, Step::Copy { .. })));
        // no leftover temp file
        let names: Vec<_> = fs::read_dir(h.join(".claude-main")).unwrap().flatten().map(|e| e.file_name()).collect();
        assert!(!names.iter().any(|n| n.to_string_lossy().ends_with(".tmp")), "{names:?}");
    }

    #[test]
    fn adopt_never_overwrites_a_claude_json() {
        let d = tempfile::tempdir().unwrap();
        let h = d.path();
        let cfg = cfg_in(h);
        let global = h.join(".claude.json");
        fs::write(&global, "global").unwrap();
        // the primary home already has its own
        fs::create_dir_all(h.join(".claude-main")).unwrap();
        fs::write(h.join(".claude-main/.claude.json"), "own").unwrap();
        assert!(!adopt(&cfg, Some(&global)).iter().any(|s| matches!(s, Step::Copy { .. })));
        assert_eq!(fs::read_to_string(h.join(".claude-main/.claude.json")).unwrap(), "own");
        assert_eq!(fs::read_to_string(&global).unwrap(), "global");
        // the real ~/.claude holds one, and becomes the home: the run keeps the moved one
        let d = tempfile::tempdir().unwrap();
        let h = d.path();
        let cfg = cfg_in(h);
        let global = h.join(".claude.json");
        fs::write(&global, "global").unwrap();
        fs::create_dir_all(h.join(".claude")).unwrap();
        fs::write(h.join(".claude/.claude.json"), "in the dir").unwrap();
        assert!(!adopt(&cfg, Some(&global)).iter().any(|s| matches!(s, Step::Copy { .. })));
        assert_eq!(fs::read_to_string(h.join(".claude-main/.claude.json")).unwrap(), "in the dir");
        // no global file: nothing to copy
        let d = tempfile::tempdir().unwrap();
        let cfg = cfg_in(d.path());
        assert!(adopt(&cfg, Some(&d.path().join(".claude.json"))).is_empty());
        assert!(!d.path().join(".claude-main/.claude.json").exists());
    }

    #[test]
    fn relative_link_to_the_right_place_is_fine() {
        let d = tempfile::tempdir().unwrap();
        let ls = links(d.path());
        let home = d.path().join("a");
        fs::create_dir_all(&home).unwrap();
        fs::create_dir_all(&ls[0].target).unwrap();
        symlink("../shared/projects", home.join("projects")).unwrap();
        let r = ensure_account(&home, &ls, true);
        assert!(r.ok(), "{:?}", r.problems);
    }
}
