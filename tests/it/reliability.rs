//! Hostile and stubborn inputs end to end (docs/RELIABILITY.md lists each guarantee and its test).

use crate::world::*;

#[test]
fn a_claude_that_ignores_sigterm_is_still_moved() {
    let mut w = World::new("");
    w.tmux(&["set-environment", "-g", "FAKE_CLAUDE_IGNORE_TERM", "1"]);
    let d = w.project("stubborn");
    w.trust("main", &d);
    let p = w.pane(&d); // a new pane gets the global environment above
    let sid = w.start_claude(&p, "main");
    w.start_daemon();
    w.wait_daemon_event("attached", |e| e["event"] == "attached" && e["pane"] == p.as_str());
    w.type_line(&p, "!fake limit");
    w.wait_event("SIGTERM ignored", |e| e["event"] == "signal_ignored");
    let l = w.wait_event("relaunched anyway (Escape, C-c C-c)", |e| e["event"] == "launch" && e["resumed"] == true);
    assert_eq!(l["session_id"], sid.as_str());
    w.wait_event("continue", |e| e["event"] == "prompt" && e["text"] == "continue" && e["session_id"] == sid.as_str());
}

#[test]
fn a_cwd_with_spaces_quotes_and_a_newline_is_resumed_exactly() {
    let mut w = World::new("");
    let d = w.project("it's a \"dir\"\nwith a newline $(touch pwned)");
    w.trust("main", &d);
    let p = w.first_pane(&w.project("plain"));
    w.type_line(&p, &format!("cd {}", claude_failover::tmux::shell_quote(d.to_str().unwrap())));
    let sid = w.start_claude(&p, "main");
    w.start_daemon();
    w.wait_daemon_event("attached", |e| e["event"] == "attached");
    w.type_line(&p, "!fake limit");
    let l = w.wait_event("relaunch", |e| e["event"] == "launch" && e["resumed"] == true);
    assert_eq!(l["cwd"], d.to_str().unwrap());
    assert_eq!(l["session_id"], sid.as_str());
    assert!(
        !d.join("pwned").exists() && !w.project("plain").join("pwned").exists(),
        "nothing from the path was executed"
    );
}

#[test]
fn a_fake_exit_hint_is_never_executed() {
    // No registry, so the id would come from the exit hint; the pane shows a hostile one last.
    let mut w = World::new("");
    let (_, p, _) = w.claude_in("hint");
    // The stand-in rewrites its entry (temp + rename) when its status changes: a temp file listed
    // here may be gone by the time it is removed.
    for f in std::fs::read_dir(w.home("main").join("sessions")).unwrap().flatten() {
        let _ = std::fs::remove_file(f.path());
    }
    let marker = w.env.dir.path().join("pwned");
    w.type_line(&p, &format!("!fake print Resume this session with:\\nclaude --resume $(touch {})", marker.display()));
    w.start_daemon();
    w.wait_daemon_event("attached", |e| e["event"] == "attached");
    w.type_line(&p, "!fake limit");
    let l =
        w.wait_event("relaunch", |e| e["event"] == "launch" && e["config_dir"] == w.home("backup").to_str().unwrap());
    w.wait_event("continue", |e| e["event"] == "prompt" && e["text"] == "continue");
    assert!(!marker.exists(), "the pane's text reached a shell");
    // the real hint printed on SIGTERM (last on screen) wins, or --continue: never the fake one
    assert!(l["argv"].as_array().unwrap().iter().all(|a| !a.as_str().unwrap_or("").contains("touch")));
}

#[test]
fn twenty_panes_hitting_the_limit_together_make_one_swap_and_one_relaunch_each() {
    let mut w = World::new("");
    let d = w.project("twenty");
    w.trust("main", &d);
    let panes = w.claude_panes(20, &d);
    w.start_daemon();
    w.wait_daemon_event("all attached", |e| e["event"] == "attached" && e["pane"] == panes[19].as_str());
    let sessions: Vec<String> = w
        .fake_events()
        .iter()
        .filter(|e| e["event"] == "ready")
        .filter_map(|e| e["session_id"].as_str().map(String::from))
        .collect();
    w.type_lines(&panes, "!fake limit"); // all 20 Enters go out within ~100 ms
    w.wait_daemon_event("swap", |e| e["event"] == "swap");
    for sid in &sessions {
        w.wait_event("continue", |e| {
            e["event"] == "prompt" && e["session_id"] == sid.as_str() && e["text"] == "continue"
        });
    }
    let ev = w.daemon_events();
    assert_eq!(ev.iter().filter(|e| e["event"] == "swap_started").count(), 1, "exactly one swap");
    for sid in &sessions {
        let launches =
            w.fake_events().iter().filter(|e| e["event"] == "launch" && e["session_id"] == sid.as_str()).count();
        assert_eq!(launches, 2, "session {sid}: started once, resumed once");
    }
    assert!(w.env.status_json()["accounts"][1]["exhausted_until"].is_null(), "backup not blamed\n{}", w.diagnose());
}

