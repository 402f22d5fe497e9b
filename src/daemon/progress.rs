//! How far the daemon has read, persisted, so that a daemon killed at any moment is replaced by
//! one that carries on where it stopped instead of skipping to the end of every log.
//!
//! `<server dir>/progress.json` holds, per pane, the log's inode and the offset read up to, the
//! messages the pane has already shown (a redraw or a resumed session's history must not count
//! again) and the account its output is still charged to after a relaunch; the offsets of the
//! transcripts read since the daemon started; which account each limit message was charged to;
//! and the limits found but not yet acted on.
//!
//! The protocol: a read that found a detection saves the file *before* acting on it, with the
//! limits to act on in `pending`, and again after, with `pending` empty. A daemon killed in
//! between acts on `pending` when it restarts: acting twice is harmless (an account is recorded
//! exhausted until the same time; a swap away from an account that is no longer active is
//! skipped), and the account was decided when the message was read, so a restart never blames
//! the new account for the old one's limit. Reads that found nothing are saved lazily (at most
//! once a second, and when the daemon stops): reading them again after a kill finds nothing again.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use jiff::Timestamp;
use serde::{Deserialize, Serialize};

#[derive(Debug, Default, Clone, Serialize, Deserialize, PartialEq)]
pub struct Progress {
    /// The tmux server these panes belong to: pane ids start again at %0 on a new server.
    #[serde(default)]
    pub server_pid: Option<u32>,
    #[serde(default)]
    pub panes: BTreeMap<String, PaneProgress>,
    #[serde(default)]
    pub transcripts: BTreeMap<PathBuf, u64>,
    /// Limit message fingerprint → the account it was charged to, and when.
    #[serde(default)]
    pub counted: BTreeMap<String, (String, Timestamp)>,
    #[serde(default)]
    pub pending: Vec<PendingLimit>,
}

#[derive(Debug, Default, Clone, Serialize, Deserialize, PartialEq)]
pub struct PaneProgress {
    /// The log's inode: a log replaced since is read from its start. 0: the log did not exist
    /// yet, so all of it is unread.
    pub ino: u64,
    pub offset: u64,
    /// Fingerprint → until when it is ignored in this pane.
    #[serde(default)]
    pub seen: BTreeMap<String, Timestamp>,
    /// After a relaunch, until the old claude's exit hint is read: the old account, and since when.
    #[serde(default)]
    pub printed_on: Option<(String, Timestamp)>,
    /// The reader's state at the offset (the line being printed, the escape sequence it is in):
    /// a limit line split by a restart is still seen whole. Read leniently: a carry from another
    /// version only costs that line, not the whole file.
    #[serde(default, deserialize_with = "lenient")]
    pub carry: crate::detect::Carry,
}

/// A limit to act on: the account is decided when the message is read.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct PendingLimit {
    /// When it was read: a login problem pending for long is stale news.
    #[serde(default = "Timestamp::now")]
    pub found: Timestamp,
    pub account: String,
    pub until: Option<Timestamp>,
    pub text: String,
    pub auth: bool,
    /// The model family the limit is about (`opus`); `None`: the whole account.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub model: Option<String>,
}

fn lenient<'de, D: serde::Deserializer<'de>, T: serde::de::DeserializeOwned + Default>(d: D) -> Result<T, D::Error> {
    let v = serde_json::Value::deserialize(d)?;
    Ok(serde_json::from_value(v).unwrap_or_default())
}

impl Progress {
    pub fn file(server_dir: &Path) -> PathBuf {
        server_dir.join("progress.json")
    }

    /// The saved progress; a missing file is a fresh start. A corrupt one is an error the caller
    /// reports: it then starts fresh, which only means reading from the end of each log.
    pub fn load(server_dir: &Path) -> Result<Progress> {
        let path = Progress::file(server_dir);
        match std::fs::read(&path) {
            Ok(b) => {
                serde_json::from_slice(&b).with_context(|| format!("{} is not valid progress JSON", path.display()))
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Progress::default()),
            Err(e) => Err(e).with_context(|| format!("cannot read {}", path.display())),
        }
    }

