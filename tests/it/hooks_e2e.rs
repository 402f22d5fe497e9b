//! The hook companion: install-hooks merges, the scripted claude calls our hooks from a tmux pane,
//! the guard answers as Claude Code expects (exit 2 + reason on stderr).

use std::io::Write;
use std::process::Stdio;

use crate::common::*;
use crate::world::*;

fn hook(e: &Env, event: &str, input: &serde_json::Value, extra_env: &[(&str, &str)]) -> Run {
    let mut c = e.command(&["hook", event]);
    for (k, v) in extra_env {
        c.env(k, v);
    }
    c.stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(Stdio::piped());
    let mut child = c.spawn().unwrap();
    child.stdin.take().unwrap().write_all(input.to_string().as_bytes()).unwrap();
    Run::from(child.wait_with_output().unwrap())
}

#[test]
fn install_hooks_merges_into_every_account_idempotently() {
    let e = Env::two_accounts();
    e.ok(&["link"]);
    e.log_in_all();
    let main = e.path(".claude-main/settings.json");
    std::fs::write(&main, r#"{"model": "opus", "hooks": {"Stop": [{"matcher": "", "hooks": [{"type": "command", "command": "say done"}]}]}}"#).unwrap();
    let r = e.ok(&["install-hooks"]);
    assert_eq!(r.stdout.matches("installed hooks in").count(), 2, "{}", r.stdout);
    let v: serde_json::Value = serde_json::from_slice(&std::fs::read(&main).unwrap()).unwrap();
    assert_eq!(v["model"], "opus");
    assert_eq!(v["hooks"]["Stop"][0]["hooks"][0]["command"], "say done");
    assert!(v["hooks"]["PreToolUse"][0]["hooks"][0]["command"].as_str().unwrap().ends_with("hook pre-tool-use"));
    let before = std::fs::read(&main).unwrap();
    assert!(e.ok(&["install-hooks", "--account", "main"]).stdout.contains("already"));
    assert_eq!(std::fs::read(&main).unwrap(), before, "idempotent");
    // a project, and the per-process route that writes nothing
    let proj = e.path("src/p");
    e.ok(&["install-hooks", "--project", proj.to_str().unwrap()]);
    assert!(proj.join(".claude/settings.json").exists());
    let printed: serde_json::Value = serde_json::from_str(&e.ok(&["install-hooks", "--print"]).stdout).unwrap();
    assert!(printed["hooks"]["SessionStart"].is_array());
    // broken JSON: refused, untouched, exit 1
    std::fs::write(&main, "{broken").unwrap();
    let r = e.expect(&["install-hooks", "--account", "main"], 1);
    assert!(r.stderr.contains("not valid JSON"), "{}", r.stderr);
    assert_eq!(std::fs::read_to_string(&main).unwrap(), "{broken");
    // doctor advises (advice only: exit code unchanged)
    std::fs::write(&main, "{}").unwrap();
    let d = e.ok(&["doctor"]);
    assert!(d.stdout.contains("advice: Claude hooks") && d.stdout.contains("account main"), "{}", d.stdout);
}

#[test]
fn guard_denies_with_exit_2_and_allows_ordinary_work() {
    let e = Env::two_accounts();
    e.ok(&["link"]);
    let proj = e.path("src/p");
    std::fs::create_dir_all(&proj).unwrap();
    let call = |cmd: &str| {
        hook(
            &e,
            "pre-tool-use",
            &serde_json::json!({"session_id": "0f8fad5b-d9cb-469f-a165-70867728950e", "cwd": proj, "hook_event_name": "PreToolUse", "tool_name": "Bash", "tool_input": {"command": cmd}}),
            &[],
        )
    };
    let r = call("cd /tmp && rm -rf ~");
    assert_eq!(r.code, 2, "{}", r.all());
    assert!(r.stderr.contains("guard"), "{}", r.stderr);
    assert_eq!(call("rm -rf target && cargo build").code, 0);
    assert_eq!(call("grep -rn 'rm -rf /' src/").code, 0);
    let log = std::fs::read_to_string(e.state_dir().join("events.jsonl")).unwrap_or_default();
    assert!(log.contains("guard_denied"), "{log}");
    // garbage on stdin never fails the session
    assert_eq!(hook(&e, "pre-tool-use", &serde_json::json!("not an object"), &[]).code, 0);
    assert_eq!(hook(&e, "session-start", &serde_json::json!({}), &[]).code, 0);
}

#[test]
fn scripted_claude_calls_session_start_and_pane_list_shows_the_mapping() {
    let w = World::new("");
    w.env.ok(&["install-hooks", "--account", "main"]);
    let (_, p, sid) = w.claude_in("hooked");
    w.wait_event("session-start hook ran", |e| {
        e["event"] == "hook" && e["hook_event_name"] == "SessionStart" && e["exit_code"] == 0
    });
    let list: serde_json::Value = serde_json::from_str(&w.cli(&["pane", "list", "--json"]).stdout).unwrap();
    let row = list.as_array().unwrap().iter().find(|r| r["pane"] == p.as_str()).expect("the pane is listed");
    assert_eq!(row["session_id"], sid.as_str());
    assert_eq!(row["account"], "main");
    let st: serde_json::Value =
        serde_json::from_slice(&std::fs::read(w.env.state_dir().join("state.json")).unwrap()).unwrap();
    assert_eq!(st["panes"][&p]["session_id"], sid.as_str(), "recorded by the hook");
    // a prompt flips the activity shown in pane list
    w.wait_event("prompt hook", |e| e["event"] == "hook" && e["hook_event_name"] == "Stop");
    let list: serde_json::Value = serde_json::from_str(&w.cli(&["pane", "list", "--json"]).stdout).unwrap();
    assert_eq!(list[0]["activity"], "idle");
}
