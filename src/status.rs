//! What `status` shows, in three renderings (human, tmux, JSON per SPEC §7), computed from the
//! config, the state and the `claude_dir` pointer alone — no daemon needed.
//!
//! Pure: the caller passes `now`, so rendering never reads the clock.

use jiff::Timestamp;
use serde::Serialize;

use crate::clock::{fmt_countdown, fmt_local, fmt_utc};
use crate::config::Config;
use crate::links::Pointer;
use crate::paths::tildify;
use crate::state::State;
use crate::statusline::Usage;

#[derive(Debug, Serialize)]
pub struct AccountView {
    pub name: String,
    pub home: String,
    pub exhausted_until: Option<String>,
    pub needs_login: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// What its home holds (`logged in`, `it has no login …`, `its home does not exist`), when
    /// looked at; `logged_in: false` is a problem as much as `needs_login`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub login: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub logged_in: Option<bool>,
    /// Its 5-hour and weekly limits as its statusline last recorded them (`claude-failover
    /// statusline`), when looked at and known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub usage: Option<Usage>,
    /// Models exhausted on this account (a model-scoped limit), family → until (UTC); the
    /// account goes on for every other model.
    #[serde(skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    pub models_exhausted: std::collections::BTreeMap<String, String>,
}

impl AccountView {
    /// Marked logged out by a message, or no login found in its home.
    pub fn cannot_log_in(&self) -> bool {
        self.needs_login || self.logged_in == Some(false)
    }
}

#[derive(Debug, Serialize)]
pub struct At {
    pub to: String,
    pub at: String,
}

#[derive(Debug, Serialize)]
pub struct SwapView {
    pub from: String,
    pub to: String,
    pub at: String,
}

#[derive(Debug, Serialize)]
pub struct WaitingView {
    pub account: String,
    pub until: String,
}

#[derive(Debug, Serialize)]
pub struct PaneView {
    pub pane: String,
    pub account: Option<String>,
    pub session_id: Option<String>,
    pub cwd: Option<String>,
    pub activity: Option<String>,
    /// Runs claude but is not watched, and why: not protected.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub unwatched: Option<String>,
    /// The loop guard stopped relaunching it, and why: it stays on its account.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub left_alone: Option<String>,
    /// Mid-turn when a move at turn boundaries came: the account it moves to when idle.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub moves_to: Option<String>,
}

/// A difference between the Claude Code a user runs and the facts this tool knows.
#[derive(Debug, Clone, Serialize)]
pub struct DriftView {
    pub release: String,
    pub what: String,
}

/// Whether a daemon watches this tmux server (known to `status`, which looks; the daemon's own
/// push is by definition from a running daemon).
#[derive(Debug, Clone, Serialize)]
pub struct DaemonView {
    pub running: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pid: Option<u32>,
}

/// The active account is exhausted and nothing moved it, and why.
#[derive(Debug, Clone, Serialize)]
pub struct StuckView {
    pub account: String,
    pub until: String,
    /// `paused`, `cooldown` (until the time given), or `not moved`.
    pub why: String,
}

#[derive(Debug, Serialize)]
pub struct Status {
    pub active: String,
    pub state: &'static str,
    pub degraded: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub degraded_reason: Option<String>,
    pub paused: bool,
    pub accounts: Vec<AccountView>,
    #[serde(rename = "return")]
    pub return_to: Option<At>,
    pub last_swap: Option<SwapView>,
    pub waiting: Option<WaitingView>,
    pub panes: Vec<PaneView>,
    /// The `claude_dir` pointer disagrees with the config (missing, real directory…).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pointer_problem: Option<String>,
    /// `None` when not looked at (the daemon's own push).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub daemon: Option<DaemonView>,
    /// The active account is exhausted but its panes were not moved (paused, cooldown).
    pub stuck: Option<StuckView>,
    /// Where the Claude Code in use differs from the facts this tool knows (`crate::drift`).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub drift: Vec<DriftView>,
    #[serde(skip)]
    exhausted: Vec<(String, Timestamp)>,
    #[serde(skip)]
    return_at: Option<Timestamp>,
    #[serde(skip)]
    waiting_until: Option<Timestamp>,
    #[serde(skip)]
    swapping_to: Option<String>,
    /// While a swap relaunches: how many panes are back, of how many.
    #[serde(skip)]
    coming_back: Option<(usize, usize)>,
}

