//! Acting: limits go to the swap engine (saved first, so a daemon killed in between acts on them
//! when it restarts), outcomes to the notifier and the status line.

use serde_json::json;

use super::Daemon;
use super::attribution::Observation;
use super::progress::PendingLimit;
use crate::clock::fmt_utc;
use crate::events::Sink;
use crate::status;
use crate::swap::{Outcome, Trigger};
use crate::tmux::Tmux;

impl Daemon<'_> {
    /// Decide on what one read observed: judge each observation, and act when any is a limit
    /// or a login problem (the progress is saved first, even when all of them are old news).
    pub(super) fn decide(&mut self, observed: Vec<Observation>) {
        let urgent = observed.iter().any(Observation::urgent);
        let limits: Vec<PendingLimit> = observed.into_iter().filter_map(|o| self.judge(o)).collect();
        if urgent {
            self.act(limits);
        }
    }

    /// Save the progress (with the limits to act on), act, save again. See `progress`.
    pub(super) fn act(&mut self, limits: Vec<PendingLimit>) {
        self.pending.extend(limits);
        self.save_progress();
        let _ = self.faults.hit("daemon.found");
        while !self.pending.is_empty() {
            let l = self.pending.remove(0);
            self.engine_run(Trigger::Limit {
                account: l.account,
                until: l.until,
                text: l.text,
                auth: l.auth,
                model: l.model,
            });
        }
        self.save_progress();
    }

    pub(super) fn engine_run(&mut self, trigger: Trigger) {
        match self.with_engine(|engine| engine.run(trigger)) {
            Ok(Outcome::Skipped(why)) => self.events.emit("skipped", &why, json!({})),
            Ok(Outcome::Swapped { from, to, relaunched, failed }) => {
                let now = self.clock.now();
                for id in &relaunched {
                    if let Some(w) = self.panes.get_mut(id) {
                        w.before_relaunch = Some((from.clone(), now));
                    }
                }
                crate::notify::swapped(self.cfg, self.tmux, self.events, &from, &to, relaunched.len(), failed.len());
            }
            Ok(Outcome::Moved { from, to, model, relaunched, failed }) => {
                let now = self.clock.now();
                for id in &relaunched {
                    if let Some(w) = self.panes.get_mut(id) {
                        w.before_relaunch = Some((from.clone(), now));
                    }
                }
                let failed = if failed.is_empty() { String::new() } else { format!(", {} failed", failed.len()) };
                let msg = if from == to {
                    format!(
                        "{model} exhausted on {from}: {} pane(s) go on there on another model{failed}",
                        relaunched.len()
                    )
                } else {
                    format!("{model} exhausted on {from}: {} pane(s) moved to {to}{failed}", relaunched.len())
                };
                crate::notify::send(self.cfg, self.tmux, self.events, &msg);
            }
            Ok(Outcome::Waiting { account, until }) => {
                crate::notify::send(
                    self.cfg,
                    self.tmux,
                    self.events,
                    &format!("every account is exhausted; waiting for {account} at {}", fmt_utc(until)),
                );
            }
            Ok(Outcome::Resumed { .. }) => {}
            Err(e) => {
                self.events.emit("swap_failed", &e.full(), json!({}));
                crate::notify::send(self.cfg, self.tmux, self.events, &format!("swap failed: {}", e.full()));
            }
        }
        self.push_status();
    }

    /// Keep a difference from the facts (`crate::drift`), say it once as an event, and show it.
    pub(super) fn drift(&mut self, release: Option<&str>, what: &str) {
        let release = release.unwrap_or("unknown");
        if let Ok(true) = crate::drift::record(&self.paths.state_dir, release, what, self.clock.now()) {
            self.events.emit(
                "claude_drift",
                &format!("Claude Code {release} differs from what claude-failover knows: {what}"),
                json!({"release": release, "what": what}),
            );
        }
        self.push_status();
    }

    /// Keep `@claude-failover-status` current (only when it changed: a set-option is a redraw).
    pub(super) fn push_status(&mut self) {
        let Ok(st) = self.store.load() else { return };
        let now = self.clock.now();
        let s = status::observe(self.cfg, self.paths, &st, Some(&self.server), now);
        let text = status::render_tmux(&s, &self.style, now);
        if text != self.last_status && self.tmux.set_user_option("@claude-failover-status", &text).is_ok() {
            self.last_status = text;
        }
    }
}
