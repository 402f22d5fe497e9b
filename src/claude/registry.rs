//! Claude Code's live-session registry, `$CONFIG_DIR/sessions/<pid>.json`: which claude runs
//! which session, in which cwd and tmux pane. An entry outlives its process (a crash, a config
//! dir re-pointed while claude ran) and pids get reused: an entry counts only when
//! [`LiveSession::is_current`] says so.

use std::fs;
use std::io::Read;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::is_session_id;

/// Registry files are a few hundred bytes; anything far larger is not one of them.
const MAX_SESSION_FILE_BYTES: u64 = 1 << 20;

/// One entry of Claude Code's live registry, `$CONFIG_DIR/sessions/<pid>.json`, written when an
/// interactive claude starts, updated on `/resume`, removed on clean exit. A crash leaves the file
/// behind and pids get reused: check the pid is a live claude (see `procs`) before trusting it.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
pub struct LiveSession {
    pub pid: u32,
    #[serde(rename = "sessionId")]
    pub session_id: String,
    pub cwd: PathBuf,
    #[serde(rename = "startedAt", default)]
    pub started_at: Option<serde_json::Value>,
    #[serde(default)]
    pub kind: Option<String>,
    #[serde(default)]
    pub entrypoint: Option<String>,
    #[serde(default)]
    pub status: Option<String>,
    /// 2.1.332+: the process start time (`/proc/<pid>/stat` field 22), as a string.
    #[serde(rename = "procStart", default)]
    pub proc_start: Option<String>,
    /// 2.1.332+: the tmux pane claude runs in, `"session:@window.%pane"`.
    #[serde(default)]
    pub tmux: Option<String>,
    /// 2.1.332+: the Claude Code release (`"2.1.332"`).
    #[serde(default)]
    pub version: Option<String>,
}

impl LiveSession {
    /// Whether this entry belongs to a process alive now: its pid runs, and (2.1.332+) started
    /// when the entry says. A claude whose config dir link was re-pointed while it ran removes
    /// its entry from the new target on exit and leaves this one behind; pids get reused.
    pub fn is_current(&self) -> bool {
        if !crate::procs::is_alive(self.pid) {
            return false;
        }
        match self.proc_start.as_deref().map(str::parse::<u64>) {
            Some(Ok(recorded)) => crate::procs::start_time(self.pid) == Some(recorded),
            _ => true,
        }
    }

    /// The tmux pane id the entry names (`%3` of `"w:@0.%3"`), when it is a valid one.
    pub fn pane(&self) -> Option<&str> {
        let p = self.tmux.as_deref()?.rsplit_once('.')?.1;
        crate::tmux::valid_pane_id(p).then_some(p)
    }
}

fn read_capped(path: &Path, cap: u64) -> Option<Vec<u8>> {
    let f = fs::File::open(path).ok()?;
    let mut buf = Vec::new();
    // Read one byte past the cap to tell "exactly at the cap" from "too big".
    f.take(cap + 1).read_to_end(&mut buf).ok()?;
    (buf.len() as u64 <= cap).then_some(buf)
}

/// The registry entry of `pid`, or `None` when it is missing, unreadable, corrupt, names another
/// pid, or carries a session id that fails [`is_session_id`].
pub fn read_live_session(config_dir: &Path, pid: u32) -> Option<LiveSession> {
    let path = config_dir.join("sessions").join(format!("{pid}.json"));
    let bytes = read_capped(&path, MAX_SESSION_FILE_BYTES)?;
    let s: LiveSession = serde_json::from_slice(&bytes).ok()?;
    (s.pid == pid && is_session_id(&s.session_id)).then_some(s)
}

/// Every valid registry entry in `config_dir`, sorted by pid. Files that are not `<pid>.json` or
/// do not parse are skipped silently: Claude Code may be halfway through writing one.
pub fn live_sessions(config_dir: &Path) -> Vec<LiveSession> {
    let Ok(entries) = fs::read_dir(config_dir.join("sessions")) else {
        return Vec::new();
    };
    let mut out: Vec<LiveSession> = entries
        .flatten()
        .filter_map(|e| {
            let name = e.file_name();
            let pid = name.to_str()?.strip_suffix(".json")?.parse::<u32>().ok()?;
            read_live_session(config_dir, pid)
        })
        .collect();
    out.sort_by_key(|s| s.pid);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use anyhow::{Context, Result};

    const SID: &str = "0b5e7c1a-3f2d-4e8b-9a6c-1d2e3f4a5b6c";
    const SID2: &str = "ffffffff-0000-4000-8000-123456789abc";

    #[test]
    fn live_session_registry() -> Result<()> {
        let d = tempfile::tempdir()?;
        let cfg = d.path();
        let sessions = cfg.join("sessions");
        assert!(live_sessions(cfg).is_empty());
        fs::create_dir(&sessions)?;
        fs::write(
            sessions.join("4242.json"),
            format!(
                r#"{{"pid":4242,"sessionId":"{SID}","cwd":"/home/u/app","startedAt":1760000000000,"kind":"interactive","entrypoint":"cli","status":"idle","future":1}}"#
            ),
        )?;
        fs::write(sessions.join("7.json"), format!(r#"{{"pid":7,"sessionId":"{SID2}","cwd":"/srv"}}"#))?;
        fs::write(sessions.join("8.json"), "{not json")?;
        fs::write(sessions.join("9.json"), r#"{"pid":9,"sessionId":"$(touch /tmp/pwned)","cwd":"/"}"#)?;
        fs::write(sessions.join("10.json"), format!(r#"{{"pid":11,"sessionId":"{SID}","cwd":"/"}}"#))?;
        fs::write(sessions.join("notes.txt"), "junk")?;
        fs::write(sessions.join("abc.json"), "{}")?;
        fs::create_dir(sessions.join("12.json"))?;

        let s = read_live_session(cfg, 4242).context("4242 should parse")?;
        assert_eq!(s.session_id, SID);
        assert_eq!(s.cwd, PathBuf::from("/home/u/app"));
        assert_eq!(s.status.as_deref(), Some("idle"));
        assert_eq!(s.started_at, Some(serde_json::json!(1760000000000u64)));
        assert_eq!(read_live_session(cfg, 8), None);
        assert_eq!(read_live_session(cfg, 9), None);
        assert_eq!(read_live_session(cfg, 10), None);
        assert_eq!(read_live_session(cfg, 12), None);
        assert_eq!(read_live_session(cfg, 13), None);

        let all: Vec<u32> = live_sessions(cfg).iter().map(|s| s.pid).collect();
        assert_eq!(all, vec![7, 4242]);
        Ok(())
    }

    #[test]
    fn a_registry_entry_of_a_gone_or_other_process_is_not_current() {
        let me = std::process::id();
        let start = crate::procs::start_time(me).expect("our own start time");
        let entry = |pid: u32, proc_start: Option<String>| LiveSession {
            pid,
            session_id: SID.into(),
            cwd: PathBuf::from("/"),
            started_at: None,
            kind: None,
            entrypoint: None,
            status: None,
            proc_start,
            tmux: Some("w:@0.%3".into()),
            version: None,
        };
        assert!(entry(me, Some(start.to_string())).is_current());
        assert!(entry(me, None).is_current(), "older builds write no procStart");
        assert!(!entry(me, Some((start + 1).to_string())).is_current(), "the pid was reused");
        assert!(!entry(u32::MAX - 1, None).is_current(), "the process is gone");
        assert_eq!(entry(me, None).pane(), Some("%3"));
    }
}