pub fn build(cfg: &Config, st: &State, pointer: &Pointer, pointer_problem: Option<String>, now: Timestamp) -> Status {
    let active = match pointer {
        Pointer::Account(a) => a.clone(),
        _ => st.active.clone().unwrap_or_else(|| cfg.primary.clone()),
    };
    let accounts = cfg
        .accounts
        .iter()
        .map(|a| {
            let s = st.account(&a.name);
            AccountView {
                name: a.name.clone(),
                home: a.home.display().to_string(),
                exhausted_until: s.exhausted_until.filter(|t| *t > now).map(fmt_utc),
                needs_login: s.needs_login,
                reason: s.reason.clone().filter(|_| s.needs_login || s.exhausted_at(now)),
                login: None,
                logged_in: None,
                usage: None,
                models_exhausted: s
                    .models
                    .iter()
                    .filter(|(_, t)| **t > now)
                    .map(|(m, t)| (m.clone(), fmt_utc(*t)))
                    .collect(),
            }
        })
        .collect();
    let stuck = stuck(cfg, st, &active, now);
    let exhausted = cfg
        .accounts
        .iter()
        .filter_map(|a| st.account(&a.name).exhausted_until.filter(|t| *t > now).map(|t| (a.name.clone(), t)))
        .collect();
    Status {
        active,
        state: st.phase_name(),
        degraded: st.degraded.is_some(),
        degraded_reason: st.degraded.as_ref().map(|d| d.reason.clone()),
        paused: st.paused,
        accounts,
        return_to: st.return_to.as_ref().map(|r| At { to: r.to.clone(), at: fmt_utc(r.at) }),
        last_swap: st.last_swap.as_ref().map(|s| SwapView {
            from: s.from.clone(),
            to: s.to.clone(),
            at: fmt_utc(s.at),
        }),
        waiting: st.waiting.as_ref().map(|w| WaitingView { account: w.account.clone(), until: fmt_utc(w.until) }),
        panes: st
            .panes
            .keys()
            .chain(st.deferred.keys().filter(|id| !st.panes.contains_key(*id)))
            .map(|id| {
                let p = st.panes.get(id).cloned().unwrap_or_default();
                PaneView {
                    pane: id.clone(),
                    account: p.account.clone(),
                    session_id: p.session_id.clone(),
                    cwd: p.cwd.as_ref().map(|c| c.display().to_string()),
                    activity: p.activity.clone(),
                    unwatched: p.unwatched.clone(),
                    left_alone: p.left_alone.as_ref().map(|l| l.reason.clone()),
                    moves_to: st.deferred.get(id).map(|d| d.to.clone()),
                }
            })
            .collect(),
        pointer_problem,
        daemon: None,
        drift: Vec::new(),
        stuck,
        exhausted,
        return_at: st.return_to.as_ref().map(|r| r.at),
        waiting_until: st.waiting.as_ref().map(|w| w.until),
        swapping_to: st.swap.as_ref().map(|s| s.to.clone()),
        coming_back: st.swap.as_ref().filter(|s| s.coming_back > 0).map(|s| (s.relaunched.len(), s.coming_back)),
    }
}

/// The active account is exhausted at `now`, no swap is under way and none is waited for: its
/// panes are blocked and stay where they are. Why: paused, the cooldown, or nothing moved them.
fn stuck(cfg: &Config, st: &State, active: &str, now: Timestamp) -> Option<StuckView> {
    let a = st.account(active);
    let until = a.exhausted_until.filter(|t| *t > now)?;
    if st.swap.is_some() || st.waiting.is_some() {
        return None;
    }
    let cooldown_end =
        st.last_swap.as_ref().and_then(|l| l.at.checked_add(cfg.swap.cooldown).ok()).filter(|t| *t > now);
    let why = if st.paused {
        "paused".to_string()
    } else if let Some(t) = cooldown_end {
        format!("cooldown until {}", fmt_utc(t))
    } else {
        "not moved".to_string()
    };
    Some(StuckView { account: active.to_string(), until: fmt_utc(until), why })
}

