//! The fleet of a swap with no panes to move: `swap` with no tmux server, and unit tests of the
//! file-level machine.

use std::path::Path;

use anyhow::Result;

use super::{Fleet, Relaunched};
use crate::config::Account;
use crate::state::SavedPane;

pub struct NoPanes;

impl Fleet for NoPanes {
    fn discover(&self) -> Result<Vec<SavedPane>> {
        Ok(Vec::new())
    }
    fn prepare(&self, _: &[SavedPane], _: &Account) -> Vec<String> {
        Vec::new()
    }
    fn point_new_panes(&self, _: &Path) -> Result<()> {
        Ok(())
    }
    fn relaunch(&self, _: &SavedPane, _: &Account) -> Result<Relaunched> {
        Ok(Relaunched::default())
    }
    fn nudge(&self, _: &SavedPane) -> Result<()> {
        Ok(())
    }
    fn maintain_sessions(&self, _: &Account) -> Vec<String> {
        Vec::new()
    }
}
