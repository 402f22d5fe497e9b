//! The state machine against a fake fleet, a fixed clock and real files in a temp dir.

use std::path::{Path, PathBuf};
use std::sync::Mutex;

use jiff::{SignedDuration, Timestamp};

use super::*;
use crate::clock::FixedClock;
use crate::config;
use crate::events::Memory;

struct FakeFleet {
    panes: Vec<SavedPane>,
    relaunched: Mutex<Vec<(String, String)>>,
    nudged: Mutex<Vec<String>>,
    notified: Mutex<Vec<String>>,
    fail: Vec<String>,
}

impl FakeFleet {
    fn new(panes: Vec<SavedPane>) -> Self {
        FakeFleet {
            panes,
            relaunched: Mutex::default(),
            nudged: Mutex::default(),
            notified: Mutex::default(),
            fail: Vec::new(),
        }
    }
    fn relaunched(&self) -> Vec<(String, String)> {
        let mut v = self.relaunched.lock().unwrap().clone();
        v.sort();
        v
    }
}

impl Fleet for FakeFleet {
    fn discover(&self) -> Result<Vec<SavedPane>> {
        Ok(self.panes.clone())
    }
    fn prepare(&self, _: &[SavedPane], _: &Account) -> Vec<String> {
        Vec::new()
    }
    fn point_new_panes(&self, _: &Path) -> Result<()> {
        Ok(())
    }
    fn relaunch(&self, pane: &SavedPane, to: &Account) -> Result<Relaunched> {
        if self.fail.contains(&pane.pane) {
            anyhow::bail!("pane is stuck");
        }
        self.relaunched.lock().unwrap().push((pane.pane.clone(), to.name.clone()));
        Ok(Relaunched { prompted: pane.interrupted.is_some(), ..Relaunched::default() })
    }
    fn nudge(&self, pane: &SavedPane) -> Result<()> {
        self.nudged.lock().unwrap().push(pane.pane.clone());
        Ok(())
    }
    fn maintain_sessions(&self, _: &Account) -> Vec<String> {
        Vec::new()
    }
    fn notify(&self, _: &dyn crate::events::Sink, message: &str) {
        self.notified.lock().unwrap().push(message.to_string());
    }
}

struct World {
    _dir: tempfile::TempDir,
    root: PathBuf,
    cfg: Config,
    store: Store,
    clock: FixedClock,
    events: Memory,
}

const T0: &str = "2026-11-21T10:00:00Z";

fn world(n_accounts: usize) -> World {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().to_path_buf();
    let mut toml = String::new();
    for i in 0..n_accounts {
        toml.push_str(&format!("[[accounts]]\nname = \"a{i}\"\nhome = \"~/.claude-a{i}\"\n"));
    }
    let cfg = config::parse(&toml, &root.join("config.toml"), &root).unwrap();
    let r = links::ensure_all(&cfg.accounts, &cfg.shared, true);
    assert!(r.ok());
    links::ensure_pointer(&cfg).unwrap();
    for a in &cfg.accounts {
        log_in(&a.home);
    }
    let store = Store::open(&root.join("state")).unwrap();
    World { _dir: dir, root, cfg, store, clock: FixedClock::at(T0.parse().unwrap()), events: Memory::default() }
}

impl World {
    fn edit(&self, f: impl FnOnce(&mut State)) {
        self.store
            .update(|s| {
                f(s);
                Ok(())
            })
            .unwrap();
    }
    fn engine<'a>(&'a self, fleet: &'a dyn Fleet) -> Engine<'a> {
        self.engine_with(fleet, Faults::none())
    }
    fn engine_with<'a>(&'a self, fleet: &'a dyn Fleet, faults: Faults) -> Engine<'a> {
        Engine { cfg: &self.cfg, store: &self.store, clock: &self.clock, fleet, events: &self.events, faults }
    }
    fn pointer(&self) -> Pointer {
        links::read_pointer(&self.cfg)
    }
    fn now(&self) -> Timestamp {
        self.clock.now()
    }
    fn later(&self, mins: i64) -> Timestamp {
        self.now() + SignedDuration::from_mins(mins)
    }
    fn limit(&self, account: &str, until_mins: i64) -> Trigger {
        Trigger::Limit {
            account: account.into(),
            until: Some(self.later(until_mins)),
            text: "You've hit your session limit · resets 3pm".into(),
            auth: false,
            model: None,
        }
    }
}

/// A subscription login in `home`, as `/login` leaves it.
fn log_in(home: &Path) {
    std::fs::write(
        home.join(".credentials.json"),
        r#"{"claudeAiOauth":{"accessToken":"sk-ant-oat01-t","refreshToken":"sk-ant-ort01-t","expiresAt":1}}"#,
    )
    .unwrap();
}

