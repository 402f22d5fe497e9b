//! `claude-failover demo`: the newcomer's first run, no Claude account needed. A throwaway world
//! in a temp dir — two fake accounts with their shared links, a private tmux server, two panes
//! running a small stand-in for claude — the plugin loaded into it, and one pane hitting its
//! limit a few seconds in. The user watches the swap, the resumed panes and the status line, then
//! leaves with `C-q` and reads a summary of what happened (from the demo's own event log) and the
//! command that sets up the real thing.
//!
//! Where the demo is shown:
//! - outside tmux, the terminal attaches to the private server (as `tmux attach` would);
//! - inside tmux (`$TMUX` set, tmux >= 3.2), in a full-size `display-popup` on the user's client:
//!   the popup gets every key, so `C-q` (or the demo's own `prefix + d`) detaches the popup's
//!   client from the demo server, the popup closes and the user is back in their session; their
//!   own client is never detached;
//! - inside an older tmux (or when the popup cannot open), in a new window of the user's session:
//!   there the user's server sees keys first, so only the root binding `C-q` (which passes
//!   through) leaves; the window closes and tmux goes back to the window the demo was started in.
//!
//! `CLAUDE_FAILOVER_DEMO_VIEW=popup|window|terminal` picks one of them (tests; a user who prefers
//! a window).
//!
//! Invariant: nothing outside the temp dir is read or written (config, state and `claude_dir`
//! all point inside it). The user's own tmux server is contacted only to show the demo (a popup or
//! a window) and never otherwise changed; everything is removed on exit.

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use serde_json::Value;

use crate::tmux::{TmuxCli, shell_quote};

const STAND_IN: &str = include_str!("demo-claude.sh");
/// The key (root table of the demo server) that leaves the demo.
const LEAVE_KEY: &str = "C-q";

