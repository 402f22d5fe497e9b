//! Moves at turn boundaries and threshold switching, against a fake fleet whose panes can be
//! busy, a fixed clock and real files in a temp dir.

use std::path::{Path, PathBuf};
use std::sync::Mutex;

use anyhow::Result;
use jiff::{SignedDuration, Timestamp};

use super::*;
use crate::clock::{Clock, FixedClock};
use crate::config::{self, Account};
use crate::events::Memory;
use crate::faults::Faults;
use crate::links;
use crate::state::Store;
use crate::statusline::Window;
use crate::swap::{Fleet, Relaunched, Trigger};

/// Panes that move when relaunched, each busy or idle as the test says.
struct Panes {
    panes: Mutex<Vec<SavedPane>>,
    relaunched: Mutex<Vec<(String, String, bool)>>,
}

impl Panes {
    fn new(panes: &[(&str, &str, bool)]) -> Self {
        let panes = panes
            .iter()
            .enumerate()
            .map(|(i, (id, account, busy))| {
                let mut p = SavedPane::new(id, PathBuf::from("/p"), Some(account.to_string()), None);
                p.claude_pid = Some(100 + i as u32);
                p.interrupted = busy.then(|| "busy".to_string());
                p
            })
            .collect();
        Panes { panes: Mutex::new(panes), relaunched: Mutex::default() }
    }
    fn set_busy(&self, id: &str, busy: bool) {
        for p in self.panes.lock().unwrap().iter_mut().filter(|p| p.pane == id) {
            p.interrupted = busy.then(|| "busy".to_string());
        }
    }
    fn gone(&self, id: &str) {
        self.panes.lock().unwrap().retain(|p| p.pane != id);
    }
    /// (pane, account, prompted), in order.
    fn relaunched(&self) -> Vec<(String, String, bool)> {
        let mut v = self.relaunched.lock().unwrap().clone();
        v.sort();
        v
    }
}

impl Fleet for Panes {
    fn discover(&self) -> Result<Vec<SavedPane>> {
        Ok(self.panes.lock().unwrap().clone())
    }
    fn point_new_panes(&self, _: &Path) -> Result<()> {
        Ok(())
    }
    fn prepare(&self, _: &[SavedPane], _: &Account) -> Vec<String> {
        Vec::new()
    }
    fn relaunch(&self, pane: &SavedPane, to: &Account) -> Result<Relaunched> {
        let prompted = pane.interrupted.is_some();
        self.relaunched.lock().unwrap().push((pane.pane.clone(), to.name.clone(), prompted));
        for p in self.panes.lock().unwrap().iter_mut().filter(|p| p.pane == pane.pane) {
            p.account = Some(to.name.clone());
            p.claude_pid = p.claude_pid.map(|n| n + 1000);
        }
        Ok(Relaunched { prompted, ..Relaunched::default() })
    }
    fn nudge(&self, _: &SavedPane) -> Result<()> {
        Ok(())
    }
    fn maintain_sessions(&self, _: &Account) -> Vec<String> {
        Vec::new()
    }
}

struct World {
    _dir: tempfile::TempDir,
    cfg: Config,
    store: Store,
    clock: FixedClock,
    events: Memory,
}

const T0: &str = "2026-11-21T10:00:00Z";

fn world(n: usize, extra: &str) -> World {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().to_path_buf();
    let mut toml = String::new();
    for i in 0..n {
        toml.push_str(&format!("[[accounts]]\nname = \"a{i}\"\nhome = \"~/.claude-a{i}\"\n"));
    }
    toml.push_str(extra);
    let cfg = config::parse(&toml, &root.join("config.toml"), &root).unwrap();
    assert!(links::ensure_all(&cfg.accounts, &cfg.shared, true).ok());
    links::ensure_pointer(&cfg).unwrap();
    for a in &cfg.accounts {
        std::fs::write(
            a.home.join(".credentials.json"),
            r#"{"claudeAiOauth":{"accessToken":"sk-ant-oat01-t","refreshToken":"sk-ant-ort01-t","expiresAt":1}}"#,
        )
        .unwrap();
    }
    let store = Store::open(&root.join("state")).unwrap();
    World { _dir: dir, cfg, store, clock: FixedClock::at(T0.parse().unwrap()), events: Memory::default() }
}

