//! Notifications (SPEC §3 `[notify]`): a tmux message on every attached client, the user's
//! command (argv, message appended), and Telegram `sendMessage`.
//!
//! Invariants: a failed notification is an event, never an error of the swap; the user command
//! and Telegram run on a detached thread so a slow endpoint never holds the daemon; and the
//! Telegram token never appears in a log line, an event or an error message (ureq errors name
//! the URL, which carries the token: they are scrubbed).

use std::path::PathBuf;
use std::process::Command;
use std::time::Duration;

use serde_json::json;

use crate::config::{Config, Telegram};
use crate::events::{Sink, line};
use crate::tmux::Tmux;

/// Set by the daemon: notifications then go out without the loop waiting for them.
pub static IN_DAEMON: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

pub fn swapped(cfg: &Config, tmux: &dyn Tmux, events: &dyn Sink, from: &str, to: &str, resumed: usize, failed: usize) {
    let extra = if failed > 0 { format!(", {failed} failed (see 'claude-failover events')") } else { String::new() };
    let of = resumed + failed;
    send(cfg, tmux, events, &format!("{from} → {to}: {resumed} of {of} Claude pane(s) back{extra}"));
}

pub fn send(cfg: &Config, tmux: &dyn Tmux, events: &dyn Sink, message: &str) {
    let message = format!("claude-failover: {message}");
    if cfg.notify.tmux
        && let Err(e) = tmux.display_message(&message)
    {
        events.emit("notify_failed", &format!("tmux: {e:#}"), json!({"channel": "tmux"}));
    }
    let command = cfg.notify.command.clone();
    let telegram = cfg.notify.telegram.clone();
    if command.is_empty() && telegram.is_none() {
        return;
    }
    // The events file, for the detached thread (it cannot borrow the caller's sink).
    let events_path = std::env::var_os("CLAUDE_FAILOVER_STATE_DIR").map(PathBuf::from);
    let log = events_log_path(events_path);
    let handle = std::thread::spawn(move || {
        if let Some(argv) = command.split_first() {
            let r = crate::exec::run(Command::new(argv.0).args(argv.1).arg(&message), None, Duration::from_secs(10));
            match r {
                Ok(o) if o.status.success() => {}
                Ok(o) => append(
                    &log,
                    "notify_failed",
                    &format!("command {} exited {}: {}", argv.0, o.status, o.stderr.trim()),
                    "command",
                ),
                Err(e) => append(&log, "notify_failed", &format!("command: {e:#}"), "command"),
            }
        }
        if let Some(t) = telegram
            && let Err(e) = telegram_send(&t, &message)
        {
            append(&log, "notify_failed", &format!("telegram: {e}"), "telegram");
        }
    });
    // A one-shot CLI must not exit before its notification went out; the daemon does not wait.
    if !IN_DAEMON.load(std::sync::atomic::Ordering::Relaxed) {
        let _ = handle.join();
    }
}

fn events_log_path(state_override: Option<PathBuf>) -> Option<PathBuf> {
    match state_override {
        Some(d) => Some(d.join("events.jsonl")),
        None => crate::paths::Paths::from_env(None).ok().map(|p| p.events_file()),
    }
}

fn append(path: &Option<PathBuf>, kind: &str, message: &str, channel: &str) {
    let Some(path) = path else { return };
    let at = crate::clock::fmt_utc(jiff::Timestamp::now());
    if let Ok(mut bytes) = serde_json::to_vec(&line(&at, kind, message, json!({"channel": channel}))) {
        bytes.push(b'\n');
        if let Ok(mut f) = crate::atomic::open_append_private(path) {
            let _ = std::io::Write::write_all(&mut f, &bytes);
        }
    }
}

/// The token: `CLAUDE_FAILOVER_TELEGRAM_TOKEN`, else the first line of `token_file`.
fn token(t: &Telegram) -> Result<String, String> {
    if let Ok(v) = std::env::var("CLAUDE_FAILOVER_TELEGRAM_TOKEN")
        && !v.trim().is_empty()
    {
        return Ok(v.trim().to_string());
    }
    let f =
        t.token_file.as_ref().ok_or("no token: set CLAUDE_FAILOVER_TELEGRAM_TOKEN or notify.telegram.token_file")?;
    let s = std::fs::read_to_string(f).map_err(|e| format!("cannot read the token file {}: {e}", f.display()))?;
    let tok = s.lines().next().unwrap_or("").trim().to_string();
    if tok.is_empty() {
        return Err(format!("the token file {} is empty", f.display()));
    }
    Ok(tok)
}

#[cfg(feature = "telegram")]
pub fn telegram_send(t: &Telegram, message: &str) -> Result<(), String> {
    let tok = token(t)?;
    let url = format!("{}/bot{}/sendMessage", t.api_base.trim_end_matches('/'), tok);
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .timeout_global(Some(Duration::from_secs(5)))
        .http_status_as_error(true)
        .build()
        .into();
    agent
        .post(&url)
        .send_form([("chat_id", t.chat_id.as_str()), ("text", message)])
        .map(drop)
        .map_err(|e| e.to_string().replace(&tok, "<token>"))
}

#[cfg(not(feature = "telegram"))]
pub fn telegram_send(t: &Telegram, _message: &str) -> Result<(), String> {
    let _ = token(t)?;
    Err("this build has no Telegram support (built without the 'telegram' feature)".into())
}
