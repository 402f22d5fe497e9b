//! Hostile and stubborn inputs end to end (docs/RELIABILITY.md lists each guarantee and its test).

use crate::world::*;

#[test]
fn a_claude_that_ignores_sigterm_is_still_moved() {
    let mut w = World::new("");
    w.tmux(&["set-environment", "-g", "FAKE_CLAUDE_IGNORE_TERM", "1"]);
    let d = w.project("stubborn");
    w.trust("main", &d);
    let p = w.pane(&d); // a new pane gets the global environment above
    let sid = w.start_claude(&p, "main");
    w.start_daemon();
    w.wait_daemon_event("attached", |e| e["event"] == "attached" && e["pane"] == p.as_str());
    w.type_line(&p, "!fake limit");
    w.wait_event("SIGTERM ignored", |e| e["event"] == "signal_ignored");
    let l = w.wait_event("relaunched anyway (Escape, C-c C-c)", |e| e["event"] == "launch" && e["resumed"] == true);
    assert_eq!(l["session_id"], sid.as_str());
    w.wait_event("continue", |e| e["event"] == "prompt" && e["text"] == "continue" && e["session_id"] == sid.as_str());
}

#[test]
fn a_cwd_with_spaces_quotes_and_a_newline_is_resumed_exactly() {
    let mut w = World::new("");
    let d = w.project("it's a \"dir\"\nwith a newline $(touch pwned)");
    w.trust("main", &d);
    let p = w.first_pane(&w.project("plain"));
    w.type_line(&p, &format!("cd {}", claude_failover::tmux::shell_quote(d.to_str().unwrap())));
    let sid = w.start_claude(&p, "main");
    w.start_daemon();
    w.wait_daemon_event("attached", |e| e["event"] == "attached");
    w.type_line(&p, "!fake limit");
    let l = w.wait_event("relaunch", |e| e["event"] == "launch" && e["resumed"] == true);
    assert_eq!(l["cwd"], d.to_str().unwrap());
    assert_eq!(l["session_id"], sid.as_str());
    assert!(
        !d.join("pwned").exists() && !w.project("plain").join("pwned").exists(),
        "nothing from the path was executed"
    );
}

#[test]
fn a_fake_exit_hint_is_never_executed() {
    // No registry, so the id would come from the exit hint; the pane shows a hostile one last.
    let mut w = World::new("");
    let d = w.project("hint");
    w.trust("main", &d);
    let p = w.first_pane(&d);
    w.start_claude(&p, "main");
    for f in std::fs::read_dir(w.home("main").join("sessions")).unwrap() {
        std::fs::remove_file(f.unwrap().path()).unwrap();
    }
    let marker = w.env.dir.path().join("pwned");
    w.type_line(&p, &format!("!fake print Resume this session with:\\nclaude --resume $(touch {})", marker.display()));
    w.start_daemon();
    w.wait_daemon_event("attached", |e| e["event"] == "attached");
    w.type_line(&p, "!fake limit");
    let l =
        w.wait_event("relaunch", |e| e["event"] == "launch" && e["config_dir"] == w.home("backup").to_str().unwrap());
    w.wait_event("continue", |e| e["event"] == "prompt" && e["text"] == "continue");
    assert!(!marker.exists(), "the pane's text reached a shell");
    // the real hint printed on SIGTERM (last on screen) wins, or --continue: never the fake one
    assert!(l["argv"].as_array().unwrap().iter().all(|a| !a.as_str().unwrap_or("").contains("touch")));
}
