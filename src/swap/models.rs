//! Model-scoped limits: `You've hit your Opus limit` (or a transcript's `seven_day_opus`) exhausts
//! Opus on that account, not the account. Only the panes of that account that use that model move,
//! each to the first account where neither the account nor that model is exhausted, with its own
//! `CLAUDE_CONFIG_DIR` on its relaunch line; `~/.claude` is not flipped, and a pane on another model
//! goes on where it is.
//!
//! A pane's model is its own `--model`, else its transcript's last real reply
//! (`crate::models::pane_family`). A pane whose model cannot be told moves too: left at a limit it
//! would stop, while an unneeded move costs one relaunch.

use jiff::Timestamp;
use serde_json::json;

use super::{Engine, Outcome, SwapError};
use crate::clock::fmt_utc;
use crate::config::Account;
use crate::state::SavedPane;

impl Engine<'_> {
    pub(super) fn model_limit(
        &self,
        account: &str,
        model: &str,
        until: Timestamp,
        text: &str,
        current: &str,
        now: Timestamp,
    ) -> Result<Outcome, SwapError> {
        self.store.update(|s| {
            let a = s.account_mut(account);
            a.models.insert(model.to_string(), until);
            a.models.retain(|_, t| *t > now);
            Ok(())
        })?;
        self.events.emit(
            "model_exhausted",
            &format!("{account}: {model} exhausted until {} (other models go on): {text}", fmt_utc(until)),
            json!({"account": account, "model": model, "until": fmt_utc(until), "text": text}),
        );
        self.move_panes(account, Some(model), current, now)
    }

    /// Move the panes of a non-active `account` that hit its limit (or, with `model`, the panes
    /// of `account` that use that model) to the first usable account with the model left,
    /// without flipping `~/.claude`. A pane that a model limit moved runs on another account than
    /// the active one; when that account's own limit comes, its panes move on from there.
    pub(super) fn move_panes(
        &self,
        account: &str,
        model: Option<&str>,
        current: &str,
        now: Timestamp,
    ) -> Result<Outcome, SwapError> {
        let st = self.store.load()?;
        if st.paused {
            return Ok(Outcome::Skipped("automatic swaps are paused".into()));
        }
        let what = model.unwrap_or("the account");
        let on_account = |p: &SavedPane| match &p.account {
            Some(a) => a == account,
            None => current == account, // a plain claude runs where `~/.claude` points
        };
        let panes: Vec<SavedPane> = self
            .fleet
            .discover()?
            .into_iter()
            .filter(|p| on_account(p) && model.is_none_or(|m| self.pane_model(p).is_none_or(|pm| pm == m)))
            .collect();
        if panes.is_empty() {
            return Ok(Outcome::Skipped(match model {
                Some(m) => format!("no pane on {account} uses {m}"),
                None => format!("{account} is not the active account ({current} is) and no pane runs on it"),
            }));
        }
        // `[swap] switch_model`: the panes stay on their account, on another model.
        if let Some(m) = model
            && let Some(other) = self.cfg.swap.switch_model.as_deref()
            && crate::models::family(other).is_some_and(|f| f != m)
            && let Some(here) = self.cfg.account(account)
        {
            let panes: Vec<SavedPane> = panes.into_iter().map(|p| on_model(p, other, &self.cfg.claude_args)).collect();
            return Ok(self.relaunch_here(account, here, m, other, &panes));
        }
        let Some(to) = self.model_target(account, model, now) else {
            return Ok(Outcome::Skipped(format!(
                "no other account has {what} left; {} pane(s) stay on {account}",
                panes.len()
            )));
        };
        let ids: Vec<String> = panes.iter().map(|p| p.pane.clone()).collect();
        self.events.emit(
            "move_started",
            &format!("{what} is exhausted on {account}: moving {} to {}", ids.join(", "), to.name),
            json!({"from": account, "to": to.name, "model": model, "panes": ids}),
        );
        let (relaunched, failed, _left_alone) = self.relaunch_all(account, to, &panes, &[]);
        for (pane, why) in &failed {
            self.events.emit("relaunch_failed", &format!("{pane}: {why}"), json!({"pane": pane}));
        }
        self.events.emit(
            "moved",
            &format!("{} pane(s) moved from {account} to {} ({what} exhausted)", relaunched.len(), to.name),
            json!({"from": account, "to": to.name, "model": model, "relaunched": relaunched}),
        );
        Ok(Outcome::Moved {
            from: account.to_string(),
            to: to.name.clone(),
            model: what.to_string(),
            relaunched,
            failed,
        })
    }

    /// Relaunch `panes` on their own account with `--model <other>` (`[swap] switch_model`).
    fn relaunch_here(&self, account: &str, here: &Account, model: &str, other: &str, panes: &[SavedPane]) -> Outcome {
        let ids: Vec<String> = panes.iter().map(|p| p.pane.clone()).collect();
        self.events.emit(
            "move_started",
            &format!("{model} is exhausted on {account}: {} go on there with --model {other}", ids.join(", ")),
            json!({"from": account, "to": account, "model": model, "switch_model": other, "panes": ids}),
        );
        let (relaunched, failed, _left_alone) = self.relaunch_all(account, here, panes, &[]);
        for (pane, why) in &failed {
            self.events.emit("relaunch_failed", &format!("{pane}: {why}"), json!({"pane": pane}));
        }
        self.events.emit(
            "moved",
            &format!("{} pane(s) switched to {other} on {account} ({model} exhausted)", relaunched.len()),
            json!({"from": account, "to": account, "model": model, "switch_model": other, "relaunched": relaunched}),
        );
        Outcome::Moved {
            from: account.to_string(),
            to: account.to_string(),
            model: model.to_string(),
            relaunched,
            failed,
        }
    }

    /// The model family a pane runs, when it can be told.
    fn pane_model(&self, p: &SavedPane) -> Option<String> {
        let home = p.account.as_deref().and_then(|a| self.cfg.account(a)).map(|a| a.home.clone());
        let transcript = match (&home, &p.session_id) {
            (Some(h), Some(id)) => crate::claude::find_transcript(h, &p.cwd, id),
            _ => None,
        };
        crate::models::pane_family(p.args.as_deref().unwrap_or_default(), transcript.as_deref())
    }

    /// The first account (config order) other than `from` that is usable and has `model` left.
    fn model_target(&self, from: &str, model: Option<&str>, now: Timestamp) -> Option<&Account> {
        let st = self.store.load().ok()?;
        self.cfg.accounts.iter().find(|a| {
            let s = st.account(&a.name);
            a.name != from
                && !s.needs_login
                && !s.exhausted_at(now)
                && model.is_none_or(|m| !s.model_exhausted_at(m, now))
                && crate::login::login_state(&a.home, now).is_ok()
        })
    }
}

/// `p` relaunched with `--model <model>`: its own `--model` replaced, or added to its arguments
/// (the config's `claude_args` when its own are not known).
fn on_model(mut p: SavedPane, model: &str, claude_args: &[String]) -> SavedPane {
    let mut args = p.args.take().unwrap_or_else(|| claude_args.to_vec());
    let mut out = Vec::with_capacity(args.len() + 2);
    let mut it = args.drain(..);
    while let Some(a) = it.next() {
        if a == "--model" {
            it.next(); // its value
        } else if !a.starts_with("--model=") {
            out.push(a);
        }
    }
    out.splice(0..0, ["--model".to_string(), model.to_string()]);
    p.args = Some(out);
    p.switch_model = Some(model.to_string());
    p
}
