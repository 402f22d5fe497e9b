//! Issue 15 ("smart failover") on the scripted stand-in: only a pane that was working when the
//! swap began gets the resume prompt, each pane comes back with its own flags, and a pane
//! relaunched too often is left alone and shown as such.

use std::path::Path;
use std::time::Duration;

use serde_json::Value;

use crate::common::wait_for;
use crate::world::*;

/// How many times `text` was typed into session `sid`.
fn typed(w: &World, sid: &str, text: &str) -> usize {
    w.fake_events().iter().filter(|e| e["event"] == "prompt" && e["session_id"] == sid && e["text"] == text).count()
}

/// Every launch of session `sid`, oldest first.
fn launches(w: &World, sid: &str) -> Vec<Value> {
    w.fake_events().into_iter().filter(|e| e["event"] == "launch" && e["session_id"] == sid).collect()
}

/// The arguments of a launch, without the program and its interpreter's script.
fn args_of(launch: &Value) -> Vec<String> {
    launch["argv"].as_array().unwrap()[1..].iter().map(|a| a.as_str().unwrap().to_string()).collect()
}

/// The registry status of `sid`'s claude under `home`.
fn status_of(home: &Path, sid: &str) -> Option<String> {
    std::fs::read_dir(home.join("sessions")).ok()?.flatten().find_map(|e| {
        let v: Value = serde_json::from_slice(&std::fs::read(e.path()).ok()?).ok()?;
        (v["sessionId"] == sid).then(|| v["status"].as_str().unwrap_or_default().to_string())
    })
}

/// `n` projects trusted on main, a pane in each running the stand-in on main with one answered
/// prompt: (panes, sessions).
fn panes_on_main(w: &World, n: usize) -> (Vec<String>, Vec<String>) {
    let mut panes = Vec::new();
    let mut sessions = Vec::new();
    for i in 0..n {
        let d = w.project(&format!("p{i}"));
        w.trust("main", &d);
        let p = if i == 0 { w.first_pane(&d) } else { w.pane(&d) };
        sessions.push(w.start_claude(&p, "main"));
        panes.push(p);
    }
    (panes, sessions)
}

#[test]
fn only_the_panes_that_were_working_get_the_resume_prompt() {
    let mut w = World::new("");
    let (panes, sessions) = panes_on_main(&w, 3);
    let [p1, p2, p3] = [&panes[0], &panes[1], &panes[2]];
    let [s1, s2, s3] = [&sessions[0], &sessions[1], &sessions[2]];
    w.start_daemon();
    w.wait_daemon_event("attached", |e| e["event"] == "attached" && e["pane"] == p3.as_str());
    // p2 is in the middle of a long turn (its registry says busy); p3 sits idle.
    w.type_line(p2, "!fake busy 120");
    wait_for("p2 busy in the registry", Duration::from_secs(10), || {
        status_of(&w.home("main"), s2).as_deref() == Some("busy")
    });
    // p1's prompt fails on the limit: its transcript's last turn is the failed one.
    w.type_line(p1, "!fake limit");
    w.wait_daemon_event("swap", |e| e["event"] == "swap");
    for sid in [s1, s2] {
        w.wait_event("continue typed into a pane that was working", |e| {
            e["event"] == "prompt" && e["session_id"] == sid.as_str() && e["text"] == "continue"
        });
    }
    let relaunched: Vec<Value> = w.daemon_events().into_iter().filter(|e| e["event"] == "relaunched").collect();
    assert_eq!(relaunched.len(), 3, "{relaunched:?}");
    let of = |p: &str| relaunched.iter().find(|e| e["pane"] == p).unwrap().clone();
    assert_eq!(of(p1)["prompted"], true);
    let why = of(p1)["interrupted"].as_str().unwrap_or_default().to_string();
    assert!(why == "its screen showed the limit" || why.contains("session limit"), "{}", of(p1));
    assert_eq!((of(p2)["prompted"].clone(), of(p2)["interrupted"].clone()), (Value::Bool(true), "busy".into()));
    assert_eq!(of(p3)["prompted"], false);
    assert!(of(p3)["message"].as_str().unwrap().contains("idle"), "{}", of(p3));
    // The idle one is back on backup with its session, and nothing was typed into it.
    let l = launches(&w, s3);
    assert_eq!(l.len(), 2);
    assert_eq!(l[1]["config_dir"], w.home("backup").to_str().unwrap());
    assert_eq!(typed(&w, s3, "continue"), 0);
    assert_eq!((typed(&w, s1, "continue"), typed(&w, s2, "continue")), (1, 1));
}

