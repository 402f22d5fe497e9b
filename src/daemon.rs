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

use std::collections::{HashMap, HashSet};
use std::fs::File;
use std::io::{Read, Seek, SeekFrom};
use std::os::unix::fs::{MetadataExt, OpenOptionsExt};
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::mpsc::{self, RecvTimeoutError};
use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use jiff::Timestamp;
use notify::{RecursiveMode, Watcher};
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::clock::{Clock, fmt_utc};
use crate::config::Config;
use crate::detect::{Detection, Detector, Kind, Stream};
use crate::events::{EventLog, Sink};
use crate::faults::Faults;
use crate::fleet::{Timing, TmuxFleet};
use crate::links::{self, Pointer};
use crate::paths::Paths;
use crate::progress::{PaneProgress, PendingLimit, Progress};
use crate::state::Store;
use crate::swap::{Engine, Outcome, Trigger};
use crate::tmux::{PaneInfo, Tmux, TmuxCli, shell_quote, valid_pane_id};
use crate::{claude, procs, status};

/// The batching window, anchored at the first event of a batch.
const WINDOW: Duration = Duration::from_millis(8);
/// The longest the loop ever sleeps, and the liveness check period.
const TICK: Duration = Duration::from_secs(30);
/// Pane logs are truncated by their writer past this size.
pub const LOG_CAP: u64 = 8 << 20;
/// How much of a log one batch reads at most (the rest comes in the next batch).
const READ_MAX: u64 = 1 << 20;
/// A fingerprint seen in a pane is ignored for this long.
const SEEN_TTL: jiff::SignedDuration = jiff::SignedDuration::from_hours(12);
/// A charge is kept this long (it only matters around a relaunch; the same text comes back
/// another day).
const COUNTED_KEEP: jiff::SignedDuration = jiff::SignedDuration::from_hours(1);
/// How long a relaunched pane's output is charged to the old account when no exit hint comes.
const HINT_WAIT: jiff::SignedDuration = jiff::SignedDuration::from_secs(60);
/// Progress without a limit in it is saved at most this often.
const PROGRESS_EVERY: Duration = Duration::from_secs(1);
/// A login problem found but not acted on is dropped when a restart comes later than this.
const PENDING_KEEP: jiff::SignedDuration = jiff::SignedDuration::from_hours(1);
/// How long a new daemon waits for the lock of one that is gone.
const LOCK_WAIT: Duration = Duration::from_secs(3);

/// Which tmux server, and where its files live: `<state>/servers/<key>/`.
#[derive(Debug, Clone)]
pub struct Server {
    pub socket: String,
    pub dir: PathBuf,
}

impl Server {
    /// `--socket`, else `$TMUX`, else what a bare `tmux` reaches.
    pub fn resolve(paths: &Paths, tmux: &TmuxCli) -> Result<Server> {
        let socket = match &tmux.socket {
            Some(s) => s.display().to_string(),
            None => match std::env::var("TMUX")
                .ok()
                .and_then(|t| t.split(',').next().map(String::from))
                .filter(|s| !s.is_empty())
            {
                Some(s) => s,
                None => {
                    tmux.socket_path().context("no tmux server to attach to (start tmux first, or pass --socket)")?
                }
            },
        };
        let key: String =
            socket.chars().map(|c| if c.is_ascii_alphanumeric() || c == '-' || c == '.' { c } else { '_' }).collect();
        Ok(Server { dir: paths.state_dir.join("servers").join(key), socket })
    }
    pub fn logs(&self) -> PathBuf {
        self.dir.join("panes")
    }
    pub fn inbox(&self) -> PathBuf {
        self.dir.join("inbox")
    }
    pub fn log_of(&self, pane: &str) -> PathBuf {
        self.logs().join(format!("pane-{}.log", pane.trim_start_matches('%')))
    }
    pub fn pid_file(&self) -> PathBuf {
        self.dir.join("daemon.pid")
    }
    /// The pid of a live daemon for this server, if any.
    pub fn daemon_pid(&self) -> Option<u32> {
        let pid: u32 = std::fs::read_to_string(self.pid_file()).ok()?.trim().parse().ok()?;
        procs::is_alive(pid).then_some(pid)
    }
    pub fn lock_file(&self) -> PathBuf {
        self.dir.join("daemon.lock")
    }

    /// Whether a daemon watches this server, without disturbing one: `Some(Some(pid))` a live
    /// claude-failover daemon is named by the pid file (a pid reused after a crash does not
    /// count); `Some(None)` its lock is held (a pid file stale or missing); `None` no daemon. Reads
    /// only; the lock probe (a shared, non-blocking flock released at once) runs only when the
    /// pid file names no live daemon, so a daemon that is starting just retries (it waits for the
    /// lock while no live pid is recorded). For `status`, `doctor`, the supervisor and the hooks.
    pub fn running(&self) -> Option<Option<u32>> {
        use std::os::unix::fs::OpenOptionsExt;
        if let Some(pid) = self.daemon_pid() {
            let argv = procs::cmdline(pid).unwrap_or_default();
            let ours = argv.first().is_some_and(|a0| a0.ends_with("claude-failover"));
            if ours && argv.iter().skip(1).any(|a| a == "daemon") {
                return Some(Some(pid));
            }
        }
        let f = std::fs::OpenOptions::new()
            .read(true)
            .custom_flags(libc::O_NOFOLLOW | libc::O_CLOEXEC)
            .open(self.lock_file())
            .ok()?;
        match f.try_lock_shared() {
            Ok(()) => None, // free: released when `f` drops, right here
            Err(std::fs::TryLockError::WouldBlock) => Some(self.daemon_pid()),
            Err(std::fs::TryLockError::Error(_)) => None,
        }
    }
}

/// A message dropped in a server's inbox by a hook or a CLI command.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Inbox {
    Rescan,
    /// A detection with exact facts (from a Claude Code hook).
    Detection {
        pane: Option<String>,
        session_id: Option<String>,
        config_dir: Option<PathBuf>,
        text: String,
    },
}

pub fn post(server: &Server, msg: &Inbox) -> Result<()> {
    crate::atomic::private_dir(&server.inbox())?;
    let name = format!("{}-{}.json", Timestamp::now().as_nanosecond(), std::process::id());
    crate::atomic::write_atomic(&server.inbox().join(name), &serde_json::to_vec(msg)?, 0o600)
}