fn pane(id: &str, account: &str) -> SavedPane {
    SavedPane::new(id, PathBuf::from("/p"), Some(account.into()), None)
}

#[test]
fn limit_on_active_swaps_to_next_and_schedules_return() {
    let w = world(2);
    let fleet = FakeFleet::new(vec![pane("%1", "a0"), pane("%2", "a0"), pane("%3", "a1")]);
    let out = w.engine(&fleet).run(w.limit("a0", 60)).unwrap();
    let Outcome::Swapped { from, to, relaunched, .. } = out else { panic!("{out:?}") };
    assert_eq!((from.as_str(), to.as_str(), relaunched.len()), ("a0", "a1", 2));
    // only the panes that ran on the exhausted account move
    assert_eq!(fleet.relaunched(), vec![("%1".into(), "a1".into()), ("%2".into(), "a1".into())]);
    assert_eq!(w.pointer(), Pointer::Account("a1".into()));
    let st = w.store.load().unwrap();
    assert_eq!(st.active.as_deref(), Some("a1"));
    assert_eq!(st.account("a0").exhausted_until, Some(w.later(60)));
    assert_eq!(st.return_to, Some(Return { to: "a0".into(), at: w.later(65) }));
    assert!(st.swap.is_none());
    assert_eq!(st.last_swap.unwrap().at, w.now());
    assert!(w.events.kinds().contains(&"swap".to_string()));
}

#[test]
fn target_skips_exhausted_and_logged_out_accounts() {
    let w = world(4);
    w.store
        .update(|s| {
            s.account_mut("a1").exhausted_until = Some(w.later(30));
            s.account_mut("a2").needs_login = true;
            Ok(())
        })
        .unwrap();
    let st = w.store.load().unwrap();
    assert_eq!(pick_target(&w.cfg, &st, "a0", w.now()).unwrap().name, "a3");
    // an exhaustion in the past no longer counts
    assert_eq!(pick_target(&w.cfg, &st, "a0", w.later(31)).unwrap().name, "a1");
}

#[test]
fn limit_without_reset_uses_fallback() {
    let w = world(2);
    let fleet = FakeFleet::new(vec![]);
    let t =
        Trigger::Limit { account: "a0".into(), until: None, text: "Limit reached".into(), auth: false, model: None };
    w.engine(&fleet).run(t).unwrap();
    assert_eq!(w.store.load().unwrap().account("a0").exhausted_until, Some(w.later(5 * 60)));
}

#[test]
fn auth_marks_needs_login_and_swaps_away_without_return() {
    let w = world(2);
    let fleet = FakeFleet::new(vec![]);
    let t = Trigger::Limit {
        account: "a0".into(),
        until: None,
        text: "OAuth token revoked · Please run /login".into(),
        auth: true,
        model: None,
    };
    assert!(matches!(w.engine(&fleet).run(t).unwrap(), Outcome::Swapped { .. }));
    let st = w.store.load().unwrap();
    assert!(st.account("a0").needs_login);
    assert_eq!(st.return_to, None);
}

#[test]
fn limit_on_inactive_account_only_marks_it() {
    let w = world(2);
    let fleet = FakeFleet::new(vec![]);
    let out = w.engine(&fleet).run(w.limit("a1", 60)).unwrap();
    assert!(matches!(out, Outcome::Skipped(_)));
    assert_eq!(w.pointer(), Pointer::Account("a0".into()));
    assert!(w.store.load().unwrap().account("a1").exhausted_at(w.now()));
}

#[test]
fn cooldown_and_pause_apply_to_automatic_swaps_only() {
    let w = world(3);
    let fleet = FakeFleet::new(vec![]);
    let e = w.engine(&fleet);
    assert!(matches!(e.run(w.limit("a0", 60)).unwrap(), Outcome::Swapped { .. }));
    // a1 is exhausted a minute later: cooldown (2m) holds the automatic swap
    w.clock.set(w.later(1));
    assert!(matches!(e.run(w.limit("a1", 60)).unwrap(), Outcome::Skipped(ref s) if s.contains("cooldown")));
    // a manual one goes through
    assert!(matches!(e.run(Trigger::Manual { to: None }).unwrap(), Outcome::Swapped { ref to, .. } if to == "a2"));
    w.edit(|s| s.paused = true);
    w.clock.set(w.later(10));
    assert!(matches!(e.run(w.limit("a2", 60)).unwrap(), Outcome::Skipped(ref s) if s.contains("paused")));
}

