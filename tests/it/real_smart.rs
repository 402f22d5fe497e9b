//! Issue 15 on the real Claude Code CLI (2.1.332, against the mock API): only the panes that
//! were working when the limit hit get the resume prompt, and a pane comes back with its own
//! flags. See `real_cli.rs` for the harness.

use std::time::Duration;

use serde_json::{Value, json};

use crate::real_cli::{Real, merge_json, pane_of, real_claude, registry};

/// The registry entry (under `account`'s home) of the claude running in `pane`.
fn entry_in(r: &Real, account: &str, pane: &str) -> Option<Value> {
    registry(&r.w.home(account)).into_iter().find(|e| pane_of(e) == Some(pane))
}

/// Every `continue` the mock saw for `session`, whatever the account.
fn continues(r: &Real, session: &str) -> usize {
    r.requests().iter().filter(|q| q["prompt"] == "continue" && q["session"] == session).count()
}

#[test]
fn an_idle_pane_comes_back_without_a_prompt() {
    let mut r = Real::new("");
    let proj = r.w.project("three");
    r.w.trust("main", &proj);
    let panes = [r.w.first_pane(&proj), r.w.pane(&proj), r.w.pane(&proj)];
    let sessions = panes.clone().map(|p| r.start(&p, "main", &[]));
    for (p, text) in panes.iter().zip(["hello one", "hello two", "hello three"]) {
        r.prompt(p, text);
    }
    r.w.start_daemon();
    for p in &panes {
        r.w.wait_daemon_event("attached", |e| e["event"] == "attached" && e["pane"] == p.as_str());
    }
    let [p1, p2, p3] = &panes;
    let [s1, s2, s3] = &sessions;
    // p2 is mid-turn: its answer is held back by the mock, and claude says busy.
    merge_json(&r.api.path().join("modes.json"), json!({"sk-ant-oat01-main": {"mode": "ok", "delay_ms": 120_000}}));
    r.prompt(p2, "long work");
    r.wait("p2 busy in the registry", 20, || entry_in(&r, "main", p2).is_some_and(|e| e["status"] == "busy"));
    // p1's next prompt hits the 5-hour limit. By the time the daemon saves the panes, p1's
    // claude says idle again: its transcript's failed last turn is what marks it.
    r.set_mode("main", "five_hour", Some(7200));
    r.prompt(p1, "limited");
    r.wait("continue answered on backup for p1 and p2", 60, || {
        r.prompts("continue", s1, "backup") >= 1 && r.prompts("continue", s2, "backup") >= 1
    });
    r.wait("all three relaunched", 30, || r.events("relaunched").len() == 3);
    let relaunched = r.events("relaunched");
    let of = |p: &str| relaunched.iter().find(|e| e["pane"] == p).cloned().unwrap();
    // Its screen showed the limit live (or, read first, its transcript's failed turn).
    let why = of(p1)["interrupted"].as_str().unwrap_or_default().to_string();
    assert!(why == "its screen showed the limit" || why.contains("5-hour limit"), "{}", of(p1));
    assert_eq!(of(p2)["interrupted"], "busy", "{}", of(p2));
    assert_eq!((of(p3)["prompted"].clone(), of(p3)["interrupted"].clone()), (Value::Bool(false), Value::Null));
    // The idle one runs its own session on backup, its old conversation on screen, nothing sent.
    assert_eq!(r.session_in(p3, &r.w.home("backup")), *s3);
    r.wait("p3's conversation on screen", 10, || r.w.screen(p3).contains("hello three"));
    std::thread::sleep(Duration::from_secs(3)); // a prompt typed late would show by now
    assert_eq!(continues(&r, s3), 0, "continue typed into the idle pane\n{}", r.diagnose());
    assert_eq!(r.prompt_box(p3).as_deref(), Some(""), "{}", r.w.screen(p3));
    for s in [s1, s2] {
        assert_eq!(continues(&r, s), 1, "{}", r.diagnose());
    }
}

