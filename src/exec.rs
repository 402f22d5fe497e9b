//! Running external programs: argv only, a deadline on every call, output captured.
//!
//! Every subprocess this tool starts (tmux, a notification command) goes through [`run`]. The
//! invariant: no shell line is ever built from data — callers pass argv, and a program that
//! hangs is killed at its deadline instead of hanging a tmux key binding or the daemon.
//! The one exception is [`spawn_passthrough`], for a command that stands in for us (the user's
//! own statusline behind ours): its output must reach our caller byte for byte, and the deadline
//! is our caller's (Claude Code kills a statusline that overruns its timeout).

use std::io::{Read, Write};
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::thread;
use std::time::Duration;

use anyhow::{Context, Result, bail};

#[derive(Debug)]
pub struct Output {
    pub status: std::process::ExitStatus,
    pub stdout: String,
    pub stderr: String,
}

/// Run `cmd` with optional stdin bytes; kill it when `timeout` passes.
pub fn run(cmd: &mut Command, stdin: Option<&[u8]>, timeout: Duration) -> Result<Output> {
    let program = cmd.get_program().to_string_lossy().into_owned();
    let mut child = cmd
        .stdin(if stdin.is_some() { Stdio::piped() } else { Stdio::null() })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .with_context(|| format!("cannot run {program} (is it installed and on PATH?)"))?;
    let pid = child.id();
    if let (Some(data), Some(mut w)) = (stdin, child.stdin.take()) {
        let data = data.to_vec();
        thread::spawn(move || {
            let _ = w.write_all(&data);
        });
    }
    let mut out = child.stdout.take();
    let mut err = child.stderr.take();
    let out_t = thread::spawn(move || {
        let mut s = Vec::new();
        if let Some(o) = out.as_mut() {
            let _ = o.read_to_end(&mut s);
        }
        s
    });
    let err_t = thread::spawn(move || {
        let mut s = Vec::new();
        if let Some(e) = err.as_mut() {
            let _ = e.read_to_end(&mut s);
        }
        s
    });
    let (tx, rx) = mpsc::channel();
    thread::spawn(move || {
        let _ = tx.send(child.wait());
    });
    let status = match rx.recv_timeout(timeout) {
        Ok(r) => r.with_context(|| format!("waiting for {program}"))?,
        Err(_) => {
            // SAFETY: plain kill(2) on the pid we spawned and have not reaped yet.
            unsafe { libc::kill(pid as libc::pid_t, libc::SIGKILL) };
            bail!("{program} did not answer within {} ms and was stopped", timeout.as_millis());
        }
    };
    let stdout = String::from_utf8_lossy(&out_t.join().unwrap_or_default()).into_owned();
    let stderr = String::from_utf8_lossy(&err_t.join().unwrap_or_default()).into_owned();
    Ok(Output { status, stdout, stderr })
}

/// Start `cmd` with our stdout and stderr (its output goes straight to whoever reads ours,
/// unbuffered and unchanged) and `stdin` as its whole input. It gets SIGTERM if we die first, so
/// when Claude stops a slow statusline (us) the command behind us stops too. Wait on the child
/// for its exit status.
pub fn spawn_passthrough(cmd: &mut Command, stdin: Vec<u8>) -> Result<std::process::Child> {
    use std::os::unix::process::CommandExt;
    let program = cmd.get_program().to_string_lossy().into_owned();
    let parent = std::process::id() as libc::pid_t;
    // SAFETY: the closure runs in the forked child before exec and calls only prctl(2) and
    // getppid(2), which are async-signal-safe, take plain integers and allocate nothing.
    unsafe {
        cmd.pre_exec(move || {
            libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGTERM as libc::c_ulong);
            if libc::getppid() != parent {
                // We died between fork and prctl: nobody is left to read the output.
                libc::_exit(1);
            }
            Ok(())
        });
    }
    let mut child = cmd
        .stdin(Stdio::piped())
        .stdout(Stdio::inherit())
        .stderr(Stdio::inherit())
        .spawn()
        .with_context(|| format!("cannot run {program}"))?;
    if let Some(mut w) = child.stdin.take() {
        // On a thread: a command that prints before it reads, or never reads, must not block
        // us on a full pipe. Dropping `w` closes its stdin.
        thread::spawn(move || {
            let _ = w.write_all(&stdin);
        });
    }
    Ok(child)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn captures_and_times_out() {
        let o = run(Command::new("sh").args(["-c", "printf hi; printf err >&2; exit 3"]), None, Duration::from_secs(5))
            .unwrap();
        assert_eq!((o.stdout.as_str(), o.stderr.as_str(), o.status.code()), ("hi", "err", Some(3)));
        let o = run(&mut Command::new("cat"), Some(b"abc"), Duration::from_secs(5)).unwrap();
        assert_eq!(o.stdout, "abc");
        let e = run(Command::new("sleep").arg("5"), None, Duration::from_millis(100)).unwrap_err();
        assert!(e.to_string().contains("did not answer"), "{e}");
        assert!(run(&mut Command::new("/nonexistent/prog"), None, Duration::from_secs(1)).is_err());
    }
}
