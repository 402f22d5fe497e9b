//! The accounts as the user drives them: `swap` now, `recover` from the degraded state, `pause`
//! automatic swaps; and what happened: `status` and `events`. `status` and `events` only look:
//! they read the state and the event log without creating the state dir (`events --follow`
//! excepted, which must watch it).

use anyhow::Result;

use crate::clock::Clock;
use crate::daemon::Server;
use crate::events::EventLog;
use crate::faults::Faults;
use crate::fleet::{Timing, TmuxFleet};
use crate::paths::tildify;
use crate::state::Store;
use crate::status;
use crate::swap::{self, Engine, Outcome, Trigger};
use crate::tmux::Tmux;

use super::{Ctx, Format};

pub(super) fn swap_now(ctx: &Ctx, to: Option<String>) -> Result<u8> {
    let cfg = ctx.config()?;
    let store = Store::open(&ctx.paths.state_dir)?;
    let events = EventLog::new(ctx.paths.events_file(), &ctx.clock, false);
    let tmux = ctx.tmux();
    // Without a server there is no pane to move: the swap still points claude_dir (and so every
    // claude started from now on) at the target, and says that nothing else happened.
    let no_server = !tmux.server_running();
    let fleet = TmuxFleet { cfg: &cfg, tmux: &tmux, store: &store, timing: Timing::default() };
    let engine = Engine {
        cfg: &cfg,
        store: &store,
        clock: &ctx.clock,
        fleet: &fleet,
        events: &events,
        faults: Faults::from_env(),
    };
    match engine.run(Trigger::Manual { to }) {
        Ok(Outcome::Swapped { from, to, relaunched, failed }) => {
            crate::notify::swapped(&cfg, &tmux, &events, &from, &to, relaunched.len(), failed.len());
            println!("swapped {from} -> {to}: {} pane(s) resumed", relaunched.len());
            for (pane, e) in &failed {
                println!("problem: {pane}: {e}");
            }
            if no_server {
                let server = match &ctx.socket {
                    Some(s) => format!(" at {}", s.display()),
                    None => String::new(),
                };
                println!(
                    "note: no pane was moved: no tmux server is running{server}; {} now points at {to}, so a claude started from now on uses {to}",
                    tildify(&cfg.claude_dir, &ctx.paths.home)
                );
            }
            Ok(u8::from(!failed.is_empty()))
        }
        Ok(Outcome::Skipped(why)) => {
            let _ = tmux.display_message(&format!("claude-failover: {why}"));
            println!("{why}");
            Ok(0)
        }
        Ok(other) => {
            println!("{other:?}");
            Ok(0)
        }
        Err(e) => {
            let msg = e.full();
            crate::notify::send(&cfg, &tmux, &events, &format!("swap failed: {msg}"));
            eprintln!("claude-failover: {msg}");
            if no_server {
                eprintln!("claude-failover: no tmux server is running, and no pane was moved");
            }
            Ok(1)
        }
    }
}

pub(super) fn recover(ctx: &Ctx) -> Result<u8> {
    let cfg = ctx.config()?;
    let store = Store::open(&ctx.paths.state_dir)?;
    let events = EventLog::new(ctx.paths.events_file(), &ctx.clock, false);
    let was = store.load()?.degraded;
    let problems = swap::recover(&cfg, &store, &ctx.clock, &events)?;
    if problems.is_empty() {
        match was {
            Some(d) => println!("recovered: the degraded state is cleared (it was: {})", d.reason),
            None => println!("ok: nothing to recover"),
        }
        return Ok(0);
    }
    for p in &problems {
        println!("problem: {p}");
    }
    println!("still degraded: fix the problem(s) above and run 'claude-failover recover' again");
    Ok(1)
}

