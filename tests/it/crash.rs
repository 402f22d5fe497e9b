//! SIGKILL of the daemon at each phase of a swap, then a restart: the daemon rolls back (before
//! the commit) or finishes (after it). In every case it ends with `~/.claude` a link to a
//! configured account that the state agrees with, every Claude pane on that account with its own
//! session, none left at a shell, none relaunched twice, no transcript lost.

use std::time::Duration;

use crate::common::*;
use crate::world::*;

struct Crash {
    w: World,
    sessions: Vec<String>,
    first: String,
}

fn setup(fault: &str) -> Crash {
    let c = quiet(fault);
    c.w.type_line(&c.first, "!fake limit");
    c
}

/// Two Claude panes on main and a daemon watching them; nothing printed yet.
fn quiet(fault: &str) -> Crash {
    let mut w = World::new("");
    let a = w.project("a");
    let b = w.project("b");
    for d in [&a, &b] {
        w.trust("main", d);
    }
    let p1 = w.first_pane(&a);
    let p2 = w.pane(&b);
    let sessions = vec![w.start_claude(&p1, "main"), w.start_claude(&p2, "main")];
    w.env.set("CLAUDE_FAILOVER_FAULTS", fault);
    w.start_daemon();
    w.wait_daemon_event("attached", |e| e["event"] == "attached" && e["pane"] == p2.as_str());
    Crash { w, sessions, first: p1 }
}

impl Crash {
    /// Kill once the state shows `phase` (and `relaunched` has at least `done` panes).
    fn kill_at(&mut self, phase: &str, done: usize) {
        let w = &self.w;
        wait_for(&format!("swap in phase {phase}"), Duration::from_secs(20), || {
            let st = w.state();
            st["swap"]["phase"] == phase && st["swap"]["relaunched"].as_array().map_or(0, Vec::len) >= done
        });
        self.w.kill_daemon();
        self.w.env.set("CLAUDE_FAILOVER_FAULTS", "");
    }

    /// Restart, let it recover, and check the end state.
    fn restart_and_check(&mut self) {
        self.w.start_daemon();
        self.check();
    }

    /// Every session ends resumed on backup, once, with its transcript; state and pointer agree.
    /// The first pane's turn failed on the limit: it gets "continue"; the other was idle and
    /// gets nothing typed, whoever finished the swap.
    fn check(&self) {
        let w = &self.w;
        // main is still exhausted: recovered either by finishing the swap or by rolling back and
        // swapping again. Either way every session ends resumed on backup.
        for (i, sid) in self.sessions.iter().enumerate() {
            let done = |e: &serde_json::Value| {
                if i == 0 {
                    e["event"] == "prompt" && e["session_id"] == sid.as_str() && e["text"] == "continue"
                } else {
                    e["event"] == "ready"
                        && e["session_id"] == sid.as_str()
                        && e["transcript"].as_str().is_some_and(|t| t.starts_with(w.home("backup").to_str().unwrap()))
                }
            };
            // The recovery's own worst case is 3 s + 3 s + 20 s (SIGTERM, keys, readiness).
            let end = std::time::Instant::now() + Duration::from_secs(60);
            while !w.fake_events().iter().any(done) {
                if std::time::Instant::now() > end {
                    let fe: Vec<String> = w
                        .fake_events()
                        .iter()
                        .filter(|e| e["event"] != "hook")
                        .map(|e| format!("{} {} {}", e["event"], e["session_id"], e["reason"]))
                        .collect();
                    panic!("{sid} never resumed on backup\n--- claude:\n{}\n{}", fe.join("\n"), w.diagnose());
                }
                std::thread::sleep(Duration::from_millis(20));
            }
            let continues = w
                .fake_events()
                .iter()
                .filter(|e| e["event"] == "prompt" && e["session_id"] == sid.as_str() && e["text"] == "continue")
                .count();
            assert_eq!(continues, usize::from(i == 0), "{sid}: continue typed once, and only where a turn failed");
            let launches: Vec<_> = w
                .fake_events()
                .into_iter()
                .filter(|e| e["event"] == "launch" && e["session_id"] == sid.as_str())
                .collect();
            assert_eq!(launches.len(), 2, "{sid}: started once, resumed once\n{}", w.daemon_log());
            assert_eq!(launches[1]["config_dir"], w.home("backup").to_str().unwrap());
            let t = w.home("backup").join("projects");
            assert!(
                walk_has(&t, &format!("{sid}.jsonl")),
                "the transcript of {sid} is still there, through the shared projects/"
            );
        }
        wait_for("the swap is finished", Duration::from_secs(20), || w.state()["swap"].is_null());
        assert_eq!(w.env.pointer(), w.home("backup"), "claude_dir points at a configured account");
        let st = w.state();
        assert_eq!(st["active"], "backup", "the state agrees with the pointer");
        assert!(st["swap"].is_null(), "no swap left in progress");
        assert!(st["degraded"].is_null());
        let shells = w.tmux(&["list-panes", "-a", "-F", "#{pane_id}"]).lines().count();
        let running = w.fake_events().iter().filter(|e| e["event"] == "ready").count()
            - w.fake_events().iter().filter(|e| e["event"] == "exit").count();
        assert_eq!(running, shells, "every pane runs claude: none left at a shell");
    }
}

