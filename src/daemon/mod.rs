//! The daemon: one per tmux server. It watches Claude panes through `pipe-pane` logs, the shared
//! transcripts and each account's session registry — all through `notify` (inotify), never by
//! polling — classifies what they print, and drives the swap engine; timers (return, waiting,
//! cooldown) come from the persisted state, so a restarted daemon keeps them.
//!
//! The shape, one floor per step (see docs/ARCHITECTURE.md):
//! - **sources** (`sources.rs` watches; `pane_logs.rs`, `transcripts.rs`, `inbox.rs`,
//!   `registry.rs`, `config_file.rs` read) turn what changed into typed [`attribution::Observation`]s:
//!   which pane or session, which account it was printed on when known, what was detected;
//! - **one loop** ([`Daemon::run`]) takes batches of changes and hands each read's observations to
//! - **the judge** (`attribution.rs`): is it news, which account is it charged to, when does it
//!   reset; a limit leaves it decided, as a `PendingLimit`;
//! - **apply** (`apply.rs`) saves the progress, then runs the swap engine (`crate::swap`) and
//!   notifies; `timers.rs` runs the return and the end of a wait; `recovery.rs` takes up what a
//!   killed daemon left.
//!
//! Invariants: a detection counts only for a pane that runs claude at that moment; a message
//! already seen in a pane (a resumed session re-renders its history) never counts again; a limit
//! is saved before it is acted on; and the loop never sleeps on a timer shorter than 30 s when
//! there is nothing to do.

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
mod sources;
mod thresholds;
mod timers;
mod transcripts;

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use anyhow::Result;
use jiff::Timestamp;
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
use lifecycle::{Msg, listen, signals, watch_exit};
use pane_logs::PaneWatch;
use progress::{PaneProgress, PendingLimit};
use sources::{Batch, Places, Sources};

pub use crate::server::{Inbox, Server, post};
pub use lifecycle::lock;
pub use pane_logs::{LOG_CAP, attach, detach, pipe_command, pipe_log};

/// The safety-net rescan's period (events drive everything; this catches what none reported).
const RESCAN_EVERY: Duration = Duration::from_secs(60);
/// The longest the loop ever sleeps, and the liveness check period.
const TICK: Duration = Duration::from_secs(30);
/// Progress without a limit in it is saved at most this often.
const PROGRESS_EVERY: Duration = Duration::from_secs(1);

/// Notices the wall clock moving on further than the loop's own (monotonic) clock: a laptop's
/// suspend and resume, or the clock set forward.
struct WallClockWatch {
    wall: Timestamp,
    mono: Instant,
}

impl WallClockWatch {
    /// Jumps smaller than this are ordinary drift and scheduling.
    const SLACK: Duration = Duration::from_secs(2);

    fn new(now: Timestamp) -> Self {
        WallClockWatch { wall: now, mono: Instant::now() }
    }

