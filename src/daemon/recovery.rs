//! Recovery: the daemon's progress (see `progress.rs`) saved as it reads, and taken up by the next
//! daemon: offsets, marks, a swap a crash interrupted, limits found and not acted on, and what was
//! printed while no daemon read.

use std::collections::HashSet;
use std::os::unix::fs::MetadataExt;
use std::path::PathBuf;
use std::time::Instant;

use serde_json::json;

use super::Daemon;
use super::attribution::COUNTED_KEEP;
use super::pane_logs::PaneWatch;
use super::progress::{PaneProgress, PendingLimit, Progress};
use crate::events::Sink;
use crate::swap::Outcome;
use crate::tmux::{Tmux, valid_pane_id};

/// A login problem found but not acted on is dropped when a restart comes later than this.
const PENDING_KEEP: jiff::SignedDuration = jiff::SignedDuration::from_hours(1);

impl Daemon<'_> {
    pub(super) fn progress(&self) -> Progress {
        let mut panes: std::collections::BTreeMap<String, PaneProgress> =
            self.restored.iter().map(|(k, v)| (k.clone(), v.clone())).collect();
        for (id, w) in &self.panes {
            panes.insert(
                id.clone(),
                PaneProgress {
                    ino: w.ino,
                    offset: w.offset,
                    seen: w.seen.iter().map(|(k, v)| (k.clone(), *v)).collect(),
                    printed_on: w.before_relaunch.clone(),
                    carry: w.stream.carry(),
                },
            );
        }
        let mut p = Progress {
            server_pid: self.server_pid,
            panes,
            transcripts: self
                .read_transcripts
                .iter()
                .filter_map(|t| self.transcripts.get(t).map(|o| (t.clone(), *o)))
                .collect(),
            counted: self.counted.iter().map(|(k, v)| (k.clone(), v.clone())).collect(),
            pending: self.pending.clone(),
        };
        p.prune(self.clock.now(), COUNTED_KEEP);
        p
    }

    pub(super) fn save_progress(&mut self) {
        if let Err(e) = self.progress().save(&self.server.dir) {
            self.events.emit("warning", &format!("cannot save the daemon's progress: {e:#}"), json!({}));
        }
        self.progress_dirty = false;
        self.progress_saved = Instant::now();
    }

    /// Take up a killed daemon's progress: offsets and marks for the panes attached next, the
    /// transcripts' offsets, and the limits it found but had not acted on (into `pending`, so
    /// every save keeps them until they are acted on).
    pub(super) fn restore_progress(&mut self) {
        let p = match Progress::load(&self.server.dir) {
            Ok(p) => p,
            Err(e) => {
                self.events.emit("warning", &format!("{e:#}; reading every log from its end"), json!({}));
                return;
            }
        };
        let now = self.clock.now();
        if p.server_pid.is_some() && p.server_pid == self.server_pid {
            self.restored = p.panes.into_iter().collect();
        } else if p.server_pid.is_some() && self.server_pid.is_some() {
            // A new tmux server on the same socket: its panes reuse the old ids, so the saved
            // progress is not theirs. The old panes' logs (ours) go, except where a pane of the
            // new server is piped: that log may be its live one.
            let piped: HashSet<String> = self
                .tmux
                .list_panes()
                .map(|ps| ps.into_iter().filter(|p| p.piped).map(|p| p.id).collect())
                .unwrap_or_default();
            for id in p.panes.keys().filter(|id| valid_pane_id(id) && !piped.contains(*id)) {
                let _ = std::fs::remove_file(self.server.log_of(id));
            }
        }
        self.counted = p.counted.into_iter().collect();
        for (t, offset) in p.transcripts {
            if std::fs::metadata(&t).is_ok_and(|m| m.len() >= offset) {
                self.transcripts.insert(t.clone(), offset);
                self.read_transcripts.insert(t);
            }
        }
        // An exhaustion is news while its reset is ahead; a login problem only for a while (the
        // account may have logged in since).
        let news = |l: &PendingLimit| match l.until {
            Some(until) if !l.auth => until > now,
            _ => now.duration_since(l.found) < PENDING_KEEP,
        };
        self.pending = p.pending.into_iter().filter(news).collect();
        // From now on the file names this server.
        self.save_progress();
    }

    /// What a daemon before this one left: its progress, a swap it was killed in, the limits it
    /// found and had not acted on, and everything printed while no daemon read.
    pub(super) fn take_over(&mut self) {
        self.restore_progress();
        // A swap a crash interrupted is finished or rolled back before anything else.
        match self.with_engine(|engine| engine.finish_interrupted()) {
            Ok(Some(Outcome::Swapped { from, relaunched, .. })) => {
                // What those panes' logs hold up to the old claude's exit hint was printed on `from`.
                let now = self.clock.now();
                for id in relaunched {
                    if let Some(p) = self.restored.get_mut(&id) {
                        p.printed_on = Some((from.clone(), now));
                    }
                }
            }
            Ok(_) => {}
            Err(e) => {
                self.events.emit(
                    "swap_failed",
                    &format!("could not finish an interrupted swap: {}", e.full()),
                    json!({}),
                );
            }
        }
        // New panes start claude on the active account, also on a tmux server started anew (a
        // reboot, a restore by tmux-resurrect): its global environment is fresh, and a claude
        // without CLAUDE_CONFIG_DIR reads `~/.claude.json`, not the account's own trust.
        if let crate::links::Pointer::Account(a) = crate::links::read_pointer(self.cfg)
            && let Some(acct) = self.cfg.accounts.iter().find(|x| x.name == a)
        {
            let _ = self.tmux.set_global_env("CLAUDE_CONFIG_DIR", &acct.home.to_string_lossy());
        }
        self.rescan();
        // What a killed daemon had found but not acted on yet, then what was printed while no
        // daemon read it (to its end: an idle claude at a limit prints nothing more).
        if !self.pending.is_empty() {
            self.events.emit(
                "recovered",
                &format!("acting on {} limit(s) found before a restart", self.pending.len()),
                json!({}),
            );
            let _ = self.faults.hit("daemon.recovering");
            self.act(Vec::new());
        }
        // Panes still piped into their log but not running claude now (its user quit to the
        // shell) are tracked from their saved place too: what they printed meanwhile is read now,
        // while it is plain shell output, not later as if claude had printed it.
        let leftover: Vec<String> = self.restored.keys().cloned().collect();
        for id in leftover {
            let log = self.server.log_of(&id);
            if let Ok(m) = std::fs::symlink_metadata(&log)
                && m.is_file()
            {
                let watch = PaneWatch::resume(self.restored.remove(&id), m.ino(), m.len(), m.len(), self.clock.now());
                self.panes.insert(id, watch);
            }
        }
        self.restored.clear();
        let panes: Vec<String> = self.panes.keys().cloned().collect();
        for pane in panes {
            while self.pane_log_changed(&pane) {}
        }
        let unread: Vec<PathBuf> = self
            .read_transcripts
            .iter()
            .filter(|t| std::fs::metadata(t).is_ok_and(|m| m.len() > self.transcripts.get(*t).copied().unwrap_or(0)))
            .cloned()
            .collect();
        for t in unread {
            self.transcript_changed(&t);
        }
    }
}
