//! `scripts/bench [--quick] [--only scan|process|guard|statusline|detect|failover|real|idle]`: the figures
//! of docs/BENCHMARKS.md, measured the same way every time on private tmux servers with the
//! scripted claude, next to the polling way on the same workload in the same run. Writes
//! target/bench/summary.json (`--only`: just those figures). Prints; asserts nothing.

#[path = "../tests/it/common.rs"]
mod common;
#[path = "../tests/it/real_cli.rs"]
mod real_cli;
#[path = "../tests/it/world.rs"]
mod world;

use std::collections::BTreeMap;
use std::process::Command;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use common::*;
use world::*;

struct Size {
    quick: bool,
    panes: usize,
    samples: usize,
    idle_secs: u64,
    scan_mb: usize,
}

fn pct(v: &[f64], p: f64) -> f64 {
    let mut v = v.to_vec();
    v.sort_by(|a, b| a.total_cmp(b));
    if v.is_empty() {
        return f64::NAN;
    }
    v[((v.len() as f64 - 1.0) * p).round() as usize]
}

fn now_ms() -> f64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs_f64() * 1000.0).unwrap_or(0.0)
}

/// `n` Claude panes on main in a fresh world.
fn fleet(w: &World, n: usize) -> Vec<String> {
    let d = w.project("bench");
    w.trust("main", &d);
    w.claude_panes(n, &d)
}

fn proc_cpu_ms(pid: u32) -> f64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    let f: Vec<&str> = stat.rsplit(')').next().unwrap_or("").split_whitespace().collect();
    let ticks: f64 =
        f.get(11).and_then(|v| v.parse().ok()).unwrap_or(0.0) + f.get(12).and_then(|v| v.parse().ok()).unwrap_or(0.0);
    ticks * 1000.0 / 100.0 // USER_HZ is 100 on Linux
}

fn proc_rss_kb(pid: u32) -> f64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .unwrap_or_default()
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:").and_then(|v| v.split_whitespace().next()?.parse().ok()))
        .unwrap_or(f64::NAN)
}

fn daemon_pid(w: &World) -> u32 {
    let dir = w.env.state_dir().join("servers");
    let s = std::fs::read_dir(dir).unwrap().next().unwrap().unwrap().path();
    std::fs::read_to_string(s.join("daemon.pid")).unwrap().trim().parse().unwrap()
}

