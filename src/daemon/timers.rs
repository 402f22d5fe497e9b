//! Timers: the return to the primary, the end of a wait, a cooldown that held a needed swap. All
//! come from the persisted state, so a restarted daemon keeps them; the loop sleeps until the
//! earliest, never longer than a tick.

use std::time::Duration;

use jiff::Timestamp;

use super::{Daemon, TICK};
use crate::procs;
use crate::swap::Trigger;

impl Daemon<'_> {
    /// When the loop must wake next: the earliest timer in the state, capped at one tick.
    pub(super) fn next_wake(&self) -> Duration {
        let now = self.clock.now();
        let Ok(st) = self.store.load() else { return TICK };
        let mut at: Vec<Timestamp> = Vec::new();
        if let Some(r) = &st.return_to {
            at.push(r.at);
        }
        if let Some(w) = &st.waiting {
            at.push(w.until);
        }
        if let Some(l) = &st.last_swap {
            at.push(l.at.checked_add(self.cfg.swap.cooldown).unwrap_or(l.at));
        }
        let soonest = at.into_iter().filter(|t| *t > now).min();
        let due = soonest.map(|t| Duration::from_millis((t.as_millisecond() - now.as_millisecond()).max(0) as u64 + 5));
        due.map_or(TICK, |d| d.min(TICK))
    }

    /// Timers: the return, the end of waiting, a cooldown that held a needed swap.
    pub(super) fn timers(&mut self) {
        let now = self.clock.now();
        let Ok(st) = self.store.load() else { return };
        if st.waiting.as_ref().is_some_and(|w| w.until <= now) {
            self.engine_run(Trigger::WaitOver);
        } else if st.return_to.as_ref().is_some_and(|r| r.at <= now) {
            self.engine_run(Trigger::Return);
        } else {
            let active = st.active.clone().unwrap_or_else(|| self.cfg.primary.clone());
            let a = st.account(&active);
            if st.swap.is_none() && (a.needs_login || a.exhausted_at(now)) && st.waiting.is_none() {
                self.engine_run(Trigger::Reconcile);
            }
        }
        self.push_status();
    }

    pub(super) fn server_alive(&self) -> bool {
        match self.server_pid {
            Some(pid) => procs::is_alive(pid),
            None => self.tmux.server_running(),
        }
    }
}