#[test]
fn a_manual_swap_during_an_automatic_one_waits_its_turn() {
    let mut w = World::new("");
    let d = w.project("race");
    w.trust("main", &d);
    w.trust("backup", &d);
    let panes = w.claude_panes(4, &d);
    w.start_daemon();
    w.wait_daemon_event("all attached", |e| e["event"] == "attached" && e["pane"] == panes[3].as_str());
    w.type_line(&panes[0], "!fake limit");
    w.wait_daemon_event("automatic swap started", |e| e["event"] == "swap_started");
    // the user asks for a swap back while the automatic one is relaunching
    let r = w.cli(&["swap", "--to", "main"]);
    assert_eq!(r.code, 0, "{}", r.all());
    let ev = w.daemon_events();
    let order: Vec<&str> =
        ev.iter().filter_map(|e| e["event"].as_str()).filter(|k| *k == "swap_started" || *k == "swap").collect();
    assert_eq!(order, ["swap_started", "swap", "swap_started", "swap"], "serialised, never interleaved");
    assert_eq!(w.env.pointer(), w.home("main"));
}

fn peak_rss_kb(pid: u32) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .unwrap_or_default()
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:").and_then(|v| v.split_whitespace().next()?.parse().ok()))
        .unwrap_or(0)
}

#[test]
fn a_gigabyte_random_bytes_and_an_escape_flood_through_a_pane_keep_memory_bounded() {
    let mut w = World::new("");
    let d = w.project("flood");
    let p = w.first_pane(&d);
    w.start_daemon();
    w.cli(&["pane", "attach", &p]);
    let done = w.env.dir.path().join("flood.done");
    // 1 GB of text, 32 MB of random bytes (invalid UTF-8, control characters; no ESC or 8-bit
    // C1 introducers, whose queries tmux would answer into the shell's input), then 64 MB of
    // nothing but escape sequences, then a marker file
    w.type_line(
        &p,
        &format!(
            "head -c 1000000000 /dev/zero | tr '\\0' 'x'; head -c 32000000 /dev/urandom | tr -d '\\033\\220\\233\\235\\236\\237'; yes $'\\e[31m\\e[2K\\e[1A\\e]0;t\\a' | head -c 64000000; touch '{}'",
            done.display()
        ),
    );
    crate::common::wait_for("the flood went through", std::time::Duration::from_secs(300), || done.exists());
    // still alive and reading: a limit line printed now is seen (and ignored: no claude here)
    w.type_line(
        &p,
        "clear; printf '\\342\\216\\277  You\\047ve hit your weekly limit \\302\\267 resets Dec 2, 7pm\\n'",
    );
    w.wait_daemon_event("still detecting after the flood", |e| e["event"] == "ignored" && e["pane"] == p.as_str());
    let pid: u32 = {
        let s = std::fs::read_dir(w.env.state_dir().join("servers")).unwrap().next().unwrap().unwrap().path();
        std::fs::read_to_string(s.join("daemon.pid")).unwrap().trim().parse().unwrap()
    };
    let peak = peak_rss_kb(pid);
    println!("daemon peak RSS after 1 GB + 64 MB of escapes: {peak} kB");
    assert!(peak > 0 && peak < 50_000, "daemon peak RSS {peak} kB");
    let log =
        std::fs::read_dir(w.env.state_dir().join("servers")).unwrap().next().unwrap().unwrap().path().join("panes");
    for f in std::fs::read_dir(log).unwrap().flatten() {
        assert!(f.metadata().unwrap().len() <= claude_failover::daemon::LOG_CAP, "log capped");
    }
}

/// Unmounts on drop, so a failing test does not leave a mount behind.
struct Mount(std::path::PathBuf);

