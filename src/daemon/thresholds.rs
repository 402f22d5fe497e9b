//! Issue 15's smart failover, the daemon's side: a usage record changed (`<state>/usage/`, from
//! the statusline command) → is the active account at `switch_at_percent`? A registry entry
//! changed → has a deferred pane reached its turn boundary? The decisions are the engine's
//! (`swap/turns.rs`); this only says when to ask.

use serde_json::json;

use super::Daemon;
use crate::events::Sink;
use crate::statusline;
use crate::swap::{self, Trigger};

impl Daemon<'_> {
    /// A usage record changed: a threshold move when the active account crossed it.
    pub(super) fn usage_changed(&mut self) {
        if self.cfg.swap.switch_at_percent.is_none() {
            return;
        }
        let Ok(st) = self.store.load() else { return };
        let active = self.with_engine(|e| e.current(&st));
        let now = self.clock.now();
        let usage = |a: &str| statusline::read_usage(self.paths, a);
        if let Some(c) = swap::crossing(self.cfg, &st, &active, &usage, now) {
            self.engine_run(Trigger::Threshold(c));
        }
    }

    /// A claude may have gone idle: move each deferred pane that is idle now.
    pub(super) fn settle_deferred(&mut self) {
        if self.store.load().map_or(true, |s| s.deferred.is_empty()) {
            return;
        }
        match self.with_engine(|e| e.settle_deferred()) {
            Ok(moved) if !moved.is_empty() => {
                let now = self.clock.now();
                for (id, from) in moved {
                    if let Some(w) = self.panes.get_mut(&id) {
                        w.before_relaunch = Some((from, now));
                    }
                }
                self.push_status();
            }
            Ok(_) => {}
            Err(e) => self.events.emit("warning", &format!("moving a deferred pane: {}", e.full()), json!({})),
        }
    }
}
