//! Which panes run claude: a rescan lists the server's panes, attaches (pipes) the Claude panes not
//! watched yet, records the ones that cannot be watched (shown by the status line until it
//! passes), and forgets panes that are gone.

use std::collections::HashSet;
use std::os::unix::fs::MetadataExt;
use std::time::Instant;

use serde_json::json;

use super::Daemon;
use super::pane_logs::{PaneWatch, attach};
use crate::events::Sink;
use crate::links::{self, Pointer};
use crate::tmux::Tmux;

impl Daemon<'_> {
    /// Find Claude panes, attach the ones not attached yet, forget panes that are gone.
    pub(super) fn rescan(&mut self) {
        self.last_rescan = Instant::now();
        let panes = match self.tmux.list_panes() {
            Ok(p) => p,
            Err(e) => {
                self.events.emit("warning", &format!("cannot list panes: {e:#}"), json!({}));
                return;
            }
        };
        let st = self.store.load().unwrap_or_default();
        let live: HashSet<String> = panes.iter().map(|p| p.id.clone()).collect();
        let mut attached = false;
        for p in panes.iter().filter(|p| !p.dead) {
            if self.panes.contains_key(&p.id) {
                self.watchable_again(&p.id, &st); // attached by hand, or restored from a restart
                continue;
            }
            if st.panes.get(&p.id).is_some_and(|r| r.detached) {
                continue;
            }
            let Some(saved) = self.fleet().saved_pane(p) else {
                self.watchable_again(&p.id, &st); // no claude there (any more): nothing to protect
                continue;
            };
            match attach(self.tmux, &self.server, p) {
                Ok(log) => {
                    let (ino, len) = std::fs::metadata(&log).map(|m| (m.ino(), m.len())).unwrap_or((0, 0));
                    let watch = PaneWatch::resume(self.restored.remove(&p.id), ino, len, len, self.clock.now());
                    self.panes.insert(p.id.clone(), watch);
                    attached = true;
                    self.events.emit(
                        "attached",
                        &format!("watching {} ({})", p.id, saved.account.as_deref().unwrap_or("?")),
                        json!({"pane": p.id}),
                    );
                    // Its registry entry as the facts describe it, or the difference said.
                    if let Some((release, what)) = self.fleet().registry_drift(&saved) {
                        self.drift(release.as_deref(), &what);
                    }
                    let now = self.clock.now();
                    self.unwatchable.remove(&p.id);
                    let _ = self.store.update(|s| {
                        let r = s.panes.entry(p.id.clone()).or_default();
                        r.session_id = saved.session_id.clone().or(r.session_id.take());
                        r.cwd = Some(saved.cwd.clone());
                        r.account = saved.account.clone();
                        r.updated = Some(now);
                        r.unwatched = None;
                        Ok(())
                    });
                }
                Err(e) => {
                    // Not protected: said once in the events, and shown by the status line,
                    // `status` and `pane list` for as long as it lasts.
                    if self.unwatchable.insert(p.id.clone()) {
                        let why = format!("{e:#}");
                        self.events.emit("unwatched", &format!("cannot watch {}: {why}", p.id), json!({"pane": p.id}));
                        let _ = self.store.update(|s| {
                            let r = s.panes.entry(p.id.clone()).or_default();
                            r.cwd = Some(saved.cwd.clone());
                            r.account = saved.account.clone();
                            r.unwatched = Some(why);
                            Ok(())
                        });
                    }
                }
            }
        }
        // Panes that are gone: drop their log (a file we created) and their record.
        let gone: Vec<String> = self.panes.keys().filter(|id| !live.contains(*id)).cloned().collect();
        for id in gone {
            self.panes.remove(&id);
            let _ = std::fs::remove_file(self.server.log_of(&id));
        }
        self.restored.retain(|id, _| live.contains(id));
        self.unwatchable.retain(|id| live.contains(id));
        if attached {
            // From now on a restarted daemon reads this pane from here, not from its end.
            self.save_progress();
        }
        let _ = self.store.update(|s| {
            s.panes.retain(|id, _| live.contains(id));
            Ok(())
        });
    }

    /// A pane we reported as not watched no longer is (watched now, or no claude in it).
    pub(super) fn watchable_again(&mut self, pane: &str, st: &crate::state::State) {
        let recorded = st.panes.get(pane).is_some_and(|r| r.unwatched.is_some());
        if self.unwatchable.remove(pane) || recorded {
            let _ = self.store.update(|s| {
                if let Some(r) = s.panes.get_mut(pane) {
                    r.unwatched = None;
                }
                Ok(())
            });
        }
    }

    /// The account of the claude running in `pane`, or None when it runs no claude.
    pub(super) fn claude_account_of(&self, pane: &str) -> Option<String> {
        let p = self.tmux.list_panes().ok()?.into_iter().find(|p| p.id == pane)?;
        let saved = self.fleet().saved_pane(&p)?;
        saved.account.or_else(|| match links::read_pointer(self.cfg) {
            Pointer::Account(a) => Some(a),
            _ => None,
        })
    }
}