impl Status {
    /// What `status` found about the daemon of this tmux server.
    /// `running`: `None` no daemon; `Some(pid)` one runs (its pid when known).
    pub fn with_daemon(mut self, running: Option<Option<u32>>) -> Self {
        self.daemon = Some(DaemonView { running: running.is_some(), pid: running.flatten() });
        self
    }

    /// What each account's login is (`crate::login::account_login`), as every surface looks.
    pub fn with_logins(mut self, cfg: &Config, now: Timestamp) -> Self {
        for (v, a) in self.accounts.iter_mut().zip(&cfg.accounts) {
            let l = crate::login::account_login(cfg, a, now);
            v.logged_in = Some(l.is_ok());
            v.login = Some(l.to_string());
        }
        self
    }

    /// Each account's recorded rate limits (`read` is `statusline::read_usage`, a file per
    /// account), as `status` and the daemon look.
    pub fn with_usage(mut self, read: impl Fn(&str) -> Option<Usage>) -> Self {
        for v in &mut self.accounts {
            v.usage = read(&v.name);
        }
        self
    }

    /// Claude panes that are not watched.
    pub fn unwatched(&self) -> usize {
        self.panes.iter().filter(|p| p.unwatched.is_some()).count()
    }

    /// Claude panes the loop guard no longer relaunches.
    pub fn left_alone(&self) -> usize {
        self.panes.iter().filter(|p| p.left_alone.is_some()).count()
    }
}

/// Colours and words of the status segment; tmux options override them (`@claude-failover-*`).
#[derive(Debug, Clone)]
pub struct TmuxStyle {
    pub normal: String,
    pub away: String,
    pub busy: String,
    pub warn: String,
    pub label: String,
}

impl Default for TmuxStyle {
    fn default() -> Self {
        TmuxStyle {
            normal: "fg=green".into(),
            away: "fg=yellow".into(),
            busy: "fg=cyan".into(),
            warn: "fg=red,bold".into(),
            label: "claude".into(),
        }
    }
}

impl TmuxStyle {
    /// `@claude-failover-style-{normal,away,busy,warn}` and `@claude-failover-label`.
    pub fn from_options(o: &std::collections::HashMap<String, String>) -> Self {
        let d = TmuxStyle::default();
        let pick = |k: &str, d: String| o.get(k).filter(|v| !v.is_empty()).cloned().unwrap_or(d);
        TmuxStyle {
            normal: pick("style-normal", d.normal),
            away: pick("style-away", d.away),
            busy: pick("style-busy", d.busy),
            warn: pick("style-warn", d.warn),
            label: pick("label", d.label),
        }
    }
}

impl Status {
    /// ` 5h 42% · 7d 10%` for the active account while its windows run, else nothing.
    fn active_usage(&self, now: Timestamp) -> String {
        let u = self.accounts.iter().find(|a| a.name == self.active).and_then(|a| a.usage.as_ref());
        u.and_then(|u| u.short(now)).map(|t| format!(" {t}")).unwrap_or_default()
    }
}

/// What every surface shows (the pushed segment, `status` in any format, the popup, `doctor`,
/// `pane list`), looked at one way from the same inputs: the config, the state, the
/// `claude_dir` pointer, each account's login and usage, and whether a daemon watches `server`
/// (its lock and pid file: nothing from the caller's environment). `server` is `None` only
/// where no tmux server can be named.
pub fn observe(
    cfg: &Config,
    paths: &crate::paths::Paths,
    st: &State,
    server: Option<&crate::server::Server>,
    now: Timestamp,
) -> Status {
    let pointer = crate::links::read_pointer(cfg);
    let problem = crate::links::pointer_problem(cfg, &pointer);
    let s = build(cfg, st, &pointer, problem, now)
        .with_logins(cfg, now)
        .with_usage(|a| crate::statusline::read_usage(paths, a));
    let mut s = match server {
        Some(server) => s.with_daemon(server.running()),
        None => s,
    };
    s.drift = crate::drift::read(&paths.state_dir)
        .into_iter()
        .flat_map(|(release, list)| list.into_iter().map(move |d| DriftView { release: release.clone(), what: d.what }))
        .collect();
    s
}

