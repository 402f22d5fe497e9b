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
    /// Models exhausted on this account (a model-scoped limit: `You've hit your Opus limit`),
    /// family → until. The account itself stays usable for every other model.
    #[serde(default, skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    pub models: std::collections::BTreeMap<String, Timestamp>,
}

impl AccountState {
    pub fn exhausted_at(&self, now: Timestamp) -> bool {
        self.exhausted_until.is_some_and(|t| t > now)
    }

    /// Whether `model` (a family: `opus`) is exhausted here at `now`.
    pub fn model_exhausted_at(&self, model: &str, now: Timestamp) -> bool {
        self.models.get(model).is_some_and(|t| *t > now)
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
    /// Its claude's own arguments, minus session selection and a prompt (`crate::pane_args`):
    /// what it is relaunched with. `None`: not known, the global `claude_args` are used.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub args: Option<Vec<String>>,
    /// Why `args` is `None` although its claude runs (said in an event at the relaunch).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub args_problem: Option<String>,
    /// It was mid-turn when the swap began, and why (`busy`, or the limit message its last turn
    /// failed on): such a pane gets the resume prompt (`resume_prompt_when`). `None`: idle.
    /// Decided before its claude is stopped, and saved with the swap, so a relaunch finished
    /// by a restarted daemon decides the same.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub interrupted: Option<String>,
    /// Relaunched on the same account with this `--model` (`[swap] switch_model`, after a
    /// model-scoped limit): a claude already there counts as moved only when it runs this model.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub switch_model: Option<String>,
}

impl SavedPane {
    /// A pane with nothing known but where it is.
    pub fn new(pane: &str, cwd: PathBuf, account: Option<String>, session_id: Option<String>) -> SavedPane {
        SavedPane {
            pane: pane.to_string(),
            cwd,
            account,
            session_id,
            claude_pid: None,
            plain: false,
            args: None,
            args_problem: None,
            interrupted: None,
            switch_model: None,
        }
    }
}

/// The loop guard stopped relaunching a pane (`[swap] max_resumes` within `resume_window`).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct LeftAlone {
    pub at: Timestamp,
    pub reason: String,
    /// The claude it was left running: a claude the user starts there by hand ends it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub claude_pid: Option<u32>,
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
    /// It runs claude but the daemon cannot watch it, and why (shown by `status`, `pane list`
    /// and the status line: such a pane is not protected).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unwatched: Option<String>,
    /// The arguments its claude was last relaunched with (the pane's own, then the config's):
    /// used when its running claude's argv cannot be read safely.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub args: Option<Vec<String>>,
    /// When swaps relaunched it, within the last `resume_window` (the loop guard's memory).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub resumes: Vec<Timestamp>,
    /// The loop guard leaves it where it is (shown by `status` and `pane list`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub left_alone: Option<LeftAlone>,
    /// When its own screen last showed a limit live (not a redraw): the claude there was cut
    /// off mid-turn, whatever its registry and transcript say (issue 22). Cleared when the pane
    /// is relaunched: the new claude saw none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limit_on_screen: Option<Timestamp>,
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
    /// How many panes this swap brings back (`relaunched` counts those back so far).
    #[serde(default, skip_serializing_if = "is_zero")]
    pub coming_back: usize,
}

fn is_zero(n: &usize) -> bool {
    *n == 0
}

/// A corrupt state file that was set aside (`kept`) and replaced by a repaired state at `at`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Repaired {
    pub at: Timestamp,
    pub kept: PathBuf,
    /// Why it did not parse (a position, never the content).
    pub error: String,
}

