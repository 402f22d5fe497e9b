//! Setting up and checking: `init` writes a config for the logins found, `link` creates the
//! shared links and `claude_dir`, `doctor` lists every problem a failover would hit. The
//! invariant a newcomer could break: `doctor` without `--fix` only looks; it reads the state with
//! `Store::at`, which creates nothing, and `--fix` creates what is missing but never changes what
//! exists.

use std::path::PathBuf;

use anyhow::Result;

use crate::clock::Clock;
use crate::daemon::Server;
use crate::links;
use crate::paths::tildify;
use crate::state::Store;

use super::Ctx;

pub(super) fn init(ctx: &Ctx) -> Result<u8> {
    let r = crate::init::run(&ctx.paths, ctx.clock.now());
    super::daemon::push_segment(ctx);
    if r.as_ref().is_ok_and(|c| *c == 0) {
        print_plugin_lines(ctx);
    }
    r
}

/// Where the plugin is not loaded yet: the line that loads it, from the clone `scripts/install`
/// linked at `~/.tmux/plugins/claude-failover` (with the TPM line its origin gives). Nothing
/// guessed: without that clone, where to find the line.
fn print_plugin_lines(ctx: &Ctx) {
    let tmux = ctx.tmux();
    if tmux.server_running() && tmux.plugin_options().get("version").is_some_and(|v| !v.is_empty()) {
        return; // loaded in this tmux server
    }
    let dir = ctx.paths.home.join(".tmux/plugins/claude-failover");
    if dir.join("claude-failover.tmux").is_file() {
        println!("  then load the plugin: add to ~/.tmux.conf, then 'tmux source-file ~/.tmux.conf':");
        let origin = crate::plugin::clone_origin(&dir);
        let lines = crate::plugin::install_lines(&dir, origin.as_deref());
        // The line as the README gives it (no quotes: a quoted ~ is not expanded).
        println!("      run-shell {}/claude-failover.tmux", crate::plugin::PLUGIN_HOME);
        if let Some(tpm) = lines.get(1) {
            println!("    or, with TPM:  {tpm}");
        }
    } else {
        println!(
            "  then load the tmux plugin: run scripts/install in your clone of claude-failover; it prints the line for ~/.tmux.conf"
        );
    }
}

