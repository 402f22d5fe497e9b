//! What tmux runs: the `daemon` (a supervisor, or with `--worker` the watcher it supervises,
//! which takes a changed config up without a restart), the `pane` commands its key bindings and
//! hooks call, and `tmux-init`, the config the plugin loads. `detect` runs the daemon's detector
//! on stdin. The invariant a newcomer could break: one watcher per tmux server; a worker that
//! cannot take `daemon::lock` says which daemon watches and exits 0.

use std::path::PathBuf;

use anyhow::{Context, Result};

use crate::clock::Clock;
use crate::daemon::{self, Server};
use crate::events::EventLog;
use crate::faults::Faults;
use crate::fleet::{Timing, TmuxFleet};
use crate::links;
use crate::state::Store;
use crate::status;
use crate::tmux::Tmux;

use super::{Ctx, PaneAction};

pub(super) fn detect_cmd(ctx: &Ctx, json: bool) -> Result<u8> {
    use std::io::Read;
    // Extra patterns come from the config when there is one; detect works without it too.
    let extra = ctx.config().map(|c| c.extra_patterns).unwrap_or_default();
    let det = crate::detect::Detector::new(&extra).map_err(|e| anyhow::anyhow!("{e}"))?;
    let now = ctx.clock.now();
    let local = ctx.clock.local_zone();
    let mut stream = crate::detect::Stream::new();
    let mut stdin = std::io::stdin().lock();
    let mut buf = vec![0u8; 64 * 1024];
    let mut found = Vec::new();
    loop {
        let n = match stdin.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e).context("reading stdin"),
        };
        found.extend(stream.feed(&det, &buf[..n], now, &local));
    }
    found.extend(stream.flush(&det, now, &local));
    for d in found {
        if json {
            println!("{}", serde_json::to_string(&d)?);
        } else {
            let reset = d.resets_at.map(crate::clock::fmt_utc).unwrap_or_else(|| "-".into());
            let kind = serde_json::to_value(d.kind)?.as_str().unwrap_or("?").to_string();
            println!("{kind:9} {:12} {reset:20}  {}", d.limit.as_deref().unwrap_or("-"), d.text);
        }
    }
    Ok(0)
}

pub(super) fn daemon_cmd(ctx: &Ctx, worker: bool, ensure: bool, detach: bool) -> Result<u8> {
    use crate::events::Sink;
    if detach {
        let tmux = ctx.tmux();
        let server = Server::resolve(&ctx.paths, &tmux)?;
        return detached(&server);
    }
    if ensure {
        let tmux = ctx.tmux();
        let server = Server::resolve(&ctx.paths, &tmux)?;
        return ensure_daemon(ctx, &tmux, &server);
    }
    if !worker {
        let tmux = ctx.tmux();
        let server = Server::resolve(&ctx.paths, &tmux)?;
        let events = EventLog::new(ctx.paths.events_file(), &ctx.clock, true);
        return crate::supervise::run(&server, &tmux, &ctx.paths.config_file, &|| ctx.config(), &events);
    }
    crate::supervise::bind_to_supervisor();
    // Read before loading: if the file changes in between, the daemon sees a change and reloads.
    let mut bytes = std::fs::read(&ctx.paths.config_file).ok();
    let mut cfg = ctx.config()?;
    let tmux = ctx.tmux();
    let server = Server::resolve(&ctx.paths, &tmux)?;
    let Some(_lock) = daemon::lock(&server)? else {
        match server.daemon_pid() {
            Some(pid) => println!("a daemon (pid {pid}) already watches tmux server {}", server.socket),
            None => println!("a daemon already watches tmux server {}", server.socket),
        }
        return Ok(0);
    };
    crate::notify::IN_DAEMON.store(true, std::sync::atomic::Ordering::Relaxed);
    let store = Store::open(&ctx.paths.state_dir)?;
    let events = EventLog::new(ctx.paths.events_file(), &ctx.clock, true);
    // After a reload, the config it replaced: a new one the daemon cannot start with falls back.
    let mut previous: Option<crate::config::Config> = None;
    loop {
        let faults = Faults::from_env();
        let mut d =
            match daemon::Daemon::new(&cfg, &ctx.paths, &store, &ctx.clock, &tmux, &events, server.clone(), faults) {
                Ok(d) => d,
                Err(e) => match previous.take() {
                    Some(p) => {
                        let msg = format!("cannot run with the reloaded config; keeping the running one: {e:#}");
                        events.emit("warning", &msg, serde_json::json!({}));
                        cfg = p;
                        continue;
                    }
                    None => return Err(e),
                },
            };
        if previous.take().is_some() {
            let msg = format!("reloaded {}", ctx.paths.config_file.display());
            events.emit("config_reloaded", &msg, serde_json::json!({}));
        }
        d.loaded_config = bytes.take();
        if d.run()? == daemon::Stop::Quit {
            return Ok(0);
        }
        // The daemon checked the new file; it is read again here (it may have changed since). A
        // config that no longer loads keeps the running one; either way only a further edit of
        // the file is taken up next.
        bytes = std::fs::read(&ctx.paths.config_file).ok();
        match ctx.config() {
            Ok(c) => previous = Some(std::mem::replace(&mut cfg, c)),
            Err(e) => {
                let msg = format!("cannot reload the config; keeping the running one: {e:#}");
                events.emit("warning", &msg, serde_json::json!({}));
            }
        }
    }
}