#[test]
fn all_exhausted_waits_then_resumes_in_place_at_reset() {
    let w = world(2);
    let fleet = FakeFleet::new(vec![pane("%1", "a0")]);
    let e = w.engine(&fleet);
    w.edit(|s| s.account_mut("a1").exhausted_until = Some(w.later(120)));
    let out = e.run(w.limit("a0", 30)).unwrap();
    assert_eq!(out, Outcome::Waiting { account: "a0".into(), until: w.later(30) });
    assert_eq!(w.pointer(), Pointer::Account("a0".into()), "nothing flipped while waiting");
    assert_eq!(w.store.load().unwrap().phase_name(), "waiting");
    // too early
    assert!(matches!(e.run(Trigger::WaitOver).unwrap(), Outcome::Skipped(_)));
    w.clock.set(w.later(31));
    assert_eq!(e.run(Trigger::WaitOver).unwrap(), Outcome::Resumed { account: "a0".into(), panes: 1 });
    assert_eq!(*fleet.nudged.lock().unwrap(), vec!["%1".to_string()]);
    assert!(fleet.relaunched().is_empty());
    assert_eq!(w.store.load().unwrap().phase_name(), "normal");
}

#[test]
fn wait_over_moves_to_the_account_that_reset_first() {
    let w = world(2);
    let fleet = FakeFleet::new(vec![pane("%1", "a0")]);
    let e = w.engine(&fleet);
    w.edit(|s| s.account_mut("a1").exhausted_until = Some(w.later(10)));
    assert!(matches!(e.run(w.limit("a0", 300)).unwrap(), Outcome::Waiting { ref account, .. } if account == "a1"));
    w.clock.set(w.later(11));
    assert!(matches!(e.run(Trigger::WaitOver).unwrap(), Outcome::Swapped { ref to, .. } if to == "a1"));
    assert_eq!(fleet.relaunched(), vec![("%1".into(), "a1".into())]);
}

#[test]
fn return_to_primary_after_reset_and_postponed_when_exhausted_again() {
    let w = world(2);
    let fleet = FakeFleet::new(vec![pane("%1", "a0")]);
    let e = w.engine(&fleet);
    e.run(w.limit("a0", 60)).unwrap();
    assert!(matches!(e.run(Trigger::Return).unwrap(), Outcome::Skipped(_)), "not due yet");
    // primary re-marked (a pane still on it reported a later reset): the return moves
    w.edit(|s| s.account_mut("a0").exhausted_until = Some(w.later(90)));
    w.clock.set(w.later(66));
    assert!(matches!(e.run(Trigger::Return).unwrap(), Outcome::Skipped(ref s) if s.contains("again")));
    assert_eq!(w.store.load().unwrap().return_to.unwrap().at, w.later(95 - 66));
    w.clock.set(w.later(30));
    let out = e.run(Trigger::Return).unwrap();
    assert!(matches!(out, Outcome::Swapped { ref to, .. } if to == "a0"), "{out:?}");
    assert_eq!(w.store.load().unwrap().return_to, None);
}

#[test]
fn ensure_failure_rolls_back_and_changes_nothing() {
    let w = world(2);
    // a1's projects link diverges: ensure must refuse, and the pointer must come back
    let link = w.cfg.accounts[1].home.join("projects");
    std::fs::remove_file(&link).unwrap();
    std::os::unix::fs::symlink(w.root.join("elsewhere"), &link).unwrap();
    let fleet = FakeFleet::new(vec![pane("%1", "a0")]);
    let err = w.engine(&fleet).run(Trigger::Manual { to: None }).unwrap_err();
    assert!(matches!(err, SwapError::Cancelled { .. }), "{err}");
    assert_eq!(w.pointer(), Pointer::Account("a0".into()));
    let st = w.store.load().unwrap();
    assert_eq!(st.active, None);
    assert!(st.swap.is_none() && st.degraded.is_none() && st.last_swap.is_none());
    assert!(fleet.relaunched().is_empty(), "nothing relaunched on a cancelled swap");
    assert_eq!(std::fs::read_link(&link).unwrap(), w.root.join("elsewhere"), "divergent link untouched");
}

#[test]
fn failed_rollback_is_degraded_and_sticky_until_recover() {
    let w = world(2);
    let fleet = FakeFleet::new(vec![pane("%1", "a0")]);
    let faults = Faults::parse("swap.ensure=error,swap.rollback=error");
    let err = w.engine_with(&fleet, faults).run(Trigger::Manual { to: None }).unwrap_err();
    assert!(matches!(err, SwapError::Partial { .. }), "{err}");
    let st = w.store.load().unwrap();
    assert!(st.degraded.is_some());
    assert_eq!(st.active, None, "active account not changed");
    assert!(fleet.relaunched().is_empty());
    // sticky: every swap refused, automatic or not
    let e = w.engine(&fleet);
    assert!(matches!(e.run(Trigger::Manual { to: None }), Err(SwapError::Degraded(_))));
    assert!(matches!(e.run(w.limit("a1", 5)), Err(SwapError::Degraded(_))));
    // recover clears it once links and pointer are sound (the pointer is left on a1 by the failed rollback)
    assert!(recover(&w.cfg, &w.store, &w.clock, &w.events).unwrap().is_empty());
    let st = w.store.load().unwrap();
    assert!(st.degraded.is_none());
    assert_eq!(st.active.as_deref(), Some("a1"));
}

