//! `claude-failover daemon` as tmux starts it: a small supervisor that runs the daemon proper
//! (`daemon --worker`) as its child and starts it again when it dies, so a crash costs a second
//! of watching, not the rest of the day.
//!
//! The invariant a newcomer could break: the status line never says "all well" while nothing
//! watches. While a worker is being restarted, and after the supervisor gives up (too many crashes
//! in a row: a bounded loop, not a hot one), it pushes the `✗daemon` segment itself; a worker that
//! stops while the server lives pushes it too (`Daemon::stop`). The worker dies with its
//! supervisor (`PR_SET_PDEATHSIG`), so there is never a daemon nobody can see.

use std::path::Path;
use std::process::{Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use serde_json::json;

use crate::config::Config;
use crate::events::Sink;
use crate::links::{self, Pointer};
use crate::server::Server;
use crate::status::{self, TmuxStyle};
use crate::tmux::{Tmux, TmuxCli};

/// The environment variable naming the supervisor, for its worker.
pub const SUPERVISOR_ENV: &str = "CLAUDE_FAILOVER_SUPERVISOR";
/// This many crashes within [`CRASH_WINDOW`] and the supervisor gives up, visibly.
const MAX_CRASHES: usize = 5;
const CRASH_WINDOW: Duration = Duration::from_secs(600);

/// How long to wait before restart number `n` (1-based): 1 s, 2 s, 4 s, … at most 30 s.
pub fn backoff(n: usize) -> Duration {
    Duration::from_secs((1u64 << n.saturating_sub(1).min(5)).min(30))
}

/// Run workers until one exits cleanly (the server is gone, a stop was asked, another daemon
/// already watches) or too many crash. Without a valid config (before `init`, or a broken edit)
/// it waits for the file to change rather than start a worker that cannot run.
pub fn run(
    server: &Server,
    tmux: &TmuxCli,
    config_file: &Path,
    load: &dyn Fn() -> Result<Config>,
    events: &dyn Sink,
) -> Result<u8> {
    let mut replaced = false;
    if let Some(running) = server.running() {
        match running {
            // An update (`prefix + U`, `scripts/install`) or a rebuild left the old binary
            // running: the plugin's reload replaces it, so the new code is what watches.
            Some(pid) if !runs_this_binary(pid) => {
                replace(server, pid, events);
                replaced = true;
            }
            _ => {
                println!("a daemon already watches tmux server {}", server.socket);
                return Ok(0);
            }
        }
    }
    // One supervisor per server, also while it waits for a config or between two workers (the
    // self-heal of `daemon --ensure` looks at this lock). A replaced one lets go as it exits.
    let Some(_held) = supervisor_lock(server, if replaced { Duration::from_secs(10) } else { Duration::ZERO })? else {
        println!("a daemon already watches tmux server {} (its supervisor is alive)", server.socket);
        return Ok(0);
    };
    // Started (by the user, the plugin or the self-heal): an earlier give-up no longer holds.
    let _ = std::fs::remove_file(server.gave_up_file());
    let _ =
        crate::atomic::write_atomic(&server.supervisor_pid_file(), std::process::id().to_string().as_bytes(), 0o600);
    let style = TmuxStyle::from_options(&tmux.plugin_options());
    let config = loop {
        // What the file was when it failed to load: a change made before the watch below is in
        // place (an `init` right after tmux started) is then still seen.
        let seen = stamp(config_file);
        match load() {
            Ok(c) => break c,
            Err(e) => {
                events.emit(
                    "warning",
                    &format!(
                        "no daemon until the config loads (waiting for {} to change): {e:#}",
                        config_file.display()
                    ),
                    json!({}),
                );
                let _ = tmux.set_user_option("@claude-failover-status", &status::render_no_config(&style, config_file));
                if !wait_for_change(config_file, seen, tmux) {
                    return Ok(0); // the server is gone
                }
            }
        }
    };
    let cfg = Some(&config);
    let exe = std::env::current_exe().context("cannot find this program's own path")?;
    let mut args: Vec<std::ffi::OsString> = std::env::args_os().skip(1).collect();
    args.push("--worker".into());
    let style = TmuxStyle::from_options(&tmux.plugin_options());
    let active = || match cfg.map(links::read_pointer) {
        Some(Pointer::Account(a)) => a,
        _ => cfg.map(|c| c.primary.clone()).unwrap_or_else(|| "?".into()),
    };
    let mut crashes: Vec<Instant> = Vec::new();
    loop {
        let status = spawn_worker(&exe, &args)?;
        if status.success() {
            return Ok(0);
        }
        if !tmux.server_running() {
            return Ok(0); // it died with its server: nothing left to watch
        }
        crashes.retain(|t| t.elapsed() < CRASH_WINDOW);
        crashes.push(Instant::now());
        let how = describe(status);
        if crashes.len() >= MAX_CRASHES {
            let msg = format!(
                "the daemon died {} times in {} minutes (last: {how}); not restarting it. See 'claude-failover events', then start it again: reload tmux's config, or open a new pane (or run 'claude-failover daemon' inside tmux)",
                crashes.len(),
                CRASH_WINDOW.as_secs() / 60
            );
            events.emit("daemon_gave_up", &msg, json!({"crashes": crashes.len()}));
            // The self-heal leaves the server alone for a while (`server::GIVE_UP_HOLD`).
            let _ = crate::atomic::write_atomic(
                &server.gave_up_file(),
                crate::clock::fmt_utc(jiff::Timestamp::now()).as_bytes(),
                0o600,
            );
            let _ = tmux
                .set_user_option("@claude-failover-status", &status::render_no_daemon(&active(), &style, " (gave up)"));
            let _ = tmux.display_message(&format!("claude-failover: {msg}"));
            return Ok(1);
        }
        let wait = backoff(crashes.len());
        events.emit(
            "daemon_crashed",
            &format!("the daemon died ({how}); starting it again in {} s", wait.as_secs()),
            json!({"crashes": crashes.len()}),
        );
        let _ = tmux
            .set_user_option("@claude-failover-status", &status::render_no_daemon(&active(), &style, " restarting"));
        std::thread::sleep(wait);
    }
}

/// Take the supervisor's lock, waiting up to `wait` for a supervisor that is going away.
fn supervisor_lock(server: &Server, wait: Duration) -> Result<Option<std::fs::File>> {
    crate::atomic::private_dir(&server.dir)?;
    let f = crate::atomic::open_lock(&server.supervisor_lock_file())?;
    let deadline = Instant::now() + wait;
    loop {
        match f.try_lock() {
            Ok(()) => return Ok(Some(f)),
            Err(std::fs::TryLockError::WouldBlock) if Instant::now() < deadline => {
                std::thread::sleep(Duration::from_millis(20))
            }
            Err(std::fs::TryLockError::WouldBlock) => return Ok(None),
            Err(std::fs::TryLockError::Error(e)) => return Err(e).context("cannot take the supervisor lock"),
        }
    }
}

/// Whether process `pid` runs this very executable file (same inode), not an older build.
fn runs_this_binary(pid: u32) -> bool {
    use std::os::unix::fs::MetadataExt;
    let theirs = std::fs::metadata(format!("/proc/{pid}/exe"));
    let ours = std::env::current_exe().and_then(std::fs::metadata);
    match (theirs, ours) {
        (Ok(t), Ok(o)) => (t.dev(), t.ino()) == (o.dev(), o.ino()),
        _ => true, // cannot tell: leave it running
    }
}

/// Stop the daemon `pid` runs (its supervisor, then it) and wait until it is gone.
fn replace(server: &Server, pid: u32, events: &dyn Sink) {
    events.emit(
        "daemon_replaced",
        &format!("a daemon of another build (pid {pid}) watches tmux server {}; replacing it", server.socket),
        json!({"pid": pid}),
    );
    let parent = crate::procs::parent(pid).filter(|pp| {
        crate::procs::cmdline(*pp)
            .is_some_and(|a| a.iter().any(|x| x == "daemon") && !a.iter().any(|x| x == "--worker"))
    });
    for p in parent.into_iter().chain([pid]) {
        let _ = crate::procs::terminate(p);
    }
    let end = Instant::now() + Duration::from_secs(10);
    while server.running().is_some() && Instant::now() < end {
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Block until something changes where `file` is (or would be), or the tmux server is gone
/// (checked every 30 s). Returns false when the server is gone.
/// What tells a file changed: whether it is there, its length and its modification time.
type Stamp = Option<(u64, std::time::SystemTime)>;

fn stamp(file: &Path) -> Stamp {
    std::fs::metadata(file).ok().map(|m| (m.len(), m.modified().unwrap_or(std::time::UNIX_EPOCH)))
}

fn wait_for_change(file: &Path, seen: Stamp, tmux: &TmuxCli) -> bool {
    use notify::{RecursiveMode, Watcher};
    let (tx, rx) = std::sync::mpsc::channel();
    let watcher = notify::recommended_watcher(move |e: notify::Result<notify::Event>| {
        if e.is_ok() {
            let _ = tx.send(());
        }
    });
    let Ok(mut watcher) = watcher else { return wait_a_tick(tmux) };
    // The file's dir, or the nearest one that exists (`init` makes the dir too).
    let Some(dir) = file.ancestors().skip(1).find(|d| d.is_dir()) else { return wait_a_tick(tmux) };
    if watcher.watch(dir, RecursiveMode::NonRecursive).is_err() {
        return wait_a_tick(tmux);
    }
    // Changed while the watch was being set up: no event will come for that.
    if stamp(file) != seen {
        return true;
    }
    loop {
        match rx.recv_timeout(Duration::from_secs(30)) {
            // A burst of events (an editor's save): let it settle before reading the file.
            Ok(()) => {
                std::thread::sleep(Duration::from_millis(100));
                while rx.try_recv().is_ok() {}
                return true;
            }
            Err(_) if !tmux.server_running() => return false,
            Err(_) if stamp(file) != seen => return true,
            Err(_) => {}
        }
    }
}

fn wait_a_tick(tmux: &TmuxCli) -> bool {
    std::thread::sleep(Duration::from_secs(30));
    tmux.server_running()
}

fn spawn_worker(exe: &Path, args: &[std::ffi::OsString]) -> Result<ExitStatus> {
    Command::new(exe)
        .args(args)
        .env(SUPERVISOR_ENV, std::process::id().to_string())
        .stdin(Stdio::null())
        .status()
        .with_context(|| format!("cannot start {}", exe.display()))
}

fn describe(status: ExitStatus) -> String {
    use std::os::unix::process::ExitStatusExt;
    match (status.code(), status.signal()) {
        (Some(c), _) => format!("exit code {c}"),
        (None, Some(s)) => format!("signal {s}"),
        _ => "unknown cause".into(),
    }
}

/// In the worker: die with the supervisor (SIGTERM, so it stops cleanly and says so), and
/// notice a supervisor already gone before this call.
pub fn bind_to_supervisor() {
    let Some(sup) = std::env::var(SUPERVISOR_ENV).ok().and_then(|v| v.parse::<i32>().ok()) else { return };
    // SAFETY: prctl(PR_SET_PDEATHSIG) and getppid(2) take plain integers and touch no memory.
    unsafe {
        libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGTERM as libc::c_ulong);
        if libc::getppid() != sup {
            libc::raise(libc::SIGTERM);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn restarts_back_off_and_are_bounded() {
        assert_eq!(backoff(1), Duration::from_secs(1));
        assert_eq!(backoff(2), Duration::from_secs(2));
        assert_eq!(backoff(4), Duration::from_secs(8));
        assert_eq!(backoff(50), Duration::from_secs(30));
        // The sum of the waits before giving up is bounded: no hot loop.
        let total: Duration = (1..MAX_CRASHES).map(backoff).sum();
        assert!(total <= Duration::from_secs(20), "{total:?}");
    }
}
