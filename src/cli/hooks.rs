//! Claude Code's side: `install-hooks` puts our hooks into Claude's settings (or takes them out),
//! and `hook` is what they run. The invariant a newcomer could break: `hook` never fails the
//! user's session; our own error is logged and exits 0, and only the guard's deny exits 2 (Claude
//! Code then blocks the tool call).

use std::path::PathBuf;

use anyhow::{Context, Result};

use crate::clock::Clock;
use crate::daemon::Server;
use crate::events::EventLog;
use crate::state::Store;

use super::Ctx;

pub(super) fn install_hooks(
    ctx: &Ctx,
    account: Option<String>,
    project: Option<PathBuf>,
    print: bool,
    remove: bool,
) -> Result<u8> {
    let bin = std::env::current_exe().context("cannot find this program's own path")?;
    if print {
        println!("{}", serde_json::to_string_pretty(&crate::hooks::settings(&bin))?);
        return Ok(0);
    }
    let targets: Vec<PathBuf> = match (account, project) {
        (_, Some(dir)) => vec![dir.join(".claude/settings.json")],
        (Some(name), None) => {
            let cfg = ctx.config()?;
            let a =
                cfg.account(&name).with_context(|| format!("no account named {name:?} in {}", cfg.file.display()))?;
            vec![a.home.join("settings.json")]
        }
        (None, None) => ctx.config()?.accounts.iter().map(|a| a.home.join("settings.json")).collect(),
    };
    let mut failed = false;
    for t in targets {
        let r = if remove { crate::hooks::uninstall(&t) } else { crate::hooks::install(&t, &bin) };
        match r {
            Ok(true) if remove => println!("removed our hooks from {}", t.display()),
            Ok(false) if remove => println!("no hooks of ours in {}", t.display()),
            Ok(true) => println!("installed hooks in {}", t.display()),
            Ok(false) => println!("hooks already in {}", t.display()),
            Err(e) => {
                eprintln!("claude-failover: {e:#}");
                failed = true;
            }
        }
    }
    Ok(u8::from(failed))
}

pub(super) fn hook_cmd(ctx: &Ctx, event: &str) -> Result<u8> {
    let input = crate::hooks::read_input();
    let cfg = ctx.config().ok();
    let store = Store::at(&ctx.paths.state_dir);
    let events = EventLog::new(ctx.paths.events_file(), &ctx.clock, false);
    // Only $TMUX: a hook must not spend a tmux round-trip to find its server.
    let server = std::env::var_os("TMUX").and_then(|_| Server::resolve(&ctx.paths, &ctx.tmux()).ok());
    let hctx = crate::hooks::HookCtx {
        cfg: cfg.as_ref(),
        store: &store,
        events: &events,
        server,
        home: &ctx.paths.home,
        now: ctx.clock.now(),
    };
    match crate::hooks::handle(event, &input, &hctx) {
        Ok(crate::hooks::Outcome::Done) => Ok(0),
        Ok(crate::hooks::Outcome::Deny(reason)) => {
            // Exit 2: Claude Code blocks the tool call and shows this to the model.
            eprintln!("claude-failover guard: {reason}");
            Ok(2)
        }
        Err(e) => {
            // Our own failure never fails the user's session.
            crate::events::Sink::emit(&events, "hook_error", &format!("hook {event}: {e:#}"), serde_json::json!({}));
            Ok(0)
        }
    }
}