pub struct Options {
    pub attach: bool,
    /// Seconds from the moment the demo is on screen (headless: from its start) to the left pane
    /// hitting its limit.
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
    // No tmux notice of the swap: while a message shows, tmux (< 3.4) stops redrawing the other
    // status rows, the status segment's move included; the demo's own row tells instead.
    let q = |p: &Path| format!("{:?}", p.display().to_string());
    std::fs::write(
        &config,
        format!(
            "claude_dir = {}\nclaude_command = {}\n\n[[accounts]]\nname = \"work\"\nhome = {}\n\n[[accounts]]\nname = \"personal\"\nhome = {}\n\n[shared]\nroot = {}\n\n[swap]\nresume_prompt = \"continue\"\n\n[notify]\ntmux = false\n",
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
        c.args(args).envs(envs.iter().map(|(k, v)| (k, v))).env_remove("TMUX").env_remove("TMUX_PANE");
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

    end_on_signals(socket.clone());
    let tmux = TmuxCli::new(Some(socket.clone()));
    let work = root.join(".claude-work");
    let webapp = root.join("src/webapp");
    let work_env = format!("CLAUDE_CONFIG_DIR={}", work.display());
    // The private server, started without the user's `$TMUX`: nothing of it points at their server.
    let started = private_tmux(&socket)
        .args(["-f", "/dev/null", "new-session", "-d", "-s", "demo", "-x", "200", "-y", "50", "-c"])
        .arg(&webapp)
        .args(["-e", &work_env])
        .envs(envs.iter().map(|(k, v)| (k, v)))
        .output()
        .with_context(|| format!("cannot start a private tmux server at {} (is tmux installed?)", socket.display()))?;
    if !started.status.success() {
        bail!("tmux could not start a private server: {}", String::from_utf8_lossy(&started.stderr).trim());
    }
    let result = drive(&tmux, root, &bin, &stand_in, &work, opts);
    stop_daemons(&state);
    let _ = tmux.run(&["kill-server"]);
    drop(tmp);
    // A closed pipe or terminal loses the summary, not the exit status.
    let _ = std::io::Write::write_all(&mut std::io::stdout(), result?.summary(opts).as_bytes());
    Ok(0)
}

/// Set when a signal (the terminal or pane closed, Ctrl-C, kill) ends the demo early.
static INTERRUPTED: AtomicBool = AtomicBool::new(false);

/// SIGHUP, SIGINT and SIGTERM end the demo as leaving it does: its server is killed (which ends
/// the attach, popup or window), then `run` stops the daemon and removes the world as usual.
/// Without this, a closed terminal would leave the server, its daemon and stand-ins running.
/// Handlers, not a blocked mask: children (the server, its panes) must not inherit a mask that
/// blocks these signals, and exec resets handlers.
fn end_on_signals(socket: PathBuf) {
    extern "C" fn note(_: libc::c_int) {
        INTERRUPTED.store(true, Ordering::SeqCst);
    }
    for sig in [libc::SIGTERM, libc::SIGHUP, libc::SIGINT] {
        // SAFETY: installs a handler that only stores to an atomic (async-signal-safe).
        unsafe { libc::signal(sig, note as extern "C" fn(libc::c_int) as libc::sighandler_t) };
    }
    std::thread::spawn(move || {
        while !INTERRUPTED.load(Ordering::SeqCst) {
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = private_tmux(&socket).arg("kill-server").output();
    });
}

fn interrupted() -> Result<()> {
    if INTERRUPTED.load(Ordering::SeqCst) {
        bail!("the demo was interrupted; its world is removed");
    }
    Ok(())
}

/// `tmux -u -S <socket>` for the demo's own server, without the user's `$TMUX`/`$TMUX_PANE` (an
/// attach would refuse to nest, and nothing started from it may reach the user's server).
fn private_tmux(socket: &Path) -> Command {
    let mut c = Command::new("tmux");
    c.arg("-u").arg("-S").arg(socket).env_remove("TMUX").env_remove("TMUX_PANE");
    c
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

fn drive(tmux: &TmuxCli, root: &Path, bin: &Path, stand_in: &Path, work: &Path, opts: &Options) -> Result<Outcome> {
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
        ])?
        .trim()
        .to_string();
    tmux.run(&["set", "-g", "status-right", "#{claude_failover_status}  "])?;
    tmux.run(&["set", "-g", "status-style", "bg=colour236,fg=colour250"])?;
    tmux.run(&["set", "-g", "@claude-failover-bin", &bin.to_string_lossy()])?;
    tmux.run(&["set", "-g", "pane-border-status", "top"])?;
    // The way out, in every view: a root key (passes through the user's own tmux when the demo
    // runs in one of their windows) and the demo's prefix + d (in a popup or a terminal).
    tmux.run(&["bind-key", "-n", LEAVE_KEY, "detach-client"])?;
    tmux.run(&["set", "-g", "status-left", &format!(" [demo] {LEAVE_KEY} leaves ")])?;
    tmux.run(&["set", "-g", "status-left-length", "20"])?;
    // The intro, on two more status rows for the whole demo: what this is, and what happens now
    // (kept current by the `Director`). A tmux without status-format (< 3.0) shows no intro.
    if tmux.run(&["set", "-g", "status", "3"]).is_ok() {
        tmux.run(&["set", "-g", "status-format[1]", &status_row(INTRO)]).ok();
        tmux.run(&["set", "-g", "status-format[2]", &status_row(&Stage::Starting.text(opts))]).ok();
    }
    let init = Command::new(bin)
        .args(["--socket", &root.join("tmux.sock").to_string_lossy(), "tmux-init"])
        .envs(tmux_env(tmux))
        .env_remove("TMUX")
        .env_remove("TMUX_PANE")
        .output()
        .context("running tmux-init")?;
    if !init.status.success() {
        bail!("tmux-init failed: {}", String::from_utf8_lossy(&init.stderr).trim());
    }
    tmux.run_stdin(&["source-file", "-"], Some(&init.stdout))?;
    // A clean start: the panes show Claude, not the shell line that started it.
    let line = format!("clear; {}", shell_quote(&stand_in.to_string_lossy()));
    for p in [&first, &second] {
        crate::tmux::Tmux::send_literal(tmux, p, &line)?;
        crate::tmux::Tmux::send_keys(tmux, p, &["C-m"])?;
    }
    let events = root.join("state/events.jsonl");
    let webapp = std::fs::canonicalize(root.join("src/webapp"))?;
    let stop = AtomicBool::new(false);
    let director = Director { tmux, work, webapp: &webapp, events: &events, opts, stop: &stop };
    let (viewed, times) = std::thread::scope(|s| {
        let times = s.spawn(|| director.run());
        let viewed = if opts.attach { show(tmux, root) } else { wait_for_swap(tmux, &events) };
        stop.store(true, Ordering::Relaxed);
        (viewed, times.join().unwrap_or_default())
    });
    interrupted()?;
    viewed?;
    Ok(Outcome::read(&events, times, plain_status(tmux)))
}

/// Headless: wait for the swap and for the status to show the move.
fn wait_for_swap(tmux: &TmuxCli, events: &Path) -> Result<()> {
    let end = Instant::now() + Duration::from_secs(30);
    loop {
        interrupted()?;
        if let Some(swap) = Outcome::read(events, Times::default(), String::new()).swap {
            // The status is pushed just after the swap is logged: wait for it to show the move.
            let want = format!(":{}", swap.to);
            let until = Instant::now() + Duration::from_secs(5);
            while !plain_status(tmux).contains(&want) && Instant::now() < until {
                std::thread::sleep(Duration::from_millis(20));
            }
            return Ok(());
        }
        if Instant::now() > end {
            bail!(
                "the demo did not swap within 30 s; events so far:\n{}",
                std::fs::read_to_string(events).unwrap_or_default()
            );
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// The first intro row: what this is.
const INTRO: &str = "claude-failover demo: two fake accounts, work and personal; both panes run Claude on work";

/// Where the demo is, for the last status row.
enum Stage {
    /// The stand-ins are starting, or nobody watches yet.
    Starting,
    /// Milliseconds until the left pane hits its limit.
    Countdown(i64),
    /// The limit is hit; the daemon has not said anything yet.
    Hit,
    /// The daemon detected it and is swapping.
    Swapping,
    /// The swap is done: milliseconds from the limit to the last pane resumed, panes resumed.
    Done(i64, usize),
}

impl Stage {
    fn text(&self, opts: &Options) -> String {
        match self {
            Stage::Starting => format!(
                "Starting Claude in both panes; {} s later the left pane hits work's usage limit. {LEAVE_KEY} leaves",
                opts.limit_after
            ),
            Stage::Countdown(ms) => format!(
                "The left pane hits work's usage limit in {} s: watch both panes move to personal. {LEAVE_KEY} leaves",
                (ms + 999) / 1000
            ),
            Stage::Hit => format!("The left pane hit work's usage limit... {LEAVE_KEY} leaves"),
            Stage::Swapping => {
                format!("The daemon saw it: moving every Claude pane to personal... {LEAVE_KEY} leaves")
            }
            Stage::Done(ms, n) => format!(
                "Done in {}: work -> personal, {n} pane(s) resumed (see the status line). {LEAVE_KEY} leaves; then: claude-failover init",
                secs(*ms)
            ),
        }
    }
}

/// When things happened (Unix ms), as the director saw them.
#[derive(Debug, Default, Clone, Copy)]
struct Times {
    /// The countdown started: both stand-ins up and (attached) the user watching.
    start: Option<i64>,
    /// The left pane was made to hit its limit.
    limit: Option<i64>,
}

/// Runs the demo's script while it is shown: starts the countdown once the stand-ins are up and
/// someone watches, makes the left pane hit its limit, and keeps the last status row telling what
/// happens.
struct Director<'a> {
    tmux: &'a TmuxCli,
    work: &'a Path,
    /// The left pane's directory (resolved, as the stand-in registers it).
    webapp: &'a Path,
    events: &'a Path,
    opts: &'a Options,
    stop: &'a AtomicBool,
}

impl Director<'_> {
    fn run(&self) -> Times {
        let mut t = Times::default();
        let mut shown = String::new();
        let limit_ms = i64::from(self.opts.limit_after) * 1000;
        while !self.stop.load(Ordering::Relaxed) {
            let now = now_ms();
            if t.start.is_none() && self.stand_ins_up() && (!self.opts.attach || self.watched()) {
                t.start = Some(now);
            }
            if let (Some(start), None) = (t.start, t.limit)
                && now - start >= limit_ms
                && let Some(pid) = self.left_stand_in()
                && Command::new("sh")
                    .args(["-c", "kill -USR1 \"$1\"", "sh", &pid.to_string()])
                    .status()
                    .is_ok_and(|s| s.success())
            {
                t.limit = Some(now);
            }
            if self.opts.attach {
                let o = Outcome::read(self.events, t, String::new());
                let stage = match (&o.swap, o.detected, t.limit, t.start) {
                    (Some(s), ..) => Stage::Done(o.swap_took().unwrap_or(0), s.resumed),
                    (None, Some(_), ..) => Stage::Swapping,
                    (None, None, Some(_), _) => Stage::Hit,
                    (None, None, None, Some(start)) => Stage::Countdown(limit_ms - (now - start)),
                    (None, None, None, None) => Stage::Starting,
                };
                let text = stage.text(self.opts);
                if text != shown && self.tmux.run(&["set", "-g", "status-format[2]", &status_row(&text)]).is_ok() {
                    shown = text;
                }
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        t
    }

    /// Both stand-ins registered (they do once they can take the limit signal).
    fn stand_ins_up(&self) -> bool {
        std::fs::read_dir(self.work.join("sessions")).map(|d| d.flatten().count() >= 2).unwrap_or(false)
    }

    /// A client is attached to the demo server: the user sees it.
    fn watched(&self) -> bool {
        self.tmux.run(&["list-clients", "-F", "x"]).is_ok_and(|c| !c.trim().is_empty())
    }

    /// The pid of the stand-in in the left pane, from its registry entry.
    fn left_stand_in(&self) -> Option<u32> {
        std::fs::read_dir(self.work.join("sessions")).ok()?.flatten().find_map(|e| {
            let v: Value = serde_json::from_slice(&std::fs::read(e.path()).ok()?).ok()?;
            let cwd = v["cwd"].as_str()?;
            (Path::new(cwd) == self.webapp).then(|| v["pid"].as_u64().and_then(|p| u32::try_from(p).ok())).flatten()
        })
    }
}

fn now_ms() -> i64 {
    jiff::Timestamp::now().as_millisecond()
}

/// One status row: plain text on the status style, `#` escaped (no formats from us in it).
fn status_row(text: &str) -> String {
    format!("#[align=left] {}", text.replace('#', "##"))
}

/// The demo's status segment as plain text (no `#[…]` styles), for a terminal.
fn plain_status(tmux: &TmuxCli) -> String {
    plain(tmux.run(&["show", "-gv", "@claude-failover-status"]).unwrap_or_default().trim())
}

/// tmux status text without its `#[…]` style directives, `##` back to `#`.
fn plain(s: &str) -> String {
    let mut out = String::new();
    let mut rest = s;
    while let Some(i) = rest.find('#') {
        out.push_str(&rest[..i]);
        let after = &rest[i + 1..];
        if let Some(style) = after.strip_prefix('[') {
            rest = style.find(']').map_or("", |j| &style[j + 1..]);
        } else if let Some(r) = after.strip_prefix('#') {
            out.push('#');
            rest = r;
        } else {
            out.push('#');
            rest = after;
        }
    }
    out.push_str(rest);
    out
}

/// How the demo is shown to the user.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum View {
    Terminal,
    Popup,
    Window,
}

fn pick_view() -> View {
    match std::env::var("CLAUDE_FAILOVER_DEMO_VIEW").as_deref() {
        Ok("terminal") => return View::Terminal,
        Ok("popup") => return View::Popup,
        Ok("window") => return View::Window,
        _ => {}
    }
    if user_server().is_none() {
        View::Terminal
    } else if tmux_at_least(3, 2) {
        View::Popup
    } else {
        View::Window
    }
}

/// The user's own tmux server (the socket in `$TMUX`), when the demo runs inside tmux.
fn user_server() -> Option<PathBuf> {
    let t = std::env::var("TMUX").ok()?;
    let sock = t.split(',').next()?;
    (!sock.is_empty()).then(|| PathBuf::from(sock))
}

/// `tmux -V` is at least `major.minor` (an unparsable version, e.g. `master`, is taken as new).
fn tmux_at_least(major: u32, minor: u32) -> bool {
    let v = Command::new("tmux").arg("-V").output().map(|o| String::from_utf8_lossy(&o.stdout).into_owned());
    version_at_least(&v.unwrap_or_default(), major, minor)
}

fn version_at_least(v: &str, major: u32, minor: u32) -> bool {
    let Some(start) = v.find(|c: char| c.is_ascii_digit()) else { return true };
    let mut nums = v[start..].split(|c: char| !c.is_ascii_digit()).map(|n| n.parse::<u32>().unwrap_or(0));
    let got = (nums.next().unwrap_or(0), nums.next().unwrap_or(0));
    got >= (major, minor)
}

/// Show the demo server to the user and return once they left it.
fn show(tmux: &TmuxCli, root: &Path) -> Result<()> {
    interrupted()?;
    let socket = root.join("tmux.sock");
    // Run by the user's `default-shell` (fish, zsh…): one `sh -c` for all of them. Should the
    // attach fail while the demo's server is up (a terminal tmux cannot drive), the popup or
    // window stays open with tmux's reason instead of flashing by; a server killed on a signal
    // just closes it.
    let script = "env -u TMUX -u TMUX_PANE tmux -u -S \"$1\" attach-session -t =demo || { tmux -S \"$1\" has-session 2>/dev/null && { echo; echo '[the demo could not attach; Enter closes]'; read -r _; }; }";
    let attach = format!("sh -c {} sh {}", shell_quote(script), shell_quote(&socket.to_string_lossy()));
    let user = user_server();
    let view = pick_view();
    if let (View::Popup, Some(user)) = (view, &user) {
        let mut c = Command::new("tmux");
        c.arg("-S").arg(user).args(["display-popup", "-E", "-w", "100%", "-h", "100%"]);
        if let Ok(pane) = std::env::var("TMUX_PANE") {
            c.args(["-t", &pane]);
        }
        if tmux_at_least(3, 3) {
            c.args(["-T", " claude-failover demo · C-q leaves "]);
        }
        let out = c.arg(&attach).output().context("running tmux display-popup")?;
        if out.status.success() {
            return Ok(());
        }
        eprintln!(
            "claude-failover demo: no popup ({}); opening a window instead",
            String::from_utf8_lossy(&out.stderr).trim()
        );
    }
    if let (View::Popup | View::Window, Some(user)) = (view, &user) {
        return show_in_window(tmux, user, &attach);
    }
    let ok = private_tmux(&socket).args(["attach-session", "-t", "=demo"]).status().context("running tmux attach")?;
    if !ok.success() {
        bail!("tmux attach failed");
    }
    Ok(())
}

/// A new window of the user's session runs the attach; it closes (and tmux goes back to the
/// previous window) when the user leaves the demo. Waits until it is gone.
fn show_in_window(tmux: &TmuxCli, user: &Path, attach: &str) -> Result<()> {
    let mut c = Command::new("tmux");
    c.arg("-S").arg(user).args(["new-window", "-P", "-F", "#{window_id}", "-n", "demo"]);
    // Next to the window the demo was started in (tmux finds it from `$TMUX_PANE`).
    let out = c.arg("-a").arg(attach).output().context("running tmux new-window")?;
    if !out.status.success() {
        bail!("cannot open a tmux window for the demo: {}", String::from_utf8_lossy(&out.stderr).trim());
    }
    let window = String::from_utf8_lossy(&out.stdout).trim().to_string();
    let window_alive = || {
        Command::new("tmux")
            .arg("-S")
            .arg(user)
            .args(["display-message", "-p", "-t", &window, "#{window_id}"])
            .output()
            .is_ok_and(|o| o.status.success() && String::from_utf8_lossy(&o.stdout).trim() == window)
    };
    while window_alive() && tmux.server_running() {
        std::thread::sleep(Duration::from_millis(200));
    }
    Ok(())
}

/// A completed swap, read from the event log.
struct Swap {
    /// When it was logged (Unix ms): the last pane resumed.
    at: i64,
    message: String,
    to: String,
    resumed: usize,
    failed: usize,
}

/// What happened in the demo: the director's times and the demo's own event log.
struct Outcome {
    times: Times,
    /// When the daemon detected the limit (Unix ms).
    detected: Option<i64>,
    swap: Option<Swap>,
    /// The status segment at the end, as plain text.
    status: String,
}

impl Outcome {
    fn read(events: &Path, times: Times, status: String) -> Outcome {
        let log = std::fs::read_to_string(events).unwrap_or_default();
        let lines: Vec<Value> = log.lines().filter_map(|l| serde_json::from_str(l).ok()).collect();
        let first = |kinds: &[&str]| lines.iter().find(|e| kinds.iter().any(|k| e["event"] == *k));
        let at = |e: &Value| e["t_ms"].as_i64().unwrap_or(0);
        let detected = first(&["detected", "swap_started"]).map(at);
        let swap = first(&["swap"]).map(|e| Swap {
            at: at(e),
            message: e["message"].as_str().unwrap_or("swapped").to_string(),
            to: e["to"].as_str().unwrap_or_default().to_string(),
            resumed: e["relaunched"].as_array().map_or(0, Vec::len),
            failed: e["failed"].as_array().map_or(0, Vec::len),
        });
        Outcome { times, detected, swap, status }
    }

    /// From the limit to the last pane resumed.
    fn swap_took(&self) -> Option<i64> {
        Some(self.swap.as_ref()?.at - self.times.limit.or(self.detected)?)
    }

    /// What the user reads when the demo is over: what happened and what to run next.
    fn summary(&self, opts: &Options) -> String {
        let mut o = String::new();
        let Some(s) = &self.swap else {
            if self.detected.is_some() {
                o += "demo: you left while the swap was under way.\n";
            } else {
                o += &format!(
                    "demo: you left before the limit (the left pane hits it {} s in); run `claude-failover demo` again to see the swap.\n",
                    opts.limit_after
                );
            }
            o += "\nThe demo's world is removed. Next, set up your own accounts:\n  claude-failover init\n";
            return o;
        };
        // The first lines as the headless demo always printed them (scripts read them).
        o += &format!("demo: {}\n", s.message);
        if !self.status.is_empty() {
            o += &format!("demo: status line: {}\n", self.status);
        }
        o += "\nWhat happened:\n";
        // The first step from the start of the countdown, the others from the step before.
        let (mut prev, mut first) = (self.times.start, true);
        let mut step = |at: Option<i64>, what: &str| {
            let Some(at) = at else { return };
            let when = match prev {
                Some(p) if first => secs(at - p),
                Some(p) => format!("+{}", secs(at - p)),
                None => String::new(),
            };
            first = false;
            o += &format!("  {when:>7}  {what}\n");
            prev = Some(at);
        };
        step(self.times.limit, "the left pane hit work's usage limit (Claude printed its message)");
        step(self.detected, "the daemon read it in the pane's output and started a swap");
        step(
            Some(s.at),
            &format!(
                "swapped work -> {}: {} Claude pane(s) stopped and resumed their own sessions there{}",
                s.to,
                s.resumed,
                if s.failed > 0 { format!(" ({} failed)", s.failed) } else { String::new() }
            ),
        );
        o += "           (each conversation carries on: same transcript; \"continue\" typed where the limit cut a turn short)\n";
        if !self.status.is_empty() {
            let back = if self.status.contains('↩') { ", until work's limit resets; then back to work" } else { "" };
            o += &format!("   status  {}: on {}{back}\n", self.status, s.to);
        }
        o += "\nThe demo's world is removed. Next, set up your own accounts:\n  claude-failover init\n";
        o
    }
}

fn secs(ms: i64) -> String {
    format!("{:.1} s", ms as f64 / 1000.0)
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_drops_styles_and_unescapes() {
        assert_eq!(plain("#[fg=green]claude:main#[default]"), "claude:main");
        assert_eq!(
            plain("#[fg=green]claude:main#[fg=red,bold] ⚠1 unwatched ⏸#[default]"),
            "claude:main ⚠1 unwatched ⏸"
        );
        assert_eq!(plain("a ## b #{x}"), "a # b #{x}");
        assert_eq!(plain("#[unterminated"), "");
    }

    #[test]
    fn versions() {
        assert!(version_at_least("tmux 3.3a", 3, 2));
        assert!(version_at_least("tmux 3.2", 3, 2));
        assert!(!version_at_least("tmux 3.1c", 3, 2));
        assert!(!version_at_least("tmux 2.9", 3, 2));
        assert!(version_at_least("tmux next-3.5", 3, 3));
        assert!(version_at_least("tmux master", 3, 2));
    }
}