#[test]
fn recover_refuses_while_links_are_broken() {
    let w = world(2);
    w.edit(|s| s.degraded = Some(Degraded { since: w.now(), reason: "test".into() }));
    let link = w.cfg.accounts[0].home.join("session-env");
    std::fs::remove_file(&link).unwrap();
    std::fs::create_dir(&link).unwrap();
    let problems = recover(&w.cfg, &w.store, &w.clock, &w.events).unwrap();
    assert_eq!(problems.len(), 1, "{problems:?}");
    assert!(w.store.load().unwrap().degraded.is_some());
}

#[test]
fn interrupted_before_commit_rolls_back_after_commit_finishes() {
    // before commit: the flip happened, then the process died
    let w = world(2);
    let fleet = FakeFleet::new(vec![pane("%1", "a0"), pane("%2", "a0")]);
    let r = w.engine_with(&fleet, Faults::parse("swap.after_flip=error")).run(Trigger::Manual { to: None });
    assert!(r.is_err());
    assert_eq!(w.pointer(), Pointer::Account("a1".into()));
    assert_eq!(w.store.load().unwrap().phase_name(), "switching");
    assert_eq!(w.engine(&fleet).finish_interrupted().unwrap(), None);
    assert_eq!(w.pointer(), Pointer::Account("a0".into()));
    assert!(w.store.load().unwrap().swap.is_none());
    assert!(fleet.relaunched().is_empty());

    // after commit: one pane was relaunched, then the process died
    let w = world(2);
    let fleet = FakeFleet::new(vec![pane("%1", "a0"), pane("%2", "a0")]);
    w.store
        .update(|s| {
            s.active = Some("a1".into());
            s.swap = Some(SwapInProgress {
                from: "a0".into(),
                to: "a1".into(),
                phase: Phase::Resuming,
                started: w.now(),
                reason: "t".into(),
                panes: fleet.panes.clone(),
                relaunched: vec!["%1".into()],
                coming_back: 0,
            });
            Ok(())
        })
        .unwrap();
    let out = w.engine(&fleet).finish_interrupted().unwrap();
    assert!(matches!(out, Some(Outcome::Swapped { .. })));
    assert_eq!(fleet.relaunched(), vec![("%2".into(), "a1".into())], "%1 is not relaunched twice");
    assert_eq!(w.pointer(), Pointer::Account("a1".into()));
}

#[test]
fn relaunch_failures_are_reported_not_fatal() {
    let w = world(2);
    let mut fleet = FakeFleet::new(vec![pane("%1", "a0"), pane("%2", "a0")]);
    fleet.fail = vec!["%2".into()];
    let out = w.engine(&fleet).run(Trigger::Manual { to: None }).unwrap();
    let Outcome::Swapped { relaunched, failed, .. } = out else { panic!() };
    assert_eq!(relaunched, vec!["%1".to_string()]);
    assert_eq!(failed[0].0, "%2");
    assert!(w.events.kinds().contains(&"relaunch_failed".to_string()));
}

#[test]
fn manual_to_unknown_or_current_account() {
    let w = world(2);
    let fleet = FakeFleet::new(vec![]);
    let e = w.engine(&fleet);
    assert!(matches!(e.run(Trigger::Manual { to: Some("nope".into()) }), Err(SwapError::NoTarget(_))));
    assert!(matches!(e.run(Trigger::Manual { to: Some("a0".into()) }).unwrap(), Outcome::Skipped(_)));
    assert!(matches!(e.run(Trigger::Manual { to: Some("a1".into()) }).unwrap(), Outcome::Swapped { .. }));
}

#[test]
fn real_claude_dir_is_refused_and_intact() {
    let w = world(2);
    std::fs::remove_file(&w.cfg.claude_dir).unwrap();
    std::fs::create_dir(&w.cfg.claude_dir).unwrap();
    std::fs::write(w.cfg.claude_dir.join("keep.txt"), b"precious").unwrap();
    let fleet = FakeFleet::new(vec![]);
    let err = w.engine(&fleet).run(Trigger::Manual { to: Some("a1".into()) }).unwrap_err();
    assert!(err.to_string().contains("link --adopt"), "{err}");
    assert_eq!(std::fs::read(w.cfg.claude_dir.join("keep.txt")).unwrap(), b"precious");
}

// ---- target choice: only accounts with a login on disk -------------------------------------

fn events_of(w: &World, kind: &str) -> Vec<(String, serde_json::Value)> {
    w.events.0.lock().unwrap().iter().filter(|e| e.0 == kind).map(|e| (e.1.clone(), e.2.clone())).collect()
}

