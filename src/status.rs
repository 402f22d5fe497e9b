//! What `status` shows, in three renderings (human, tmux, JSON per SPEC §7), computed from the
//! config, the state and the `claude_dir` pointer alone — no daemon needed.
//!
//! Pure: the caller passes `now`, so rendering never reads the clock.

use jiff::Timestamp;
use serde::Serialize;

use crate::clock::{fmt_countdown, fmt_utc};
use crate::config::Config;
use crate::links::Pointer;
use crate::paths::tildify;
use crate::state::State;

#[derive(Debug, Serialize)]
pub struct AccountView {
    pub name: String,
    pub home: String,
    pub exhausted_until: Option<String>,
    pub needs_login: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
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
    #[serde(skip)]
    exhausted: Vec<(String, Timestamp)>,
    #[serde(skip)]
    return_at: Option<Timestamp>,
    #[serde(skip)]
    waiting_until: Option<Timestamp>,
    #[serde(skip)]
    swapping_to: Option<String>,
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
            }
        })
        .collect();
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
            .iter()
            .map(|(id, p)| PaneView {
                pane: id.clone(),
                account: p.account.clone(),
                session_id: p.session_id.clone(),
                cwd: p.cwd.as_ref().map(|c| c.display().to_string()),
                activity: p.activity.clone(),
            })
            .collect(),
        pointer_problem,
        exhausted,
        return_at: st.return_to.as_ref().map(|r| r.at),
        waiting_until: st.waiting.as_ref().map(|w| w.until),
        swapping_to: st.swap.as_ref().map(|s| s.to.clone()),
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

/// The status-line segment: `claude:main`, `claude:backup ↩1h05m`, `claude:main→backup…`,
/// `claude:waiting 42m`, `claude:DEGRADED`. Text from config only (account names are
/// validated to `[A-Za-z0-9._-]`), so nothing here can inject tmux formats.
pub fn render_tmux(s: &Status, style: &TmuxStyle, now: Timestamp) -> String {
    let l = &style.label;
    let body = if s.degraded {
        format!("#[{}]{l}:DEGRADED", style.warn)
    } else if let Some(to) = &s.swapping_to {
        format!("#[{}]{l}:{}→{to}…", style.busy, s.active)
    } else if let Some(until) = s.waiting_until {
        format!("#[{}]{l}:waiting {}", style.warn, fmt_countdown(now, until))
    } else if let Some(at) = s.return_at {
        format!("#[{}]{l}:{} ↩{}", style.away, s.active, fmt_countdown(now, at))
    } else if s.pointer_problem.is_some() {
        format!("#[{}]{l}:{}?", style.warn, s.active)
    } else {
        format!("#[{}]{l}:{}", style.normal, s.active)
    };
    let paused = if s.paused { " ⏸" } else { "" };
    format!("{body}{paused}#[default]")
}

pub fn render_human(s: &Status, cfg: &Config, home: &std::path::Path, now: Timestamp) -> String {
    use std::fmt::Write as _;
    let mut o = String::new();
    let _ = writeln!(o, "active:   {}{}", s.active, if s.paused { " (automatic swaps paused)" } else { "" });
    let _ = writeln!(o, "state:    {}", s.state);
    if let Some(r) = &s.degraded_reason {
        let _ = writeln!(o, "DEGRADED: {r}\n          fix it, then run 'claude-failover recover'");
    }
    if let Some(p) = &s.pointer_problem {
        let _ = writeln!(o, "problem:  {p}");
    }
    let _ = writeln!(o, "accounts:");
    let width = s.accounts.iter().map(|a| a.name.len()).max().unwrap_or(0);
    for (a, cfg_a) in s.accounts.iter().zip(&cfg.accounts) {
        let mark = if a.name == s.active { "*" } else { " " };
        let cond = if a.needs_login {
            "needs login (/login)".to_string()
        } else if let Some((_, t)) = s.exhausted.iter().find(|(n, _)| *n == a.name) {
            format!("exhausted until {} (in {})", fmt_utc(*t), fmt_countdown(now, *t))
        } else {
            "ok".into()
        };
        let _ = writeln!(o, "  {mark} {:width$}  {:24}  {cond}", a.name, tildify(&cfg_a.home, home));
    }
    if let (Some(r), Some(at)) = (&s.return_to, s.return_at) {
        let _ = writeln!(o, "return:   to {} at {} (in {})", r.to, r.at, fmt_countdown(now, at));
    }
    if let (Some(w), Some(until)) = (&s.waiting, s.waiting_until) {
        let _ = writeln!(o, "waiting:  for {} at {} (in {})", w.account, w.until, fmt_countdown(now, until));
    }
    if let Some(l) = &s.last_swap {
        let _ = writeln!(o, "last swap: {} -> {} at {}", l.from, l.to, l.at);
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
        }
    }
    o
}
