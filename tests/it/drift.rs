//! Drift (issue 22): when the Claude Code in use differs from the facts (here: a limit form no
//! template reads, while the transcript's structured fields say limit), the failover still acts
//! and every surface says so: an event, `⚠claude <release>?` on the status line, `doctor`,
//! `status`. A release that matches the facts shows nothing.

use std::time::Duration;

use crate::common::*;
use crate::world::*;

fn segment(w: &World) -> String {
    w.tmux(&["show", "-gqv", "@claude-failover-status"])
}

#[test]
fn a_limit_form_no_template_reads_still_swaps_and_is_shown_as_drift_everywhere() {
    let mut w = World::running(FAKE, "", &[("FAKE_CLAUDE_VERSION", "2.1.340")]);
    let (_, p, _) = w.watched_claude("d");
    // The API's 429 and the transcript say limit; the screen's words are new.
    w.type_line(&p, "!fake limit-structured Quota spent for now; back at 3pm");
    w.wait_daemon_event("swap on the structured fields", |e| e["event"] == "swap" && e["to"] == "backup");
    let drift = w.wait_daemon_event("the drift said", |e| e["event"] == "claude_drift");
    assert_eq!(drift["release"], "2.1.340", "{drift}");
    assert!(drift["what"].as_str().unwrap().contains("Quota spent for now"), "{drift}");
    wait_for("the status line shows it", Duration::from_secs(5), || segment(&w).contains("⚠claude 2.1.340?"));
    let doctor = w.cli(&["doctor"]).stdout;
    assert!(
        doctor.lines().any(|l| l.starts_with("advice: Claude Code 2.1.340 differs") && l.contains("Quota spent")),
        "{doctor}"
    );
    assert!(doctor.contains("tested with 2.1.332"), "{doctor}");
    // The release each pane runs, beside the tested ones.
    wait_for("the relaunched claude registered", Duration::from_secs(10), || {
        let s: serde_json::Value = serde_json::from_str(&w.cli(&["status", "--format", "json"]).stdout).unwrap();
        s["claude"]["running"]
            .as_array()
            .is_some_and(|r| r.iter().any(|x| x["pane"] == p.as_str() && x["release"] == "2.1.340"))
    });
    assert!(doctor.contains("running 2.1.340"), "{doctor}");
    let human = w.cli(&["status"]).stdout;
    assert!(human.contains("DRIFT:    Claude Code 2.1.340"), "{human}");
}

#[test]
fn a_release_that_matches_the_facts_shows_no_drift() {
    let mut w = World::running(FAKE, "", &[("FAKE_CLAUDE_VERSION", "2.1.340")]);
    let (_, p, _) = w.watched_claude("d");
    w.type_line(&p, "!fake limit-structured");
    w.wait_daemon_event("swap", |e| e["event"] == "swap");
    wait_for("settled", Duration::from_secs(10), || segment(&w).contains("claude:backup"));
    assert!(!w.daemon_events().iter().any(|e| e["event"] == "claude_drift"), "{:?}", w.daemon_events());
    assert!(!segment(&w).contains("⚠claude"), "{}", segment(&w));
    assert!(!w.env.state_dir().join("drift.json").exists());
}

#[test]
fn a_dialog_nobody_knows_stops_the_relaunch_visibly_and_is_drift() {
    let mut w = World::running(FAKE, "", &[("FAKE_CLAUDE_VERSION", "2.1.341")]);
    std::fs::write(w.home("backup").join("fake-claude-dialog"), "Choose how Claude Code starts").unwrap();
    let (_, p, _) = w.watched_claude("d");
    w.type_line(&p, "!fake limit");
    w.wait_daemon_event("swap", |e| e["event"] == "swap" && e["to"] == "backup");
    let failed = w.wait_daemon_event("the relaunch stopped", |e| {
        e.to_string().contains("a dialog claude-failover does not know")
    });
    assert!(failed.to_string().contains("Choose how Claude Code starts"), "{failed}");
    wait_for("the status line shows it", Duration::from_secs(5), || segment(&w).contains("⚠claude 2.1.341?"));
    let doctor = w.cli(&["doctor"]).stdout;
    assert!(doctor.contains("Claude Code 2.1.341 differs") && doctor.contains("does not know"), "{doctor}");
    // Never answered: the pane is back at its shell, no claude behind a dialog.
    wait_for("claude stopped in the pane", Duration::from_secs(10), || {
        w.tmux(&["display", "-p", "-t", &p, "#{pane_current_command}"]).trim() == "bash"
    });
}
