//! Source: the inbox. Hooks and CLI commands drop one JSON message per file into
//! `<server>/inbox/`: a rescan request, or a detection with exact facts (the Claude Code hooks).

use std::path::PathBuf;

use serde_json::json;

use super::Daemon;
use crate::detect::Kind;
use crate::events::Sink;
use crate::server::Inbox;
use crate::swap::Trigger;

impl Daemon<'_> {
    pub(super) fn read_inbox(&mut self) {
        let Ok(rd) = std::fs::read_dir(self.server.inbox()) else { return };
        let mut files: Vec<PathBuf> = rd
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|e| e == "json"))
            .collect();
        files.sort();
        for f in files {
            let msg = std::fs::read(&f).ok().and_then(|b| serde_json::from_slice::<Inbox>(&b).ok());
            // Removed once handled: a daemon killed meanwhile handles it again (idempotent).
            match msg {
                Some(Inbox::Rescan) => self.rescan(),
                Some(Inbox::Detection { pane, session_id, config_dir, text }) => {
                    let now = self.clock.now();
                    let local = self.clock.local_zone();
                    let account = config_dir
                        .as_deref()
                        .and_then(|d| self.cfg.account_by_home(d).map(|a| a.name.clone()))
                        .or_else(|| session_id.as_deref().and_then(|s| self.account_of_session(s)))
                        .or_else(|| pane.as_deref().and_then(|p| self.claude_account_of(p)));
                    for d in self.detector.scan_text(&text, now, &local) {
                        let key = (session_id.clone().or(pane.clone()).unwrap_or_default(), d.fingerprint());
                        if !matches!(d.kind, Kind::Exhausted | Kind::Auth) || !self.session_seen.insert(key) {
                            continue;
                        }
                        let Some(account) = account.clone() else { continue };
                        self.events.emit(
                            "detected",
                            &format!("hook ({account}): {}", d.text),
                            json!({"pane": pane, "session_id": session_id, "source": "hook"}),
                        );
                        let auth = d.kind == Kind::Auth;
                        self.engine_run(Trigger::Limit { account, until: d.resets_at, text: d.text, auth });
                    }
                }
                None => {}
            }
            let _ = std::fs::remove_file(&f);
        }
    }
}
