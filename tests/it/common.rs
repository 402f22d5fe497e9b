//! The hermetic test environment: a temp HOME, the binary, helpers to run it and to wait on
//! conditions with a deadline (never a bare sleep).

#![allow(dead_code)]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::{Duration, Instant};

pub const BIN: &str = env!("CARGO_BIN_EXE_claude-failover");
/// The scripted stand-in for `claude` (an executable: `doctor` finds it).
pub const FAKE_CLAUDE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fake-claude/claude");

/// A subscription login in `home`, as `/login` leaves it (0600): a swap skips an account without
/// one, and `doctor` names it.
pub fn log_in(home: &Path) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::create_dir_all(home).unwrap();
    let p = home.join(".credentials.json");
    std::fs::write(
        &p,
        r#"{"claudeAiOauth":{"accessToken":"sk-ant-oat01-t","refreshToken":"sk-ant-ort01-t","expiresAt":4102444800000}}"#,
    )
    .unwrap();
    std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o600)).unwrap();
}

pub struct Env {
    pub dir: tempfile::TempDir,
    pub home: PathBuf,
    pub vars: Vec<(String, String)>,
}

impl Env {
    pub fn new() -> Env {
        let dir = tempfile::Builder::new().prefix("cf-it-").tempdir().expect("temp dir");
        let home = dir.path().join("home");
        std::fs::create_dir_all(&home).expect("home");
        let tmp = dir.path().join("tmux");
        std::fs::create_dir_all(&tmp).expect("tmux dir");
        let vars = vec![
            ("HOME".into(), home.display().to_string()),
            ("XDG_CONFIG_HOME".into(), home.join(".config").display().to_string()),
            ("XDG_STATE_HOME".into(), home.join(".local/state").display().to_string()),
            ("TMUX_TMPDIR".into(), tmp.display().to_string()),
            ("CLAUDE_FAILOVER_NOW".into(), "2026-11-21T10:00:00Z".into()),
            ("TZ".into(), "UTC".into()),
        ];
        Env { dir, home, vars }
    }

    /// A standard two-account config (main, backup) written to the default location, with the
    /// stand-in as `claude_command`. The homes are not created (`link` does) nor logged in
    /// ([`Env::log_in_all`]).
    pub fn two_accounts() -> Env {
        let e = Env::new();
        e.write_config(&format!(
            r#"claude_command = {FAKE_CLAUDE:?}

[[accounts]]
name = "main"
home = "~/.claude-main"

[[accounts]]
name = "backup"
home = "~/.claude-backup"
"#
        ));
        e
    }

    /// Log both accounts of [`Env::two_accounts`] in.
    pub fn log_in_all(&self) {
        for a in ["main", "backup"] {
            log_in(&self.path(&format!(".claude-{a}")));
        }
    }

    /// A `claude` on PATH (the stand-in), for configs that keep the default `claude_command`.
    pub fn claude_on_path(&mut self) {
        let bin = self.dir.path().join("bin");
        std::fs::create_dir_all(&bin).unwrap();
        let _ = std::os::unix::fs::symlink(FAKE_CLAUDE, bin.join("claude"));
        let path = format!("{}:{}", bin.display(), std::env::var("PATH").unwrap_or_default());
        self.set("PATH", &path);
    }

    pub fn set(&mut self, k: &str, v: &str) {
        self.vars.retain(|(a, _)| a != k);
        self.vars.push((k.into(), v.into()));
    }

    pub fn path(&self, rel: &str) -> PathBuf {
        self.home.join(rel)
    }

    pub fn config_path(&self) -> PathBuf {
        self.home.join(".config/claude-failover/config.toml")
    }

    pub fn state_dir(&self) -> PathBuf {
        self.home.join(".local/state/claude-failover")
    }

    pub fn write_config(&self, text: &str) {
        let p = self.config_path();
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    }

    pub fn command(&self, args: &[&str]) -> Command {
        let mut c = Command::new(BIN);
        c.args(args).env_clear();
        c.env("PATH", std::env::var("PATH").unwrap_or_default());
        for (k, v) in &self.vars {
            c.env(k, v);
        }
        c
    }

    pub fn run(&self, args: &[&str]) -> Run {
        let out = self.command(args).output().expect("run claude-failover");
        Run::from(out)
    }

