//! A tmux server's place in the state dir, and the message box into its daemon. This sits below
//! both the daemon and the hooks (and the CLI, the supervisor, `status`): they all need to find a
//! server's files, and the hooks and the CLI post into its inbox, without knowing the daemon.

use std::path::PathBuf;

use anyhow::{Context, Result};
use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use crate::paths::Paths;
use crate::procs;
use crate::tmux::TmuxCli;

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
                // What a bare `tmux` reaches, computed as tmux does (`$TMUX_TMPDIR` or /tmp,
                // `tmux-<uid>/default`): no tmux process per look (`status` runs on redraws).
                None => Some(default_socket())
                    .filter(|p| std::path::Path::new(p).exists())
                    .context("no tmux server to attach to (start tmux first, or pass --socket)")?,
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
    /// Held by the supervisor for its whole life, also while it waits for a config or between
    /// two workers: the self-heal never starts a second one beside it.
    pub fn supervisor_lock_file(&self) -> PathBuf {
        self.dir.join("supervisor.lock")
    }
    /// The supervisor's pid, for `uninstall` (which stops only this server's daemon).
    pub fn supervisor_pid_file(&self) -> PathBuf {
        self.dir.join("supervisor.pid")
    }
    /// Written when the supervisor gives up on a worker that keeps dying; the self-heal leaves
    /// the server alone while it is younger than [`GIVE_UP_HOLD`].
    pub fn gave_up_file(&self) -> PathBuf {
        self.dir.join("gave-up")
    }
    /// How long ago the supervisor last gave up, by the wall clock (a give-up survives a
    /// suspend, as the crashes that caused it would).
    pub fn gave_up_age(&self) -> Option<std::time::Duration> {
        let at = std::fs::symlink_metadata(self.gave_up_file()).ok()?.modified().ok()?;
        Some(std::time::SystemTime::now().duration_since(at).unwrap_or_default())
    }
    /// Whether a supervisor is alive for this server (it holds its lock).
    pub fn supervised(&self) -> bool {
        lock_held(&self.supervisor_lock_file())
    }

    /// Whether a daemon watches this server, without disturbing one: `Some(Some(pid))` a live
    /// claude-failover daemon is named by the pid file (a pid reused after a crash does not
    /// count); `Some(None)` its lock is held (a pid file stale or missing); `None` no daemon. Reads
    /// only; the lock probe (a shared, non-blocking flock released at once) runs only when the
    /// pid file names no live daemon, so a daemon that is starting just retries (it waits for the
    /// lock while no live pid is recorded). For `status`, `doctor`, the supervisor and the hooks.
    pub fn running(&self) -> Option<Option<u32>> {
        if let Some(pid) = self.daemon_pid() {
            let argv = procs::cmdline(pid).unwrap_or_default();
            let ours = argv.first().is_some_and(|a0| a0.ends_with("claude-failover"));
            if ours && argv.iter().skip(1).any(|a| a == "daemon") {
                return Some(Some(pid));
            }
        }
        lock_held(&self.lock_file()).then(|| self.daemon_pid())
    }
}

/// The socket a bare `tmux` uses: `$TMUX_TMPDIR` (else `/tmp`), `tmux-<uid>/default`.
pub fn default_socket() -> String {
    let dir = std::env::var("TMUX_TMPDIR").ok().filter(|d| !d.is_empty()).unwrap_or_else(|| "/tmp".into());
    // SAFETY: getuid(2) has no failure mode and touches no memory.
    let uid = unsafe { libc::getuid() };
    format!("{}/tmux-{uid}/default", dir.trim_end_matches('/'))
}

/// How long a give-up holds: the self-heal undoes one at most this often.
pub const GIVE_UP_HOLD: std::time::Duration = std::time::Duration::from_secs(600);

/// Whether someone holds the flock on `path`: a shared, non-blocking probe, released at once.
fn lock_held(path: &std::path::Path) -> bool {
    use std::os::unix::fs::OpenOptionsExt;
    let Ok(f) = std::fs::OpenOptions::new().read(true).custom_flags(libc::O_NOFOLLOW | libc::O_CLOEXEC).open(path)
    else {
        return false;
    };
    matches!(f.try_lock_shared(), Err(std::fs::TryLockError::WouldBlock))
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