/// The shell command tmux runs for `pipe-pane`: our own writer, which caps the log and never
/// follows a symlink planted at its path. Both parts are quoted; neither comes from a pane.
pub fn pipe_command(bin: &Path, log: &Path) -> String {
    format!("exec {} pipe-log {}", shell_quote(&bin.to_string_lossy()), shell_quote(&log.to_string_lossy()))
}

/// Start piping a pane into its log. A pane already piped into its log (by a daemon before this
/// one) is taken as it is; a pane piped anywhere else is the user's, and is left alone.
pub fn attach(tmux: &dyn Tmux, server: &Server, pane: &PaneInfo) -> Result<PathBuf> {
    crate::atomic::private_dir(&server.logs())?;
    let log = server.log_of(&pane.id);
    if let Ok(m) = std::fs::symlink_metadata(&log)
        && !m.is_file()
    {
        anyhow::bail!(
            "{} is not a regular file (a symlink planted there?); it is neither followed nor touched: \
             remove it to watch {}",
            log.display(),
            pane.id
        );
    }
    if pane.piped {
        if ours(server, pane) {
            return Ok(log);
        }
        anyhow::bail!(
            "{} is already piped elsewhere (pipe-pane); it is left alone, so its output is not watched \
             (limits still reach us through the transcripts and the hooks)",
            pane.id
        );
    }
    let bin = std::env::current_exe().context("cannot find this program's own path")?;
    tmux.pipe_pane(&pane.id, Some(&pipe_command(&bin, &log)))?;
    Ok(log)
}

/// Stop piping a pane, only when the pipe is ours.
pub fn detach(tmux: &dyn Tmux, server: &Server, pane: &PaneInfo) -> Result<()> {
    if pane.piped && ours(server, pane) {
        tmux.pipe_pane(&pane.id, None)?;
    }
    let _ = std::fs::remove_file(server.log_of(&pane.id));
    Ok(())
}

/// A pane's pipe is ours when its log exists: we create it when we pipe the pane and remove it
/// when we stop, or when the pane is gone.
fn ours(server: &Server, pane: &PaneInfo) -> bool {
    std::fs::symlink_metadata(server.log_of(&pane.id)).is_ok_and(|m| m.is_file())
}

/// `pipe-log FILE`: copy stdin to FILE (O_APPEND, O_NOFOLLOW, 0600), rotating it at the cap.
pub fn pipe_log(file: &Path) -> Result<()> {
    let mut out = crate::atomic::open_append_private(file)?;
    let mut size = out.metadata().map(|m| m.len()).unwrap_or(0);
    let mut stdin = std::io::stdin().lock();
    let mut buf = vec![0u8; 64 * 1024];
    loop {
        let n = match stdin.read(&mut buf) {
            Ok(0) => return Ok(()),
            Ok(n) => n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e.into()),
        };
        if size + n as u64 > LOG_CAP {
            // A new file renamed over the full one: the reader sees a new inode and reads it from
            // its start, even if it only looks after the new file has grown past its old offset.
            match rotate(file) {
                Ok(fresh) => out = fresh,
                // Never stop piping over it (that would leave the pane unwatched): empty the
                // file in place instead; the reader sees it shrink.
                Err(_) => out.set_len(0)?,
            }
            size = 0;
        }
        std::io::Write::write_all(&mut out, &buf[..n])?;
        size += n as u64;
    }
}

/// A fresh, empty log put in place of `file`.
fn rotate(file: &Path) -> Result<File> {
    let tmp = file.with_extension("log.new");
    // Our own temp name in our private dir: a leftover of an interrupted rotation goes.
    let _ = std::fs::remove_file(&tmp);
    let f = crate::atomic::open_append_private(&tmp)?;
    if let Err(e) = std::fs::rename(&tmp, file) {
        let _ = std::fs::remove_file(&tmp);
        return Err(e).with_context(|| format!("cannot replace {}", file.display()));
    }
    Ok(f)
}

struct PaneWatch {
    /// The log's inode and how far it has been read.
    ino: u64,
    offset: u64,
    stream: Stream,
    seen: HashMap<String, Timestamp>,
    /// Set when a swap relaunched this pane: until the old claude's exit hint ("Resume this
    /// session with:") is read, what the log holds was printed on this account.
    before_relaunch: Option<(String, Timestamp)>,
    /// The log, held open: when the writer rotates it, what was written to the old file after
    /// the last read is still read, and its inode cannot be reused meanwhile.
    file: Option<File>,
}

impl PaneWatch {
    /// Carry on from a killed daemon's progress when it is about this very file; otherwise from
    /// `fresh` (the end of the log for a pane attached now, the start for a log found unread).
    fn resume(saved: Option<PaneProgress>, ino: u64, len: u64, fresh: u64, now: Timestamp) -> PaneWatch {
        let Some(p) = saved else {
            return PaneWatch {
                ino,
                offset: fresh,
                stream: Stream::new(),
                seen: HashMap::new(),
                before_relaunch: None,
                file: None,
            };
        };
        // The same file, not shorter: carry on inside the line being printed. Otherwise the log
        // was rotated (or created) since: all of it is newer than what was read.
        let (offset, stream) =
            if p.ino == ino && p.offset <= len { (p.offset, Stream::resumed(p.carry)) } else { (0, Stream::new()) };
        PaneWatch {
            ino,
            offset,
            stream,
            seen: p.seen.into_iter().collect(),
            // The wait for the exit hint starts again now: the restart may come much later.
            before_relaunch: p.printed_on.map(|(account, _)| (account, now)),
            file: None,
        }
    }
}

/// Read `f` from the pane's offset to its end or the budget, through the pane's stream.
/// While a relaunch's exit hint is awaited, what comes before it is charged to the old account.
fn drain(
    w: &mut PaneWatch,
    f: &File,
    budget: &mut u64,
    det: &Detector,
    now: Timestamp,
    local: &jiff::tz::TimeZone,
    found: &mut Vec<(Detection, Option<String>)>,
) {
    use std::os::unix::fs::FileExt;
    let mut buf = vec![0u8; 64 * 1024];
    while *budget > 0 {
        let want = buf.len().min(*budget as usize);
        let n = match f.read_at(&mut buf[..want], w.offset) {
            Ok(0) | Err(_) => break,
            Ok(n) => n,
        };
        w.offset += n as u64;
        *budget -= n as u64;
        let data = &buf[..n];
        if w.before_relaunch.as_ref().is_some_and(|(_, since)| now.duration_since(*since) > HINT_WAIT) {
            w.before_relaunch = None; // no hint came: stop attributing
        }
        match w.before_relaunch.clone() {
            Some((old, _)) => {
                let cut = data.windows(EXIT_HINT.len()).position(|x| x == EXIT_HINT);
                let before = &data[..cut.unwrap_or(data.len())];
                found.extend(w.stream.feed(det, before, now, local).into_iter().map(|d| (d, Some(old.clone()))));
                if let Some(at) = cut {
                    found.extend(w.stream.flush(det, now, local).into_iter().map(|d| (d, Some(old.clone()))));
                    w.before_relaunch = None;
                    found.extend(w.stream.feed(det, &data[at..], now, local).into_iter().map(|d| (d, None)));
                }
            }
            None => found.extend(w.stream.feed(det, data, now, local).into_iter().map(|d| (d, None))),
        }
    }
    let old = w.before_relaunch.as_ref().map(|(a, _)| a.clone());
    found.extend(w.stream.flush(det, now, local).into_iter().map(|d| (d, old.clone())));
}

