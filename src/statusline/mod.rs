//! `claude-failover statusline`: a Claude Code statusline command that records each account's rate
//! limits (5-hour and weekly `used_percentage`, `resets_at`) from the JSON Claude hands every
//! statusline render, so the limits are known without a single request of ours. One small file
//! per account, `<state>/usage/<account>.json`, read back with [`read_usage`] by `status`, the
//! status line and the daemon. `--install` wraps the user's own statusline command in each
//! account's `settings.json`; the wrapped command rides in ours as its argument (`… statusline --
//! '<theirs>'`), so `--remove` puts it back exactly.
//!
//! Invariants a newcomer could break:
//! - **A statusline never breaks Claude's UI.** Whatever goes wrong here (bad JSON, no config, an
//!   unwritable state dir), the user's own command still runs with the same stdin and its output
//!   and exit code pass through untouched; without one we print a line and exit 0. Nothing here
//!   panics or prints to stdout on top of their output.
//! - **It runs on every render of every session**, so it stays cheap: the user's command is
//!   started first and our recording happens while it runs; the usage file is rewritten only when
//!   a value moved, or once a minute to keep its age honest ([`REFRESH`]), never per render.
//! - **A stale session cannot roll a limit back.** Several sessions of one account render in turn,
//!   and an idle one repeats what it saw at its last answer; within one window (same reset) usage
//!   only grows, so the highest reading wins, and a reading of an older window is ignored.

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, Result};
use jiff::{SignedDuration, Timestamp};
use serde::{Serialize, Serializer};
use serde_json::Value;

use crate::clock::fmt_utc;
use crate::config::Config;
use crate::links::{self, Pointer};
use crate::paths::Paths;

/// A reading that agrees with the file refreshes its `recorded_at` at most this often.
pub const REFRESH: SignedDuration = SignedDuration::from_secs(60);

/// Two readings whose resets are this close describe the same window (Claude's reset times are
/// whole seconds from the API; the slack absorbs a server that rounds differently per answer).
const SAME_WINDOW: i64 = 120;

/// One rate-limit window as Claude reports it.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Window {
    /// 0–100, and above 100 when the limit was passed (Claude has been seen to send 105).
    pub used_percentage: f64,
    /// When the window resets; `None` when Claude did not say.
    #[serde(serialize_with = "ser_opt_ts")]
    pub resets_at: Option<Timestamp>,
}

impl Window {
    /// The percentage while the window lasts; `None` once it has reset (the usage of the new
    /// window is unknown until a session renders again).
    pub fn used_at(&self, now: Timestamp) -> Option<f64> {
        match self.resets_at {
            Some(r) if r <= now => None,
            _ => Some(self.used_percentage),
        }
    }
}

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Model {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub display_name: Option<String>,
}

/// One account's recorded rate limits (the file `<state>/usage/<account>.json`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Usage {
    pub five_hour: Option<Window>,
    pub seven_day: Option<Window>,
    /// The last time a render confirmed these values (a render that agrees with the file
    /// refreshes it at most once per [`REFRESH`]).
    #[serde(serialize_with = "ser_ts")]
    pub recorded_at: Timestamp,
    /// The model and session of the render that last wrote the file.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub model: Option<Model>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub session_id: Option<String>,
}

impl Usage {
    /// How old the record is at `now` (zero if it is from the future).
    pub fn age(&self, now: Timestamp) -> SignedDuration {
        now.duration_since(self.recorded_at).max(SignedDuration::ZERO)
    }

    /// The higher of the two windows still running at `now`: what a "switch at N %" compares.
    pub fn highest(&self, now: Timestamp) -> Option<f64> {
        [self.five_hour, self.seven_day].iter().flatten().filter_map(|w| w.used_at(now)).reduce(f64::max)
    }

