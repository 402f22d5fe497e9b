//! A newcomer's first ten minutes (issue 25): one truth on every surface (the status line, the
//! popup from the key table, `status` from a shell, a `run-shell` and a `#()` job, `doctor`, `pane
//! list`), the segment re-pushed by the commands that change it, a dry run that is the run, and
//! `uninstall`.

use std::path::Path;
use std::time::{Duration, Instant};

use crate::common::*;
use crate::first_run::usual_user;
use crate::world::World;

const SHIM: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/claude-failover.tmux");

fn load_plugin(w: &World) {
    w.tmux(&["set", "-g", "status-right", "#{claude_failover_status}"]);
    w.tmux(&["set", "-g", "@claude-failover-bin", BIN]);
    w.tmux(&["run-shell", SHIM]);
}

fn segment(w: &World) -> String {
    w.tmux(&["show", "-gqv", "@claude-failover-status"])
}

/// `status --format json` as a surface runs it, read back from the file it wrote.
fn json_from(w: &World, what: &str, run: impl FnOnce(&str)) -> serde_json::Value {
    let out = w.env.dir.path().join(format!("status-{what}.json"));
    run(&format!("{BIN} status --format json > '{}'", out.display()));
    let mut v = serde_json::Value::Null;
    wait_for(&format!("status from {what}"), Duration::from_secs(20), || {
        v = std::fs::read(&out).ok().and_then(|b| serde_json::from_slice(&b).ok()).unwrap_or_default();
        !v.is_null()
    });
    v
}