fn walk_has(dir: &std::path::Path, name: &str) -> bool {
    std::fs::read_dir(dir).into_iter().flatten().flatten().any(|e| {
        let p = e.path();
        p.file_name().is_some_and(|n| n == name) || (p.is_dir() && walk_has(&p, name))
    })
}

#[test]
fn killed_after_saving() {
    let mut c = setup("swap.saved=sleep:20000");
    c.kill_at("switching", 0);
    c.restart_and_check();
}

#[test]
fn killed_after_the_flip() {
    let mut c = setup("swap.after_flip=sleep:20000");
    wait_for("flipped", Duration::from_secs(20), || {
        std::fs::read_link(c.w.env.path(".claude")).ok() == Some(c.w.home("backup"))
    });
    c.kill_at("switching", 0);
    c.restart_and_check();
}

#[test]
fn killed_after_ensure() {
    let mut c = setup("swap.after_ensure=sleep:20000");
    c.kill_at("switching", 0);
    c.restart_and_check();
}

#[test]
fn killed_mid_relaunch_with_one_pane_done() {
    let mut c = setup("swap.relaunch=sleep:20000@2");
    c.kill_at("resuming", 1);
    c.restart_and_check();
}

/// A limit printed while no daemon runs is read by the next one: it carries on from where the
/// killed one stopped reading (`progress.json`), not from the end of the log.
#[test]
fn a_limit_printed_while_no_daemon_runs_is_read_by_the_next() {
    let mut c = quiet("");
    // Output the daemon has read, and saved, before it dies: the next one must not re-read it.
    c.w.type_line(&c.first, "hello");
    c.w.wait_event("the reply", |e| e["event"] == "prompt" && e["text"] == "hello");
    c.w.kill_daemon();
    c.w.type_line(&c.first, "!fake limit");
    c.w.wait_event("the limit printed", |e| e["event"] == "limit");
    c.restart_and_check();
    // Found in the pane's log by the next daemon (the transcript has it too, but is read after).
    let detected: Vec<_> = c.w.daemon_events().into_iter().filter(|e| e["event"] == "detected").collect();
    assert_eq!(detected.len(), 1, "{detected:?}");
    assert_eq!(detected[0]["source"], "pane", "{detected:?}");
    assert_eq!(detected[0]["pane"], c.first.as_str());
}

/// Killed after finding a limit and before acting on it: the limit was saved as pending, and
/// the next daemon acts on it, charged to the account it was printed on.
#[test]
fn killed_between_finding_a_limit_and_acting_on_it() {
    let mut c = setup("daemon.found=abort");
    wait_for("the daemon aborted on the limit", Duration::from_secs(20), || c.w.daemon_exited());
    c.w.env.set("CLAUDE_FAILOVER_FAULTS", "");
    assert!(!c.w.daemon_events().iter().any(|e| e["event"] == "swap_started"), "nothing acted on before the kill");
    c.restart_and_check();
    let events = c.w.daemon_events();
    assert!(events.iter().any(|e| e["event"] == "recovered" && e["message"].as_str().unwrap_or("").contains("limit")));
    assert_eq!(events.iter().filter(|e| e["event"] == "swap_started").count(), 1, "one swap");
}