/// Detection latency, ours and a 500 ms capture-pane poller's, on the same workload.
fn detection(size: &Size, out: &mut BTreeMap<&'static str, Value>) {
    let mut w = World::new("");
    let panes = fleet(&w, size.panes);
    for p in &panes[1..] {
        w.type_line(p, "!fake stream 20000");
    }
    w.start_daemon();
    w.wait_daemon_event("all attached", |e| e["event"] == "attached" && e["pane"] == panes[size.panes - 1].as_str());
    // The poller: what tmux session managers do, every 500 ms, capture each pane and look.
    let stop = Arc::new(AtomicBool::new(false));
    let seen: Arc<Mutex<BTreeMap<String, f64>>> = Arc::default();
    let poller = {
        let (stop, seen, socket, panes) = (stop.clone(), seen.clone(), w.socket.clone(), panes.clone());
        std::thread::spawn(move || {
            while !stop.load(Ordering::Relaxed) {
                let tick = Instant::now();
                for p in &panes {
                    let o = Command::new("tmux").arg("-S").arg(&socket).args(["capture-pane", "-p", "-t", p]).output();
                    if let Ok(o) = o {
                        let t = now_ms();
                        for l in String::from_utf8_lossy(&o.stdout).lines() {
                            // Like the daemon: what is typed in the input box is not output.
                            if l.trim_start_matches(['│', ' ']).starts_with('>') {
                                continue;
                            }
                            if let Some(i) = l.find("BENCH-") {
                                seen.lock()
                                    .unwrap()
                                    .entry(l[i..].split_whitespace().next().unwrap_or("").to_string())
                                    .or_insert(t);
                            }
                        }
                    }
                }
                std::thread::sleep(Duration::from_millis(500).saturating_sub(tick.elapsed()));
            }
        })
    };
    let mut ours = Vec::new();
    let mut theirs = Vec::new();
    // A random phase against the poller's tick (deterministic LCG): otherwise each print lands
    // just after the poll that saw the previous one, and the baseline is phase-locked.
    let mut seed: u64 = 0x2545_f491_4f6c_dd1d;
    for i in 0..size.samples {
        seed = seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
        std::thread::sleep(Duration::from_millis((seed >> 33) % 500));
        let tag = format!("BENCH-{i}");
        let pct = 10 + i % 80;
        // The typed form must not contain the message or the tag (its echo in the input box can
        // wrap onto lines that no longer start with '>'): an invisible ESC[0m splits both, which
        // the stand-in turns into a real escape when it prints.
        let typed = format!(
            "!fake print   ⎿  You've u\\e[0msed {pct}% of your session limit · resets 3pm (Europe/Paris) BENCH-\\e[0m{i}"
        );
        w.type_line(&panes[0], &typed);
        let ev = w.wait_daemon_event("warning", |e| {
            e["event"] == "limit_warning" && e["text"].as_str().is_some_and(|t| t.ends_with(&tag))
        });
        let typed_tag = format!("BENCH-\\e[0m{i}");
        let printed = w.wait_event("printed", |e| {
            e["event"] == "fake" && e["arg"].as_str().is_some_and(|a| a.ends_with(&typed_tag))
        });
        let t0 = printed["time"].as_f64().unwrap() * 1000.0;
        ours.push(ev["t_ms"].as_f64().unwrap() - t0);
        let deadline = Instant::now() + Duration::from_secs(3);
        while Instant::now() < deadline && !seen.lock().unwrap().contains_key(&tag) {
            std::thread::sleep(Duration::from_millis(5));
        }
        if let Some(t) = seen.lock().unwrap().get(&tag) {
            theirs.push(t - t0);
        }
    }
    stop.store(true, Ordering::Relaxed);
    let _ = poller.join();
    // Busy CPU: the daemon while the panes stream.
    let pid = daemon_pid(&w);
    let (c0, t0) = (proc_cpu_ms(pid), Instant::now());
    std::thread::sleep(Duration::from_secs(if size.quick { 5 } else { 15 }));
    let busy = (proc_cpu_ms(pid) - c0) / t0.elapsed().as_secs_f64() / 10.0;
    out.insert("detect_p50_ms", json!(pct(&ours, 0.5)));
    out.insert("detect_p99_ms", json!(pct(&ours, 0.99)));
    out.insert("poll_baseline_p50_ms", json!(pct(&theirs, 0.5)));
    out.insert("poll_baseline_p99_ms", json!(pct(&theirs, 0.99)));
    out.insert("detect_speedup", json!(pct(&theirs, 0.5) / pct(&ours, 0.5)));
    out.insert("detect_samples", json!(ours.len()));
    out.insert("daemon_busy_cpu_pct", json!(busy));
}

/// Every pane gets the resume prompt, idle ones too (`always`): the figure is the time to move
/// and continue every pane, as it was measured before `resume_prompt_when` existed.
const EVERY_PANE_CONTINUES: &str = "[swap]\nresume_prompt_when = \"always\"\n";

/// Limit in one pane → every pane resumed on the other account with "continue" delivered.
fn failover(n: usize) -> f64 {
    let mut w = World::new(EVERY_PANE_CONTINUES);
    let panes = fleet(&w, n);
    w.start_daemon();
    w.wait_daemon_event("all attached", |e| e["event"] == "attached" && e["pane"] == panes[n - 1].as_str());
    let before: Vec<String> = w
        .fake_events()
        .iter()
        .filter(|e| e["event"] == "ready")
        .filter_map(|e| e["session_id"].as_str().map(String::from))
        .collect();
    w.type_line(&panes[0], "!fake print   ⎿  You've h\\e[0mit your session limit · resets 3pm (Europe/Paris)");
    let printed = w.wait_event("limit printed", |e| e["event"] == "fake" && e["cmd"] == "print");
    let mut last: f64 = 0.0;
    for sid in &before {
        let e = w.wait_event("continue", |e| {
            e["event"] == "prompt" && e["session_id"] == sid.as_str() && e["text"] == "continue"
        });
        last = last.max(e["time"].as_f64().unwrap());
    }
    (last - printed["time"].as_f64().unwrap()) * 1000.0
}

