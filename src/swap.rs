//! The swap state machine (SPEC §5): save → flip `claude_dir` → ensure links → commit → relaunch,
//! with rollback, a sticky degraded state, the `waiting` state when every account is exhausted,
//! and the scheduled return to the primary.
//!
//! The engine takes its collaborators — config, state store, clock, the [`Fleet`] of Claude panes,
//! an event sink — so it runs the same against tmux or a fake. Invariants a newcomer could break:
//! (1) the active account changes only after the target's links are sound, and on any failure
//! before that point nothing is relaunched; (2) every phase is persisted *before* its side
//! effect, so a crash at any point is rolled back (before commit) or finished (after commit) by
//! [`Engine::finish_interrupted`]; (3) a degraded state is sticky until `recover` clears it.

use std::path::Path;

use anyhow::Result;
use jiff::Timestamp;
use serde_json::json;

use crate::clock::{Clock, fmt_utc};
use crate::config::{Account, Config};
use crate::events::Sink;
use crate::faults::Faults;
use crate::links::{self, Pointer};
use crate::login::{self, Login};
use crate::state::{Degraded, Phase, Return, SavedPane, State, Store, SwapInProgress, SwapRecord, Waiting};

mod models;
mod no_panes;
mod resuming;
mod turns;

pub use no_panes::NoPanes;

pub use turns::{Crossing, crossing};

/// The Claude panes a swap moves. The real one drives tmux; tests use a fake.
pub trait Fleet: Sync {
    /// Every pane running Claude now, with its cwd, account and session.
    fn discover(&self) -> Result<Vec<SavedPane>>;
    /// New panes (and `tmux new-window`) start on `home`.
    fn point_new_panes(&self, home: &Path) -> Result<()>;
    /// Before any pane starts on `to`: carry each pane's folder trust to `to`'s `.claude.json`.
    /// All at once and first, because a claude that starts rewrites that file from memory and
    /// would erase trust written for the next pane. Returns problems (non-fatal).
    fn prepare(&self, panes: &[SavedPane], to: &Account) -> Vec<String>;
    /// Stop claude in the pane and start it again on `to`, resuming its session with the pane's
    /// own arguments; type the resume prompt when the pane was mid-turn (`resume_prompt_when`).
    /// Called from several threads at once, one pane each.
    fn relaunch(&self, pane: &SavedPane, to: &Account) -> Result<Relaunched>;
    /// The pane stays on its account (its limit has reset): type the resume prompt.
    fn nudge(&self, pane: &SavedPane) -> Result<()>;
    /// Named sessions recreated, the pool renewed. Returns problems, each already non-fatal.
    fn maintain_sessions(&self, to: &Account) -> Vec<String>;
    /// Tell the user (`[notify]`); a failure is an event.
    fn notify(&self, _events: &dyn Sink, _message: &str) {}
    /// The panes the user is looking at (the active pane of each attached client's window): they
    /// come back right after the interrupted ones.
    fn focused(&self) -> Vec<String> {
        Vec::new()
    }
    /// How many claudes may start at once: a cold start is CPU-bound, and starting every pane
    /// together makes the one the user waits for as slow as the last.
    fn start_slots(&self) -> usize {
        std::thread::available_parallelism().map_or(2, |n| n.get()).max(1)
    }
    /// `back` of `of` panes are back on `to` (shown as the swap goes).
    fn progress(&self, _from: &str, _to: &str, _back: usize, _of: usize) {}
}

