//! Where the loop's events come from, and how they are batched. One inotify watcher (through
//! `notify`) covers every source: the pane logs, the inbox, the state file (the status line
//! follows it), the shared transcripts, each account's home and `sessions/` registry, and the
//! config file's directory; the signal and pidfd threads post quits on the same channel
//! (`lifecycle.rs`). A batch names what changed, each file once, so the loop reads each once.
//!
//! Batching adapts to the load: a lone event is handed over at once (a limit line in a quiet pane
//! is read within the millisecond), and what queued up meanwhile comes along. Only a flood — many
//! events already waiting when the loop looks — waits a short window for the rest, anchored at the
//! first event, so continuous output batches without ever delaying a read by more than the window.

use std::path::{Path, PathBuf};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError};
use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use notify::{EventKind, RecommendedWatcher, RecursiveMode, Watcher};

use super::lifecycle::Msg;
use super::registry::watch_account;

/// Events already queued when the loop looks, from which on a batch counts as a flood.
const FLOOD: usize = 64;
/// How long a flood's batch keeps collecting, anchored at its first event.
const FLOOD_WINDOW: Duration = Duration::from_millis(2);

/// What changed since the last batch, by source.
#[derive(Debug, Default)]
pub(super) struct Batch {
    /// Panes whose log grew (or was made or rotated), each once.
    pub logs: Vec<String>,
    /// Panes whose log was removed (before the writes in `logs`, when a pane is in both).
    pub logs_gone: Vec<String>,
    pub transcripts: Vec<PathBuf>,
    pub inbox: bool,
    /// A claude registered, or an account's home or registry was made.
    pub rescan: bool,
    pub state: bool,
    /// A registry entry (`<home>/sessions/<pid>.json`) was written: a claude may have gone idle,
    /// the turn boundary a deferred pane waits for.
    pub registry: bool,
    /// An account's usage record (`<state>/usage/`, from the statusline command) changed.
    pub usage: bool,
    /// A login file in an account home was written or removed (`/login`, `/logout`): the
    /// status line's `⚠login:` is looked at again.
    pub logins: bool,
    pub config: bool,
    /// The kernel's event queue overflowed: events were lost, so every source is read again.
    pub overflow: bool,
    pub quit: Option<&'static str>,
}

/// The files the daemon watches, and the watcher and channel that report on them.
pub(super) struct Sources {
    watcher: RecommendedWatcher,
    rx: Receiver<Msg>,
    logs: PathBuf,
    inbox: PathBuf,
    state_file: PathBuf,
    usage: PathBuf,
    config_file: PathBuf,
    projects: Option<PathBuf>,
    homes: Vec<PathBuf>,
}

/// Where each source lives (from the daemon's config, paths and server).
pub(super) struct Places<'p> {
    pub logs: PathBuf,
    pub inbox: PathBuf,
    pub state_dir: &'p Path,
    pub state_file: PathBuf,
    /// The usage records' dir (made by the caller).
    pub usage: PathBuf,
    pub config_file: PathBuf,
    pub homes: Vec<PathBuf>,
}

/// A pane's id from its log's path (`pane-<n>.log` → `%<n>`).
fn pane_of_log(p: &Path) -> Option<String> {
    let n = p.file_name()?.to_str()?.strip_prefix("pane-")?.strip_suffix(".log")?;
    Some(format!("%{n}"))
}

impl Sources {
    /// Start watching. `tx` is the loop's channel (also given to the quit threads).
    pub(super) fn start(places: Places, tx: mpsc::Sender<Msg>, rx: Receiver<Msg>) -> Result<Sources> {
        let mut watcher = notify::recommended_watcher(move |res: notify::Result<notify::Event>| {
            // inotify also reports opens and reads. Our own reads of a log or of state.json
            // would then wake the loop, which reads again: a loop that burns CPU while idle.
            // Only changes matter.
            if let Ok(ev) = res
                && !matches!(ev.kind, EventKind::Access(_))
            {
                let _ = tx.send(Msg::Fs(ev));
            }
        })
        .context("cannot start the file watcher (inotify)")?;
        watcher.watch(&places.logs, RecursiveMode::NonRecursive)?;
        watcher.watch(&places.inbox, RecursiveMode::NonRecursive)?;
        // state.json changes when anyone swaps, pauses or recovers: the status line follows.
        watcher.watch(places.state_dir, RecursiveMode::NonRecursive)?;
        // Usage records: the status line shows them, and a threshold may move panes.
        let _ = watcher.watch(&places.usage, RecursiveMode::NonRecursive);
        for home in &places.homes {
            watch_account(&mut watcher, home);
        }
        // The config file: editors replace it (a rename into its dir), so the dir is watched.
        if let Some(dir) = places.config_file.parent().filter(|d| d.is_dir()) {
            let _ = watcher.watch(dir, RecursiveMode::NonRecursive);
        }
        Ok(Sources {
            watcher,
            rx,
            logs: places.logs,
            inbox: places.inbox,
            state_file: places.state_file,
            usage: places.usage,
            config_file: places.config_file,
            projects: None,
            homes: places.homes,
        })
    }