#[test]
fn target_skips_an_account_without_a_login_and_says_so() {
    let w = world(3);
    std::fs::remove_file(w.cfg.accounts[1].home.join(".credentials.json")).unwrap();
    let st = w.store.load().unwrap();
    assert_eq!(pick_target(&w.cfg, &st, "a0", w.now()).unwrap().name, "a2");
    let fleet = FakeFleet::new(vec![pane("%1", "a0")]);
    let out = w.engine(&fleet).run(w.limit("a0", 60)).unwrap();
    assert!(matches!(out, Outcome::Swapped { ref to, .. } if to == "a2"), "{out:?}");
    let said = events_of(&w, "no_login");
    assert_eq!(said.len(), 1, "{said:?}");
    let home = w.cfg.accounts[1].home.display().to_string();
    assert!(said[0].0.contains("account a1") && said[0].0.contains("no login"), "{}", said[0].0);
    assert!(said[0].0.contains(&format!("CLAUDE_CONFIG_DIR={home} claude, then /login")), "{}", said[0].0);
    assert_eq!(said[0].1["account"], "a1");
}

#[test]
fn an_expired_login_without_refresh_token_is_skipped() {
    let w = world(3);
    std::fs::write(
        w.cfg.accounts[1].home.join(".credentials.json"),
        r#"{"claudeAiOauth":{"accessToken":"sk-ant-oat01-old","expiresAt":1000}}"#,
    )
    .unwrap();
    let st = w.store.load().unwrap();
    assert_eq!(pick_target(&w.cfg, &st, "a0", w.now()).unwrap().name, "a2");
}

#[test]
fn no_account_with_a_login_means_no_swap_and_every_reason() {
    let w = world(2);
    std::fs::remove_file(w.cfg.accounts[1].home.join(".credentials.json")).unwrap();
    let fleet = FakeFleet::new(vec![pane("%1", "a0")]);
    let err = w.engine(&fleet).run(Trigger::Manual { to: None }).unwrap_err();
    let msg = err.to_string();
    assert!(msg.contains("no pane was moved") && msg.contains("account a1") && msg.contains("/login"), "{msg}");
    assert_eq!(w.pointer(), Pointer::Account("a0".into()));
    assert!(fleet.relaunched().is_empty());
    // an automatic swap waits for the active account's own reset instead of moving to a1
    let out = w.engine(&fleet).run(w.limit("a0", 60)).unwrap();
    assert_eq!(out, Outcome::Waiting { account: "a0".into(), until: w.later(60) });
    assert_eq!(w.pointer(), Pointer::Account("a0".into()));
}

#[test]
fn manual_swap_to_an_account_without_a_login_is_refused() {
    let w = world(2);
    std::fs::remove_file(w.cfg.accounts[1].home.join(".credentials.json")).unwrap();
    let fleet = FakeFleet::new(vec![pane("%1", "a0")]);
    let err = w.engine(&fleet).run(Trigger::Manual { to: Some("a1".into()) }).unwrap_err();
    let msg = err.to_string();
    assert!(msg.contains("swap to a1 refused, no pane was moved"), "{msg}");
    assert!(msg.contains("CLAUDE_CONFIG_DIR=") && msg.contains("/login"), "{msg}");
    assert_eq!(w.pointer(), Pointer::Account("a0".into()));
    assert!(fleet.relaunched().is_empty());
    assert!(w.store.load().unwrap().last_swap.is_none());
}

#[test]
fn a_swap_never_creates_a_missing_account_home() {
    let w = world(2);
    let home = w.cfg.accounts[1].home.clone();
    std::fs::remove_dir_all(&home).unwrap();
    let fleet = FakeFleet::new(vec![pane("%1", "a0")]);
    for to in [None, Some("a1".to_string())] {
        let err = w.engine(&fleet).run(Trigger::Manual { to }).unwrap_err();
        let msg = err.to_string();
        assert!(msg.contains(&format!("account home {} (a1) does not exist", home.display())), "{msg}");
        assert!(msg.contains(&format!("log in with CLAUDE_CONFIG_DIR={} claude", home.display())), "{msg}");
        assert!(!home.exists(), "the home was created");
    }
    w.engine(&fleet).run(w.limit("a0", 60)).unwrap();
    assert!(!home.exists(), "the home was created");
    assert_eq!(w.pointer(), Pointer::Account("a0".into()));
    // Even past target choice (the home vanishes after it), the links step does not create it.
    let r = links::ensure_existing_account(&home, &w.cfg.shared);
    assert!(matches!(r.problems[..], [links::Problem::NoHome { .. }]), "{:?}", r.problems);
    assert!(!home.exists());
}

