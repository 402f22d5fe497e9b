//! The persisted state (`state.json` in the state dir): which account is active, which are
//! exhausted or need a login, the sticky degraded flag, the last swap, the scheduled return, the
//! pane ↔ session map, and the swap in progress.
//!
//! Invariants: every change is a read-modify-write under an exclusive lock ([`Store::update`]) and
//! lands with one atomic rename, so two processes (the daemon, a hook, a key binding) never lose
//! each other's writes and a crash leaves the old state or the new one. Unknown keys are kept, so
//! an older binary never drops what a newer one wrote.

use std::collections::BTreeMap;
use std::fs::{self, File};
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use crate::atomic::{private_dir, write_atomic};

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct AccountState {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exhausted_until: Option<Timestamp>,
    #[serde(default)]
    pub needs_login: bool,
    /// The limit message that marked it, for `status` and the popup.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

impl AccountState {
    pub fn exhausted_at(&self, now: Timestamp) -> bool {
        self.exhausted_until.is_some_and(|t| t > now)
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Degraded {
    pub since: Timestamp,
    pub reason: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct SwapRecord {
    pub from: String,
    pub to: String,
    pub at: Timestamp,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Return {
    pub to: String,
    pub at: Timestamp,
}

/// A Claude pane as saved before a swap: everything needed to bring its conversation back.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct SavedPane {
    pub pane: String,
    pub cwd: PathBuf,
    pub account: Option<String>,
    pub session_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub claude_pid: Option<u32>,
    /// Its claude runs without its own `CLAUDE_CONFIG_DIR` (through `~/.claude`), so its folder
    /// trust lives in `$HOME/.claude.json`.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub plain: bool,
}

/// What the daemon knows about a pane (from discovery and hooks).
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct PaneRecord {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub session_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cwd: Option<PathBuf>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub account: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub activity: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub updated: Option<Timestamp>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub relaunched_at: Option<Timestamp>,
    /// The user detached it (`pane detach`): the daemon will not attach it again.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub detached: bool,
}

#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq, PartialOrd, Ord)]
#[serde(rename_all = "snake_case")]
pub enum Phase {
    /// Panes are being recorded; nothing on disk has changed yet.
    Saving,
    /// `claude_dir` may already point at the target; links not yet ensured. Roll back on restart.
    Switching,
    /// Committed: the target is active; panes are being relaunched. Finish on restart.
    Resuming,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct SwapInProgress {
    pub from: String,
    pub to: String,
    pub phase: Phase,
    pub started: Timestamp,
    pub reason: String,
    #[serde(default)]
    pub panes: Vec<SavedPane>,
    /// Panes whose relaunch has been typed, so a restart never relaunches one twice.
    #[serde(default)]
    pub relaunched: Vec<String>,
}

/// All accounts are exhausted: blocked panes are resumed at `until` on `account`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Waiting {
    pub since: Timestamp,
    pub until: Timestamp,
    pub account: String,
    #[serde(default)]
    pub panes: Vec<SavedPane>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct State {
    #[serde(default)]
    pub version: u32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub active: Option<String>,
    #[serde(default)]
    pub accounts: BTreeMap<String, AccountState>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub degraded: Option<Degraded>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_swap: Option<SwapRecord>,
    #[serde(default, rename = "return", skip_serializing_if = "Option::is_none")]
    pub return_to: Option<Return>,
    #[serde(default)]
    pub panes: BTreeMap<String, PaneRecord>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub swap: Option<SwapInProgress>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub waiting: Option<Waiting>,
    /// Automatic swaps paused by the user (manual swaps still work).
    #[serde(default)]
    pub paused: bool,
    #[serde(flatten)]
    pub unknown: serde_json::Map<String, serde_json::Value>,
}

pub const VERSION: u32 = 1;

impl State {
    pub fn account(&self, name: &str) -> AccountState {
        self.accounts.get(name).cloned().unwrap_or_default()
    }
    pub fn account_mut(&mut self, name: &str) -> &mut AccountState {
        self.accounts.entry(name.to_string()).or_default()
    }
    /// `normal | saving | switching | resuming | waiting`, as SPEC §7 shows it.
    pub fn phase_name(&self) -> &'static str {
        match (&self.swap, &self.waiting) {
            (Some(s), _) => match s.phase {
                Phase::Saving => "saving",
                Phase::Switching => "switching",
                Phase::Resuming => "resuming",
            },
            (None, Some(_)) => "waiting",
            (None, None) => "normal",
        }
    }
}

/// The state file and its lock.
#[derive(Debug, Clone)]
pub struct Store {
    dir: PathBuf,
}

/// Held while a read-modify-write is in flight; dropping it releases the lock.
pub struct Lock(#[allow(dead_code)] File);

impl Store {
    pub fn open(dir: &Path) -> Result<Store> {
        private_dir(dir)?;
        Ok(Store { dir: dir.to_path_buf() })
    }

    /// A store whose directory may not exist yet; reads then see a fresh state. Used by the
    /// read-only commands (`status`), which must not create anything.
    pub fn at(dir: &Path) -> Store {
        Store { dir: dir.to_path_buf() }
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }
    pub fn path(&self) -> PathBuf {
        self.dir.join("state.json")
    }

    fn lock_file(&self, name: &str) -> Result<File> {
        crate::atomic::open_lock(&self.dir.join(name))
    }

    /// The state lock: short critical sections only.
    pub fn lock(&self) -> Result<Lock> {
        let f = self.lock_file("state.lock")?;
        f.lock().with_context(|| format!("cannot lock {}", self.dir.join("state.lock").display()))?;
        Ok(Lock(f))
    }

    /// Read the state without locking (writes are atomic renames, so a read is never torn).
    /// A missing file is a fresh state; a corrupt one is set aside as `.bak` and replaced by a
    /// fresh state, with a warning on stderr.
    pub fn load(&self) -> Result<State> {
        let p = self.path();
        let bytes = match fs::read(&p) {
            Ok(b) => b,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Ok(State { version: VERSION, ..State::default() });
            }
            Err(e) => return Err(e).with_context(|| format!("cannot read state file {}", p.display())),
        };
        match serde_json::from_slice::<State>(&bytes) {
            Ok(s) => Ok(s),
            Err(e) => {
                let bak = self.set_aside(&p)?;
                eprintln!(
                    "claude-failover: state file {} was corrupt ({e}); kept a copy at {} and started from a fresh state",
                    p.display(),
                    bak.display()
                );
                Ok(State { version: VERSION, ..State::default() })
            }
        }
    }

    fn set_aside(&self, p: &Path) -> Result<PathBuf> {
        let mut bak = p.with_extension("json.bak");
        let mut n = 1;
        while bak.exists() {
            bak = p.with_extension(format!("json.bak.{n}"));
            n += 1;
        }
        fs::copy(p, &bak).with_context(|| format!("cannot copy corrupt state to {}", bak.display()))?;
        Ok(bak)
    }

    pub fn save(&self, s: &State) -> Result<()> {
        let mut s = s.clone();
        s.version = VERSION;
        let mut bytes = serde_json::to_vec_pretty(&s).context("cannot serialise state")?;
        bytes.push(b'\n');
        write_atomic(&self.path(), &bytes, 0o600)
    }

    /// Lock, load, change, save. `f` returning an error leaves the file untouched.
    pub fn update<R>(&self, f: impl FnOnce(&mut State) -> Result<R>) -> Result<R> {
        private_dir(&self.dir)?;
        let _lock = self.lock()?;
        let mut s = self.load()?;
        let before = s.clone();
        let r = f(&mut s)?;
        if s != before {
            self.save(&s)?;
        }
        Ok(r)
    }

    /// The swap lock: held for a whole swap, so a manual `swap` and an automatic one queue up
    /// instead of interleaving. `try_` variant for callers that would rather skip than wait.
    pub fn swap_lock(&self) -> Result<Lock> {
        private_dir(&self.dir)?;
        let f = self.lock_file("swap.lock")?;
        f.lock().context("cannot take the swap lock")?;
        Ok(Lock(f))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_keeps_unknown_keys() {
        let d = tempfile::tempdir().unwrap();
        let st = Store::open(d.path()).unwrap();
        fs::write(st.path(), br#"{"version":1,"active":"a","future_key":{"x":1}}"#).unwrap();
        st.update(|s| {
            s.paused = true;
            Ok(())
        })
        .unwrap();
        let v: serde_json::Value = serde_json::from_slice(&fs::read(st.path()).unwrap()).unwrap();
        assert_eq!(v["future_key"]["x"], 1);
        assert_eq!(v["paused"], true);
        assert_eq!(v["active"], "a");
    }

    #[test]
    fn corrupt_file_is_set_aside() {
        let d = tempfile::tempdir().unwrap();
        let st = Store::open(d.path()).unwrap();
        fs::write(st.path(), b"{\"active\": \"a\", trunc").unwrap();
        let s = st.load().unwrap();
        assert_eq!(s.active, None);
        assert_eq!(fs::read(d.path().join("state.json.bak")).unwrap(), b"{\"active\": \"a\", trunc");
    }

    #[test]
    fn failed_update_writes_nothing() {
        let d = tempfile::tempdir().unwrap();
        let st = Store::open(d.path()).unwrap();
        let r: Result<()> = st.update(|s| {
            s.paused = true;
            anyhow::bail!("no")
        });
        assert!(r.is_err());
        assert!(!st.path().exists());
    }
}