    /// Lenient: resets as epoch seconds or RFC 3339, unknown keys ignored; `None` without a
    /// usable `recorded_at`.
    pub fn from_json(v: &Value) -> Option<Usage> {
        Some(Usage {
            five_hour: parse_window(&v["five_hour"]),
            seven_day: parse_window(&v["seven_day"]),
            recorded_at: parse_time(&v["recorded_at"])?,
            model: parse_model(&v["model"]),
            session_id: v["session_id"].as_str().map(String::from),
        })
    }

    /// `5h 42% · 7d 10%`, only the windows still running at `now`; `None` if neither is.
    pub fn short(&self, now: Timestamp) -> Option<String> {
        let parts: Vec<String> = [("5h", self.five_hour), ("7d", self.seven_day)]
            .iter()
            .filter_map(|(label, w)| Some(format!("{label} {}", percent(w.as_ref()?.used_at(now)?))))
            .collect();
        (!parts.is_empty()).then(|| parts.join(" · "))
    }
}

/// `42%`: whole percents, as Claude shows them.
pub fn percent(p: f64) -> String {
    format!("{p:.0}%")
}

fn ser_ts<S: Serializer>(t: &Timestamp, s: S) -> std::result::Result<S::Ok, S::Error> {
    s.serialize_str(&fmt_utc(*t))
}

fn ser_opt_ts<S: Serializer>(t: &Option<Timestamp>, s: S) -> std::result::Result<S::Ok, S::Error> {
    match t {
        Some(t) => s.serialize_str(&fmt_utc(*t)),
        None => s.serialize_none(),
    }
}

/// What one statusline render carried.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Reading {
    pub five_hour: Option<Window>,
    pub seven_day: Option<Window>,
    pub model: Option<Model>,
    pub session_id: Option<String>,
}

impl Reading {
    /// From Claude's statusline JSON: `rate_limits.{five_hour,seven_day}.{used_percentage,
    /// resets_at}`, `model.{id,display_name}`, `session_id`. Anything missing or oddly shaped is
    /// left out; `rate_limits` is absent for API-key logins and before a session's first answer.
    pub fn from_input(v: &Value) -> Reading {
        let rl = &v["rate_limits"];
        Reading {
            five_hour: parse_window(&rl["five_hour"]),
            seven_day: parse_window(&rl["seven_day"]),
            model: parse_model(&v["model"]),
            session_id: v["session_id"].as_str().filter(|s| crate::claude::is_session_id(s)).map(String::from),
        }
    }
}

fn parse_model(v: &Value) -> Option<Model> {
    let s = |k: &str| v[k].as_str().filter(|s| !s.is_empty() && s.len() <= 200).map(String::from);
    let m = match v {
        Value::String(id) if !id.is_empty() && id.len() <= 200 => Model { id: Some(id.clone()), display_name: None },
        _ => Model { id: s("id"), display_name: s("display_name") },
    };
    (m != Model::default()).then_some(m)
}

fn parse_window(v: &Value) -> Option<Window> {
    let used = match &v["used_percentage"] {
        Value::Number(n) => n.as_f64(),
        Value::String(s) => s.trim().trim_end_matches('%').parse().ok(),
        _ => None,
    }
    .filter(|p: &f64| p.is_finite())?;
    Some(Window { used_percentage: used.max(0.0), resets_at: parse_time(&v["resets_at"]) })
}

/// Epoch seconds (Claude's `resets_at`; milliseconds are recognised by size), as a number or a
/// string of digits, or an RFC 3339 time. Truncated to whole seconds.
pub fn parse_time(v: &Value) -> Option<Timestamp> {
    let epoch = |n: f64| -> Option<Timestamp> {
        if !n.is_finite() || n <= 0.0 {
            return None;
        }
        // Seconds until the year 5138; anything larger is milliseconds.
        let secs = if n >= 1e11 { n / 1000.0 } else { n };
        Timestamp::from_second(secs.floor() as i64).ok()
    };
    match v {
        Value::Number(n) => epoch(n.as_f64()?),
        Value::String(s) => {
            let s = s.trim();
            match s.parse::<f64>() {
                Ok(n) => epoch(n),
                Err(_) => s.parse::<Timestamp>().ok().and_then(|t| Timestamp::from_second(t.as_second()).ok()),
            }
        }
        _ => None,
    }
}