pub(super) fn status_cmd(ctx: &Ctx, format: Format) -> Result<u8> {
    let cfg = match ctx.config() {
        Ok(c) => c,
        Err(e) if format == Format::Tmux => {
            // A status line must not show a wall of text; the popup and doctor say more.
            let _ = e;
            println!("{}", status::render_no_config(&status::TmuxStyle::default(), &ctx.paths.config_file));
            return Ok(1);
        }
        Err(e) => return Err(e),
    };
    let st = Store::at(&ctx.paths.state_dir).load()?;
    let now = ctx.clock.now();
    // A status that cannot see a daemon says so: nothing would act on a limit.
    let server = Server::resolve(&ctx.paths, &ctx.tmux()).ok();
    let s = status::observe(&cfg, &ctx.paths, &st, server.as_ref(), now);
    // The releases each pane runs, beside the tested ones: for people and scripts, not for the
    // status line (it is redrawn too often to look at processes).
    let releases = || {
        let running = super::daemon::claude_releases(ctx, &cfg);
        serde_json::json!({
            "running": running.iter().map(|(p, r)| serde_json::json!({"pane": p, "release": r})).collect::<Vec<_>>(),
            "tested": crate::drift::tested_releases(),
        })
    };
    match format {
        Format::Json => {
            let mut v = serde_json::to_value(&s)?;
            v["claude"] = releases();
            println!("{}", serde_json::to_string_pretty(&v)?)
        }
        Format::Tmux => println!("{}", status::render_tmux(&s, &status::TmuxStyle::default(), now)),
        Format::Human => {
            print!("{}", status::render_human(&s, &cfg, &ctx.paths.home, now, &ctx.clock.local_zone()));
            let r = releases();
            let running: Vec<String> = r["running"]
                .as_array()
                .into_iter()
                .flatten()
                .map(|x| {
                    format!("{} {}", x["pane"].as_str().unwrap_or("?"), x["release"].as_str().unwrap_or("unknown"))
                })
                .collect();
            let tested: Vec<&str> = r["tested"].as_array().into_iter().flatten().filter_map(|t| t.as_str()).collect();
            if !running.is_empty() {
                println!("claude:   {} (tested with {})", running.join(", "), tested.join(", "));
            }
            for d in &s.drift {
                println!("DRIFT:    Claude Code {} differs from what claude-failover knows: {}", d.release, d.what);
            }
        }
    }
    Ok(0)
}

pub(super) fn pause(ctx: &Ctx, off: bool, toggle: bool) -> Result<u8> {
    let store = Store::open(&ctx.paths.state_dir)?;
    let paused = store.update(|s| {
        s.paused = if toggle { !s.paused } else { !off };
        Ok(s.paused)
    })?;
    let msg = if paused { "automatic swaps paused (manual swaps still work)" } else { "automatic swaps resumed" };
    let _ = ctx.tmux().display_message(&format!("claude-failover: {msg}"));
    println!("{msg}");
    Ok(0)
}

fn print_event(line: &str, json: bool) {
    if json {
        println!("{line}");
        return;
    }
    match serde_json::from_str::<serde_json::Value>(line) {
        // The time in this machine's zone, as the person reading it lives in it.
        Ok(v) => println!(
            "{} {:16} {}",
            v["at"]
                .as_str()
                .and_then(|t| t.parse::<jiff::Timestamp>().ok())
                .map(|t| t.to_zoned(jiff::tz::TimeZone::system()).strftime("%b %-d %H:%M:%S").to_string())
                .unwrap_or_else(|| "?".into()),
            v["event"].as_str().unwrap_or("?"),
            v["message"].as_str().unwrap_or("")
        ),
        Err(_) => println!("{line}"),
    }
}

pub(super) fn events_cmd(ctx: &Ctx, follow: bool, json: bool, last: Option<usize>) -> Result<u8> {
    use std::io::{BufRead, Seek};
    let path = ctx.paths.events_file();
    let text = std::fs::read_to_string(&path).unwrap_or_default();
    let lines: Vec<&str> = text.lines().collect();
    let skip = last.map_or(0, |n| lines.len().saturating_sub(n));
    for l in &lines[skip..] {
        print_event(l, json);
    }
    if !follow {
        return Ok(0);
    }
    use notify::Watcher;
    crate::atomic::private_dir(&ctx.paths.state_dir)?;
    let (tx, rx) = std::sync::mpsc::channel();
    let mut w = notify::recommended_watcher(move |_res: notify::Result<notify::Event>| {
        let _ = tx.send(());
    })?;
    w.watch(&ctx.paths.state_dir, notify::RecursiveMode::NonRecursive)?;
    let mut offset = text.len() as u64;
    loop {
        if rx.recv().is_err() {
            return Ok(0);
        }
        let Ok(mut f) = std::fs::File::open(&path) else { continue };
        let len = f.metadata().map(|m| m.len()).unwrap_or(0);
        if len < offset {
            offset = 0; // rotated
        }
        f.seek(std::io::SeekFrom::Start(offset))?;
        let mut r = std::io::BufReader::new(f);
        let mut line = String::new();
        while r.read_line(&mut line)? > 0 {
            if !line.ends_with('\n') {
                break;
            }
            offset += line.len() as u64;
            print_event(line.trim_end(), json);
            line.clear();
        }
    }
}
