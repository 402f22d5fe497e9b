//! The daemon: one per tmux server. It watches Claude panes through `pipe-pane` logs, the shared
//! transcripts and each account's session registry — all through `notify` (inotify), never by
//! polling — classifies what they print, and drives the swap engine; timers (return, waiting,
//! cooldown) come from the persisted state, so a restarted daemon keeps them.
//!
//! Event sources feed one channel; the loop takes the first event, keeps collecting for a short
//! window anchored at that first event (so a pane that streams continuously cannot delay
//! detection), then reads every dirty file once. Invariants: a detection counts only for a pane
//! that runs claude at that moment; a message already seen in a pane (a resumed session
//! re-renders its history) never counts again; and the loop never sleeps on a timer shorter
//! than 30 s when there is nothing to do.

mod apply;
mod attribution;
mod config_file;
mod inbox;
mod lifecycle;
mod pane_logs;
mod panes;
pub mod progress;
mod recovery;
mod registry;
mod timers;
mod transcripts;

use std::collections::{HashMap, HashSet};
use std::path::PathBuf;
use std::sync::mpsc::{self, RecvTimeoutError};
use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use jiff::Timestamp;
use notify::{RecursiveMode, Watcher};
use serde_json::json;

use crate::clock::Clock;
use crate::config::Config;
use crate::detect::Detector;
use crate::events::{EventLog, Sink};
use crate::faults::Faults;
use crate::fleet::{Timing, TmuxFleet};
use crate::links::{self, Pointer};
use crate::paths::Paths;
use crate::state::Store;
use crate::status;
use crate::swap::Engine;
use crate::tmux::{Tmux, TmuxCli};
use lifecycle::{Msg, listen, signals, unlisten, watch_exit};
use pane_logs::PaneWatch;
use progress::{PaneProgress, PendingLimit};
use registry::watch_account;

pub use crate::server::{Inbox, Server, post};
pub use lifecycle::lock;
pub use pane_logs::{LOG_CAP, attach, detach, pipe_command, pipe_log};

/// The batching window, anchored at the first event of a batch.
const WINDOW: Duration = Duration::from_millis(8);
/// The longest the loop ever sleeps, and the liveness check period.
const TICK: Duration = Duration::from_secs(30);
/// Progress without a limit in it is saved at most this often.
const PROGRESS_EVERY: Duration = Duration::from_secs(1);

/// Why [`Daemon::run`] returned.
#[derive(Debug, PartialEq, Eq)]
pub enum Stop {
    Quit,
    Reload,
}

pub struct Daemon<'a> {
    pub cfg: &'a Config,
    pub paths: &'a Paths,
    pub store: &'a Store,
    pub clock: &'a dyn Clock,
    pub tmux: &'a TmuxCli,
    pub events: &'a EventLog<'a>,
    pub server: Server,
    pub faults: Faults,
    detector: Detector,
    panes: HashMap<String, PaneWatch>,
    transcripts: HashMap<PathBuf, u64>,
    session_seen: HashSet<(String, String)>,
    /// Messages already charged to an account (fingerprint → account, when).
    counted: HashMap<String, (String, Timestamp)>,
    /// A killed daemon's pane progress, taken up as each pane is attached again.
    restored: HashMap<String, PaneProgress>,
    /// The config file's bytes as loaded (set by the caller): a later change is a reload.
    pub loaded_config: Option<Vec<u8>>,
    /// Panes that could not be attached (already warned about).
    unwatchable: HashSet<String>,
    /// Transcripts read since start (the others are at their end, as primed).
    read_transcripts: HashSet<PathBuf>,
    /// Limits found and not acted on yet (saved before acting).
    pending: Vec<PendingLimit>,
    progress_dirty: bool,
    progress_saved: Instant,
    started: Timestamp,
    last_status: String,
    last_rescan: Instant,
    server_pid: Option<u32>,
    style: status::TmuxStyle,
}

