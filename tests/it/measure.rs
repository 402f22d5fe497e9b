//! First figures for detection and failover, printed, never asserted (tests assert behaviour;
//! `cargo test --test it measure -- --ignored --nocapture` prints them). The full benchmark is
//! `scripts/bench`.

use crate::world::*;

fn percentile(v: &mut [f64], p: f64) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    v[((v.len() as f64 - 1.0) * p).round() as usize]
}

/// Limit-shaped lines printed in one pane while `noisy` other Claude panes stream ~20 KB/s of
/// TUI output: time from the stand-in printing to the daemon's event.
#[test]
#[ignore]
fn measure_detection_latency() {
    let samples = 60;
    let noisy = 8;
    let mut w = World::new("");
    let d = w.project("m");
    w.trust("main", &d);
    let p = w.first_pane(&d);
    w.start_claude(&p, "main");
    for _ in 0..noisy {
        let q = w.pane(&d);
        w.tmux(&["select-layout", "-t", "w", "tiled"]);
        w.start_claude(&q, "main");
        w.type_line(&q, "!fake stream 20000");
    }
    w.start_daemon();
    let mut lat = Vec::new();
    for i in 0..samples {
        // warnings take the same path as a limit (log → strip → classify → event) without swapping
        let text = format!("You've used {}% of your session limit · resets 3pm (Europe/Paris)", 10 + i);
        w.type_line(&p, &format!("!fake print   ⎿  {text}"));
        let ev = w.wait_daemon_event("warning", |e| e["event"] == "limit_warning" && e["text"] == text.as_str());
        let printed =
            w.wait_event("printed", |e| e["event"] == "fake" && e["arg"].as_str().is_some_and(|a| a.contains(&text)));
        lat.push(ev["t_ms"].as_f64().unwrap() - printed["time"].as_f64().unwrap() * 1000.0);
    }
    let (p50, p99) = (percentile(&mut lat, 0.5), percentile(&mut lat, 0.99));
    println!("detection latency with {noisy} streaming panes, {samples} samples: p50 {p50:.1} ms, p99 {p99:.1} ms");
}

/// Ten Claude panes; one hits the limit: time until every pane's resumed session got "continue".
#[test]
#[ignore]
fn measure_failover_10_panes() {
    let n = 10;
    let mut w = World::new("");
    let d = w.project("f");
    w.trust("main", &d);
    let mut panes = vec![w.first_pane(&d)];
    for _ in 1..n {
        panes.push(w.pane(&d));
        w.tmux(&["select-layout", "-t", "w", "tiled"]);
    }
    let sids: Vec<String> = panes.iter().map(|p| w.start_claude(p, "main")).collect();
    w.start_daemon();
    w.wait_daemon_event("all attached", |e| e["event"] == "attached" && e["pane"] == panes[n - 1].as_str());
    w.type_line(&panes[0], "!fake limit");
    let limit = w.wait_event("limit printed", |e| e["event"] == "limit");
    let mut last: f64 = 0.0;
    for sid in &sids {
        let e = w.wait_event("continue", |e| {
            e["event"] == "prompt" && e["session_id"] == sid.as_str() && e["text"] == "continue"
        });
        last = last.max(e["time"].as_f64().unwrap());
    }
    let swap = w.wait_daemon_event("swap started", |e| e["event"] == "swap_started");
    let t0 = limit["time"].as_f64().unwrap() * 1000.0;
    for e in w.daemon_events().iter().filter(|e| e["t_ms"].as_f64().unwrap() >= t0 - 5.0).take(8) {
        println!("  +{:6.1} ms {} {}", e["t_ms"].as_f64().unwrap() - t0, e["event"], e["message"]);
    }
    println!(
        "failover {n} panes: limit → swap started {:.0} ms, limit → all {n} resumed and prompted {:.0} ms",
        swap["t_ms"].as_f64().unwrap() - limit["time"].as_f64().unwrap() * 1000.0,
        (last - limit["time"].as_f64().unwrap()) * 1000.0
    );
}

/// Idle: what the panes' logs and the daemon do while Claude panes sit quiet.
#[test]
#[ignore]
fn measure_idle_probe() {
    let mut w = World::new("");
    let d = w.project("i");
    w.trust("main", &d);
    let p = w.first_pane(&d);
    w.start_claude(&p, "main");
    for i in 1..20 {
        if i % 8 == 0 {
            w.tmux(&["new-window", "-d", "-t", "w"]);
        }
        let q = w
            .tmux(&["split-window", "-d", "-t", "w:$", "-P", "-F", "#{pane_id}", "-c", d.to_str().unwrap()])
            .trim()
            .to_string();
        w.tmux(&["select-layout", "-t", "w:$", "tiled"]);
        w.start_claude(&q, "main");
    }
    w.start_daemon();
    w.wait_daemon_event("attached", |e| e["event"] == "attached");
    std::thread::sleep(std::time::Duration::from_secs(2));
    let pid: u32 = {
        let s = std::fs::read_dir(w.env.state_dir().join("servers")).unwrap().next().unwrap().unwrap().path();
        std::fs::read_to_string(s.join("daemon.pid")).unwrap().trim().parse().unwrap()
    };
    let cpu = || {
        let st = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap();
        let f: Vec<u64> = st.rsplit(')').next().unwrap().split_whitespace().filter_map(|x| x.parse().ok()).collect();
        (f[10] + f[11]) * 10
    };
    let c0 = cpu();
    let logs = w.env.state_dir().join("servers");
    let size = || -> u64 {
        let mut n = 0;
        for s in std::fs::read_dir(&logs).unwrap().flatten() {
            for f in std::fs::read_dir(s.path().join("panes")).unwrap().flatten() {
                n += f.metadata().unwrap().len();
            }
        }
        n
    };
    let s0 = size();
    let e0 = w.daemon_events().len();
    std::thread::sleep(std::time::Duration::from_secs(5));
    println!(
        "idle 5 s: pane log grew {} bytes, {} new daemon events, daemon cpu {} ms",
        size() - s0,
        w.daemon_events().len() - e0,
        cpu() - c0
    );
    let o = std::process::Command::new("sh")
        .arg("-c")
        .arg(format!("ls -la /proc/{pid}/task | wc -l; cat /proc/{pid}/task/*/stat | awk '{{print $2, $14, $15}}'"))
        .output()
        .unwrap();
    println!("{}", String::from_utf8_lossy(&o.stdout));
    for e in w.daemon_events().iter().skip(e0).take(5) {
        println!("  {e}");
    }
}