    /// Watch the shared transcripts' root (recursively).
    pub(super) fn watch_transcripts(&mut self, root: &Path) -> notify::Result<()> {
        self.watcher.watch(root, RecursiveMode::Recursive)?;
        self.projects = Some(root.to_path_buf());
        Ok(())
    }

    /// Watch every account again: homes and registries made since are picked up.
    pub(super) fn rewatch_accounts(&mut self) {
        for home in &self.homes {
            watch_account(&mut self.watcher, home);
        }
    }

    /// The next batch: waits for a first event until `until` (`None` on timeout), unless `now`
    /// asks for a batch at once (work is left over). `Err` when every sender is gone.
    pub(super) fn next(&mut self, until: Instant, now: bool) -> Result<Option<Batch>, &'static str> {
        let mut msgs = Vec::new();
        if !now {
            match self.rx.recv_timeout(until.saturating_duration_since(Instant::now())) {
                Ok(m) => msgs.push(m),
                Err(RecvTimeoutError::Timeout) => return Ok(None),
                Err(RecvTimeoutError::Disconnected) => return Err("event sources closed"),
            }
        }
        let first = Instant::now();
        msgs.extend(self.rx.try_iter());
        if msgs.len() >= FLOOD {
            let end = first + FLOOD_WINDOW;
            while let Some(left) = end.checked_duration_since(Instant::now()) {
                match self.rx.recv_timeout(left) {
                    Ok(m) => msgs.push(m),
                    Err(_) => break,
                }
            }
        }
        let mut batch = Batch::default();
        for m in msgs {
            match m {
                Msg::Quit(why) => batch.quit = Some(why),
                Msg::Fs(ev) => self.sort(&ev, &mut batch),
            }
        }
        Ok(Some(batch))
    }

    /// File one filesystem event under its source.
    fn sort(&mut self, ev: &notify::Event, batch: &mut Batch) {
        if ev.need_rescan() {
            batch.overflow = true;
        }
        for p in &ev.paths {
            if p.starts_with(&self.logs) {
                if let Some(pane) = pane_of_log(p) {
                    if matches!(ev.kind, EventKind::Remove(_)) {
                        // Gone: unread until written again (a new log of the same pane).
                        batch.logs.retain(|l| *l != pane);
                        batch.logs_gone.push(pane);
                    } else if !batch.logs.contains(&pane) {
                        batch.logs.push(pane);
                    }
                }
            } else if p.starts_with(&self.inbox) {
                batch.inbox = true;
            } else if *p == self.state_file {
                batch.state = true;
            } else if p.starts_with(&self.usage) {
                batch.usage |= p.extension().is_some_and(|e| e == "json");
            } else if *p == self.config_file {
                batch.config = true;
            } else if self.projects.as_ref().is_some_and(|r| p.starts_with(r)) {
                if p.extension().is_some_and(|e| e == "jsonl") && !batch.transcripts.contains(p) {
                    batch.transcripts.push(p.clone());
                }
            } else if let Some(home) = self.homes.iter().find(|h| p.starts_with(h)).cloned() {
                // A home or its `sessions/` made after we started (a first login, `doctor
                // --fix`): watch it now, and look at once: a claude may have registered in it
                // before the watch was in place.
                let made = *p == home || p.file_name().is_some_and(|n| n == "sessions");
                if made && p.is_dir() {
                    watch_account(&mut self.watcher, &home);
                    batch.rescan = true;
                }
                batch.logins |= p.parent() == Some(home.as_path())
                    && p.file_name().is_some_and(|n| n == ".credentials.json" || n == ".claude.json");
                let entry = p.parent().is_some_and(|d| d.ends_with("sessions"));
                batch.rescan |= entry && matches!(ev.kind, EventKind::Create(_));
                batch.registry |= entry && p.extension().is_some_and(|e| e == "json");
            }
        }
    }

    /// Stop listening for quits (a reload): one already sent comes back.
    pub(super) fn unlisten(&self) -> Option<&'static str> {
        super::lifecycle::unlisten(&self.rx)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_pane_is_named_by_its_log_and_nothing_else_is() {
        assert_eq!(pane_of_log(Path::new("/s/panes/pane-12.log")).as_deref(), Some("%12"));
        assert_eq!(pane_of_log(Path::new("/s/panes/pane-12.log.new")), None);
        assert_eq!(pane_of_log(Path::new("/s/panes/notes.txt")), None);
    }

    #[test]
    fn a_lone_event_is_handed_over_at_once_and_a_flood_is_batched() {
        let tmp = tempfile::tempdir().unwrap();
        let logs = tmp.path().join("panes");
        let inbox = tmp.path().join("inbox");
        std::fs::create_dir_all(&logs).unwrap();
        std::fs::create_dir_all(&inbox).unwrap();
        let (tx, rx) = mpsc::channel();
        let places = Places {
            logs: logs.clone(),
            inbox,
            state_dir: tmp.path(),
            state_file: tmp.path().join("state.json"),
            usage: tmp.path().join("usage"),
            config_file: tmp.path().join("none/config.toml"),
            homes: Vec::new(),
        };
        let mut s = Sources::start(places, tx.clone(), rx).unwrap();
        let ev = |n: usize| {
            Msg::Fs(
                notify::Event::new(EventKind::Modify(notify::event::ModifyKind::Any))
                    .add_path(logs.join(format!("pane-{n}.log"))),
            )
        };
        // One event: no window to wait out.
        tx.send(ev(1)).unwrap();
        let t = Instant::now();
        let b = s.next(Instant::now() + Duration::from_secs(5), false).unwrap().unwrap();
        assert!(t.elapsed() < FLOOD_WINDOW, "a lone event waits for nothing");
        assert_eq!(b.logs, ["%1"]);
        // A flood of writes to three logs: one batch, each log once.
        for i in 0..FLOOD * 2 {
            tx.send(ev(i % 3)).unwrap();
        }
        let b = s.next(Instant::now() + Duration::from_secs(5), false).unwrap().unwrap();
        assert_eq!(b.logs, ["%0", "%1", "%2"]);
        // Lost events (the kernel queue overflowed): the batch says so, and the loop reads all.
        tx.send(Msg::Fs(notify::Event::new(EventKind::Other).set_flag(notify::event::Flag::Rescan))).unwrap();
        let b = s.next(Instant::now() + Duration::from_secs(5), false).unwrap().unwrap();
        assert!(b.overflow && b.logs.is_empty());
        // A log removed, then written again within one batch: gone first, then read.
        tx.send(Msg::Fs(
            notify::Event::new(EventKind::Modify(notify::event::ModifyKind::Any)).add_path(logs.join("pane-7.log")),
        ))
        .unwrap();
        tx.send(Msg::Fs(
            notify::Event::new(EventKind::Remove(notify::event::RemoveKind::File)).add_path(logs.join("pane-7.log")),
        ))
        .unwrap();
        let b = s.next(Instant::now() + Duration::from_secs(5), false).unwrap().unwrap();
        assert_eq!((b.logs.len(), b.logs_gone.as_slice()), (0, ["%7".to_string()].as_slice()));
        // Nothing more: a timeout, not a batch.
        assert!(s.next(Instant::now() + Duration::from_millis(20), false).unwrap().is_none());
    }

    #[test]
    fn a_registry_entry_rewritten_is_a_turn_boundary_and_only_a_new_one_a_rescan() {
        let tmp = tempfile::tempdir().unwrap();
        let home = tmp.path().join("home");
        std::fs::create_dir_all(home.join("sessions")).unwrap();
        for d in ["panes", "inbox"] {
            std::fs::create_dir_all(tmp.path().join(d)).unwrap();
        }
        let (tx, rx) = mpsc::channel();
        let places = Places {
            logs: tmp.path().join("panes"),
            inbox: tmp.path().join("inbox"),
            state_dir: tmp.path(),
            state_file: tmp.path().join("state.json"),
            usage: tmp.path().join("usage"),
            config_file: tmp.path().join("none/config.toml"),
            homes: vec![home.clone()],
        };
        let mut s = Sources::start(places, tx.clone(), rx).unwrap();
        let entry = home.join("sessions/4242.json");
        let send = |kind| tx.send(Msg::Fs(notify::Event::new(kind).add_path(entry.clone()))).unwrap();
        send(EventKind::Modify(notify::event::ModifyKind::Any));
        let b = s.next(Instant::now() + Duration::from_secs(5), false).unwrap().unwrap();
        assert!(b.registry && !b.rescan);
        send(EventKind::Create(notify::event::CreateKind::File));
        let b = s.next(Instant::now() + Duration::from_secs(5), false).unwrap().unwrap();
        assert!(b.registry && b.rescan);
    }
}