/// Merge one window: `(kept, the reading is at least as new as what is kept)`.
fn merge_window(old: Option<Window>, new: Option<Window>, now: Timestamp) -> (Option<Window>, bool) {
    let (o, n) = match (old, new) {
        (o, None) => return (o, true),
        (None, n) => return (n, true),
        (Some(o), Some(n)) => (o, n),
    };
    let (Some(or), Some(nr)) = (o.resets_at, n.resets_at) else { return (Some(n), true) };
    if or <= now || nr.as_second() > or.as_second() + SAME_WINDOW {
        (Some(n), true) // the kept window is over, or this is the next one
    } else if nr.as_second() < or.as_second() - SAME_WINDOW {
        (Some(o), false) // a session that has not heard from the API since an older window
    } else if n.used_percentage >= o.used_percentage {
        (Some(n), true)
    } else {
        (Some(o), false) // same window, lower: an idle session's old figure
    }
}

/// What to write after a render carrying `r`, given the file's `old` record; `None` when the
/// file should stay as it is (nothing to record, nothing moved, or refreshed recently).
pub fn merge(old: Option<&Usage>, r: &Reading, now: Timestamp) -> Option<Usage> {
    if r.five_hour.is_none() && r.seven_day.is_none() {
        return None;
    }
    let (five_hour, five_current) = merge_window(old.and_then(|o| o.five_hour), r.five_hour, now);
    let (seven_day, seven_current) = merge_window(old.and_then(|o| o.seven_day), r.seven_day, now);
    let moved = old.is_none_or(|o| o.five_hour != five_hour || o.seven_day != seven_day);
    let confirms = five_current && seven_current && old.is_some_and(|o| o.age(now) >= REFRESH);
    if !moved && !confirms {
        return None;
    }
    Some(Usage {
        five_hour,
        seven_day,
        recorded_at: Timestamp::from_second(now.as_second()).unwrap_or(now),
        model: r.model.clone().or_else(|| old.and_then(|o| o.model.clone())),
        session_id: r.session_id.clone().or_else(|| old.and_then(|o| o.session_id.clone())),
    })
}

/// `<state>/usage/<account>.json` (account names are `[A-Za-z0-9._-]`, validated by the config).
pub fn usage_file(state_dir: &Path, account: &str) -> PathBuf {
    state_dir.join("usage").join(format!("{account}.json"))
}

/// The account's recorded rate limits, if a statusline ever recorded them. Check
/// [`Usage::age`] for staleness and [`Window::used_at`] for a window that has reset since.
pub fn read_usage(paths: &Paths, account: &str) -> Option<Usage> {
    read_usage_in(&paths.state_dir, account)
}

pub fn read_usage_in(state_dir: &Path, account: &str) -> Option<Usage> {
    let mut bytes = Vec::new();
    std::fs::File::open(usage_file(state_dir, account)).ok()?.take(64 << 10).read_to_end(&mut bytes).ok()?;
    Usage::from_json(&serde_json::from_slice(&bytes).ok()?)
}

/// Merge a render's reading into the account's file; returns what the file now holds.
pub fn record(state_dir: &Path, account: &str, r: &Reading, now: Timestamp) -> Result<Option<Usage>> {
    let old = read_usage_in(state_dir, account);
    let Some(new) = merge(old.as_ref(), r, now) else { return Ok(old) };
    let file = usage_file(state_dir, account);
    crate::atomic::private_dir(state_dir)?;
    crate::atomic::private_dir(file.parent().unwrap_or(state_dir))?;
    let mut bytes = serde_json::to_vec(&new)?;
    bytes.push(b'\n');
    // No fsync: this is a cache of what the next render says again, and fsync costs milliseconds
    // on every change; temp + rename still means a reader never sees half a file.
    crate::atomic::replace(&file, &bytes, 0o600)?;
    Ok(Some(new))
}