#[test]
fn a_pane_keeps_its_model_and_its_added_dir() {
    let mut r = Real::new("");
    let proj = r.w.project("flags");
    // `extra` is trusted on main for good (carried to backup like the cwd's trust); `once` is
    // allowed in claude's "Adding a new directory" dialog, which holds for that process only.
    let extra = r.w.project("extra");
    let once = r.w.project("once");
    r.w.trust("main", &proj);
    r.w.trust("main", &extra);
    let (extra_s, once_s) = (extra.to_str().unwrap(), once.to_str().unwrap());
    let p = r.w.first_pane(&proj);
    let home = r.w.home("main");
    r.w.type_line(
        &p,
        &format!(
            "CLAUDE_CONFIG_DIR='{}' '{}' --model sonnet --add-dir '{extra_s}' '{once_s}'",
            home.display(),
            real_claude().display()
        ),
    );
    r.wait("the dialog for the folder main does not trust", 30, || r.w.screen(&p).contains("Yes, add it"));
    assert!(r.w.screen(&p).contains(once_s), "{}", r.w.screen(&p));
    // The dialog ignores keys for a moment after it opens (a key then only shows a hint).
    std::thread::sleep(Duration::from_secs(3));
    r.w.tmux(&["send-keys", "-t", &p, "Down"]);
    r.wait("Yes selected", 10, || r.w.screen(&p).contains("❯ Yes, add it"));
    r.w.tmux(&["send-keys", "-t", &p, "C-m"]);
    let s = r.session_in(&p, &home);
    r.limit_one_pane_and_continue_on_backup(&p, &s);
    // The relaunched process: its own flags but the folder backup would have asked about, then
    // the session, nothing twice.
    let e = entry_in(&r, "backup", &p).expect("registered on backup");
    let pid = e["pid"].as_u64().unwrap();
    let argv: Vec<String> = std::fs::read(format!("/proc/{pid}/cmdline"))
        .unwrap()
        .split(|b| *b == 0)
        .filter(|a| !a.is_empty())
        .map(|a| String::from_utf8_lossy(a).into_owned())
        .collect();
    assert_eq!(argv[1..], ["--model", "sonnet", "--add-dir", extra_s, "--resume", s.as_str()], "{argv:?}");
    // Said once the relaunch is done.
    let needle = format!("--add-dir {once_s} left out");
    r.w.wait_daemon_event("the folder left out is said", |e| {
        e["event"] == "args_not_carried" && e["message"].as_str().is_some_and(|m| m.contains(&needle))
    });
    assert!(claude_failover::claude::is_trusted(&r.w.home("backup"), &extra));
    assert!(!claude_failover::claude::is_trusted(&r.w.home("backup"), &once), "no trust made up");
    // The API sees the same model before and after the move.
    let model_of = |prompt: &str, account: &str| {
        let cred = format!("sk-ant-oat01-{account}");
        r.requests()
            .iter()
            .find(|q| q["prompt"] == prompt && q["session"] == s.as_str() && q["credential"] == cred.as_str())
            .and_then(|q| q["model"].as_str().map(String::from))
            .unwrap_or_default()
    };
    let (before, after) = (model_of("hello", "main"), model_of("continue", "backup"));
    assert!(before.contains("sonnet"), "{before:?}\n{}", r.diagnose());
    assert_eq!(after, before, "{}", r.diagnose());
    assert!(r.events("relaunch_failed").is_empty(), "{}", r.diagnose());
}

