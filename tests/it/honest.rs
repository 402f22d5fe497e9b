//! Nothing fails silently: every state in which a Claude pane is not protected shows, and the
//! daemon comes back (issue "Nothing fails silently").

use std::process::Command;
use std::time::{Duration, Instant};

use crate::common::*;
use crate::world::World;

fn status_option(w: &World) -> String {
    w.tmux(&["show-options", "-gqv", "@claude-failover-status"])
}

fn kill(sig: &str, pid: u32) {
    assert!(Command::new("kill").args([sig, &pid.to_string()]).status().unwrap().success());
}

#[test]
fn a_killed_daemon_shows_at_once_and_a_new_one_watches_every_pane_again() {
    let mut w = World::new("");
    let (_, p, _) = w.claude_in("d");
    w.start_supervised();
    w.wait_daemon_event("attached", |e| e["event"] == "attached" && e["pane"] == p.as_str());
    wait_for("the status pushed", Duration::from_secs(5), || status_option(&w).contains("claude:main"));
    let worker = w.worker_pid().expect("a worker");
    kill("-KILL", worker);
    // Within 5 s the status line says nothing watches (the supervisor pushes it as it restarts).
    let t = Instant::now();
    wait_for("the status shows the dead daemon", Duration::from_secs(5), || status_option(&w).contains("✗daemon"));
    eprintln!("shown after {:?}", t.elapsed());
    // Within 10 s a new one watches every pane: a limit printed now is acted on.
    wait_for("a new worker", Duration::from_secs(10), || w.worker_pid().is_some_and(|p| p != worker));
    let starts = || w.daemon_events().iter().filter(|e| e["event"] == "daemon_started").count();
    wait_for("the new worker started", Duration::from_secs(10), || starts() >= 2);
    assert!(w.daemon_events().iter().any(|e| e["event"] == "daemon_crashed"), "{}", w.daemon_log());
    w.type_line(&p, "!fake limit");
    w.wait_daemon_event("swap", |e| e["event"] == "swap");
    assert_eq!(w.env.pointer(), w.home("backup"));
    assert!(!status_option(&w).contains("✗daemon"));
}

#[test]
fn a_stopped_daemon_is_shown_by_the_status_line_status_and_json() {
    let mut w = World::new("");
    let (_, p, _) = w.claude_in("d");
    w.start_supervised();
    w.wait_daemon_event("attached", |e| e["event"] == "attached" && e["pane"] == p.as_str());
    let json = w.env.status_json();
    // `status` run outside tmux with no --socket cannot tell which server: use the world's.
    let s: serde_json::Value = serde_json::from_str(&w.cli(&["status", "--format", "json"]).stdout).unwrap();
    assert_eq!(s["daemon"]["running"], true, "{s}");
    let _ = json;
    // SIGTERM to the supervisor: its worker stops with it, and says so on the status line.
    kill("-TERM", w.daemon_pid().unwrap());
    wait_for("the worker gone", Duration::from_secs(10), || w.worker_pid().is_none());
    wait_for("the status shows it", Duration::from_secs(5), || status_option(&w).contains("✗daemon"));
    let s: serde_json::Value = serde_json::from_str(&w.cli(&["status", "--format", "json"]).stdout).unwrap();
    assert_eq!(s["daemon"]["running"], false, "{s}");
    let human = w.cli(&["status"]).stdout;
    assert!(human.contains("NOT RUNNING"), "{human}");
    assert!(w.cli(&["status", "--format", "tmux"]).stdout.contains("✗daemon"));
}

#[test]
fn a_daemon_that_keeps_dying_is_given_up_on_visibly() {
    let mut w = World::new("");
    w.env.set("CLAUDE_FAILOVER_FAULTS", "daemon.start=abort");
    let mut c = w.env.command(&["--socket", w.socket.to_str().unwrap(), "daemon"]);
    c.stdout(std::process::Stdio::null()).stderr(std::process::Stdio::null());
    let mut sup = c.spawn().unwrap();
    // 1 + 2 + 4 + 8 s of backoff, then it stops trying.
    let end = Instant::now() + Duration::from_secs(40);
    let code = loop {
        if let Some(s) = sup.try_wait().unwrap() {
            break s.code();
        }
        assert!(Instant::now() < end, "the supervisor never gave up");
        std::thread::sleep(Duration::from_millis(100));
    };
    assert_eq!(code, Some(1));
    let gave_up = w.daemon_events().into_iter().find(|e| e["event"] == "daemon_gave_up").expect("daemon_gave_up");
    assert!(gave_up["message"].as_str().unwrap().contains("5 times"), "{gave_up}");
    assert_eq!(w.daemon_events().iter().filter(|e| e["event"] == "daemon_crashed").count(), 4);
    assert!(status_option(&w).contains("✗daemon (gave up)"), "{}", status_option(&w));
}