/// How a relaunched pane was left.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Relaunched {
    /// Its claude is back and took the resume prompt; `false`: nothing was typed (it was idle,
    /// `resume_prompt_when = "never"`, or a session with nothing to continue).
    pub prompted: bool,
    /// The arguments its claude was started with; `None` when none was started (it already ran
    /// on the target: a relaunch a crash interrupted).
    pub args: Option<Vec<String>>,
    /// What of its own arguments was left out, and why (each said in an event).
    pub left_out: Vec<String>,
    /// Why it counts as mid-turn when that was learnt only after it was saved (its transcript
    /// read again once its claude had stopped).
    pub interrupted: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Trigger {
    /// The user asked (`swap`, the key binding). No cooldown; `to` forces the target.
    Manual { to: Option<String> },
    /// A detection: `account` hit its limit (`auth`: it needs a login). `model`: the limit is
    /// about that model family only (`opus`), not the account.
    Limit { account: String, until: Option<Timestamp>, text: String, auth: bool, model: Option<String> },
    /// The scheduled return to the primary is due (busy panes move at their next turn boundary).
    Return,
    /// The active account's recorded usage crossed `switch_at_percent`: move at turn boundaries.
    Threshold(Crossing),
    /// Waiting for a reset, and the earliest one has come.
    WaitOver,
    /// A timer fired (cooldown over, daemon start): swap if the active account is still
    /// exhausted or logged out and nothing else is in progress.
    Reconcile,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    Swapped {
        from: String,
        to: String,
        relaunched: Vec<String>,
        failed: Vec<(String, String)>,
    },
    /// Every account is exhausted: nothing flipped; resume at `until` on `account`.
    Waiting {
        account: String,
        until: Timestamp,
    },
    /// After waiting, the reset account was the active one: its panes were nudged in place.
    Resumed {
        account: String,
        panes: usize,
    },
    /// A model-scoped limit: the panes of `from` that use that model moved to `to`, each with
    /// its own `CLAUDE_CONFIG_DIR`; `~/.claude` and every other pane stayed.
    Moved {
        from: String,
        to: String,
        model: String,
        relaunched: Vec<String>,
        failed: Vec<(String, String)>,
    },
    Skipped(String),
}

#[derive(Debug, thiserror::Error)]
pub enum SwapError {
    #[error(
        "swap refused: a previous swap was left half-done and the tool is in a degraded state ({0}); check ~/.claude and the account links, then run 'claude-failover recover'"
    )]
    Degraded(String),
    #[error("swap cancelled, {from} stays active: {reason}")]
    Cancelled { from: String, reason: String },
    #[error(
        "partial swap: ensuring the target's links failed ({ensure}) and pointing claude_dir back also failed ({rollback}); the tool is now degraded: fix claude_dir by hand, then run 'claude-failover recover'"
    )]
    Partial { ensure: String, rollback: String },
    #[error("{0}")]
    NoTarget(String),
    #[error(transparent)]
    Other(#[from] anyhow::Error),
}

impl SwapError {
    /// The message with every cause (`cannot open lock file X: Read-only file system`).
    pub fn full(&self) -> String {
        match self {
            SwapError::Other(inner) => format!("{inner:#}"),
            other => other.to_string(),
        }
    }
}

/// The account a swap would move to: the first in config order that is not `current`, not
/// exhausted at `now`, not waiting for a login, and whose home holds a login on disk
/// ([`login::login_state`]). `Err` carries the earliest reset (account, instant) when there is
/// none, or `None` when no reset can help (every account needs a login).
pub fn pick_target<'c>(
    cfg: &'c Config,
    st: &State,
    current: &str,
    now: Timestamp,
) -> Result<&'c Account, Option<(String, Timestamp)>> {
    choose_target(cfg, st, current, now).target
}

/// [`pick_target`], with the accounts it passed over for want of a login on disk.
pub struct Choice<'c> {
    pub target: Result<&'c Account, Option<(String, Timestamp)>>,
    /// Every account other than `current`, not already marked needs-login, whose home has no
    /// usable login (config order): the swap says so, naming the command that logs it in.
    pub no_login: Vec<(&'c Account, Login)>,
}

