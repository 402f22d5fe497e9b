//! `claude-failover demo`: the newcomer's first run, no Claude account needed. A throwaway world
//! in a temp dir — two fake accounts with their shared links, a private tmux server, two panes
//! running a small stand-in for claude — the plugin loaded into it, and one pane hitting its
//! limit a few seconds in. The user watches the swap, the resumed panes and the status line.
//!
//! Invariant: nothing outside the temp dir is read or written (config, state and `claude_dir`
//! all point inside it; the user's own tmux server is never contacted), and everything is
//! removed on exit.

use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};

use crate::tmux::TmuxCli;

const STAND_IN: &str = include_str!("demo-claude.sh");

pub struct Options {
    pub attach: bool,
    /// Seconds before the first pane hits its limit.
    pub limit_after: u32,
}

pub fn run(opts: &Options) -> Result<u8> {
    let tmp = tempfile::Builder::new().prefix("claude-failover-demo-").tempdir().context("cannot create a temp dir")?;
    let root = tmp.path();
    let bin = std::env::current_exe().context("cannot find this program's own path")?;
    let stand_in = root.join("bin/claude");
    std::fs::create_dir_all(stand_in.parent().unwrap_or(root))?;
    std::fs::write(&stand_in, STAND_IN)?;
    std::fs::set_permissions(&stand_in, std::fs::Permissions::from_mode(0o755))?;
    for p in ["src/webapp", "src/api"] {
        std::fs::create_dir_all(root.join(p))?;
    }
    let config = root.join("config.toml");
    let q = |p: &Path| format!("{:?}", p.display().to_string());
    std::fs::write(
        &config,
        format!(
            "claude_dir = {}\nclaude_command = {}\n\n[[accounts]]\nname = \"work\"\nhome = {}\n\n[[accounts]]\nname = \"personal\"\nhome = {}\n\n[shared]\nroot = {}\n\n[swap]\nresume_prompt = \"continue\"\n",
            q(&root.join(".claude")),
            q(&stand_in),
            q(&root.join(".claude-work")),
            q(&root.join(".claude-personal")),
            q(&root.join(".claude-shared")),
        ),
    )?;
    let state = root.join("state");
    let socket = root.join("tmux.sock");
    let reset = (jiff::Zoned::now().with_time_zone(jiff::tz::TimeZone::UTC) + jiff::SignedDuration::from_hours(3))
        .strftime("%-I%P (Etc/UTC)")
        .to_string();
    let envs: Vec<(String, String)> = vec![
        ("CLAUDE_FAILOVER_CONFIG".into(), config.display().to_string()),
        ("CLAUDE_FAILOVER_STATE_DIR".into(), state.display().to_string()),
        ("DEMO_RESET".into(), reset),
        // The demo's shells keep no history: not in the user's home, not in the world as it
        // is being removed (they write it as kill-server hangs them up).
        ("HISTFILE".into(), String::new()),
    ];
    let cmd = |args: &[&str]| -> Result<()> {
        let mut c = Command::new(&bin);
        c.args(args).envs(envs.iter().map(|(k, v)| (k, v)));
        let out = c.output().with_context(|| format!("running claude-failover {}", args.join(" ")))?;
        if !out.status.success() {
            bail!("claude-failover {} failed: {}", args.join(" "), String::from_utf8_lossy(&out.stderr).trim());
        }
        Ok(())
    };
    cmd(&["link"])?;
    // The demo's accounts are logged in as far as a swap can tell (a swap skips an account with
    // no login); the stand-in never reads the file.
    for home in [root.join(".claude-work"), root.join(".claude-personal")] {
        crate::atomic::write_atomic(
            &home.join(crate::login::CREDENTIALS),
            br#"{"claudeAiOauth":{"accessToken":"demo","refreshToken":"demo"}}"#,
            0o600,
        )?;
    }

    let tmux = TmuxCli::new(Some(socket.clone()));
    let work = root.join(".claude-work");
    let webapp = root.join("src/webapp");
    let work_env = format!("CLAUDE_CONFIG_DIR={}", work.display());
    let limit_env = format!("DEMO_LIMIT_AFTER={}", opts.limit_after);
    tmux.start_server(
        &envs,
        &[
            "-d",
            "-s",
            "demo",
            "-x",
            "200",
            "-y",
            "50",
            "-c",
            &webapp.to_string_lossy(),
            "-e",
            &work_env,
            "-e",
            &limit_env,
        ],
    )
    .with_context(|| format!("cannot start a private tmux server at {} (is tmux installed?)", socket.display()))?;
    let result = drive(&tmux, root, &bin, &stand_in, &work, opts);
    stop_daemons(&state);
    let _ = tmux.run(&["kill-server"]);
    result
}

