//! Always watching (issue 21): a daemon comes back by itself from any death, with no pane or key
//! (tmux's own status job and hooks run `daemon --ensure`); a tmux server restarted and restored
//! the way tmux-resurrect restores ends up watched; a wall-clock jump (a suspend) fires the
//! return once, at once.

use std::process::Command;
use std::time::{Duration, Instant};

use crate::common::*;
use crate::world::{FAKE, World};

const SHIM: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/claude-failover.tmux");

/// The plugin loaded as TPM loads it, with the segment in the status line.
fn load_plugin(w: &World) {
    w.tmux(&["set", "-g", "status-right", "#{claude_failover_status}"]);
    w.tmux(&["set", "-g", "@claude-failover-bin", BIN]);
    w.tmux(&["run-shell", SHIM]);
    wait_for("a daemon", Duration::from_secs(10), || w.daemons() == 1);
}

/// The supervisor (`claude-failover … daemon`, no `--worker`) of this world's server.
fn supervisor_pid(w: &World) -> Option<u32> {
    let sock = w.socket.to_string_lossy().to_string();
    std::fs::read_dir("/proc").ok()?.flatten().find_map(|e| {
        let pid: u32 = e.file_name().to_str()?.parse().ok()?;
        let c = String::from_utf8_lossy(&std::fs::read(e.path().join("cmdline")).ok()?).replace('\0', " ");
        (c.contains("claude-failover") && c.contains(&sock) && c.trim_end().ends_with(" daemon")).then_some(pid)
    })
}

fn kill9(pids: &[u32]) {
    let mut c = Command::new("kill");
    c.arg("-KILL");
    for p in pids {
        c.arg(p.to_string());
    }
    assert!(c.status().unwrap().success());
}

fn starts(w: &World) -> usize {
    w.daemon_events().iter().filter(|e| e["event"] == "daemon_started").count()
}

fn panes(w: &World) -> String {
    w.tmux(&["list-panes", "-a", "-F", "#{pane_id} #{window_id}"])
}

/// Kill `victims` (picked from the supervisor and its worker), then: within 20 s a new worker
/// watches the same panes, no pane was made and no key pressed, and a limit swaps.
fn killed_and_healed(client: bool, victims: impl Fn(u32, u32) -> Vec<u32>) {
    let mut w = World::new("");
    load_plugin(&w);
    let (_, p, _) = w.claude_in("d");
    w.wait_daemon_event("attached", |e| e["event"] == "attached" && e["pane"] == p.as_str());
    if client {
        // A user at their screen: tmux draws the status line, and runs its jobs, on its own schedule.
        w.attach_client();
    }
    let before = panes(&w);
    let (sup, worker) = (supervisor_pid(&w).expect("a supervisor"), w.worker_pid().expect("a worker"));
    let started = starts(&w);
    kill9(&victims(sup, worker));
    let t = Instant::now();
    let mut typed = Instant::now();
    wait_for("a new worker, within 20 s", Duration::from_secs(20), || {
        // No client: the claude keeps working (a turn every second or so prints).
        if !client && typed.elapsed() > Duration::from_secs(1) {
            w.type_line(&p, "go on");
            typed = Instant::now();
        }
        w.worker_pid().is_some_and(|p| p != worker) && starts(&w) > started
    });
    eprintln!("a daemon watched again {:?} after the kill", t.elapsed());
    assert!(supervisor_pid(&w).is_some_and(|s| s != sup), "under a new supervisor");
    assert!(w.daemon_events().iter().any(|e| e["event"] == "daemon_revived"), "the self-heal says so");
    assert_eq!(panes(&w), before, "no pane or window was made to bring it back");
    // The same pane is watched: its limit swaps.
    w.type_line(&p, "!fake limit");
    w.wait_daemon_event("swap", |e| e["event"] == "swap");
    assert_eq!(w.env.pointer(), w.home("backup"));
    assert_eq!(w.daemons(), 1);
}

