//! The daemon's life around its loop: one lock per server, the signals and the tmux server's exit
//! turned into quits on the loop's channel (a config reload runs a new daemon in the same process,
//! and the threads stay, one each).

use std::fs::File;
use std::sync::Mutex;
use std::sync::mpsc;
use std::time::{Duration, Instant};

use anyhow::{Context, Result};

use crate::server::Server;

/// How long a new daemon waits for the lock of one that is gone.
const LOCK_WAIT: Duration = Duration::from_secs(3);

pub(super) enum Msg {
    Fs(notify::Event),
    Quit(&'static str),
}

/// The running daemon's channel, for the threads that live as long as the process (signals, the
/// server's exit): a config reload runs a new daemon in the same process, and they stay, one
/// each. A quit that finds no daemon listening (between two) waits here for the next one.
static CURRENT: Mutex<(Option<mpsc::Sender<Msg>>, Option<&'static str>)> = Mutex::new((None, None));

pub(super) fn listen(tx: mpsc::Sender<Msg>) -> Option<&'static str> {
    let mut c = CURRENT.lock().unwrap_or_else(|e| e.into_inner());
    c.0 = Some(tx);
    c.1.take()
}

/// Stop listening: a quit sent from now on waits for the next daemon; the first one already
/// sent to this daemon is returned.
pub(super) fn unlisten(rx: &mpsc::Receiver<Msg>) -> Option<&'static str> {
    let mut c = CURRENT.lock().unwrap_or_else(|e| e.into_inner());
    c.0 = None;
    let sent = rx.try_iter().find_map(|m| match m {
        Msg::Quit(why) => Some(why),
        Msg::Fs(_) => None,
    });
    sent.or(c.1.take())
}

pub(super) fn quit(why: &'static str) {
    let mut c = CURRENT.lock().unwrap_or_else(|e| e.into_inner());
    if c.0.as_ref().is_none_or(|tx| tx.send(Msg::Quit(why)).is_err()) {
        c.1 = Some(why);
    }
}

/// Block the signals we handle in every thread, and turn them into quits on one thread (once
/// per process).
pub(super) fn signals() {
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

/// Send `Quit` when process `pid` (the tmux server) exits: a pidfd becomes readable then.
/// tmux does not remove its socket on exit, so the socket cannot tell us.
pub(super) fn watch_exit(pid: u32) -> bool {
    static WATCHING: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
    *WATCHING.get_or_init(|| watch_exit_thread(pid))
}

pub(super) fn watch_exit_thread(pid: u32) -> bool {
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
    use std::path::Path;

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
}