    /// Runs and asserts the exit code, printing everything on mismatch.
    pub fn ok(&self, args: &[&str]) -> Run {
        self.expect(args, 0)
    }

    pub fn expect(&self, args: &[&str], code: i32) -> Run {
        let r = self.run(args);
        assert_eq!(
            r.code, code,
            "claude-failover {args:?} exited {}\nstdout:\n{}\nstderr:\n{}",
            r.code, r.stdout, r.stderr
        );
        r
    }

    pub fn status_json(&self) -> serde_json::Value {
        serde_json::from_str(&self.ok(&["status", "--format", "json"]).stdout).expect("status json")
    }

    pub fn pointer(&self) -> PathBuf {
        std::fs::read_link(self.path(".claude")).expect("~/.claude is a link")
    }
}

pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl From<Output> for Run {
    fn from(o: Output) -> Run {
        Run {
            code: o.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&o.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&o.stderr).into_owned(),
        }
    }
}

impl Run {
    pub fn all(&self) -> String {
        format!("{}{}", self.stdout, self.stderr)
    }
}

/// Poll `cond` until true or the deadline; panics with `what` on timeout.
pub fn wait_for(what: &str, deadline: Duration, mut cond: impl FnMut() -> bool) {
    let end = Instant::now() + deadline;
    while !cond() {
        assert!(Instant::now() < end, "timed out after {deadline:?} waiting for: {what}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Relative path → content of every file under `root` (symlinks not followed), for "nothing lost".
pub fn snapshot(root: &Path) -> BTreeMap<String, Vec<u8>> {
    fn walk(base: &Path, dir: &Path, out: &mut BTreeMap<String, Vec<u8>>) {
        let Ok(rd) = std::fs::read_dir(dir) else { return };
        for e in rd.flatten() {
            let p = e.path();
            let Ok(m) = std::fs::symlink_metadata(&p) else { continue };
            if m.file_type().is_symlink() {
                continue; // links are how the same files are seen twice; count each file once
            }
            if m.is_dir() {
                walk(base, &p, out);
            } else if let Ok(b) = std::fs::read(&p) {
                out.insert(p.strip_prefix(base).unwrap().display().to_string(), b);
            }
        }
    }
    let mut out = BTreeMap::new();
    walk(root, root, &mut out);
    out
}

/// The multiset of file contents under several roots: where files live may change, what they
/// hold may not.
pub fn contents(roots: &[PathBuf]) -> Vec<Vec<u8>> {
    let mut v: Vec<Vec<u8>> = roots.iter().flat_map(|r| snapshot(r).into_values()).collect();
    v.sort();
    v
}

/// What Claude Code 2.1.332 pipes to a statusline command, shaped like a real render: the 5-hour
/// window at `five_hour` % resetting 2026-11-21T12:00:00Z, the weekly one at 10 % resetting
/// 2026-11-25T09:00:00Z (epoch seconds, as Claude sends them).
pub fn statusline_json(cwd: &Path, five_hour: f64) -> String {
    let session = "0f8fad5b-d9cb-469f-a165-70867728950e";
    serde_json::json!({
        "session_id": session,
        "transcript_path": cwd.join(format!(".claude/projects/-p/{session}.jsonl")),
        "cwd": cwd,
        "model": {"id": "claude-opus-5-5", "display_name": "Opus 5.5"},
        "workspace": {"current_dir": cwd, "project_dir": cwd, "added_dirs": []},
        "version": "2.1.332",
        "output_style": {"name": "default"},
        "cost": {"total_cost_usd": 1.37, "total_duration_ms": 754_000, "total_api_duration_ms": 120_000,
                 "total_lines_added": 120, "total_lines_removed": 8},
        "context_window": {"total_input_tokens": 84_000, "total_output_tokens": 9_000, "context_window_size": 200_000,
                           "used_percentage": 42, "remaining_percentage": 58},
        "exceeds_200k_tokens": false,
        "fast_mode": false,
        "thinking": {"enabled": true},
        "rate_limits": {
            "five_hour": {"used_percentage": five_hour, "resets_at": 1_795_262_400},
            "seven_day": {"used_percentage": 10, "resets_at": 1_795_597_200}
        }
    })
    .to_string()
}