#[test]
fn an_opus_limit_moves_the_opus_pane_and_leaves_the_sonnet_pane_alone() {
    let mut r = Real::new("");
    let proj = r.w.project("models");
    r.w.trust("main", &proj);
    let (p1, p2) = (r.w.first_pane(&proj), r.w.pane(&proj));
    let s1 = r.start(&p1, "main", &["--model", "opus"]);
    let s2 = r.start(&p2, "main", &["--model", "sonnet"]);
    r.prompt(&p1, "hello opus");
    r.prompt(&p2, "hello sonnet");
    r.w.start_daemon();
    for p in [&p1, &p2] {
        r.w.wait_daemon_event("attached", |e| e["event"] == "attached" && e["pane"] == p.as_str());
    }
    let sonnet_pid = entry_in(&r, "main", &p2).expect("p2 registered")["pid"].as_u64();
    // Main's weekly Opus allowance is gone; Sonnet requests on main still go through.
    merge_json(
        &r.api.path().join("modes.json"),
        json!({"sk-ant-oat01-main": {"mode": "seven_day_opus", "only_model": "opus",
            "reset": std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs() + 3 * 86400}}),
    );
    r.prompt(&p1, "limited");
    r.wait("the opus pane continues on backup", 90, || r.prompts("continue", &s1, "backup") >= 1);
    // Said once the relaunch (which waits for the prompt to be taken) is done.
    r.wait("the move is reported", 30, || !r.events("moved").is_empty());
    let moved = r.events("moved");
    assert_eq!(moved.len(), 1, "{}", r.diagnose());
    assert_eq!((moved[0]["from"].clone(), moved[0]["to"].clone()), (json!("main"), json!("backup")));
    // The Sonnet pane was never touched: same claude, same account, and it still answers on main.
    assert_eq!(entry_in(&r, "main", &p2).and_then(|e| e["pid"].as_u64()), sonnet_pid, "{}", r.diagnose());
    r.prompt(&p2, "still here");
    r.wait("the sonnet pane answered on main", 30, || {
        r.requests().iter().any(|q| {
            q["prompt"] == "still here"
                && q["session"] == s2.as_str()
                && q["credential"] == "sk-ant-oat01-main"
                && q["status"] == 200
        })
    });
    // Not an account swap: ~/.claude still names main, and main is not marked exhausted.
    assert_eq!(std::fs::read_link(r.w.env.path(".claude")).ok(), Some(r.w.home("main")));
    let st = r.w.env.status_json();
    let main = st["accounts"].as_array().unwrap().iter().find(|a| a["name"] == "main").unwrap().clone();
    assert!(main["exhausted_until"].is_null() && main["models_exhausted"]["opus"].is_string(), "{main}");
    assert_eq!(continues(&r, &s2), 0, "{}", r.diagnose());
}

#[test]
fn with_switch_model_the_opus_pane_goes_on_with_sonnet_on_the_same_account() {
    let mut r = Real::new("[swap]\nswitch_model = \"sonnet\"\n");
    let proj = r.w.project("switch");
    r.w.trust("main", &proj);
    let p = r.w.first_pane(&proj);
    let s = r.start(&p, "main", &["--model", "opus"]);
    r.prompt(&p, "hello opus");
    r.w.start_daemon();
    r.w.wait_daemon_event("attached", |e| e["event"] == "attached" && e["pane"] == p.as_str());
    merge_json(
        &r.api.path().join("modes.json"),
        json!({"sk-ant-oat01-main": {"mode": "seven_day_opus", "only_model": "opus",
            "reset": std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs() + 3 * 86400}}),
    );
    r.prompt(&p, "limited");
    r.wait("the pane continues on main", 90, || r.prompts("continue", &s, "main") >= 1);
    let cont = r.requests().into_iter().find(|q| q["prompt"] == "continue" && q["session"] == s.as_str()).unwrap();
    assert!(cont["model"].as_str().unwrap_or("").contains("sonnet") && cont["status"] == 200, "{cont}");
    let e = entry_in(&r, "main", &p).expect("registered on main");
    let argv = std::fs::read(format!("/proc/{}/cmdline", e["pid"])).unwrap();
    let argv: Vec<String> =
        argv.split(|b| *b == 0).filter(|a| !a.is_empty()).map(|a| String::from_utf8_lossy(a).into_owned()).collect();
    assert_eq!(argv[1..], ["--model", "sonnet", "--resume", s.as_str()], "{argv:?}");
    assert_eq!(std::fs::read_link(r.w.env.path(".claude")).ok(), Some(r.w.home("main")));
    assert_eq!(r.prompts("continue", &s, "backup"), 0, "{}", r.diagnose());
}