fn summary(v: &serde_json::Value) -> (String, bool, Vec<(String, bool)>) {
    let logins = v["accounts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| (a["name"].as_str().unwrap().to_string(), a["logged_in"] == true && a["needs_login"] == false))
        .collect();
    (v["active"].as_str().unwrap_or("?").to_string(), v["daemon"]["running"] == true, logins)
}

#[test]
fn every_surface_tells_the_same_daemon_logins_and_account_whatever_its_environment() {
    let mut w = World::new("");
    // backup has lost its login: every surface must say so, and that the daemon runs.
    std::fs::remove_file(w.home("backup").join(".credentials.json")).unwrap();
    load_plugin(&w);
    wait_for("a daemon", Duration::from_secs(10), || w.daemons() == 1);
    let (_, p, _) = w.claude_in("d");
    w.wait_daemon_event("attached", |e| e["event"] == "attached" && e["pane"] == p.as_str());
    w.attach_client();
    let want = ("main".to_string(), true, vec![("main".to_string(), true), ("backup".to_string(), false)]);

    // The status line as the user sees it.
    wait_for("the status line", Duration::from_secs(10), || {
        let s = w.client_screen();
        s.contains("claude:main") && s.contains("⚠login:backup")
    });
    assert!(!segment(&w).contains("✗daemon"), "{}", segment(&w));

    // `status` in a shell in a pane (there: $TMUX), from run-shell and from a #() job (neither
    // has $TMUX: the binary finds the server it runs under).
    let shell = w.pane(&w.project("sh"));
    let from_shell = json_from(&w, "shell", |cmd| w.type_line(&shell, cmd));
    let from_run_shell = json_from(&w, "run-shell", |cmd| {
        w.tmux(&["run-shell", cmd]);
    });
    let from_job = json_from(&w, "job", |cmd| {
        w.tmux(&["set", "-g", "status-left", &format!("#({cmd})")]);
        w.tmux(&["refresh-client", "-S"]);
    });
    for (what, v) in [("a shell", &from_shell), ("run-shell", &from_run_shell), ("a #() job", &from_job)] {
        assert_eq!(summary(v), want, "status from {what}: {v}");
    }

    // The popup, from the key table.
    w.press(&["C-b", "A", "S"]);
    wait_for("the popup", Duration::from_secs(10), || w.client_screen().contains("q, Esc or Enter closes"));
    let popup = w.client_screen();
    assert!(popup.contains("daemon:   running"), "{popup}");
    assert!(popup.contains("active:   main"), "{popup}");
    assert!(popup.lines().any(|l| l.contains("backup") && l.contains("NOT LOGGED IN")), "{popup}");
    assert!(popup.lines().any(|l| l.contains("main ") && l.contains(" ok")), "{popup}");
    w.press(&["q"]);

    // doctor and pane list, in a shell of the same server.
    let doctor = w.cli(&["doctor"]).stdout;
    assert!(doctor.contains("daemon: pid"), "{doctor}");
    assert!(doctor.contains("backup") && doctor.contains("no login"), "{doctor}");
    assert!(!doctor.lines().any(|l| l.starts_with("problem:") && l.contains("(main)")), "{doctor}");
    let list = w.cli(&["pane", "list"]).stdout;
    assert!(
        list.lines().next().is_some_and(|l| l.starts_with("active: main · daemon: running (pid ")
            && l.ends_with("logins: main ok, backup NOT LOGGED IN")),
        "{list}"
    );
}

#[test]
fn the_segment_follows_init_and_link_at_once_and_a_login_to_adopt_is_not_missing() {
    let e = Env::new();
    usual_user(&e);
    let mut w = World::around(e);
    load_plugin(&w);
    wait_for("the first look", Duration::from_secs(10), || segment(&w).contains("config? run claude-failover init"));
    let r = w.cli(&["init"]);
    assert_eq!(r.code, 0, "{}", r.all());
    assert!(r.stdout.contains("logged in"), "{}", r.stdout);
    // Right after init main's login is still in ~/.claude: not missing on any surface.
    let after_init = segment(&w);
    assert!(after_init.contains("claude:main") && !after_init.contains("⚠login"), "{after_init}");
    let s: serde_json::Value = serde_json::from_str(&w.cli(&["status", "--format", "json"]).stdout).unwrap();
    assert_eq!(s["accounts"][0]["logged_in"], true, "{s}");
    assert!(!w.cli(&["doctor"]).stdout.contains("(main)"), "doctor agrees");
    // Once the config is there the daemon starts, and says the pointer is not a link yet.
    wait_for("the pointer shown", Duration::from_secs(20), || segment(&w).contains("claude:main?"));
    assert!(!segment(&w).contains("⚠login"), "{}", segment(&w));
    // `link --adopt` fixes the pointer: the segment is green within a second, no client needed.
    assert_eq!(w.cli(&["link", "--adopt"]).code, 0);
    let t = Instant::now();
    wait_for("green within a second", Duration::from_secs(1), || {
        let s = segment(&w);
        s.contains("claude:main") && !s.contains('?') && !s.contains('⚠')
    });
    eprintln!("segment green {:?} after link --adopt", t.elapsed());
    // A login that goes is shown by the daemon as soon as the file goes.
    wait_for("a daemon", Duration::from_secs(20), || w.daemons() == 1);
    w.wait_daemon_event("daemon started", |e| e["event"] == "daemon_started");
    std::fs::remove_file(w.env.path(".claude-work/.credentials.json")).unwrap();
    wait_for("⚠login:work within a second", Duration::from_secs(1), || segment(&w).contains("⚠login:work"));
    let _ = &mut w;
}

/// Every line of a `link` run, from a dry run or the real one, without the dry run's marks.
fn steps(out: &str, dry: bool) -> Vec<String> {
    out.lines()
        .filter(|l| !l.starts_with("ok:") && !l.starts_with("(a dry run"))
        .map(|l| if dry { l.strip_prefix("would: ").unwrap_or(l).to_string() } else { l.to_string() })
        .collect()
}

#[test]
fn link_adopt_dry_run_prints_exactly_the_steps_the_run_takes() {
    let e = Env::new();
    usual_user(&e);
    // More to it: a backup home with its own real projects/ (merged, one name in conflict).
    let conflict = "-home-clash";
    std::fs::create_dir_all(e.path(".claude/projects").join(conflict)).unwrap();
    std::fs::create_dir_all(e.path(".claude-work/projects").join(conflict)).unwrap();
    std::fs::write(e.path(".claude-work/projects").join(conflict).join("a.jsonl"), "x").unwrap();
    std::fs::write(e.path(".claude/projects").join(conflict).join("a.jsonl"), "y").unwrap();
    // file-history on both sides, no clash: main's becomes the target, work's is merged and its
    // emptied dir removed.
    std::fs::create_dir_all(e.path(".claude/file-history/s0")).unwrap();
    std::fs::create_dir_all(e.path(".claude-work/file-history/s1")).unwrap();
    assert_eq!(e.run(&["init"]).code, 0);
    let before = snapshot(&e.home);
    let dry = e.run(&["link", "--adopt", "--dry-run"]);
    assert_eq!(snapshot(&e.home), before, "a dry run changes nothing");
    let plan = steps(&dry.stdout, true);
    assert!(plan.iter().any(|l| l.starts_with("move ")), "{}", dry.stdout);
    assert!(plan.iter().any(|l| l.starts_with("rmdir ")), "{}", dry.stdout);
    assert!(plan.iter().any(|l| l.starts_with("link ") || l.starts_with("linked ")), "{}", dry.stdout);
    assert!(plan.iter().any(|l| l.starts_with("CONFLICT")), "{}", dry.stdout);
    let run = e.run(&["link", "--adopt"]);
    assert_eq!(steps(&run.stdout, false), plan, "dry run:\n{}\nrun:\n{}", dry.stdout, run.stdout);
    assert_eq!(dry.code, run.code);
    // After: nothing left to do, and the dry run says so just as the run does.
    let dry2 = e.run(&["link", "--adopt", "--dry-run"]);
    let run2 = e.run(&["link", "--adopt"]);
    assert_eq!(steps(&dry2.stdout, true), steps(&run2.stdout, false));
}

fn is_link(p: &Path) -> bool {
    std::fs::symlink_metadata(p).is_ok_and(|m| m.file_type().is_symlink())
}

#[test]
fn uninstall_takes_out_this_servers_daemon_keys_hooks_and_segment_and_undoes_links_on_request() {
    let w = World::new("");
    w.tmux(&["set", "-g", "status-right", "#{claude_failover_status} | %H:%M"]);
    w.tmux(&["set", "-g", "@claude-failover-bin", BIN]);
    w.tmux(&["run-shell", SHIM]);
    wait_for("a daemon", Duration::from_secs(10), || w.daemons() == 1);
    let (_, p, sid) = w.claude_in("u");
    w.wait_daemon_event("attached", |e| e["event"] == "attached" && e["pane"] == p.as_str());
    assert_eq!(w.cli(&["install-hooks"]).code, 0);
    assert_eq!(w.cli(&["statusline", "--install"]).code, 0);
    // Another tmux server's daemon must survive: uninstall stops only this one's.
    let mut other = World::new("");
    other.start_supervised();
    let transcripts = std::fs::read_dir(w.env.path(".claude-shared/projects")).unwrap().count();

    let r = w.cli(&["uninstall"]);
    assert_eq!(r.code, 0, "{}", r.all());
    wait_for("the daemon stopped", Duration::from_secs(10), || w.daemons() == 0);
    assert_eq!(other.daemons(), 1, "another server's daemon runs on");
    let table = std::process::Command::new("tmux")
        .arg("-S")
        .arg(&w.socket)
        .args(["list-keys", "-T", "claude-failover"])
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&table.stdout).trim().is_empty(), "the key table is gone");
    assert!(!w.tmux(&["list-keys", "-T", "prefix"]).contains("claude-failover"));
    let hooks = w.tmux(&["show-hooks", "-g"]);
    assert!(!hooks.contains("claude-failover"), "{hooks}");
    let right = w.tmux(&["show", "-gv", "status-right"]);
    assert_eq!(right.trim(), "| %H:%M", "segment and job gone");
    assert!(w.tmux(&["show", "-gqv", "@claude-failover-status"]).trim().is_empty());
    assert_eq!(w.tmux(&["display", "-p", "-t", &p, "#{pane_pipe}"]).trim(), "0", "the pane's pipe closed");
    for a in ["main", "backup"] {
        let settings = std::fs::read_to_string(w.home(a).join("settings.json")).unwrap_or_default();
        assert!(!settings.contains("claude-failover"), "{a}: {settings}");
    }
    // The links are offered, not touched.
    assert!(r.stdout.contains("would replace the link"), "{}", r.stdout);
    assert!(is_link(&w.home("main").join("projects")));
    // Nothing brings the daemon back: its claude prints, a window opens.
    w.type_line(&p, "still here");
    w.tmux(&["new-window", "-d"]);
    std::thread::sleep(Duration::from_secs(6));
    assert_eq!(w.daemons(), 0, "nothing revived it");

    let r = w.cli(&["uninstall", "--unlink"]);
    assert_eq!(r.code, 0, "{}", r.all());
    for a in ["main", "backup"] {
        let projects = w.home(a).join("projects");
        assert!(!is_link(&projects) && projects.is_dir(), "{a}");
        assert_eq!(std::fs::read_dir(&projects).unwrap().count(), transcripts, "{a} has every transcript");
    }
    assert_eq!(std::fs::read_dir(w.env.path(".claude-shared/projects")).unwrap().count(), transcripts, "shared kept");
    let _ = sid;
}

#[test]
fn the_readme_top_fits_a_screen_with_the_install_block_and_the_keys() {
    let readme = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).unwrap();
    let top: String = readme.lines().take(60).collect::<Vec<_>>().join("\n");
    for must in ["scripts/install", "run-shell ~/.tmux/plugins/claude-failover/claude-failover.tmux", "prefix + A"] {
        assert!(top.contains(must), "the README's first 60 lines lack {must:?}");
    }
    for never in ["<owner>", "<repository>", "/tmp/cf-it-", "tests/fake-claude", "0:python3"] {
        assert!(!readme.contains(never), "the README shows {never:?}");
    }
}
