//! Detection and relaunch end to end: a real tmux server, the scripted claude, the daemon.

use std::time::Duration;

use crate::world::*;

#[test]
fn limit_in_one_pane_moves_every_claude_pane_with_its_own_session() {
    let mut w = World::new("");
    let app = w.project("my app");
    let api = w.project("api");
    w.trust("main", &app);
    w.trust("main", &api);
    let p1 = w.first_pane(&app);
    let p2 = w.pane(&api);
    let s1 = w.start_claude(&p1, "main");
    let s2 = w.start_claude(&p2, "main");
    w.start_daemon();
    w.wait_daemon_event("both panes attached", |e| e["event"] == "attached" && e["pane"] == p2.as_str());

    w.type_line(&p1, "!fake limit");
    let swap = w.wait_daemon_event("swap", |e| e["event"] == "swap");
    assert_eq!((swap["from"].as_str(), swap["to"].as_str()), (Some("main"), Some("backup")));
    // each pane: its own conversation resumed on backup; "continue" typed only into the one
    // whose turn the limit cut short (p2 was idle: it comes back silently)
    for (pane, sid, dir) in [(&p1, &s1, &app), (&p2, &s2, &api)] {
        let l = w.wait_event("relaunch on backup", |e| {
            e["event"] == "launch" && e["session_id"] == sid.as_str() && e["resumed"] == true
        });
        assert_eq!(l["config_dir"], w.home("backup").to_str().unwrap(), "{pane}");
        assert_eq!(l["cwd"], dir.to_str().unwrap());
        assert_eq!((l["argv"][1].as_str(), l["argv"][2].as_str()), (Some("--resume"), Some(sid.as_str())));
    }
    w.wait_event("continue delivered", |e| {
        e["event"] == "prompt" && e["session_id"] == s1.as_str() && e["text"] == "continue"
    });
    w.wait_daemon_event("p2 back, idle", |e| e["event"] == "relaunched" && e["pane"] == p2.as_str());
    assert!(
        !w.fake_events()
            .iter()
            .any(|e| e["event"] == "prompt" && e["session_id"] == s2.as_str() && e["text"] == "continue"),
        "nothing typed into the idle pane"
    );
    assert!(
        !w.fake_events().iter().any(|e| e["event"] == "trust_dialog" || e["event"] == "resume_failed"),
        "no trust dialog, no failed resume"
    );
    // the pointer, new panes' environment and the state follow
    assert_eq!(w.env.pointer(), w.home("backup"));
    assert!(w.tmux(&["show-environment", "-g", "CLAUDE_CONFIG_DIR"]).contains(".claude-backup"));
    let s = w.env.status_json();
    assert_eq!(s["active"], "backup");
    // 3pm Paris, to the minute (Claude cuts the seconds off): over by the end of that minute.
    assert_eq!(s["accounts"][0]["exhausted_until"], "2026-11-21T14:01:00Z", "3pm Paris");
    assert!(s["accounts"][1]["exhausted_until"].is_null(), "backup is not blamed for the old message");
    assert_eq!(s["return"]["to"], "main");
    assert_eq!(s["return"]["at"], "2026-11-21T14:06:00Z");

    // the resumed sessions re-rendered the old message: it must not count again. A warning
    // printed after it is a marker: once the daemon reports it, the re-render was read too.
    for p in [&p1, &p2] {
        w.type_line(p, "!fake print You've used 90% of your weekly limit · resets Dec 2, 7pm");
    }
    for p in [&p1, &p2] {
        w.wait_daemon_event("marker read", |e| e["event"] == "limit_warning" && e["pane"] == p.as_str());
    }
    let swaps = w.daemon_events().iter().filter(|e| e["event"] == "swap_started").count();
    assert_eq!(swaps, 1, "{}", w.daemon_log());
    assert!(w.env.status_json()["accounts"][1]["exhausted_until"].is_null(), "{}", w.daemon_log());
}