#[test]
fn the_supervisor_and_its_worker_killed_together_come_back_by_themselves() {
    killed_and_healed(true, |sup, worker| vec![sup, worker]);
}

#[test]
fn the_supervisor_killed_alone_comes_back_by_itself() {
    // Its worker stops with it (it must never run unseen), and both come back.
    killed_and_healed(true, |sup, _| vec![sup]);
}

#[test]
fn with_no_client_attached_a_claude_at_work_brings_its_daemon_back() {
    // Nobody draws a status line (the user detached and left claude working): the pane's own
    // log writer notices, as the claude prints.
    killed_and_healed(false, |sup, worker| vec![sup, worker]);
}

#[test]
fn while_nothing_watches_the_status_line_says_so_and_a_give_up_holds() {
    let w = World::new("");
    load_plugin(&w);
    let (sup, worker) = (supervisor_pid(&w).unwrap(), w.worker_pid().unwrap());
    // A give-up a moment ago (five crashes in ten minutes): the self-heal leaves it alone.
    kill9(&[sup, worker]);
    wait_for("both gone", Duration::from_secs(5), || supervisor_pid(&w).is_none() && w.worker_pid().is_none());
    let server_dir = std::fs::read_dir(w.env.state_dir().join("servers")).unwrap().flatten().next().unwrap().path();
    std::fs::write(server_dir.join("gave-up"), "2026-11-21T10:00:00Z").unwrap();
    assert_eq!(w.cli(&["daemon", "--ensure"]).code, 0);
    assert_eq!(w.daemons(), 0, "a fresh give-up holds");
    // Ten minutes on, the self-heal tries once more; until a daemon runs, the segment says so.
    let old = std::time::SystemTime::now() - Duration::from_secs(601);
    std::fs::File::options().write(true).open(server_dir.join("gave-up")).unwrap().set_modified(old).unwrap();
    assert_eq!(w.cli(&["daemon", "--ensure"]).code, 0);
    wait_for("a daemon again", Duration::from_secs(10), || w.daemons() == 1);
    assert!(!server_dir.join("gave-up").exists(), "a started supervisor clears the give-up");
    // While one runs, the check starts nothing more.
    for _ in 0..3 {
        assert_eq!(w.cli(&["daemon", "--ensure"]).code, 0);
    }
    std::thread::sleep(Duration::from_millis(300));
    assert_eq!(w.daemons(), 1);
    assert_eq!(w.daemon_events().iter().filter(|e| e["event"] == "daemon_revived").count(), 1);
}

/// tmux-resurrect's restore, from its documentation: every pane recreated in its directory, then
/// each program on its restore list started again by typing the saved command line.
#[test]
fn a_server_restarted_and_restored_as_tmux_resurrect_does_is_watched_and_keeps_its_sessions() {
    let mut w = World::new("");
    load_plugin(&w);
    let (d, p, sid) = w.claude_in("d");
    w.wait_daemon_event("attached", |e| e["event"] == "attached" && e["pane"] == p.as_str());
    // What resurrect saved: the pane's directory and its program's command line.
    let saved = format!("'{FAKE}' --resume {sid}");
    w.restart_server();
    wait_for("the old daemon gone with its server", Duration::from_secs(10), || w.daemons() == 0);
    // The new server loads the user's config (TPM: the plugin), then resurrect restores.
    let started = starts(&w);
    load_plugin(&w);
    wait_for("the new daemon started", Duration::from_secs(10), || starts(&w) > started);
    let restored =
        w.tmux(&["new-window", "-P", "-F", "#{pane_id}", "-t", "w", "-c", d.to_str().unwrap()]).trim().to_string();
    w.type_line(&restored, &saved);
    let since = w.daemon_events().len();
    let end = Instant::now() + Duration::from_secs(20);
    while !w.daemon_events()[since..].iter().any(|e| e["event"] == "attached" && e["pane"] == restored.as_str()) {
        assert!(Instant::now() < end, "the restored claude is not watched\n{}", w.diagnose());
        std::thread::sleep(Duration::from_millis(50));
    }
    let ready = w.wait_event("the restored claude resumed its session", |e| {
        e["event"] == "ready" && w.pane_of_pid(e["pid"].as_u64()) == Some(restored.clone())
    });
    assert_eq!(ready["session_id"], sid.as_str(), "the restored claude keeps its session");
    // A limit there swaps, and the pane comes back on backup with the same session.
    w.type_line(&restored, "!fake limit");
    w.wait_daemon_event("swap", |e| e["event"] == "swap" && e["to"] == "backup");
    assert_eq!(w.env.pointer(), w.home("backup"));
    let resumed = w.wait_event("resumed on backup", |e| {
        e["event"] == "launch"
            && e["argv"].to_string().contains(&sid)
            && e["config_dir"].as_str().is_some_and(|c| c.ends_with(".claude-backup"))
    });
    assert_eq!(w.pane_of_pid(resumed["pid"].as_u64()), Some(restored));
}