#[test]
fn return_to_a_primary_without_a_login_is_cancelled_and_said() {
    let w = world(2);
    let fleet = FakeFleet::new(vec![pane("%1", "a0")]);
    let e = w.engine(&fleet);
    assert!(matches!(e.run(w.limit("a0", 60)).unwrap(), Outcome::Swapped { .. }));
    std::fs::remove_file(w.cfg.accounts[0].home.join(".credentials.json")).unwrap();
    w.clock.set(w.later(66));
    let out = e.run(Trigger::Return).unwrap();
    let Outcome::Skipped(why) = out else { panic!("{out:?}") };
    assert!(why.contains("return to a0 cancelled") && why.contains("/login"), "{why}");
    assert_eq!(w.store.load().unwrap().return_to, None, "not retried every tick");
    assert_eq!(w.pointer(), Pointer::Account("a1".into()));
    assert_eq!(events_of(&w, "no_login").len(), 1);
}

// ---- the real fleet over a fake tmux: which sessions the pool may touch -------------------

#[derive(Default)]
struct FakeTmux {
    sessions: Mutex<Vec<String>>,
    calls: Mutex<Vec<String>>,
}

impl crate::tmux::Tmux for FakeTmux {
    fn list_panes(&self) -> Result<Vec<crate::tmux::PaneInfo>> {
        Ok(self
            .sessions
            .lock()
            .unwrap()
            .iter()
            .enumerate()
            .map(|(i, s)| crate::tmux::PaneInfo {
                id: format!("%{i}"),
                pid: 0,
                session: s.clone(),
                window: "@0".into(),
                dead: false,
                piped: false,
            })
            .collect())
    }
    fn set_global_env(&self, k: &str, v: &str) -> Result<()> {
        self.calls.lock().unwrap().push(format!("setenv {k}={v}"));
        Ok(())
    }
    fn send_literal(&self, p: &str, t: &str) -> Result<()> {
        self.calls.lock().unwrap().push(format!("type {p} {t}"));
        Ok(())
    }
    fn send_keys(&self, p: &str, k: &[&str]) -> Result<()> {
        self.calls.lock().unwrap().push(format!("keys {p} {}", k.join(" ")));
        Ok(())
    }
    fn capture(&self, _: &str, _: u32) -> Result<String> {
        Ok(String::new())
    }
    fn has_session(&self, n: &str) -> Result<bool> {
        Ok(self.sessions.lock().unwrap().iter().any(|s| s == n))
    }
    fn new_session(&self, n: &str, cwd: &Path, _: &[(&str, &str)]) -> Result<()> {
        self.sessions.lock().unwrap().push(n.into());
        self.calls.lock().unwrap().push(format!("new {n} {}", cwd.display()));
        Ok(())
    }
    fn kill_session(&self, n: &str) -> Result<()> {
        self.sessions.lock().unwrap().retain(|s| s != n);
        self.calls.lock().unwrap().push(format!("kill {n}"));
        Ok(())
    }
    fn display_message(&self, _: &str) -> Result<()> {
        Ok(())
    }
    fn set_user_option(&self, _: &str, _: &str) -> Result<()> {
        Ok(())
    }
    fn pipe_pane(&self, _: &str, _: Option<&str>) -> Result<()> {
        Ok(())
    }
}

#[test]
fn pool_renewal_never_touches_sessions_outside_its_range() {
    let dir = tempfile::tempdir().unwrap();
    let toml = "[[accounts]]\nname=\"a\"\nhome=\"~/a\"\n[[accounts]]\nname=\"b\"\nhome=\"~/b\"\n\
                [[sessions]]\nname=\"api\"\nproject=\"~/src/api\"\n\
                [pool]\nprefix=\"ccl-auto-\"\nstart_index=10\nmin=2\nmax=3\n";
    let cfg = config::parse(toml, &dir.path().join("c.toml"), dir.path()).unwrap();
    let store = Store::open(&dir.path().join("s")).unwrap();
    let tmux = FakeTmux::default();
    *tmux.sessions.lock().unwrap() =
        ["ccl-auto-9", "ccl-auto-10", "ccl-auto-12", "ccl-auto-13", "ccl-0", "work"].map(String::from).to_vec();
    let fleet = crate::fleet::TmuxFleet { cfg: &cfg, tmux: &tmux, store: &store, timing: Default::default() };
    let problems = fleet.maintain_sessions(&cfg.accounts[1]);
    assert!(problems.is_empty(), "{problems:?}");
    let mut sessions = tmux.sessions.lock().unwrap().clone();
    sessions.sort();
    // 10 and 12 killed; 10 and 11 recreated; 9, 13, ccl-0 and work untouched; api recreated
    assert_eq!(sessions, ["api", "ccl-0", "ccl-auto-10", "ccl-auto-11", "ccl-auto-13", "ccl-auto-9", "work"]);
    let calls = tmux.calls.lock().unwrap().join("\n");
    assert!(calls.contains("kill ccl-auto-10") && calls.contains("kill ccl-auto-12"), "{calls}");
    assert!(!calls.contains("kill ccl-auto-9") && !calls.contains("kill ccl-auto-13") && !calls.contains("kill work"));
    // the named session resumes its project's newest conversation on the new account
    assert!(
        calls.contains(&format!("CLAUDE_CONFIG_DIR={} claude --continue", cfg.accounts[1].home.display())),
        "{calls}"
    );
}