    /// Replace the file (temp + rename, 0600). No fsync: this must survive the daemon's death,
    /// not a power cut, after which the tmux server and its panes are gone too.
    pub fn save(&self, server_dir: &Path) -> Result<()> {
        let data = serde_json::to_vec(self)?;
        crate::atomic::replace(&Progress::file(server_dir), &data, 0o600)
    }

    /// Drop what can no longer matter: seen-marks and charges past their time.
    pub fn prune(&mut self, now: Timestamp, keep: jiff::SignedDuration) {
        for p in self.panes.values_mut() {
            p.seen.retain(|_, until| *until > now);
        }
        self.counted.retain(|_, (_, at)| at.checked_add(keep).is_ok_and(|t| t > now));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_missing_and_corrupt() {
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(Progress::load(dir.path()).unwrap(), Progress::default());
        let t: Timestamp = "2026-11-21T10:00:00Z".parse().unwrap();
        let mut p = Progress::default();
        p.panes.insert(
            "%3".into(),
            PaneProgress {
                ino: 7,
                offset: 42,
                seen: [("fp".to_string(), t)].into(),
                printed_on: Some(("main".into(), t)),
                carry: crate::detect::Carry { partial: b"You've hit your".to_vec(), ..Default::default() },
            },
        );
        p.transcripts.insert("/x/y.jsonl".into(), 9);
        p.counted.insert("fp".into(), ("main".into(), t));
        p.server_pid = Some(42);
        p.pending.push(PendingLimit {
            found: t,
            account: "main".into(),
            until: Some(t),
            text: "limit".into(),
            auth: false,
            model: Some("opus".into()),
        });
        p.save(dir.path()).unwrap();
        assert_eq!(Progress::load(dir.path()).unwrap(), p);
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(Progress::file(dir.path())).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);

        std::fs::write(Progress::file(dir.path()), b"{\"panes\": [").unwrap();
        let e = Progress::load(dir.path()).unwrap_err();
        assert!(format!("{e:#}").contains("progress.json"), "{e:#}");
    }

    #[test]
    fn a_carry_from_another_version_costs_only_that_line() {
        let dir = tempfile::tempdir().unwrap();
        let text = r#"{"server_pid": 7,
            "panes": {"%1": {"ino": 3, "offset": 99, "carry": {"stripper": {"state": "NoSuchState"}}}},
            "pending": [{"account": "main", "until": null, "text": "Not logged in", "auth": true}]}"#;
        std::fs::write(Progress::file(dir.path()), text).unwrap();
        let p = Progress::load(dir.path()).unwrap();
        assert_eq!((p.panes["%1"].ino, p.panes["%1"].offset), (3, 99));
        assert_eq!(p.panes["%1"].carry, crate::detect::Carry::default());
        assert_eq!(p.pending.len(), 1, "a pending limit without a time is kept (stamped now)");
    }

    #[test]
    fn prune_drops_expired_marks_only() {
        let t: Timestamp = "2026-11-21T10:00:00Z".parse().unwrap();
        let later = t.checked_add(jiff::SignedDuration::from_hours(1)).unwrap();
        let mut p = Progress::default();
        let pane = p.panes.entry("%1".into()).or_default();
        pane.seen.insert("old".into(), t);
        pane.seen.insert("new".into(), later.checked_add(jiff::SignedDuration::from_secs(1)).unwrap());
        p.counted.insert("old".into(), ("main".into(), t));
        p.counted.insert("new".into(), ("main".into(), later));
        p.prune(later, jiff::SignedDuration::from_mins(30));
        assert_eq!(p.panes["%1"].seen.keys().collect::<Vec<_>>(), ["new"]);
        assert_eq!(p.counted.keys().collect::<Vec<_>>(), ["new"]);
    }
}