/// Killed again while acting on a limit the previous daemon had left pending: still pending for
/// the third daemon, which acts on it once.
#[test]
fn killed_again_while_acting_on_a_recovered_limit() {
    let mut c = setup("daemon.found=abort");
    wait_for("the first daemon aborted on the limit", Duration::from_secs(20), || c.w.daemon_exited());
    c.w.env.set("CLAUDE_FAILOVER_FAULTS", "daemon.recovering=abort");
    c.w.kill_daemon();
    c.w.start_daemon_unchecked();
    wait_for("the second daemon aborted while recovering", Duration::from_secs(20), || c.w.daemon_exited());
    c.w.env.set("CLAUDE_FAILOVER_FAULTS", "");
    c.restart_and_check();
    let events = c.w.daemon_events();
    assert_eq!(events.iter().filter(|e| e["event"] == "swap_started").count(), 1, "one swap");
}

/// Ten runs killed at pseudo-random points of the swap (0–900 ms after it started: saving, the
/// flip, ensure, any moment of the relaunch, or just after the end).
fn random_runs(seed: u64) {
    let mut x = seed;
    for run in 0..10 {
        x = x.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
        let delay = (x >> 33) % 900;
        let mut c = setup("");
        c.w.wait_daemon_event("swap started", |e| e["event"] == "swap_started");
        std::thread::sleep(Duration::from_millis(delay)); // the random point itself, not a synchronisation
        c.w.kill_daemon();
        eprintln!("run {run}: killed {delay} ms into the swap");
        c.restart_and_check();
    }
}

#[test]
fn killed_at_random_points_1() {
    random_runs(1);
}
#[test]
fn killed_at_random_points_2() {
    random_runs(2);
}
#[test]
fn killed_at_random_points_3() {
    random_runs(3);
}
#[test]
fn killed_at_random_points_4() {
    random_runs(4);
}
#[test]
fn killed_at_random_points_5() {
    random_runs(5);
}

/// A truncated progress file is reported by name and set aside in effect: the daemon reads every
/// log from its end and keeps working.
#[test]
fn a_truncated_progress_file_is_reported_and_the_daemon_keeps_working() {
    let mut c = quiet("");
    c.w.kill_daemon();
    let server = std::fs::read_dir(c.w.env.state_dir().join("servers")).unwrap().next().unwrap().unwrap().path();
    std::fs::write(server.join("progress.json"), "{\"panes\": {\"%0\": {\"ino\": 12, \"off").unwrap();
    c.w.start_daemon();
    let warn = c.w.wait_daemon_event("the bad file is named", |e| {
        e["event"] == "warning" && e["message"].as_str().is_some_and(|m| m.contains("progress.json"))
    });
    assert!(warn["message"].as_str().unwrap().contains("reading every log from its end"), "{warn}");
    c.w.type_line(&c.first, "!fake limit");
    c.check();
}

/// A pane whose claude was quit to the shell keeps its saved place across a restart: what the
/// shell prints meanwhile (a limit message, say) is read as shell output then, and never counted
/// when claude runs in that pane again.
#[test]
fn shell_output_in_a_quit_pane_is_not_counted_when_claude_comes_back() {
    let mut c = quiet("");
    let p = c.first.clone();
    c.w.type_line(&p, "/exit");
    c.w.wait_event("claude quit", |e| e["event"] == "exit");
    c.w.kill_daemon();
    c.w.type_line(
        &p,
        "printf '  \\342\\216\\277  You\\047ve hit your session limit \\302\\267 resets 3pm (Europe/Paris)\\n'",
    );
    crate::common::wait_for("printed in the shell", Duration::from_secs(10), || {
        c.w.screen(&p).contains("hit your session limit")
    });
    c.w.start_daemon();
    c.w.wait_daemon_event("read as shell output", |e| e["event"] == "ignored" && e["pane"] == p.as_str());
    c.w.start_claude(&p, "main");
    c.w.type_line(&p, "hello");
    c.w.wait_event("claude answers", |e| e["event"] == "reply" && e["text"] == "ok: hello");
    // Barrier: a config edit is handled after the reads the reply caused.
    c.w.save_config(&(World::config("") + "# edited\n"));
    c.w.wait_daemon_event("the barrier", |e| e["event"] == "config_reloaded");
    let events = c.w.daemon_events();
    assert!(!events.iter().any(|e| e["event"] == "detected" || e["event"] == "swap_started"), "{events:?}");
}