/// A laptop suspended for hours past the return: on resume (the wall clock jumps; the daemon's
/// own sleep clock did not move) the return fires once, at the first event, not a tick late, not
/// hours late, and not twice.
#[test]
fn after_a_suspend_the_return_fires_once_on_the_wall_clock() {
    let mut w = World::new("");
    let clock = w.env.dir.path().join("clock");
    std::fs::write(&clock, "2026-11-21T10:00:00Z").unwrap();
    w.env.set("CLAUDE_FAILOVER_NOW", &format!("@{}", clock.display()));
    let (_, p, _) = w.watched_claude("d");
    w.type_line(&p, "!fake limit");
    w.wait_daemon_event("swap", |e| e["event"] == "swap" && e["to"] == "backup");
    wait_for("a return scheduled", Duration::from_secs(10), || w.state()["return"]["at"].is_string());
    let at: jiff::Timestamp = w.state()["return"]["at"].as_str().unwrap().parse().unwrap();
    // Resumed three hours after the return was due.
    let resumed = at.checked_add(jiff::SignedDuration::from_hours(3)).unwrap();
    std::fs::write(&clock, resumed.to_string()).unwrap();
    // The first event after the resume (here: a hook's rescan) brings the timers in.
    let t = Instant::now();
    assert_eq!(w.cli(&["pane", "rescan"]).code, 0);
    w.wait_daemon_event("the return", |e| e["event"] == "swap" && e["to"] == "main");
    assert!(t.elapsed() < Duration::from_secs(25), "the return waited for the tick: {:?}", t.elapsed());
    assert_eq!(w.env.pointer(), w.home("main"));
    // More events, and the clock on again: nothing fires twice.
    std::fs::write(&clock, resumed.checked_add(jiff::SignedDuration::from_hours(1)).unwrap().to_string()).unwrap();
    for _ in 0..3 {
        assert_eq!(w.cli(&["pane", "rescan"]).code, 0);
    }
    w.wait_event("the pane back on main", |e| {
        e["event"] == "ready" && w.pane_of_pid(e["pid"].as_u64()) == Some(p.clone()) && {
            let launches = w.fake_events();
            launches
                .iter()
                .rev()
                .find(|l| l["event"] == "launch" && l["pid"] == e["pid"])
                .is_some_and(|l| l["config_dir"].as_str().is_some_and(|c| c.ends_with(".claude-main")))
        }
    });
    // The rescans above were read (one more, answered by the daemon, comes after them).
    let since = w.daemon_events().len();
    let e = w.project("e");
    w.trust("main", &e);
    let q = w.pane(&e);
    w.start_claude(&q, "main");
    wait_for("the new claude watched", Duration::from_secs(20), || {
        w.daemon_events()[since..].iter().any(|e| e["event"] == "attached" && e["pane"] == q.as_str())
    });
    let returns = w.daemon_events().iter().filter(|e| e["event"] == "swap" && e["to"] == "main").count();
    assert_eq!(returns, 1, "{}", w.diagnose());
    assert!(w.state()["return"].is_null());
}