/// The account Claude runs as: the one whose home is `config_dir` (its `CLAUDE_CONFIG_DIR`), or
/// without one the account `claude_dir` (`~/.claude`) points at now.
pub fn account_for(cfg: &Config, config_dir: Option<&Path>) -> Option<String> {
    match config_dir {
        Some(d) => cfg.account_by_home(d).map(|a| a.name.clone()),
        None => match links::read_pointer(cfg) {
            Pointer::Account(a) => Some(a),
            _ => None,
        },
    }
}

// ---- the command ---------------------------------------------------------------------------

/// `claude-failover statusline …`: render (the default), or `--install` / `--remove`.
pub fn command(
    paths: &Paths,
    now: Timestamp,
    install: bool,
    remove: bool,
    account: Option<String>,
    project: Option<PathBuf>,
    chained: Vec<String>,
) -> Result<u8> {
    if !install && !remove {
        return Ok(render(paths, now, &chained));
    }
    let targets: Vec<PathBuf> = match (account, project) {
        (_, Some(dir)) => vec![dir.join(".claude/settings.json")],
        (Some(name), None) => {
            let cfg = crate::config::load(&paths.config_file, &paths.home)?;
            let a =
                cfg.account(&name).with_context(|| format!("no account named {name:?} in {}", cfg.file.display()))?;
            vec![a.home.join("settings.json")]
        }
        (None, None) => crate::config::load(&paths.config_file, &paths.home)?
            .accounts
            .iter()
            .map(|a| a.home.join("settings.json"))
            .collect(),
    };
    let bin = std::env::current_exe().context("cannot find this program's own path")?;
    let mut failed = false;
    for t in targets {
        let r = if remove { uninstall(&t) } else { install_in(&t, &bin) };
        match r {
            Ok(change) => println!("{}: {change}", t.display()),
            Err(e) => {
                eprintln!("claude-failover: {e:#}");
                failed = true;
            }
        }
    }
    Ok(u8::from(failed))
}

/// One render: start the user's command (if any) on the same stdin, record the reading while it
/// runs, then pass its exit code on; without one, print our line. Never fails.
fn render(paths: &Paths, now: Timestamp, chained: &[String]) -> u8 {
    let mut input = Vec::new();
    let _ = std::io::stdin().lock().take(4 << 20).read_to_end(&mut input);
    let child =
        (!chained.is_empty()).then(|| crate::exec::spawn_passthrough(&mut chained_command(chained), input.clone()));
    let cfg = crate::config::load(&paths.config_file, &paths.home);
    let config_dir = std::env::var_os("CLAUDE_CONFIG_DIR").filter(|d| !d.is_empty()).map(PathBuf::from);
    let account = cfg.as_ref().ok().and_then(|c| account_for(c, config_dir.as_deref()));
    let usage = match (&account, serde_json::from_slice::<Value>(&input)) {
        (Some(a), Ok(v)) => record(&paths.state_dir, a, &Reading::from_input(&v), now).ok().flatten(),
        _ => None,
    };
    match child {
        Some(Ok(mut c)) => match c.wait() {
            Ok(status) => exit_code(status),
            Err(_) => 1,
        },
        Some(Err(e)) => {
            // Their command could not even start: say so where Claude logs a statusline's stderr.
            eprintln!("claude-failover statusline: {e:#}");
            1
        }
        None => {
            let line = match (&account, &cfg) {
                (Some(a), _) => match usage.as_ref().and_then(|u| u.short(now)) {
                    Some(u) => format!("{a} · {u}"),
                    None => a.clone(),
                },
                (None, Err(_)) => "claude-failover: no config".into(),
                (None, Ok(_)) => "claude-failover: not an account's config dir".into(),
            };
            // Claude may have stopped listening (a newer render): a closed pipe is no failure.
            let _ = writeln!(std::io::stdout().lock(), "{line}");
            0
        }
    }
}

