//! Source: the config file. A valid change ends this daemon with `Stop::Reload` (the caller runs a
//! new one in the same process, which takes up this one's progress); an invalid one is reported
//! once per version and the running config stays.

use serde_json::json;

use super::Daemon;
use crate::events::Sink;
use crate::tmux::Tmux;

impl Daemon<'_> {
    /// The config file changed: true when it is valid and different (reload). Invalid, it is
    /// reported once per version and the running config stays.
    pub(super) fn config_changed(&mut self, seen: &mut Option<Vec<u8>>) -> bool {
        let file = &self.paths.config_file;
        let now = std::fs::read(file).ok();
        if now.is_none() || now == *seen {
            return false; // removed (an editor's save in progress, or gone: keep running) or unchanged
        }
        *seen = now;
        match crate::config::load(file, &self.paths.home) {
            Ok(_) => true,
            Err(e) => {
                let msg = format!("{} has errors; the daemon keeps its running config: {e:#}", file.display());
                self.events.emit("warning", &msg, json!({}));
                let _ = self.tmux.display_message(&format!("claude-failover: {msg}"));
                false
            }
        }
    }
}
