//! The engine's resuming phase: every saved pane relaunched on the target in parallel, each
//! recorded as soon as it is typed, and the loop guard that leaves alone a pane relaunched too
//! often (`[swap] max_resumes` within `resume_window`).

use anyhow::Result;
use serde_json::json;

use super::{Engine, Relaunched};
use crate::config::Account;
use crate::relaunch::{self, Verdict};
use crate::state::{LeftAlone, SavedPane};

impl Engine<'_> {
    /// Relaunch, in parallel, every saved pane that ran on `from` (or on the pointer, which was
    /// `from`) and is not in `done`, but those the loop guard leaves alone. Each pane is recorded
    /// as soon as it is typed. Returns (relaunched, failed with why, left alone).
    /// A pane is back on `to`: recorded at once, so a restart never relaunches it twice.
    fn record_back(&self, p: &SavedPane, how: &Relaunched, to: &Account, window: jiff::SignedDuration) {
        let now = self.clock.now();
        let args =
            how.args.clone().unwrap_or_else(|| crate::pane_args::launch(p.args.as_deref(), &self.cfg.claude_args));
        let _ = self.store.update(|s| {
            if let Some(sw) = s.swap.as_mut() {
                sw.relaunched.push(p.pane.clone());
            }
            let rec = s.panes.entry(p.pane.clone()).or_default();
            rec.account = Some(to.name.clone());
            rec.relaunched_at = Some(now);
            rec.args = Some(args);
            rec.resumes = relaunch::recent(&rec.resumes, now, window);
            rec.resumes.push(now);
            rec.left_alone = None;
            // The claude that saw the limit is gone; the new one saw none.
            rec.limit_on_screen = None;
            Ok(())
        });
    }

    pub(super) fn relaunch_all(
        &self,
        from: &str,
        to: &Account,
        panes: &[SavedPane],
        done: &[String],
    ) -> (Vec<String>, Vec<(String, String)>, Vec<String>) {
        let candidates =
            panes.iter().filter(|p| p.account.as_deref().is_none_or(|a| a == from) && !done.contains(&p.pane));
        let (todo, left) = self.loop_guard(candidates.collect());
        for p in &todo {
            if let Some(problem) = &p.args_problem {
                let with =
                    if p.args.is_some() { "the arguments of its last relaunch" } else { "claude_args from the config" };
                self.events.emit(
                    "args_not_carried",
                    &format!(
                        "{}: its claude's own arguments are not carried ({problem}); relaunched with {with}",
                        p.pane
                    ),
                    json!({"pane": p.pane, "problem": problem}),
                );
            }
        }
        let owned: Vec<SavedPane> = todo.iter().map(|p| (*p).clone()).collect();
        for problem in self.fleet.prepare(&owned, to) {
            self.events.emit("warning", &problem, json!({}));
        }
        let window = self.cfg.swap.resume_window;
        let todo = come_back_order(todo, &self.fleet.focused());
        let of = todo.len() + done.len();
        let back = std::sync::atomic::AtomicUsize::new(done.len());
        let _ = self.store.update(|s| {
            if let Some(sw) = s.swap.as_mut() {
                sw.coming_back = of;
            }
            Ok(())
        });
        self.fleet.progress(from, &to.name, done.len(), of);
        // A few at a time, in that order: each slot takes the next pane when its claude is back
        // (registered, its prompt box up, the resume prompt taken), never on a timer. The
        // interrupted panes come back first, alone: the others start once those are back, so
        // the pane the user waits for has the machine to itself.
        let slots = self.fleet.start_slots().max(1);
        let finished: std::sync::Mutex<Vec<(usize, Result<Relaunched>)>> = std::sync::Mutex::new(Vec::new());
        let first_wave = todo.iter().take_while(|p| p.interrupted.is_some()).count();
        for (offset, wave) in [(0, &todo[..first_wave]), (first_wave, &todo[first_wave..])] {
            let queue = std::sync::Mutex::new(
                wave.iter().enumerate().map(|(i, p)| (i + offset, *p)).collect::<std::collections::VecDeque<_>>(),
            );
            std::thread::scope(|scope| {
                for _ in 0..slots.min(wave.len()) {
                    scope.spawn(|| {
                        loop {
                            let next = queue.lock().unwrap_or_else(|e| e.into_inner()).pop_front();
                            let Some((i, p)) = next else { break };
                            let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                                self.faults.hit("swap.relaunch").and_then(|()| self.fleet.relaunch(p, to))
                            }))
                            .unwrap_or_else(|_| Err(anyhow::anyhow!("relaunch thread panicked")));
                            if let Ok(how) = &r {
                                self.record_back(p, how, to, window);
                                let n = back.fetch_add(1, std::sync::atomic::Ordering::SeqCst) + 1;
                                self.fleet.progress(from, &to.name, n, of);
                            }
                            finished.lock().unwrap_or_else(|e| e.into_inner()).push((i, r));
                        }
                    });
                }
            });
        }
        let mut finished = finished.into_inner().unwrap_or_else(|e| e.into_inner());
        finished.sort_by_key(|(i, _)| *i);
        let mut finished = finished.into_iter().peekable();
        let results: Vec<(&SavedPane, Result<Relaunched>)> = todo
            .iter()
            .enumerate()
            .map(|(i, p)| match finished.next_if(|(j, _)| *j == i) {
                Some((_, r)) => (*p, r),
                None => (*p, Err(anyhow::anyhow!("relaunch thread panicked"))),
            })
            .collect();
        let mut ok = Vec::new();
        let mut failed = Vec::new();
        for (p, r) in results {
            let pane = p.pane.clone();
            match r {
                Ok(how) => {
                    for note in &how.left_out {
                        self.events.emit(
                            "args_not_carried",
                            &format!("{pane}: {note}"),
                            json!({"pane": pane, "problem": note}),
                        );
                    }
                    let prompted = how.prompted;
                    let interrupted = p.interrupted.clone().or(how.interrupted);
                    let what = match (&interrupted, prompted) {
                        (Some(why), true) => format!("resume prompt typed (it was mid-turn: {why})"),
                        (None, true) => "resume prompt typed".to_string(),
                        (None, false) => "no prompt typed (it was idle)".to_string(),
                        (Some(_), false) => "no prompt typed".to_string(),
                    };
                    self.events.emit(
                        "relaunched",
                        &format!("{pane} resumed on {}; {what}", to.name),
                        json!({"pane": pane, "account": to.name, "prompted": prompted, "interrupted": interrupted}),
                    );
                    ok.push(pane);
                }
                Err(e) => {
                    self.events.emit(
                        "relaunch_failed",
                        &format!("{pane}: {e:#}"),
                        json!({"pane": pane, "account": to.name}),
                    );
                    failed.push((pane, format!("{e:#}")));
                }
            }
        }
        (ok, failed, left)
    }

    /// Split `panes` into those to relaunch and those the loop guard leaves alone (recorded,
    /// said in an event, and told to the user the first time).
    pub(super) fn loop_guard<'p>(&self, panes: Vec<&'p SavedPane>) -> (Vec<&'p SavedPane>, Vec<String>) {
        let now = self.clock.now();
        let st = self.store.load().unwrap_or_default();
        let mut todo = Vec::new();
        let mut left = Vec::new();
        for p in panes {
            match relaunch::guard(&self.cfg.swap, st.panes.get(&p.pane), p, now) {
                Verdict::Relaunch { fresh } => {
                    if fresh {
                        // The user started another claude there: its count starts over.
                        let _ = self.store.update(|s| {
                            if let Some(r) = s.panes.get_mut(&p.pane) {
                                r.resumes.clear();
                                r.left_alone = None;
                            }
                            Ok(())
                        });
                    }
                    todo.push(p);
                }
                Verdict::LeaveAlone { reason, again } => {
                    let account = p.account.clone().unwrap_or_else(|| "its account".into());
                    let msg = format!("{} left on {account}: {reason}", p.pane);
                    if !again {
                        let _ = self.store.update(|s| {
                            let r = s.panes.entry(p.pane.clone()).or_default();
                            r.left_alone =
                                Some(LeftAlone { at: now, reason: reason.clone(), claude_pid: p.claude_pid });
                            Ok(())
                        });
                        self.fleet.notify(self.events, &msg);
                    }
                    self.events.emit(
                        "left_alone",
                        &msg,
                        json!({"pane": p.pane, "account": p.account, "reason": reason}),
                    );
                    left.push(p.pane.clone());
                }
            }
        }
        (todo, left)
    }
}

