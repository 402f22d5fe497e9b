//! Issue 15's moves at turn boundaries on the scripted stand-in: the active account's recorded
//! usage crosses `switch_at_percent` → the idle pane moves at once, the busy one only once its
//! turn has ended (its registry entry says idle), and neither gets a resume prompt.

use std::io::Write;
use std::process::Stdio;
use std::time::{Duration, SystemTime};

use serde_json::Value;

use crate::common::*;
use crate::world::*;

/// Feed `claude-failover statusline` what a claude on `account` pipes to it: `percent` of a
/// 5-hour window that resets in two hours.
pub fn render_usage(w: &World, account: &str, percent: f64) {
    let mut v: Value = serde_json::from_str(&statusline_json(&w.env.home, percent)).unwrap();
    let now = SystemTime::now().duration_since(SystemTime::UNIX_EPOCH).unwrap().as_secs();
    v["rate_limits"]["five_hour"]["resets_at"] = (now + 7200).into();
    v["rate_limits"]["seven_day"]["resets_at"] = (now + 86400).into();
    let mut c = w.env.command(&["statusline"]);
    c.env("CLAUDE_CONFIG_DIR", w.home(account));
    c.stdin(Stdio::piped()).stdout(Stdio::null()).stderr(Stdio::null());
    let mut child = c.spawn().unwrap();
    child.stdin.take().unwrap().write_all(v.to_string().as_bytes()).unwrap();
    assert!(child.wait().unwrap().success());
}

fn launches(w: &World, sid: &str) -> Vec<Value> {
    w.fake_events().into_iter().filter(|e| e["event"] == "launch" && e["session_id"] == sid).collect()
}

fn typed(w: &World, sid: &str, text: &str) -> usize {
    w.fake_events().iter().filter(|e| e["event"] == "prompt" && e["session_id"] == sid && e["text"] == text).count()
}

#[test]
fn a_threshold_moves_the_idle_pane_now_and_the_busy_one_when_its_turn_ends() {
    let mut w = World::new("[swap]\nswitch_at_percent = 90\n");
    let (d1, d2) = (w.project("p1"), w.project("p2"));
    w.trust("main", &d1);
    w.trust("main", &d2);
    let p1 = w.first_pane(&d1);
    let s1 = w.start_claude(&p1, "main");
    let p2 = w.pane(&d2);
    let s2 = w.start_claude(&p2, "main");
    w.start_daemon();
    w.wait_daemon_event("attached", |e| e["event"] == "attached" && e["pane"] == p2.as_str());

    // Below the threshold: nothing moves.
    render_usage(&w, "main", 50.0);
    w.type_line(&p2, "!fake busy 6");
    w.wait_event("p2 busy", |e| e["event"] == "prompt" && e["session_id"] == s2.as_str());
    std::thread::sleep(Duration::from_millis(300));
    render_usage(&w, "main", 91.0);

    let swap = w.wait_daemon_event("threshold swap", |e| e["event"] == "swap");
    assert_eq!(swap["to"], "backup", "{swap}");
    let said = w.wait_daemon_event("threshold event", |e| e["event"] == "threshold");
    assert!(said["message"].as_str().unwrap().contains("main at 91% of its 5-hour limit: moving to backup"), "{said}");
    w.wait_daemon_event("p2 deferred", |e| e["event"] == "deferred" && e["pane"] == p2.as_str());
    assert_eq!(w.state()["deferred"][&p2]["to"], "backup", "{}", w.state());
    let l1 = launches(&w, &s1);
    assert_eq!(l1.len(), 2, "the idle pane moved at once");
    assert_eq!(l1[1]["config_dir"], w.home("backup").to_str().unwrap());
    assert_eq!(launches(&w, &s2).len(), 1, "the busy pane was not stopped mid-turn");

    // Its turn ends: the registry says idle, and the pane moves then, without a prompt.
    w.wait_daemon_event("p2 moved when idle", |e| e["event"] == "relaunched" && e["pane"] == p2.as_str());
    let l2 = launches(&w, &s2);
    assert_eq!(l2.len(), 2);
    assert_eq!(l2[1]["config_dir"], w.home("backup").to_str().unwrap());
    assert_eq!((typed(&w, &s1, "continue"), typed(&w, &s2, "continue")), (0, 0));
    // The move is recorded done right after its relaunch event.
    wait_for("no move left deferred", Duration::from_secs(5), || w.state()["deferred"].is_null());
    // Once per window: more renders above the threshold move nothing back.
    render_usage(&w, "backup", 20.0);
    render_usage(&w, "main", 95.0);
    std::thread::sleep(Duration::from_millis(500));
    assert_eq!(w.daemon_events().iter().filter(|e| e["event"] == "swap").count(), 1);
}