/// What the self-heal does about a server, from what it found (pure, for the tests).
#[derive(Debug, PartialEq, Eq)]
pub enum Revive {
    /// A worker runs, or its supervisor is alive (restarting one, or waiting for a config).
    Watching,
    /// The supervisor gave up this long ago: left alone until [`crate::server::GIVE_UP_HOLD`].
    HeldAfterGiveUp,
    Start,
}

pub fn revive(watching: bool, gave_up_age: Option<std::time::Duration>) -> Revive {
    match gave_up_age {
        _ if watching => Revive::Watching,
        Some(age) if age < crate::server::GIVE_UP_HOLD => Revive::HeldAfterGiveUp,
        _ => Revive::Start,
    }
}

/// `daemon --ensure`: the self-heal. tmux runs it on its own schedule (the status line's `#()`
/// job, every `status-interval` while a client shows it) and on a client's attach; a new pane's
/// hook runs it too. While a daemon runs it reads a pid file and `/proc` and exits: nothing else.
/// When nothing watches (the supervisor and its worker were killed together), it says so on the
/// status line and starts a daemon through `run-shell -b`, so tmux reaps it as at load.
fn ensure_daemon(ctx: &Ctx, tmux: &crate::tmux::TmuxCli, server: &Server) -> Result<u8> {
    use crate::events::Sink;
    let watching = || server.running().is_some() || server.supervised();
    if revive(watching(), server.gave_up_age()) != Revive::Start {
        return Ok(0);
    }
    // Two checks at once (a status redraw and a hook) start one daemon between them, and say so once.
    crate::atomic::private_dir(&server.dir)?;
    let gate = crate::atomic::open_lock(&server.dir.join("revive.lock"))?;
    if gate.try_lock().is_err() || watching() {
        return Ok(0);
    }
    let style = status::TmuxStyle::from_options(&tmux.plugin_options());
    let active = match ctx.config() {
        Ok(cfg) => match links::read_pointer(&cfg) {
            links::Pointer::Account(a) => a,
            _ => cfg.primary.clone(),
        },
        Err(_) => "?".into(),
    };
    let _ = tmux.set_user_option("@claude-failover-status", &status::render_no_daemon(&active, &style, " restarting"));
    let events = EventLog::new(ctx.paths.events_file(), &ctx.clock, false);
    events.emit(
        "daemon_revived",
        &format!("nothing watched tmux server {} (the daemon was killed); starting it again", server.socket),
        serde_json::json!({"socket": server.socket}),
    );
    let bin = std::env::current_exe().context("cannot find this program's own path")?;
    // run-shell format-expands its command first: every `#` doubled.
    let line = format!(
        "exec {} --socket {} daemon --detach >/dev/null 2>&1",
        crate::tmux::shell_quote(&bin.to_string_lossy()),
        crate::tmux::shell_quote(&server.socket)
    )
    .replace('#', "##");
    tmux.run(&["run-shell", "-b", &line])?;
    // Hold the gate until the new supervisor holds its lock, so a check right behind this one
    // sees it.
    let end = std::time::Instant::now() + std::time::Duration::from_secs(3);
    while !server.supervised() && std::time::Instant::now() < end {
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    Ok(0)
}

/// `daemon --detach`: the supervisor started again as its own session's leader, outside tmux's
/// job (so a daemon killed later is not reported by `run-shell` into the user's pane, and a kill
/// of tmux's job group does not reach it); returns once it holds its lock, or has exited.
fn detached(server: &Server) -> Result<u8> {
    use std::os::unix::process::CommandExt;
    let exe = std::env::current_exe().context("cannot find this program's own path")?;
    let args: Vec<std::ffi::OsString> = std::env::args_os().skip(1).filter(|a| a != "--detach").collect();
    let mut cmd = std::process::Command::new(&exe);
    cmd.args(&args).stdin(std::process::Stdio::null()).stdout(std::process::Stdio::null());
    // SAFETY: setsid(2) in the child between fork and exec touches no memory of ours.
    unsafe {
        cmd.pre_exec(|| {
            libc::setsid();
            Ok(())
        });
    }
    let mut child = cmd.spawn().with_context(|| format!("cannot start {}", exe.display()))?;
    let end = std::time::Instant::now() + std::time::Duration::from_secs(5);
    while std::time::Instant::now() < end {
        if server.supervised() || child.try_wait().ok().flatten().is_some() {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    Ok(0)
}

fn target_pane(pane: Option<String>) -> Result<String> {
    let p = pane
        .or_else(|| std::env::var("TMUX_PANE").ok())
        .context("no pane given and not inside tmux ($TMUX_PANE is unset)")?;
    if !crate::tmux::valid_pane_id(&p) {
        anyhow::bail!("{p:?} is not a tmux pane id (like %3)");
    }
    Ok(p)
}

fn find_pane(tmux: &dyn crate::tmux::Tmux, pane: &str) -> Result<crate::tmux::PaneInfo> {
    tmux.list_panes()?.into_iter().find(|p| p.id == pane).with_context(|| format!("no pane {pane} on this tmux server"))
}

pub(super) fn pane_cmd(ctx: &Ctx, action: PaneAction) -> Result<u8> {
    let tmux = ctx.tmux();
    let server = Server::resolve(&ctx.paths, &tmux)?;
    let store = Store::open(&ctx.paths.state_dir)?;
    match action {
        PaneAction::Attach { pane, notify } => {
            let pane = target_pane(pane)?;
            let info = find_pane(&tmux, &pane)?;
            let log = daemon::attach(&tmux, &server, &info)?;
            store.update(|s| {
                s.panes.entry(pane.clone()).or_default().detached = false;
                Ok(())
            })?;
            println!("watching {pane} ({})", log.display());
            if notify {
                let _ = tmux.display_message(&format!("claude-failover: watching {pane}"));
            }
            if server.running().is_none() {
                println!(
                    "note: no daemon runs for this tmux server; start it with the tmux plugin or 'claude-failover daemon'"
                );
            }
            Ok(0)
        }
        PaneAction::Detach { pane, notify } => {
            let pane = target_pane(pane)?;
            let info = find_pane(&tmux, &pane)?;
            store.update(|s| {
                s.panes.entry(pane.clone()).or_default().detached = true;
                Ok(())
            })?;
            daemon::detach(&tmux, &server, &info)?;
            println!("stopped watching {pane}");
            if notify {
                let _ = tmux.display_message(&format!("claude-failover: stopped watching {pane}"));
            }
            Ok(0)
        }
        PaneAction::Rescan => {
            // This runs from tmux hooks (a new window, pane or session). With a daemon, ask it to
            // look; without one (it and its supervisor were killed), start one: a new daemon
            // looks at every pane as it starts.
            if server.running().is_some() {
                daemon::post(&server, &daemon::Inbox::Rescan)?;
                Ok(0)
            } else {
                ensure_daemon(ctx, &tmux, &server)
            }
        }
        PaneAction::List { json } => {
            let cfg = ctx.config()?;
            let fleet = TmuxFleet { cfg: &cfg, tmux: &tmux, store: &store, timing: Timing::default() };
            let st = store.load()?;
            let rows: Vec<serde_json::Value> = tmux
                .list_panes()?
                .iter()
                .filter_map(|p| {
                    let rec = st.panes.get(&p.id);
                    let saved = fleet.saved_pane(p);
                    if saved.is_none() && rec.and_then(|r| r.session_id.as_ref()).is_none() {
                        return None;
                    }
                    Some(serde_json::json!({
                        "pane": p.id,
                        "session": p.session,
                        "claude": saved.is_some(),
                        "account": saved.as_ref().and_then(|s| s.account.clone()).or_else(|| rec.and_then(|r| r.account.clone())),
                        "session_id": saved.as_ref().and_then(|s| s.session_id.clone()).or_else(|| rec.and_then(|r| r.session_id.clone())),
                        "cwd": saved.as_ref().map(|s| s.cwd.display().to_string()).or_else(|| rec.and_then(|r| r.cwd.as_ref().map(|c| c.display().to_string()))),
                        "activity": rec.and_then(|r| r.activity.clone()),
                        "attached": server.log_of(&p.id).exists(),
                        "unwatched": rec.and_then(|r| r.unwatched.clone()),
                        "left_alone": rec.and_then(|r| r.left_alone.as_ref().map(|l| l.reason.clone())),
                        "moves_to": st.deferred.get(&p.id).map(|d| d.to.clone()),
                    }))
                })
                .collect();
            if json {
                println!("{}", serde_json::to_string_pretty(&rows)?);
                return Ok(0);
            }
            // The same look as the status line and `status`: the account, the daemon, the logins.
            let seen = status::observe(&cfg, &ctx.paths, &st, Some(&server), ctx.clock.now());
            println!("{}", status::render_summary(&seen));
            if rows.is_empty() {
                println!("no Claude panes");
            } else {
                for r in &rows {
                    let s = |k: &str| r[k].as_str().unwrap_or("-").to_string();
                    println!(
                        "{:5} {:10} {:36} {:9} {}{}",
                        s("pane"),
                        s("account"),
                        s("session_id"),
                        if r["attached"] == true { "watched" } else { "unwatched" },
                        s("cwd"),
                        r["activity"].as_str().map(|a| format!("  [{a}]")).unwrap_or_default()
                    );
                    if let Some(why) = r["unwatched"].as_str() {
                        println!("      not watched: {why}");
                    }
                    if let Some(why) = r["left_alone"].as_str() {
                        println!("      left alone: {why}");
                    }
                    if let Some(to) = r["moves_to"].as_str() {
                        println!("      mid-turn: moves to {to} when idle");
                    }
                }
            }
            Ok(0)
        }
    }
}

/// The status segment as the daemon would push it: for tmux-init's first value and `status`.
pub(super) fn tmux_segment(ctx: &Ctx, style: &status::TmuxStyle) -> String {
    let Ok(cfg) = ctx.config() else { return status::render_no_config(style, &ctx.paths.config_file) };
    let st = Store::at(&ctx.paths.state_dir).load().unwrap_or_default();
    let now = ctx.clock.now();
    let server = Server::resolve(&ctx.paths, &ctx.tmux()).ok();
    status::render_tmux(&status::observe(&cfg, &ctx.paths, &st, server.as_ref(), now), style, now)
}

/// Each Claude pane of this tmux server and the Claude Code release it runs (`None`: unknown).
pub(super) fn claude_releases(ctx: &Ctx, cfg: &crate::config::Config) -> Vec<(String, Option<String>)> {
    let tmux = ctx.tmux();
    let store = Store::at(&ctx.paths.state_dir);
    let fleet = TmuxFleet { cfg, tmux: &tmux, store: &store, timing: Timing::default() };
    tmux.list_panes()
        .unwrap_or_default()
        .iter()
        .filter_map(|p| fleet.saved_pane(p))
        .map(|s| {
            let r = fleet.release_of(&s);
            (s.pane, r)
        })
        .collect()
}

/// Push the segment now, for a command that changed what it shows (`init`, `link`, `doctor
/// --fix`): the status line agrees within a second, without waiting for a daemon's next push.
/// Only where the plugin is loaded (its version option is set); never an error.
pub(super) fn push_segment(ctx: &Ctx) {
    let tmux = ctx.tmux();
    let options = tmux.plugin_options();
    if !tmux.server_running() || options.get("version").is_none_or(|v| v.is_empty()) {
        return;
    }
    let text = tmux_segment(ctx, &status::TmuxStyle::from_options(&options));
    let _ = tmux.set_user_option("@claude-failover-status", &text);
}

pub(super) fn tmux_init(ctx: &Ctx, plugin_dir: Option<&std::path::Path>) -> Result<u8> {
    let tmux = ctx.tmux();
    if !tmux.server_running() {
        anyhow::bail!("no tmux server to configure: tmux-init is run by the plugin from inside tmux");
    }
    let options = tmux.global_options();
    let bin = match options.get("@claude-failover-bin").filter(|b| !b.is_empty()) {
        Some(b) => PathBuf::from(b),
        None => std::env::current_exe().context("cannot find this program's own path")?,
    };
    let plugin: std::collections::HashMap<String, String> = options
        .iter()
        .filter_map(|(k, v)| Some((k.strip_prefix("@claude-failover-")?.to_string(), v.clone())))
        .collect();
    let init = crate::plugin::Init {
        bin: &bin,
        plugin_dir,
        options: &options,
        popups: tmux.at_least(3, 2),
        initial_status: tmux_segment(ctx, &status::TmuxStyle::from_options(&plugin)),
    };
    print!("{}", crate::plugin::render(&init));
    Ok(0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn the_self_heal_starts_only_what_is_missing_and_undoes_a_give_up_once_per_ten_minutes() {
        assert_eq!(revive(true, None), Revive::Watching);
        assert_eq!(revive(true, Some(Duration::from_secs(1))), Revive::Watching);
        assert_eq!(revive(false, None), Revive::Start);
        assert_eq!(revive(false, Some(Duration::from_secs(30))), Revive::HeldAfterGiveUp);
        assert_eq!(revive(false, Some(Duration::from_secs(599))), Revive::HeldAfterGiveUp);
        assert_eq!(revive(false, Some(Duration::from_secs(600))), Revive::Start);
    }
}
