//! Where this tool's own files live (SPEC §2), and `~` expansion for configured paths.
//!
//! Everything is derived from the environment once, at start, into [`Paths`], so tests run in a
//! temp `HOME` by setting variables and nothing reads `$HOME` behind their back.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};

pub const APP: &str = "claude-failover";

#[derive(Debug, Clone)]
pub struct Paths {
    pub home: PathBuf,
    pub config_file: PathBuf,
    /// True when the config path came from `--config` or `CLAUDE_FAILOVER_CONFIG`.
    pub config_explicit: bool,
    pub state_dir: PathBuf,
}

impl Paths {
    /// Resolve from the process environment; `config_override` is `--config`.
    pub fn from_env(config_override: Option<&Path>) -> Result<Paths> {
        let home = home_dir()?;
        let env_config = std::env::var_os("CLAUDE_FAILOVER_CONFIG").filter(|v| !v.is_empty());
        let (config_file, config_explicit) = match (config_override, env_config) {
            (Some(p), _) => (expand_home_with(&p.to_string_lossy(), &home)?, true),
            (None, Some(v)) => (expand_home_with(&v.to_string_lossy(), &home)?, true),
            (None, None) => (xdg_dir("XDG_CONFIG_HOME", &home, ".config").join(APP).join("config.toml"), false),
        };
        let state_dir = match std::env::var_os("CLAUDE_FAILOVER_STATE_DIR").filter(|v| !v.is_empty()) {
            Some(v) => expand_home_with(&v.to_string_lossy(), &home)?,
            None => xdg_dir("XDG_STATE_HOME", &home, ".local/state").join(APP),
        };
        Ok(Paths { home, config_file, config_explicit, state_dir })
    }

    pub fn state_file(&self) -> PathBuf {
        self.state_dir.join("state.json")
    }
    pub fn events_file(&self) -> PathBuf {
        self.state_dir.join("events.jsonl")
    }
    pub fn logs_dir(&self) -> PathBuf {
        self.state_dir.join("panes")
    }
}

fn home_dir() -> Result<PathBuf> {
    // `directories` falls back to the password database when HOME is unset, which is what a user
    // expects from a CLI; tests always set HOME.
    match std::env::var_os("HOME").filter(|h| !h.is_empty()) {
        Some(h) => Ok(PathBuf::from(h)),
        None => directories::BaseDirs::new()
            .map(|b| b.home_dir().to_path_buf())
            .context("cannot find your home directory: set HOME"),
    }
}

/// `$VAR` when it is an absolute path (the XDG rule: relative values are ignored), else `~/fallback`.
fn xdg_dir(var: &str, home: &Path, fallback: &str) -> PathBuf {
    match std::env::var_os(var).map(PathBuf::from) {
        Some(p) if p.is_absolute() => p,
        _ => home.join(fallback),
    }
}

/// Expand a leading `~` or `~/` from `home`. Anything else must already be absolute: a relative
/// path in a config would silently depend on the directory the daemon was started from.
pub fn expand_home_with(raw: &str, home: &Path) -> Result<PathBuf> {
    let p = if raw == "~" {
        home.to_path_buf()
    } else if let Some(rest) = raw.strip_prefix("~/") {
        home.join(rest)
    } else if raw.starts_with('~') {
        bail!("{raw:?}: only '~' and '~/…' are expanded; write the full path instead");
    } else {
        PathBuf::from(raw)
    };
    if !p.is_absolute() {
        bail!("{raw:?} is a relative path; use an absolute path or one starting with '~/'");
    }
    Ok(normalize(&p))
}

/// Lexically clean a path (`a/./b/../c` → `a/c`) without touching the filesystem, so two spellings
/// of one directory compare equal in config validation.
pub fn normalize(p: &Path) -> PathBuf {
    use std::path::Component;
    let mut out = PathBuf::new();
    for c in p.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => {
                out.pop();
            }
            other => out.push(other.as_os_str()),
        }
    }
    out
}

/// `/home/u/x` → `~/x` for messages and status, so they stay short.
pub fn tildify(p: &Path, home: &Path) -> String {
    match p.strip_prefix(home) {
        Ok(rest) if rest.as_os_str().is_empty() => "~".into(),
        Ok(rest) => format!("~/{}", rest.display()),
        Err(_) => p.display().to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn expands_tilde() {
        let h = Path::new("/home/u");
        assert_eq!(expand_home_with("~", h).unwrap(), PathBuf::from("/home/u"));
        assert_eq!(expand_home_with("~/.claude-a", h).unwrap(), PathBuf::from("/home/u/.claude-a"));
        assert_eq!(expand_home_with("/x/./y/../z", h).unwrap(), PathBuf::from("/x/z"));
        assert!(expand_home_with("~bob/x", h).is_err());
        assert!(expand_home_with("rel/x", h).is_err());
        assert_eq!(tildify(Path::new("/home/u/.claude"), h), "~/.claude");
    }
}