/// The status-line segment. Every state in which a Claude pane is not protected has its own look
/// in the warn style (docs/USAGE.md, "The status line"):
/// `claude:main` (all well; `claude:main 5h 42% · 7d 10%` once its statusline recorded its limits),
/// `claude:backup ↩1h05m` (away; back after the primary's reset),
/// `claude:main→backup…` (swapping), `claude:waiting 42m` (every account exhausted),
/// `claude:main ✗exhausted 1h20m paused|cooldown` (blocked and not moved), `claude:DEGRADED`,
/// `claude:main ✗daemon` (nothing watches), `claude:main?` (the `~/.claude` link is wrong), and the
/// suffixes ` ⚠2 unwatched` (Claude panes the daemon cannot watch), ` ⚠1 left alone` (a pane the
/// loop guard stopped relaunching), ` ⚠login:backup` (an account
/// that needs a login), ` ⏸` (paused). Text from config only (account names are validated to
/// `[A-Za-z0-9._-]`), so nothing here can inject tmux formats.
pub fn render_tmux(s: &Status, style: &TmuxStyle, now: Timestamp) -> String {
    let l = &style.label;
    let body = if s.daemon.as_ref().is_some_and(|d| !d.running) {
        format!("#[{}]{l}:{} ✗daemon", style.warn, s.active)
    } else if s.degraded {
        format!("#[{}]{l}:DEGRADED", style.warn)
    } else if let Some(to) = &s.swapping_to {
        let back = s.coming_back.map(|(b, of)| format!(" {b}/{of}")).unwrap_or_default();
        format!("#[{}]{l}:{}→{to}…{back}", style.busy, s.active)
    } else if let Some(until) = s.waiting_until {
        format!("#[{}]{l}:waiting {}", style.warn, fmt_countdown(now, until))
    } else if let Some(st) = &s.stuck {
        let until = s.exhausted.iter().find(|(n, _)| *n == st.account).map(|(_, t)| fmt_countdown(now, *t));
        let why = if st.why.starts_with("cooldown") { "cooldown" } else { st.why.as_str() };
        format!("#[{}]{l}:{} ✗exhausted {} {why}", style.warn, s.active, until.unwrap_or_default())
    } else if let Some(at) = s.return_at {
        format!("#[{}]{l}:{}{} ↩{}", style.away, s.active, s.active_usage(now), fmt_countdown(now, at))
    } else if s.pointer_problem.is_some() {
        format!("#[{}]{l}:{}?", style.warn, s.active)
    } else {
        format!("#[{}]{l}:{}{}", style.normal, s.active, s.active_usage(now))
    };
    let mut tail = String::new();
    let unwatched = s.unwatched();
    if unwatched > 0 {
        tail += &format!("#[{}] ⚠{unwatched} unwatched", style.warn);
    }
    let left = s.left_alone();
    if left > 0 {
        tail += &format!("#[{}] ⚠{left} left alone", style.warn);
    }
    let logins: Vec<&str> = s.accounts.iter().filter(|a| a.cannot_log_in()).map(|a| a.name.as_str()).collect();
    if !logins.is_empty() {
        tail += &format!("#[{}] ⚠login:{}", style.warn, logins.join(","));
    }
    // One look for drift: the newest release that differed (the one most panes will run).
    if let Some(release) = s.drift.iter().map(|d| d.release.as_str()).max_by(|a, b| {
        if crate::drift::at_least(a, b) { std::cmp::Ordering::Greater } else { std::cmp::Ordering::Less }
    }) {
        tail += &format!("#[{}] ⚠claude {release}?", style.warn);
    }
    let paused = if s.paused { " ⏸" } else { "" };
    let reset = reset_of(&[&style.normal, &style.away, &style.busy, &style.warn]);
    format!("{body}{tail}{paused}#[{reset}]")
}

