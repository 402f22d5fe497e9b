//! Atomic file writes and private directories.
//!
//! Every file this tool writes that someone else may read at any moment (the state file, Claude's
//! `.claude.json`, `settings.json`) goes through [`write_atomic`]: a temp file in the same
//! directory, fsync, rename over the target, fsync the directory. A reader sees the old bytes or
//! the new bytes, never half of them. Never write those files in place: a crash mid-write would
//! leave a truncated JSON that Claude Code or we would then refuse to read.

use std::fs::{self, File, OpenOptions};
use std::io::Write;
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt, PermissionsExt};
use std::path::Path;

use anyhow::{Context, Result};

/// Replace `path` with `data` atomically, with permission bits `mode` (the umask does not apply).
pub fn write_atomic(path: &Path, data: &[u8], mode: u32) -> Result<()> {
    swap_in(path, data, mode, true)
}

/// Replace `path` with `data` by temp + rename, without fsync: for files that must survive this
/// process being killed (the page cache outlives it) but not a power cut.
pub fn replace(path: &Path, data: &[u8], mode: u32) -> Result<()> {
    swap_in(path, data, mode, false)
}

fn swap_in(path: &Path, data: &[u8], mode: u32, durable: bool) -> Result<()> {
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    let name = path.file_name().with_context(|| format!("cannot write {}: not a file path", path.display()))?;
    let mut tmp = tempfile::Builder::new()
        .prefix(&format!(".{}.", name.to_string_lossy()))
        .suffix(".tmp")
        .tempfile_in(dir)
        .with_context(|| format!("cannot create a temp file in {}", dir.display()))?;
    tmp.as_file()
        .set_permissions(fs::Permissions::from_mode(mode))
        .with_context(|| format!("cannot set permissions on a temp file in {}", dir.display()))?;
    tmp.write_all(data)
        .and_then(|()| if durable { tmp.as_file().sync_all() } else { Ok(()) })
        .with_context(|| format!("cannot write {} (disk full or read-only?)", path.display()))?;
    tmp.persist(path).map_err(|e| e.error).with_context(|| format!("cannot replace {}", path.display()))?;
    if durable {
        sync_dir(dir);
    }
    Ok(())
}

/// fsync a directory so a rename in it survives a power cut. Best effort: some filesystems
/// refuse to fsync directories, and the rename itself already happened.
pub fn sync_dir(dir: &Path) {
    if let Ok(d) = File::open(dir) {
        let _ = d.sync_all();
    }
}

/// Create `dir` (and parents) with mode 0700 and make sure the final component is 0700 even when
/// it already existed with looser bits.
pub fn private_dir(dir: &Path) -> Result<()> {
    fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)
        .with_context(|| format!("cannot create directory {}", dir.display()))?;
    let meta = fs::symlink_metadata(dir).with_context(|| format!("cannot read {}", dir.display()))?;
    if !meta.is_dir() {
        anyhow::bail!("{} is not a directory; move it away and try again", dir.display());
    }
    if meta.permissions().mode() & 0o777 != 0o700 {
        fs::set_permissions(dir, fs::Permissions::from_mode(0o700))
            .with_context(|| format!("cannot make {} private (chmod 700)", dir.display()))?;
    }
    Ok(())
}

/// Open a file for appending, creating it 0600. Refuses to follow a symlink planted at `path`
/// (O_NOFOLLOW): logs live in the state dir and must never be redirected elsewhere.
pub fn open_append_private(path: &Path) -> Result<File> {
    OpenOptions::new()
        .create(true)
        .append(true)
        .mode(0o600)
        .custom_flags(libc::O_NOFOLLOW | libc::O_CLOEXEC)
        .open(path)
        .with_context(|| format!("cannot open {} for appending", path.display()))
}

/// Open (creating it 0600) a file that is only ever locked, never read. Refuses a symlink.
pub fn open_lock(path: &Path) -> Result<File> {
    OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .mode(0o600)
        .custom_flags(libc::O_NOFOLLOW | libc::O_CLOEXEC)
        .open(path)
        .with_context(|| format!("cannot open lock file {}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn write_atomic_replaces_and_sets_mode() {
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("f.json");
        fs::write(&p, b"old").unwrap();
        write_atomic(&p, b"new", 0o600).unwrap();
        assert_eq!(fs::read(&p).unwrap(), b"new");
        assert_eq!(fs::metadata(&p).unwrap().permissions().mode() & 0o777, 0o600);
        // no temp file left behind
        assert_eq!(fs::read_dir(d.path()).unwrap().count(), 1);
    }

    #[test]
    fn private_dir_tightens_existing() {
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("s");
        fs::create_dir(&p).unwrap();
        fs::set_permissions(&p, fs::Permissions::from_mode(0o755)).unwrap();
        private_dir(&p).unwrap();
        assert_eq!(fs::metadata(&p).unwrap().permissions().mode() & 0o777, 0o700);
    }

    #[test]
    fn append_refuses_symlink() {
        let d = tempfile::tempdir().unwrap();
        let target = d.path().join("victim");
        fs::write(&target, b"keep").unwrap();
        let link = d.path().join("log");
        std::os::unix::fs::symlink(&target, &link).unwrap();
        assert!(open_append_private(&link).is_err());
        assert_eq!(fs::read(&target).unwrap(), b"keep");
    }
}