impl World {
    fn engine<'a>(&'a self, fleet: &'a dyn Fleet) -> Engine<'a> {
        Engine {
            cfg: &self.cfg,
            store: &self.store,
            clock: &self.clock,
            fleet,
            events: &self.events,
            faults: Faults::none(),
        }
    }
    fn later(&self, mins: i64) -> Timestamp {
        self.clock.now() + SignedDuration::from_mins(mins)
    }
    fn state(&self) -> State {
        self.store.load().unwrap()
    }
}

fn limit(w: &World, account: &str, mins: i64) -> Trigger {
    Trigger::Limit {
        account: account.into(),
        until: Some(w.later(mins)),
        text: "limit".into(),
        auth: false,
        model: None,
    }
}

#[test]
fn the_return_moves_idle_panes_now_and_a_busy_one_at_its_turn_boundary() {
    let w = world(2, "");
    let fleet = Panes::new(&[("%1", "a0", false), ("%2", "a0", false)]);
    let e = w.engine(&fleet);
    e.run(limit(&w, "a0", 60)).unwrap();
    assert_eq!(fleet.relaunched().len(), 2, "a limit moves every pane");
    fleet.relaunched.lock().unwrap().clear();
    fleet.set_busy("%2", true);

    w.clock.set(w.later(66));
    let out = e.run(Trigger::Return).unwrap();
    assert!(matches!(out, Outcome::Swapped { ref to, ref relaunched, .. } if to == "a0" && relaunched == &["%1"]));
    assert_eq!(links::read_pointer(&w.cfg), links::Pointer::Account("a0".into()), "the pointer flips at once");
    assert_eq!(fleet.relaunched(), [("%1".into(), "a0".into(), false)]);
    let d = &w.state().deferred["%2"];
    assert_eq!((d.to.as_str(), d.claude_pid), ("a0", Some(1101)));

    // Still busy: a registry change moves nothing.
    assert!(e.settle_deferred().unwrap().is_empty());
    assert!(w.state().deferred.contains_key("%2"));
    // Idle: moved, without a resume prompt (it was not interrupted), and the record goes.
    fleet.set_busy("%2", false);
    assert_eq!(e.settle_deferred().unwrap(), [("%2".to_string(), "a1".to_string())]);
    assert_eq!(fleet.relaunched()[1], ("%2".into(), "a0".into(), false));
    assert!(w.state().deferred.is_empty());
    assert!(e.settle_deferred().unwrap().is_empty());
}

#[test]
fn a_limit_moves_busy_panes_at_once_and_a_deferred_pane_gone_drops_its_record() {
    let w = world(2, "");
    let fleet = Panes::new(&[("%1", "a0", true)]);
    let e = w.engine(&fleet);
    e.run(limit(&w, "a0", 60)).unwrap();
    assert_eq!(fleet.relaunched(), [("%1".into(), "a1".into(), true)], "a limit is forced: mid-turn or not");
    assert!(w.state().deferred.is_empty());

    w.clock.set(w.later(66));
    e.run(Trigger::Return).unwrap();
    assert!(w.state().deferred.contains_key("%1"));
    fleet.gone("%1");
    assert!(e.settle_deferred().unwrap().is_empty());
    assert!(w.state().deferred.is_empty(), "a pane whose claude is gone waits for nothing");
}

fn usage(five: f64, resets: Timestamp, recorded: Timestamp) -> Usage {
    Usage {
        five_hour: Some(Window { used_percentage: five, resets_at: Some(resets) }),
        seven_day: None,
        recorded_at: recorded,
        model: None,
        session_id: None,
    }
}

