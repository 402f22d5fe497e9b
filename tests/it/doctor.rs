//! `doctor` checks what a failover needs (claude_command, a login per account, the state file, a
//! daemon for this server), a swap never moves panes to an account without a login nor creates
//! an account home, and a corrupt state file is set aside once and repaired.

use std::path::{Path, PathBuf};

use crate::common::*;
use crate::world::World;

/// A subscription login in `home`, as `/login` leaves it (0600).
fn log_in(home: &Path) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::create_dir_all(home).unwrap();
    let p = home.join(".credentials.json");
    std::fs::write(
        &p,
        r#"{"claudeAiOauth":{"accessToken":"sk-ant-oat01-TOKEN","refreshToken":"sk-ant-ort01-TOKEN","expiresAt":1796064222717}}"#,
    )
    .unwrap();
    std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o600)).unwrap();
}

/// An executable stand-in for `claude` (doctor only looks for it).
fn stub_claude(e: &Env) -> PathBuf {
    use std::os::unix::fs::PermissionsExt;
    let p = e.dir.path().join("bin/claude");
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(&p, "#!/bin/sh\nexit 0\n").unwrap();
    std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o755)).unwrap();
    p
}

const ACCOUNTS: &str = "[[accounts]]\nname = \"main\"\nhome = \"~/.claude-main\"\n\n[[accounts]]\nname = \"backup\"\nhome = \"~/.claude-backup\"\n";

/// Two accounts, linked, both logged in, `claude_command` an executable: nothing for doctor to
/// say but advice.
fn sound() -> Env {
    let e = Env::new();
    let claude = stub_claude(&e);
    e.write_config(&format!("claude_command = {:?}\n{ACCOUNTS}", claude.display().to_string()));
    e.ok(&["link"]);
    log_in(&e.path(".claude-main"));
    log_in(&e.path(".claude-backup"));
    e
}

fn problems(r: &Run) -> Vec<&str> {
    r.stdout.lines().filter_map(|l| l.strip_prefix("problem: ")).collect()
}

#[test]
fn doctor_is_ok_when_a_failover_has_what_it_needs_and_the_daemon_is_advice() {
    let e = sound();
    let r = e.expect(&["doctor"], 0);
    assert!(r.stdout.contains("ok: no problems found"), "{}", r.stdout);
    // no tmux server in this world: said, as advice only
    assert!(r.stdout.contains("advice: no tmux server is running"), "{}", r.stdout);
}

#[test]
fn doctor_names_a_claude_command_that_does_not_resolve() {
    let e = Env::two_accounts();
    e.ok(&["link"]);
    log_in(&e.path(".claude-main"));
    log_in(&e.path(".claude-backup"));
    e.write_config(&format!("claude_command = \"claude-not-installed-here\"\n{ACCOUNTS}"));
    let r = e.expect(&["doctor"], 1);
    assert_eq!(
        problems(&r),
        [
            "claude_command 'claude-not-installed-here' is not on PATH; install Claude Code or set claude_command (to the full path if 'claude-not-installed-here' is a shell alias)"
        ],
        "{}",
        r.stdout
    );
    // a path must be an executable file
    let not_exec = e.dir.path().join("claude.txt");
    std::fs::write(&not_exec, "not a program").unwrap();
    e.write_config(&format!("claude_command = {:?}\n{ACCOUNTS}", not_exec.display().to_string()));
    let r = e.expect(&["doctor"], 1);
    assert!(problems(&r)[0].contains("is not an executable file"), "{}", r.stdout);
    // found on PATH
    let claude = stub_claude(&e);
    let mut e = e;
    let path = format!("{}:{}", claude.parent().unwrap().display(), std::env::var("PATH").unwrap_or_default());
    e.set("PATH", &path);
    e.write_config(&format!("claude_command = \"claude\"\n{ACCOUNTS}"));
    e.expect(&["doctor"], 0);
}