pub fn choose_target<'c>(cfg: &'c Config, st: &State, current: &str, now: Timestamp) -> Choice<'c> {
    // Each home is read once per choice: two small files.
    let logins: Vec<Login> = cfg.accounts.iter().map(|a| login::login_state(&a.home, now)).collect();
    let usable = |i: usize| !st.account(&cfg.accounts[i].name).needs_login && logins[i].is_ok();
    let no_login = cfg
        .accounts
        .iter()
        .zip(&logins)
        .filter(|(a, l)| a.name != current && !st.account(&a.name).needs_login && !l.is_ok())
        .map(|(a, l)| (a, l.clone()))
        .collect();
    let found = (0..cfg.accounts.len()).find(|&i| {
        cfg.accounts[i].name != current && usable(i) && !st.account(&cfg.accounts[i].name).exhausted_at(now)
    });
    let target = match found {
        Some(i) => Ok(&cfg.accounts[i]),
        None => Err((0..cfg.accounts.len())
            .filter(|&i| usable(i))
            .map(|i| {
                let a = &cfg.accounts[i];
                (a.name.clone(), st.account(&a.name).exhausted_until.filter(|t| *t > now).unwrap_or(now))
            })
            .min_by_key(|(_, t)| *t)),
    };
    Choice { target, no_login }
}

/// A reset read off the screen (to the minute, taken as that minute's end) that says no more
/// than the exact second already recorded within that minute (from the transcript): keep the
/// exact one.
fn same_minute_but_coarser(new: Option<Timestamp>, old: Option<Timestamp>) -> bool {
    let (Some(new), Some(old)) = (new, old) else { return false };
    new.subsec_nanosecond() == 0
        && new.as_second().rem_euclid(60) == 0
        && old < new
        && new.duration_since(old) <= jiff::SignedDuration::from_secs(60)
}

/// When to go back to the primary: its reset + grace, if we are away from it because it is
/// exhausted. Otherwise leave the schedule as it is (a manual swap away schedules nothing).
pub fn schedule_return(cfg: &Config, st: &mut State, now: Timestamp) {
    let primary = cfg.primary.clone();
    if !cfg.swap.return_to_primary || st.active.as_deref() == Some(primary.as_str()) {
        st.return_to = None;
        return;
    }
    let p = st.account(&primary);
    if p.needs_login {
        st.return_to = None;
    } else if let Some(until) =
        [p.exhausted_until, st.thresholds.get(&primary).copied()].into_iter().flatten().filter(|u| *u > now).max()
    {
        let at = until.checked_add(cfg.swap.return_grace).unwrap_or(until);
        st.return_to = Some(Return { to: primary, at });
    }
}

pub struct Engine<'a> {
    pub cfg: &'a Config,
    pub store: &'a Store,
    pub clock: &'a dyn Clock,
    pub fleet: &'a dyn Fleet,
    pub events: &'a dyn Sink,
    pub faults: Faults,
}