#[test]
fn a_threshold_is_crossed_only_when_set_reached_fresh_and_not_already_acted_on() {
    let on = world(3, "[swap]\nswitch_at_percent = 90\n");
    let now = on.clock.now();
    let reset = on.later(120);
    let at = |p: f64, others: f64| {
        move |a: &str| Some(usage(if a == "a0" { p } else { others }, reset, now - SignedDuration::from_mins(1)))
    };
    let st = State::default();
    assert_eq!(crossing(&on.cfg, &st, "a0", &at(89.0, 0.0), now), None, "below the threshold");
    let c = crossing(&on.cfg, &st, "a0", &at(91.0, 0.0), now).unwrap();
    assert_eq!((c.account.as_str(), c.percent, c.window.as_str(), c.until), ("a0", 91.0, "5-hour", reset));
    assert!(c.avoid.is_empty());
    assert_eq!(crossing(&on.cfg, &st, "a0", &at(91.0, 95.0), now).unwrap().avoid, ["a1", "a2"]);
    let stale = |_: &str| Some(usage(99.0, reset, now - SignedDuration::from_mins(11)));
    assert_eq!(crossing(&on.cfg, &st, "a0", &stale, now), None, "an old record says nothing of now");
    let reset_already = |_: &str| Some(usage(99.0, now, now));
    assert_eq!(crossing(&on.cfg, &st, "a0", &reset_already, now), None, "the window has reset");
    let mut done = st.clone();
    done.thresholds.insert("a0".into(), reset);
    assert_eq!(crossing(&on.cfg, &done, "a0", &at(99.0, 0.0), now), None, "once per window");
    let off = world(3, "");
    assert_eq!(crossing(&off.cfg, &st, "a0", &at(100.0, 0.0), now), None, "off by default");
}

#[test]
fn a_threshold_moves_once_at_turn_boundaries_and_returns_at_the_reset() {
    let w = world(2, "[swap]\nswitch_at_percent = 90\n");
    let fleet = Panes::new(&[("%1", "a0", false), ("%2", "a0", true)]);
    let e = w.engine(&fleet);
    let reset = w.later(120);
    let c = Crossing { account: "a0".into(), percent: 91.0, window: "5-hour".into(), until: reset, avoid: vec![] };
    let out = e.run(Trigger::Threshold(c.clone())).unwrap();
    assert!(matches!(out, Outcome::Swapped { ref to, ref relaunched, .. } if to == "a1" && relaunched == &["%1"]));
    let st = w.state();
    assert_eq!(st.deferred["%2"].to, "a1");
    assert_eq!(st.thresholds["a0"], reset);
    assert!(!st.account("a0").exhausted_at(w.clock.now()), "a threshold is not a limit");
    assert_eq!(st.return_to.unwrap().at, reset + SignedDuration::from_mins(5));
    let said = w.events.0.lock().unwrap().iter().any(|e| e.1.contains("a0 at 91% of its 5-hour limit: moving to a1"));
    assert!(said, "the event says why");

    // Once per window: the same crossing again (a0 active once more, by hand) does nothing.
    e.run(Trigger::Manual { to: Some("a0".into()) }).unwrap();
    assert!(matches!(e.run(Trigger::Threshold(c.clone())).unwrap(), Outcome::Skipped(_)));
    assert_eq!(links::read_pointer(&w.cfg), links::Pointer::Account("a0".into()));
}

#[test]
fn a_threshold_never_moves_onto_an_account_above_it() {
    let w = world(2, "[swap]\nswitch_at_percent = 90\n");
    let fleet = Panes::new(&[("%1", "a0", false)]);
    let e = w.engine(&fleet);
    let c = Crossing {
        account: "a0".into(),
        percent: 95.0,
        window: "5-hour".into(),
        until: w.later(60),
        avoid: vec!["a1".into()],
    };
    assert!(matches!(e.run(Trigger::Threshold(c)).unwrap(), Outcome::Skipped(ref s) if s.contains("stays")));
    assert!(fleet.relaunched().is_empty());
    assert_eq!(links::read_pointer(&w.cfg), links::Pointer::Account("a0".into()));

    // Moved to a1 by a limit, a1 crosses too: a0 crossed this window, so no bounce back.
    let w = world(2, "[swap]\nswitch_at_percent = 90\n");
    let e = w.engine(&fleet);
    let c = |a: &str| Crossing {
        account: a.into(),
        percent: 95.0,
        window: "5-hour".into(),
        until: w.later(60),
        avoid: vec![],
    };
    assert!(matches!(e.run(Trigger::Threshold(c("a0"))).unwrap(), Outcome::Swapped { .. }));
    w.clock.set(w.later(3));
    assert!(matches!(e.run(Trigger::Threshold(c("a1"))).unwrap(), Outcome::Skipped(ref s) if s.contains("stays")));
    assert_eq!(links::read_pointer(&w.cfg), links::Pointer::Account("a1".into()));
}