/// The order panes come back in, by what the user waits for: the ones whose turn the limit cut
/// short first, then the ones the user is looking at (`focused`), then the rest, each group in
/// its saved order.
pub(crate) fn come_back_order<'p>(mut todo: Vec<&'p SavedPane>, focused: &[String]) -> Vec<&'p SavedPane> {
    todo.sort_by_key(|p| (p.interrupted.is_none(), !focused.contains(&p.pane)));
    todo
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pane(id: &str, interrupted: bool) -> SavedPane {
        SavedPane {
            pane: id.into(),
            cwd: "/".into(),
            account: Some("main".into()),
            session_id: None,
            claude_pid: None,
            plain: false,
            args: None,
            args_problem: None,
            interrupted: interrupted.then(|| "busy".to_string()),
            switch_model: None,
        }
    }

    #[test]
    fn the_interrupted_come_back_first_then_the_one_looked_at_then_the_rest_in_order() {
        let panes = [pane("%1", false), pane("%2", false), pane("%3", true), pane("%4", false), pane("%5", true)];
        let order: Vec<&str> =
            come_back_order(panes.iter().collect(), &["%4".to_string()]).iter().map(|p| p.pane.as_str()).collect();
        assert_eq!(order, ["%3", "%5", "%4", "%1", "%2"]);
        // Interrupted and looked at: still among the interrupted, first.
        let order: Vec<&str> =
            come_back_order(panes.iter().collect(), &["%5".to_string()]).iter().map(|p| p.pane.as_str()).collect();
        assert_eq!(order, ["%5", "%3", "%1", "%2", "%4"]);
    }
}