impl<'a> Daemon<'a> {
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        cfg: &'a Config,
        paths: &'a Paths,
        store: &'a Store,
        clock: &'a dyn Clock,
        tmux: &'a TmuxCli,
        events: &'a EventLog<'a>,
        server: Server,
        faults: Faults,
    ) -> Result<Self> {
        let detector = Detector::new(&cfg.extra_patterns).map_err(|e| anyhow::anyhow!("{e}"))?;
        Ok(Daemon {
            cfg,
            paths,
            store,
            clock,
            tmux,
            events,
            server,
            faults,
            detector,
            panes: HashMap::new(),
            transcripts: HashMap::new(),
            session_seen: HashSet::new(),
            counted: HashMap::new(),
            restored: HashMap::new(),
            read_transcripts: HashSet::new(),
            unwatchable: HashSet::new(),
            loaded_config: None,
            pending: Vec::new(),
            progress_dirty: false,
            progress_saved: Instant::now(),
            started: clock.now(),
            last_status: String::new(),
            last_rescan: Instant::now(),
            server_pid: None,
            style: status::TmuxStyle::from_options(&tmux.plugin_options()),
        })
    }

    pub(super) fn fleet(&self) -> TmuxFleet<'_> {
        TmuxFleet { cfg: self.cfg, tmux: self.tmux, store: self.store, timing: Timing::default() }
    }

    pub(super) fn with_engine<R>(&self, f: impl FnOnce(&Engine) -> R) -> R {
        let fleet = self.fleet();
        let engine = Engine {
            cfg: self.cfg,
            store: self.store,
            clock: self.clock,
            fleet: &fleet,
            events: self.events,
            faults: self.faults.clone(),
        };
        f(&engine)
    }

    /// Watch until the server goes, a signal comes, or the config file changes to a valid one
    /// (`Stop::Reload`: the caller loads it and runs a new daemon in this process, which takes
    /// up this one's progress).
    pub fn run(mut self) -> Result<Stop> {
        let (tx, rx) = mpsc::channel::<Msg>();
        signals();
        if let Some(why) = listen(tx.clone()) {
            // Asked to quit during a reload: nothing read yet, so the saved progress stays as is.
            self.events.emit("daemon_stopped", why, json!({}));
            let _ = std::fs::remove_file(self.server.pid_file());
            return Ok(Stop::Quit);
        }
        crate::atomic::private_dir(&self.server.logs())?;
        crate::atomic::private_dir(&self.server.inbox())?;
        self.server_pid = self.tmux.run(&["display-message", "-p", "#{pid}"]).ok().and_then(|s| s.trim().parse().ok());

        let fs_tx = tx.clone();
        let mut watcher = notify::recommended_watcher(move |res: notify::Result<notify::Event>| {
            // inotify also reports opens and reads. Our own reads of a log or of state.json
            // would then wake the loop, which reads again: a loop that burns CPU while idle.
            // Only changes matter.
            if let Ok(ev) = res
                && !matches!(ev.kind, notify::EventKind::Access(_))
            {
                let _ = fs_tx.send(Msg::Fs(ev));
            }
        })
        .context("cannot start the file watcher (inotify)")?;
        watcher.watch(&self.server.logs(), RecursiveMode::NonRecursive)?;
        watcher.watch(&self.server.inbox(), RecursiveMode::NonRecursive)?;
        // state.json changes when anyone swaps, pauses or recovers: the status line follows.
        watcher.watch(&self.paths.state_dir, RecursiveMode::NonRecursive)?;
        let state_file = self.paths.state_file();
        let projects = self.projects_root();
        if let Some(p) = &projects {
            if let Err(e) = watcher.watch(p, RecursiveMode::Recursive) {
                self.events.emit("warning", &format!("cannot watch transcripts in {}: {e}", p.display()), json!({}));
            } else {
                self.prime_transcripts(p);
            }
        }
        for a in self.cfg.accounts.iter() {
            watch_account(&mut watcher, &a.home);
        }
        // The config file: editors replace it (a rename into its dir), so the dir is watched.
        let config_file = self.paths.config_file.clone();
        if let Some(dir) = config_file.parent().filter(|d| d.is_dir()) {
            let _ = watcher.watch(dir, RecursiveMode::NonRecursive);
        }
        // An edit made after the config was loaded and before the watch began counts too.
        let mut config_bytes = self.loaded_config.take();
        let mut config_stale = config_bytes.is_some() && std::fs::read(&config_file).ok() != config_bytes;
        if let Some(pid) = self.server_pid
            && !watch_exit(pid)
        {
            self.events.emit(
                "warning",
                "cannot watch the tmux server process (no pidfd); its exit is noticed within 30 s",
                json!({}),
            );
        }

        // A fault point for the supervisor's tests: a daemon that dies as it starts, every time.
        self.faults.hit("daemon.start")?;
        self.take_over();
        self.read_inbox();
        self.timers();
        self.events.emit(
            "daemon_started",
            &format!("watching tmux server {} (pid {})", self.server.socket, std::process::id()),
            json!({"socket": self.server.socket}),
        );

        let mut wake = Instant::now() + self.next_wake();
        let mut backlog: Vec<String> = Vec::new();
        let quit_reason = loop {
            // What was read since the last save is saved a second later at most.
            if self.progress_dirty && self.progress_saved.elapsed() >= PROGRESS_EVERY {
                self.save_progress();
            }
            // Timers are due by the clock, not by silence: a pane that never stops printing
            // must not hold back a return or the end of a wait.
            if Instant::now() >= wake {
                if !self.server_alive() {
                    break "the tmux server is gone";
                }
                if self.last_rescan.elapsed() >= Duration::from_secs(60) {
                    // The safety net under the events: homes made meanwhile, panes nothing told
                    // us about.
                    for a in self.cfg.accounts.iter() {
                        watch_account(&mut watcher, &a.home);
                    }
                    self.rescan();
                }
                self.timers();
                wake = Instant::now() + self.next_wake();
            }
            let until = if self.progress_dirty { wake.min(self.progress_saved + PROGRESS_EVERY) } else { wake };
            // Logs left unread at their budget are read on without waiting for another event.
            let mut batch = Vec::new();
            if backlog.is_empty() && !config_stale {
                match rx.recv_timeout(until.saturating_duration_since(Instant::now())) {
                    Ok(m) => batch.push(m),
                    Err(RecvTimeoutError::Timeout) => continue,
                    Err(RecvTimeoutError::Disconnected) => break "event sources closed",
                }
            }
            let end = Instant::now() + WINDOW;
            while let Some(left) = end.checked_duration_since(Instant::now()) {
                match rx.recv_timeout(left) {
                    Ok(m) => batch.push(m),
                    Err(_) => break,
                }
            }
            let mut logs: Vec<String> = std::mem::take(&mut backlog);
            let mut transcripts: Vec<PathBuf> = Vec::new();
            let mut inbox = false;
            let mut rescan = false;
            let mut status = false;
            let mut config = false;
            let mut quit = None;
            for m in batch {
                match m {
                    Msg::Quit(why) => quit = Some(why),
                    Msg::Fs(ev) => {
                        for p in &ev.paths {
                            if p.starts_with(self.server.logs()) {
                                if let Some(id) = p
                                    .file_name()
                                    .and_then(|n| n.to_str())
                                    .and_then(|n| n.strip_prefix("pane-"))
                                    .and_then(|n| n.strip_suffix(".log"))
                                {
                                    let pane = format!("%{id}");
                                    if matches!(ev.kind, notify::EventKind::Remove(_)) {
                                        self.panes.remove(&pane);
                                    } else if !logs.contains(&pane) {
                                        logs.push(pane);
                                    }
                                }
                            } else if p.starts_with(self.server.inbox()) {
                                inbox = true;
                            } else if *p == state_file {
                                status = true;
                            } else if *p == config_file {
                                config = true;
                            } else if projects.as_ref().is_some_and(|r| p.starts_with(r)) {
                                if p.extension().is_some_and(|e| e == "jsonl") && !transcripts.contains(p) {
                                    transcripts.push(p.clone());
                                }
                            } else if let Some(a) = self.cfg.accounts.iter().find(|a| p.starts_with(&a.home)) {
                                // A home or its `sessions/` made after we started (a first login,
                                // `doctor --fix`): watch it now, and look at once: a claude may
                                // have registered in it before the watch was in place.
                                let made = *p == a.home || p.file_name().is_some_and(|n| n == "sessions");
                                if made && p.is_dir() {
                                    watch_account(&mut watcher, &a.home);
                                    rescan = true;
                                }
                                rescan |= p.parent().is_some_and(|d| d.ends_with("sessions"))
                                    && matches!(ev.kind, notify::EventKind::Create(_));
                            }
                        }
                    }
                }
            }
            if let Some(why) = quit {
                break why;
            }
            for pane in logs {
                if self.read_log(&pane) {
                    backlog.push(pane);
                }
            }
            for t in transcripts {
                self.read_transcript(&t);
            }
            if inbox {
                self.read_inbox();
            }
            if rescan {
                self.rescan();
            }
            if status {
                self.push_status();
            }
            if (config || std::mem::take(&mut config_stale)) && self.config_changed(&mut config_bytes) {
                // From here a quit goes to the next daemon; one already sent comes along.
                let quit = unlisten(&rx);
                self.save_progress();
                if let Some(why) = quit {
                    return Ok(self.stop(why));
                }
                return Ok(Stop::Reload);
            }
            wake = wake.min(Instant::now() + self.next_wake());
        };
        Ok(self.stop(quit_reason))
    }

    pub(super) fn stop(&mut self, why: &str) -> Stop {
        self.save_progress();
        self.events.emit("daemon_stopped", why, json!({}));
        // The server stays and nothing watches it now: the status line must say so, not keep
        // the last "all well" (a supervisor that restarts the daemon puts it right again).
        if self.server_alive() {
            let active = match links::read_pointer(self.cfg) {
                Pointer::Account(a) => a,
                _ => self.cfg.primary.clone(),
            };
            let _ = self
                .tmux
                .set_user_option("@claude-failover-status", &status::render_no_daemon(&active, &self.style, ""));
        }
        let _ = std::fs::remove_file(self.server.pid_file());
        Stop::Quit
    }
}
