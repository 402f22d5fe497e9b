//! init, config errors, status, swap, degraded/recover, corrupt state: the first CLI.

use crate::common::*;

#[test]
fn init_writes_a_config_that_doctor_accepts_after_fix() {
    let mut e = Env::new();
    e.claude_on_path();
    log_in(&e.path(".claude-work"));
    log_in(&e.path(".claude-perso"));
    let r = e.ok(&["init"]);
    assert!(r.stdout.contains("found 2 account homes"), "{}", r.stdout);
    let cfg = std::fs::read_to_string(e.config_path()).unwrap();
    assert!(cfg.contains("~/.claude-work") && cfg.contains("~/.claude-perso"));
    // init never overwrites
    let r = e.expect(&["init"], 1);
    assert!(r.stderr.contains("already exists"));
    assert_eq!(std::fs::read_to_string(e.config_path()).unwrap(), cfg);
    e.expect(&["doctor"], 1);
    e.ok(&["doctor", "--fix"]);
    e.ok(&["doctor"]);
}

#[test]
fn missing_config_says_how_to_create_one() {
    let e = Env::new();
    let r = e.expect(&["status"], 1);
    assert!(r.stderr.contains("claude-failover init"), "{}", r.stderr);
}

#[test]
fn config_from_env_and_flag() {
    let mut e = Env::two_accounts();
    let alt = e.path("alt.toml");
    std::fs::write(&alt, "[[accounts]]\nname=\"x\"\nhome=\"~/x\"\n[[accounts]]\nname=\"y\"\nhome=\"~/y\"\n").unwrap();
    assert_eq!(
        serde_json::from_str::<serde_json::Value>(
            &e.ok(&["--config", alt.to_str().unwrap(), "status", "--format", "json"]).stdout
        )
        .unwrap()["active"],
        "x"
    );
    e.set("CLAUDE_FAILOVER_CONFIG", alt.to_str().unwrap());
    assert_eq!(e.status_json()["active"], "x");
}

/// Each config error: named file, key and fix; exit 1; nothing created.
#[test]
fn each_config_error_is_named_and_changes_nothing() {
    let accounts = "[[accounts]]\nname=\"main\"\nhome=\"~/.claude-main\"\n[[accounts]]\nname=\"backup\"\nhome=\"~/.claude-backup\"\n";
    let cases: &[(&str, String, &str)] = &[
        ("unknown key", format!("{accounts}\ncolor = 1\n"), "color: unknown key"),
        ("unknown nested key", format!("{accounts}\n[swap]\ncooldwn=\"1m\"\n"), "did you mean `cooldown`"),
        ("one account", "[[accounts]]\nname=\"a\"\nhome=\"~/a\"\n".into(), "at least two"),
        (
            "duplicate name",
            "[[accounts]]\nname=\"a\"\nhome=\"~/a\"\n[[accounts]]\nname=\"a\"\nhome=\"~/b\"\n".into(),
            "used by two accounts",
        ),
        (
            "duplicate home",
            "[[accounts]]\nname=\"a\"\nhome=\"~/a\"\n[[accounts]]\nname=\"b\"\nhome=\"~/a/\"\n".into(),
            "also the home of account",
        ),
        (
            "shared credentials",
            format!("{accounts}[shared]\ndirs=[\"projects\",\".credentials.json\"]\n"),
            "must never be shared",
        ),
        (
            "shared .claude.json",
            format!("{accounts}[[shared.links]]\nname=\".claude.json\"\ntarget=\"/x\"\n"),
            "must never be shared",
        ),
        ("bad duration", format!("{accounts}[swap]\nreturn_grace=\"5 minutes\"\n"), "swap.return_grace"),
        ("bad type", format!("{accounts}[swap]\nreturn_to_primary=\"yes\"\n"), "invalid type"),
        ("syntax", "[[accounts]\n".into(), "line 1"),
        ("relative path", "claude_dir=\"dot-claude\"\n".to_string() + accounts, "relative path"),
        ("bad regex", format!("{accounts}[detect]\nextra_patterns=[\"(\"]\n"), "not a valid regex"),
        ("pool min > max", format!("{accounts}[pool]\nmin=5\nmax=2\n"), "pool.min"),
    ];
    for (what, text, want) in cases {
        let e = Env::new();
        e.write_config(text);
        for cmd in [&["doctor"][..], &["link"], &["swap"], &["status"]] {
            let r = e.run(cmd);
            assert!(r.code == 1, "{what}: {cmd:?} exited {}", r.code);
            let msg = r.all();
            assert!(msg.contains(want), "{what}: {cmd:?} said:\n{msg}");
            assert!(msg.contains("config.toml"), "{what}: the file is named:\n{msg}");
        }
        let mut left: Vec<_> = std::fs::read_dir(&e.home).unwrap().map(|d| d.unwrap().file_name()).collect();
        left.sort();
        assert_eq!(left, [".config"], "{what}: nothing created");
    }
}

