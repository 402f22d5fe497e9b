//! `claude-failover demo`: headless, and run by a user from a shell inside their own tmux (a
//! server with a real client in an outer tmux's pane): the intro is on the screen, the leave key
//! leaves the demo only, the summary and the next command are printed, nothing is left behind.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use crate::common::*;
use crate::world::*;

/// The first intro row, as the demo shows it.
const INTRO: &str = "claude-failover demo: two fake accounts, work and personal";

/// Wait until `screen()` shows `needle`; on timeout, fail with what it showed.
fn wait_screen(what: &str, needle: &str, screen: impl Fn() -> String) -> String {
    let end = Instant::now() + Duration::from_secs(30);
    loop {
        let s = screen();
        if s.contains(needle) {
            return s;
        }
        assert!(Instant::now() < end, "timed out waiting for {what} ({needle:?}); the screen:\n{s}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn walk(d: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(d).into_iter().flatten().flatten() {
        out.push(e.path());
        if e.path().is_dir() {
            out.extend(walk(&e.path()));
        }
    }
    out
}

/// A TMPDIR for the demo's world inside the test's dir.
fn tmpdir(dir: &Path) -> PathBuf {
    let tmp = dir.join("tmpdir");
    std::fs::create_dir_all(&tmp).unwrap();
    tmp
}

#[test]
fn demo_runs_headless_to_a_completed_swap_and_leaves_nothing() {
    let mut e = Env::new();
    let tmp = tmpdir(e.dir.path());
    e.set("TMPDIR", tmp.to_str().unwrap());
    let r = e.ok(&["demo", "--no-attach", "--limit-after", "1"]);
    assert!(r.stdout.contains("work -> personal: 2 pane(s) resumed"), "{}", r.all());
    assert!(r.stdout.contains("status line: claude:personal"), "{}", r.stdout);
    // plain text for a terminal: no tmux style codes
    assert!(!r.all().contains("#["), "tmux style codes in the output:\n{}", r.all());
    // the summary, with the time it took, and the next command
    assert!(r.stdout.contains("What happened:") && r.stdout.contains(" s  swapped work -> personal"), "{}", r.stdout);
    assert!(r.stdout.contains("claude-failover init"), "{}", r.stdout);
    assert_eq!(std::fs::read_dir(&e.home).unwrap().count(), 0, "the demo wrote nothing into HOME");
    let left: Vec<_> = walk(&tmp);
    assert!(left.is_empty(), "the demo removed its world, but left: {left:?}");
}

/// The user's session as it was before the demo: its windows, root keys and status.
fn user_side(w: &World) -> (String, String, String) {
    (
        w.tmux(&["list-windows", "-t", "w", "-F", "#{window_index} #{window_id}"]),
        w.tmux(&["list-keys", "-T", "root"]),
        w.tmux(&["show", "-g", "status"]),
    )
}

/// Type the demo into the user's shell (a pane of their tmux: `$TMUX` is set there as in any
/// user's shell) and wait for its intro on the user's screen.
fn start_demo_in_tmux(w: &mut World, view: Option<&str>) -> (String, PathBuf) {
    w.attach_client();
    let tmp = tmpdir(w.env.dir.path());
    let pane = w.tmux(&["list-panes", "-t", "w", "-F", "#{pane_id}"]).trim().to_string();
    let shell = w.tmux(&["display", "-p", "-t", &pane, "#{pane_pid}"]).trim().to_string();
    let environ = std::fs::read(format!("/proc/{shell}/environ")).unwrap();
    assert!(environ.split(|b| *b == 0).any(|v| v.starts_with(b"TMUX=/")), "the user's shell has TMUX set");
    let force = view.map(|v| format!("CLAUDE_FAILOVER_DEMO_VIEW={v} ")).unwrap_or_default();
    w.type_line(&pane, &format!("clear; TMPDIR='{}' {force}'{BIN}' demo --limit-after 3", tmp.display()));
    // the intro: what this is, what will happen and when, which key leaves
    wait_screen("the intro", INTRO, || w.client_screen());
    // the countdown starts once the user sees the demo
    let s = wait_screen("the countdown", "The left pane hits work's usage limit in", || w.client_screen());
    assert!(s.contains(INTRO), "{s}");
    assert!(s.contains("watch both panes move to personal"), "{s}");
    assert!(s.contains("C-q leaves"), "{s}");
    (pane, tmp)
}

/// The demo ran to the swap, C-q left it; the user's client is still attached to their session,
/// which is as it was, with the summary in the shell the demo was started from.
fn leave_and_check(w: &World, pane: &str, tmp: &Path, before: &(String, String, String)) {
    let s = wait_screen("the swap, in the demo", "Done in", || w.client_screen());
    assert!(s.contains("work -> personal, 2 pane(s) resumed"), "{s}");
    wait_screen("the demo's status line showing the move", "claude:personal", || w.client_screen());
    w.press(&["C-q"]);
    let s = wait_screen("the summary", "claude-failover init", || w.screen(pane));
    assert!(s.contains("work -> personal: 2 pane(s) resumed"), "{s}");
    assert!(s.contains("What happened:") && s.contains("the left pane hit work's usage limit"), "{s}");
    assert!(!s.contains("#["), "tmux style codes in the summary:\n{s}");
    wait_screen("the summary on the user's screen", "claude-failover init", || w.client_screen());
    // the user's client: still attached, to their session
    assert_eq!(w.tmux(&["list-clients", "-F", "#{client_session}"]).trim(), "w", "the user's client was detached");
    assert_eq!(&user_side(w), before, "the demo changed the user's tmux");
    nothing_left(tmp);
}

#[test]
fn demo_inside_tmux_opens_a_popup_that_c_q_closes_back_to_the_users_session() {
    let mut w = World::new("");
    let before = user_side(&w);
    let (pane, tmp) = start_demo_in_tmux(&mut w, None);
    // a popup over the user's pane (on the client's screen, not in the pane); no window added
    assert!(!w.screen(&pane).contains(INTRO), "the demo is drawn in the user's pane:\n{}", w.screen(&pane));
    assert_eq!(w.tmux(&["list-windows", "-t", "w", "-F", "x"]).lines().count(), 1);
    leave_and_check(&w, &pane, &tmp, &before);
}

#[test]
fn demo_inside_tmux_in_a_window_c_q_goes_back_to_where_it_was_started() {
    let mut w = World::new("");
    let before = user_side(&w);
    let (pane, tmp) = start_demo_in_tmux(&mut w, Some("window"));
    assert_eq!(w.tmux(&["display", "-p", "-t", "w", "#{window_name}"]).trim(), "demo");
    leave_and_check(&w, &pane, &tmp, &before);
    assert_eq!(
        w.tmux(&["display", "-p", "-t", "w", "#{pane_id}"]).trim(),
        pane,
        "back in the pane it was started from"
    );
}

#[test]
fn demo_outside_tmux_attaches_the_terminal_and_c_q_leaves() {
    // A terminal: a tmux pane whose shell has no TMUX, as a terminal emulator's has.
    let e = Env::new();
    let tmp = tmpdir(e.dir.path());
    let term = Terminal(e.dir.path().join("tmux").join("terminal"));
    let tmux = |args: &[&str]| {
        let mut c = Command::new("tmux");
        c.arg("-S").arg(&term.0).args(args).env_clear().envs(e.vars.iter().map(|(k, v)| (k, v)));
        c.env("TERM", "xterm-256color").env("LC_ALL", "C.UTF-8").env("PATH", std::env::var("PATH").unwrap_or_default());
        let o = c.output().unwrap();
        assert!(o.status.success(), "tmux {args:?}: {}", String::from_utf8_lossy(&o.stderr));
        String::from_utf8_lossy(&o.stdout).into_owned()
    };
    let run = format!(
        "env -u TMUX -u TMUX_PANE TMPDIR='{}' '{BIN}' demo --limit-after 2; echo demo-exit=$?; sleep 60",
        tmp.display()
    );
    tmux(&["-f", "/dev/null", "new-session", "-d", "-x", "150", "-y", "40", &run]);
    let screen = || tmux(&["capture-pane", "-p", "-t", "0"]);
    let s = wait_screen("the intro", INTRO, screen);
    assert!(s.contains("C-q leaves"), "{s}");
    wait_screen("the swap", "Done in", screen);
    tmux(&["send-keys", "-t", "0", "C-q"]);
    let s = wait_screen("the summary", "demo-exit=0", screen);
    assert!(s.contains("work -> personal: 2 pane(s) resumed") && s.contains("claude-failover init"), "{s}");
    nothing_left(&tmp);
}

/// The tmux server that plays a terminal, killed however the test ends (the demo in it ends on
/// the hang-up and removes its world).
struct Terminal(PathBuf);

impl Drop for Terminal {
    fn drop(&mut self) {
        let _ = Command::new("tmux").arg("-S").arg(&self.0).arg("kill-server").output();
    }
}

/// Processes started for a demo whose world is under `tmp` (its tmux server, daemon, stand-ins).
fn demo_processes(tmp: &Path) -> Vec<String> {
    let needle = tmp.join("claude-failover-demo-").to_string_lossy().to_string();
    std::fs::read_dir("/proc")
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|e| {
            e.file_name().to_str()?.parse::<u32>().ok()?;
            let c = String::from_utf8_lossy(&std::fs::read(e.path().join("cmdline")).ok()?).replace('\0', " ");
            c.contains(&needle).then_some(c)
        })
        .collect()
}