/// The real CLI: `n` panes on main, one hits its 5-hour limit at the mock; from that 429 to the
/// last pane's `continue` answered on backup (the mock's own clock at both ends).
fn real_failover(n: usize) -> f64 {
    let mut r = real_cli::Real::new(EVERY_PANE_CONTINUES);
    let proj = r.w.project("bench");
    r.w.trust("main", &proj);
    let d = proj.to_str().unwrap();
    let mut panes = vec![r.w.first_pane(&proj)];
    for i in 1..n {
        if i % 8 == 0 {
            r.w.tmux(&["new-window", "-d", "-t", "w", "-c", d]);
        }
        panes
            .push(r.w.tmux(&["split-window", "-d", "-t", "w:$", "-P", "-F", "#{pane_id}", "-c", d]).trim().to_string());
        r.w.tmux(&["select-layout", "-t", "w:$", "tiled"]);
    }
    let sessions: Vec<String> = panes.iter().map(|p| r.start(p, "main", &[])).collect();
    for p in &panes {
        r.prompt(p, "hello");
    }
    r.w.start_daemon();
    for p in &panes {
        r.w.wait_daemon_event("attached", |e| e["event"] == "attached" && e["pane"] == p.as_str());
    }
    r.set_mode("main", "five_hour", Some(7200));
    r.prompt(&panes[0], "limited");
    r.wait("every continue answered on backup", 120, || {
        sessions.iter().all(|s| r.prompts("continue", s, "backup") >= 1)
    });
    let reqs = r.requests();
    let limited = reqs.iter().find(|q| q["prompt"] == "limited").and_then(|q| q["t"].as_f64()).unwrap();
    let last = reqs.iter().filter(|q| q["prompt"] == "continue").filter_map(|q| q["t"].as_f64()).fold(0.0, f64::max);
    // Where the time went, for docs/BENCHMARKS.md: each step after the limit, in ms.
    let at = |e: &Value| e["t_ms"].as_f64().unwrap_or(0.0) - limited * 1000.0;
    let steps: Vec<String> =
        r.w.daemon_events()
            .iter()
            .filter(|e| {
                ["detected", "swap_started", "relaunched", "relaunch_failed", "swap"]
                    .contains(&e["event"].as_str().unwrap_or(""))
            })
            .map(|e| format!("{} {:.0}", e["event"].as_str().unwrap_or(""), at(e)))
            .collect();
    let continues: Vec<String> = reqs
        .iter()
        .filter(|q| q["prompt"] == "continue")
        .filter_map(|q| q["t"].as_f64())
        .map(|t| format!("{:.0}", (t - limited) * 1000.0))
        .collect();
    eprintln!("real failover {n} panes: {}; continue answered at {}", steps.join(", "), continues.join(" "));
    (last - limited) * 1000.0
}

/// Quit the claude in `pane` as a user does (Ctrl-C twice), again while it still runs: a first
/// Ctrl-C that lands during a reply only stops the reply.
fn quit_claude(r: &real_cli::Real, pane: &str) {
    let at_shell = || r.w.tmux(&["display-message", "-p", "-t", pane, "#{pane_current_command}"]).trim() == "bash";
    for _ in 0..5 {
        r.w.tmux(&["send-keys", "-t", pane, "C-c"]);
        std::thread::sleep(Duration::from_millis(100));
        r.w.tmux(&["send-keys", "-t", pane, "C-c"]);
        let end = Instant::now() + Duration::from_secs(3);
        while Instant::now() < end {
            if at_shell() {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }
    r.wait("claude exited to its shell", 1, at_shell);
}

fn epoch() -> f64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs_f64()
}

/// CPU seconds (user + system) a process has used so far.
fn cpu_secs(pid: u32) -> f64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    let f: Vec<&str> = stat.rsplit_once(')').map(|(_, r)| r.split_whitespace().collect()).unwrap_or_default();
    let ticks = |i: usize| f.get(i).and_then(|v| v.parse::<f64>().ok()).unwrap_or(0.0);
    (ticks(11) + ticks(12)) / 100.0
}