#[test]
fn status_works_without_daemon_or_state() {
    let e = Env::two_accounts();
    e.ok(&["link"]);
    e.log_in_all();
    let s = e.status_json();
    assert_eq!(s["active"], "main");
    assert_eq!(s["state"], "normal");
    assert_eq!(s["degraded"], false);
    assert_eq!(s["accounts"][1]["name"], "backup");
    assert_eq!(s["accounts"][1]["home"], e.path(".claude-backup").display().to_string());
    assert!(s["accounts"][0]["exhausted_until"].is_null());
    assert!(s["return"].is_null() && s["last_swap"].is_null());
    assert!(!e.state_dir().exists(), "status creates nothing");
    assert_eq!(e.ok(&["status", "--format", "tmux"]).stdout.trim(), "#[fg=green]claude:main#[fg=default,nobold]");
    assert!(e.ok(&["status"]).stdout.contains("* main"));
}

#[test]
fn swap_flips_pointer_records_and_shows_in_status() {
    let e = Env::two_accounts();
    e.ok(&["link"]);
    e.log_in_all();
    let r = e.ok(&["swap"]);
    assert!(r.stdout.contains("main -> backup"), "{}", r.stdout);
    assert_eq!(e.pointer(), e.path(".claude-backup"));
    let s = e.status_json();
    assert_eq!(s["active"], "backup");
    assert_eq!(s["last_swap"]["from"], "main");
    assert_eq!(s["last_swap"]["to"], "backup");
    assert_eq!(s["last_swap"]["at"], "2026-11-21T10:00:00Z");
    e.ok(&["swap", "--to", "main"]);
    assert_eq!(e.pointer(), e.path(".claude-main"));
    let r = e.expect(&["swap", "--to", "nobody"], 1);
    assert!(r.stderr.contains("no account named \"nobody\""), "{}", r.stderr);
    // every swap is in the event log
    let log = std::fs::read_to_string(e.state_dir().join("events.jsonl")).unwrap();
    assert_eq!(log.lines().filter(|l| l.contains("\"event\":\"swap\"")).count(), 2);
}

#[test]
fn swap_cancelled_by_ensure_failure_leaves_pointer_and_active() {
    let e = Env::two_accounts();
    e.ok(&["link"]);
    e.log_in_all();
    // backup's projects link points at another directory holding transcripts
    let link = e.path(".claude-backup/projects");
    std::fs::remove_file(&link).unwrap();
    std::fs::create_dir_all(e.path("other-projects")).unwrap();
    std::fs::write(e.path("other-projects/t.jsonl"), "only copy").unwrap();
    std::os::unix::fs::symlink(e.path("other-projects"), &link).unwrap();
    let r = e.expect(&["swap"], 1);
    assert!(r.stderr.contains("swap cancelled, main stays active"), "{}", r.stderr);
    assert!(r.stderr.contains("never") || r.stderr.contains("left alone"), "{}", r.stderr);
    assert_eq!(e.pointer(), e.path(".claude-main"));
    let s = e.status_json();
    assert_eq!(s["active"], "main");
    assert!(s["last_swap"].is_null());
    assert_eq!(s["degraded"], false);
    assert_eq!(std::fs::read_link(&link).unwrap(), e.path("other-projects"));
    assert_eq!(std::fs::read_to_string(e.path("other-projects/t.jsonl")).unwrap(), "only copy");
}