pub(super) fn doctor(ctx: &Ctx, fix: bool) -> Result<u8> {
    let mut problems: Vec<String> = Vec::new();
    let mut fixed: Vec<String> = Vec::new();
    let mut advice: Vec<String> = Vec::new();
    match ctx.config() {
        Err(e) => problems.push(format!("{e:#}")),
        Ok(cfg) => {
            println!("config: {}", tildify(&cfg.file, &ctx.paths.home));
            let r = links::ensure_all(&cfg.accounts, &cfg.shared, fix);
            fixed.extend(r.created);
            problems.extend(r.problems.iter().map(ToString::to_string));
            if fix {
                match links::ensure_pointer(&cfg) {
                    Ok(Some(done)) => fixed.push(done),
                    Ok(None) => {}
                    Err(p) => problems.push(p),
                }
            } else if let Some(p) = links::pointer_problem(&cfg, &links::read_pointer(&cfg)) {
                problems.push(p);
            }
            if let Some(p) = claude_command_problem(&cfg.claude_command) {
                problems.push(p);
            }
            // Logins after the links: `--fix` may just have created a home, which has none yet.
            let now = ctx.clock.now();
            for a in &cfg.accounts {
                let l = crate::login::account_login(&cfg, a, now);
                if !l.is_ok() {
                    problems.push(crate::login::problem(&a.name, &a.home, &l, &cfg.claude_command));
                }
            }
            let st = doctor_state(ctx, fix, &mut problems, &mut fixed);
            if let Some(d) = &st.degraded {
                problems.push(format!(
                    "degraded since {}: {}; fix it, then run 'claude-failover recover'",
                    crate::clock::fmt_utc(d.since),
                    d.reason
                ));
            }
            if let Some(sw) = &st.swap {
                problems.push(format!(
                    "a swap {} -> {} was interrupted ({:?}); the daemon finishes it on start",
                    sw.from, sw.to, sw.phase
                ));
            }
            if st.paused {
                advice.push("automatic swaps are paused".into());
            }
            // Claude Code refuses the flag as root ("cannot be used with root/sudo privileges")
            // unless IS_SANDBOX=1: every relaunched pane would exit at once.
            let bypass = cfg.claude_args.iter().any(|a| a == "--dangerously-skip-permissions");
            // SAFETY: geteuid(2) has no failure mode and touches no memory.
            if bypass && unsafe { libc::geteuid() } == 0 && std::env::var("IS_SANDBOX").as_deref() != Ok("1") {
                problems.push(
                    "claude_args has --dangerously-skip-permissions and this runs as root: Claude Code refuses that flag \
                     as root unless IS_SANDBOX=1 is set (in tmux: set-environment -g IS_SANDBOX 1), so every relaunched \
                     pane would exit at once; set IS_SANDBOX=1 if this machine is a sandbox, or drop the flag"
                        .into(),
                );
            }
            let mut no_hooks: Vec<String> = cfg
                .accounts
                .iter()
                .filter(|a| !crate::hooks::installed(&a.home.join("settings.json")))
                .map(|a| format!("account {}", a.name))
                .collect();
            no_hooks.extend(
                cfg.sessions
                    .iter()
                    .filter(|s| !crate::hooks::installed(&s.project.join(".claude/settings.json")))
                    .map(|s| format!("session {} ({})", s.name, s.project.display())),
            );
            if !no_hooks.is_empty() {
                advice.push(format!("Claude hooks (session tracking, safety guard) not installed for: {}; run 'claude-failover install-hooks'", no_hooks.join(", ")));
            }
            // A threshold with nothing feeding it would never fire, silently.
            if let Some(pct) = cfg.swap.switch_at_percent {
                let without: Vec<&str> = cfg
                    .accounts
                    .iter()
                    .filter(|a| !crate::statusline::installed(&a.home.join("settings.json")))
                    .map(|a| a.name.as_str())
                    .collect();
                if !without.is_empty() {
                    advice.push(format!(
                        "switch_at_percent = {pct} needs each account's usage, which the statusline command records;                          it is not installed for: {}; run 'claude-failover statusline --install'",
                        without.join(", ")
                    ));
                }
            }
        }
    }
    match ctx.tmux().version() {
        Ok(v) if !v.is_empty() => {
            println!("tmux: {v}");
            match daemon_check(ctx) {
                Ok(line) => println!("{line}"),
                Err(a) => advice.push(a),
            }
            if let Ok(cfg) = ctx.config() {
                claude_releases_check(ctx, &cfg, &mut advice);
            }
        }
        _ => problems.push("tmux is not installed or not on PATH; install it (e.g. apt-get install tmux)".into()),
    }
    for f in &fixed {
        println!("fixed: {f}");
    }
    if fix {
        super::daemon::push_segment(ctx);
    }
    for a in &advice {
        println!("advice: {a}");
    }
    if problems.is_empty() {
        println!("ok: no problems found");
        return Ok(0);
    }
    for p in &problems {
        println!("problem: {p}");
    }
    println!("{} problem(s)", problems.len());
    Ok(1)
}