/// Stop the demo's daemon and wait for it, so nothing writes into the world while it is removed.
fn stop_daemons(state: &Path) {
    let Ok(servers) = std::fs::read_dir(state.join("servers")) else { return };
    for s in servers.flatten() {
        let pid = std::fs::read_to_string(s.path().join("daemon.pid")).ok().and_then(|p| p.trim().parse::<u32>().ok());
        if let Some(pid) = pid {
            let _ = crate::procs::terminate(pid);
            let end = Instant::now() + Duration::from_secs(3);
            while crate::procs::is_alive(pid) && Instant::now() < end {
                std::thread::sleep(Duration::from_millis(20));
            }
        }
    }
}

fn drive(tmux: &TmuxCli, root: &Path, bin: &Path, stand_in: &Path, work: &Path, opts: &Options) -> Result<u8> {
    let first = tmux.run(&["list-panes", "-t", "demo", "-F", "#{pane_id}"])?.trim().to_string();
    let api = root.join("src/api");
    let second = tmux
        .run(&[
            "split-window",
            "-h",
            "-t",
            "demo",
            "-P",
            "-F",
            "#{pane_id}",
            "-c",
            &api.to_string_lossy(),
            "-e",
            &format!("CLAUDE_CONFIG_DIR={}", work.display()),
            "-e",
            "DEMO_LIMIT_AFTER=",
        ])?
        .trim()
        .to_string();
    tmux.run(&["set", "-g", "status-right", "#{claude_failover_status}  "])?;
    tmux.run(&["set", "-g", "status-style", "bg=colour236,fg=colour250"])?;
    tmux.run(&["set", "-g", "@claude-failover-bin", &bin.to_string_lossy()])?;
    tmux.run(&["set", "-g", "pane-border-status", "top"])?;
    let init = Command::new(bin)
        .args(["--socket", &root.join("tmux.sock").to_string_lossy(), "tmux-init"])
        .envs(tmux_env(tmux))
        .output()
        .context("running tmux-init")?;
    if !init.status.success() {
        bail!("tmux-init failed: {}", String::from_utf8_lossy(&init.stderr).trim());
    }
    tmux.run_stdin(&["source-file", "-"], Some(&init.stdout))?;
    let line = crate::tmux::shell_quote(&stand_in.to_string_lossy());
    for p in [&first, &second] {
        crate::tmux::Tmux::send_literal(tmux, p, &line)?;
        crate::tmux::Tmux::send_keys(tmux, p, &["C-m"])?;
    }
    tmux.run(&["display-message", "-d", "0", "claude-failover demo: the left pane hits its limit in a few seconds; watch both panes move to 'personal' (prefix + d to leave)"]).ok();
    let events = root.join("state/events.jsonl");
    if opts.attach {
        return Ok(u8::from(!tmux.attach("demo")?));
    }
    // Headless: wait for the swap and for both panes to be back, then report.
    let end = Instant::now() + Duration::from_secs(30);
    loop {
        let log = std::fs::read_to_string(&events).unwrap_or_default();
        if let Some(l) = log.lines().find(|l| l.contains("\"event\":\"swap\"")) {
            let v: serde_json::Value = serde_json::from_str(l).unwrap_or_default();
            println!("demo: {}", v["message"].as_str().unwrap_or("swapped"));
            // The status is pushed just after the swap is logged: wait for it to show the move.
            let want = format!(":{}", v["to"].as_str().unwrap_or(""));
            let status =
                || tmux.run(&["show", "-gv", "@claude-failover-status"]).unwrap_or_default().trim().to_string();
            let until = Instant::now() + Duration::from_secs(5);
            while !status().contains(&want) && Instant::now() < until {
                std::thread::sleep(Duration::from_millis(20));
            }
            println!("demo: status line: {}", status());
            return Ok(0);
        }
        if Instant::now() > end {
            bail!("the demo did not swap within 30 s; events so far:\n{log}");
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// The environment a CLI call made from the demo needs to find the demo's config and state.
fn tmux_env(tmux: &TmuxCli) -> Vec<(String, String)> {
    let out = tmux.run(&["show-environment", "-g"]).unwrap_or_default();
    out.lines()
        .filter_map(|l| l.split_once('='))
        .filter(|(k, _)| k.starts_with("CLAUDE_FAILOVER_") || k.starts_with("DEMO_"))
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}