/// Issue 23, side by side on the real CLI with `n` panes of which one is interrupted:
/// (b) `n` bare `claude --resume` typed together by the bench, to every prompt box up (the
/// machine's floor for `n`), with the CPU each start took; (c) our failover: from the limit's
/// 429 to the interrupted pane's `continue` reaching the API, and to every pane back.
fn real_order(n: usize) -> (f64, f64, f64, f64) {
    // (b): stop them, then type every resume at once.
    let (floor_all, cpu) = {
        let r = real_cli::Real::new("");
        let (panes, sessions) = r.panes_on_main(n);
        for p in &panes {
            quit_claude(&r, p);
        }
        let bin = real_cli::real_claude().display().to_string();
        let home = r.w.home("main");
        let lines: Vec<String> =
            sessions.iter().map(|s| format!("CLAUDE_CONFIG_DIR='{}' '{bin}' --resume {s}", home.display())).collect();
        for (p, l) in panes.iter().zip(&lines) {
            r.w.tmux(&["send-keys", "-t", p, "-l", "--", l]);
        }
        let t0 = epoch();
        for p in &panes {
            r.w.tmux(&["send-keys", "-t", p, "C-m"]);
        }
        r.wait("every resumed claude up", 120, || {
            panes.iter().all(|p| r.prompt_box(p).is_some() && registry_pid(&home, p).is_some())
        });
        let all = (epoch() - t0) * 1000.0;
        let cpu: f64 = panes.iter().filter_map(|p| registry_pid(&home, p)).map(cpu_secs).sum::<f64>() / n as f64;
        (all, cpu * 1000.0)
    };
    // (c): the failover.
    let mut r = real_cli::Real::new("");
    let (panes, sessions) = r.panes_on_main(n);
    r.w.start_daemon();
    for p in &panes {
        r.w.wait_daemon_event("attached", |e| e["event"] == "attached" && e["pane"] == p.as_str());
    }
    r.set_mode("main", "five_hour", Some(7200));
    r.prompt(&panes[0], "limited");
    r.wait("the interrupted pane continued on backup", 120, || r.prompts("continue", &sessions[0], "backup") >= 1);
    r.wait("every pane back", 120, || r.events("relaunched").len() == n);
    let reqs = r.requests();
    let limited = reqs.iter().find(|q| q["prompt"] == "limited").and_then(|q| q["t"].as_f64()).unwrap();
    let first = reqs
        .iter()
        .find(|q| q["prompt"] == "continue" && q["session"] == sessions[0].as_str())
        .and_then(|q| q["t"].as_f64())
        .unwrap();
    let last = r.events("relaunched").iter().filter_map(|e| e["t_ms"].as_f64()).fold(0.0, f64::max) / 1000.0;
    let steps: Vec<String> = r
        .w
        .daemon_events()
        .iter()
        .filter(|e| ["detected", "swap_started", "relaunched", "swap"].contains(&e["event"].as_str().unwrap_or("")))
        .map(|e| {
            format!("{} {:.0}", e["event"].as_str().unwrap_or(""), e["t_ms"].as_f64().unwrap_or(0.0) - limited * 1000.0)
        })
        .collect();
    eprintln!("N={n} timeline after the 429 (ms): {}", steps.join(", "));
    let _ = &mut r;
    ((first - limited) * 1000.0, (last - limited) * 1000.0, floor_all, cpu)
}

/// The pid of the claude whose registry entry under `home` names `pane`.
fn registry_pid(home: &std::path::Path, pane: &str) -> Option<u32> {
    real_cli::registry(home)
        .into_iter()
        .find(|e| real_cli::pane_of(e) == Some(pane))
        .and_then(|e| e["pid"].as_u64())
        .map(|p| p as u32)
        .filter(|p| std::path::Path::new(&format!("/proc/{p}")).exists())
}

/// The real CLI: one bare `claude --resume <id>` typed into a shell, to its first prompt reaching
/// the API (the prompt typed as soon as the box shows, Enter repeated until taken).
fn real_cold_resume() -> f64 {
    let r = real_cli::Real::new("");
    let proj = r.w.project("cold");
    r.w.trust("main", &proj);
    let p = r.w.first_pane(&proj);
    let s = r.start(&p, "main", &[]);
    r.prompt(&p, "hello");
    quit_claude(&r, &p);
    let t0 = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs_f64();
    r.start(&p, "main", &["--resume", &s]);
    r.prompt(&p, "continue");
    let t =
        r.requests().iter().filter(|q| q["prompt"] == "continue").filter_map(|q| q["t"].as_f64()).fold(0.0, f64::max);
    (t - t0) * 1000.0
}