impl Engine<'_> {
    /// The active account: what `claude_dir` points at (the ground truth new claudes follow),
    /// else the recorded one, else the primary.
    pub fn current(&self, st: &State) -> String {
        match links::read_pointer(self.cfg) {
            Pointer::Account(a) => a,
            _ => {
                st.active.clone().filter(|a| self.cfg.account(a).is_some()).unwrap_or_else(|| self.cfg.primary.clone())
            }
        }
    }

    /// Run one trigger to completion. Holds the swap lock throughout, so triggers from the
    /// daemon, a key binding and the CLI are serialised.
    pub fn run(&self, trigger: Trigger) -> Result<Outcome, SwapError> {
        let _swap_lock = self.store.swap_lock()?;
        self.finish_interrupted_locked()?;
        let now = self.clock.now();
        let mut st = self.store.load()?;
        if let Some(d) = &st.degraded {
            return Err(SwapError::Degraded(d.reason.clone()));
        }
        let current = self.current(&st);
        match trigger {
            Trigger::Manual { to } => {
                let target = match to {
                    Some(name) => {
                        let a = self.cfg.account(&name).ok_or_else(|| {
                            SwapError::NoTarget(format!(
                                "no account named {name:?}; configured: {}",
                                self.cfg.accounts.iter().map(|a| a.name.as_str()).collect::<Vec<_>>().join(", ")
                            ))
                        })?;
                        if a.name == current {
                            return Ok(Outcome::Skipped(format!("{name} is already the active account")));
                        }
                        // Asked for by name, but an account with no login on disk would leave
                        // every relaunched pane at a login prompt: refuse before anything moves.
                        let l = login::login_state(&a.home, now);
                        if !l.is_ok() {
                            let problem = self.no_login(a, &l);
                            return Err(SwapError::NoTarget(format!(
                                "swap to {name} refused, no pane was moved: {problem}"
                            )));
                        }
                        let s = st.account(&name);
                        if s.exhausted_at(now) || s.needs_login {
                            self.events.emit(
                                "warning",
                                &format!("swapping to {name} on request although it is marked exhausted or logged out"),
                                json!({"account": name}),
                            );
                        }
                        a
                    }
                    None => {
                        let choice = self.choose(&st, &current, now);
                        match choice.target {
                            Ok(a) => a,
                            Err(_) => return Err(SwapError::NoTarget(self.why_no_target(&st, &current, &choice, now))),
                        }
                    }
                };
                self.swap(&current, target, "manual swap", false)
            }
            Trigger::Limit { account, until, text, auth, model: Some(model) } if !auth => {
                let until = until.unwrap_or_else(|| now.checked_add(self.cfg.swap.fallback_reset).unwrap_or(now));
                self.model_limit(&account, &model, until, &text, &current, now)
            }
            Trigger::Limit { account, until, text, auth, .. } => {
                let until = if auth {
                    None
                } else {
                    Some(until.unwrap_or_else(|| now.checked_add(self.cfg.swap.fallback_reset).unwrap_or(now)))
                };
                self.store.update(|s| {
                    let a = s.account_mut(&account);
                    if auth {
                        a.needs_login = true;
                    } else if !same_minute_but_coarser(until, a.exhausted_until) {
                        // The printed time can move on a retry: the latest message wins.
                        a.exhausted_until = until;
                    }
                    a.reason = Some(text.clone());
                    schedule_return(self.cfg, s, now);
                    Ok(())
                })?;
                self.events.emit(
                    if auth { "needs_login" } else { "exhausted" },
                    &format!(
                        "{account} {}: {text}",
                        match until {
                            Some(u) => format!("exhausted until {}", fmt_utc(u)),
                            None => "needs a login (/login)".into(),
                        }
                    ),
                    json!({"account": account, "until": until.map(fmt_utc), "text": text}),
                );
                st = self.store.load()?;
                if account != current {
                    // Panes a model limit moved run there: they move on, `~/.claude` stays.
                    return self.move_panes(&account, None, &current, now);
                }
                self.auto_swap(&st, &current, &format!("{account}: {text}"), now)
            }
            Trigger::Return => {
                let Some(ret) = st.return_to.clone() else { return Ok(Outcome::Skipped("no return scheduled".into())) };
                if ret.at > now {
                    return Ok(Outcome::Skipped(format!("return is due at {}", fmt_utc(ret.at))));
                }
                if current == ret.to {
                    self.store.update(|s| {
                        s.return_to = None;
                        Ok(())
                    })?;
                    return Ok(Outcome::Skipped(format!("{current} is already active")));
                }
                let p = st.account(&ret.to);
                if p.needs_login || p.exhausted_at(now) {
                    self.store.update(|s| {
                        s.return_to = None;
                        schedule_return(self.cfg, s, now);
                        Ok(())
                    })?;
                    return Ok(Outcome::Skipped(format!("{} is exhausted again; return postponed", ret.to)));
                }
                let target = self
                    .cfg
                    .account(&ret.to)
                    .ok_or_else(|| SwapError::NoTarget(format!("{} is no longer configured", ret.to)))?;
                let l = login::login_state(&target.home, now);
                if !l.is_ok() {
                    // Cancelled rather than retried every tick: the user logs in, then swaps back.
                    self.store.update(|s| {
                        s.return_to = None;
                        Ok(())
                    })?;
                    let problem = self.no_login(target, &l);
                    return Ok(Outcome::Skipped(format!(
                        "return to {} cancelled: {problem}; then run 'claude-failover swap --to {}'",
                        ret.to, ret.to
                    )));
                }
                self.swap(&current, target, "return to the primary after its reset", true)
            }
            Trigger::Threshold(c) => self.threshold(&st, &current, c),
            Trigger::Reconcile => {
                let a = st.account(&current);
                if st.waiting.is_some() || !(a.needs_login || a.exhausted_at(now)) {
                    return Ok(Outcome::Skipped(format!("{current} is usable")));
                }
                let reason = format!("{current} is still {}", if a.needs_login { "logged out" } else { "exhausted" });
                self.auto_swap(&st, &current, &reason, now)
            }
            Trigger::WaitOver => {
                let Some(w) = st.waiting.clone() else { return Ok(Outcome::Skipped("not waiting".into())) };
                if w.until > now {
                    return Ok(Outcome::Skipped(format!("waiting until {}", fmt_utc(w.until))));
                }
                match self.choose(&st, "", now).target {
                    Ok(a) if a.name == current => {
                        let panes: Vec<SavedPane> = self
                            .fleet
                            .discover()?
                            .into_iter()
                            .filter(|p| p.account.as_deref().is_none_or(|x| x == current))
                            .collect();
                        for p in &panes {
                            if let Err(e) = self.fleet.nudge(p) {
                                self.events.emit(
                                    "relaunch_failed",
                                    &format!("{}: {e:#}", p.pane),
                                    json!({"pane": p.pane}),
                                );
                            }
                        }
                        self.store.update(|s| {
                            s.waiting = None;
                            Ok(())
                        })?;
                        self.events.emit(
                            "resumed",
                            &format!("{current} has reset; {} pane(s) resumed in place", panes.len()),
                            json!({"account": current}),
                        );
                        Ok(Outcome::Resumed { account: current, panes: panes.len() })
                    }
                    Ok(a) => self.swap(&current, a, "a reset came while waiting", false),
                    Err(_) => self.enter_waiting(&current, now),
                }
            }
        }
    }

    /// [`choose_target`], saying (an event each) which accounts it passed over for want of a
    /// login on disk and the command that logs each in.
    fn choose(&self, st: &State, current: &str, now: Timestamp) -> Choice<'_> {
        let choice = choose_target(self.cfg, st, current, now);
        for (a, l) in &choice.no_login {
            self.no_login(a, l);
        }
        choice
    }

    /// Say that `a` cannot be swapped to for want of a login; returns the sentence.
    fn no_login(&self, a: &Account, l: &Login) -> String {
        let problem = login::problem(&a.name, &a.home, l, &self.cfg.claude_command);
        self.events.emit(
            "no_login",
            &format!("{problem}; it is skipped as a swap target"),
            json!({"account": a.name, "home": a.home, "command": login::login_command(&a.home, &self.cfg.claude_command)}),
        );
        problem
    }

    /// Why a manual swap found no target: every other account, each with its reason.
    fn why_no_target(&self, st: &State, current: &str, choice: &Choice, now: Timestamp) -> String {
        let reasons: Vec<String> = self
            .cfg
            .accounts
            .iter()
            .filter(|a| a.name != current)
            .map(|a| {
                let s = st.account(&a.name);
                if let Some((_, l)) = choice.no_login.iter().find(|(x, _)| x.name == a.name) {
                    login::problem(&a.name, &a.home, l, &self.cfg.claude_command)
                } else if s.needs_login {
                    format!("{} needs a login (a limit message said so): run /login in a Claude pane on it", a.name)
                } else {
                    match s.exhausted_until.filter(|t| *t > now) {
                        Some(t) => format!("{} is exhausted until {}", a.name, fmt_utc(t)),
                        None => format!("{} cannot be used", a.name),
                    }
                }
            })
            .collect();
        format!("no other account is available, no pane was moved: {}", reasons.join("; "))
    }

    /// The no-login accounts of a choice, as a suffix for an error message.
    fn login_problems(&self, choice: &Choice) -> String {
        choice
            .no_login
            .iter()
            .map(|(a, l)| format!("; {}", login::problem(&a.name, &a.home, l, &self.cfg.claude_command)))
            .collect()
    }

    /// The active account is exhausted: swap unless paused or in cooldown; wait if no target.
    fn auto_swap(&self, st: &State, current: &str, reason: &str, now: Timestamp) -> Result<Outcome, SwapError> {
        if st.paused {
            return Ok(Outcome::Skipped("automatic swaps are paused".into()));
        }
        if let Some(last) = &st.last_swap {
            let free_at = last.at.checked_add(self.cfg.swap.cooldown).unwrap_or(last.at);
            if free_at > now {
                return Ok(Outcome::Skipped(format!("cooldown until {}", fmt_utc(free_at))));
            }
        }
        match self.choose(st, current, now).target {
            Ok(target) => self.swap(current, target, reason, false),
            Err(_) => self.enter_waiting(current, now),
        }
    }

    fn enter_waiting(&self, current: &str, now: Timestamp) -> Result<Outcome, SwapError> {
        let st = self.store.load()?;
        let choice = choose_target(self.cfg, &st, current, now);
        let Err(Some((account, until))) = choice.target else {
            return Err(SwapError::NoTarget(format!(
                "every account needs a login: run /login in a Claude pane{}",
                self.login_problems(&choice)
            )));
        };
        let panes = self.fleet.discover().unwrap_or_default();
        self.store.update(|s| {
            s.waiting = Some(Waiting { since: now, until, account: account.clone(), panes: panes.clone() });
            Ok(())
        })?;
        self.events.emit(
            "waiting",
            &format!("every account is exhausted; resuming on {account} at {}", fmt_utc(until)),
            json!({"account": account, "until": fmt_utc(until)}),
        );
        Ok(Outcome::Waiting { account, until })
    }

    /// The machine proper, from `from` to `to`. `at_turns` (no limit forces the move): a pane
    /// mid-turn is left running and moves at its next turn boundary (`turns.rs`).
    fn swap(&self, from: &str, to: &Account, reason: &str, at_turns: bool) -> Result<Outcome, SwapError> {
        let now = self.clock.now();
        self.events.emit(
            "swap_started",
            &format!("{from} -> {}: {reason}", to.name),
            json!({"from": from, "to": to.name}),
        );

        // 1. Save.
        self.set_phase(from, &to.name, Phase::Saving, reason, Vec::new())?;
        let panes = match self.fleet.discover() {
            Ok(p) => p,
            Err(e) => {
                self.events.emit("warning", &format!("could not list Claude panes: {e:#}"), json!({}));
                Vec::new()
            }
        };
        let all = panes.clone();
        let (panes, held) = if at_turns { self.hold_busy(panes, from) } else { (panes, Vec::new()) };
        self.store.update(|s| {
            if let Some(sw) = s.swap.as_mut() {
                sw.panes = panes.clone();
                sw.phase = Phase::Switching;
            }
            Ok(())
        })?;

        self.faults.hit("swap.saved")?;

        // 2. Flip, then ensure the target's links; roll back on failure.
        if let Err(e) = self.faults.hit("swap.flip").and_then(|()| links::flip_pointer(&self.cfg.claude_dir, &to.home))
        {
            self.clear_swap()?;
            let reason = format!("{e:#}");
            self.events.emit("swap_cancelled", &reason, json!({"from": from, "to": to.name}));
            return Err(SwapError::Cancelled { from: from.into(), reason });
        }
        self.faults.hit("swap.after_flip")?;
        // The home itself is never created here: a home that does not exist has no login.
        let report = links::ensure_existing_account(&to.home, &self.cfg.shared);
        let injected = self.faults.hit("swap.ensure").err().map(|e| e.to_string());
        if !report.ok() || injected.is_some() {
            let mut problems: Vec<String> = report.problems.iter().map(ToString::to_string).collect();
            problems.extend(injected);
            return Err(self.roll_back(from, &to.name, problems.join("; ")));
        }
        self.faults.hit("swap.after_ensure")?;

        // 3. Commit: from here on, a crash finishes the swap instead of undoing it.
        self.store.update(|s| {
            s.active = Some(to.name.clone());
            s.last_swap = Some(SwapRecord { from: from.into(), to: to.name.clone(), at: now });
            s.waiting = None;
            if let Some(sw) = s.swap.as_mut() {
                sw.phase = Phase::Resuming;
            }
            schedule_return(self.cfg, s, now);
            Self::record_deferred(s, &all, &held, from, &to.name, reason, now);
            Ok(())
        })?;
        self.say_deferred(&held, &to.name);
        if let Err(e) = self.fleet.point_new_panes(&to.home) {
            self.events.emit("warning", &format!("could not set CLAUDE_CONFIG_DIR for new panes: {e:#}"), json!({}));
        }
        let (relaunched, failed, left) = self.relaunch_all(from, to, &panes, &[]);
        for problem in self.fleet.maintain_sessions(to) {
            self.events.emit("warning", &problem, json!({}));
        }
        self.clear_swap()?;
        let mut tail = String::new();
        if !failed.is_empty() {
            tail += &format!(", {} failed", failed.len());
        }
        if !left.is_empty() {
            tail += &format!(", {} left alone", left.len());
        }
        if !held.is_empty() {
            tail += &format!(", {} moving when idle", held.len());
        }
        self.events.emit(
            "swap",
            &format!("{from} -> {}: {} pane(s) resumed{tail}", to.name, relaunched.len()),
            json!({"from": from, "to": to.name, "relaunched": relaunched, "failed": failed.iter().map(|f| &f.0).collect::<Vec<_>>(), "left_alone": left, "reason": reason}),
        );
        Ok(Outcome::Swapped { from: from.into(), to: to.name.clone(), relaunched, failed })
    }

    fn set_phase(&self, from: &str, to: &str, phase: Phase, reason: &str, panes: Vec<SavedPane>) -> Result<()> {
        let now = self.clock.now();
        self.store.update(|s| {
            s.swap = Some(SwapInProgress {
                from: from.into(),
                to: to.into(),
                phase,
                started: now,
                reason: reason.into(),
                panes,
                relaunched: Vec::new(),
                coming_back: 0,
            });
            Ok(())
        })
    }

    fn clear_swap(&self) -> Result<()> {
        self.store.update(|s| {
            s.swap = None;
            Ok(())
        })
    }

    /// Ensure failed after the flip: point `claude_dir` back. If that fails too → degraded.
    fn roll_back(&self, from: &str, to: &str, ensure: String) -> SwapError {
        let back = self.cfg.account(from).map(|a| a.home.clone());
        let rollback = match back {
            Some(home) => self
                .faults
                .hit("swap.rollback")
                .and_then(|()| links::flip_pointer(&self.cfg.claude_dir, &home))
                .map_err(|e| format!("{e:#}")),
            None => Err(format!("{from} is not a configured account, so there is nothing to point back at")),
        };
        match rollback {
            Ok(()) => {
                let _ = self.clear_swap();
                self.events.emit(
                    "swap_cancelled",
                    &format!("{to}'s links are not sound: {ensure}"),
                    json!({"from": from, "to": to}),
                );
                SwapError::Cancelled { from: from.into(), reason: format!("{to}'s links are not sound: {ensure}") }
            }
            Err(rollback) => {
                let now = self.clock.now();
                let _ = self.store.update(|s| {
                    s.swap = None;
                    s.degraded = Some(Degraded {
                        since: now,
                        reason: format!("swap {from} -> {to}: ensure failed ({ensure}); rollback failed ({rollback})"),
                    });
                    Ok(())
                });
                self.events.emit(
                    "degraded",
                    &format!("ensure: {ensure}; rollback: {rollback}"),
                    json!({"from": from, "to": to}),
                );
                SwapError::Partial { ensure, rollback }
            }
        }
    }

    /// Deal with a swap a crash interrupted: before commit → roll back; after → finish.
    pub fn finish_interrupted(&self) -> Result<Option<Outcome>, SwapError> {
        let _swap_lock = self.store.swap_lock()?;
        self.finish_interrupted_locked()
    }

    fn finish_interrupted_locked(&self) -> Result<Option<Outcome>, SwapError> {
        let st = self.store.load()?;
        let Some(sw) = st.swap.clone() else { return Ok(None) };
        match sw.phase {
            Phase::Saving => {
                self.clear_swap()?;
                self.events.emit(
                    "recovered",
                    &format!("an interrupted swap {} -> {} had changed nothing; dropped", sw.from, sw.to),
                    json!({}),
                );
                Ok(None)
            }
            Phase::Switching => {
                match self.roll_back(&sw.from, &sw.to, "the swap was interrupted before it was committed".into()) {
                    SwapError::Cancelled { .. } => {
                        self.events.emit(
                            "recovered",
                            &format!("rolled back an interrupted swap {} -> {}", sw.from, sw.to),
                            json!({}),
                        );
                        Ok(None)
                    }
                    e => Err(e),
                }
            }
            Phase::Resuming => {
                let Some(to) = self.cfg.account(&sw.to).cloned() else {
                    self.clear_swap()?;
                    return Ok(None);
                };
                // The pointer must be the target now; make sure (the flip may have been undone by hand).
                if links::read_pointer(self.cfg) != Pointer::Account(to.name.clone()) {
                    links::flip_pointer(&self.cfg.claude_dir, &to.home)?;
                }
                let (relaunched, failed, _) = self.relaunch_all(&sw.from, &to, &sw.panes, &sw.relaunched);
                for problem in self.fleet.maintain_sessions(&to) {
                    self.events.emit("warning", &problem, json!({}));
                }
                self.clear_swap()?;
                self.events.emit(
                    "recovered",
                    &format!("finished an interrupted swap {} -> {}", sw.from, sw.to),
                    json!({}),
                );
                Ok(Some(Outcome::Swapped { from: sw.from, to: sw.to, relaunched, failed }))
            }
        }
    }
}