/// A pane a move did not stop because its claude was mid-turn (registry `busy`): it is moved to
/// `to` at its next idle moment (a turn boundary), never killed mid-turn.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Deferred {
    pub to: String,
    pub since: Timestamp,
    /// The move it belongs to (`return to the primary after its reset`, a threshold).
    pub why: String,
    /// The claude it was left running: another claude there (or none) ends the record.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub claude_pid: Option<u32>,
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
    /// The state file was found corrupt, set aside and replaced by this repaired one: `doctor`
    /// reports it until `doctor --fix` or `recover` acknowledges it (or the kept copy is removed).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub repaired: Option<Repaired>,
    /// Panes waiting for a turn boundary to move (pane id → where to).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub deferred: BTreeMap<String, Deferred>,
    /// Accounts whose usage crossed `switch_at_percent`, until their window resets: a threshold
    /// moves away from each at most once per window, and never onto one of them.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub thresholds: BTreeMap<String, Timestamp>,
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
    /// A missing file is a fresh state. A corrupt one is repaired once, under the lock: see
    /// [`Store::repair`]. When it cannot be repaired (read-only or full disk) the caller gets a
    /// fresh state in memory and nothing on disk changes.
    pub fn load(&self) -> Result<State> {
        self.load_inner(false)
    }

    fn load_inner(&self, locked: bool) -> Result<State> {
        let Some(bytes) = self.read()? else { return Ok(State { version: VERSION, ..State::default() }) };
        let error = match serde_json::from_slice::<State>(&bytes) {
            Ok(s) => return Ok(s),
            Err(e) => e,
        };
        if locked {
            return self.repair(&bytes, &error);
        }
        // Take the lock and look again: another process may have repaired it a moment ago.
        let repaired = self.lock().and_then(|_lock| match self.read()? {
            None => Ok(State { version: VERSION, ..State::default() }),
            Some(bytes) => match serde_json::from_slice::<State>(&bytes) {
                Ok(s) => Ok(s),
                Err(e) => self.repair(&bytes, &e),
            },
        });
        match repaired {
            Ok(s) => Ok(s),
            Err(why) => {
                eprintln!(
                    "claude-failover: state file {} is corrupt ({}) and could not be repaired ({why:#}); using a fresh state",
                    self.path().display(),
                    describe(&error)
                );
                Ok(State { version: VERSION, ..State::default() })
            }
        }
    }

    /// Whether the state file parses, without repairing it (`doctor` without `--fix`):
    /// `Ok(None)` it does (or there is none), `Ok(Some(why))` it does not.
    pub fn check(&self) -> Result<Option<String>> {
        Ok(self.read()?.and_then(|b| serde_json::from_slice::<State>(&b).err()).map(|e| describe(&e)))
    }

    fn read(&self) -> Result<Option<Vec<u8>>> {
        let p = self.path();
        match fs::read(&p) {
            Ok(b) => Ok(Some(b)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(e).with_context(|| format!("cannot read state file {}", p.display())),
        }
    }

    /// With the lock held: keep the corrupt bytes in the first free `state.json.bak[.N]`, write
    /// the repaired state (every top-level field that still parses, else a fresh state) over the
    /// state file atomically, and say so once: on stderr and as a `state_repaired` event. The
    /// next read finds a valid file, so a corruption costs one `.bak`, not one per read.
    fn repair(&self, bytes: &[u8], error: &serde_json::Error) -> Result<State> {
        let p = self.path();
        let kept = self.set_aside(&p, bytes)?;
        let clock = crate::clock::SystemClock::from_env().ok();
        let now = clock.as_ref().map_or_else(Timestamp::now, crate::clock::Clock::now);
        let mut s = salvage(bytes);
        let why = describe(error);
        s.repaired = Some(Repaired { at: now, kept: kept.clone(), error: why.clone() });
        if let Err(e) = self.save(&s) {
            // Nothing was replaced, so the copy is not needed; keeping it would make one more
            // copy per read for as long as the disk stays full or read-only.
            let _ = fs::remove_file(&kept);
            return Err(e);
        }
        let msg = format!(
            "state file {} was corrupt ({why}); kept a copy at {} and replaced it with a repaired state",
            p.display(),
            kept.display()
        );
        eprintln!("claude-failover: {msg}");
        if let Some(clock) = &clock {
            let log = crate::events::EventLog::new(self.dir.join("events.jsonl"), clock, false);
            crate::events::Sink::emit(
                &log,
                "state_repaired",
                &msg,
                serde_json::json!({"kept": kept.display().to_string(), "error": why}),
            );
        }
        Ok(s)
    }

    /// Write `bytes` to the first of `state.json.bak`, `state.json.bak.1`, … that does not exist
    /// (never overwriting an earlier copy), 0600, durably.
    fn set_aside(&self, p: &Path, bytes: &[u8]) -> Result<PathBuf> {
        use std::io::Write;
        use std::os::unix::fs::OpenOptionsExt;
        let mut n = 0;
        loop {
            let bak = if n == 0 { p.with_extension("json.bak") } else { p.with_extension(format!("json.bak.{n}")) };
            let f = fs::OpenOptions::new()
                .write(true)
                .create_new(true)
                .mode(0o600)
                .custom_flags(libc::O_NOFOLLOW | libc::O_CLOEXEC)
                .open(&bak);
            match f {
                Ok(mut f) => {
                    if let Err(e) = f.write_all(bytes).and_then(|()| f.sync_all()) {
                        let _ = fs::remove_file(&bak); // a partial copy is no copy
                        return Err(e)
                            .with_context(|| format!("cannot keep the corrupt state file at {}", bak.display()));
                    }
                    return Ok(bak);
                }
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => n += 1,
                Err(e) => {
                    return Err(e).with_context(|| format!("cannot keep the corrupt state file at {}", bak.display()));
                }
            }
        }
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
        let mut s = self.load_inner(true)?;
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

/// Why a state file did not parse: serde's message (what was expected, line and column). The
/// state file holds no secrets, so quoting a value from it is harmless.
fn describe(e: &serde_json::Error) -> String {
    e.to_string()
}

/// The repaired state for bytes that do not parse as a [`State`]: when they are a JSON object,
/// every top-level field that parses on its own is kept (a bad `panes` entry does not cost the
/// exhaustion marks); otherwise a fresh state.
fn salvage(bytes: &[u8]) -> State {
    let fresh = State { version: VERSION, ..State::default() };
    let Ok(serde_json::Value::Object(map)) = serde_json::from_slice::<serde_json::Value>(bytes) else { return fresh };
    let kept: serde_json::Map<String, serde_json::Value> = map
        .into_iter()
        .filter(|(k, v)| {
            let one = serde_json::Value::Object([(k.clone(), v.clone())].into_iter().collect());
            serde_json::from_value::<State>(one).is_ok()
        })
        .collect();
    serde_json::from_value(serde_json::Value::Object(kept)).unwrap_or(fresh)
}

#[cfg(test)]
mod tests {
    use std::os::unix::fs::PermissionsExt;

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
        let r = s.repaired.expect("the repair is recorded");
        assert_eq!(r.kept, d.path().join("state.json.bak"));
        assert!(r.error.contains("line 1"), "{}", r.error);
    }

    fn baks(dir: &Path) -> Vec<String> {
        let mut v: Vec<String> = fs::read_dir(dir)
            .unwrap()
            .flatten()
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .filter(|n| n.contains(".bak"))
            .collect();
        v.sort();
        v
    }

    #[test]
    fn hundred_loads_of_a_corrupt_file_make_one_bak_and_a_valid_file() {
        let d = tempfile::tempdir().unwrap();
        let st = Store::open(d.path()).unwrap();
        fs::write(st.path(), b"{\"active\": \"a\", \"accou").unwrap();
        for _ in 0..100 {
            st.load().unwrap();
        }
        assert_eq!(baks(d.path()), ["state.json.bak"]);
        let v: serde_json::Value = serde_json::from_slice(&fs::read(st.path()).unwrap()).expect("valid JSON");
        assert_eq!(v["version"], VERSION);
        assert_eq!(v["repaired"]["kept"], d.path().join("state.json.bak").display().to_string());
        // reported once: one event, whatever the number of reads
        let events = fs::read_to_string(d.path().join("events.jsonl")).unwrap();
        assert_eq!(events.lines().filter(|l| l.contains("\"state_repaired\"")).count(), 1, "{events}");
        assert_eq!(fs::metadata(st.path()).unwrap().permissions().mode() & 0o777, 0o600);
        // a later corruption is a new event with its own copy; the first copy is never overwritten
        fs::write(st.path(), b"nope").unwrap();
        for _ in 0..10 {
            st.update(|_| Ok(())).unwrap();
        }
        assert_eq!(baks(d.path()), ["state.json.bak", "state.json.bak.1"]);
        assert_eq!(fs::read(d.path().join("state.json.bak.1")).unwrap(), b"nope");
        assert_eq!(fs::read(d.path().join("state.json.bak")).unwrap(), b"{\"active\": \"a\", \"accou");
    }

    #[test]
    fn concurrent_readers_repair_once() {
        let d = tempfile::tempdir().unwrap();
        let st = Store::open(d.path()).unwrap();
        fs::write(st.path(), b"\0\0\0garbage").unwrap();
        std::thread::scope(|s| {
            for _ in 0..8 {
                s.spawn(|| {
                    for _ in 0..20 {
                        st.load().unwrap();
                    }
                });
            }
        });
        assert_eq!(baks(d.path()), ["state.json.bak"]);
        assert!(serde_json::from_slice::<State>(&fs::read(st.path()).unwrap()).is_ok());
    }

    #[test]
    fn repair_keeps_every_field_that_still_parses() {
        let d = tempfile::tempdir().unwrap();
        let st = Store::open(d.path()).unwrap();
        let text = r#"{"version":1,"active":"b","accounts":{"a":{"exhausted_until":"2026-11-21T12:00:00Z"}},"panes":{"%1":{"session_id":7}},"paused":true,"future":{"x":1}}"#;
        fs::write(st.path(), text).unwrap();
        let s = st.load().unwrap();
        assert_eq!(s.active.as_deref(), Some("b"));
        assert!(s.paused);
        assert_eq!(s.account("a").exhausted_until, Some("2026-11-21T12:00:00Z".parse().unwrap()));
        assert!(s.panes.is_empty(), "the field that does not parse is dropped");
        assert_eq!(s.unknown["future"]["x"], 1);
        assert_eq!(fs::read_to_string(d.path().join("state.json.bak")).unwrap(), text);
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
