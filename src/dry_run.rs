//! `link --dry-run` as the real run on a shadow: every place `link` looks at (`claude_dir`, each
//! account home, each shared target, `$HOME/.claude.json`) is copied as names only (directories,
//! empty files, links) into a temp dir, the config is pointed there, and the very code of the real
//! run goes through it. What it prints, with the temp dir taken out of each path, is the plan.
//!
//! The invariant a newcomer could break: the plan is never computed by other code than the run
//! (two codes drift: a dry run that promised one thing while the run did another). `link`'s
//! decisions depend on names and kinds only (what exists, what is a directory or a link, which
//! names collide), never on file contents, so empty files are a faithful shadow. Only what cannot
//! be foreseen (a permission refused, a disk full) can still differ, and the run reports it.

use std::fs;
use std::os::unix::fs::{DirBuilderExt, symlink};
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};

use crate::config::Config;

pub struct Shadow {
    _dir: tempfile::TempDir,
    root: PathBuf,
    /// The real places, longest first: a link into one of them points into the shadow.
    places: Vec<PathBuf>,
}

impl Shadow {
    /// A shadow of what `link` looks at for `cfg`, and `cfg` and `global_json` pointed into it.
    pub fn of(cfg: &Config, global_json: Option<&Path>) -> Result<(Shadow, Config, Option<PathBuf>)> {
        let dir =
            tempfile::Builder::new().prefix("claude-failover-plan-").tempdir().context("cannot make a temp dir")?;
        let root = dir.path().join("shadow");
        let mut places: Vec<PathBuf> = vec![cfg.claude_dir.clone()];
        places.extend(cfg.accounts.iter().map(|a| a.home.clone()));
        places.extend(cfg.shared.iter().map(|l| l.target.clone()));
        places.extend(global_json.map(Path::to_path_buf));
        places.sort_by_key(|p| std::cmp::Reverse(p.as_os_str().len()));
        let shadow = Shadow { _dir: dir, root, places };
        for p in &shadow.places {
            let at = shadow.to_shadow(p);
            if let Some(parent) = at.parent() {
                fs::create_dir_all(parent).with_context(|| format!("cannot make {}", parent.display()))?;
            }
            if fs::symlink_metadata(&at).is_err() {
                shadow.copy_names(p, &at)?;
            }
        }
        let mut shadowed = cfg.clone();
        shadowed.claude_dir = shadow.to_shadow(&cfg.claude_dir);
        for a in &mut shadowed.accounts {
            a.home = shadow.to_shadow(&a.home);
        }
        for l in &mut shadowed.shared {
            l.target = shadow.to_shadow(&l.target);
        }
        let json = global_json.map(|g| shadow.to_shadow(g));
        Ok((shadow, shadowed, json))
    }

    fn to_shadow(&self, p: &Path) -> PathBuf {
        self.root.join(p.strip_prefix("/").unwrap_or(p))
    }

    /// A line the run printed, with the shadow's paths back where they are.
    pub fn back(&self, line: &str) -> String {
        line.replace(&self.root.to_string_lossy().into_owned(), "")
    }

    /// `real` as names only at `at`: directories (0700), empty files, links (a link into one of
    /// the places points at its shadow).
    fn copy_names(&self, real: &Path, at: &Path) -> Result<()> {
        let Ok(m) = fs::symlink_metadata(real) else { return Ok(()) };
        let ft = m.file_type();
        if ft.is_symlink() {
            let to = fs::read_link(real).with_context(|| format!("cannot read the link {}", real.display()))?;
            let to = if to.is_absolute() && self.places.iter().any(|p| to.starts_with(p)) {
                self.to_shadow(&to)
            } else {
                to
            };
            symlink(&to, at).with_context(|| format!("cannot make {}", at.display()))?;
        } else if ft.is_dir() {
            fs::DirBuilder::new().mode(0o700).create(at).with_context(|| format!("cannot make {}", at.display()))?;
            // A directory that cannot be listed is shadowed empty: the run will say what it finds.
            for e in fs::read_dir(real).into_iter().flatten().flatten() {
                self.copy_names(&e.path(), &at.join(e.file_name()))?;
            }
        } else {
            fs::File::create(at).with_context(|| format!("cannot make {}", at.display()))?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_kinds_and_links_into_the_places_are_shadowed_and_paths_come_back() {
        let t = tempfile::tempdir().unwrap();
        let home = t.path().join("h");
        fs::create_dir_all(home.join("projects/p")).unwrap();
        fs::write(home.join("projects/p/a.jsonl"), "secret transcript").unwrap();
        let shared = t.path().join("shared");
        fs::create_dir_all(shared.join("file-history")).unwrap();
        symlink(shared.join("file-history"), home.join("file-history")).unwrap();
        symlink("/nowhere", home.join("session-env")).unwrap();
        let text = format!(
            "[[accounts]]\nname = \"a\"\nhome = \"{}\"\n[[accounts]]\nname = \"b\"\nhome = \"{}\"\n[shared]\nroot = \"{}\"\n",
            home.display(),
            t.path().join("b").display(),
            shared.display()
        );
        let cfg = crate::config::parse(&text, &t.path().join("c.toml"), t.path()).unwrap();
        let (s, sc, _) = Shadow::of(&cfg, None).unwrap();
        let h = &sc.accounts[0].home;
        assert_eq!(fs::read(h.join("projects/p/a.jsonl")).unwrap(), b"", "names, never contents");
        assert_eq!(fs::read_link(h.join("file-history")).unwrap(), s.to_shadow(&shared.join("file-history")));
        assert_eq!(fs::read_link(h.join("session-env")).unwrap(), PathBuf::from("/nowhere"));
        assert!(fs::symlink_metadata(&sc.accounts[1].home).is_err(), "what is missing stays missing");
        assert_eq!(
            s.back(&format!("move {}", h.join("projects").display())),
            format!("move {}", home.join("projects").display())
        );
    }
}