#[test]
fn failed_rollback_degrades_refuses_and_recover_clears_once_fixed() {
    let mut e = Env::two_accounts();
    e.ok(&["link"]);
    e.log_in_all();
    // backup's link diverges (ensure fails) and the flip back fails (injected): degraded.
    let link = e.path(".claude-backup/session-env");
    std::fs::remove_file(&link).unwrap();
    std::fs::create_dir(&link).unwrap();
    e.set("CLAUDE_FAILOVER_FAULTS", "swap.rollback=error");
    let r = e.expect(&["swap"], 1);
    assert!(r.stderr.contains("partial swap"), "{}", r.stderr);
    e.set("CLAUDE_FAILOVER_FAULTS", "");
    let s = e.status_json();
    assert_eq!(s["degraded"], true);
    assert_eq!(s["active"], "backup", "the pointer was left on backup: status tells the truth");
    assert!(e.ok(&["status", "--format", "tmux"]).stdout.contains("DEGRADED"));
    // every swap is refused while degraded
    let r = e.expect(&["swap", "--to", "main"], 1);
    assert!(r.stderr.contains("degraded") && r.stderr.contains("recover"), "{}", r.stderr);
    let d = e.expect(&["doctor"], 1);
    assert!(d.stdout.contains("degraded since"), "{}", d.stdout);
    // recover refuses while the real directory is still there…
    let r = e.expect(&["recover"], 1);
    assert!(r.stdout.contains("real directory"), "{}", r.stdout);
    assert_eq!(e.status_json()["degraded"], true);
    // …and clears once the user fixed it
    std::fs::remove_dir(&link).unwrap();
    let r = e.ok(&["recover"]);
    assert!(r.stdout.contains("degraded state is cleared"), "{}", r.stdout);
    assert_eq!(e.status_json()["degraded"], false);
    e.ok(&["swap", "--to", "main"]);
    assert_eq!(e.pointer(), e.path(".claude-main"));
}

#[test]
fn real_claude_dir_is_refused_and_intact() {
    let e = Env::two_accounts();
    std::fs::create_dir_all(e.path(".claude/projects")).unwrap();
    std::fs::write(e.path(".claude/projects/x.jsonl"), "mine").unwrap();
    e.expect(&["link"], 1);
    e.log_in_all();
    let r = e.expect(&["swap"], 1);
    assert!(r.stderr.contains("link --adopt"), "{}", r.stderr);
    assert!(std::fs::symlink_metadata(e.path(".claude")).unwrap().is_dir());
    assert_eq!(std::fs::read_to_string(e.path(".claude/projects/x.jsonl")).unwrap(), "mine");
    let d = e.expect(&["doctor"], 1);
    assert!(d.stdout.contains("is a real directory"), "{}", d.stdout);
}

#[test]
fn corrupt_state_is_kept_aside_and_replaced() {
    let e = Env::two_accounts();
    e.ok(&["link"]);
    e.log_in_all();
    std::fs::create_dir_all(e.state_dir()).unwrap();
    std::fs::write(e.state_dir().join("state.json"), "{\"active\": \"backup\", \"accou").unwrap();
    let r = e.ok(&["swap"]);
    assert!(r.stderr.contains("corrupt") && r.stderr.contains("state.json.bak"), "{}", r.stderr);
    assert_eq!(
        std::fs::read_to_string(e.state_dir().join("state.json.bak")).unwrap(),
        "{\"active\": \"backup\", \"accou"
    );
    assert_eq!(e.status_json()["active"], "backup");
}

#[test]
fn state_dir_and_files_are_private() {
    use std::os::unix::fs::PermissionsExt;
    let e = Env::two_accounts();
    e.ok(&["link"]);
    e.log_in_all();
    e.ok(&["swap"]);
    let mode = |p: &std::path::Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(&e.state_dir()), 0o700);
    for f in ["state.json", "events.jsonl"] {
        assert_eq!(mode(&e.state_dir().join(f)), 0o600, "{f}");
    }
}

#[test]
fn state_dir_override() {
    let mut e = Env::two_accounts();
    let d = e.path("custom-state");
    e.set("CLAUDE_FAILOVER_STATE_DIR", d.to_str().unwrap());
    e.ok(&["link"]);
    e.log_in_all();
    e.ok(&["swap"]);
    assert!(d.join("state.json").exists());
    assert!(!e.state_dir().exists());
}

#[test]
fn usage_errors_exit_2() {
    let e = Env::two_accounts();
    assert_eq!(e.run(&["frobnicate"]).code, 2);
    assert_eq!(e.run(&["status", "--format", "xml"]).code, 2);
}

fn detect(e: &Env, input: &str) -> Vec<serde_json::Value> {
    use std::io::Write;
    let mut c = e.command(&["detect", "--json"]);
    c.stdin(std::process::Stdio::piped()).stdout(std::process::Stdio::piped());
    let mut child = c.spawn().unwrap();
    child.stdin.take().unwrap().write_all(input.as_bytes()).unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success());
    String::from_utf8_lossy(&out.stdout).lines().map(|l| serde_json::from_str(l).unwrap()).collect()
}

