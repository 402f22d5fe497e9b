//! Moves at turn boundaries (issue 15): a move no limit forces — the return to the primary, a
//! usage threshold — flips `claude_dir` at once and relaunches the idle panes, but leaves a pane
//! whose claude is mid-turn (registry `busy`) running, recorded in `State.deferred`; the daemon
//! moves it at its next idle moment ([`Engine::settle_deferred`], on a registry change).
//!
//! Invariants a newcomer could break: a deferred pane is never stopped while its registry says
//! busy; a record whose pane is gone, whose claude exited or was replaced, or which already runs
//! on its target is dropped, never acted on; a threshold moves away from an account at most once
//! per window (`State.thresholds`) and never onto an account at or above the threshold.

use jiff::{SignedDuration, Timestamp};
use serde_json::json;

use super::{Engine, Outcome, SwapError, choose_target};
use crate::clock::fmt_utc;
use crate::config::Config;
use crate::state::{Deferred, SavedPane, State};
use crate::statusline::{self, Usage};

/// Recorded usage older than this does not trigger a threshold (no claude rendered since).
const FRESH: SignedDuration = SignedDuration::from_mins(10);

/// The active account's usage crossed `switch_at_percent` (see [`crossing`]).
#[derive(Debug, Clone, PartialEq)]
pub struct Crossing {
    pub account: String,
    pub percent: f64,
    /// `5-hour` or `7-day`: the window that crossed.
    pub window: String,
    /// When that window resets: the return to the primary is scheduled from it.
    pub until: Timestamp,
    /// Other accounts whose own recorded usage is at or above the threshold: never a target.
    pub avoid: Vec<String>,
}

/// Whether a threshold move is due now: `switch_at_percent` is set, `active`'s usage was
/// recorded within [`FRESH`] and one of its running windows is at or above it, this window has
/// not moved it away already, and nothing else (a swap, a wait, a pause, a cooldown) holds.
pub fn crossing(
    cfg: &Config,
    st: &State,
    active: &str,
    usage: &dyn Fn(&str) -> Option<Usage>,
    now: Timestamp,
) -> Option<Crossing> {
    let at = cfg.swap.switch_at_percent?;
    if st.paused || st.swap.is_some() || st.waiting.is_some() || st.degraded.is_some() {
        return None;
    }
    if st.thresholds.get(active).is_some_and(|t| *t > now) || st.account(active).exhausted_at(now) {
        return None;
    }
    if let Some(last) = &st.last_swap
        && last.at.checked_add(cfg.swap.cooldown).unwrap_or(last.at) > now
    {
        return None;
    }
    let u = usage(active).filter(|u| u.age(now) <= FRESH)?;
    let (window, w, percent) = [("5-hour", u.five_hour), ("7-day", u.seven_day)]
        .into_iter()
        .filter_map(|(name, w)| {
            let w = w?;
            Some((name, w, w.used_at(now)?))
        })
        .filter(|(_, _, p)| *p >= at)
        .max_by(|a, b| a.2.total_cmp(&b.2))?;
    let until = w.resets_at.unwrap_or_else(|| now.checked_add(cfg.swap.fallback_reset).unwrap_or(now));
    let avoid = cfg
        .accounts
        .iter()
        .filter(|a| a.name != active)
        .filter(|a| usage(&a.name).and_then(|u| u.highest(now)).is_some_and(|p| p >= at))
        .map(|a| a.name.clone())
        .collect();
    Some(Crossing { account: active.to_string(), percent, window: window.to_string(), until, avoid })
}

/// A pane the registry says is mid-turn (not one whose last turn failed: that one is at a turn
/// boundary already).
fn busy(p: &SavedPane) -> bool {
    p.interrupted.as_deref() == Some("busy")
}