#[test]
fn doctor_names_every_account_without_a_login_and_the_command_that_logs_it_in() {
    let e = sound();
    let backup = e.path(".claude-backup");
    std::fs::remove_file(backup.join(".credentials.json")).unwrap();
    let r = e.expect(&["doctor"], 1);
    // the command is the configured claude_command ("claude" by default)
    let claude = e.dir.path().join("bin/claude");
    assert_eq!(
        problems(&r),
        [format!(
            "account backup ({}): it has no login (no .credentials.json with a token, no API key); log it in with CLAUDE_CONFIG_DIR={} {}, then /login",
            backup.display(),
            backup.display(),
            claude.display()
        )],
        "{}",
        r.stdout
    );
    // an access token a month past its expiry with no refresh token is no login
    std::fs::write(
        backup.join(".credentials.json"),
        r#"{"claudeAiOauth":{"accessToken":"sk-ant-oat01-SECRET","expiresAt":1760000000000}}"#,
    )
    .unwrap();
    let r = e.expect(&["doctor"], 1);
    assert!(
        problems(&r)[0].contains("its login expired at 2025-10-09T08:53:20Z and has no refresh token"),
        "{}",
        r.stdout
    );
    // a file that does not parse is named; no token is ever printed
    std::fs::write(backup.join(".credentials.json"), r#"{"claudeAiOauth":{"refreshToken":"sk-ant-ort01-SECRET"#)
        .unwrap();
    let r = e.expect(&["doctor"], 1);
    assert!(problems(&r)[0].contains(&format!("{} is not valid JSON", backup.join(".credentials.json").display())));
    assert!(!r.all().contains("SECRET"), "{}", r.all());
    // an API key is a login
    std::fs::remove_file(backup.join(".credentials.json")).unwrap();
    std::fs::write(backup.join(".claude.json"), r#"{"primaryApiKey":"sk-ant-api03-SECRET"}"#).unwrap();
    let r = e.expect(&["doctor"], 0);
    assert!(!r.all().contains("SECRET"));
}

#[test]
fn doctor_reports_a_corrupt_state_file_and_fix_repairs_it() {
    let e = sound();
    std::fs::create_dir_all(e.state_dir()).unwrap();
    let state = e.state_dir().join("state.json");
    std::fs::write(&state, "{\"active\": \"backup\", \"accou").unwrap();
    // without --fix: the problem, and nothing changes
    let r = e.expect(&["doctor"], 1);
    let p = problems(&r);
    assert_eq!(p.len(), 1, "{}", r.stdout);
    assert!(p[0].starts_with(&format!("state file {} does not parse", state.display())), "{}", p[0]);
    assert!(p[0].contains("doctor --fix"), "{}", p[0]);
    assert_eq!(std::fs::read_to_string(&state).unwrap(), "{\"active\": \"backup\", \"accou");
    assert!(!e.state_dir().join("state.json.bak").exists());
    // --fix sets it aside, repairs it and acknowledges the repair
    let r = e.expect(&["doctor", "--fix"], 0);
    assert!(r.stdout.contains("fixed: state file") && r.stdout.contains("state.json.bak"), "{}", r.stdout);
    assert_eq!(
        std::fs::read_to_string(e.state_dir().join("state.json.bak")).unwrap(),
        "{\"active\": \"backup\", \"accou"
    );
    let v: serde_json::Value = serde_json::from_slice(&std::fs::read(&state).unwrap()).expect("valid JSON");
    assert!(v["repaired"].is_null(), "acknowledged: {v}");
    e.expect(&["doctor"], 0);
}

#[test]
fn a_corrupt_state_file_read_by_the_status_line_is_set_aside_once_and_reported_once() {
    let e = sound();
    std::fs::create_dir_all(e.state_dir()).unwrap();
    let state = e.state_dir().join("state.json");
    std::fs::write(&state, "{\"paused\": true, \"panes\": {\"%1\": 5}, \"trunc").unwrap();
    for _ in 0..100 {
        assert_eq!(e.run(&["status", "--format", "tmux"]).code, 0);
    }
    let baks: Vec<String> = std::fs::read_dir(e.state_dir())
        .unwrap()
        .flatten()
        .map(|f| f.file_name().to_string_lossy().into_owned())
        .filter(|n| n.contains(".bak"))
        .collect();
    assert_eq!(baks, ["state.json.bak"]);
    let v: serde_json::Value = serde_json::from_slice(&std::fs::read(&state).unwrap()).expect("valid JSON");
    assert_eq!(v["repaired"]["kept"], e.state_dir().join("state.json.bak").display().to_string());
    let events = std::fs::read_to_string(e.state_dir().join("events.jsonl")).unwrap();
    let repaired: Vec<&str> = events.lines().filter(|l| l.contains("\"event\":\"state_repaired\"")).collect();
    assert_eq!(repaired.len(), 1, "{events}");
    assert!(repaired[0].contains("state.json.bak"), "{}", repaired[0]);
    // doctor says so until --fix acknowledges it
    let r = e.expect(&["doctor"], 1);
    let p = problems(&r);
    assert_eq!(p.len(), 1, "{}", r.stdout);
    assert!(
        p[0].contains("was corrupt") && p[0].contains("state.json.bak") && p[0].contains("doctor --fix"),
        "{}",
        p[0]
    );
    e.expect(&["doctor", "--fix"], 0);
    e.expect(&["doctor"], 0);
    assert_eq!(
        std::fs::read_dir(e.state_dir()).unwrap().flatten().filter(|f| f.file_name() == "state.json.bak").count(),
        1
    );
}

#[test]
fn a_swap_never_creates_an_account_home() {
    // a new user: a config (claude_command left at "claude"), nothing else (no homes, no ~/.claude)
    let e = Env::new();
    e.write_config(ACCOUNTS);
    let r = e.expect(&["swap"], 1);
    let backup = e.path(".claude-backup");
    assert!(
        r.stderr.contains(&format!(
            "account home {} (backup) does not exist; log in with CLAUDE_CONFIG_DIR={} claude",
            backup.display(),
            backup.display()
        )),
        "{}",
        r.all()
    );
    assert!(r.all().contains("no pane was moved"), "{}", r.all());
    assert!(!backup.exists() && !e.path(".claude-main").exists(), "no account home was created");
    assert!(std::fs::symlink_metadata(e.path(".claude")).is_err(), "~/.claude was not created");
    let r = e.expect(&["swap", "--to", "backup"], 1);
    assert!(r.stderr.contains("swap to backup refused, no pane was moved"), "{}", r.all());
    assert!(!backup.exists());
    // `link` is how homes are created (explicit intent); a home without a login is still no target
    e.ok(&["link"]);
    let r = e.expect(&["swap"], 1);
    assert!(r.stderr.contains("account backup") && r.stderr.contains("/login"), "{}", r.all());
    assert_eq!(e.pointer(), e.path(".claude-main"));
    let events = std::fs::read_to_string(e.state_dir().join("events.jsonl")).unwrap();
    assert!(events.contains("\"event\":\"no_login\""), "{events}");
}

#[test]
fn a_swap_with_no_tmux_server_says_no_pane_was_moved() {
    let e = sound();
    let r = e.ok(&["swap"]);
    assert!(r.stdout.contains("swapped main -> backup: 0 pane(s) resumed"), "{}", r.stdout);
    assert!(r.stdout.contains("note: no pane was moved: no tmux server is running"), "{}", r.stdout);
    assert!(r.stdout.contains("~/.claude now points at backup"), "{}", r.stdout);
    assert_eq!(e.pointer(), e.path(".claude-backup"));
}

#[test]
fn doctor_sees_the_daemon_of_its_tmux_server_and_leaves_it_alone() {
    let mut w = World::new(""); // both accounts logged in
    let r = w.cli(&["doctor"]);
    assert!(r.stdout.contains("advice: no daemon runs for tmux server"), "{}", r.all());
    assert_eq!(r.code, 0, "a missing daemon is advice, not a problem: {}", r.all());
    w.start_daemon();
    for _ in 0..3 {
        let r = w.cli(&["doctor"]);
        assert_eq!(r.code, 0, "{}", r.all());
        assert!(r.stdout.contains("daemon: pid ") && r.stdout.contains("watches tmux server"), "{}", r.all());
        assert!(!r.stdout.contains("no daemon runs"), "{}", r.stdout);
    }
    assert!(!w.daemon_exited(), "doctor did not disturb the daemon");
    w.kill_daemon();
    // Killed: its pid file may stay behind, naming a dead pid; doctor is not fooled.
    crate::common::wait_for("doctor sees the daemon gone", std::time::Duration::from_secs(10), || {
        w.cli(&["doctor"]).stdout.contains("advice: no daemon runs for tmux server")
    });
}

#[test]
fn the_daemon_skips_a_target_without_a_login_and_says_so() {
    let mut w = World::new("");
    std::fs::remove_file(w.home("backup").join(".credentials.json")).unwrap();
    let (_, p, _) = w.watched_claude("nologin");
    w.type_line(&p, "!fake limit");
    let e = w.wait_daemon_event("backup skipped", |e| e["event"] == "no_login");
    let backup = w.home("backup");
    assert_eq!(e["account"], "backup");
    let msg = e["message"].as_str().unwrap();
    assert!(msg.contains(&format!("CLAUDE_CONFIG_DIR={} ", backup.display())) && msg.contains("/login"), "{msg}");
    w.wait_daemon_event("waiting for main's reset", |e| e["event"] == "waiting");
    assert!(!w.daemon_events().iter().any(|e| e["event"] == "swap"), "no swap to an account without a login");
    assert_eq!(w.env.pointer(), w.home("main"));
    // the swap key (a manual swap) says the same, and moves nothing
    let r = w.cli(&["swap"]);
    assert_eq!(r.code, 1, "{}", r.all());
    assert!(r.stderr.contains("account backup") && r.stderr.contains("no pane was moved"), "{}", r.all());
}

/// Unmounts on drop, so a failing test does not leave a mount behind.
struct Mount(PathBuf);

impl Drop for Mount {
    fn drop(&mut self) {
        let _ = std::process::Command::new("umount").arg(&self.0).status();
    }
}

#[test]
fn a_corrupt_state_file_on_a_full_disk_makes_no_copy_per_read() {
    let mut e = sound();
    let state = e.dir.path().join("state");
    std::fs::create_dir_all(&state).unwrap();
    let mounted = std::process::Command::new("mount")
        .args(["-t", "tmpfs", "-o", "size=64k", "tmpfs"])
        .arg(&state)
        .status()
        .is_ok_and(|s| s.success());
    if !mounted {
        eprintln!("skipped: mounting needs root (CI runs as root)");
        return;
    }
    let _m = Mount(state.clone());
    e.set("CLAUDE_FAILOVER_STATE_DIR", state.to_str().unwrap());
    std::fs::write(state.join("state.json"), "{\"active\": \"backup\", \"accou").unwrap();
    std::fs::write(state.join("state.lock"), "").unwrap();
    let _ = std::fs::write(state.join("filler"), vec![0u8; 1 << 20]); // to the last block
    for _ in 0..20 {
        let r = e.run(&["status", "--format", "tmux"]);
        assert_eq!(r.code, 0, "the status line still answers: {}", r.all());
    }
    let names: Vec<String> =
        std::fs::read_dir(&state).unwrap().flatten().map(|f| f.file_name().to_string_lossy().into_owned()).collect();
    assert!(!names.iter().any(|n| n.contains(".bak") || n.ends_with(".tmp")), "{names:?}");
    assert_eq!(std::fs::read_to_string(state.join("state.json")).unwrap(), "{\"active\": \"backup\", \"accou");
    // room again: the next read repairs it, once
    std::fs::remove_file(state.join("filler")).unwrap();
    e.ok(&["status", "--format", "tmux"]);
    e.ok(&["status", "--format", "tmux"]);
    assert!(state.join("state.json.bak").exists() && !state.join("state.json.bak.1").exists());
}

#[test]
fn a_usage_threshold_without_the_statusline_command_is_advice_naming_the_accounts() {
    let e = sound();
    let claude = e.dir.path().join("bin/claude");
    e.write_config(&format!(
        "claude_command = {:?}\n[swap]\nswitch_at_percent = 90\n{ACCOUNTS}",
        claude.display().to_string()
    ));
    let r = e.expect(&["doctor"], 0);
    assert!(
        r.stdout.contains("switch_at_percent = 90 needs each account's usage")
            && r.stdout.contains("not installed for: main, backup"),
        "{}",
        r.stdout
    );
    e.ok(&["statusline", "--install"]);
    let r = e.expect(&["doctor"], 0);
    assert!(!r.stdout.contains("switch_at_percent"), "{}", r.stdout);
}