/// Watch where a new claude of this account shows up: its `sessions/` registry, else its home
/// (to see `sessions/` made), else the home's parent (to see the home made).
fn watch_account(watcher: &mut impl Watcher, home: &Path) {
    let sessions = home.join("sessions");
    let target = if sessions.is_dir() {
        sessions
    } else if home.is_dir() {
        home.to_path_buf()
    } else {
        match home.parent().filter(|p| p.is_dir()) {
            Some(p) => p.to_path_buf(),
            None => return,
        }
    };
    let _ = watcher.watch(&target, RecursiveMode::NonRecursive);
}

/// A transcript's structured fields win over its text: a quota line (2.1.332's
/// `apiError: "usage_limit_reached"`) is a limit even in a wording we do not know, with the
/// exact reset epoch and the claim it carries.
fn with_structured(err: &claude::ApiError, mut found: Vec<Detection>) -> Vec<Detection> {
    if !err.is_usage_limit() {
        return found;
    }
    let exact = err.resets_at.and_then(|s| Timestamp::from_second(s).ok());
    if !found.iter().any(|d| d.kind == Kind::Exhausted) {
        let text = err.text.lines().find(|l| !l.trim().is_empty()).unwrap_or("usage_limit_reached").trim();
        found.push(Detection { kind: Kind::Exhausted, limit: None, resets_at: None, text: text.to_string() });
    }
    for d in found.iter_mut().filter(|d| d.kind == Kind::Exhausted) {
        d.resets_at = exact.or(d.resets_at);
        d.limit = err.limit_name().or(d.limit.take());
    }
    found
}

/// What the old claude prints as it exits: the boundary between two accounts in a pane's log.
const EXIT_HINT: &[u8] = b"Resume this session with";

/// Why [`Daemon::run`] returned.
#[derive(Debug, PartialEq, Eq)]
pub enum Stop {
    Quit,
    Reload,
}