#[test]
fn relaunch_line_quotes_everything_and_validates_the_id() {
    let dir = tempfile::tempdir().unwrap();
    let toml = "claude_args=[\"--dangerously-skip-permissions\", \"--model\", \"x y\"]\n[[accounts]]\nname=\"a\"\nhome=\"/h/a b\"\n[[accounts]]\nname=\"b\"\nhome=\"/h/b\"\n";
    let cfg = config::parse(toml, &dir.path().join("c.toml"), dir.path()).unwrap();
    let id = "0f8fad5b-d9cb-469f-a165-70867728950e";
    let line = crate::fleet::relaunch_line(
        &cfg,
        Path::new("/src/it's here"),
        &cfg.accounts[0],
        &cfg.claude_args,
        crate::fleet::Start::Resume(id),
    );
    assert_eq!(
        line,
        format!(
            "cd '/src/it'\\''s here' && CLAUDE_CONFIG_DIR='/h/a b' claude --dangerously-skip-permissions --model 'x y' --resume {id}"
        )
    );
    let line = crate::fleet::relaunch_line(
        &cfg,
        Path::new("/p"),
        &cfg.accounts[1],
        &cfg.claude_args,
        crate::fleet::Start::Resume("$(touch /tmp/pwned)"),
    );
    assert!(line.ends_with("'x y' --continue") && !line.contains("pwned"), "{line}");
    let line = crate::fleet::relaunch_line(
        &cfg,
        Path::new("/p"),
        &cfg.accounts[1],
        &cfg.claude_args,
        crate::fleet::Start::Fresh,
    );
    assert!(line.ends_with("--model 'x y'"), "{line}");
    // A pane's own arguments, each quoted, its --model winning over the config's.
    let mut p = pane("%1", "a");
    p.args = Some(
        ["--model", "sonnet", "--add-dir", "/x", "/y z", "--append-system-prompt", "it's $(rm -rf ~); `x`"]
            .map(String::from)
            .to_vec(),
    );
    let line = crate::fleet::relaunch_line(
        &cfg,
        Path::new("/p"),
        &cfg.accounts[1],
        &crate::fleet::launch_args(&cfg, &p),
        crate::fleet::Start::Resume(id),
    );
    assert_eq!(
        line,
        format!(
            "cd /p && CLAUDE_CONFIG_DIR=/h/b claude --model sonnet --add-dir /x '/y z' --append-system-prompt 'it'\\''s $(rm -rf ~); `x`' --dangerously-skip-permissions --resume {id}"
        )
    );
}

#[test]
fn the_relaunch_records_each_panes_arguments_and_whether_it_was_mid_turn() {
    let w = world(2);
    let mut busy = pane("%1", "a0");
    busy.interrupted = Some("busy".into());
    busy.args = Some(vec!["--model".into(), "sonnet".into()]);
    let mut odd = pane("%2", "a0");
    odd.args_problem = Some("--frob is not an option this version knows".into());
    let fleet = FakeFleet::new(vec![busy, odd]);
    w.engine(&fleet).run(w.limit("a0", 60)).unwrap();
    let st = w.store.load().unwrap();
    assert_eq!(st.panes["%1"].args, Some(vec!["--model".to_string(), "sonnet".to_string()]));
    assert_eq!(st.panes["%2"].args, Some(vec![]), "claude_args (none here) for the pane whose own are unknown");
    assert_eq!(st.panes["%1"].resumes, vec![w.now()]);
    let events = w.events.0.lock().unwrap().clone();
    let relaunched: Vec<&(String, String, serde_json::Value)> = events.iter().filter(|e| e.0 == "relaunched").collect();
    let of = |p: &str| relaunched.iter().find(|e| e.2["pane"] == p).unwrap();
    assert_eq!(of("%1").2["prompted"], true);
    assert!(of("%1").1.contains("mid-turn: busy"), "{}", of("%1").1);
    assert_eq!(of("%2").2["prompted"], false);
    assert!(of("%2").1.contains("idle"), "{}", of("%2").1);
    let fallback = events.iter().find(|e| e.0 == "args_not_carried").expect("the fallback is said");
    assert!(fallback.1.contains("%2") && fallback.1.contains("claude_args"), "{}", fallback.1);
}