#[test]
fn a_shell_printing_the_message_triggers_nothing() {
    let mut w = World::new("");
    let dir = w.project("x");
    let p = w.first_pane(&dir);
    w.start_daemon();
    // attach the shell pane by hand: its output is read, but it runs no claude
    w.cli(&["pane", "attach", &p]);
    w.type_line(
        &p,
        "printf '\\342\\216\\277  You'\\''ve hit your session limit \\302\\267 resets 3pm (Europe/Paris)\\n'",
    );
    w.wait_daemon_event("ignored", |e| e["event"] == "ignored" && e["pane"] == p.as_str());
    assert_eq!(w.env.status_json()["active"], "main");
    assert!(!w.daemon_events().iter().any(|e| e["event"] == "swap_started"));
}

#[test]
fn two_panes_hitting_the_limit_at_once_make_one_swap() {
    let mut w = World::new("");
    let a = w.project("a");
    let b = w.project("b");
    w.trust("main", &a);
    w.trust("main", &b);
    let p1 = w.first_pane(&a);
    let p2 = w.pane(&b);
    let s1 = w.start_claude(&p1, "main");
    let s2 = w.start_claude(&p2, "main");
    w.start_daemon();
    w.wait_daemon_event("attached", |e| e["event"] == "attached" && e["pane"] == p2.as_str());
    w.tmux(&["send-keys", "-t", &p1, "-l", "!fake limit"]);
    w.tmux(&["send-keys", "-t", &p2, "-l", "!fake limit"]);
    std::thread::sleep(Duration::from_millis(120));
    w.tmux(&["send-keys", "-t", &p1, "C-m"]);
    w.tmux(&["send-keys", "-t", &p2, "C-m"]);
    w.wait_daemon_event("swap", |e| e["event"] == "swap");
    for sid in [&s1, &s2] {
        w.wait_event("continue", |e| {
            e["event"] == "prompt" && e["session_id"] == sid.as_str() && e["text"] == "continue"
        });
    }
    let launches =
        |sid: &str| w.fake_events().iter().filter(|e| e["event"] == "launch" && e["session_id"] == sid).count();
    assert_eq!((launches(&s1), launches(&s2)), (2, 2), "each pane relaunched exactly once");
    assert_eq!(w.daemon_events().iter().filter(|e| e["event"] == "swap_started").count(), 1);
}

#[test]
fn all_accounts_exhausted_waits_then_resumes_at_the_reset() {
    let mut w = World::new("");
    // three seconds before the end of the minute Claude prints as "3pm" in Paris (it cuts the
    // seconds off: the reset is within that minute); backup is exhausted until later
    w.env.set("CLAUDE_FAILOVER_NOW", "2026-11-21T14:00:57Z");
    std::fs::create_dir_all(w.env.state_dir()).unwrap();
    std::fs::write(
        w.env.state_dir().join("state.json"),
        r#"{"accounts":{"backup":{"exhausted_until":"2026-11-21T20:00:00Z"}}}"#,
    )
    .unwrap();
    let (_, p, sid) = w.claude_in("d");
    w.start_daemon();
    w.wait_daemon_event("attached", |e| e["event"] == "attached");
    w.type_line(&p, "!fake limit");
    let e = w.wait_daemon_event("waiting", |e| e["event"] == "waiting");
    assert_eq!(e["until"], "2026-11-21T14:01:00Z");
    assert_eq!(w.env.status_json()["state"], "waiting");
    assert_eq!(w.env.pointer(), w.home("main"), "nothing flipped");
    // at the reset the blocked pane is resumed in place: "continue" typed, no relaunch
    w.wait_daemon_event("resumed", |e| e["event"] == "resumed");
    w.wait_event("continue after reset", |e| {
        e["event"] == "prompt" && e["session_id"] == sid.as_str() && e["text"] == "continue"
    });
    assert_eq!(w.fake_events().iter().filter(|e| e["event"] == "launch").count(), 1);
    assert_eq!(w.env.status_json()["state"], "normal");
}

