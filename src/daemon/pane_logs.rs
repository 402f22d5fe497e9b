//! Source: the pane logs. `pipe-pane` copies each Claude pane's output through our own writer
//! ([`pipe_log`], capped and rotated) into `<server>/panes/pane-<id>.log`; the reader keeps an
//! offset per log, follows a rotation without losing the old file's tail, and turns new bytes into
//! detections, each with the account it was printed on when that is not the pane's current one
//! (the old claude's output up to its exit hint, after a relaunch).

use std::collections::HashMap;
use std::fs::File;
use std::io::Read;
use std::os::unix::fs::{MetadataExt, OpenOptionsExt};
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use jiff::Timestamp;

use super::Daemon;
use super::attribution::{Observation, Seen};
use super::progress::PaneProgress;
use crate::detect::{Detection, Detector, Stream};
use crate::server::Server;
use crate::tmux::{PaneInfo, Tmux, shell_quote, valid_pane_id};

/// Pane logs are truncated by their writer past this size.
pub const LOG_CAP: u64 = 8 << 20;
/// How much of a log one batch reads at most (the rest comes in the next batch).
const READ_MAX: u64 = 1 << 20;
/// How long a relaunched pane's output is charged to the old account when no exit hint comes.
const HINT_WAIT: jiff::SignedDuration = jiff::SignedDuration::from_secs(60);

/// The shell command tmux runs for `pipe-pane`: our own writer, which caps the log and never
/// follows a symlink planted at its path. Both parts are quoted; neither comes from a pane.
pub fn pipe_command(bin: &Path, socket: &str, log: &Path) -> String {
    format!(
        "exec {} --socket {} pipe-log {}",
        shell_quote(&bin.to_string_lossy()),
        shell_quote(socket),
        shell_quote(&log.to_string_lossy())
    )
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
    tmux.pipe_pane(&pane.id, Some(&pipe_command(&bin, &server.socket, &log)))?;
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

/// How often a pane's writer looks whether a daemon still reads it.
const LIVENESS_EVERY: std::time::Duration = std::time::Duration::from_secs(5);

/// `pipe-log FILE`: copy stdin to FILE (O_APPEND, O_NOFOLLOW, 0600), rotating it at the cap.
///
/// It is also a watchdog that costs nothing while the pane is quiet: a pane that prints (a claude
/// at work, the one that may hit a limit next) looks at most every few seconds whether a daemon
/// reads its log, and when none does, asks for one (`daemon --ensure`, which starts it unless a
/// recent give-up holds). That covers a daemon killed while no client draws the status line.
pub fn pipe_log(file: &Path, socket: Option<&str>) -> Result<()> {
    let server = socket.and_then(|s| {
        let dir = file.parent()?.parent()?.to_path_buf();
        Some(Server { socket: s.to_string(), dir })
    });
    let mut looked = std::time::Instant::now();
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
        if let Some(server) = &server
            && looked.elapsed() >= LIVENESS_EVERY
        {
            looked = std::time::Instant::now();
            if server.running().is_none() && !server.supervised() {
                ask_for_a_daemon(server);
            }
        }
    }
}

/// `daemon --ensure` in the background, reaped by a thread of its own: the pane's output never
/// waits for it.
fn ask_for_a_daemon(server: &Server) {
    let Ok(exe) = std::env::current_exe() else { return };
    let child = std::process::Command::new(exe)
        .args(["--socket", &server.socket, "daemon", "--ensure"])
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn();
    if let Ok(mut c) = child {
        std::thread::spawn(move || c.wait());
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

pub(super) struct PaneWatch {
    /// The log's inode and how far it has been read.
    pub(super) ino: u64,
    pub(super) offset: u64,
    pub(super) stream: Stream,
    pub(super) seen: HashMap<String, Timestamp>,
    /// Set when a swap relaunched this pane: until the old claude's exit hint ("Resume this
    /// session with:") is read, what the log holds was printed on this account.
    pub(super) before_relaunch: Option<(String, Timestamp)>,
    /// The log, held open: when the writer rotates it, what was written to the old file after
    /// the last read is still read, and its inode cannot be reused meanwhile.
    pub(super) file: Option<File>,
}

impl PaneWatch {
    /// Carry on from a killed daemon's progress when it is about this very file; otherwise from
    /// `fresh` (the end of the log for a pane attached now, the start for a log found unread).
    pub(super) fn resume(saved: Option<PaneProgress>, ino: u64, len: u64, fresh: u64, now: Timestamp) -> PaneWatch {
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
pub(super) fn drain(
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

/// What the old claude prints as it exits: the boundary between two accounts in a pane's log.
pub(super) const EXIT_HINT: &[u8] = b"Resume this session with";

impl Daemon<'_> {
    /// New bytes of one pane's log → observations, and whether the read stopped at its budget
    /// with more to read.
    pub(super) fn read_log(&mut self, pane: &str) -> (Vec<Observation>, bool) {
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
            let Some((ino, f)) = &opened else { return (Vec::new(), false) };
            if !valid_pane_id(pane) {
                return (Vec::new(), false);
            }
            let len = f.metadata().map(|m| m.len()).unwrap_or(0);
            self.panes.insert(pane.to_string(), PaneWatch::resume(self.restored.remove(pane), *ino, len, 0, now));
        }
        let local = self.clock.local_zone();
        let mut found: Vec<(Detection, Option<String>)> = Vec::new();
        let mut budget = READ_MAX;
        {
            let Some(w) = self.panes.get_mut(pane) else { return (Vec::new(), false) };
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
        let seen_in = || Seen::Pane(pane.to_string());
        let obs = found
            .into_iter()
            .map(|(detection, printed_on)| Observation { seen_in: seen_in(), detection, printed_on, exact: false })
            .collect();
        (obs, budget == 0)
    }
}