enum Msg {
    Fs(notify::Event),
    Quit(&'static str),
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

/// The running daemon's channel, for the threads that live as long as the process (signals, the
/// server's exit): a config reload runs a new daemon in the same process, and they stay, one
/// each. A quit that finds no daemon listening (between two) waits here for the next one.
static CURRENT: Mutex<(Option<mpsc::Sender<Msg>>, Option<&'static str>)> = Mutex::new((None, None));

fn listen(tx: mpsc::Sender<Msg>) -> Option<&'static str> {
    let mut c = CURRENT.lock().unwrap_or_else(|e| e.into_inner());
    c.0 = Some(tx);
    c.1.take()
}

/// Stop listening: a quit sent from now on waits for the next daemon; the first one already
/// sent to this daemon is returned.
fn unlisten(rx: &mpsc::Receiver<Msg>) -> Option<&'static str> {
    let mut c = CURRENT.lock().unwrap_or_else(|e| e.into_inner());
    c.0 = None;
    let sent = rx.try_iter().find_map(|m| match m {
        Msg::Quit(why) => Some(why),
        Msg::Fs(_) => None,
    });
    sent.or(c.1.take())
}

fn quit(why: &'static str) {
    let mut c = CURRENT.lock().unwrap_or_else(|e| e.into_inner());
    if c.0.as_ref().is_none_or(|tx| tx.send(Msg::Quit(why)).is_err()) {
        c.1 = Some(why);
    }
}

/// Block the signals we handle in every thread, and turn them into quits on one thread (once
/// per process).
fn signals() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        // SAFETY: plain libc signal-mask calls on a zeroed sigset_t; done before other threads
        // start, so every thread inherits the mask and only the waiting thread receives them.
        unsafe {
            let mut set: libc::sigset_t = std::mem::zeroed();
            libc::sigemptyset(&mut set);
            for s in [libc::SIGTERM, libc::SIGHUP, libc::SIGINT] {
                libc::sigaddset(&mut set, s);
            }
            libc::pthread_sigmask(libc::SIG_BLOCK, &set, std::ptr::null_mut());
            std::thread::spawn(move || {
                let mut sig: libc::c_int = 0;
                while libc::sigwait(&set, &mut sig) == 0 {
                    quit(match sig {
                        libc::SIGHUP => "SIGHUP",
                        libc::SIGINT => "SIGINT",
                        _ => "SIGTERM",
                    });
                }
            });
        }
    });
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

    fn fleet(&self) -> TmuxFleet<'_> {
        TmuxFleet { cfg: self.cfg, tmux: self.tmux, store: self.store, timing: Timing::default() }
    }

    fn with_engine<R>(&self, f: impl FnOnce(&Engine) -> R) -> R {
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

    fn engine_run(&mut self, trigger: Trigger) {
        match self.with_engine(|engine| engine.run(trigger)) {
            Ok(Outcome::Skipped(why)) => self.events.emit("skipped", &why, json!({})),
            Ok(Outcome::Swapped { from, to, relaunched, failed }) => {
                let now = self.clock.now();
                for id in &relaunched {
                    if let Some(w) = self.panes.get_mut(id) {
                        w.before_relaunch = Some((from.clone(), now));
                    }
                }
                crate::notify::swapped(self.cfg, self.tmux, self.events, &from, &to, relaunched.len(), failed.len());
            }
            Ok(Outcome::Waiting { account, until }) => {
                crate::notify::send(
                    self.cfg,
                    self.tmux,
                    self.events,
                    &format!("every account is exhausted; waiting for {account} at {}", fmt_utc(until)),
                );
            }
            Ok(Outcome::Resumed { .. }) => {}
            Err(e) => {
                self.events.emit("swap_failed", &e.full(), json!({}));
                crate::notify::send(self.cfg, self.tmux, self.events, &format!("swap failed: {}", e.full()));
            }
        }
        self.push_status();
    }

    /// Keep `@claude-failover-status` current (only when it changed: a set-option is a redraw).
    fn push_status(&mut self) {
        let Ok(st) = self.store.load() else { return };
        let pointer = links::read_pointer(self.cfg);
        let problem = links::pointer_problem(self.cfg, &pointer);
        let now = self.clock.now();
        let s = status::build(self.cfg, &st, &pointer, problem, now).with_logins(self.cfg, now);
        let text = status::render_tmux(&s, &self.style, now);
        if text != self.last_status && self.tmux.set_user_option("@claude-failover-status", &text).is_ok() {
            self.last_status = text;
        }
    }

    /// Find Claude panes, attach the ones not attached yet, forget panes that are gone.
    fn rescan(&mut self) {
        self.last_rescan = Instant::now();
        let panes = match self.tmux.list_panes() {
            Ok(p) => p,
            Err(e) => {
                self.events.emit("warning", &format!("cannot list panes: {e:#}"), json!({}));
                return;
            }
        };
        let st = self.store.load().unwrap_or_default();
        let live: HashSet<String> = panes.iter().map(|p| p.id.clone()).collect();
        let mut attached = false;
        for p in panes.iter().filter(|p| !p.dead) {
            if self.panes.contains_key(&p.id) {
                self.watchable_again(&p.id, &st); // attached by hand, or restored from a restart
                continue;
            }
            if st.panes.get(&p.id).is_some_and(|r| r.detached) {
                continue;
            }
            let Some(saved) = self.fleet().saved_pane(p) else {
                self.watchable_again(&p.id, &st); // no claude there (any more): nothing to protect
                continue;
            };
            match attach(self.tmux, &self.server, p) {
                Ok(log) => {
                    let (ino, len) = std::fs::metadata(&log).map(|m| (m.ino(), m.len())).unwrap_or((0, 0));
                    let watch = PaneWatch::resume(self.restored.remove(&p.id), ino, len, len, self.clock.now());
                    self.panes.insert(p.id.clone(), watch);
                    attached = true;
                    self.events.emit(
                        "attached",
                        &format!("watching {} ({})", p.id, saved.account.as_deref().unwrap_or("?")),
                        json!({"pane": p.id}),
                    );
                    let now = self.clock.now();
                    self.unwatchable.remove(&p.id);
                    let _ = self.store.update(|s| {
                        let r = s.panes.entry(p.id.clone()).or_default();
                        r.session_id = saved.session_id.clone().or(r.session_id.take());
                        r.cwd = Some(saved.cwd.clone());
                        r.account = saved.account.clone();
                        r.updated = Some(now);
                        r.unwatched = None;
                        Ok(())
                    });
                }
                Err(e) => {
                    // Not protected: said once in the events, and shown by the status line,
                    // `status` and `pane list` for as long as it lasts.
                    if self.unwatchable.insert(p.id.clone()) {
                        let why = format!("{e:#}");
                        self.events.emit("unwatched", &format!("cannot watch {}: {why}", p.id), json!({"pane": p.id}));
                        let _ = self.store.update(|s| {
                            let r = s.panes.entry(p.id.clone()).or_default();
                            r.cwd = Some(saved.cwd.clone());
                            r.account = saved.account.clone();
                            r.unwatched = Some(why);
                            Ok(())
                        });
                    }
                }
            }
        }
        // Panes that are gone: drop their log (a file we created) and their record.
        let gone: Vec<String> = self.panes.keys().filter(|id| !live.contains(*id)).cloned().collect();
        for id in gone {
            self.panes.remove(&id);
            let _ = std::fs::remove_file(self.server.log_of(&id));
        }
        self.restored.retain(|id, _| live.contains(id));
        self.unwatchable.retain(|id| live.contains(id));
        if attached {
            // From now on a restarted daemon reads this pane from here, not from its end.
            self.save_progress();
        }
        let _ = self.store.update(|s| {
            s.panes.retain(|id, _| live.contains(id));
            Ok(())
        });
    }

    /// A pane we reported as not watched no longer is (watched now, or no claude in it).
    fn watchable_again(&mut self, pane: &str, st: &crate::state::State) {
        let recorded = st.panes.get(pane).is_some_and(|r| r.unwatched.is_some());
        if self.unwatchable.remove(pane) || recorded {
            let _ = self.store.update(|s| {
                if let Some(r) = s.panes.get_mut(pane) {
                    r.unwatched = None;
                }
                Ok(())
            });
        }
    }

    /// New bytes of one pane's log → detections.
    /// Returns true when the read stopped at its budget with more to read.
    fn read_log(&mut self, pane: &str) -> bool {
        let log = self.server.log_of(pane);
        // Never through a link planted at the log's path.
        let opened = std::fs::OpenOptions::new()
            .read(true)
            .custom_flags(libc::O_NOFOLLOW)
            .open(&log)
            .ok()
            .and_then(|f| f.metadata().ok().map(|m| (m.ino(), f)));
        let now = self.clock.now();
        if !self.panes.contains_key(pane) {
            // A log we did not attach ourselves (a previous daemon, `pane attach`): start tracking.
            let Some((ino, f)) = &opened else { return false };
            if !valid_pane_id(pane) {
                return false;
            }
            let len = f.metadata().map(|m| m.len()).unwrap_or(0);
            self.panes.insert(pane.to_string(), PaneWatch::resume(self.restored.remove(pane), *ino, len, 0, now));
        }
        let local = self.clock.local_zone();
        let mut found: Vec<(Detection, Option<String>)> = Vec::new();
        let mut budget = READ_MAX;
        {
            let Some(w) = self.panes.get_mut(pane) else { return false };
            let start = (w.ino, w.offset);
            let det = &self.detector;
            // The file we hold was rotated away: its end first, then the new file, one stream
            // (the new file continues the same output).
            let rotated_to = match (&w.file, &opened) {
                (Some(_), Some((ino, _))) if *ino != w.ino => Some(*ino),
                _ => None,
            };
            if let (Some(ino), Some(held)) = (rotated_to, w.file.take()) {
                drain(w, &held, &mut budget, det, now, &local, &mut found);
                if budget == 0 {
                    w.file = Some(held); // more of the old file next time
                } else {
                    w.ino = ino;
                    w.offset = 0;
                }
            }
            if w.file.is_none()
                && let Some((ino, f)) = opened
            {
                if ino != w.ino {
                    // Not the file the offset is about (created, or rotated while no daemon read).
                    w.ino = ino;
                    w.offset = 0;
                    w.stream = Stream::new();
                }
                w.file = Some(f);
            }
            if budget > 0
                && let Some(f) = w.file.take()
            {
                if f.metadata().is_ok_and(|m| m.len() < w.offset) {
                    w.offset = 0; // cut short by someone else: read it again from the start
                    w.stream = Stream::new();
                }
                drain(w, &f, &mut budget, det, now, &local, &mut found);
                w.file = Some(f);
            }
            self.progress_dirty |= (w.ino, w.offset) != start;
        }
        // A limit (acted on or not) is saved before anything happens; warnings can wait.
        let urgent = found.iter().any(|(d, _)| matches!(d.kind, Kind::Exhausted | Kind::Auth));
        let limits: Vec<PendingLimit> =
            found.into_iter().filter_map(|(d, printed_on)| self.judge_pane_detection(pane, d, printed_on)).collect();
        if urgent {
            self.act(limits);
        }
        budget == 0
    }

    /// A limit to act on, with everything decided now: the account, and the reset (the fallback
    /// when none is printed counts from now, not from whenever it is acted on).
    /// `exact`: the reset is the transcript's own second, not a time read off the screen.
    fn limit(&self, account: String, d: Detection, exact: bool) -> PendingLimit {
        let now = self.clock.now();
        let auth = d.kind == Kind::Auth;
        let until = (!auth).then(|| match d.resets_at {
            // Claude prints the reset to the minute, seconds truncated (`resetsAt` 21:07:41 reads
            // `9:07pm`): the limit is over by the end of that minute, not at its start. Going back
            // at its start would meet the limit again. The transcript's exact second refines it.
            Some(t) if !exact && t.subsec_nanosecond() == 0 && t.as_second().rem_euclid(60) == 0 => {
                t.checked_add(jiff::SignedDuration::from_secs(60)).unwrap_or(t)
            }
            Some(t) => t,
            None => now.checked_add(self.cfg.swap.fallback_reset).unwrap_or(now),
        });
        PendingLimit { found: now, account, until, text: d.text, auth }
    }

    /// Save the progress (with the limits to act on), act, save again. See `progress`.
    fn act(&mut self, limits: Vec<PendingLimit>) {
        self.pending.extend(limits);
        self.save_progress();
        let _ = self.faults.hit("daemon.found");
        while !self.pending.is_empty() {
            let l = self.pending.remove(0);
            self.engine_run(Trigger::Limit { account: l.account, until: l.until, text: l.text, auth: l.auth });
        }
        self.save_progress();
    }

    fn progress(&self) -> Progress {
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

    fn save_progress(&mut self) {
        if let Err(e) = self.progress().save(&self.server.dir) {
            self.events.emit("warning", &format!("cannot save the daemon's progress: {e:#}"), json!({}));
        }
        self.progress_dirty = false;
        self.progress_saved = Instant::now();
    }

    /// Take up a killed daemon's progress: offsets and marks for the panes attached next, the
    /// transcripts' offsets, and the limits it found but had not acted on (into `pending`, so
    /// every save keeps them until they are acted on).
    fn restore_progress(&mut self) {
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

    /// Judge one detection in a pane; a limit to act on comes back, everything else is logged.
    /// `printed_on`: the account the pane ran on when this was printed, when it is known to differ
    /// from the current one (read after a relaunch, from before it).
    fn judge_pane_detection(&mut self, pane: &str, d: Detection, printed_on: Option<String>) -> Option<PendingLimit> {
        let now = self.clock.now();
        let fp = d.fingerprint();
        let fp_seen = fp.clone();
        if let Some(w) = self.panes.get_mut(pane) {
            w.seen.retain(|_, t| *t > now);
            if w.seen.contains_key(&fp_seen) {
                return None; // a redraw, or a resumed session re-rendering its history
            }
            w.seen.insert(fp_seen, now.checked_add(SEEN_TTL).unwrap_or(now));
        }
        let fields = json!({"pane": pane, "kind": d.kind, "limit": d.limit, "resets_at": d.resets_at.map(fmt_utc), "text": d.text, "source": "pane"});
        match d.kind {
            Kind::Warning | Kind::Transient => {
                self.events.emit(
                    if d.kind == Kind::Warning { "limit_warning" } else { "transient" },
                    &format!("{pane}: {}", d.text),
                    fields,
                );
                return None;
            }
            Kind::Exhausted | Kind::Auth => {}
        }
        // Only a pane that runs claude now counts: a shell printing the same words is not a limit.
        let Some(account) = printed_on.or_else(|| self.claude_account_of(pane)) else {
            self.events.emit("ignored", &format!("{pane} does not run claude: {}", d.text), fields);
            return None;
        };
        // While a swap runs, other panes' copies of the same message wait unread in their logs;
        // read after their pane moved, they would blame the new account for the old one's limit.
        let relaunched = self.store.load().ok().and_then(|s| s.panes.get(pane).and_then(|r| r.relaunched_at));
        if let Some(charged) = self.counted_before(relaunched, &fp, &account, now) {
            self.events.emit(
                "ignored",
                &format!("{pane}: printed before its relaunch (already counted for {charged}): {}", d.text),
                fields,
            );
            return None;
        }
        self.charge(fp, &account, now);
        self.events.emit("detected", &format!("{pane} ({account}): {}", d.text), fields);
        Some(self.limit(account, d, false))
    }

    /// Charge a message to an account. The first charge's time stays while later copies charge
    /// the same account: "charged before the relaunch" must not move past the relaunch because
    /// other panes' copies were read late.
    fn charge(&mut self, fp: String, account: &str, now: Timestamp) {
        self.counted.retain(|_, (_, at)| now.duration_since(*at) < COUNTED_KEEP);
        if self.counted.get(&fp).is_none_or(|(charged, _)| charged != account) {
            self.counted.insert(fp, (account.to_string(), now));
        }
    }

    /// A message read after its pane was relaunched that was already charged to another account
    /// just before: the old account's message, read late. Both times are ours (not the
    /// message's own stamp), so this holds whatever the clocks of the processes that wrote it.
    fn counted_before(&self, relaunched: Option<Timestamp>, fp: &str, account: &str, now: Timestamp) -> Option<String> {
        let (charged, at) = self.counted.get(fp)?;
        let rel = relaunched?;
        (charged != account && rel >= *at && now.duration_since(rel) < jiff::SignedDuration::from_mins(2))
            .then(|| charged.clone())
    }

    /// The account of the claude running in `pane`, or None when it runs no claude.
    fn claude_account_of(&self, pane: &str) -> Option<String> {
        let p = self.tmux.list_panes().ok()?.into_iter().find(|p| p.id == pane)?;
        let saved = self.fleet().saved_pane(&p)?;
        saved.account.or_else(|| match links::read_pointer(self.cfg) {
            Pointer::Account(a) => Some(a),
            _ => None,
        })
    }

    /// The account a session runs on: the account of the claude process that runs it, found
    /// through the accounts' live registries. An entry whose process is gone (or is another
    /// process by now) never counts: a plain `claude` that exits after `~/.claude` was flipped
    /// leaves its entry behind in the old account's home.
    fn account_of_session(&self, session_id: &str) -> Option<String> {
        let (home, entry) = self.cfg.accounts.iter().find_map(|a| {
            claude::live_sessions(&a.home)
                .into_iter()
                .find(|l| l.session_id == session_id && l.is_current())
                .map(|l| (a, l))
        })?;
        // A claude with its own CLAUDE_CONFIG_DIR runs on that account, whatever dir holds it.
        match crate::procs::env_var(entry.pid, "CLAUDE_CONFIG_DIR").filter(|d| !d.is_empty()) {
            Some(d) if Path::new(&d) != self.cfg.claude_dir => {
                self.cfg.account_by_home(Path::new(&d)).map(|a| a.name.clone())
            }
            _ => Some(home.name.clone()),
        }
    }

    /// The screen prints a reset to the minute (seconds truncated), which [`Daemon::limit`] reads
    /// as the end of that minute; the transcript's quota line carries the exact second. When the
    /// account's recorded reset is within a minute of it, the exact one replaces it: neither too
    /// early (the limit met again) nor later than needed.
    fn refine_reset(&self, account: Option<String>, exact: Timestamp) {
        let Some(account) = account else { return };
        let mut refined = None;
        let minute = jiff::SignedDuration::from_secs(61);
        let now = self.clock.now();
        let _ = self.store.update(|s| {
            let a = s.account_mut(&account);
            let Some(old) = a.exhausted_until else { return Ok(()) };
            if old == exact || exact.duration_since(old).abs() >= minute {
                return Ok(());
            }
            a.exhausted_until = Some(exact);
            refined = Some(old);
            if let Some(w) = s.waiting.as_mut()
                && w.account == account
                && w.until == old
            {
                w.until = exact;
            }
            crate::swap::schedule_return(self.cfg, s, now);
            Ok(())
        });
        if let Some(old) = refined {
            self.events.emit(
                "reset_refined",
                &format!("{account} resets at {} (the screen said {})", fmt_utc(exact), fmt_utc(old)),
                json!({"account": account, "until": fmt_utc(exact)}),
            );
        }
    }

    /// New lines of a transcript: API-error lines are limit messages with an exact session.
    fn read_transcript(&mut self, path: &Path) {
        let first_sight = !self.transcripts.contains_key(path);
        let offset = *self.transcripts.get(path).unwrap_or(&0);
        let Ok(mut f) = File::open(path) else { return };
        let len = f.metadata().map(|m| m.len()).unwrap_or(0);
        let offset = if len < offset { 0 } else { offset };
        if f.seek(SeekFrom::Start(offset)).is_err() {
            return;
        }
        let mut buf = Vec::new();
        let _ = f.by_ref().take(READ_MAX).read_to_end(&mut buf);
        // Only whole lines; a partial last line is read again next time.
        let end = buf.iter().rposition(|b| *b == b'\n').map(|i| i + 1).unwrap_or(0);
        self.transcripts.insert(path.to_path_buf(), offset + end as u64);
        self.read_transcripts.insert(path.to_path_buf());
        self.progress_dirty |= end > 0;
        let mut found = false;
        let mut limits = Vec::new();
        let now = self.clock.now();
        let local = self.clock.local_zone();
        for line in buf[..end].split(|b| *b == b'\n') {
            let Ok(line) = std::str::from_utf8(line) else { continue };
            let Some(err) = claude::parse_transcript_line(line) else { continue };
            let found_here = with_structured(&err, self.detector.scan_text(&err.text, now, &local));
            // The exact reset refines the account's even when this copy is old news (read after
            // its pane was relaunched, or already counted from the screen).
            let exact = err.resets_at.and_then(|s| Timestamp::from_second(s).ok());
            if let (Some(exact), Some(d)) = (exact, found_here.iter().find(|d| d.kind == Kind::Exhausted)) {
                let charged = self.counted.get(&d.fingerprint()).map(|(a, _)| a.clone());
                self.refine_reset(charged.or_else(|| self.account_of_session(&err.session_id)), exact);
            }
            // History copied into a new file (older Claude versions on resume) is not news.
            let ts: Option<Timestamp> = err.timestamp.as_deref().and_then(|t| t.parse().ok());
            if first_sight && ts.is_some_and(|t| t < self.started) {
                continue;
            }
            // The pane showing this session: the two sources share its seen-set, so one message
            // counts once, and an error older than the pane's relaunch belongs to the old account.
            let st = self.store.load().unwrap_or_default();
            let pane = st
                .panes
                .iter()
                .find(|(_, r)| r.session_id.as_deref() == Some(err.session_id.as_str()))
                .map(|(id, r)| (id.clone(), r.relaunched_at));
            if let (Some(t), Some((_, Some(rel)))) = (ts, &pane)
                && t < *rel
            {
                continue;
            }
            for d in found_here {
                found |= matches!(d.kind, Kind::Exhausted | Kind::Auth);
                let fp = d.fingerprint();
                if !self.session_seen.insert((err.session_id.clone(), fp.clone())) {
                    continue;
                }
                if let Some((id, _)) = &pane
                    && let Some(w) = self.panes.get_mut(id)
                {
                    if w.seen.contains_key(&fp) {
                        continue;
                    }
                    w.seen.insert(fp, now.checked_add(SEEN_TTL).unwrap_or(now));
                }
                let fields = json!({"session_id": err.session_id, "kind": d.kind, "limit": d.limit, "resets_at": d.resets_at.map(fmt_utc), "text": d.text, "source": "transcript"});
                if !matches!(d.kind, Kind::Exhausted | Kind::Auth) {
                    self.events.emit(
                        if d.kind == Kind::Warning { "limit_warning" } else { "transient" },
                        &d.text,
                        fields,
                    );
                    continue;
                }
                let Some(account) = self.account_of_session(&err.session_id) else {
                    self.events.emit(
                        "ignored",
                        &format!("session {} runs on no known account: {}", err.session_id, d.text),
                        fields,
                    );
                    continue;
                };
                // Read late, after its pane was relaunched: the copy the pane log already charged
                // to the old account (the transcript's own stamp may come from another clock).
                let relaunched = pane.as_ref().and_then(|(_, rel)| *rel);
                if let Some(charged) = self.counted_before(relaunched, &d.fingerprint(), &account, now) {
                    let msg = format!(
                        "session {}: written before its relaunch (already counted for {charged}): {}",
                        err.session_id, d.text
                    );
                    self.events.emit("ignored", &msg, fields);
                    continue;
                }
                self.charge(d.fingerprint(), &account, now);
                self.events.emit("detected", &format!("session {} ({account}): {}", err.session_id, d.text), fields);
                let exact = exact.is_some() && d.kind == Kind::Exhausted;
                limits.push(self.limit(account, d, exact));
            }
        }
        if found {
            self.act(limits);
        }
    }

    fn read_inbox(&mut self) {
        let Ok(rd) = std::fs::read_dir(self.server.inbox()) else { return };
        let mut files: Vec<PathBuf> = rd
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|e| e == "json"))
            .collect();
        files.sort();
        for f in files {
            let msg = std::fs::read(&f).ok().and_then(|b| serde_json::from_slice::<Inbox>(&b).ok());
            // Removed once handled: a daemon killed meanwhile handles it again (idempotent).
            match msg {
                Some(Inbox::Rescan) => self.rescan(),
                Some(Inbox::Detection { pane, session_id, config_dir, text }) => {
                    let now = self.clock.now();
                    let local = self.clock.local_zone();
                    let account = config_dir
                        .as_deref()
                        .and_then(|d| self.cfg.account_by_home(d).map(|a| a.name.clone()))
                        .or_else(|| session_id.as_deref().and_then(|s| self.account_of_session(s)))
                        .or_else(|| pane.as_deref().and_then(|p| self.claude_account_of(p)));
                    for d in self.detector.scan_text(&text, now, &local) {
                        let key = (session_id.clone().or(pane.clone()).unwrap_or_default(), d.fingerprint());
                        if !matches!(d.kind, Kind::Exhausted | Kind::Auth) || !self.session_seen.insert(key) {
                            continue;
                        }
                        let Some(account) = account.clone() else { continue };
                        self.events.emit(
                            "detected",
                            &format!("hook ({account}): {}", d.text),
                            json!({"pane": pane, "session_id": session_id, "source": "hook"}),
                        );
                        let auth = d.kind == Kind::Auth;
                        self.engine_run(Trigger::Limit { account, until: d.resets_at, text: d.text, auth });
                    }
                }
                None => {}
            }
            let _ = std::fs::remove_file(&f);
        }
    }

    /// When the loop must wake next: the earliest timer in the state, capped at one tick.
    fn next_wake(&self) -> Duration {
        let now = self.clock.now();
        let Ok(st) = self.store.load() else { return TICK };
        let mut at: Vec<Timestamp> = Vec::new();
        if let Some(r) = &st.return_to {
            at.push(r.at);
        }
        if let Some(w) = &st.waiting {
            at.push(w.until);
        }
        if let Some(l) = &st.last_swap {
            at.push(l.at.checked_add(self.cfg.swap.cooldown).unwrap_or(l.at));
        }
        let soonest = at.into_iter().filter(|t| *t > now).min();
        let due = soonest.map(|t| Duration::from_millis((t.as_millisecond() - now.as_millisecond()).max(0) as u64 + 5));
        due.map_or(TICK, |d| d.min(TICK))
    }

    /// Timers: the return, the end of waiting, a cooldown that held a needed swap.
    fn timers(&mut self) {
        let now = self.clock.now();
        let Ok(st) = self.store.load() else { return };
        if st.waiting.as_ref().is_some_and(|w| w.until <= now) {
            self.engine_run(Trigger::WaitOver);
        } else if st.return_to.as_ref().is_some_and(|r| r.at <= now) {
            self.engine_run(Trigger::Return);
        } else {
            let active = st.active.clone().unwrap_or_else(|| self.cfg.primary.clone());
            let a = st.account(&active);
            if st.swap.is_none() && (a.needs_login || a.exhausted_at(now)) && st.waiting.is_none() {
                self.engine_run(Trigger::Reconcile);
            }
        }
        self.push_status();
    }

    fn server_alive(&self) -> bool {
        match self.server_pid {
            Some(pid) => procs::is_alive(pid),
            None => self.tmux.server_running(),
        }
    }

    /// What a daemon before this one left: its progress, a swap it was killed in, the limits it
    /// found and had not acted on, and everything printed while no daemon read.
    fn take_over(&mut self) {
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
            while self.read_log(&pane) {}
        }
        let unread: Vec<PathBuf> = self
            .read_transcripts
            .iter()
            .filter(|t| std::fs::metadata(t).is_ok_and(|m| m.len() > self.transcripts.get(*t).copied().unwrap_or(0)))
            .cloned()
            .collect();
        for t in unread {
            self.read_transcript(&t);
        }
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

    fn stop(&mut self, why: &str) -> Stop {
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

    /// The config file changed: true when it is valid and different (reload). Invalid, it is
    /// reported once per version and the running config stays.
    fn config_changed(&mut self, seen: &mut Option<Vec<u8>>) -> bool {
        let file = &self.paths.config_file;
        let now = std::fs::read(file).ok();
        if now.is_none() || now == *seen {
            return false; // removed (an editor's save in progress, or gone: keep running) or unchanged
        }
        *seen = now;
        match crate::config::load(file, &self.paths.home) {
            Ok(_) => true,
            Err(e) => {
                let msg = format!("{} has errors; the daemon keeps its running config: {e:#}", file.display());
                self.events.emit("warning", &msg, json!({}));
                let _ = self.tmux.display_message(&format!("claude-failover: {msg}"));
                false
            }
        }
    }

    /// The directory transcripts land in: the shared `projects` target.
    fn projects_root(&self) -> Option<PathBuf> {
        self.cfg.shared.iter().find(|l| l.name == "projects").map(|l| l.target.clone()).filter(|p| p.is_dir())
    }

    /// Existing transcripts are read from their current end: only new lines are news.
    fn prime_transcripts(&mut self, root: &Path) {
        let mut stack = vec![root.to_path_buf()];
        let mut budget = 100_000usize;
        while let Some(dir) = stack.pop() {
            let Ok(rd) = std::fs::read_dir(&dir) else { continue };
            for e in rd.flatten() {
                budget = budget.saturating_sub(1);
                if budget == 0 {
                    return;
                }
                let p = e.path();
                match e.file_type() {
                    Ok(t) if t.is_dir() => stack.push(p),
                    Ok(t) if t.is_file() && p.extension().is_some_and(|x| x == "jsonl") => {
                        let len = e.metadata().map(|m| m.len()).unwrap_or(0);
                        self.transcripts.insert(p, len);
                    }
                    _ => {}
                }
            }
        }
    }
}

/// Send `Quit` when process `pid` (the tmux server) exits: a pidfd becomes readable then.
/// tmux does not remove its socket on exit, so the socket cannot tell us.
fn watch_exit(pid: u32) -> bool {
    static WATCHING: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
    *WATCHING.get_or_init(|| watch_exit_thread(pid))
}

fn watch_exit_thread(pid: u32) -> bool {
    // SAFETY: pidfd_open(2) with a pid and no flags returns a new fd or -1; nothing is shared.
    let fd = unsafe { libc::syscall(libc::SYS_pidfd_open, pid as libc::pid_t, 0) } as libc::c_int;
    if fd < 0 {
        return false;
    }
    std::thread::spawn(move || {
        let mut p = libc::pollfd { fd, events: libc::POLLIN, revents: 0 };
        loop {
            // SAFETY: one valid pollfd, owned by this thread.
            let r = unsafe { libc::poll(&mut p, 1, -1) };
            if r > 0 {
                break;
            }
            if r < 0 && std::io::Error::last_os_error().kind() != std::io::ErrorKind::Interrupted {
                return;
            }
        }
        quit("the tmux server is gone");
    });
    true
}

/// Take the per-server daemon lock; `None` when another daemon holds it.
pub fn lock(server: &Server) -> Result<Option<File>> {
    crate::atomic::private_dir(&server.dir)?;
    let f = crate::atomic::open_lock(&server.lock_file())?;
    // A daemon killed a moment ago can leave its lock held for a few milliseconds more (a child
    // it was starting holds a copy of the descriptor until it execs). When the daemon the pid
    // file names is gone, wait for the lock rather than leave the server unwatched.
    let deadline = Instant::now() + LOCK_WAIT;
    loop {
        match f.try_lock() {
            Ok(()) => {
                crate::atomic::write_atomic(&server.pid_file(), std::process::id().to_string().as_bytes(), 0o600)?;
                return Ok(Some(f));
            }
            Err(std::fs::TryLockError::WouldBlock) => {
                if server.daemon_pid().is_some() || Instant::now() >= deadline {
                    return Ok(None);
                }
                std::thread::sleep(Duration::from_millis(10));
            }
            Err(std::fs::TryLockError::Error(e)) => return Err(e).context("cannot take the daemon lock"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn server(dir: &Path) -> Server {
        Server { socket: "/tmp/test-sock".into(), dir: dir.join("server") }
    }

    fn dead_pid() -> u32 {
        let mut c = std::process::Command::new("true").spawn().unwrap();
        let pid = c.id();
        c.wait().unwrap();
        pid
    }

    #[test]
    fn a_live_daemon_keeps_the_lock_and_a_gone_ones_lock_is_waited_for() {
        let tmp = tempfile::tempdir().unwrap();
        let s = server(tmp.path());
        let held = lock(&s).unwrap().expect("first daemon takes the lock");
        // The pid file names us, alive: a second daemon gives up at once.
        let t = Instant::now();
        assert!(lock(&s).unwrap().is_none());
        assert!(t.elapsed() < Duration::from_secs(1));

        // The daemon is gone (its pid is dead) but something still holds its lock for a moment,
        // as a child it was spawning does: the next daemon waits and gets it.
        std::fs::write(s.pid_file(), dead_pid().to_string()).unwrap();
        let release = std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(200));
            drop(held);
        });
        let next = lock(&s).unwrap();
        release.join().unwrap();
        assert!(next.is_some(), "the lock of a daemon that is gone is taken once released");
        assert_eq!(std::fs::read_to_string(s.pid_file()).unwrap(), std::process::id().to_string());
    }

    fn quota_line(text: &str, extra: &str) -> claude::ApiError {
        let line = format!(
            r#"{{"type":"assistant","isApiErrorMessage":true,"sessionId":"0b5e7c1a-3f2d-4e8b-9a6c-1d2e3f4a5b6c","message":{{"content":[{{"type":"text","text":"{text}"}}]}}{extra}}}"#
        );
        claude::parse_transcript_line(&line).expect("an API error line")
    }

    #[test]
    fn structured_quota_fields_win_over_the_text() {
        let det = Detector::new(&[]).unwrap();
        let now: Timestamp = "2026-11-30T20:00:00Z".parse().unwrap();
        let tz = jiff::tz::TimeZone::UTC;
        let fields = r#","apiError":"usage_limit_reached","apiErrorParams":{"rate_limit_info":{"resetsAt":1796078101,"rateLimitType":"seven_day_opus"}}"#;
        // A known wording: the exact second and the claim replace what the text says.
        let e = quota_line("You've hit your 5-hour limit · resets 10:35pm (UTC)", fields);
        let d = with_structured(&e, det.scan_text(&e.text, now, &tz));
        assert_eq!(d.len(), 1);
        assert_eq!(d[0].resets_at, Timestamp::from_second(1796078101).ok());
        assert_eq!(d[0].limit.as_deref(), Some("opus"));
        // A wording nobody has seen: still a limit, from the fields alone.
        let e = quota_line("Quota gone until later", fields);
        let d = with_structured(&e, det.scan_text(&e.text, now, &tz));
        assert_eq!(d.len(), 1);
        assert_eq!(d[0].kind, Kind::Exhausted);
        assert_eq!(d[0].text, "Quota gone until later");
        // Without the fields (older builds, a transient error): the text alone decides.
        let e = quota_line("API Error: 529 Overloaded", r#","error":"server_error""#);
        assert!(with_structured(&e, det.scan_text(&e.text, now, &tz)).iter().all(|d| d.kind != Kind::Exhausted));
    }
}
