//! Attribution: which account a detection is charged to, and whether it is news. A message already
//! seen in a pane (a redraw, a resumed session's history) never counts again; only a pane that runs
//! claude now counts; a copy read after its pane was relaunched that was charged to the old account
//! just before is the old account's, read late. A limit to act on leaves here with its account and
//! reset decided.

use jiff::Timestamp;
use serde_json::json;

use super::Daemon;
use super::progress::PendingLimit;
use crate::clock::fmt_utc;
use crate::detect::{Detection, Kind};
use crate::events::Sink;

/// A fingerprint seen in a pane is ignored for this long.
pub(super) const SEEN_TTL: jiff::SignedDuration = jiff::SignedDuration::from_hours(12);
/// A charge is kept this long (it only matters around a relaunch; the same text comes back
/// another day).
pub(super) const COUNTED_KEEP: jiff::SignedDuration = jiff::SignedDuration::from_hours(1);

/// What a source saw: one detection, and where. Sources read and classify; they decide nothing.
#[derive(Debug)]
pub(super) struct Observation {
    pub seen_in: Seen,
    pub detection: Detection,
    /// The account it was printed on, when the source knows it (a pane's output before its
    /// relaunch's exit hint; a hook's config dir).
    pub printed_on: Option<String>,
    /// The reset is the exact second (a transcript's quota line), not a time read off a screen.
    pub exact: bool,
}

/// Where an observation was made.
#[derive(Debug, Clone)]
pub(super) enum Seen {
    /// In a pane's log.
    Pane(String),
    /// In a session's transcript; `pane` shows that session (with its last relaunch), if any.
    Session { id: String, pane: Option<(String, Option<Timestamp>)> },
    /// Reported by a Claude Code hook.
    Hook { pane: Option<String>, session: Option<String> },
}

impl Observation {
    /// A limit or a login problem: the daemon's progress is saved before it is judged further.
    pub(super) fn urgent(&self) -> bool {
        matches!(self.detection.kind, Kind::Exhausted | Kind::Auth)
    }
}