impl Mount {
    fn new(args: &[&str], at: &std::path::Path) -> Option<Mount> {
        let ok = std::process::Command::new("mount").args(args).arg(at).status().is_ok_and(|s| s.success());
        ok.then(|| Mount(at.to_path_buf()))
    }
}

impl Drop for Mount {
    fn drop(&mut self) {
        let _ = std::process::Command::new("umount").arg(&self.0).status();
    }
}

#[test]
fn a_full_or_read_only_state_dir_is_a_clear_error_and_changes_nothing() {
    use crate::common::Env;
    for mode in ["full", "read-only"] {
        let mut e = Env::two_accounts();
        e.ok(&["link"]);
        e.log_in_all();
        let state = e.dir.path().join("state");
        std::fs::create_dir_all(&state).unwrap();
        e.set("CLAUDE_FAILOVER_STATE_DIR", state.to_str().unwrap());
        let _m = match mode {
            "full" => Mount::new(&["-t", "tmpfs", "-o", "size=64k", "tmpfs"], &state),
            _ => {
                e.ok(&["swap"]); // a real state first, then the dir turns read-only
                Mount::new(&["--bind", "-o", "ro", state.to_str().unwrap()], &state).and_then(|m| {
                    std::process::Command::new("mount")
                        .args(["-o", "remount,bind,ro"])
                        .arg(&state)
                        .status()
                        .ok()?
                        .success()
                        .then_some(m)
                })
            }
        };
        let Some(_m) = _m else {
            eprintln!("skipped ({mode}): mounting needs root (CI runs as root)");
            return;
        };
        if mode == "full" {
            // fill it to the last block
            let _ = std::fs::write(state.join("filler"), vec![0u8; 1 << 20]);
        }
        let before = std::fs::read(state.join("state.json")).ok();
        let pointer = e.pointer();
        let r = e.run(&["swap"]);
        assert_eq!(r.code, 1, "{mode}: {}", r.all());
        let msg = r.all();
        assert!(msg.contains(state.to_str().unwrap()), "{mode}: the error names the state dir:\n{msg}");
        let cause = if mode == "full" { "No space left" } else { "Read-only file system" };
        assert!(msg.contains(cause), "{mode}: the error says why:\n{msg}");
        assert!(!msg.contains("panicked"), "{mode}: {msg}");
        assert_eq!(e.pointer(), pointer, "{mode}: nothing flipped");
        assert_eq!(std::fs::read(state.join("state.json")).ok(), before, "{mode}: no partial state");
        let leftovers: Vec<_> = std::fs::read_dir(&state)
            .unwrap()
            .flatten()
            .filter(|f| f.file_name().to_string_lossy().ends_with(".tmp"))
            .collect();
        assert!(leftovers.is_empty(), "{mode}: temp files left: {leftovers:?}");
        // status still answers (reads only)
        assert_eq!(e.run(&["status", "--format", "tmux"]).code, 0, "{mode}");
    }
}

#[test]
fn an_account_home_deleted_mid_run_is_never_recreated_silently() {
    let mut w = World::new("");
    let (_, p, _) = w.watched_claude("gone");
    // someone removes the backup account's home (its login and links go with it; the shared
    // data does not): an empty home made by the swap would be a logged-out account
    std::fs::remove_dir_all(w.home("backup")).unwrap();
    w.type_line(&p, "!fake limit");
    // no account to move to: the panes wait for main's reset, and the event says why backup
    // was skipped and how to log it in
    w.wait_daemon_event("waiting", |e| e["event"] == "waiting");
    let skipped = w
        .daemon_events()
        .into_iter()
        .find(|e| e["message"].as_str().is_some_and(|m| m.contains("backup") && m.contains("does not exist")));
    assert!(skipped.is_some(), "{}", w.daemon_log());
    assert!(!w.home("backup").exists(), "the swap made an empty home");
    assert_eq!(w.env.pointer(), w.home("main"));
    assert_eq!(w.env.status_json()["degraded"], false);
}