/// The segment while a swap relaunches, pushed as each pane comes back: `claude:main→backup… 3/10`.
pub fn render_swapping(from: &str, to: &str, back: usize, of: usize, style: &TmuxStyle) -> String {
    format!("#[{}]{}:{from}→{to}… {back}/{of}#[{}]", style.busy, style.label, reset_of(&[&style.busy]))
}

/// One line: the active account, whether a daemon watches, and the logins, as `pane list` heads
/// its table (the same look as every other surface: [`observe`]).
pub fn render_summary(s: &Status) -> String {
    let daemon = match &s.daemon {
        Some(DaemonView { running: true, pid: Some(pid) }) => format!("running (pid {pid})"),
        Some(DaemonView { running: true, pid: None }) => "running".to_string(),
        Some(DaemonView { running: false, .. }) => "NOT RUNNING".to_string(),
        None => "unknown (no tmux server)".to_string(),
    };
    let logins: Vec<String> = s
        .accounts
        .iter()
        .map(|a| format!("{} {}", a.name, if a.cannot_log_in() { "NOT LOGGED IN" } else { "ok" }))
        .collect();
    format!("active: {} · daemon: {daemon} · logins: {}", s.active, logins.join(", "))
}

/// The segment without a config: before `init` (`config_file` missing) it says what to run; a
/// broken edit sends to `doctor`, which names the key.
pub fn render_no_config(style: &TmuxStyle, config_file: &std::path::Path) -> String {
    let what = if std::fs::symlink_metadata(config_file).is_err() {
        "config? run claude-failover init"
    } else {
        "config? see claude-failover doctor"
    };
    format!("#[{}]{}:{what}#[{}]", style.warn, style.label, reset_of(&[&style.warn]))
}

/// What undoes the styles a segment may set, attribute by attribute: `#[default]` would also wipe
/// the colours and attributes a theme set before the segment, for the rest of the line.
pub fn reset_of(styles: &[&str]) -> String {
    let mut out: Vec<String> = Vec::new();
    for tok in styles.iter().flat_map(|s| s.split([',', ' '])) {
        let tok = tok.trim();
        let undo = match tok.split_once('=') {
            Some((k @ ("fg" | "bg" | "us"), _)) => format!("{k}=default"),
            Some(_) => continue,
            None if tok.is_empty() || tok == "none" || tok == "default" || tok.starts_with("no") => continue,
            None => format!("no{tok}"),
        };
        if !out.contains(&undo) {
            out.push(undo);
        }
    }
    if out.is_empty() { "fg=default".into() } else { out.join(",") }
}

/// The segment when no daemon runs (pushed by a daemon as it stops, and by its supervisor while it
/// restarts one or after it gave up): the status line must not keep showing "all well".
pub fn render_no_daemon(active: &str, style: &TmuxStyle, what: &str) -> String {
    format!("#[{}]{}:{active} ✗daemon{what}#[{}]", style.warn, style.label, reset_of(&[&style.warn]))
}