#[test]
fn daemon_is_one_per_server_and_exits_with_it() {
    let mut w = World::new("");
    w.start_daemon();
    let r = w.cli(&["daemon"]);
    assert_eq!(r.code, 0);
    assert!(r.stdout.contains("already watches"), "{}", r.stdout);
    w.tmux(&["kill-server"]);
    let end = std::time::Instant::now() + Duration::from_secs(10);
    while !w.daemon_exited() {
        assert!(std::time::Instant::now() < end, "daemon still running after the server died:\n{}", w.daemon_log());
        std::thread::sleep(Duration::from_millis(20));
    }
    assert!(w.daemon_events().iter().any(|e| e["event"] == "daemon_stopped"));
}

#[test]
fn a_session_without_registry_is_resumed_by_its_exit_hint() {
    // The registry entry is gone (older Claude, or removed): the id comes from the hint claude
    // prints when it exits on SIGTERM.
    let mut w = World::new("");
    let (_, p, sid) = w.claude_in("h");
    for f in std::fs::read_dir(w.home("main").join("sessions")).unwrap() {
        // The stand-in rewrites its entry through a temp file: one may vanish under us.
        match std::fs::remove_file(f.unwrap().path()) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => panic!("{e}"),
            _ => {}
        }
    }
    w.start_daemon();
    w.wait_daemon_event("attached", |e| e["event"] == "attached");
    w.type_line(&p, "!fake limit");
    let l = w.wait_event("relaunch", |e| e["event"] == "launch" && e["resumed"] == true);
    assert_eq!(l["session_id"], sid.as_str());
    assert_eq!(l["argv"][2], sid.as_str());
}

#[test]
fn pane_rescan_finds_a_new_claude_pane() {
    let mut w = World::new("");
    w.start_daemon();
    let (_, p, _) = w.claude_in("r");
    // found either through the sessions/ registry watch or the explicit rescan
    assert_eq!(w.cli(&["pane", "rescan"]).code, 0);
    w.wait_daemon_event("attached", |e| e["event"] == "attached" && e["pane"] == p.as_str());
    let list: serde_json::Value = serde_json::from_str(&w.cli(&["pane", "list", "--json"]).stdout).unwrap();
    assert_eq!(list[0]["pane"], p.as_str());
    assert_eq!(list[0]["account"], "main");
    assert_eq!(list[0]["attached"], true);
}

/// An edited config is taken up by the running daemon (no restart), and one saved with an error
/// is reported, naming the file, while the daemon keeps running on the config it has.
#[test]
fn the_daemon_takes_up_a_config_change_and_keeps_its_config_when_the_new_one_is_broken() {
    let mut w = World::new("");
    let (_, p, sid) = w.watched_claude("reload");

    w.save_config(&World::config("bogus_key = 1"));
    let warn = w.wait_daemon_event("the broken config is reported", |e| {
        e["event"] == "warning" && e["message"].as_str().is_some_and(|m| m.contains("keeps its running config"))
    });
    let msg = warn["message"].as_str().unwrap();
    assert!(msg.contains(w.env.config_path().to_str().unwrap()) && msg.contains("bogus_key"), "{msg}");
    assert!(!w.daemon_exited(), "a broken config does not stop the daemon");

    w.save_config(&World::config("[swap]\nresume_prompt = \"keep going\""));
    w.wait_daemon_event("reloaded", |e| e["event"] == "config_reloaded");
    w.type_line(&p, "!fake limit");
    w.wait_event("the new prompt is typed after the swap", |e| {
        e["event"] == "prompt" && e["text"] == "keep going" && e["session_id"] == sid.as_str()
    });
    assert_eq!(w.daemons(), 1);
    // The signal thread outlives the reload and reaches the daemon that runs now.
    let pid = w.daemon_pid().expect("daemon pid");
    // SAFETY: kill(2) on the daemon this test started.
    unsafe { libc::kill(pid as libc::pid_t, libc::SIGTERM) };
    crate::common::wait_for("SIGTERM stops the reloaded daemon", std::time::Duration::from_secs(10), || {
        w.daemon_exited()
    });
    assert!(w.daemon_events().iter().any(|e| e["event"] == "daemon_stopped" && e["message"] == "SIGTERM"));
}