impl Daemon<'_> {
    /// Judge one observation: a limit to act on comes back, with its account and reset decided;
    /// everything else is logged.
    pub(super) fn judge(&mut self, o: Observation) -> Option<PendingLimit> {
        match o.seen_in {
            Seen::Pane(pane) => self.judge_pane_detection(&pane, o.detection, o.printed_on),
            Seen::Session { id, pane } => self.judge_session(&id, pane, o.detection, o.exact),
            Seen::Hook { pane, session } => self.judge_hook(pane, session, o.printed_on, o.detection),
        }
    }

    /// Judge one detection in a pane; a limit to act on comes back, everything else is logged.
    /// `printed_on`: the account the pane ran on when this was printed, when it is known to differ
    /// from the current one (read after a relaunch, from before it).
    fn judge_pane_detection(&mut self, pane: &str, d: Detection, printed_on: Option<String>) -> Option<PendingLimit> {
        let now = self.clock.now();
        let fp = d.fingerprint();
        let fp_seen = fp.clone();
        // The pane's transcript may have told us first: then this is the first time its screen
        // shows it, live (counted once all the same).
        let told_by_session = self.told_by_session.remove(&(pane.to_string(), fp.clone()));
        if let Some(w) = self.panes.get_mut(pane) {
            w.seen.retain(|_, t| *t > now);
            if w.seen.contains_key(&fp_seen) {
                if told_by_session && matches!(d.kind, Kind::Exhausted | Kind::Auth) {
                    self.limit_on_screen(pane, now);
                }
                return None; // a redraw, or a resumed session re-rendering its history
            }
            w.seen.insert(fp_seen, now.checked_add(SEEN_TTL).unwrap_or(now));
        }
        let fields = json!({"pane": pane, "kind": d.kind, "limit": d.limit, "resets_at": d.resets_at.map(fmt_utc), "text": d.text, "source": "pane"});
        match d.kind {
            Kind::Warning | Kind::Transient => {
                self.events.emit(
                    if d.kind == Kind::Warning { "limit_warning" } else { "transient" },
                    &format!("{pane}: {}", d.text),
                    fields,
                );
                return None;
            }
            Kind::Exhausted | Kind::Auth => {}
        }
        // Only a pane that runs claude now counts: a shell printing the same words is not a limit.
        let Some(account) = printed_on.or_else(|| self.claude_account_of(pane)) else {
            self.events.emit("ignored", &format!("{pane} does not run claude: {}", d.text), fields);
            return None;
        };
        // While a swap runs, other panes' copies of the same message wait unread in their logs;
        // read after their pane moved, they would blame the new account for the old one's limit.
        let relaunched = self.store.load().ok().and_then(|s| s.panes.get(pane).and_then(|r| r.relaunched_at));
        if let Some(charged) = self.counted_before(relaunched, &fp, &account, now) {
            self.events.emit(
                "ignored",
                &format!("{pane}: printed before its relaunch (already counted for {charged}): {}", d.text),
                fields,
            );
            return None;
        }
        self.charge(fp, &account, now);
        self.limit_on_screen(pane, now);
        self.events.emit("detected", &format!("{pane} ({account}): {}", d.text), fields);
        Some(self.limit(account, d, false))
    }

    /// Remember that `pane`'s own screen showed a limit live: its claude was cut off mid-turn
    /// (`PaneRecord::limit_on_screen`, read when a swap saves the pane).
    fn limit_on_screen(&mut self, pane: &str, now: Timestamp) {
        let _ = self.store.update(|s| {
            s.panes.entry(pane.to_string()).or_default().limit_on_screen = Some(now);
            Ok(())
        });
    }

    /// Judge one detection in a session's transcript. The pane showing the session shares its
    /// seen-set with the pane log, so one message counts once.
    fn judge_session(
        &mut self,
        session: &str,
        pane: Option<(String, Option<Timestamp>)>,
        d: Detection,
        exact: bool,
    ) -> Option<PendingLimit> {
        let now = self.clock.now();
        let fp = d.fingerprint();
        if !self.session_seen.insert((session.to_string(), fp.clone())) {
            return None;
        }
        if let Some((id, _)) = &pane
            && let Some(w) = self.panes.get_mut(id)
        {
            if w.seen.contains_key(&fp) {
                return None;
            }
            w.seen.insert(fp.clone(), now.checked_add(SEEN_TTL).unwrap_or(now));
            if matches!(d.kind, Kind::Exhausted | Kind::Auth) {
                self.told_by_session.insert((id.clone(), fp));
            }
        }
        let fields = json!({"session_id": session, "kind": d.kind, "limit": d.limit, "resets_at": d.resets_at.map(fmt_utc), "text": d.text, "source": "transcript"});
        if !matches!(d.kind, Kind::Exhausted | Kind::Auth) {
            self.events.emit(if d.kind == Kind::Warning { "limit_warning" } else { "transient" }, &d.text, fields);
            return None;
        }
        let Some(account) = self.account_of_session(session) else {
            self.events.emit("ignored", &format!("session {session} runs on no known account: {}", d.text), fields);
            return None;
        };
        // Read late, after its pane was relaunched: the copy the pane log already charged to the
        // old account (the transcript's own stamp may come from another clock).
        let relaunched = pane.as_ref().and_then(|(_, rel)| *rel);
        if let Some(charged) = self.counted_before(relaunched, &d.fingerprint(), &account, now) {
            let msg =
                format!("session {session}: written before its relaunch (already counted for {charged}): {}", d.text);
            self.events.emit("ignored", &msg, fields);
            return None;
        }
        self.charge(d.fingerprint(), &account, now);
        self.events.emit("detected", &format!("session {session} ({account}): {}", d.text), fields);
        let exact = exact && d.kind == Kind::Exhausted;
        Some(self.limit(account, d, exact))
    }

    /// Judge a detection a hook reported. Its account: the hook's config dir, else the session's,
    /// else the pane's claude's. Only limits and login problems come this way; like the other
    /// two paths it marks the pane's seen-set, charges the account, and is saved before acting.
    fn judge_hook(
        &mut self,
        pane: Option<String>,
        session: Option<String>,
        printed_on: Option<String>,
        d: Detection,
    ) -> Option<PendingLimit> {
        let now = self.clock.now();
        let fp = d.fingerprint();
        let key = (session.clone().or(pane.clone()).unwrap_or_default(), fp.clone());
        if !matches!(d.kind, Kind::Exhausted | Kind::Auth) || !self.session_seen.insert(key) {
            return None;
        }
        // The pane's own copy of the message (in its log) is the same message: one counts.
        if let Some(w) = pane.as_deref().and_then(|p| self.panes.get_mut(p)) {
            if w.seen.contains_key(&fp) {
                return None;
            }
            w.seen.insert(fp.clone(), now.checked_add(SEEN_TTL).unwrap_or(now));
        }
        let account = printed_on
            .or_else(|| session.as_deref().and_then(|s| self.account_of_session(s)))
            .or_else(|| pane.as_deref().and_then(|p| self.claude_account_of(p)))?;
        self.charge(fp, &account, now);
        self.events.emit(
            "detected",
            &format!("hook ({account}): {}", d.text),
            json!({"pane": pane, "session_id": session, "source": "hook"}),
        );
        Some(self.limit(account, d, false))
    }

    /// Charge a message to an account. The first charge's time stays while later copies charge
    /// the same account: "charged before the relaunch" must not move past the relaunch because
    /// other panes' copies were read late.
    pub(super) fn charge(&mut self, fp: String, account: &str, now: Timestamp) {
        self.counted.retain(|_, (_, at)| now.duration_since(*at) < COUNTED_KEEP);
        if self.counted.get(&fp).is_none_or(|(charged, _)| charged != account) {
            self.counted.insert(fp, (account.to_string(), now));
        }
    }

    /// A message read after its pane was relaunched that was already charged to another account
    /// just before: the old account's message, read late. Both times are ours (not the
    /// message's own stamp), so this holds whatever the clocks of the processes that wrote it.
    pub(super) fn counted_before(
        &self,
        relaunched: Option<Timestamp>,
        fp: &str,
        account: &str,
        now: Timestamp,
    ) -> Option<String> {
        let (charged, at) = self.counted.get(fp)?;
        let rel = relaunched?;
        (charged != account && rel >= *at && now.duration_since(rel) < jiff::SignedDuration::from_mins(2))
            .then(|| charged.clone())
    }

    /// A limit to act on, with everything decided now: the account, and the reset (the fallback
    /// when none is printed counts from now, not from whenever it is acted on).
    /// `exact`: the reset is the transcript's own second, not a time read off the screen.
    pub(super) fn limit(&self, account: String, d: Detection, exact: bool) -> PendingLimit {
        let now = self.clock.now();
        let auth = d.kind == Kind::Auth;
        let until = (!auth).then(|| match d.resets_at {
            // Claude prints the reset to the minute, seconds truncated (`resetsAt` 21:07:41 reads
            // `9:07pm`): the limit is over by the end of that minute, not at its start. Going back
            // at its start would meet the limit again. The transcript's exact second refines it.
            Some(t) if !exact && t.subsec_nanosecond() == 0 && t.as_second().rem_euclid(60) == 0 => {
                t.checked_add(jiff::SignedDuration::from_secs(60)).unwrap_or(t)
            }
            Some(t) => t,
            None => now.checked_add(self.cfg.swap.fallback_reset).unwrap_or(now),
        });
        let model = if auth { None } else { d.limit.as_deref().and_then(crate::models::limit_model) };
        PendingLimit { found: now, account, until, text: d.text, auth, model }
    }

    /// The screen prints a reset to the minute (seconds truncated), which [`Daemon::limit`] reads
    /// as the end of that minute; the transcript's quota line carries the exact second. When the
    /// account's recorded reset is within a minute of it, the exact one replaces it: neither too
    /// early (the limit met again) nor later than needed.
    pub(super) fn refine_reset(&self, account: Option<String>, exact: Timestamp) {
        let Some(account) = account else { return };
        let mut refined = None;
        let minute = jiff::SignedDuration::from_secs(61);
        let now = self.clock.now();
        let _ = self.store.update(|s| {
            let a = s.account_mut(&account);
            let Some(old) = a.exhausted_until else { return Ok(()) };
            if old == exact || exact.duration_since(old).abs() >= minute {
                return Ok(());
            }
            a.exhausted_until = Some(exact);
            refined = Some(old);
            if let Some(w) = s.waiting.as_mut()
                && w.account == account
                && w.until == old
            {
                w.until = exact;
            }
            crate::swap::schedule_return(self.cfg, s, now);
            Ok(())
        });
        if let Some(old) = refined {
            self.events.emit(
                "reset_refined",
                &format!("{account} resets at {} (the screen said {})", fmt_utc(exact), fmt_utc(old)),
                json!({"account": account, "until": fmt_utc(exact)}),
            );
        }
    }
}
