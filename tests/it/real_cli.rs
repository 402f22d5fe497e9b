//! The real Claude Code CLI in the loop: the native binary from npm (pinned, cached under
//! `target/claude-code/`, installed by `scripts/real-claude`) runs in a private tmux server
//! against the mock Messages API in `tests/mock-api/`, offline. These tests judge what the
//! scripted stand-in cannot: the real TUI's timing, dialogs, redraws and files.
//!
//! Each test spends most of its time waiting on the real TUI, so they run in parallel with the
//! rest of the suite; they synchronise on the mock's request log, the registry and the screen,
//! never on bare sleeps (but for the negative checks at the end, which no event can signal).

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::common::*;
use crate::world::World;

const MOCK: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/mock-api/mock_api.py");
const INSTALL: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/scripts/real-claude");

/// The real CLI's path, installed on first use (one installer at a time across test processes).
pub fn real_claude() -> &'static PathBuf {
    static BIN: OnceLock<PathBuf> = OnceLock::new();
    BIN.get_or_init(|| {
        let o = Command::new(INSTALL).stderr(Stdio::inherit()).output().expect("scripts/real-claude");
        assert!(o.status.success(), "scripts/real-claude failed: the real-CLI tier needs npm and the npm registry");
        PathBuf::from(String::from_utf8_lossy(&o.stdout).trim())
    })
}

/// The release under test (`CLAUDE_CODE_VERSION`, else the pinned one): the name of the cache
/// directory `scripts/real-claude` installed it in (`target/claude-code/<version>/package/claude`).
pub fn real_claude_version() -> String {
    let dir = real_claude().parent().and_then(Path::parent).and_then(Path::file_name);
    dir.map(|d| d.to_string_lossy().into_owned()).unwrap_or_default()
}

/// A world whose panes run the real CLI, and the mock API it talks to.
pub struct Real {
    pub w: World,
    pub api: tempfile::TempDir,
    mock: Child,
}

impl Real {
    pub fn new(extra_config: &str) -> Real {
        Real::with(extra_config, &[])
    }

    pub fn with(extra_config: &str, vars: &[(&str, &str)]) -> Real {
        let bin = real_claude();
        let api = tempfile::Builder::new().prefix("cf-api-").tempdir().unwrap();
        let mock = Command::new("python3")
            .arg(MOCK)
            .arg(api.path())
            .args(["--max-seconds", "900"])
            .stdout(Stdio::null())
            .stderr(Stdio::from(std::fs::File::create(api.path().join("mock.log")).unwrap()))
            .spawn()
            .expect("mock api");
        let port_file = api.path().join("port");
        wait_for("the mock API listens", Duration::from_secs(10), || port_file.exists());
        let url = format!("http://127.0.0.1:{}", std::fs::read_to_string(&port_file).unwrap().trim());
        let runtime = api.path().join("run");
        std::fs::create_dir_all(&runtime).unwrap();
        let runtime = runtime.to_str().unwrap().to_string();
        let mut all: Vec<(&str, &str)> = vec![
            ("ANTHROPIC_BASE_URL", &url),
            ("CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC", "1"),
            ("DISABLE_TELEMETRY", "1"),
            ("DISABLE_AUTOUPDATER", "1"),
            ("XDG_RUNTIME_DIR", &runtime),
            ("CLAUDE_CODE_TMPDIR", &runtime),
            // The real CLI prints real times: the daemon reads the same clock.
            ("CLAUDE_FAILOVER_NOW", ""),
        ];
        all.extend_from_slice(vars);
        let w = World::running(bin.to_str().unwrap(), extra_config, &all);
        let r = Real { w, api, mock };
        for account in ["main", "backup"] {
            r.login(account);
        }
        r
    }

    /// A subscription login for `account`: credentials (token `sk-ant-oat01-<account>`) and a
    /// `.claude.json` past onboarding.
    pub fn login(&self, account: &str) {
        let home = self.w.home(account);
        std::fs::create_dir_all(&home).unwrap();
        let creds = json!({"claudeAiOauth": {
            "accessToken": format!("sk-ant-oat01-{account}"),
            "refreshToken": format!("sk-ant-ort01-{account}"),
            "expiresAt": 4102444800000u64,
            "scopes": ["user:inference", "user:profile", "user:sessions:claude_code"],
            "subscriptionType": "max",
            "rateLimitTier": "default_claude_max_20x"}});
        write_private(&home.join(".credentials.json"), &creds);
        merge_json(&home.join(".claude.json"), json!({"hasCompletedOnboarding": true, "theme": "dark"}));
    }

