//! `claude-failover statusline`: the real binary fed what Claude pipes to a statusline. It records
//! the account's limits, passes the user's own command through untouched, never breaks the UI on
//! bad input, and `--install` / `--remove` wrap and restore the user's statusLine exactly.

use std::io::Write;
use std::path::Path;
use std::process::Stdio;

use serde_json::{Value, json};

use crate::common::*;

/// Run `claude-failover <args>` as Claude runs a statusline: `stdin`, and `CLAUDE_CONFIG_DIR` when
/// the claude has one.
fn render(e: &Env, args: &[&str], stdin: &str, config_dir: Option<&Path>) -> Run {
    let mut c = e.command(args);
    if let Some(d) = config_dir {
        c.env("CLAUDE_CONFIG_DIR", d);
    }
    c.stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(Stdio::piped());
    let mut child = c.spawn().unwrap();
    child.stdin.take().unwrap().write_all(stdin.as_bytes()).unwrap();
    Run::from(child.wait_with_output().unwrap())
}

fn usage_file(e: &Env, account: &str) -> std::path::PathBuf {
    e.state_dir().join(format!("usage/{account}.json"))
}

fn inode(p: &Path) -> u64 {
    std::os::unix::fs::MetadataExt::ino(&std::fs::metadata(p).unwrap())
}

fn read(p: &Path) -> Value {
    serde_json::from_slice(&std::fs::read(p).unwrap()).unwrap()
}

#[test]
fn records_the_accounts_limits_and_passes_their_command_through() {
    let e = Env::two_accounts();
    e.ok(&["link"]);
    let backup = e.path(".claude-backup");
    let input = statusline_json(&e.home, 42.0);
    // Their command gets the same stdin; its output and exit code are ours.
    let theirs = r#"cat > "$HOME/got.json"; printf 'their line\n'; exit 3"#;
    let r = render(&e, &["statusline", "--", theirs], &input, Some(&backup));
    assert_eq!((r.code, r.stdout.as_str(), r.stderr.as_str()), (3, "their line\n", ""));
    assert_eq!(std::fs::read_to_string(e.path("got.json")).unwrap(), input);
    let u = read(&usage_file(&e, "backup"));
    assert_eq!(u["five_hour"], json!({"used_percentage": 42.0, "resets_at": "2026-11-21T12:00:00Z"}));
    assert_eq!(u["seven_day"], json!({"used_percentage": 10.0, "resets_at": "2026-11-25T09:00:00Z"}));
    assert_eq!(u["recorded_at"], "2026-11-21T10:00:00Z");
    assert_eq!(u["model"]["display_name"], "Opus 5.5");
    assert_eq!(u["session_id"], "0f8fad5b-d9cb-469f-a165-70867728950e");
    assert!(!usage_file(&e, "main").exists(), "only the account whose config dir it is");

    // The same values again: no write (a write is a rename, so a new inode).
    let ino = inode(&usage_file(&e, "backup"));
    let r = render(&e, &["statusline", "--", "true"], &input, Some(&backup));
    assert_eq!((r.code, r.stdout.as_str()), (0, ""));
    assert_eq!(inode(&usage_file(&e, "backup")), ino, "unchanged values are not rewritten");
    // A moved value is.
    render(&e, &["statusline", "--", "true"], &statusline_json(&e.home, 43.5), Some(&backup));
    assert_ne!(inode(&usage_file(&e, "backup")), ino);
    assert_eq!(read(&usage_file(&e, "backup"))["five_hour"]["used_percentage"], 43.5);

    // Exec form (several words after --): argv, no shell.
    let r = render(&e, &["statusline", "--", "printf", "%s|", "a b", "$HOME"], &input, Some(&backup));
    assert_eq!((r.code, r.stdout.as_str()), (0, "a b|$HOME|"));
}

#[test]
fn without_a_command_of_theirs_it_prints_a_short_line_for_the_account_claude_dir_points_at() {
    let e = Env::two_accounts();
    e.ok(&["link"]);
    // No CLAUDE_CONFIG_DIR: the claude runs on ~/.claude, which points at main.
    let r = render(&e, &["statusline"], &statusline_json(&e.home, 42.4), None);
    assert_eq!((r.code, r.stdout.as_str()), (0, "main · 5h 42% · 7d 10%\n"), "{}", r.stderr);
    assert!(usage_file(&e, "main").exists());

    // status shows it: JSON per account (left out when unknown), the segment for the active one.
    let s = e.status_json();
    assert_eq!(s["accounts"][0]["usage"]["five_hour"]["used_percentage"], 42.4);
    assert_eq!(s["accounts"][0]["usage"]["seven_day"]["resets_at"], "2026-11-25T09:00:00Z");
    assert!(s["accounts"][1].get("usage").is_none());
    let seg = e.ok(&["status", "--format", "tmux"]).stdout;
    assert!(seg.contains("claude:main 5h 42% · 7d 10%"), "{seg}");
    let human = e.ok(&["status"]).stdout;
    assert!(human.contains("usage: 5h 42% (resets 12:00 UTC) · 7d 10% (resets Nov 25, 09:00 UTC)"), "{human}");
}