#[test]
fn detect_reads_escapes_on_stdin_and_prints_json_lines() {
    let e = Env::new(); // works without a config
    let d = detect(
        &e,
        "\x1b[2K\x1b[31m  ⎿  You\u{2019}ve hit your session limit \u{00b7} resets 3pm (Europe/Paris)\x1b[0m\nplain text\n",
    );
    assert_eq!(d.len(), 1, "{d:?}");
    assert_eq!(d[0]["kind"], "exhausted");
    assert_eq!(d[0]["limit"], "session");
    assert_eq!(d[0]["resets_at"], "2026-11-21T14:00:00Z");
    assert!(d[0]["text"].as_str().unwrap().contains("session limit"));
    let d = detect(
        &e,
        "API Error: Repeated 529 Overloaded errors\nOAuth token revoked · Please run /login\nYou've used 85% of your session limit · resets 3pm\n",
    );
    let kinds: Vec<&str> = d.iter().map(|x| x["kind"].as_str().unwrap()).collect();
    assert_eq!(kinds, ["transient", "auth", "warning"]);
    assert!(d[1]["resets_at"].is_null());
    // the legacy epoch form
    let d = detect(&e, "Claude AI usage limit reached|1749924000\n");
    assert_eq!(d[0]["resets_at"], "2025-06-14T18:00:00Z");
}

#[test]
fn events_lists_what_happened() {
    let e = Env::two_accounts();
    e.ok(&["link"]);
    e.log_in_all();
    e.ok(&["swap"]);
    let human = e.ok(&["events"]).stdout;
    assert!(human.contains("swap") && human.contains("main -> backup"), "{human}");
    let json = e.ok(&["events", "--json", "-n", "1"]).stdout;
    let v: serde_json::Value = serde_json::from_str(json.trim()).unwrap();
    assert_eq!(v["event"], "swap");
    assert_eq!(v["from"], "main");
}

#[test]
fn guard_config_is_validated() {
    let e = Env::new();
    e.write_config("[[accounts]]\nname=\"a\"\nhome=\"~/a\"\n[[accounts]]\nname=\"b\"\nhome=\"~/b\"\n[guard]\nprotected_branches=[\"release\"]\ndeny=[\"(oops\"]\n");
    let r = e.expect(&["status"], 1);
    assert!(r.stderr.contains("guard") && r.stderr.contains("(oops"), "{}", r.stderr);
    e.write_config("[[accounts]]\nname=\"a\"\nhome=\"~/a\"\n[[accounts]]\nname=\"b\"\nhome=\"~/b\"\n[guard]\nprotected_branch=[]\n");
    let r = e.expect(&["status"], 1);
    assert!(
        r.stderr.contains("guard.protected_branch: unknown key (did you mean `protected_branches`?)"),
        "{}",
        r.stderr
    );
}

/// The pane-log writer caps its file by putting a new one in its place (a new inode: a reader
/// that looks late still knows to start again), never by following a link planted at its path.
#[test]
fn pipe_log_rotates_at_its_cap_and_refuses_a_link() {
    use std::io::Write;
    use std::os::unix::fs::MetadataExt;
    let e = Env::two_accounts();
    let log = e.path("pane-7.log");
    let cap = claude_failover::daemon::LOG_CAP as usize;
    let mut child =
        e.command(&["pipe-log", log.to_str().unwrap()]).stdin(std::process::Stdio::piped()).spawn().unwrap();
    let mut stdin = child.stdin.take().unwrap();
    stdin.write_all(&vec![b'a'; cap - 10]).unwrap();
    stdin.flush().unwrap();
    wait_for("the first file fills", std::time::Duration::from_secs(10), || {
        std::fs::metadata(&log).is_ok_and(|m| m.len() as usize == cap - 10)
    });
    let first = std::fs::metadata(&log).unwrap().ino();
    stdin.write_all(b"past the cap\n").unwrap();
    drop(stdin);
    assert!(child.wait().unwrap().success());
    let m = std::fs::metadata(&log).unwrap();
    assert_ne!(m.ino(), first, "a new file took the full one's place");
    assert_eq!(std::fs::read_to_string(&log).unwrap(), "past the cap\n");
    assert!(!e.path("pane-7.log.new").exists(), "no temp file left");

    let victim = e.path("victim");
    std::fs::write(&victim, "mine").unwrap();
    let link = e.path("pane-8.log");
    std::os::unix::fs::symlink(&victim, &link).unwrap();
    let mut child =
        e.command(&["pipe-log", link.to_str().unwrap()]).stdin(std::process::Stdio::piped()).spawn().unwrap();
    let _ = child.stdin.take().unwrap().write_all(b"through the link?");
    assert!(!child.wait().unwrap().success(), "a link at the log path is refused");
    assert_eq!(std::fs::read_to_string(&victim).unwrap(), "mine");
}