#[test]
fn over_the_threshold_a_busy_pane_finishes_its_turn_on_main_then_moves() {
    let mut r = Real::new("[swap]\nswitch_at_percent = 90\n");
    let proj = r.w.project("turns");
    r.w.trust("main", &proj);
    let (p1, p2) = (r.w.first_pane(&proj), r.w.pane(&proj));
    let s1 = r.start(&p1, "main", &[]);
    let s2 = r.start(&p2, "main", &[]);
    r.prompt(&p1, "hello one");
    r.prompt(&p2, "hello two");
    r.w.start_daemon();
    for p in [&p1, &p2] {
        r.w.wait_daemon_event("attached", |e| e["event"] == "attached" && e["pane"] == p.as_str());
    }
    // p2 is mid-turn: its answer is held back 8 s, and claude says busy.
    merge_json(&r.api.path().join("modes.json"), json!({"sk-ant-oat01-main": {"mode": "ok", "delay_ms": 8000}}));
    r.prompt(&p2, "long work");
    r.wait("p2 busy", 20, || entry_in(&r, "main", &p2).is_some_and(|e| e["status"] == "busy"));
    let busy_pid = entry_in(&r, "main", &p2).and_then(|e| e["pid"].as_u64());
    crate::turns::render_usage(&r.w, "main", 93.0);
    r.wait("the idle pane moved to backup", 60, || {
        entry_in(&r, "backup", &p1).is_some_and(|e| e["sessionId"] == s1.as_str())
    });
    // The busy one is not stopped mid-turn: same claude, its answer comes from main.
    assert_eq!(entry_in(&r, "main", &p2).and_then(|e| e["pid"].as_u64()), busy_pid, "{}", r.diagnose());
    r.wait("p2's turn answered on main", 30, || {
        r.requests()
            .iter()
            .any(|q| q["prompt"] == "long work" && q["credential"] == "sk-ant-oat01-main" && q["status"] == 200)
    });
    r.wait("then p2 moved to backup", 60, || {
        entry_in(&r, "backup", &p2).is_some_and(|e| e["sessionId"] == s2.as_str())
    });
    // Neither was cut short, so neither gets a resume prompt.
    assert_eq!(continues(&r, &s1) + continues(&r, &s2), 0, "{}", r.diagnose());
}

/// Issue 23: with five panes, one of them cut short by the limit, that pane's `continue` reaches
/// the API before any idle pane's new claude has started on backup.
#[test]
fn the_interrupted_pane_continues_before_any_idle_claude_starts() {
    let mut r = Real::new("");
    let (panes, sessions) = r.panes_on_main(5);
    r.w.start_daemon();
    for p in &panes {
        r.w.wait_daemon_event("attached", |e| e["event"] == "attached" && e["pane"] == p.as_str());
    }
    r.set_mode("main", "five_hour", Some(7200));
    r.prompt(&panes[3], "limited");
    r.wait("continue answered on backup for the interrupted pane", 60, || {
        r.prompts("continue", &sessions[3], "backup") >= 1
    });
    r.wait("all five relaunched", 60, || r.events("relaunched").len() == 5);
    let answered = r
        .requests()
        .iter()
        .find(|q| q["prompt"] == "continue" && q["session"] == sessions[3].as_str())
        .and_then(|q| q["t"].as_f64())
        .unwrap();
    let backup = registry(&r.w.home("backup"));
    for (i, p) in panes.iter().enumerate().filter(|(i, _)| *i != 3) {
        let started = backup.iter().find(|e| pane_of(e) == Some(p.as_str())).and_then(|e| e["startedAt"].as_f64());
        let started = started.unwrap_or_else(|| panic!("pane {i} runs on backup\n{}", r.diagnose())) / 1000.0;
        assert!(
            started >= answered,
            "idle pane {i}'s claude started {:.3} s before the continue was answered",
            answered - started
        );
        assert_eq!(continues(&r, &sessions[i]), 0, "nothing typed into idle pane {i}");
    }
}