/// For a person: times in `tz` (this machine's zone, as Claude prints them).
pub fn render_human(
    s: &Status,
    cfg: &Config,
    home: &std::path::Path,
    now: Timestamp,
    tz: &jiff::tz::TimeZone,
) -> String {
    let local = |utc: &str| utc.parse::<Timestamp>().map(|t| fmt_local(t, now, tz)).unwrap_or_else(|_| utc.to_string());
    use std::fmt::Write as _;
    let mut o = String::new();
    let _ = writeln!(o, "active:   {}{}", s.active, if s.paused { " (automatic swaps paused)" } else { "" });
    let _ = writeln!(o, "state:    {}", s.state);
    if let (Some(to), Some((back, of))) = (&s.swapping_to, s.coming_back) {
        let _ = writeln!(o, "          {back} of {of} panes back on {to}, {} still coming back", of - back);
    }
    if let Some(r) = &s.degraded_reason {
        let _ = writeln!(o, "DEGRADED: {r}\n          fix it, then run 'claude-failover recover'");
    }
    if let Some(p) = &s.pointer_problem {
        let _ = writeln!(o, "problem:  {p}");
    }
    match &s.daemon {
        Some(DaemonView { running: true, pid }) => {
            let _ = writeln!(o, "daemon:   running (pid {})", pid.map(|p| p.to_string()).unwrap_or_default());
        }
        Some(DaemonView { running: false, .. }) => {
            let _ = writeln!(
                o,
                "daemon:   NOT RUNNING: no limit is acted on; start it with 'claude-failover daemon' inside tmux (the plugin does it on load)"
            );
        }
        None => {}
    }
    if let Some(st) = &s.stuck {
        let _ = writeln!(
            o,
            "BLOCKED:  {} is exhausted until {} and its panes were not moved ({})",
            st.account, st.until, st.why
        );
    }
    let _ = writeln!(o, "accounts:");
    let width = s.accounts.iter().map(|a| a.name.len()).max().unwrap_or(0);
    for (a, cfg_a) in s.accounts.iter().zip(&cfg.accounts) {
        let mark = if a.name == s.active { "*" } else { " " };
        let cond = if a.needs_login {
            "needs login (/login)".to_string()
        } else if a.logged_in == Some(false) {
            format!(
                "NOT LOGGED IN: {}; {} then /login",
                a.login.as_deref().unwrap_or_default(),
                crate::login::login_command(&cfg_a.home, &cfg.claude_command)
            )
        } else if let Some((_, t)) = s.exhausted.iter().find(|(n, _)| *n == a.name) {
            format!("exhausted until {} (in {})", fmt_local(*t, now, tz), fmt_countdown(now, *t))
        } else {
            "ok".into()
        };
        let _ = writeln!(o, "  {mark} {:width$}  {:24}  {cond}", a.name, tildify(&cfg_a.home, home));
        if let Some(u) = a.usage.as_ref().and_then(|u| usage_line(u, now, tz)) {
            let _ = writeln!(o, "    {:width$}  usage: {u}", "");
        }
        for (model, until) in &a.models_exhausted {
            let _ = writeln!(o, "    {:width$}  {model} exhausted until {} (other models go on)", "", local(until));
        }
    }
    if let (Some(r), Some(at)) = (&s.return_to, s.return_at) {
        let _ = writeln!(o, "return:   to {} at {} (in {})", r.to, local(&r.at), fmt_countdown(now, at));
    }
    if let (Some(w), Some(until)) = (&s.waiting, s.waiting_until) {
        let _ = writeln!(o, "waiting:  for {} at {} (in {})", w.account, local(&w.until), fmt_countdown(now, until));
    }
    if let Some(l) = &s.last_swap {
        let _ = writeln!(o, "last swap: {} -> {} at {}", l.from, l.to, local(&l.at));
    }
    if !s.panes.is_empty() {
        let _ = writeln!(o, "panes:");
        for p in &s.panes {
            let _ = writeln!(
                o,
                "  {:5} {:10} {:36} {}{}",
                p.pane,
                p.account.as_deref().unwrap_or("?"),
                p.session_id.as_deref().unwrap_or("-"),
                p.cwd.as_deref().unwrap_or(""),
                p.activity.as_deref().map(|a| format!("  [{a}]")).unwrap_or_default()
            );
            if let Some(why) = &p.unwatched {
                let _ = writeln!(o, "        NOT WATCHED: {why}");
            }
            if let Some(why) = &p.left_alone {
                let _ = writeln!(o, "        LEFT ALONE: {why}");
            }
            if let Some(to) = &p.moves_to {
                let _ = writeln!(o, "        mid-turn: moves to {to} when idle");
            }
        }
    }
    o
}

