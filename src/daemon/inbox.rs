//! Source: the inbox. Hooks and CLI commands drop one JSON message per file into
//! `<server>/inbox/`: a rescan request, or a detection with exact facts (the Claude Code hooks).

use std::path::PathBuf;

use super::Daemon;
use super::attribution::{Observation, Seen};
use crate::server::Inbox;

/// What one look at the inbox found.
#[derive(Default)]
pub(super) struct InboxRead {
    pub observations: Vec<Observation>,
    pub rescan: bool,
    /// The messages read: removed once handled (a daemon killed before that handles them again,
    /// which is harmless).
    pub files: Vec<PathBuf>,
}

impl Daemon<'_> {
    pub(super) fn read_inbox(&mut self) -> InboxRead {
        let mut read = InboxRead::default();
        let Ok(rd) = std::fs::read_dir(self.server.inbox()) else { return read };
        let mut files: Vec<PathBuf> = rd
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|e| e == "json"))
            .collect();
        files.sort();
        let now = self.clock.now();
        let local = self.clock.local_zone();
        for f in files {
            match std::fs::read(&f).ok().and_then(|b| serde_json::from_slice::<Inbox>(&b).ok()) {
                Some(Inbox::Rescan) => read.rescan = true,
                Some(Inbox::Detection { pane, session_id, config_dir, text }) => {
                    let printed_on =
                        config_dir.as_deref().and_then(|d| self.cfg.account_by_home(d).map(|a| a.name.clone()));
                    let seen_in = Seen::Hook { pane, session: session_id };
                    read.observations.extend(self.detector.scan_text(&text, now, &local).into_iter().map(
                        |detection| Observation {
                            seen_in: seen_in.clone(),
                            detection,
                            printed_on: printed_on.clone(),
                            exact: false,
                        },
                    ));
                }
                None => {}
            }
            read.files.push(f);
        }
        read
    }
}
