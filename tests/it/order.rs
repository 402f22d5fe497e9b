//! Issue 23 on the stand-in: the pane that was working comes back first, alone; the others after
//! it, a few at a time, the one the user looks at first among them; the swap says how many are
//! back.

use serde_json::Value;

use crate::world::*;

fn launches_after(w: &World, sid: &str) -> Vec<Value> {
    w.fake_events().into_iter().filter(|e| e["event"] == "launch" && e["session_id"] == sid).skip(1).collect()
}

#[test]
fn the_interrupted_pane_is_back_and_continuing_before_any_idle_claude_starts() {
    let mut w = World::new("");
    let mut panes = Vec::new();
    let mut sessions = Vec::new();
    for i in 0..5 {
        let d = w.project(&format!("p{i}"));
        w.trust("main", &d);
        let p = if i == 0 { w.first_pane(&d) } else { w.window(&d) };
        sessions.push(w.start_claude(&p, "main"));
        panes.push(p);
    }
    w.start_daemon();
    w.wait_daemon_event("attached", |e| e["event"] == "attached" && e["pane"] == panes[4].as_str());
    // The limit cuts the third pane's turn short.
    w.type_line(&panes[2], "!fake limit");
    let swap = w.wait_daemon_event("swap", |e| e["event"] == "swap");
    assert!(swap["message"].as_str().unwrap().contains("5 pane(s) resumed"), "{swap}");
    let continued = w.wait_event("continue typed into the interrupted pane", |e| {
        e["event"] == "prompt" && e["session_id"] == sessions[2].as_str() && e["text"] == "continue"
    });
    let at = continued["time"].as_f64().unwrap();
    for (i, sid) in sessions.iter().enumerate().filter(|(i, _)| *i != 2) {
        let l = launches_after(&w, sid);
        assert_eq!(l.len(), 1, "pane {i} relaunched once");
        assert!(
            l[0]["time"].as_f64().unwrap() >= at,
            "pane {i}'s claude started before the interrupted pane continued"
        );
    }
    // The count as it went, in the events the relaunches left.
    let relaunched: Vec<Value> = w.daemon_events().into_iter().filter(|e| e["event"] == "relaunched").collect();
    assert_eq!(relaunched.len(), 5);
    assert_eq!(relaunched[0]["pane"], panes[2].as_str(), "the first one back is the interrupted one");
}