#[test]
fn bad_input_never_breaks_the_statusline_and_records_nothing() {
    let e = Env::two_accounts();
    e.ok(&["link"]);
    for bad in ["", "{not json", "[1,2]", r#"{"rate_limits": "soon"}"#, "\u{0}\u{ff}"] {
        let r = render(&e, &["statusline"], bad, None);
        assert_eq!((r.code, r.stdout.as_str()), (0, "main\n"), "{bad:?}: {}", r.stderr);
        let r = render(&e, &["statusline", "--", "cat >/dev/null; echo theirs"], bad, None);
        assert_eq!((r.code, r.stdout.as_str()), (0, "theirs\n"), "{bad:?}");
    }
    assert!(!e.state_dir().join("usage").exists(), "nothing recorded");

    // No config at all, or a config dir that is no account: still a line, still exit 0.
    let none = Env::new();
    let r = render(&none, &["statusline"], &statusline_json(&none.home, 1.0), None);
    assert_eq!((r.code, r.stdout.as_str()), (0, "claude-failover: no config\n"));
    let r = render(&e, &["statusline"], &statusline_json(&e.home, 1.0), Some(&e.path("elsewhere")));
    assert_eq!((r.code, r.stdout.as_str()), (0, "claude-failover: not an account's config dir\n"));
    // A command of theirs that cannot start: said on stderr (Claude logs it), no stdout.
    let r = render(&e, &["statusline", "--", "/nonexistent/prog", "x"], "{}", None);
    assert_eq!((r.code, r.stdout.as_str()), (1, ""));
    assert!(r.stderr.contains("/nonexistent/prog"), "{}", r.stderr);
    // The install flags are for --install / --remove only.
    e.expect(&["statusline", "--account", "main"], 2);
}

#[test]
fn install_wraps_each_accounts_statusline_and_remove_restores_it() {
    let e = Env::two_accounts();
    e.ok(&["link"]);
    let main = e.path(".claude-main/settings.json");
    let backup = e.path(".claude-backup/settings.json");
    let theirs = r#"input=$(cat); printf '%s it'"'"'s mine\n' "$(printf '%s' "$input" | head -c 1)""#;
    let original = json!({
        "model": "opus",
        "futureKey": {"nested": [1, 2]},
        "statusLine": {"type": "command", "command": theirs, "padding": 2},
        "hooks": {"Stop": [{"matcher": "", "hooks": [{"type": "command", "command": "say done"}]}]}
    });
    std::fs::write(&main, serde_json::to_string_pretty(&original).unwrap()).unwrap();
    let r = e.ok(&["statusline", "--install"]);
    assert!(r.stdout.contains(&format!("{}: statusline installed; your command", main.display())), "{}", r.stdout);
    assert!(r.stdout.contains(&format!("{}: statusline installed\n", backup.display())), "{}", r.stdout);

    let v = read(&main);
    assert_eq!(
        (&v["model"], &v["futureKey"], &v["hooks"]),
        (&original["model"], &original["futureKey"], &original["hooks"])
    );
    assert_eq!(v["statusLine"]["padding"], 2);
    let ours = v["statusLine"]["command"].as_str().unwrap();
    assert!(ours.starts_with(BIN) && ours.contains(" statusline -- "), "{ours}");
    assert_eq!(read(&backup)["statusLine"], json!({"type": "command", "command": format!("{BIN} statusline")}));

    // Claude runs the settings' command with sh: their line comes out, our record goes in.
    let input = statusline_json(&e.home, 55.0);
    let mut c = std::process::Command::new("/bin/sh");
    c.args(["-c", ours]).env_clear().env("PATH", std::env::var("PATH").unwrap());
    for (k, val) in &e.vars {
        c.env(k, val);
    }
    c.env("CLAUDE_CONFIG_DIR", e.path(".claude-main"));
    c.stdin(Stdio::piped()).stdout(Stdio::piped());
    let mut child = c.spawn().unwrap();
    child.stdin.take().unwrap().write_all(input.as_bytes()).unwrap();
    let out = child.wait_with_output().unwrap();
    assert_eq!(String::from_utf8_lossy(&out.stdout), "{ it's mine\n");
    assert!(out.status.success());
    assert_eq!(read(&usage_file(&e, "main"))["five_hour"]["used_percentage"], 55.0);

    // Again: nothing changes. One account: only its file.
    let before = std::fs::read(&main).unwrap();
    assert!(e.ok(&["statusline", "--install", "--account", "main"]).stdout.contains("already installed"));
    assert_eq!(std::fs::read(&main).unwrap(), before);

    // --remove: their statusLine exactly as it was, every other key kept; ours alone goes.
    let r = e.ok(&["statusline", "--remove"]);
    assert!(r.stdout.contains("is back"), "{}", r.stdout);
    assert_eq!(read(&main), original);
    assert_eq!(read(&backup), json!({}));
    assert!(e.ok(&["statusline", "--remove"]).stdout.contains("no statusline of ours"));

    // A settings file that is not JSON: refused, untouched, exit 1.
    std::fs::write(&main, "{broken").unwrap();
    let r = e.expect(&["statusline", "--install", "--account", "main"], 1);
    assert!(r.stderr.contains("not valid JSON"), "{}", r.stderr);
    assert_eq!(std::fs::read_to_string(&main).unwrap(), "{broken");
}