/// `doctor`'s look at the state file: a file that does not parse is a problem (with `--fix` it is
/// set aside and repaired now, as any read would); a repair not yet acknowledged is a problem
/// while its kept copy exists (`--fix` acknowledges it). Returns the state the other checks use.
fn doctor_state(ctx: &Ctx, fix: bool, problems: &mut Vec<String>, fixed: &mut Vec<String>) -> crate::state::State {
    let store = Store::at(&ctx.paths.state_dir);
    let file = store.path();
    match store.check() {
        Err(e) => {
            problems.push(format!("{e:#}; make it readable (it should be 0600 and yours)"));
            return crate::state::State::default();
        }
        Ok(Some(why)) if !fix => {
            problems.push(format!(
                "state file {} does not parse ({why}); run 'claude-failover doctor --fix' to keep a copy and repair it",
                file.display()
            ));
            return crate::state::State::default();
        }
        Ok(_) => {}
    }
    let mut st = match store.load() {
        Ok(st) => st,
        Err(e) => {
            problems.push(format!("{e:#}"));
            return crate::state::State::default();
        }
    };
    if let Some(r) = st.repaired.clone().filter(|r| r.kept.exists()) {
        if fix {
            match store.update(|s| {
                s.repaired = None;
                Ok(())
            }) {
                Ok(()) => {
                    st.repaired = None;
                    fixed.push(format!(
                        "state file {} was repaired at {} ({}); the corrupt copy stays at {}",
                        file.display(),
                        crate::clock::fmt_utc(r.at),
                        r.error,
                        r.kept.display()
                    ));
                }
                Err(e) => problems.push(format!("cannot acknowledge the repaired state file: {e:#}")),
            }
        } else {
            problems.push(format!(
                "state file {} was corrupt ({}) and was replaced by a repaired state at {}; exhaustion marks, the \
                 scheduled return or pane records may be lost: check 'claude-failover status' (the corrupt copy is \
                 {}), then run 'claude-failover doctor --fix' to acknowledge",
                file.display(),
                r.error,
                crate::clock::fmt_utc(r.at),
                r.kept.display()
            ));
        }
    }
    st
}

/// Where `command` resolves: a path (it has a `/`) must be an executable file; a bare name is
/// looked up on `path` (`$PATH`), as the shell in a pane would.
fn find_executable(command: &str, path: Option<&std::ffi::OsStr>) -> Option<PathBuf> {
    use std::os::unix::fs::PermissionsExt;
    let runnable =
        |p: &std::path::Path| std::fs::metadata(p).is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0);
    if command.contains('/') {
        let p = PathBuf::from(command);
        return runnable(&p).then_some(p);
    }
    std::env::split_paths(path?)
        .map(|dir| if dir.as_os_str().is_empty() { PathBuf::from(".") } else { dir })
        .map(|dir| dir.join(command))
        .find(|p| runnable(p))
}

/// The problem with `claude_command`, if it resolves to no executable.
fn claude_command_problem(command: &str) -> Option<String> {
    if find_executable(command, std::env::var_os("PATH").as_deref()).is_some() {
        return None;
    }
    Some(if command.contains('/') {
        format!(
            "claude_command '{command}' is not an executable file; install Claude Code or set claude_command to the full path of claude"
        )
    } else {
        format!(
            "claude_command '{command}' is not on PATH; install Claude Code or set claude_command (to the full path if '{command}' is a shell alias)"
        )
    })
}

/// Is a daemon watching this tmux server? `Ok(line)` yes, `Err(advice)` no (SPEC §8: advice).
/// The Claude Code releases the panes run, beside the ones the tests covered; a release known to
/// break something, and every difference from the facts seen so far (`crate::drift`), as advice.
fn claude_releases_check(ctx: &Ctx, cfg: &crate::config::Config, advice: &mut Vec<String>) {
    let tested = crate::drift::tested_releases();
    let running = super::daemon::claude_releases(ctx, cfg);
    let mut by_release: std::collections::BTreeMap<String, Vec<String>> = std::collections::BTreeMap::new();
    for (pane, release) in &running {
        by_release.entry(release.clone().unwrap_or_else(|| "unknown".into())).or_default().push(pane.clone());
    }
    let shown: Vec<String> = by_release.iter().map(|(r, panes)| format!("{r} ({})", panes.join(", "))).collect();
    println!(
        "claude: {}; tested with {}",
        if shown.is_empty() { "no Claude pane".to_string() } else { format!("running {}", shown.join(", ")) },
        tested.join(", ")
    );
    for k in crate::drift::known_broken() {
        if by_release.contains_key(&k.release) {
            advice.push(format!(
                "Claude Code {} is known to break {}: {}; {} (docs/COMPATIBILITY.md)",
                k.release, k.check, k.reason, k.effect
            ));
        }
    }
    for (release, list) in crate::drift::read(&ctx.paths.state_dir) {
        for d in list {
            advice.push(format!(
                "Claude Code {release} differs from what claude-failover knows: {}; seen {} (tested with {}; the failover still acts on every signal that works)",
                d.what,
                crate::clock::fmt_utc(d.last),
                tested.join(", ")
            ));
        }
    }
}