    /// What the mock answers `account`'s token from now on: `ok`, a claim (`five_hour`,
    /// `seven_day`, `seven_day_opus`, …) resetting in `reset_in` seconds, `plain429`,
    /// `overloaded`, `unauthorized`.
    pub fn set_mode(&self, account: &str, mode: &str, reset_in: Option<i64>) {
        let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs() as i64;
        let mut entry = json!({"mode": mode});
        if let Some(s) = reset_in {
            entry["reset"] = json!(now + s);
        }
        merge_json(&self.api.path().join("modes.json"), json!({ format!("sk-ant-oat01-{account}"): entry }));
    }

    /// Every request the mock saw.
    pub fn requests(&self) -> Vec<Value> {
        std::fs::read_to_string(self.api.path().join("requests.jsonl"))
            .unwrap_or_default()
            .lines()
            .filter_map(|l| serde_json::from_str(l).ok())
            .collect()
    }

    /// Requests with this prompt, by session, on `account`'s token.
    pub fn prompts(&self, text: &str, session: &str, account: &str) -> usize {
        let cred = format!("sk-ant-oat01-{account}");
        self.requests()
            .iter()
            .filter(|r| r["prompt"] == text && r["session"] == session && r["credential"] == cred.as_str())
            .count()
    }

    /// Every request carrying `text` as its prompt, whatever the session or account.
    pub fn all_prompts(&self, text: &str) -> usize {
        self.requests().iter().filter(|r| r["prompt"] == text).count()
    }

    /// Start the real CLI in `pane` on `account` (with `args`), wait until its TUI takes input,
    /// and return its session id (from the registry entry naming this pane).
    pub fn start(&self, pane: &str, account: &str, args: &[&str]) -> String {
        let home = self.w.home(account);
        let mut line = format!("CLAUDE_CONFIG_DIR='{}' '{}'", home.display(), real_claude().display());
        for a in args {
            line += &format!(" '{a}'");
        }
        self.w.type_line(pane, &line);
        self.session_in(pane, &home)
    }

    /// The session id of the claude whose registry entry in `config_dir` names `pane`, once its
    /// prompt box is on screen.
    pub fn session_in(&self, pane: &str, config_dir: &Path) -> String {
        let mut sid = None;
        self.wait(&format!("claude registered in {pane} under {}", config_dir.display()), 30, || {
            sid = registry(config_dir)
                .into_iter()
                .find(|e| pane_of(e) == Some(pane))
                .map(|e| e["sessionId"].as_str().unwrap_or_default().to_string());
            sid.is_some()
        });
        self.wait(&format!("the prompt box in {pane}"), 30, || self.prompt_box(pane).is_some());
        sid.unwrap()
    }