#[test]
fn a_new_pane_wakes_a_daemon_when_none_runs() {
    let w = World::new("");
    // No daemon at all (both it and its supervisor were killed): the plugin's hooks run
    // `pane rescan` on every new pane, which starts one.
    let r = w.cli(&["pane", "rescan"]);
    assert_eq!(r.code, 0, "{}", r.all());
    wait_for("a daemon started by the rescan", Duration::from_secs(20), || {
        w.daemon_events().iter().any(|e| e["event"] == "daemon_started")
    });
    assert_eq!(w.daemons(), 1);
}

#[test]
fn a_sessions_dir_made_after_the_daemon_started_is_watched() {
    let mut w = World::new("");
    // main never ran claude: its home has no `sessions/` when the daemon starts.
    let sessions = w.home("main").join("sessions");
    let _ = std::fs::remove_dir_all(&sessions);
    w.start_daemon();
    let (_, p, _) = w.claude_in("d");
    assert!(sessions.is_dir(), "the stand-in made it");
    w.wait_daemon_event("attached", |e| e["event"] == "attached" && e["pane"] == p.as_str());
    w.type_line(&p, "!fake limit");
    w.wait_daemon_event("swap", |e| e["event"] == "swap");
    assert_eq!(w.env.pointer(), w.home("backup"));
}

#[test]
fn an_account_home_made_after_the_daemon_started_is_watched() {
    let mut w = World::new("");
    // main's home does not exist yet when the daemon starts (a new machine, a first login)...
    let home = w.home("main");
    let creds = std::fs::read(home.join(".credentials.json")).unwrap();
    std::fs::remove_dir_all(&home).unwrap();
    w.start_daemon();
    // ... then `link` (or `doctor --fix`) makes it and the user logs in and starts claude.
    w.env.ok(&["link"]);
    std::fs::write(home.join(".credentials.json"), creds).unwrap();
    let (_, p, _) = w.claude_in("d");
    w.wait_daemon_event("attached", |e| e["event"] == "attached" && e["pane"] == p.as_str());
    w.type_line(&p, "!fake limit");
    w.wait_daemon_event("swap", |e| e["event"] == "swap");
    assert_eq!(w.env.pointer(), w.home("backup"));
}

#[test]
fn a_pane_the_daemon_cannot_watch_is_shown_everywhere() {
    let mut w = World::new("");
    let (_, p, _) = w.claude_in("d");
    // The user pipes this pane somewhere of their own: we never take a pipe over.
    let mine = w.env.dir.path().join("mine.log");
    w.tmux(&["pipe-pane", "-t", &p, &format!("cat >> '{}'", mine.display())]);
    w.start_daemon();
    w.wait_daemon_event("unwatched", |e| e["event"] == "unwatched" && e["pane"] == p.as_str());
    wait_for("the status line counts it", Duration::from_secs(5), || status_option(&w).contains("⚠1 unwatched"));
    let human = w.cli(&["status"]).stdout;
    assert!(human.contains("NOT WATCHED") && human.contains("piped elsewhere"), "{human}");
    let list = w.cli(&["pane", "list"]).stdout;
    assert!(list.contains("not watched: ") && list.contains("piped elsewhere"), "{list}");
    let s: serde_json::Value = serde_json::from_str(&w.cli(&["status", "--format", "json"]).stdout).unwrap();
    assert!(s["panes"].as_array().unwrap().iter().any(|x| x["unwatched"].is_string()), "{s}");
    // The user stops their pipe and attaches it: watched, and the warning goes.
    w.tmux(&["pipe-pane", "-t", &p]);
    assert_eq!(w.cli(&["pane", "attach", &p]).code, 0);
    w.cli(&["pane", "rescan"]);
    wait_for("the warning gone", Duration::from_secs(10), || !status_option(&w).contains("unwatched"));
}

#[test]
fn without_a_config_the_daemon_waits_for_one_and_then_starts() {
    let w = World::new("");
    let cfg = w.env.config_path();
    let text = std::fs::read_to_string(&cfg).unwrap();
    std::fs::remove_file(&cfg).unwrap();
    // As tmux starts it before `init` was run: it says so, and waits (it does not exit).
    let mut c = w.env.command(&["--socket", w.socket.to_str().unwrap(), "daemon"]);
    c.stdout(std::process::Stdio::null()).stderr(std::process::Stdio::null());
    let mut sup = c.spawn().unwrap();
    wait_for("the status says config?", Duration::from_secs(10), || status_option(&w).contains("claude:config?"));
    assert!(sup.try_wait().unwrap().is_none(), "the supervisor must wait, not exit");
    // `init` (here: the file written as an editor saves it) → a daemon starts by itself.
    w.save_config(&text);
    wait_for("a daemon started", Duration::from_secs(10), || {
        w.daemon_events().iter().any(|e| e["event"] == "daemon_started")
    });
    wait_for("the status pushed", Duration::from_secs(5), || status_option(&w).contains("claude:main"));
    let _ = sup.kill();
    let _ = sup.wait();
}
