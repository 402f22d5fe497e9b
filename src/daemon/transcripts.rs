//! Source: the shared transcripts (`projects/**/<session>.jsonl`). Their API-error lines name the
//! session exactly and, since 2.1.332, carry the limit's claim and exact reset second.

use std::fs::File;
use std::io::{Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};

use jiff::Timestamp;

use super::Daemon;
use super::attribution::{Observation, Seen};
use crate::claude;
use crate::detect::{Detection, Kind};

/// How much of a transcript one read takes at most.
const READ_MAX: u64 = 1 << 20;

/// A transcript's structured fields win over its text: a quota line (2.1.332's
/// `apiError: "usage_limit_reached"`) is a limit even in a wording we do not know, with the
/// exact reset epoch and the claim it carries.
pub(super) fn with_structured(err: &claude::ApiError, mut found: Vec<Detection>) -> Vec<Detection> {
    if !err.is_usage_limit() {
        return found;
    }
    let exact = err.resets_at.and_then(|s| Timestamp::from_second(s).ok());
    if !found.iter().any(|d| d.kind == Kind::Exhausted) {
        let text = err.text.lines().find(|l| !l.trim().is_empty()).unwrap_or("usage_limit_reached").trim();
        found.push(Detection { kind: Kind::Exhausted, limit: None, resets_at: None, text: text.to_string() });
    }
    for d in found.iter_mut().filter(|d| d.kind == Kind::Exhausted) {
        d.resets_at = exact.or(d.resets_at);
        d.limit = err.limit_name().or(d.limit.take());
    }
    found
}