/// `5h 42% (resets 15:00 UTC) · 7d 10% (resets Dec 3, 09:00 UTC)`, and `as of …` when the last
/// render that recorded it is more than 10 minutes old; `None` when no window still runs.
fn usage_line(u: &Usage, now: Timestamp, tz: &jiff::tz::TimeZone) -> Option<String> {
    let parts: Vec<String> = [("5h", u.five_hour), ("7d", u.seven_day)]
        .iter()
        .filter_map(|(label, w)| {
            let w = w.as_ref()?;
            let p = crate::statusline::percent(w.used_at(now)?);
            Some(match w.resets_at {
                Some(r) => format!("{label} {p} (resets {})", fmt_local(r, now, tz)),
                None => format!("{label} {p}"),
            })
        })
        .collect();
    if parts.is_empty() {
        return None;
    }
    let stale = u.age(now) > jiff::SignedDuration::from_mins(10);
    let asof = if stale { format!(", as of {}", fmt_local(u.recorded_at, now, tz)) } else { String::new() };
    Some(format!("{}{asof}", parts.join(" · ")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::state::{SwapRecord, Waiting};

    fn cfg() -> Config {
        let d = std::path::Path::new("/nonexistent");
        crate::config::parse(
            "[swap]\ncooldown = \"10m\"\n[[accounts]]\nname = \"main\"\nhome = \"/h/main\"\n[[accounts]]\nname = \"backup\"\nhome = \"/h/backup\"\n",
            &d.join("c.toml"),
            d,
        )
        .unwrap()
    }

    fn t(s: &str) -> Timestamp {
        s.parse().unwrap()
    }

    fn seg(st: &State, daemon: Option<Option<Option<u32>>>) -> String {
        let now = t("2026-11-30T12:00:00Z");
        let mut s = build(&cfg(), st, &Pointer::Account("main".into()), None, now);
        if let Some(pid) = daemon {
            s = s.with_daemon(pid);
        }
        render_tmux(&s, &TmuxStyle::default(), now)
    }

    #[test]
    fn every_unprotected_state_has_its_own_look() {
        let mut st = State::default();
        let end = "#[fg=default,nobold]";
        assert_eq!(seg(&st, None), format!("#[fg=green]claude:main{end}"));
        assert_eq!(seg(&st, Some(Some(Some(42)))), format!("#[fg=green]claude:main{end}"));
        // No daemon: nothing would act on a limit.
        assert_eq!(seg(&st, Some(None)), format!("#[fg=red,bold]claude:main ✗daemon{end}"));
        // The active account exhausted and its panes not moved: paused, cooldown, or not moved.
        st.account_mut("main").exhausted_until = Some(t("2026-11-30T13:20:00Z"));
        st.paused = true;
        assert!(seg(&st, None).contains("claude:main ✗exhausted 1h 20m paused"), "{}", seg(&st, None));
        st.paused = false;
        st.last_swap = Some(SwapRecord { from: "backup".into(), to: "main".into(), at: t("2026-11-30T11:55:00Z") });
        assert!(seg(&st, None).contains("✗exhausted 1h 20m cooldown"), "{}", seg(&st, None));
        st.last_swap = None;
        assert!(seg(&st, None).contains("✗exhausted 1h 20m not moved"), "{}", seg(&st, None));
        // Waiting is its own state, not "stuck".
        st.waiting = Some(Waiting {
            since: t("2026-11-30T12:00:00Z"),
            until: t("2026-11-30T13:20:00Z"),
            account: "main".into(),
            panes: Vec::new(),
        });
        assert!(seg(&st, None).starts_with("#[fg=red,bold]claude:waiting"), "{}", seg(&st, None));
        // An account that needs a login, a pane not watched: suffixes on any state.
        let mut st = State::default();
        st.account_mut("backup").needs_login = true;
        st.panes.entry("%3".into()).or_default().unwatched = Some("piped elsewhere".into());
        assert_eq!(
            seg(&st, None),
            format!("#[fg=green]claude:main#[fg=red,bold] ⚠1 unwatched#[fg=red,bold] ⚠login:backup{end}")
        );
        // A pane the loop guard stopped relaunching.
        st.panes.entry("%4".into()).or_default().left_alone = Some(crate::state::LeftAlone {
            at: t("2026-11-30T12:00:00Z"),
            reason: "relaunched 3 times in the last 30 min".into(),
            claude_pid: None,
        });
        assert_eq!(
            seg(&st, None),
            format!(
                "#[fg=green]claude:main#[fg=red,bold] ⚠1 unwatched#[fg=red,bold] ⚠1 left alone#[fg=red,bold] ⚠login:backup{end}"
            )
        );
    }

    #[test]
    fn the_active_accounts_limits_show_while_their_windows_run() {
        use crate::statusline::{Usage, Window};
        let now = t("2026-11-30T12:00:00Z");
        let usage = Usage {
            five_hour: Some(Window { used_percentage: 42.4, resets_at: Some(t("2026-11-30T14:00:00Z")) }),
            seven_day: Some(Window { used_percentage: 9.6, resets_at: Some(t("2026-12-03T09:00:00Z")) }),
            recorded_at: t("2026-11-30T11:00:00Z"),
            model: None,
            session_id: None,
        };
        let s = build(&cfg(), &State::default(), &Pointer::Account("main".into()), None, now)
            .with_usage(|a| (a == "main").then(|| usage.clone()));
        let end = "#[fg=default,nobold]";
        assert_eq!(render_tmux(&s, &TmuxStyle::default(), now), format!("#[fg=green]claude:main 5h 42% · 7d 10%{end}"));
        // after the 5-hour reset its figure is unknown until a session renders again
        let later = t("2026-11-30T14:00:01Z");
        assert_eq!(render_tmux(&s, &TmuxStyle::default(), later), format!("#[fg=green]claude:main 7d 10%{end}"));
        let h = render_human(&s, &cfg(), std::path::Path::new("/h"), now, &jiff::tz::TimeZone::UTC);
        assert!(
            h.contains("usage: 5h 42% (resets 14:00 UTC) · 7d 10% (resets Dec 3, 09:00 UTC), as of 11:00 UTC"),
            "{h}"
        );
        let j = serde_json::to_value(&s).unwrap();
        assert_eq!(j["accounts"][0]["usage"]["five_hour"]["used_percentage"], 42.4);
        assert_eq!(j["accounts"][0]["usage"]["five_hour"]["resets_at"], "2026-11-30T14:00:00Z");
        assert_eq!(j["accounts"][0]["usage"]["recorded_at"], "2026-11-30T11:00:00Z");
        assert!(j["accounts"][1].get("usage").is_none(), "unknown: the key is left out");
    }

    #[test]
    fn the_segment_undoes_only_what_it_set() {
        // A theme's colours before the segment survive after it: no #[default].
        assert_eq!(reset_of(&["fg=green", "fg=yellow", "fg=cyan", "fg=red,bold"]), "fg=default,nobold");
        assert_eq!(reset_of(&["bg=colour235 fg=white italics"]), "bg=default,fg=default,noitalics");
        assert_eq!(reset_of(&["align=right", "none"]), "fg=default");
        assert!(
            !render_tmux(
                &build(&cfg(), &State::default(), &Pointer::Account("main".into()), None, t("2026-11-30T12:00:00Z")),
                &TmuxStyle::default(),
                t("2026-11-30T12:00:00Z")
            )
            .contains("#[default]")
        );
    }

    #[test]
    fn a_swap_under_way_says_how_many_panes_are_back() {
        use crate::state::{Phase, SwapInProgress};
        let now = t("2026-11-30T12:00:00Z");
        let st = State {
            swap: Some(SwapInProgress {
                from: "main".into(),
                to: "backup".into(),
                phase: Phase::Resuming,
                started: now,
                reason: "limit".into(),
                panes: Vec::new(),
                relaunched: vec!["%1".into(), "%2".into(), "%3".into()],
                coming_back: 10,
            }),
            ..State::default()
        };
        let s = build(&cfg(), &st, &Pointer::Account("backup".into()), None, now);
        assert!(render_tmux(&s, &TmuxStyle::default(), now).contains("→backup… 3/10"));
        let human = render_human(&s, &cfg(), std::path::Path::new("/home/u"), now, &jiff::tz::TimeZone::UTC);
        assert!(human.contains("3 of 10 panes back on backup, 7 still coming back"), "{human}");
        assert!(render_swapping("main", "backup", 1, 10, &TmuxStyle::default()).contains("claude:main→backup… 1/10"));
    }
}