/// One argument is a shell line, run as Claude runs a statusline (`/bin/sh -c`); more are argv
/// (the exec form, `"args": [...]` in the settings).
fn chained_command(chained: &[String]) -> Command {
    if let [line] = chained {
        let mut c = Command::new("/bin/sh");
        c.arg("-c").arg(line);
        c
    } else {
        let mut c = Command::new(&chained[0]);
        c.args(&chained[1..]);
        c
    }
}

/// A child's exit status as a shell reports it (128 + signal when killed).
fn exit_code(status: std::process::ExitStatus) -> u8 {
    use std::os::unix::process::ExitStatusExt;
    match (status.code(), status.signal()) {
        (Some(c), _) => (c & 0xff) as u8,
        (None, Some(s)) => (128 + s).min(255) as u8,
        _ => 1,
    }
}

mod install;
pub use install::{Change, install, installed, remove};
use install::{install_in, uninstall};

#[cfg(test)]
mod tests {
    use super::install::{parse_ours, q, split_words};
    use super::*;
    use serde_json::json;

    fn t(s: &str) -> Timestamp {
        s.parse().unwrap()
    }

    fn input(five: f64, five_reset: i64, seven: f64) -> Value {
        json!({
            "session_id": "0f8fad5b-d9cb-469f-a165-70867728950e",
            "model": {"id": "claude-opus-5-5", "display_name": "Opus 5.5"},
            "rate_limits": {
                "five_hour": {"used_percentage": five, "resets_at": five_reset},
                "seven_day": {"used_percentage": seven, "resets_at": "2026-11-25T09:00:00Z"}
            }
        })
    }

    const NOW: &str = "2026-11-21T10:00:00Z";
    // 2026-11-21T12:00:00Z
    const RESET: i64 = 1_795_262_400;

    #[test]
    fn reads_what_claude_sends_leniently() {
        let r = Reading::from_input(&input(42.5, RESET, 10.0));
        assert_eq!(r.five_hour, Some(Window { used_percentage: 42.5, resets_at: Some(t("2026-11-21T12:00:00Z")) }));
        assert_eq!(r.seven_day.unwrap().resets_at, Some(t("2026-11-25T09:00:00Z")));
        assert_eq!(r.model.as_ref().unwrap().display_name.as_deref(), Some("Opus 5.5"));
        assert!(r.session_id.is_some());
        // epoch as a string, in milliseconds, an ISO time with an offset and fractions
        for v in [json!("1795262400"), json!(1_795_262_400_000_i64), json!("2026-11-21T13:00:00.318+01:00")] {
            assert_eq!(parse_time(&v), Some(t("2026-11-21T12:00:00Z")), "{v}");
        }
        for bad in [json!(null), json!("soon"), json!(-5), json!({})] {
            assert_eq!(parse_time(&bad), None, "{bad}");
        }
        // nothing usable: no panic, nothing read
        for v in [json!(null), json!([1, 2]), json!({"rate_limits": "x"}), json!({"rate_limits": {"five_hour": {}}})] {
            let r = Reading::from_input(&v);
            assert!(r.five_hour.is_none() && r.seven_day.is_none(), "{v}");
        }
        let r = Reading::from_input(
            &json!({"rate_limits": {"five_hour": {"used_percentage": "105"}}, "session_id": "x; rm"}),
        );
        assert_eq!(r.five_hour, Some(Window { used_percentage: 105.0, resets_at: None }));
        assert_eq!(r.session_id, None, "only a canonical session id is kept");
    }

