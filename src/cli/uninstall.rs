//! `uninstall`: everything the plugin and `claude-failover` put in place, taken out again, for
//! this tmux server: its daemon (only its own, by its pid files), the key table, the hooks, the
//! status segment and the self-heal's job, the pane pipes; then the Claude hooks and statusline
//! wrappers in every account. The shared links are undone only when asked (`--unlink`), after a
//! plan is shown; undoing them copies, and never deletes a transcript.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use anyhow::Result;

use super::Ctx;
use crate::clock::Clock;
use crate::plugin::{HOOK_INDEX, STATUS_OPTION, TABLE};
use crate::server::Server;
use crate::tmux::Tmux;

pub(super) fn uninstall(ctx: &Ctx, unlink: bool, dry_run: bool) -> Result<u8> {
    let tmux = ctx.tmux();
    let mut bad = false;
    if tmux.server_running() && !dry_run {
        match Server::resolve(&ctx.paths, &tmux) {
            Ok(server) => untmux(&tmux, &server),
            Err(e) => println!("tmux: {e:#}"),
        }
    } else if !dry_run {
        println!("tmux: no server running here: nothing to take out of tmux");
    }
    if !dry_run {
        // The Claude side: our hooks and statusline wrappers out of every account's settings.
        if ctx.config().is_ok() {
            bad |= super::hooks::install_hooks(ctx, None, None, false, true)? != 0;
            bad |= crate::statusline::command(&ctx.paths, ctx.clock.now(), false, true, None, None, Vec::new())? != 0;
        }
    }
    match ctx.config() {
        Ok(cfg) => {
            let plan = unlink_plan(&cfg);
            if plan.is_empty() {
                println!("links: none of ours to undo");
            } else if unlink && !dry_run {
                for step in &plan {
                    match step.run() {
                        Ok(()) => println!("{step}"),
                        Err(e) => {
                            println!("FAILED {step}: {e}");
                            bad = true;
                        }
                    }
                }
                println!(
                    "the shared dirs are still there, untouched (remove them yourself once you have checked): {}",
                    cfg.shared.iter().map(|l| l.target.display().to_string()).collect::<Vec<_>>().join(", ")
                );
            } else {
                println!("links: each account home links its shared dirs; undoing them would:");
                for step in &plan {
                    println!("  would {step}");
                }
                println!(
                    "  (nothing is deleted: the shared dirs stay; run 'claude-failover uninstall --unlink' to do it)"
                );
            }
        }
        Err(e) => println!("links: no config, nothing to undo ({e:#})"),
    }
    if !dry_run {
        println!(
            "last: remove the plugin line from ~/.tmux.conf (and ~/.tmux/plugins/claude-failover), and if you want, {} and {}",
            ctx.paths.config_file.display(),
            ctx.paths.state_dir.display()
        );
    }
    Ok(u8::from(bad))
}

/// tmux: the self-heal first (its job and hooks would start the daemon again), then the pipes
/// (their writers would ask for one too), then the daemon, the keys and the segment.
fn untmux(tmux: &crate::tmux::TmuxCli, server: &Server) {
    let options = tmux.global_options();
    for opt in ["status-left", "status-right"].into_iter().map(String::from).chain(
        options.get("@claude-failover-status-options").into_iter().flat_map(|v| v.split_whitespace().map(String::from)),
    ) {
        let Some(v) = options.get(&opt) else { continue };
        let without = crate::plugin::strip_jobs(v).replace(STATUS_OPTION, "");
        if without != *v {
            let _ = tmux.run(&["set-option", "-g", &opt, &without]);
            println!("tmux: {opt}: took out the segment and the self-heal's job");
        }
    }
    let hooks = ["after-new-window", "after-split-window", "after-new-session", "pane-exited", "client-attached"];
    for h in hooks {
        let _ = tmux.run(&["set-hook", "-gu", &format!("{h}[{HOOK_INDEX}]")]);
    }
    println!("tmux: removed the hooks ({})", hooks.join(", "));
    let mut closed = 0;
    for p in tmux.list_panes().unwrap_or_default() {
        if server.log_of(&p.id).exists() && crate::daemon::detach(tmux, server, &p).is_ok() {
            closed += 1;
        }
    }
    println!("tmux: stopped watching {closed} pane(s)");
    stop_daemon(server);
    let key = options.get("@claude-failover-key").filter(|k| !k.is_empty()).cloned().unwrap_or_else(|| "A".into());
    let ours =
        tmux.run(&["list-keys", "-T", "prefix", &key]).is_ok_and(|b| b.contains(&format!("switch-client -T {TABLE}")));
    if ours {
        let _ = tmux.run(&["unbind-key", "-T", "prefix", &key]);
    }
    let _ = tmux.run(&["unbind-key", "-q", "-a", "-T", TABLE]);
    println!("tmux: removed the key table (prefix + {key})");
    for name in options.keys().filter(|k| k.starts_with("@claude-failover-")) {
        let _ = tmux.run(&["set-option", "-gu", name]);
    }
    let _ = tmux.run(&["set-environment", "-gu", "CLAUDE_CONFIG_DIR"]);
}