    /// Type `text` and Enter as a person would, and wait for the mock to see it; Enter again
    /// while the box still holds the text (the TUI may have been busy).
    pub fn prompt(&self, pane: &str, text: &str) {
        let before = self.all_prompts(text);
        self.w.tmux(&["send-keys", "-t", pane, "-l", "--", text]);
        std::thread::sleep(Duration::from_millis(150));
        self.w.tmux(&["send-keys", "-t", pane, "C-m"]);
        let end = Instant::now() + Duration::from_secs(20);
        let mut last_enter = Instant::now();
        while self.all_prompts(text) <= before {
            assert!(Instant::now() < end, "prompt {text:?} never reached the API\n{}", self.diagnose());
            if last_enter.elapsed() > Duration::from_secs(1) && self.prompt_box(pane).as_deref() == Some(text) {
                self.w.tmux(&["send-keys", "-t", pane, "C-m"]);
                last_enter = Instant::now();
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// The text in the pane's prompt box, `Some("")` when it is empty; `None` when no prompt box
    /// is on screen (starting, a dialog, a shell).
    pub fn prompt_box(&self, pane: &str) -> Option<String> {
        let screen = self.w.screen(pane);
        let lines: Vec<&str> = screen.lines().collect();
        lines.iter().enumerate().rev().find_map(|(i, l)| {
            let rest = l.strip_prefix('❯')?;
            let above = lines[..i].iter().rev().find(|l| !l.trim().is_empty())?;
            above.trim().chars().all(|c| c == '─').then(|| rest.trim().to_string())
        })
    }

    /// Poll `cond` for up to `secs`; on timeout, panic with everything that tells why.
    pub fn wait(&self, what: &str, secs: u64, mut cond: impl FnMut() -> bool) {
        let end = Instant::now() + Duration::from_secs(secs);
        while !cond() {
            if Instant::now() > end {
                panic!("timed out after {secs} s waiting for: {what}\n{}", self.diagnose());
            }
            std::thread::sleep(Duration::from_millis(25));
        }
    }

    pub fn diagnose(&self) -> String {
        // A failure names the release: the tier runs against the pinned one and the newest.
        let mut out = format!("--- on Claude Code {}\n", real_claude_version());
        out += &self.w.diagnose();
        out += "--- mock requests\n";
        for r in self.requests() {
            out += &format!("{r}\n");
        }
        out += &format!(
            "--- modes\n{}\n",
            std::fs::read_to_string(self.api.path().join("modes.json")).unwrap_or_default()
        );
        out
    }
}

impl Drop for Real {
    fn drop(&mut self) {
        let _ = self.mock.kill();
        let _ = self.mock.wait();
    }
}

/// The entries of a config dir's live registry.
pub fn registry(config_dir: &Path) -> Vec<Value> {
    std::fs::read_dir(config_dir.join("sessions"))
        .into_iter()
        .flatten()
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().ends_with(".json"))
        .filter_map(|e| serde_json::from_slice(&std::fs::read(e.path()).ok()?).ok())
        .collect()
}

/// The pane a registry entry names (`"tmux": "w:@0.%3"` → `%3`).
pub fn pane_of(entry: &Value) -> Option<&str> {
    entry["tmux"].as_str()?.rsplit_once('.').map(|(_, p)| p)
}

fn write_private(path: &Path, v: &Value) {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let mut f = std::fs::OpenOptions::new().create(true).truncate(true).write(true).mode(0o600).open(path).unwrap();
    f.write_all(&serde_json::to_vec(v).unwrap()).unwrap();
}

/// Merge `patch`'s top-level keys into the JSON object at `path` (atomically).
pub fn merge_json(path: &Path, patch: Value) {
    let mut v: Value =
        std::fs::read(path).ok().and_then(|b| serde_json::from_slice(&b).ok()).unwrap_or_else(|| json!({}));
    for (k, x) in patch.as_object().unwrap() {
        v[k] = x.clone();
    }
    let tmp = path.with_extension("tmp");
    std::fs::write(&tmp, serde_json::to_vec(&v).unwrap()).unwrap();
    std::fs::rename(tmp, path).unwrap();
}

/// Two panes on main in one project (`plain`: started as a plain `claude`, trusted in
/// `$HOME/.claude.json`), the first `prompts.len()` of them with one answered prompt each, and a
/// daemon watching both: (project, panes, session ids).
fn two_panes(r: &mut Real, name: &str, plain: bool, prompts: &[&str]) -> (PathBuf, [String; 2], [String; 2]) {
    let proj = r.w.project(name);
    if plain {
        r.home_config_trusting(&proj);
    } else {
        r.w.trust("main", &proj);
    }
    let panes = [r.w.first_pane(&proj), r.w.pane(&proj)];
    let sessions = panes.clone().map(|p| if plain { r.start_plain(&p) } else { r.start(&p, "main", &[]) });
    for (p, text) in panes.iter().zip(prompts) {
        r.prompt(p, text);
    }
    r.w.start_daemon();
    for p in &panes {
        r.w.wait_daemon_event("attached", |e| e["event"] == "attached" && e["pane"] == p.as_str());
    }
    (proj, panes, sessions)
}

fn two_panes_on_main(r: &mut Real) -> (PathBuf, [String; 2], [String; 2]) {
    two_panes(r, "app", false, &["hello one", "hello two"])
}

fn swaps(r: &Real) -> usize {
    r.w.daemon_events().iter().filter(|e| e["event"] == "swap").count()
}

#[test]
fn five_hour_limit_resumes_both_panes_on_backup_and_continues_the_one_it_cut_short() {
    let mut r = Real::new("");
    let (_, [p1, p2], [s1, s2]) = two_panes_on_main(&mut r);
    r.set_mode("main", "five_hour", Some(7200));
    r.prompt(&p1, "build the thing");
    r.wait("continue answered on backup for the limited session", 60, || r.prompts("continue", &s1, "backup") >= 1);
    r.wait("the idle pane relaunched too", 30, || r.events("relaunched").iter().any(|e| e["pane"] == p2.as_str()));
    // Both panes run on backup with their own sessions, the old conversation on screen.
    let backup = r.w.home("backup");
    for (p, s) in [(&p1, &s1), (&p2, &s2)] {
        assert_eq!(r.session_in(p, &backup), *s, "pane {p} resumed another session");
    }
    r.wait("the answer on screen", 10, || r.w.screen(&p1).contains("ok: continue"));
    for (p, old) in [(&p1, "build the thing"), (&p2, "hello two")] {
        r.wait(&format!("the old conversation on screen in {p}"), 10, || r.w.screen(p).contains(old));
    }
    // Quiet for a while: no second swap from the re-drawn limit or Claude's own auto-continue
    // line, no second continue, nothing typed into the idle pane, nothing left unsent.
    std::thread::sleep(Duration::from_secs(4));
    for (p, s, n) in [(&p1, &s1, 1), (&p2, &s2, 0)] {
        assert_eq!(r.prompts("continue", s, "backup"), n, "continue in {p}\n{}", r.diagnose());
        assert_eq!(r.prompts("continue", s, "main"), 0);
        assert_eq!(r.prompt_box(p).as_deref(), Some(""), "something left unsent in {p}\n{}", r.w.screen(p));
        assert!(!r.w.screen(p).contains("Accessing workspace"), "trust dialog in {p}");
    }
    assert_eq!(swaps(&r), 1, "{}", r.diagnose());
    assert_eq!(r.w.env.status_json()["active"], "backup");
    // This release matches the facts the tool relies on (registry fields, the quota line): no
    // drift said anywhere, and each pane's release is the one under test (issue 22).
    assert!(!r.w.daemon_events().iter().any(|e| e["event"] == "claude_drift"), "{}", r.diagnose());
    assert!(!r.w.tmux(&["show", "-gqv", "@claude-failover-status"]).contains("⚠claude"));
    let st: Value = serde_json::from_str(&r.w.cli(&["status", "--format", "json"]).stdout).unwrap();
    let release = real_claude_version();
    for p in [&p1, &p2] {
        assert!(
            st["claude"]["running"]
                .as_array()
                .unwrap()
                .iter()
                .any(|x| x["pane"] == p.as_str() && x["release"] == release.as_str()),
            "pane {p} on {release}: {st}"
        );
    }
}

impl Real {
    /// `n` projects trusted on main, a window each running the real CLI on main with one
    /// answered prompt: (panes, sessions).
    pub fn panes_on_main(&self, n: usize) -> (Vec<String>, Vec<String>) {
        let panes: Vec<String> = (0..n)
            .map(|i| {
                let d = self.w.project(&format!("p{i}"));
                self.w.trust("main", &d);
                if i == 0 { self.w.first_pane(&d) } else { self.w.window(&d) }
            })
            .collect();
        let sessions: Vec<String> = panes.iter().map(|p| self.start(p, "main", &[])).collect();
        for p in &panes {
            self.prompt(p, "hello");
        }
        (panes, sessions)
    }

    /// Start a plain `claude` (no CLAUDE_CONFIG_DIR: `~/.claude` and `$HOME/.claude.json`) in
    /// `pane`; returns its session id.
    pub fn start_plain(&self, pane: &str) -> String {
        self.w.type_line(pane, &format!("'{}'", real_claude().display()));
        // It writes its registry entry where `~/.claude` points now: main's home.
        self.session_in(pane, &self.w.home("main"))
    }

    /// `$HOME/.claude.json` as a user who ran a plain `claude` and accepted the trust dialog has it.
    pub fn home_config_trusting(&self, dir: &Path) {
        let p = self.w.env.path(".claude.json");
        merge_json(&p, json!({"hasCompletedOnboarding": true, "theme": "dark"}));
        let mut v: Value = serde_json::from_slice(&std::fs::read(&p).unwrap()).unwrap();
        v["projects"][dir.to_str().unwrap()] = json!({"hasTrustDialogAccepted": true});
        std::fs::write(&p, serde_json::to_vec(&v).unwrap()).unwrap();
    }

    /// The usual first act of a one-pane test: a first prompt in `pane` (session `s`) on main,
    /// the daemon watching, then main's 5-hour limit on the next prompt, until the resumed
    /// session's `continue` is answered on backup.
    pub fn limit_one_pane_and_continue_on_backup(&mut self, pane: &str, s: &str) {
        self.prompt(pane, "hello");
        self.w.start_daemon();
        self.w.wait_daemon_event("attached", |e| e["event"] == "attached" && e["pane"] == pane);
        self.set_mode("main", "five_hour", Some(7200));
        self.prompt(pane, "limited");
        self.wait("continue answered on backup", 60, || self.prompts("continue", s, "backup") >= 1);
    }

    pub fn events(&self, kind: &str) -> Vec<Value> {
        self.w.daemon_events().into_iter().filter(|e| e["event"] == kind).collect()
    }
}

/// One pane on main in a trusted project, one answered prompt, a daemon watching it.
fn one_pane_on_main(r: &mut Real) -> (String, String) {
    let proj = r.w.project("solo");
    r.w.trust("main", &proj);
    let p = r.w.first_pane(&proj);
    let s = r.start(&p, "main", &[]);
    r.prompt(&p, "hello");
    r.w.start_daemon();
    r.w.wait_daemon_event("attached", |e| e["event"] == "attached" && e["pane"] == p.as_str());
    (p, s)
}

#[test]
fn a_weekly_limit_days_away_moves_the_pane_past_claudes_dialog() {
    let mut r = Real::new("");
    let (p, s) = one_pane_on_main(&mut r);
    r.set_mode("main", "seven_day", Some(3 * 86400));
    r.prompt(&p, "weekly work");
    r.wait("continue answered on backup", 60, || r.prompts("continue", &s, "backup") >= 1);
    assert_eq!(r.session_in(&p, &r.w.home("backup")), s);
    // The exact reset, days away, from the transcript's structured fields.
    let until: jiff::Timestamp = r.w.state()["accounts"]["main"]["exhausted_until"].as_str().unwrap().parse().unwrap();
    assert!(until > jiff::Timestamp::now() + jiff::SignedDuration::from_hours(70), "main until {until}");
    std::thread::sleep(Duration::from_secs(3));
    assert_eq!(r.prompts("continue", &s, "backup"), 1);
    assert_eq!(r.prompt_box(&p).as_deref(), Some(""), "{}", r.w.screen(&p));
    assert_eq!(swaps(&r), 1, "{}", r.diagnose());
}

#[test]
fn an_overload_storm_is_not_a_limit() {
    let mut r = Real::new("");
    let (p, _) = one_pane_on_main(&mut r);
    r.set_mode("main", "overloaded", None);
    r.prompt(&p, "heavy work");
    r.wait("claude shows the 529", 30, || r.w.screen(&p).contains("529 Overloaded"));
    r.wait("the daemon saw it as transient", 10, || !r.events("transient").is_empty());
    r.set_mode("main", "plain429", None);
    r.prompt(&p, "again");
    r.wait("claude shows the plain 429", 30, || r.w.screen(&p).contains("not your usage limit"));
    std::thread::sleep(Duration::from_secs(2));
    assert_eq!(swaps(&r), 0, "{}", r.diagnose());
    assert!(r.events("exhausted").is_empty(), "{}", r.diagnose());
    assert_eq!(r.w.env.status_json()["active"], "main");
}

#[test]
fn a_401_marks_the_account_logged_out_and_moves_away() {
    let mut r = Real::new("");
    let (p, s) = one_pane_on_main(&mut r);
    r.set_mode("main", "unauthorized", None);
    r.prompt(&p, "who am i");
    r.wait("continue answered on backup", 60, || r.prompts("continue", &s, "backup") >= 1);
    let st = r.w.env.status_json();
    let main = st["accounts"].as_array().unwrap().iter().find(|a| a["name"] == "main").unwrap().clone();
    assert_eq!(main["needs_login"], true, "{st}");
    assert_eq!(st["active"], "backup");
    assert_eq!(r.session_in(&p, &r.w.home("backup")), s);
}

#[test]
fn both_accounts_limited_with_plain_claude_wait_without_a_bounce_and_continue_once() {
    // p1 hits main's limit, then backup's (its continue there); p2 stays idle throughout: it
    // moves with the swaps and is never typed into.
    let mut r = Real::new("[swap]\ncooldown = \"0s\"\nreturn_grace = \"0s\"\n");
    let (_, [p1, p2], [s1, s2]) = two_panes(&mut r, "both", true, &["hello one", "hello two"]);
    r.set_mode("backup", "five_hour", Some(7200));
    // main resets 25-85 s from now at a minute's first second, as an exact epoch: the daemon
    // must wait for that second (the transcript's), not the end of the printed minute.
    let now = jiff::Timestamp::now().as_second();
    let reset = (now + 25 + 59) / 60 * 60;
    r.set_mode("main", "five_hour", Some(reset - now));
    r.prompt(&p1, "limited work");
    r.wait("waiting for main's reset", 60, || !r.events("waiting").is_empty());
    let waiting = r.events("waiting")[0].clone();
    assert_eq!(waiting["account"], "main", "{}", r.diagnose());
    // At main's reset (its exact second, from the transcript), both sessions go back to main
    // and each continues once there.
    r.wait("continue answered on main for the session that was cut short", 90, || {
        r.prompts("continue", &s1, "main") == 1
    });
    r.wait("p2 moved to backup and back to main", 30, || {
        r.events("relaunched").iter().filter(|e| e["pane"] == p2.as_str()).count() == 2
    });
    let main_ok = |s: &str| {
        let cred = "sk-ant-oat01-main";
        r.requests()
            .iter()
            .filter(|q| q["prompt"] == "continue" && q["session"] == s && q["credential"] == cred && q["status"] == 200)
            .count()
    };
    std::thread::sleep(Duration::from_secs(3));
    for (p, s, n) in [(&p1, &s1, 1), (&p2, &s2, 0)] {
        assert_eq!(main_ok(s), n, "{}", r.diagnose());
        assert_eq!(r.prompts("continue", s, "backup"), n, "{}", r.diagnose());
        assert_eq!(r.session_in(p, &r.w.home("main")), *s);
        assert_eq!(r.prompt_box(p).as_deref(), Some(""), "{}", r.w.screen(p));
    }
    // main -> backup, then backup -> main at the reset: no bounce in between.
    assert_eq!(swaps(&r), 2, "{}", r.diagnose());
    // backup's limit (2 h out) was never charged to main: main's reset never moved past its own.
    let main_reset = jiff::Timestamp::from_second(reset).unwrap();
    let minute = jiff::SignedDuration::from_secs(60);
    for e in r.events("exhausted").iter().filter(|e| e["account"] == "main") {
        let until: jiff::Timestamp = e["until"].as_str().unwrap().parse().unwrap();
        assert!(until <= main_reset + minute, "backup's limit charged to main: {e}\n{}", r.diagnose());
    }
}

#[test]
fn trust_given_to_a_plain_claude_is_carried() {
    let mut r = Real::new("");
    // Only the first pane takes a prompt: the second has no transcript yet.
    let (_, [p1, p2], [s1, _]) = two_panes(&mut r, "plain", true, &["hello one"]);
    r.set_mode("main", "five_hour", Some(7200));
    r.prompt(&p1, "limited");
    // p2 never took a prompt: no transcript, nothing to resume: it starts afresh on backup,
    // with no continue typed.
    r.wait("continue answered on backup", 60, || r.prompts("continue", &s1, "backup") >= 1);
    r.wait("both relaunched", 30, || r.events("relaunched").len() == 2);
    for p in [&p1, &p2] {
        assert!(!r.w.screen(p).contains("Accessing workspace"), "{}", r.w.screen(p));
    }
    assert_eq!(r.all_prompts("continue"), 1, "{}", r.diagnose());
    let fresh = registry(&r.w.home("backup")).into_iter().any(|e| pane_of(&e) == Some(p2.as_str()));
    assert!(fresh, "p2 runs a fresh claude on backup\n{}", r.diagnose());
    assert!(r.events("relaunch_failed").is_empty(), "{}", r.diagnose());
}

#[test]
fn the_bypass_acceptance_is_carried() {
    let mut r = Real::with("claude_args = [\"--dangerously-skip-permissions\"]\n", &[("IS_SANDBOX", "1")]);
    merge_json(&r.w.home("main").join("settings.json"), json!({"skipDangerousModePermissionPrompt": true}));
    let proj = r.w.project("bypass");
    r.w.trust("main", &proj);
    let p = r.w.first_pane(&proj);
    let s = r.start(&p, "main", &["--dangerously-skip-permissions"]);
    r.limit_one_pane_and_continue_on_backup(&p, &s);
    assert!(!r.w.screen(&p).contains("Bypass Permissions mode"), "{}", r.w.screen(&p));
    assert!(claude_failover::claude::bypass_accepted(&r.w.home("backup")));
    // Every other key of backup's settings is kept (there were none): the file is valid JSON.
    assert!(r.events("relaunch_failed").is_empty(), "{}", r.diagnose());
}

#[test]
fn a_relaunch_stopped_at_a_dialog_is_reported_and_left_at_its_shell() {
    let mut r = Real::new("");
    let (p, _) = one_pane_on_main(&mut r);
    // The trust is gone from main by the time the daemon acts (a user edited the file): nothing
    // to carry to backup, whose claude then opens the trust dialog with "No, exit" preselected.
    // The daemon is held (SIGSTOP) meanwhile: claude rewrites that file as it takes a prompt.
    let proj = r.w.project("solo");
    let daemon = r.w.daemon_pid().unwrap().to_string();
    r.set_mode("main", "five_hour", Some(7200));
    assert!(Command::new("kill").args(["-STOP", &daemon]).status().unwrap().success());
    r.prompt(&p, "limited");
    r.wait("the limit on screen", 20, || r.w.screen(&p).contains("You've hit your"));
    std::thread::sleep(Duration::from_millis(500)); // claude's own writes after the answer
    merge_json(&r.w.home("main").join(".claude.json"), json!({"projects": {}}));
    assert!(!claude_failover::claude::is_trusted(&r.w.home("main"), &proj));
    assert!(Command::new("kill").args(["-CONT", &daemon]).status().unwrap().success());
    let failed = r.w.wait_daemon_event("relaunch_failed", |e| e["event"] == "relaunch_failed");
    assert!(failed["message"].as_str().unwrap().contains("trust dialog"), "{failed}");
    // Never answered: backup has no trust now either, and the pane is back at its shell.
    assert!(!claude_failover::claude::is_trusted(&r.w.home("backup"), &proj));
    r.wait("the pane back at its shell", 20, || {
        r.w.tmux(&["display-message", "-p", "-t", &p, "#{pane_current_command}"]).trim() == "bash"
    });
    assert_eq!(r.all_prompts("continue"), 0);
}

#[test]
fn waiting_on_the_same_account_leaves_claudes_own_auto_continue_alone() {
    let mut r = Real::new("[swap]\ncooldown = \"0s\"\n");
    // backup is out for hours: at main's limit there is nowhere to go, and at main's reset the
    // pane stays where it is, its claude already set to continue by itself.
    std::fs::create_dir_all(r.w.env.state_dir()).unwrap();
    let later = jiff::Timestamp::now() + jiff::SignedDuration::from_hours(3);
    std::fs::write(
        r.w.env.state_dir().join("state.json"),
        json!({"accounts": {"backup": {"exhausted_until": claude_failover::clock::fmt_utc(later)}}}).to_string(),
    )
    .unwrap();
    let (p, s) = one_pane_on_main(&mut r);
    r.set_mode("main", "five_hour", Some(20));
    r.prompt(&p, "limited work");
    r.wait("waiting for main", 30, || !r.events("waiting").is_empty());
    r.wait("claude's own wait on screen", 10, || claude_failover::detect::auto_continue_armed(&r.w.screen(&p)));
    // At the reset the daemon resumes the pane in place, without a key; claude resends by itself
    // 30-90 s after the reset.
    r.wait("resumed in place", 60, || !r.events("resumed").is_empty());
    let auto = |r: &Real| {
        r.requests()
            .iter()
            .filter(|q| {
                q["session"] == s.as_str()
                    && q["prompt"].as_str().is_some_and(|t| t.starts_with("Your claude.ai usage limit has reset"))
            })
            .count()
    };
    r.wait("claude's own continuation", 150, || auto(&r) >= 1);
    std::thread::sleep(Duration::from_secs(2));
    assert_eq!(auto(&r), 1, "{}", r.diagnose());
    assert_eq!(r.all_prompts("continue"), 0, "a continue typed over claude's own\n{}", r.diagnose());
    assert_eq!(swaps(&r), 0);
}

#[test]
fn a_claude_started_under_another_name_is_found_through_its_registry_entry() {
    let mut r = Real::new("");
    // `ai` is the user's own link to the CLI: nothing in the process tree says "claude", but the
    // registry entry names the pane.
    let ai = r.w.env.dir.path().join("ai");
    std::os::unix::fs::symlink(real_claude(), &ai).unwrap();
    let proj = r.w.project("wrapped");
    r.w.trust("main", &proj);
    let p = r.w.first_pane(&proj);
    r.w.type_line(&p, &format!("CLAUDE_CONFIG_DIR='{}' '{}'", r.w.home("main").display(), ai.display()));
    let s = r.session_in(&p, &r.w.home("main"));
    r.limit_one_pane_and_continue_on_backup(&p, &s);
    assert_eq!(r.session_in(&p, &r.w.home("backup")), s);
    // It is claude whatever its name: its own arguments (none here) are carried, not refused.
    r.wait("the relaunch said", 10, || !r.events("relaunched").is_empty());
    assert!(r.events("args_not_carried").is_empty(), "{}", r.diagnose());
}

/// What `detect` makes of the lines on a pane's screen: (kind, text) of each message found.
fn screen_detections(screen: &str) -> Vec<(claude_failover::detect::Kind, String)> {
    let det = claude_failover::detect::Detector::new(&[]).unwrap();
    let now = jiff::Timestamp::now();
    det.scan_text(screen, now, &jiff::tz::TimeZone::system()).into_iter().map(|d| (d.kind, d.text)).collect()
}

#[test]
fn claudes_own_lines_are_read_off_the_screen() {
    // No daemon: only the screen detector's reading of what this release prints, line by line
    // (the glyph before a line, its wording), so that a release that changes either is named here
    // even where the transcript still tells the daemon the same.
    use claude_failover::detect::Kind;
    let r = Real::new("");
    let proj = r.w.project("lines");
    r.w.trust("main", &proj);
    let p = r.w.first_pane(&proj);
    r.start(&p, "main", &[]);
    let expect = |r: &Real, on_screen: &str, kind: Kind, text: &str| {
        r.wait(&format!("{on_screen:?} on screen"), 30, || r.w.screen(&p).contains(on_screen));
        std::thread::sleep(Duration::from_millis(300)); // the rest of the frame
        let screen = r.w.screen(&p);
        let found = screen_detections(&screen);
        assert!(
            found.iter().any(|(k, t)| *k == kind && t.contains(text)),
            "on Claude Code {}: no {kind:?} detection for {text:?}; found {found:?}\n{screen}",
            real_claude_version()
        );
    };
    r.set_mode("main", "overloaded", None);
    r.prompt(&p, "heavy");
    expect(&r, "529 Overloaded", Kind::Transient, "API Error: 529 Overloaded");
    r.set_mode("main", "plain429", None);
    r.prompt(&p, "again");
    expect(&r, "not your usage limit", Kind::Transient, "Server is temporarily limiting requests");
    r.set_mode("main", "five_hour", Some(7200));
    r.prompt(&p, "limited");
    expect(&r, "Esc to cancel", Kind::Exhausted, "You've hit your 5-hour limit · resets");
    expect(&r, "Esc to cancel", Kind::Exhausted, "Usage limit reached · set to continue automatically at");
    expect(&r, "Esc to cancel", Kind::Exhausted, "Usage limit reached · limit resets");
}