    #[test]
    fn writes_only_when_a_value_moves_or_to_refresh_its_age() {
        let now = t(NOW);
        let r = Reading::from_input(&input(42.0, RESET, 10.0));
        let first = merge(None, &r, now).expect("nothing known yet: write");
        assert_eq!(first.recorded_at, now);
        assert_eq!(merge(Some(&first), &r, now.checked_add(SignedDuration::from_secs(30)).unwrap()), None);
        let later = now.checked_add(REFRESH).unwrap();
        assert_eq!(merge(Some(&first), &r, later).map(|u| u.recorded_at), Some(later), "refreshed once a minute");
        let up = Reading::from_input(&input(43.0, RESET, 10.0));
        assert_eq!(merge(Some(&first), &up, now).unwrap().five_hour.unwrap().used_percentage, 43.0);
        // no rate_limits (API key, or before the first answer): nothing to write
        assert_eq!(merge(Some(&first), &Reading::from_input(&json!({"model": "x"})), later), None);
    }

    #[test]
    fn a_stale_session_never_rolls_a_window_back() {
        let now = t(NOW);
        let kept = merge(None, &Reading::from_input(&input(60.0, RESET, 30.0)), now).unwrap();
        // an idle session of the same account still shows 40% of this window
        let idle = Reading::from_input(&input(40.0, RESET, 30.0));
        assert_eq!(merge(Some(&kept), &idle, now), None);
        assert_eq!(merge(Some(&kept), &idle, now.checked_add(REFRESH).unwrap()), None, "and does not refresh it");
        // one that has not heard from the API since the previous window
        let old_window = Reading::from_input(&input(90.0, RESET - 5 * 3600, 30.0));
        assert_eq!(merge(Some(&kept), &old_window, now), None);
        // the next window: lower and later, it replaces
        let next = Reading::from_input(&input(3.0, RESET + 5 * 3600, 30.0));
        assert_eq!(merge(Some(&kept), &next, now).unwrap().five_hour.unwrap().used_percentage, 3.0);
        // once the kept window is over, whatever comes replaces it
        let after = t("2026-11-21T12:00:01Z");
        assert_eq!(kept.five_hour.unwrap().used_at(after), None);
        assert_eq!(kept.highest(after), Some(30.0));
        assert_eq!(merge(Some(&kept), &old_window, after).unwrap().five_hour.unwrap().used_percentage, 90.0);
    }

    #[test]
    fn file_round_trip_and_short_form() {
        let d = tempfile::tempdir().unwrap();
        let now = t(NOW);
        assert!(read_usage_in(d.path(), "main").is_none());
        let r = Reading::from_input(&input(42.4, RESET, 9.6));
        let u = record(d.path(), "main", &r, now).unwrap().unwrap();
        assert_eq!(read_usage_in(d.path(), "main"), Some(u.clone()));
        let text = std::fs::read_to_string(usage_file(d.path(), "main")).unwrap();
        assert!(text.contains(r#""resets_at":"2026-11-21T12:00:00Z""#), "{text}");
        assert_eq!(u.short(now).as_deref(), Some("5h 42% · 7d 10%"));
        assert_eq!(u.short(t("2026-11-21T12:30:00Z")).as_deref(), Some("7d 10%"));
        use std::os::unix::fs::PermissionsExt;
        let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&usage_file(d.path(), "main")), 0o600);
        assert_eq!(mode(&d.path().join("usage")), 0o700);
        // unchanged: the file is not rewritten (a write is a rename: a new inode)
        let ino = |p: &Path| std::os::unix::fs::MetadataExt::ino(&std::fs::metadata(p).unwrap());
        let i0 = ino(&usage_file(d.path(), "main"));
        record(d.path(), "main", &r, now).unwrap();
        assert_eq!(ino(&usage_file(d.path(), "main")), i0, "no rename: nothing was written");
    }