impl Engine<'_> {
    /// The panes a move at turn boundaries leaves running for now: those on `from` whose claude
    /// is busy. Returns (to relaunch now, to defer).
    pub(super) fn hold_busy(&self, panes: Vec<SavedPane>, from: &str) -> (Vec<SavedPane>, Vec<SavedPane>) {
        panes.into_iter().partition(|p| !(busy(p) && p.account.as_deref().is_none_or(|a| a == from)))
    }

    /// At commit: the deferred records are this move's busy panes, plus the earlier records of
    /// panes still on a third account (retargeted to `to`); the rest were moved or are there.
    pub(super) fn record_deferred(
        s: &mut State,
        all: &[SavedPane],
        held: &[SavedPane],
        from: &str,
        to: &str,
        why: &str,
        now: Timestamp,
    ) {
        let old = std::mem::take(&mut s.deferred);
        for (pane, d) in old {
            let Some(p) = all.iter().find(|p| p.pane == pane) else { continue };
            if p.account.as_deref().is_some_and(|a| a != from && a != to) {
                s.deferred.insert(pane, Deferred { to: to.into(), ..d });
            }
        }
        for p in held {
            s.deferred.insert(
                p.pane.clone(),
                Deferred { to: to.into(), since: now, why: why.into(), claude_pid: p.claude_pid },
            );
        }
    }

    /// Say which panes wait for a turn boundary.
    pub(super) fn say_deferred(&self, held: &[SavedPane], to: &str) {
        for p in held {
            self.events.emit(
                "deferred",
                &format!("{} is mid-turn: it moves to {to} when idle", p.pane),
                json!({"pane": p.pane, "to": to}),
            );
        }
    }

    /// A turn boundary may have come (a registry entry changed): move every deferred pane that
    /// is idle now, drop the records of panes gone, exited, replaced or already on their target.
    /// Returns the panes relaunched, each with the account it left.
    pub fn settle_deferred(&self) -> Result<Vec<(String, String)>, SwapError> {
        let _swap_lock = self.store.swap_lock()?;
        let st = self.store.load()?;
        if st.deferred.is_empty() || st.swap.is_some() || st.degraded.is_some() {
            return Ok(Vec::new());
        }
        let panes = self.fleet.discover()?;
        let mut done: Vec<String> = Vec::new();
        let mut moved = Vec::new();
        for (id, d) in &st.deferred {
            let p = panes.iter().find(|p| p.pane == *id);
            let to = self.cfg.account(&d.to);
            let gone = match (p, to) {
                (None, _) => Some("its claude is gone".to_string()),
                (_, None) => Some(format!("{} is no longer configured", d.to)),
                (Some(p), _) if d.claude_pid.is_some() && p.claude_pid != d.claude_pid => {
                    Some("another claude runs there now".into())
                }
                (Some(p), _) if p.account.as_deref() == Some(d.to.as_str()) => {
                    Some(format!("it runs on {} already", d.to))
                }
                _ => None,
            };
            if let Some(why) = gone {
                self.events.emit(
                    "deferred_dropped",
                    &format!("{id} no longer waits to move to {}: {why}", d.to),
                    json!({"pane": id, "to": d.to}),
                );
                done.push(id.clone());
                continue;
            }
            let (Some(p), Some(to)) = (p, to) else { continue };
            if busy(p) {
                continue;
            }
            let from = p.account.clone().unwrap_or_default();
            let (ok, failed, left) = self.relaunch_all(&from, to, std::slice::from_ref(p), &[]);
            if ok.is_empty() && failed.is_empty() && left.is_empty() {
                continue;
            }
            done.push(id.clone());
            moved.extend(ok.into_iter().map(|pane| (pane, from.clone())));
        }
        if !done.is_empty() {
            self.store.update(|s| {
                for id in &done {
                    s.deferred.remove(id);
                }
                Ok(())
            })?;
        }
        Ok(moved)
    }

    /// The active account crossed the threshold: move to another account below it, at turn
    /// boundaries, and come back when its window resets. Once per window, whatever the outcome.
    pub(super) fn threshold(&self, st: &State, current: &str, c: Crossing) -> Result<Outcome, SwapError> {
        let now = self.clock.now();
        if c.account != current {
            return Ok(Outcome::Skipped(format!("{} is not the active account ({current} is)", c.account)));
        }
        if st.thresholds.get(&c.account).is_some_and(|t| *t > now) {
            return Ok(Outcome::Skipped(format!("{} already moved away once this window", c.account)));
        }
        if st.paused {
            return Ok(Outcome::Skipped("automatic swaps are paused".into()));
        }
        let mut view = st.clone();
        let avoid = c.avoid.iter().chain(st.thresholds.iter().filter(|(_, t)| **t > now).map(|(a, _)| a));
        for a in avoid {
            view.account_mut(a).exhausted_until = Some(Timestamp::MAX);
        }
        let choice = choose_target(self.cfg, &view, current, now);
        self.store.update(|s| {
            s.thresholds.retain(|_, t| *t > now);
            s.thresholds.insert(c.account.clone(), c.until);
            Ok(())
        })?;
        let pct = statusline::percent(c.percent);
        let Ok(to) = choice.target else {
            let msg = format!(
                "{} at {pct} of its {} limit; no other account is below the threshold, so it stays",
                c.account, c.window
            );
            self.events.emit("threshold", &msg, json!({"account": c.account, "percent": c.percent}));
            return Ok(Outcome::Skipped(msg));
        };
        let msg = format!("{} at {pct} of its {} limit: moving to {} at turn boundaries", c.account, c.window, to.name);
        self.events.emit(
            "threshold",
            &msg,
            json!({"account": c.account, "percent": c.percent, "to": to.name, "until": fmt_utc(c.until)}),
        );
        self.fleet.notify(self.events, &msg);
        self.swap(current, to, &msg, true)
    }
}

#[cfg(test)]
mod tests;