#[test]
fn a_pane_relaunched_too_often_is_left_alone_then_taken_up_again() {
    let w = world(2);
    // Swap away from the active account with the pane on it (`pid`: its claude).
    let swap = |pid: u32| {
        let active = w.engine(&NoPanes).current(&w.store.load().unwrap());
        let mut p = pane("%1", &active);
        p.claude_pid = Some(pid);
        let fleet = FakeFleet::new(vec![p]);
        w.engine(&fleet).run(Trigger::Manual { to: None }).unwrap();
        fleet
    };
    // Three swaps back and forth within the window: each relaunches the pane.
    for i in 0..3 {
        assert_eq!(swap(100).relaunched().len(), 1, "swap {i}");
        w.clock.set(w.later(5));
    }
    // The fourth within 30 minutes: left where it is, recorded, said, told to the user.
    let fleet = swap(100);
    assert!(fleet.relaunched().is_empty());
    let st = w.store.load().unwrap();
    let left = st.panes["%1"].left_alone.clone().expect("recorded");
    assert!(left.reason.contains("3 times in the last 30 min"), "{}", left.reason);
    assert_eq!(fleet.notified.lock().unwrap().len(), 1);
    let last_swap = w.events.0.lock().unwrap().iter().rev().find(|e| e.0 == "swap").cloned().unwrap();
    assert!(last_swap.1.contains("1 left alone"), "{}", last_swap.1);
    // Still within the window: left alone again, said again, not told twice.
    w.clock.set(w.later(1));
    let fleet = swap(100);
    assert!(fleet.relaunched().is_empty());
    assert!(fleet.notified.lock().unwrap().is_empty());
    assert_eq!(w.events.kinds().iter().filter(|k| *k == "left_alone").count(), 2);
    // The user starts another claude there: taken up again, its count starts over.
    assert_eq!(swap(200).relaunched().len(), 1);
    let st = w.store.load().unwrap();
    assert_eq!(st.panes["%1"].left_alone, None);
    assert_eq!(st.panes["%1"].resumes.len(), 1);
    // Or the window moves past the relaunches.
    let mut rec = st.panes["%1"].clone();
    rec.resumes = vec![w.later(-29), w.later(-28), w.later(-27)];
    w.edit(|s| {
        s.panes.insert("%1".into(), rec);
    });
    assert!(swap(200).relaunched().is_empty());
    w.clock.set(w.later(4));
    assert_eq!(swap(200).relaunched().len(), 1);
}

#[test]
fn max_resumes_zero_never_leaves_a_pane_alone() {
    let mut w = world(2);
    w.cfg.swap.max_resumes = 0;
    for i in 0..6 {
        let account = if i % 2 == 0 { "a0" } else { "a1" };
        let fleet = FakeFleet::new(vec![pane("%1", account)]);
        w.engine(&fleet).run(Trigger::Manual { to: None }).unwrap();
        assert_eq!(fleet.relaunched().len(), 1, "swap {i}");
    }
}

#[test]
fn reconcile_swaps_once_the_cooldown_is_over() {
    let w = world(3);
    let fleet = FakeFleet::new(vec![]);
    let e = w.engine(&fleet);
    e.run(w.limit("a0", 60)).unwrap();
    w.clock.set(w.later(1));
    assert!(matches!(e.run(w.limit("a1", 60)).unwrap(), Outcome::Skipped(_)), "cooldown");
    assert!(matches!(e.run(Trigger::Reconcile).unwrap(), Outcome::Skipped(_)), "still cooling down");
    w.clock.set(w.later(2));
    assert!(matches!(e.run(Trigger::Reconcile).unwrap(), Outcome::Swapped { ref to, .. } if to == "a2"));
    assert!(matches!(e.run(Trigger::Reconcile).unwrap(), Outcome::Skipped(_)), "a2 is fine");
}

#[test]
fn a_screen_minute_never_undoes_the_exact_second_within_it() {
    let t = |s: &str| Some(s.parse::<Timestamp>().unwrap());
    // The transcript said 20:45:05; the screen's "8:45pm" (read as its end, 20:46:00) says less.
    assert!(same_minute_but_coarser(t("2026-11-30T20:46:00Z"), t("2026-11-30T20:45:05Z")));
    // A later minute is news (the reset moved on a retry): the latest message wins.
    assert!(!same_minute_but_coarser(t("2026-11-30T20:48:00Z"), t("2026-11-30T20:45:05Z")));
    // An exact second replaces anything; nothing recorded yet: take it.
    assert!(!same_minute_but_coarser(t("2026-11-30T20:45:07Z"), t("2026-11-30T20:45:05Z")));
    assert!(!same_minute_but_coarser(t("2026-11-30T20:46:00Z"), None));
}

#[path = "swap/models_tests.rs"]
mod models_tests;