fn daemon_check(ctx: &Ctx) -> std::result::Result<String, String> {
    let tmux = ctx.tmux();
    if ctx.socket.is_none() && std::env::var_os("TMUX").is_none() && !tmux.server_running() {
        return Err("no tmux server is running: nothing is watched until tmux starts with the plugin loaded".into());
    }
    let server = Server::resolve(&ctx.paths, &tmux).map_err(|e| format!("{e:#}"))?;
    match server.running() {
        Some(Some(pid)) => Ok(format!("daemon: pid {pid} watches tmux server {}", server.socket)),
        Some(None) => Ok(format!("daemon: one holds the lock for tmux server {}", server.socket)),
        None => Err(format!(
            "no daemon runs for tmux server {}: Claude panes there are not protected; reload the plugin \
             ('tmux source-file ~/.tmux.conf') or run: tmux run-shell -b \"exec $(command -v claude-failover) daemon --detach\"",
            server.socket
        )),
    }
}

pub(super) fn link(ctx: &Ctx, adopt: bool, dry_run: bool) -> Result<u8> {
    let cfg = ctx.config()?;
    let global_json = crate::claude::home_claude_json();
    if dry_run {
        // The plan is the real run on a shadow of the places it looks at (`dry_run.rs`): exactly
        // the steps the run would take, in order.
        let (shadow, shadowed, json) = crate::dry_run::Shadow::of(&cfg, global_json.as_deref())?;
        let (lines, ok) = link_run(&shadowed, adopt, json.as_deref());
        for l in &lines {
            println!("would: {}", shadow.back(l));
        }
        if lines.is_empty() {
            println!("nothing to do: every account already links its shared dirs");
        }
        println!("(a dry run: nothing was changed)");
        return Ok(u8::from(!ok));
    }
    let (lines, ok) = link_run(&cfg, adopt, global_json.as_deref());
    for l in &lines {
        println!("{l}");
    }
    super::daemon::push_segment(ctx);
    if ok {
        println!(
            "ok: every account links {}",
            cfg.shared.iter().map(|l| l.name.as_str()).collect::<Vec<_>>().join(", ")
        );
        Ok(0)
    } else {
        Ok(1)
    }
}

/// What `link` does, in the order it does it, as the lines it prints; and whether all is well.
fn link_run(cfg: &crate::config::Config, adopt: bool, global_json: Option<&std::path::Path>) -> (Vec<String>, bool) {
    let mut lines = Vec::new();
    let mut bad = false;
    if adopt {
        let steps = links::adopt(cfg, global_json);
        if steps.is_empty() {
            lines.push("nothing to adopt: no real directory sits where a link belongs".to_string());
        }
        for s in &steps {
            lines.push(s.to_string());
            bad |= matches!(s, links::Step::Conflict { .. } | links::Step::Failed { .. });
        }
    }
    let r = links::ensure_all(&cfg.accounts, &cfg.shared, true);
    lines.extend(r.created.iter().cloned());
    lines.extend(r.problems.iter().map(|p| format!("problem: {p}")));
    match links::ensure_pointer(cfg) {
        Ok(Some(done)) => lines.push(done),
        Ok(None) => {}
        Err(p) => {
            lines.push(format!("problem: {p}"));
            bad = true;
        }
    }
    (lines, r.ok() && !bad)
}