impl Daemon<'_> {
    /// New lines of a transcript → observations: API-error lines are limit messages with an
    /// exact session (and, in their structured fields, the exact reset, applied at once).
    pub(super) fn read_transcript(&mut self, path: &Path) -> Vec<Observation> {
        let first_sight = !self.transcripts.contains_key(path);
        let offset = *self.transcripts.get(path).unwrap_or(&0);
        let Ok(mut f) = File::open(path) else { return Vec::new() };
        let len = f.metadata().map(|m| m.len()).unwrap_or(0);
        let offset = if len < offset { 0 } else { offset };
        if f.seek(SeekFrom::Start(offset)).is_err() {
            return Vec::new();
        }
        let mut buf = Vec::new();
        let _ = f.by_ref().take(READ_MAX).read_to_end(&mut buf);
        // Only whole lines; a partial last line is read again next time.
        let end = buf.iter().rposition(|b| *b == b'\n').map(|i| i + 1).unwrap_or(0);
        self.transcripts.insert(path.to_path_buf(), offset + end as u64);
        self.read_transcripts.insert(path.to_path_buf());
        self.progress_dirty |= end > 0;
        let mut obs = Vec::new();
        let now = self.clock.now();
        let local = self.clock.local_zone();
        for line in buf[..end].split(|b| *b == b'\n') {
            let Ok(line) = std::str::from_utf8(line) else { continue };
            let Some(err) = claude::parse_transcript_line(line) else { continue };
            let scanned = self.detector.scan_text(&err.text, now, &local);
            let classified = scanned.iter().any(|d| d.kind == Kind::Exhausted);
            let found_here = with_structured(&err, scanned);
            // The exact reset refines the account's even when this copy is old news (read after
            // its pane was relaunched, or already counted from the screen).
            let exact = err.resets_at.and_then(|s| Timestamp::from_second(s).ok());
            if let (Some(exact), Some(d)) = (exact, found_here.iter().find(|d| d.kind == Kind::Exhausted)) {
                let charged = self.counted.get(&d.fingerprint()).map(|(a, _)| a.clone());
                self.refine_reset(charged.or_else(|| self.account_of_session(&err.session_id)), exact);
            }
            // History copied into a new file (older Claude versions on resume) is not news.
            let ts: Option<Timestamp> = err.timestamp.as_deref().and_then(|t| t.parse().ok());
            if first_sight && ts.is_some_and(|t| t < self.started) {
                continue;
            }
            // The pane showing this session: the two sources share its seen-set, so one message
            // counts once, and an error older than the pane's relaunch belongs to the old account.
            let st = self.store.load().unwrap_or_default();
            let pane = st
                .panes
                .iter()
                .find(|(_, r)| r.session_id.as_deref() == Some(err.session_id.as_str()))
                .map(|(id, r)| (id.clone(), r.relaunched_at));
            if let (Some(t), Some((_, Some(rel)))) = (ts, &pane)
                && t < *rel
            {
                continue;
            }
            // News that the facts did not lead us to expect: said where the user looks.
            if let Some(what) = crate::drift::of_quota_line(
                err.version.as_deref(),
                err.api_error.as_deref(),
                err.resets_at.is_some(),
                err.status,
                classified,
                &err.text,
            ) {
                self.drift(err.version.as_deref(), &what);
            }
            let seen_in = Seen::Session { id: err.session_id.clone(), pane };
            let exact = exact.is_some();
            obs.extend(found_here.into_iter().map(|detection| Observation {
                seen_in: seen_in.clone(),
                detection,
                printed_on: None,
                exact,
            }));
        }
        obs
    }

    /// The directory transcripts land in: the shared `projects` target.
    pub(super) fn projects_root(&self) -> Option<PathBuf> {
        self.cfg.shared.iter().find(|l| l.name == "projects").map(|l| l.target.clone()).filter(|p| p.is_dir())
    }

    /// Existing transcripts are read from their current end: only new lines are news.
    pub(super) fn prime_transcripts(&mut self, root: &Path) {
        let mut stack = vec![root.to_path_buf()];
        let mut budget = 100_000usize;
        while let Some(dir) = stack.pop() {
            let Ok(rd) = std::fs::read_dir(&dir) else { continue };
            for e in rd.flatten() {
                budget = budget.saturating_sub(1);
                if budget == 0 {
                    return;
                }
                let p = e.path();
                match e.file_type() {
                    Ok(t) if t.is_dir() => stack.push(p),
                    Ok(t) if t.is_file() && p.extension().is_some_and(|x| x == "jsonl") => {
                        let len = e.metadata().map(|m| m.len()).unwrap_or(0);
                        self.transcripts.insert(p, len);
                    }
                    _ => {}
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::detect::Detector;

    fn quota_line(text: &str, extra: &str) -> claude::ApiError {
        let line = format!(
            r#"{{"type":"assistant","isApiErrorMessage":true,"sessionId":"0b5e7c1a-3f2d-4e8b-9a6c-1d2e3f4a5b6c","message":{{"content":[{{"type":"text","text":"{text}"}}]}}{extra}}}"#
        );
        claude::parse_transcript_line(&line).expect("an API error line")
    }

    #[test]
    fn structured_quota_fields_win_over_the_text() {
        let det = Detector::new(&[]).unwrap();
        let now: Timestamp = "2026-11-30T20:00:00Z".parse().unwrap();
        let tz = jiff::tz::TimeZone::UTC;
        let fields = r#","apiError":"usage_limit_reached","apiErrorParams":{"rate_limit_info":{"resetsAt":1796078101,"rateLimitType":"seven_day_opus"}}"#;
        // A known wording: the exact second and the claim replace what the text says.
        let e = quota_line("You've hit your 5-hour limit · resets 10:35pm (UTC)", fields);
        let d = with_structured(&e, det.scan_text(&e.text, now, &tz));
        assert_eq!(d.len(), 1);
        assert_eq!(d[0].resets_at, Timestamp::from_second(1796078101).ok());
        assert_eq!(d[0].limit.as_deref(), Some("opus"));
        // A wording nobody has seen: still a limit, from the fields alone.
        let e = quota_line("Quota gone until later", fields);
        let d = with_structured(&e, det.scan_text(&e.text, now, &tz));
        assert_eq!(d.len(), 1);
        assert_eq!(d[0].kind, Kind::Exhausted);
        assert_eq!(d[0].text, "Quota gone until later");
        // Without the fields (older builds, a transient error): the text alone decides.
        let e = quota_line("API Error: 529 Overloaded", r#","error":"server_error""#);
        assert!(with_structured(&e, det.scan_text(&e.text, now, &tz)).iter().all(|d| d.kind != Kind::Exhausted));
    }
}