/// A pane the user already pipes somewhere is never touched: tmux's `pipe-pane -o` would close
/// their pipe (it toggles), and `pane detach` must not close it either. Our own panes keep their
/// pipe across a daemon restart.
#[test]
fn a_users_own_pipe_is_left_alone_and_ours_survive_a_restart() {
    let mut w = World::new("");
    let d = w.project("piped");
    w.trust("main", &d);
    let mine = w.first_pane(&d);
    let theirs = w.pane(&d);
    let user_log = w.env.dir.path().join("user-pipe.log");
    w.tmux(&[
        "pipe-pane",
        "-t",
        &theirs,
        &format!("cat >> {}", claude_failover::tmux::shell_quote(user_log.to_str().unwrap())),
    ]);
    w.start_claude(&mine, "main");
    w.start_claude(&theirs, "main");
    w.start_daemon();
    w.wait_daemon_event("attached", |e| e["event"] == "attached" && e["pane"] == mine.as_str());
    let warning = w.wait_daemon_event("the user's pipe is reported", |e| {
        e["event"] == "unwatched" && e["pane"] == theirs.as_str()
    });
    assert!(warning["message"].as_str().unwrap().contains("already piped elsewhere"), "{warning}");
    let piped = |w: &World, p: &str| w.tmux(&["display-message", "-p", "-t", p, "#{pane_pipe}"]).trim() == "1";
    let out = w.cli(&["pane", "attach", &mine]);
    assert_eq!(out.code, 0, "{}", out.all());
    assert!(piped(&w, &mine), "attaching a watched pane again keeps its pipe (tmux's -o would toggle it off)");
    let out = w.cli(&["pane", "attach", &theirs]);
    assert_eq!(out.code, 1, "attach refuses a pane piped elsewhere: {}", out.all());
    assert!(out.stderr.contains("already piped elsewhere"), "{}", out.all());
    // A restart re-attaches every pane: ours is taken as it is, theirs left alone again.
    w.kill_daemon();
    w.start_daemon();
    assert!(piped(&w, &mine), "our pipe survives a daemon restart");
    assert!(piped(&w, &theirs), "the user's pipe is still open after attach and a restart");
    let out = w.cli(&["pane", "detach", &theirs]);
    assert_eq!(out.code, 0, "{}", out.all());
    assert!(piped(&w, &theirs), "detach does not close a pipe that is not ours");
    let before = std::fs::metadata(&user_log).map(|m| m.len()).unwrap_or(0);
    w.type_line(&theirs, "still logging");
    crate::common::wait_for("the user's pipe still gets output", std::time::Duration::from_secs(10), || {
        std::fs::metadata(&user_log).map(|m| m.len()).unwrap_or(0) > before
    });
}

/// Every directory the tool creates is 0700 and every file 0600, whatever the umask: the state
/// dir, the per-server dir with its lock, pid, progress, inbox and pane logs, after a real
/// daemon-driven swap under `umask 000`.
#[test]
fn everything_in_the_state_dir_is_private_under_umask_000() {
    use std::os::unix::fs::PermissionsExt;
    // SAFETY: umask(2) only sets this process's file mode mask; nextest runs each test in its own
    // process, and the daemon, the tmux server and its pipe writers inherit the mask from here.
    unsafe { libc::umask(0) };
    let mut w = World::new("");
    let (_, p, _) = w.watched_claude("perm");
    w.type_line(&p, "!fake limit");
    w.wait_event("continue", |e| e["event"] == "prompt" && e["text"] == "continue");
    w.cli(&["pane", "rescan"]);
    let mut checked = 0;
    let mut stack = vec![w.env.state_dir()];
    while let Some(dir) = stack.pop() {
        for e in std::fs::read_dir(&dir).unwrap().flatten() {
            let meta = std::fs::symlink_metadata(e.path()).unwrap();
            let mode = meta.permissions().mode() & 0o777;
            if meta.is_dir() {
                assert_eq!(mode, 0o700, "{}", e.path().display());
                stack.push(e.path());
            } else {
                assert_eq!(mode, 0o600, "{}", e.path().display());
            }
            checked += 1;
        }
    }
    assert_eq!(std::fs::metadata(w.env.state_dir()).unwrap().permissions().mode() & 0o777, 0o700);
    assert!(checked >= 8, "state, events, locks, pid, progress, logs: {checked} entries");
}

