//! Source: the accounts' session registries (`<home>/sessions/<pid>.json`). A new entry means a
//! claude started (a rescan attaches its pane); a live entry tells which account a session runs on.

use std::path::Path;

use notify::{RecursiveMode, Watcher};

use super::Daemon;
use crate::claude;

/// Watch where a new claude of this account shows up: its `sessions/` registry, else its home
/// (to see `sessions/` made), else the home's parent (to see the home made).
pub(super) fn watch_account(watcher: &mut impl Watcher, home: &Path) {
    let sessions = home.join("sessions");
    let target = if sessions.is_dir() {
        sessions
    } else if home.is_dir() {
        home.to_path_buf()
    } else {
        match home.parent().filter(|p| p.is_dir()) {
            Some(p) => p.to_path_buf(),
            None => return,
        }
    };
    let _ = watcher.watch(&target, RecursiveMode::NonRecursive);
}

impl Daemon<'_> {
    /// The account a session runs on: the account of the claude process that runs it, found
    /// through the accounts' live registries. An entry whose process is gone (or is another
    /// process by now) never counts: a plain `claude` that exits after `~/.claude` was flipped
    /// leaves its entry behind in the old account's home.
    pub(super) fn account_of_session(&self, session_id: &str) -> Option<String> {
        let (home, entry) = self.cfg.accounts.iter().find_map(|a| {
            claude::live_sessions(&a.home)
                .into_iter()
                .find(|l| l.session_id == session_id && l.is_current())
                .map(|l| (a, l))
        })?;
        // A claude with its own CLAUDE_CONFIG_DIR runs on that account, whatever dir holds it.
        match crate::procs::env_var(entry.pid, "CLAUDE_CONFIG_DIR").filter(|d| !d.is_empty()) {
            Some(d) if Path::new(&d) != self.cfg.claude_dir => {
                self.cfg.account_by_home(Path::new(&d)).map(|a| a.name.clone())
            }
            _ => Some(home.name.clone()),
        }
    }
}