    fn jumped(&mut self, now: Timestamp) -> bool {
        let wall_gain = now.as_millisecond() - self.wall.as_millisecond();
        let mono_gain = self.mono.elapsed().as_millis() as i64;
        *self = WallClockWatch::new(now);
        wall_gain > mono_gain + Self::SLACK.as_millis() as i64
    }
}

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
    /// (pane, message) a transcript told of before the pane's screen showed it: when the screen
    /// does, that is the message shown live, not a redraw.
    told_by_session: HashSet<(String, String)>,
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
            told_by_session: HashSet::new(),
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
        let mut sources = self.start_sources(tx, rx)?;
        // An edit made after the config was loaded and before the watch began counts too.
        let mut config_bytes = self.loaded_config.take();
        let mut config_stale = config_bytes.is_some() && std::fs::read(&self.paths.config_file).ok() != config_bytes;

        // A fault point for the supervisor's tests: a daemon that dies as it starts, every time.
        self.faults.hit("daemon.start")?;
        self.take_over();
        self.inbox_changed();
        self.timers();
        self.events.emit(
            "daemon_started",
            &format!("watching tmux server {} (pid {})", self.server.socket, std::process::id()),
            json!({"socket": self.server.socket}),
        );

        let mut wake = Instant::now() + self.next_wake();
        let mut backlog: Vec<String> = Vec::new();
        let mut clock = WallClockWatch::new(self.clock.now());
        let quit_reason = loop {
            // A suspend stops the sleep's clock, not the wall clock: after a resume the timers
            // are looked at by the wall clock at the first event, and the tick bounds the rest.
            if clock.jumped(self.clock.now()) {
                wake = Instant::now();
            }
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
                if self.last_rescan.elapsed() >= RESCAN_EVERY {
                    // The safety net under the events: homes made meanwhile, panes nothing told
                    // us about.
                    sources.rewatch_accounts();
                    self.rescan();
                    self.settle_deferred();
                }
                self.timers();
                wake = Instant::now() + self.next_wake();
            }
            let until = if self.progress_dirty { wake.min(self.progress_saved + PROGRESS_EVERY) } else { wake };
            // Logs left unread at their budget are read on without waiting for another event.
            let batch = match sources.next(until, !backlog.is_empty() || config_stale) {
                Ok(Some(b)) => b,
                Ok(None) => continue,
                Err(why) => break why,
            };
            if let Some(why) = batch.quit {
                break why;
            }
            for pane in &batch.logs_gone {
                self.panes.remove(pane);
            }
            let mut batch = batch;
            if batch.overflow {
                self.events.emit("warning", "the file-event queue overflowed; reading everything again", json!({}));
                self.everything_dirty(&mut batch);
            }
            let mut logs = std::mem::take(&mut backlog);
            for pane in batch.logs {
                if !logs.contains(&pane) {
                    logs.push(pane);
                }
            }
            for pane in logs {
                if self.pane_log_changed(&pane) {
                    backlog.push(pane);
                }
            }
            for t in &batch.transcripts {
                self.transcript_changed(t);
            }
            if batch.inbox {
                self.inbox_changed();
            }
            if batch.rescan {
                self.rescan();
            }
            let batch_state = batch.state;
            if batch.usage {
                self.usage_changed();
            }
            if batch.registry || batch.rescan {
                self.settle_deferred();
            }
            if batch.state || batch.usage || batch.logins {
                self.push_status();
            }
            if (batch.config || std::mem::take(&mut config_stale)) && self.config_changed(&mut config_bytes) {
                // From here a quit goes to the next daemon; one already sent comes along.
                let quit = sources.unlisten();
                self.save_progress();
                if let Some(why) = quit {
                    return Ok(self.stop(why));
                }
                return Ok(Stop::Reload);
            }
            // Timers live in state.json: only a change to it (ours included) can bring one closer.
            if batch_state {
                wake = wake.min(Instant::now() + self.next_wake());
            }
        };
        Ok(self.stop(quit_reason))
    }

    /// Make the daemon's dirs, learn the server's pid and start every source.
    fn start_sources(&mut self, tx: mpsc::Sender<Msg>, rx: mpsc::Receiver<Msg>) -> Result<Sources> {
        crate::atomic::private_dir(&self.server.logs())?;
        crate::atomic::private_dir(&self.server.inbox())?;
        let usage = self.paths.state_dir.join("usage");
        crate::atomic::private_dir(&usage)?;
        self.server_pid = self.tmux.run(&["display-message", "-p", "#{pid}"]).ok().and_then(|s| s.trim().parse().ok());
        let places = Places {
            logs: self.server.logs(),
            inbox: self.server.inbox(),
            state_dir: &self.paths.state_dir,
            state_file: self.paths.state_file(),
            usage,
            config_file: self.paths.config_file.clone(),
            homes: self.cfg.accounts.iter().map(|a| a.home.clone()).collect(),
        };
        let mut sources = Sources::start(places, tx, rx)?;
        if let Some(p) = self.projects_root() {
            match sources.watch_transcripts(&p) {
                Ok(()) => self.prime_transcripts(&p),
                Err(e) => {
                    self.events.emit("warning", &format!("cannot watch transcripts in {}: {e}", p.display()), json!({}))
                }
            }
        }
        if let Some(pid) = self.server_pid
            && !watch_exit(pid)
        {
            self.events.emit(
                "warning",
                "cannot watch the tmux server process (no pidfd); its exit is noticed within 30 s",
                json!({}),
            );
        }
        Ok(sources)
    }

    /// After lost events: every watched log, every transcript that grew, the inbox, a rescan.
    fn everything_dirty(&self, batch: &mut Batch) {
        batch.logs.extend(self.panes.keys().filter(|p| !batch.logs.contains(*p)).cloned().collect::<Vec<_>>());
        let grown = self.transcripts.iter().filter(|(t, o)| std::fs::metadata(t).is_ok_and(|m| m.len() > **o));
        let grown: Vec<PathBuf> = grown.map(|(t, _)| t.clone()).filter(|t| !batch.transcripts.contains(t)).collect();
        batch.transcripts.extend(grown);
        batch.inbox = true;
        batch.rescan = true;
    }

    /// Read one pane's log and decide on what it showed; true when more is left to read.
    fn pane_log_changed(&mut self, pane: &str) -> bool {
        let (observed, more) = self.read_log(pane);
        self.decide(observed);
        more
    }

    fn transcript_changed(&mut self, path: &Path) {
        let observed = self.read_transcript(path);
        self.decide(observed);
    }

    fn inbox_changed(&mut self) {
        let read = self.read_inbox();
        if read.rescan {
            self.rescan();
        }
        self.decide(read.observations);
        for f in read.files {
            let _ = std::fs::remove_file(f);
        }
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
