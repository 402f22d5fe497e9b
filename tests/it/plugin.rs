//! The tmux plugin: the generated config, loading through the TPM shim, the key table, the pushed
//! status, notifications (tmux, Telegram on a loopback server).

use std::io::{Read, Write};
use std::net::TcpListener;
use std::path::Path;
use std::time::Duration;

use crate::common::*;
use crate::world::*;

const SHIM: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/claude-failover.tmux");

fn load_plugin(w: &World) {
    w.tmux(&["set", "-g", "@claude-failover-bin", BIN]);
    w.tmux(&["run-shell", SHIM]);
}

fn count(s: &str, needle: &str) -> usize {
    s.lines().filter(|l| l.contains(needle)).count()
}

#[test]
fn generated_config_parses_and_matches_the_snapshot() {
    let w = World::new("");
    w.tmux(&["set", "-g", "status-right", "#{claude_failover_status} %H:%M"]);
    let r = w.cli(&["tmux-init", "--plugin-dir", "/opt/claude-failover"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let conf = w.env.dir.path().join("init.conf");
    std::fs::write(&conf, &r.stdout).unwrap();
    w.tmux(&["source-file", "-n", conf.to_str().unwrap()]);
    let normalized = r.stdout.replace(BIN, "<BIN>");
    let snap = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/it/snapshots/tmux-init.conf");
    if std::env::var_os("UPDATE_SNAPSHOTS").is_some() {
        std::fs::write(&snap, &normalized).unwrap();
    }
    let want = std::fs::read_to_string(&snap).expect("snapshot (UPDATE_SNAPSHOTS=1 to write it)");
    assert_eq!(normalized, want, "tmux-init output changed; review and rerun with UPDATE_SNAPSHOTS=1");
}

#[test]
fn loading_twice_leaves_one_daemon_and_no_duplicates() {
    let w = World::new("");
    w.tmux(&["set", "-g", "status-right", "#{claude_failover_status} | %H:%M"]);
    load_plugin(&w);
    wait_for("daemon running", Duration::from_secs(10), || w.daemons() == 1);
    let all_hooks = |w: &World| format!("{}{}", w.tmux(&["show-hooks", "-g"]), w.tmux(&["show-hooks", "-gw"]));
    let hooks = all_hooks(&w);
    let keys = w.tmux(&["list-keys", "-T", "claude-failover"]);
    let prefix_keys = count(&w.tmux(&["list-keys", "-T", "prefix"]), "claude-failover");
    load_plugin(&w);
    std::thread::sleep(Duration::from_millis(300)); // a second daemon, if any, would be up by now
    assert_eq!(w.daemons(), 1, "one daemon per server");
    assert_eq!(all_hooks(&w), hooks, "hooks not duplicated");
    assert_eq!(w.tmux(&["list-keys", "-T", "claude-failover"]), keys);
    assert_eq!(count(&w.tmux(&["list-keys", "-T", "prefix"]), "claude-failover"), prefix_keys);
    assert_eq!(count(&hooks, "pane rescan"), 4, "{hooks}");
    // The segment, and beside it the self-heal's job (which prints nothing), once.
    let right = w.tmux(&["show", "-gv", "status-right"]);
    let job = format!("#(exec {BIN} --socket '#{{socket_path}}' daemon --ensure >/dev/null 2>&1)");
    assert_eq!(right.trim(), format!("#{{@claude-failover-status}}{job} | %H:%M"));
    // the daemon goes with the server
    w.tmux(&["kill-server"]);
    wait_for("daemon gone with the server", Duration::from_secs(10), || w.daemons() == 0);
}

#[test]
fn status_follows_a_swap_and_the_swap_key_swaps() {
    let mut w = World::new("");
    w.tmux(&["set", "-g", "status-right", "#{claude_failover_status}"]);
    load_plugin(&w);
    wait_for("daemon", Duration::from_secs(10), || w.daemons() == 1);
    w.attach_client();
    let status = || w.tmux(&["show", "-gv", "@claude-failover-status"]);
    assert!(status().contains("claude:main"), "{}", status());
    // what the user sees in the status line
    wait_for("status line shows main", Duration::from_secs(5), || w.client_screen().contains("claude:main"));
    // prefix + A, s: swap now
    w.press(&["C-b", "A", "s"]);
    wait_for("pointer flipped", Duration::from_secs(10), || {
        std::fs::read_link(w.env.path(".claude")).ok() == Some(w.home("backup"))
    });
    let t = std::time::Instant::now();
    wait_for("status pushed", Duration::from_secs(5), || status().contains("claude:backup"));
    assert!(t.elapsed() < Duration::from_secs(1), "status changed {:?} after the swap", t.elapsed());
    wait_for("status line shows backup", Duration::from_secs(5), || w.client_screen().contains("claude:backup"));
    // prefix + A, p: pause toggles. The swap's own message may still be on the client, and a
    // key that clears a message is not passed on: press again only while nothing toggled.
    let paused = || w.env.status_json()["paused"] == true;
    for _ in 0..3 {
        w.press(&["C-b", "A", "p"]);
        let end = std::time::Instant::now() + Duration::from_secs(4);
        while !paused() && std::time::Instant::now() < end {
            std::thread::sleep(Duration::from_millis(50));
        }
        if paused() {
            break;
        }
    }
    assert!(paused(), "prefix + A, p paused automatic swaps");
}

/// A copy of the plugin's checkout with no binary in it, as TPM clones it: the shim, the
/// Cargo.toml it reads the version from, and a `scripts/install` that "builds" by linking the test
/// binary into `bin/` (the real one runs cargo for minutes).
fn fresh_checkout(w: &World) -> std::path::PathBuf {
    let dir = w.env.dir.path().join("plugins/claude-failover");
    std::fs::create_dir_all(dir.join("scripts")).unwrap();
    std::fs::copy(SHIM, dir.join("claude-failover.tmux")).unwrap();
    std::fs::copy(concat!(env!("CARGO_MANIFEST_DIR"), "/Cargo.toml"), dir.join("Cargo.toml")).unwrap();
    let install = dir.join("scripts/install");
    std::fs::write(&install, format!("#!/bin/sh\nmkdir -p bin && ln -sf '{BIN}' bin/claude-failover\n")).unwrap();
    std::fs::set_permissions(&install, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
    dir
}

#[test]
fn tpm_first_run_without_a_binary_shows_how_to_build_and_then_loads_by_itself() {
    let mut w = World::new("");
    w.tmux(&["set", "-g", "status-right", "#{claude_failover_status} | %H:%M"]);
    let dir = fresh_checkout(&w);
    let shim = dir.join("claude-failover.tmux");
    w.attach_client();
    w.tmux(&["run-shell", shim.to_str().unwrap()]);
    // A short segment that stays, and the placeholder already reads it.
    let status = || w.tmux(&["show", "-gqv", "@claude-failover-status"]);
    assert!(status().contains("prefix A I builds it"), "{}", status());
    assert_eq!(w.tmux(&["show", "-gv", "status-right"]).trim(), "#{@claude-failover-status} | %H:%M");
    // The short message (under 80 columns) first, then the segment, which stays.
    wait_for("the message", Duration::from_secs(5), || w.client_screen().contains("not built yet; prefix+A then I"));
    wait_for("the segment on screen", Duration::from_secs(10), || w.client_screen().contains("prefix A I builds it"));
    // prefix + A, I: the build runs in a window of its own, then the plugin loads by itself.
    w.press(&["C-b", "A", "I"]);
    wait_for("the daemon started by the reload", Duration::from_secs(20), || w.daemons() == 1);
    wait_for("the real segment", Duration::from_secs(10), || status().contains("claude:main"));
    assert!(w.tmux(&["list-windows", "-a", "-F", "#{window_name}"]).contains("claude-failover-build"));
    assert!(w.tmux(&["list-keys", "-T", "claude-failover"]).contains(" s "), "the full key table");
}

#[test]
fn an_update_replaces_the_running_daemon_on_reload() {
    let w = World::new("");
    let bin = w.env.dir.path().join("bin/claude-failover");
    std::fs::create_dir_all(bin.parent().unwrap()).unwrap();
    std::fs::copy(BIN, &bin).unwrap();
    w.tmux(&["set", "-g", "@claude-failover-bin", bin.to_str().unwrap()]);
    w.tmux(&["run-shell", SHIM]);
    wait_for("a daemon", Duration::from_secs(10), || w.worker_pid().is_some());
    let old = w.worker_pid().unwrap();
    // The update: a new file where the binary was (a new inode, as cargo install writes it).
    let next = bin.with_extension("new");
    std::fs::copy(BIN, &next).unwrap();
    std::fs::rename(&next, &bin).unwrap();
    use std::os::unix::fs::MetadataExt;
    let ino = std::fs::metadata(&bin).unwrap().ino();
    w.tmux(&["run-shell", SHIM]);
    wait_for("the daemon replaced", Duration::from_secs(20), || w.worker_pid().is_some_and(|p| p != old));
    let new = w.worker_pid().unwrap();
    assert_eq!(std::fs::metadata(format!("/proc/{new}/exe")).unwrap().ino(), ino, "the new build runs");
    // The old one released its lock as it stopped; its process ends a moment later.
    wait_for("only the new daemon", Duration::from_secs(5), || w.daemons() == 1);
    assert!(w.daemon_events().iter().any(|e| e["event"] == "daemon_replaced"));
    // A reload with the same build leaves it alone.
    w.tmux(&["run-shell", SHIM]);
    std::thread::sleep(Duration::from_millis(500)); // a replacement, if any, would have begun
    assert_eq!(w.worker_pid(), Some(new));
}

#[test]
fn the_key_table_says_where_you_are_has_a_help_menu_and_notes() {
    let mut w = World::new("");
    w.tmux(&["set", "-g", "status-right", "#{claude_failover_status}"]);
    w.tmux(&["set", "-g", "display-time", "4000"]);
    load_plugin(&w);
    wait_for("daemon", Duration::from_secs(10), || w.daemons() == 1);
    // prefix + ? lists them: every binding has a note.
    let notes = w.tmux(&["list-keys", "-N"]);
    assert!(notes.contains("claude-failover: its keys"), "{notes}");
    let table = w.tmux(&["list-keys", "-N", "-T", "claude-failover"]);
    for what in ["swap now to the next account", "pause / resume", "watch this pane", "event log", "this menu"] {
        assert!(table.contains(what), "{what} missing:\n{table}");
    }
    w.attach_client();
    // Entering the table says so.
    w.press(&["C-b", "A"]);
    wait_for("the hint", Duration::from_secs(5), || w.client_screen().contains("? help"));
    // ? opens the menu; its s swaps.
    w.press(&["?"]);
    wait_for("the menu", Duration::from_secs(5), || w.client_screen().contains("swap now to the next account"));
    w.press(&["s"]);
    wait_for("swapped from the menu", Duration::from_secs(10), || {
        std::fs::read_link(w.env.path(".claude")).ok() == Some(w.home("backup"))
    });
    // The status popup closes on q.
    w.press(&["C-b", "A", "S"]);
    wait_for("the popup", Duration::from_secs(10), || w.client_screen().contains("q, Esc or Enter closes"));
    w.press(&["q"]);
    wait_for("the popup closed", Duration::from_secs(5), || !w.client_screen().contains("q, Esc or Enter closes"));
    // The events popup closes on Escape.
    w.press(&["C-b", "A", "e"]);
    wait_for("the events popup", Duration::from_secs(10), || w.client_screen().contains("events (q closes)"));
    w.press(&["Escape"]);
    wait_for("the events popup closed", Duration::from_secs(5), || !w.client_screen().contains("events (q closes)"));
}

#[test]
fn a_missing_binary_is_reported_in_tmux() {
    let mut w = World::new("");
    w.attach_client();
    w.tmux(&["set", "-g", "@claude-failover-bin", "/nonexistent/claude-failover"]);
    w.tmux(&["set", "-g", "display-time", "10000"]);
    w.tmux(&["run-shell", SHIM]);
    wait_for("message shown", Duration::from_secs(5), || w.client_screen().contains("is not a program"));
}

/// A one-request-at-a-time HTTP server on loopback that records what it receives.
fn telegram_server() -> (String, std::sync::mpsc::Receiver<String>) {
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let base = format!("http://{}", l.local_addr().unwrap());
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for s in l.incoming().take(4) {
            let Ok(mut s) = s else { continue };
            s.set_read_timeout(Some(Duration::from_secs(5))).ok();
            let mut buf = vec![0u8; 65536];
            let mut got = Vec::new();
            while let Ok(n) = s.read(&mut buf) {
                if n == 0 {
                    break;
                }
                got.extend_from_slice(&buf[..n]);
                let text = String::from_utf8_lossy(&got);
                if let Some(h) = text.find("\r\n\r\n") {
                    let len = text[..h]
                        .lines()
                        .find_map(|l| {
                            l.to_ascii_lowercase()
                                .strip_prefix("content-length:")
                                .map(|v| v.trim().parse::<usize>().unwrap_or(0))
                        })
                        .unwrap_or(0);
                    if got.len() >= h + 4 + len {
                        break;
                    }
                }
            }
            let _ = tx.send(String::from_utf8_lossy(&got).into_owned());
            let _ = s.write_all(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 11\r\nConnection: close\r\n\r\n{\"ok\":true}");
        }
    });
    (base, rx)
}

#[test]
fn telegram_gets_the_swap_and_a_dead_endpoint_does_not_stop_it() {
    let (base, rx) = telegram_server();
    let mut e = Env::new();
    e.write_config(&format!(
        "[[accounts]]\nname=\"main\"\nhome=\"~/.claude-main\"\n[[accounts]]\nname=\"backup\"\nhome=\"~/.claude-backup\"\n[notify]\ntmux = false\n[notify.telegram]\nchat_id = \"4242\"\napi_base = \"{base}\"\n"
    ));
    e.set("CLAUDE_FAILOVER_TELEGRAM_TOKEN", "123:SECRET-token");
    e.ok(&["link"]);
    e.log_in_all();
    e.ok(&["swap"]);
    let req = rx.recv_timeout(Duration::from_secs(10)).expect("telegram request");
    assert!(req.starts_with("POST /bot123:SECRET-token/sendMessage"), "{req}");
    assert!(req.contains("chat_id=4242"), "{req}");
    assert!(req.contains("main") && req.contains("backup"), "{req}");
    // a dead endpoint: the swap still happens, the failure is an event, the token is nowhere
    let dead = TcpListener::bind("127.0.0.1:0").unwrap();
    let dead_base = format!("http://{}", dead.local_addr().unwrap());
    drop(dead);
    e.write_config(&format!(
        "[[accounts]]\nname=\"main\"\nhome=\"~/.claude-main\"\n[[accounts]]\nname=\"backup\"\nhome=\"~/.claude-backup\"\n[notify]\ntmux = false\n[notify.telegram]\nchat_id = \"4242\"\napi_base = \"{dead_base}\"\n"
    ));
    let r = e.ok(&["swap"]);
    assert!(r.stdout.contains("backup -> main"), "{}", r.stdout);
    let log = std::fs::read_to_string(e.state_dir().join("events.jsonl")).unwrap();
    assert!(log.contains("notify_failed") && log.contains("telegram"), "{log}");
    assert!(!log.contains("SECRET"), "the token leaked into the event log:\n{log}");
    assert!(!r.all().contains("SECRET"));
}

#[test]
fn the_notify_command_gets_the_message_as_its_last_argument() {
    let e = Env::new();
    let out = e.dir.path().join("notified.txt");
    e.write_config(&format!(
        "[[accounts]]\nname=\"main\"\nhome=\"~/.claude-main\"\n[[accounts]]\nname=\"backup\"\nhome=\"~/.claude-backup\"\n[notify]\ntmux = false\ncommand = [\"sh\", \"-c\", \"printf '%s' \\\"$1\\\" > '{}'\", \"notify\"]\n",
        out.display()
    ));
    e.ok(&["link"]);
    e.log_in_all();
    e.ok(&["swap"]);
    let msg = std::fs::read_to_string(&out).expect("the command ran");
    assert!(msg.contains("main → backup"), "{msg}");
}