/// Issue 22: a pane whose own screen showed the limit live is interrupted, whatever its registry
/// (idle) and its transcript (no failed turn: a format that changed) say.
#[test]
fn a_pane_that_showed_the_limit_live_gets_continue_with_no_failed_turn_in_its_transcript() {
    let mut w = World::new("");
    let (panes, sessions) = panes_on_main(&w, 2);
    let ([p1, p2], [s1, s2]) = ([&panes[0], &panes[1]], [&sessions[0], &sessions[1]]);
    w.start_daemon();
    w.wait_daemon_event("attached", |e| e["event"] == "attached" && e["pane"] == p2.as_str());
    // The limit shows on p1's screen only: its transcript gets no API-error line, its registry
    // stays idle.
    w.type_line(p1, "!fake print   ⎿  You've hit your session limit · resets 3pm (Europe/Paris)");
    w.wait_daemon_event("swap", |e| e["event"] == "swap");
    w.wait_event("continue typed into the pane that showed the limit", |e| {
        e["event"] == "prompt" && e["session_id"] == s1.as_str() && e["text"] == "continue"
    });
    wait_for("both back", Duration::from_secs(20), || launches(&w, s2).len() == 2);
    let relaunched: Vec<Value> = w.daemon_events().into_iter().filter(|e| e["event"] == "relaunched").collect();
    let of = |p: &str| relaunched.iter().find(|e| e["pane"] == p).unwrap().clone();
    assert_eq!(of(p1)["interrupted"], "its screen showed the limit", "{}", of(p1));
    assert_eq!(of(p2)["prompted"], false, "{}", of(p2));
    assert_eq!((typed(&w, s1, "continue"), typed(&w, s2, "continue")), (1, 0));
    // The resumed session re-renders nothing that counts again: a later swap back, once its
    // `continue` is answered, finds p1 idle.
    w.wait_event("continue answered", |e| {
        e["event"] == "reply"
            && e["session_id"] == s1.as_str()
            && e["text"].as_str().is_some_and(|t| t.contains("continue"))
    });
    wait_for("p1 idle again", Duration::from_secs(10), || status_of(&w.home("backup"), s1).as_deref() == Some("idle"));
    assert_eq!(w.cli(&["swap", "--to", "main"]).code, 0);
    wait_for("p1 back on main", Duration::from_secs(20), || launches(&w, s1).len() == 3);
    std::thread::sleep(Duration::from_millis(500));
    assert_eq!(
        typed(&w, s1, "continue"),
        1,
        "a resumed history is not a new limit: {:?}\n{}",
        w.daemon_events().iter().filter(|e| e["event"] == "relaunched").collect::<Vec<_>>(),
        w.state()
    );
}

#[test]
fn resume_prompt_when_always_or_never_overrides_the_pane_state() {
    for (when, idle_gets, limited_gets) in [("always", 1, 1), ("never", 0, 0)] {
        let w = World::new(&format!("[swap]\nresume_prompt_when = \"{when}\"\n"));
        let (panes, sessions) = panes_on_main(&w, 2);
        w.type_line(&panes[0], "!fake limit");
        w.wait_event("the limit", |e| e["event"] == "limit" && e["session_id"] == sessions[0].as_str());
        // A manual swap (no daemon) moves both the same way an automatic one does.
        let r = w.cli(&["swap"]);
        assert_eq!(r.code, 0, "{}", r.all());
        for sid in &sessions {
            wait_for("relaunched", Duration::from_secs(20), || launches(&w, sid).len() == 2);
        }
        assert_eq!(typed(&w, &sessions[0], "continue"), limited_gets, "{when}: the limited pane");
        assert_eq!(typed(&w, &sessions[1], "continue"), idle_gets, "{when}: the idle pane");
    }
}