/// Median wall time of running the binary `n` times.
fn wall(e: &Env, args: &[&str], stdin: Option<&str>, n: usize) -> f64 {
    let mut v = Vec::new();
    for _ in 0..n {
        let mut c = e.command(args);
        c.stdout(std::process::Stdio::null()).stderr(std::process::Stdio::null());
        if stdin.is_some() {
            c.stdin(std::process::Stdio::piped());
        }
        let t = Instant::now();
        let mut child = c.spawn().unwrap();
        if let (Some(s), Some(mut i)) = (stdin, child.stdin.take()) {
            use std::io::Write;
            let _ = i.write_all(s.as_bytes());
        }
        let _ = child.wait();
        v.push(t.elapsed().as_secs_f64() * 1000.0);
    }
    pct(&v, 0.5)
}

/// `claude-failover statusline` as Claude runs it on every render of every session: the wall time
/// of the process (spawn to exit) over `n` renders with a realistic stdin, as p50 and p99. The
/// variants run in turn within each round, so a noisy neighbour on this shared machine weighs on
/// all of them alike:
/// - `statusline`: values unchanged (the usual render: read the file, compare, no write);
/// - `statusline_write`: a value moved on every render (another account; one temp + rename each);
/// - `statusline_chained_true`: chained to `true` through `sh -c`, what `--install` sets up over a
///   user's own command; `sh_true` is that chain alone, what it costs without us;
/// - `version`: `claude-failover --version`, the floor of any process of ours.
///
/// Each also as CPU time (user + system of the process and what it waited for, from
/// `RUSAGE_CHILDREN`), which a loaded machine distorts far less than wall time.
fn statusline(n: usize, out: &mut BTreeMap<&'static str, Value>) {
    use std::io::Write;
    use std::process::Stdio;
    let e = Env::two_accounts();
    e.ok(&["link"]);
    let ours = |args: &[&str], account: &str| {
        let mut c = e.command(args);
        c.env("CLAUDE_CONFIG_DIR", e.path(&format!(".claude-{account}")));
        c
    };
    type Make<'a> = Box<dyn Fn(usize) -> (Command, f64) + 'a>;
    let variants: Vec<([&'static str; 3], Make)> = vec![
        (
            ["statusline_p50_ms", "statusline_p99_ms", "statusline_cpu_p50_ms"],
            Box::new(|_| (ours(&["statusline"], "main"), 42.0)),
        ),
        // Rising, so every render moves the 5-hour figure (a lower one would be ignored).
        (
            ["statusline_write_p50_ms", "statusline_write_p99_ms", "statusline_write_cpu_p50_ms"],
            Box::new(|i| (ours(&["statusline"], "backup"), 50.0 + i as f64 * 0.01)),
        ),
        (
            ["statusline_chained_true_p50_ms", "statusline_chained_true_p99_ms", "statusline_chained_true_cpu_p50_ms"],
            Box::new(|_| (ours(&["statusline", "--", "true"], "main"), 42.0)),
        ),
        (
            ["sh_true_p50_ms", "sh_true_p99_ms", "sh_true_cpu_p50_ms"],
            Box::new(|_| {
                let mut c = Command::new("/bin/sh");
                c.args(["-c", "true"]);
                (c, 42.0)
            }),
        ),
        (
            ["version_p50_ms", "version_p99_ms", "version_cpu_p50_ms"],
            Box::new(|_| (ours(&["--version"], "main"), 42.0)),
        ),
    ];
    let children_cpu_ms = || {
        // SAFETY: getrusage(2) fills the struct we own; RUSAGE_CHILDREN cannot fail.
        let mut r: libc::rusage = unsafe { std::mem::zeroed() };
        unsafe { libc::getrusage(libc::RUSAGE_CHILDREN, &mut r) };
        let ms = |t: libc::timeval| t.tv_sec as f64 * 1000.0 + t.tv_usec as f64 / 1000.0;
        ms(r.ru_utime) + ms(r.ru_stime)
    };
    let mut times: Vec<(Vec<f64>, Vec<f64>)> = vec![(Vec::with_capacity(n), Vec::with_capacity(n)); variants.len()];
    for i in 0..n {
        for (k, (_, make)) in variants.iter().enumerate() {
            let (mut c, five) = make(i);
            let input = statusline_json(&e.home, five);
            c.stdin(Stdio::piped()).stdout(Stdio::null()).stderr(Stdio::null());
            let cpu = children_cpu_ms();
            let t = Instant::now();
            let mut child = c.spawn().unwrap();
            let _ = child.stdin.take().unwrap().write_all(input.as_bytes());
            let _ = child.wait();
            times[k].0.push(t.elapsed().as_secs_f64() * 1000.0);
            times[k].1.push(children_cpu_ms() - cpu);
        }
    }
    for (([k50, k99, kcpu], _), (wall, cpu)) in variants.iter().zip(&times) {
        out.insert(k50, json!(pct(wall, 0.5)));
        out.insert(k99, json!(pct(wall, 0.99)));
        out.insert(kcpu, json!(pct(cpu, 0.5)));
    }
}

/// Detector throughput over recorded-style TUI output, in process.
fn scan(mb: usize) -> f64 {
    use claude_failover::detect::{Detector, Stream};
    let det = Detector::new(&[]).unwrap();
    let mut frame = Vec::new();
    for i in 0..40 {
        frame.extend_from_slice(
            format!(
                "\x1b[2K\x1b[1A\x1b[38;5;{}m⏺ Reading src/module_{i}.rs … \x1b[0m\x1b[2m(ctrl+r to expand)\x1b[0m\r\n",
                i % 255
            )
            .as_bytes(),
        );
        frame.extend_from_slice(
            "\x1b[2K│ > \x1b[7m \x1b[27m                                                      │\r\n".as_bytes(),
        );
    }
    let total = mb << 20;
    let now = jiff::Timestamp::now();
    let tz = jiff::tz::TimeZone::UTC;
    let mut s = Stream::new();
    let t = Instant::now();
    let mut n = 0;
    let mut found = 0;
    while n < total {
        found += s.feed(&det, &frame, now, &tz).len();
        n += frame.len();
    }
    found += s.flush(&det, now, &tz).len();
    std::hint::black_box(found);
    (n as f64 / (1 << 20) as f64) / t.elapsed().as_secs_f64()
}

fn idle(size: &Size, out: &mut BTreeMap<&'static str, Value>) {
    let mut w = World::new("");
    let panes = fleet(&w, size.panes);
    w.start_daemon();
    w.wait_daemon_event("all attached", |e| e["event"] == "attached" && e["pane"] == panes[size.panes - 1].as_str());
    std::thread::sleep(Duration::from_secs(2)); // let start-up settle
    let pid = daemon_pid(&w);
    let (c0, t0) = (proc_cpu_ms(pid), Instant::now());
    std::thread::sleep(Duration::from_secs(size.idle_secs));
    let cpu_per_min = (proc_cpu_ms(pid) - c0) / t0.elapsed().as_secs_f64() * 60.0;
    out.insert("daemon_idle_rss_kb", json!(proc_rss_kb(pid)));
    out.insert("daemon_idle_cpu_ms_per_min", json!(cpu_per_min));
}

/// The commands of tests/guard-corpus/corpus.tsv with their cwd (empty: none given).
fn guard_corpus() -> Vec<(String, String)> {
    let text = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/guard-corpus/corpus.tsv")).unwrap();
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().unwrap().split('\t').collect();
    let col = |n: &str| header.iter().position(|h| *h == n).unwrap();
    let (c_cmd, c_cwd) = (col("command"), col("cwd"));
    lines
        .filter(|l| !l.is_empty())
        .map(|l| {
            let f: Vec<&str> = l.split('\t').collect();
            (serde_json::from_str::<String>(f[c_cmd]).unwrap(), f[c_cwd].to_string())
        })
        .collect()
}

/// The guard on the peer corpus (docs/BENCHMARKS.md "Guard against the field"):
/// - `guard_lib_*_us`: `Guard::check` on every corpus command, `rounds` times, per call (µs);
/// - `guard_hook_*_ms`: the hook process Claude starts before every tool call
///   (`claude-failover hook pre-tool-use`, hook JSON on stdin), spawn to exit, over `n`
///   commands spread evenly over the corpus.
fn guard(n: usize, rounds: usize, out: &mut BTreeMap<&'static str, Value>) {
    use claude_failover::guard::{Context, Guard, GuardConfig};
    use std::path::{Path, PathBuf};
    let corpus = guard_corpus();
    let g = Guard::new(&GuardConfig::default()).unwrap();
    let homes = [PathBuf::from("/home/u/.claude-a"), PathBuf::from("/home/u/.claude-b")];
    let inputs: Vec<(Value, &str)> = corpus
        .iter()
        .map(|(c, cwd)| (json!({ "command": c }), if cwd.is_empty() { "/home/u/proj" } else { cwd.as_str() }))
        .collect();
    let mut us = Vec::with_capacity(inputs.len() * rounds);
    for _ in 0..rounds {
        for (input, cwd) in &inputs {
            let ctx = Context {
                project_dir: Path::new(cwd),
                home: Path::new("/home/u"),
                account_homes: &homes,
                own_config_dir: Some(Path::new("/home/u/.claude-a")),
            };
            let t = Instant::now();
            std::hint::black_box(g.check("Bash", input, &ctx));
            us.push(t.elapsed().as_secs_f64() * 1e6);
        }
    }
    out.insert("guard_lib_cases", json!(corpus.len()));
    out.insert("guard_lib_p50_us", json!(pct(&us, 0.5)));
    out.insert("guard_lib_p99_us", json!(pct(&us, 0.99)));
    out.insert("guard_lib_max_us", json!(pct(&us, 1.0)));

    let e = Env::two_accounts();
    e.ok(&["link"]);
    let project = e.home.join("proj");
    std::fs::create_dir_all(&project).unwrap();
    let step = (corpus.len() / n.max(1)).max(1);
    let mut ms = Vec::new();
    for (cmd, _) in corpus.iter().step_by(step).take(n) {
        let tool = json!({"session_id": "0f8fad5b-d9cb-469f-a165-70867728950e", "cwd": project, "hook_event_name": "PreToolUse", "tool_name": "Bash", "tool_input": {"command": cmd}}).to_string();
        ms.push(wall(&e, &["hook", "pre-tool-use"], Some(&tool), 1));
    }
    out.insert("guard_hook_samples", json!(ms.len()));
    out.insert("guard_hook_p50_ms", json!(pct(&ms, 0.5)));
    out.insert("guard_hook_p99_ms", json!(pct(&ms, 0.99)));
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let quick = args.iter().any(|a| a == "--quick");
    let tiny = args.iter().any(|a| a == "--tiny"); // the smoke test: proves the harness runs
    let size = if tiny {
        Size { quick: true, panes: 3, samples: 3, idle_secs: 2, scan_mb: 4 }
    } else if quick {
        Size { quick: true, panes: 50, samples: 40, idle_secs: 30, scan_mb: 200 }
    } else {
        Size { quick: false, panes: 50, samples: 200, idle_secs: 60, scan_mb: 200 }
    };
    let only = args.iter().position(|a| a == "--only").and_then(|i| args.get(i + 1)).cloned();
    let run = |name: &str| only.as_deref().is_none_or(|o| o == name);
    let mut out: BTreeMap<&'static str, Value> = BTreeMap::new();
    let t = Instant::now();
    let show = |out: &BTreeMap<&'static str, Value>, phase: &str| {
        eprintln!("[{:>5.0?}] {phase}: {}", t.elapsed(), serde_json::to_string(out).unwrap_or_default());
    };
    if run("scan") {
        out.insert("scan_mb_per_s", json!(scan(size.scan_mb)));
        show(&out, "scan");
    }
    if run("process") {
        let e = Env::two_accounts();
        e.ok(&["link"]);
        let runs = if tiny { 5 } else { 50 };
        out.insert("status_tmux_p50_ms", json!(wall(&e, &["status", "--format", "tmux"], None, runs)));
        let tool = json!({"session_id": "0f8fad5b-d9cb-469f-a165-70867728950e", "cwd": e.home, "hook_event_name": "PreToolUse", "tool_name": "Bash", "tool_input": {"command": "cargo build --release && rm -rf target/tmp"}}).to_string();
        out.insert("hook_pre_tool_use_p50_ms", json!(wall(&e, &["hook", "pre-tool-use"], Some(&tool), runs)));
        // The self-heal's check as tmux runs it every status-interval: a daemon runs, so it only
        // looks at the pid file and /proc.
        let mut w = World::new("");
        w.start_supervised();
        let sock = w.socket.to_string_lossy().to_string();
        out.insert(
            "daemon_ensure_healthy_p50_ms",
            json!(wall(&w.env, &["--socket", &sock, "daemon", "--ensure"], None, runs)),
        );
        show(&out, "process timings");
    }
    if run("guard") {
        let (n, rounds) = if tiny {
            (5, 1)
        } else if quick {
            (100, 3)
        } else {
            (300, 10)
        };
        guard(n, rounds, &mut out);
        show(&out, "guard");
    }
    if run("statusline") {
        statusline(size.samples, &mut out);
        show(&out, "statusline");
    }
    if run("detect") {
        detection(&size, &mut out);
        show(&out, "detection");
    }
    if run("failover") {
        out.insert("failover_10_panes_ms", json!(failover(if tiny { 2 } else { 10 })));
        if !tiny {
            out.insert("failover_50_panes_ms", json!(failover(50)));
        }
        show(&out, "failover");
    }
    if run("order") {
        // Issue 23: (a) one bare cold resume, then (b) and (c) for each size, in one run.
        let a = real_cold_resume();
        out.insert("order_a_cold_resume_ms", json!(a));
        let sizes: Vec<usize> = match std::env::var("BENCH_ORDER_SIZES") {
            Ok(v) => v.split(',').filter_map(|x| x.trim().parse().ok()).collect(),
            Err(_) if tiny => vec![1],
            Err(_) => vec![1, 2, 5, 10],
        };
        for n in sizes {
            let (first, all, floor_all, cpu) = real_order(n);
            eprintln!(
                "N={n}: (c) first continue {first:.0} ms = {:.2} x (a); (c) all back {all:.0} ms = {:.2} x (b) {floor_all:.0} ms; CPU per start {cpu:.0} ms",
                first / a,
                all / floor_all
            );
            let key = |what: &str| -> &'static str { Box::leak(format!("order_n{n}_{what}").into_boxed_str()) };
            out.insert(key("c_first_ms"), json!(first));
            out.insert(key("c_all_ms"), json!(all));
            out.insert(key("b_all_ms"), json!(floor_all));
            out.insert(key("cpu_per_start_ms"), json!(cpu));
            out.insert(key("first_over_a"), json!(first / a));
            out.insert(key("all_over_b"), json!(all / floor_all));
        }
        show(&out, "order");
    }
    if run("real") {
        out.insert("real_cold_resume_ms", json!(real_cold_resume()));
        out.insert("real_failover_2_panes_ms", json!(real_failover(2)));
        if !tiny {
            out.insert("real_failover_10_panes_ms", json!(real_failover(10)));
        }
        show(&out, "real CLI");
    }
    if run("idle") {
        idle(&size, &mut out);
        show(&out, "idle");
    }
    out.insert("quick", json!(quick || tiny));
    out.insert(
        "machine",
        json!(format!(
            "{} cores, {}",
            std::thread::available_parallelism().map(|n| n.get()).unwrap_or(0),
            std::fs::read_to_string("/proc/cpuinfo")
                .unwrap_or_default()
                .lines()
                .find_map(|l| l.strip_prefix("model name\t: "))
                .unwrap_or("?")
        )),
    );
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("target/bench");
    std::fs::create_dir_all(&dir).unwrap();
    let json = serde_json::to_string_pretty(&out).unwrap();
    std::fs::write(dir.join(if tiny { "smoke.json" } else { "summary.json" }), &json).unwrap();
    println!("{:32} {:>12}", "figure", "value");
    for (k, v) in &out {
        match v.as_f64() {
            Some(f) => println!("{k:32} {f:>12.2}"),
            None => println!("{k:32} {:>12}", v.to_string()),
        }
    }
    eprintln!("total {:.0?}; written to {}", t.elapsed(), dir.display());
}