    #[test]
    fn words() {
        let w = |s: &str| split_words(s);
        assert_eq!(
            w("a 'b c' \"d \\\" e\" f\\ g"),
            Some(vec!["a".into(), "b c".into(), "d \" e".into(), "f g".into()])
        );
        assert_eq!(w("'it'\\''s'"), Some(vec!["it's".into()]));
        assert_eq!(w("''"), Some(vec![String::new()]));
        for bad in ["a | b", "a; b", "echo $HOME", "'open", "a && b", "\"$(x)\""] {
            assert_eq!(w(bad), None, "{bad}");
        }
        // whatever shell_quote makes comes back as the same single word
        for s in ["plain", "with space", "it's", "a\"b", "$HOME", "x | y; z", "", "~/.claude/s.sh --flag"] {
            assert_eq!(w(&q(s)), Some(vec![s.to_string()]), "{s}");
        }
    }

    fn bin() -> PathBuf {
        PathBuf::from("/opt/cf/claude-failover")
    }

    #[test]
    fn install_wraps_theirs_and_remove_puts_it_back_exactly() {
        let theirs = r#"bash ~/.claude/statusline.sh | head -1; echo "it's $USER""#;
        let original = json!({
            "model": "opus",
            "statusLine": {"type": "command", "command": theirs, "padding": 0, "refreshInterval": 5},
            "hooks": {}
        });
        let mut v = original.clone();
        assert_eq!(install(&mut v, &bin()).unwrap(), Change::Installed(Some(theirs.into())));
        let ours = v["statusLine"]["command"].as_str().unwrap().to_string();
        assert!(ours.starts_with("/opt/cf/claude-failover statusline -- '"), "{ours}");
        assert_eq!(parse_ours(&ours), Some(vec![theirs.to_string()]), "the shell hands us theirs as one argument");
        assert_eq!(v["statusLine"]["padding"], 0);
        assert_eq!(v["statusLine"]["refreshInterval"], 5);
        assert_eq!(install(&mut v, &bin()).unwrap(), Change::Already);
        assert_eq!(install(&mut v, Path::new("/new/claude-failover")).unwrap(), Change::Updated);
        assert_eq!(parse_ours(v["statusLine"]["command"].as_str().unwrap()), Some(vec![theirs.to_string()]));
        assert_eq!(remove(&mut v).unwrap(), Change::Removed(Some(theirs.into())));
        assert_eq!(v, original, "byte for byte what the user had");
        assert_eq!(remove(&mut v).unwrap(), Change::NotInstalled);
    }

    #[test]
    fn install_without_theirs_and_the_exec_form() {
        let mut v = json!({"model": "opus"});
        assert_eq!(install(&mut v, &bin()).unwrap(), Change::Installed(None));
        assert_eq!(v["statusLine"], json!({"type": "command", "command": "/opt/cf/claude-failover statusline"}));
        assert_eq!(remove(&mut v).unwrap(), Change::Removed(None));
        assert_eq!(v, json!({"model": "opus"}));

        for args in [json!(["script.js", "--x"]), json!([])] {
            let original = json!({"statusLine": {"type": "command", "command": "/opt/my node", "args": args}});
            let mut v = original.clone();
            assert_eq!(install(&mut v, &bin()).unwrap(), Change::Installed(Some("/opt/my node".into())));
            assert_eq!(v["statusLine"]["command"], "/opt/cf/claude-failover");
            assert_eq!(v["statusLine"]["args"][0], "statusline");
            assert_eq!(install(&mut v, &bin()).unwrap(), Change::Already);
            assert_eq!(remove(&mut v).unwrap(), Change::Removed(Some("/opt/my node".into())));
            assert_eq!(v, original);
        }
        // what is not ours is never touched by remove; odd shapes are refused
        let mut other = json!({"statusLine": {"type": "command", "command": "my-claude-failover-ish statusline"}});
        assert_eq!(remove(&mut other).unwrap(), Change::NotInstalled);
        assert!(install(&mut json!({"statusLine": "x"}), &bin()).is_err());
        assert!(install(&mut json!({"statusLine": {"type": "static", "text": "hi"}}), &bin()).is_err());
        assert!(install(&mut json!([]), &bin()).is_err());
    }
}