fn nothing_left(tmp: &Path) {
    let end = Instant::now() + Duration::from_secs(10);
    while !(demo_processes(tmp).is_empty() && walk(tmp).is_empty()) {
        assert!(Instant::now() < end, "the demo left processes {:?} and files {:?}", demo_processes(tmp), walk(tmp));
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn closing_the_pane_the_demo_runs_in_leaves_nothing_running() {
    let mut w = World::new("");
    let (pane, tmp) = start_demo_in_tmux(&mut w, None);
    // the session outlives the pane: another pane in its window
    w.tmux(&["split-window", "-d", "-t", &pane]);
    w.tmux(&["kill-pane", "-t", &pane]);
    nothing_left(&tmp);
    assert_eq!(w.tmux(&["list-clients", "-F", "#{client_session}"]).trim(), "w", "the user's client was detached");
    assert!(!w.client_screen().contains(INTRO), "the popup closed");
}

#[test]
fn ctrl_c_ends_a_headless_demo_and_removes_its_world() {
    let mut e = Env::new();
    let tmp = tmpdir(e.dir.path());
    e.set("TMPDIR", tmp.to_str().unwrap());
    let mut child = e
        .command(&["demo", "--no-attach", "--limit-after", "60"])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    wait_for("the demo's daemon", Duration::from_secs(20), || {
        demo_processes(&tmp).iter().any(|c| c.contains(" daemon --worker"))
    });
    Command::new("kill").args(["-INT", &child.id().to_string()]).status().unwrap();
    let end = Instant::now() + Duration::from_secs(10);
    let status = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break s;
        }
        assert!(Instant::now() < end, "the demo did not end on SIGINT");
        std::thread::sleep(Duration::from_millis(50));
    };
    assert!(!status.success());
    nothing_left(&tmp);
}