/// A symlink planted where a pane's log goes is neither followed nor written through: the pane is
/// not attached (a warning says why), the file it points at is unchanged, and the limit text in
/// that file triggers nothing.
#[test]
fn a_symlink_planted_at_a_log_path_is_not_followed() {
    let mut w = World::new("");
    let (_, p, _) = w.claude_in("planted");
    let victim = w.env.dir.path().join("victim.txt");
    let text = "  ⎿  You've hit your session limit · resets 3pm (Europe/Paris)\n";
    std::fs::write(&victim, text).unwrap();
    // Plant the link where the pane's log will be, before any daemon runs.
    let servers = w.env.state_dir().join("servers");
    let key: String = w
        .socket
        .to_str()
        .unwrap()
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() || c == '-' || c == '.' { c } else { '_' })
        .collect();
    let logs = servers.join(key).join("panes");
    std::fs::create_dir_all(&logs).unwrap();
    let log = logs.join(format!("pane-{}.log", p.trim_start_matches('%')));
    std::os::unix::fs::symlink(&victim, &log).unwrap();
    w.start_daemon();
    let warning =
        w.wait_daemon_event("the planted link is reported", |e| e["event"] == "unwatched" && e["pane"] == p.as_str());
    assert!(warning["message"].as_str().unwrap().contains("not a regular file"), "{warning}");
    w.type_line(&p, "hello");
    w.wait_event("the reply", |e| e["event"] == "reply");
    let attach = w.cli(&["pane", "attach", &p]);
    assert_eq!(attach.code, 1, "attach refuses: {}", attach.all());
    assert!(attach.stderr.contains("not a regular file"), "{}", attach.all());
    // An event on the link itself makes the daemon try to read it; a config edit after it is the
    // barrier: by the time the reload is logged, that event was handled.
    let touched = std::process::Command::new("touch").arg("-h").arg(&log).status().unwrap();
    assert!(touched.success());
    w.save_config(&(World::config("") + "# edited\n"));
    w.wait_daemon_event("the barrier", |e| e["event"] == "config_reloaded");
    assert_eq!(std::fs::read_to_string(&victim).unwrap(), text, "the file behind the link is untouched");
    assert!(std::fs::symlink_metadata(&log).unwrap().file_type().is_symlink(), "the link itself is left");
    assert!(!w.daemon_events().iter().any(|e| e["event"] == "detected"), "the text behind the link is never read");
}

/// What the pane wrote to its log just before the writer rotated it is still read: the daemon
/// holds the old file open and reads it to its end before it moves to the new one. The daemon is
/// stopped (SIGSTOP) while the limit is printed and the log rotated, so the order is certain.
#[test]
fn output_written_just_before_a_rotation_is_still_read() {
    let mut w = World::new("");
    let (_, p, sid) = w.watched_claude("rotate");
    let server = std::fs::read_dir(w.env.state_dir().join("servers")).unwrap().next().unwrap().unwrap().path();
    let log = server.join("panes").join(format!("pane-{}.log", p.trim_start_matches('%')));
    // The daemon has read the log once (so it holds it): its saved offset moves past 0.
    w.type_line(&p, "hello");
    crate::common::wait_for("the daemon read the pane", std::time::Duration::from_secs(10), || {
        std::fs::read_to_string(server.join("progress.json")).is_ok_and(|s| {
            serde_json::from_str::<serde_json::Value>(&s).is_ok_and(|v| v["panes"][&p]["offset"].as_u64() > Some(0))
        })
    });
    let pid = w.daemon_pid().unwrap() as libc::pid_t;
    // SAFETY: kill(2) on the daemon this test started.
    unsafe { libc::kill(pid, libc::SIGSTOP) };
    w.type_line(&p, "!fake limit");
    w.wait_event("the limit printed", |e| e["event"] == "limit");
    crate::common::wait_for("the limit is in the log", std::time::Duration::from_secs(10), || {
        std::fs::read(&log).is_ok_and(|b| String::from_utf8_lossy(&b).contains("hit your session limit"))
    });
    // Rotate as the writer does: a new file renamed over the full one.
    let fresh = log.with_extension("log.new");
    std::fs::write(&fresh, b"").unwrap();
    std::fs::rename(&fresh, &log).unwrap();
    // SAFETY: as above.
    unsafe { libc::kill(pid, libc::SIGCONT) };
    w.wait_event("resumed on backup", |e| {
        e["event"] == "prompt" && e["text"] == "continue" && e["session_id"] == sid.as_str()
    });
    let detected: Vec<_> = w.daemon_events().into_iter().filter(|e| e["event"] == "detected").collect();
    assert_eq!(detected[0]["source"], "pane", "found in the old file's tail: {detected:?}");
}