/// Stop this server's daemon: its supervisor, then its worker, each named by its pid file and
/// checked to be a claude-failover daemon (a reused pid is never signalled).
fn stop_daemon(server: &Server) {
    let ours = |pid: u32| {
        crate::procs::cmdline(pid).is_some_and(|a| {
            a.first().is_some_and(|a0| a0.ends_with("claude-failover")) && a.iter().any(|x| x == "daemon")
        })
    };
    let read = |f: PathBuf| std::fs::read_to_string(f).ok().and_then(|s| s.trim().parse::<u32>().ok());
    let pids: Vec<u32> = [read(server.supervisor_pid_file()), read(server.pid_file())]
        .into_iter()
        .flatten()
        .filter(|p| ours(*p))
        .collect();
    if pids.is_empty() {
        println!("daemon: none running for tmux server {}", server.socket);
        return;
    }
    for p in &pids {
        let _ = crate::procs::terminate(*p);
    }
    let end = Instant::now() + Duration::from_secs(10);
    while (server.running().is_some() || server.supervised()) && Instant::now() < end {
        std::thread::sleep(Duration::from_millis(20));
    }
    println!("daemon: stopped (pid {})", pids.iter().map(u32::to_string).collect::<Vec<_>>().join(", "));
}

/// One link undone: the shared dir copied next to the link, then put in its place.
pub struct Unlink {
    link: PathBuf,
    target: PathBuf,
}

impl std::fmt::Display for Unlink {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "replace the link {} with a copy of {}", self.link.display(), self.target.display())
    }
}

impl Unlink {
    fn run(&self) -> Result<(), String> {
        let tmp = self.link.with_extension("claude-failover-copy");
        if std::fs::symlink_metadata(&tmp).is_ok() {
            return Err(format!("{} is in the way; move it away first", tmp.display()));
        }
        let out = std::process::Command::new("cp")
            .arg("-a")
            .arg("--")
            .arg(&self.target)
            .arg(&tmp)
            .output()
            .map_err(|e| format!("cannot run cp: {e}"))?;
        if !out.status.success() {
            return Err(format!("copying failed: {}", String::from_utf8_lossy(&out.stderr).trim()));
        }
        // Only a link that still points at the target is replaced (its data is in the copy).
        if std::fs::read_link(&self.link).ok().as_deref() != Some(self.target.as_path()) {
            return Err(format!("{} changed meanwhile; the copy is at {}", self.link.display(), tmp.display()));
        }
        std::fs::remove_file(&self.link).map_err(|e| format!("cannot remove the link: {e}"))?;
        std::fs::rename(&tmp, &self.link).map_err(|e| format!("cannot put the copy in place ({}): {e}", tmp.display()))
    }
}

/// Every link of ours (pointing at its configured target), in config order.
fn unlink_plan(cfg: &crate::config::Config) -> Vec<Unlink> {
    let mut plan = Vec::new();
    for a in &cfg.accounts {
        for l in &cfg.shared {
            let link = a.home.join(&l.name);
            if std::fs::read_link(&link).ok().as_deref() == Some(Path::new(&l.target)) {
                plan.push(Unlink { link, target: l.target.clone() });
            }
        }
    }
    plan
}