/// `recover`: re-check every link and `claude_dir`; clear `degraded` only when all is sound.
pub fn recover(cfg: &Config, store: &Store, clock: &dyn Clock, events: &dyn Sink) -> Result<Vec<String>> {
    let mut problems: Vec<String> =
        links::ensure_all(&cfg.accounts, &cfg.shared, true).problems.iter().map(ToString::to_string).collect();
    let pointer = links::read_pointer(cfg);
    if let Some(p) = links::pointer_problem(cfg, &pointer) {
        problems.push(p);
    }
    let st = store.load()?;
    if let Some(sw) = &st.swap {
        problems.push(format!("a swap {} -> {} is still in progress; the daemon finishes it on start", sw.from, sw.to));
    }
    if !problems.is_empty() {
        return Ok(problems);
    }
    let Pointer::Account(active) = pointer else { return Ok(problems) };
    let now = clock.now();
    let was = store.update(|s| {
        let was = s.degraded.take();
        // `recover` is the user saying "I have looked": a repaired state file is acknowledged.
        s.repaired = None;
        s.active = Some(active.clone());
        schedule_return(cfg, s, now);
        Ok(was)
    })?;
    if let Some(d) = was {
        events.emit(
            "recovered",
            &format!("degraded state cleared ({}); {active} is active", d.reason),
            json!({"active": active}),
        );
    }
    Ok(Vec::new())
}

#[cfg(test)]
#[path = "swap_tests.rs"]
mod tests;