#[test]
fn each_pane_comes_back_with_its_own_flags_and_the_config_args_it_lacks_once() {
    let w = World::new("claude_args = [\"--verbose\", \"--model\", \"opus\"]");
    let a = w.project("flags");
    let b = w.project("odd");
    // Two more folders for claude: one main trusts for good (carried to backup like the cwd's
    // trust), one the user allowed for that session only (left out: the real CLI would stop at
    // its "Adding a new directory" dialog).
    let x = w.project("x");
    let once = w.project("once");
    w.trust("main", &a);
    w.trust("main", &b);
    w.trust("main", &x);
    let (xs, onces) = (x.to_str().unwrap(), once.to_str().unwrap());
    let p1 = w.first_pane(&a);
    let p2 = w.pane(&b);
    let main = w.home("main");
    // A positional prompt first (answered at start, so the transcript exists), then its flags.
    w.type_line(
        &p1,
        &format!("CLAUDE_CONFIG_DIR='{}' '{FAKE}' 'hello there' --model sonnet --add-dir {xs} {onces}", main.display()),
    );
    // An option this version does not know, followed by a word: value or prompt? Not guessed.
    w.type_line(&p2, &format!("CLAUDE_CONFIG_DIR='{}' '{FAKE}' --frobnicate zzz --model haiku", main.display()));
    let sid = |p: &str| {
        w.wait_event("ready", |e| e["event"] == "ready" && w.pane_of_pid(e["pid"].as_u64()).as_deref() == Some(p))
            ["session_id"]
            .as_str()
            .unwrap()
            .to_string()
    };
    let (s1, s2) = (sid(&p1), sid(&p2));
    w.wait_event("the first prompt answered", |e| e["event"] == "reply" && e["session_id"] == s1.as_str());
    w.type_line(&p2, "hello");
    w.wait_event("p2 answered", |e| e["event"] == "reply" && e["session_id"] == s2.as_str());

    let r = w.cli(&["swap"]);
    assert_eq!(r.code, 0, "{}", r.all());
    wait_for("both relaunched", Duration::from_secs(20), || {
        launches(&w, &s1).len() == 2 && launches(&w, &s2).len() == 2
    });
    let back = &launches(&w, &s1)[1];
    assert_eq!(args_of(back), ["--model", "sonnet", "--add-dir", xs, "--verbose", "--resume", s1.as_str()]);
    assert_eq!((back["model"].as_str(), back["add_dirs"].clone()), (Some("sonnet"), serde_json::json!([xs])));
    assert!(claude_failover::claude::is_trusted(&w.home("backup"), &x), "main's trust in {xs} carried");
    assert!(!claude_failover::claude::is_trusted(&w.home("backup"), &once), "no trust made up");
    let ev = w.daemon_events();
    let said = |pane: &str, what: &str| {
        ev.iter().any(|e| {
            e["event"] == "args_not_carried"
                && e["pane"] == pane
                && e["message"].as_str().is_some_and(|m| m.contains(what))
        })
    };
    assert!(said(&p1, &format!("--add-dir {onces} left out")), "{ev:?}");
    // p2's own arguments could not be split safely: the config's, and an event that says so.
    assert_eq!(args_of(&launches(&w, &s2)[1]), ["--verbose", "--model", "opus", "--resume", s2.as_str()]);
    assert!(said(&p2, "--frobnicate"), "{ev:?}");
    // Recorded with the pane, for a relaunch after a daemon restart.
    assert_eq!(
        w.state()["panes"][p1.as_str()]["args"],
        serde_json::json!(["--model", "sonnet", "--add-dir", xs, "--verbose"])
    );

    // And back again: the same arguments, nothing added twice.
    let r = w.cli(&["swap"]);
    assert_eq!(r.code, 0, "{}", r.all());
    wait_for("relaunched again", Duration::from_secs(20), || launches(&w, &s1).len() == 3);
    let again = &launches(&w, &s1)[2];
    assert_eq!(again["config_dir"], main.to_str().unwrap());
    assert_eq!(args_of(again), ["--model", "sonnet", "--add-dir", xs, "--verbose", "--resume", s1.as_str()]);
}

#[test]
fn a_pane_relaunched_too_often_is_left_alone_and_shown() {
    let w = World::new("[swap]\nmax_resumes = 2\n");
    let (panes, sessions) = panes_on_main(&w, 1);
    let (p, s) = (&panes[0], &sessions[0]);
    for n in 2..=3 {
        let r = w.cli(&["swap"]);
        assert_eq!(r.code, 0, "{}", r.all());
        wait_for("relaunched", Duration::from_secs(20), || launches(&w, s).len() == n);
    }
    // The third swap within the window leaves it where it is (on main), running.
    let r = w.cli(&["swap"]);
    assert_eq!(r.code, 0, "{}", r.all());
    let ev = w.daemon_events();
    let left = ev.iter().find(|e| e["event"] == "left_alone").expect("said in the events");
    assert_eq!(left["pane"], p.as_str());
    assert!(left["message"].as_str().unwrap().contains("relaunched 2 times"), "{left}");
    let swap = ev.iter().rev().find(|e| e["event"] == "swap").unwrap();
    assert!(swap["message"].as_str().unwrap().contains("1 left alone"), "{swap}");
    std::thread::sleep(Duration::from_millis(300));
    assert_eq!(launches(&w, s).len(), 3, "not relaunched a third time");
    assert_eq!(status_of(&w.home("main"), s).as_deref(), Some("idle"), "its claude still runs on main");
    // Visible in status (json, human, the segment) and pane list.
    let st = w.env.status_json();
    let pane = st["panes"].as_array().unwrap().iter().find(|x| x["pane"] == p.as_str()).unwrap().clone();
    assert!(pane["left_alone"].as_str().unwrap().contains("max_resumes = 2"), "{st}");
    assert!(w.cli(&["status"]).stdout.contains("LEFT ALONE"));
    assert!(w.cli(&["status", "--format", "tmux"]).stdout.contains("⚠1 left alone"));
    assert!(w.cli(&["pane", "list"]).stdout.contains("left alone: relaunched 2 times"));
}
