//! What a swap does with each pane beyond moving it (issue 15): whether it was mid-turn when the
//! limit hit (only then is the resume prompt typed: `[swap] resume_prompt_when`), and the loop
//! guard that leaves alone a pane relaunched too often (`max_resumes` within `resume_window`).
//!
//! Mid-turn is decided before the old claude is stopped, from three signals:
//! - the limit was shown live on the pane's own screen (the daemon read it in the pane's log as
//!   news, not as a redraw of a resumed history): the strongest, as it holds whatever the
//!   registry and the transcript's format say;
//! - the registry entry's `status` is `busy` (a request or a tool is running: stopping it
//!   interrupts it);
//! - the transcript's last assistant line is an API error that stopped the account (a quota, or
//!   a login gone): the turn failed and nobody got an answer.
//!
//! The second is the one that matters on the real CLI: 2.1.332 sets its status back to `idle` as
//! soon as the 429 is shown, so by the time the daemon has read the limit and begun the swap the
//! pane that hit it looks idle in the registry. Its transcript ends with the synthetic
//! `isApiErrorMessage` line (`apiError: "usage_limit_reached"`) — but written a moment after the
//! message is shown, so a swap fast enough can save the pane in between. A pane saved as idle is
//! therefore looked at once more after its claude has stopped (`fleet`): a stopped claude adds no
//! assistant turn, so that look still tells what the pane was doing before the stop.
//!
//! The invariant a newcomer could break: when in doubt a pane is idle. A transcript too large to
//! read to its last assistant line, a transient error (529, a plain 429) or a missing transcript
//! never makes a pane "interrupted": typing into a session nobody asked to resume is what users
//! object to.

use std::io::{Read, Seek, SeekFrom};
use std::path::Path;

use jiff::{SignedDuration, Timestamp};
use serde_json::Value;

use crate::claude;
use crate::config::SwapConfig;
use crate::detect::{Detector, Kind};
use crate::state::{PaneRecord, SavedPane};

/// How much of a transcript's end is read for its last assistant line: a first look, then, when
/// that holds none, a longer one. One exchange writes ~160 KB (attachments, request shapes), and
/// the line sought is near the end, so the first look usually settles it; a swap reads one per
/// pane before anything moves.
const FIRST_LOOK: u64 = 256 << 10;
const TAIL_BYTES: u64 = 4 << 20;

/// Why a pane counts as mid-turn when its own screen showed the limit live (the daemon saw it
/// there first, not as a redraw): the turn it was in was cut off, whatever its registry (already
/// back to idle) and its transcript (a format that changed, a line not written yet) say.
pub const LIMIT_ON_SCREEN: &str = "its screen showed the limit";

/// Why the registry says a claude is mid-turn, if it does.
pub fn busy(status: Option<&str>) -> Option<String> {
    (status == Some("busy")).then(|| "busy".to_string())
}

/// The message the last turn of the transcript at `path` failed on, when its last assistant
/// line (the main conversation's, not a subagent's) is an API error that stops the account: a
/// usage limit (`apiError: "usage_limit_reached"`, or a text `detector` classifies as
/// `exhausted`) or a lost login (`auth`). `None` when the last assistant line is an answer or a
/// transient error, or none is found within the file's last few megabytes.
pub fn last_turn_failed(path: &Path, detector: &Detector, now: Timestamp) -> Option<String> {
    let mut f = std::fs::File::open(path).ok()?;
    let len = f.metadata().ok()?.len();
    for look in [FIRST_LOOK, TAIL_BYTES] {
        let start = len.saturating_sub(look);
        f.seek(SeekFrom::Start(start)).ok()?;
        let mut buf = Vec::new();
        (&mut f).take(look).read_to_end(&mut buf).ok()?;
        let text = String::from_utf8_lossy(&buf);
        // A read that starts mid-file starts mid-line: that piece is not a line.
        let text = if start > 0 { text.split_once('\n').map_or("", |(_, rest)| rest) } else { &text };
        if let Some(answer) = last_assistant(text, detector, now) {
            return answer;
        }
        if start == 0 {
            break;
        }
    }
    None
}

/// What the last main-conversation assistant line in `text` says: `Some(Some(message))` a turn
/// that failed on the account, `Some(None)` an answer or a transient error, `None` no such line.
fn last_assistant(text: &str, detector: &Detector, now: Timestamp) -> Option<Option<String>> {
    for line in text.lines().rev() {
        // Cheap filter first: most lines (attachments, request shapes) are not assistant lines.
        if !line.contains("\"assistant\"") {
            continue;
        }
        let Ok(v) = serde_json::from_str::<Value>(line) else { continue };
        if v.get("type").and_then(Value::as_str) != Some("assistant")
            || v.get("isSidechain").and_then(Value::as_bool) == Some(true)
        {
            continue;
        }
        let Some(err) = claude::parse_transcript_line(line) else { return Some(None) };
        let stops = err.is_usage_limit()
            || detector
                .scan_text(&err.text, now, &jiff::tz::TimeZone::UTC)
                .iter()
                .any(|d| matches!(d.kind, Kind::Exhausted | Kind::Auth));
        return Some(stops.then(|| err.text.lines().map(str::trim).collect::<Vec<_>>().join(" ")));
    }
    None
}

/// What the loop guard says about relaunching a pane now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// Relaunch it. `fresh`: forget its earlier relaunches (the user restarted its claude by
    /// hand since the guard left it alone).
    Relaunch { fresh: bool },
    /// Leave it where it is, and why; `again`: it was already left alone, and said so.
    LeaveAlone { reason: String, again: bool },
}

/// The loop guard: a pane relaunched `max_resumes` times within `resume_window` is not
/// relaunched again until the window has moved past the oldest of them, or until the user
/// starts another claude in it.
pub fn guard(cfg: &SwapConfig, rec: Option<&PaneRecord>, pane: &SavedPane, now: Timestamp) -> Verdict {
    let Some(rec) = rec else { return Verdict::Relaunch { fresh: false } };
    if cfg.max_resumes == 0 {
        return Verdict::Relaunch { fresh: false };
    }
    let restarted = rec
        .left_alone
        .as_ref()
        .is_some_and(|l| l.claude_pid.is_some() && pane.claude_pid.is_some() && l.claude_pid != pane.claude_pid);
    if restarted {
        return Verdict::Relaunch { fresh: true };
    }
    let n = recent(&rec.resumes, now, cfg.resume_window).len();
    if n < cfg.max_resumes as usize {
        return Verdict::Relaunch { fresh: false };
    }
    Verdict::LeaveAlone {
        reason: format!(
            "relaunched {n} times in the last {}; left where it is so it does not loop (max_resumes = {}): resume it by hand",
            human(cfg.resume_window),
            cfg.max_resumes
        ),
        again: rec.left_alone.is_some(),
    }
}

/// The relaunch times still inside the window that ends at `now`.
pub fn recent(resumes: &[Timestamp], now: Timestamp, window: SignedDuration) -> Vec<Timestamp> {
    let since = now.checked_sub(window).unwrap_or(now);
    resumes.iter().copied().filter(|t| *t > since).collect()
}

/// `30 min`, `2 h`, `90 s`.
fn human(d: SignedDuration) -> String {
    let s = d.as_secs();
    if s != 0 && s % 3600 == 0 {
        format!("{} h", s / 3600)
    } else if s != 0 && s % 60 == 0 {
        format!("{} min", s / 60)
    } else {
        format!("{s} s")
    }
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    use super::*;
    use crate::state::LeftAlone;

    const SID: &str = "0b5e7c1a-3f2d-4e8b-9a6c-1d2e3f4a5b6c";

    fn user(text: &str) -> String {
        serde_json::json!({"type":"user","sessionId":SID,"message":{"role":"user","content":text}}).to_string()
    }
    fn answer(text: &str) -> String {
        serde_json::json!({"type":"assistant","sessionId":SID,"message":{"role":"assistant","content":[{"type":"text","text":text}]}})
            .to_string()
    }
    fn api_error(text: &str, extra: Value) -> String {
        let mut v = serde_json::json!({"type":"assistant","isApiErrorMessage":true,"error":"rate_limit","apiErrorStatus":429,
            "sessionId":SID,"message":{"model":"<synthetic>","role":"assistant","content":[{"type":"text","text":text}]}});
        for (k, x) in extra.as_object().unwrap() {
            v[k] = x.clone();
        }
        v.to_string()
    }
    fn system(text: &str) -> String {
        serde_json::json!({"type":"system","subtype":"informational","content":text}).to_string()
    }

    fn failed(lines: &[String]) -> Option<String> {
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("t.jsonl");
        std::fs::write(&p, lines.join("\n") + "\n").unwrap();
        last_turn_failed(&p, &Detector::new(&[]).unwrap(), Timestamp::UNIX_EPOCH)
    }

    #[test]
    fn a_turn_that_failed_on_the_limit_is_interrupted() {
        // 2.1.332: the structured quota line, then its informational line.
        let quota = api_error(
            "You've hit your 5-hour limit · resets 8:45pm (UTC)",
            serde_json::json!({"apiError":"usage_limit_reached","apiErrorParams":{"rate_limit_info":{"resetsAt":1796071542,"rateLimitType":"five_hour"}}}),
        );
        let got = failed(&[
            user("hello"),
            answer("hi"),
            user("build the thing"),
            quota,
            system("Usage limit reached · set to continue automatically at 8:45pm"),
        ]);
        assert_eq!(got.as_deref(), Some("You've hit your 5-hour limit · resets 8:45pm (UTC)"));
        // Older builds: the text alone says it; a lost login too.
        assert!(
            failed(&[user("x"), api_error("You've hit your session limit · resets 3pm", serde_json::json!({}))])
                .is_some()
        );
        assert!(
            failed(&[user("x"), api_error("OAuth token revoked · Please run /login", serde_json::json!({}))]).is_some()
        );
    }

    #[test]
    fn an_answered_or_transiently_failed_turn_is_not() {
        assert_eq!(failed(&[user("hello"), answer("hi")]), None);
        // The limit was hit earlier, and a later turn got its answer (a resume that continued).
        let limit = api_error("You've hit your session limit · resets 3pm", serde_json::json!({}));
        assert_eq!(failed(&[user("x"), limit.clone(), user("continue"), answer("done")]), None);
        // Overloaded, or a 429 that is not the account's: retrying is the user's call.
        let overload = api_error(
            "API Error: 529 Overloaded. This is a server-side issue, usually temporary — try again in a moment.",
            serde_json::json!({"error":"server_error","apiErrorStatus":529}),
        );
        assert_eq!(failed(&[user("x"), overload]), None);
        let plain = api_error(
            "API Error: Server is temporarily limiting requests (not your usage limit) · Rate limited",
            serde_json::json!({"apiErrorIsTransient":true}),
        );
        assert_eq!(failed(&[user("x"), plain]), None);
        // A subagent's answer does not end the main conversation's turn.
        let mut side: Value = serde_json::from_str(&answer("sub")).unwrap();
        side["isSidechain"] = Value::Bool(true);
        assert!(failed(&[user("x"), limit, side.to_string()]).is_some());
        // No transcript, or no assistant line in it.
        assert_eq!(failed(&[user("x")]), None);
        assert_eq!(
            last_turn_failed(Path::new("/nonexistent"), &Detector::new(&[]).unwrap(), Timestamp::UNIX_EPOCH),
            None
        );
    }

    #[test]
    fn only_the_tail_of_a_large_transcript_is_read() {
        let big = format!("{{\"type\":\"attachment\",\"x\":\"{}\"}}", "a".repeat(TAIL_BYTES as usize));
        let limit = api_error("You've hit your session limit · resets 3pm", serde_json::json!({}));
        assert!(failed(&[big.clone(), user("x"), limit.clone()]).is_some());
        // The assistant line is out of reach: in doubt, idle.
        assert_eq!(failed(&[answer("hi"), big]), None);
        // Beyond the first look, within the second.
        let mid = format!("{{\"type\":\"attachment\",\"x\":\"{}\"}}", "a".repeat(FIRST_LOOK as usize));
        assert!(failed(&[user("x"), limit, mid.clone()]).is_some());
        // An answer in the first look settles it, whatever came before.
        let old = api_error("You've hit your session limit · resets 3pm", serde_json::json!({}));
        assert_eq!(failed(&[old, mid, answer("done")]), None);
    }

    fn swap_cfg(max: u32) -> SwapConfig {
        let mut c = crate::config::parse(
            "[[accounts]]\nname=\"a\"\nhome=\"/a\"\n[[accounts]]\nname=\"b\"\nhome=\"/b\"\n",
            Path::new("/c.toml"),
            Path::new("/h"),
        )
        .unwrap()
        .swap;
        c.max_resumes = max;
        c
    }

    #[test]
    fn the_guard_counts_relaunches_within_the_window() {
        let cfg = swap_cfg(3);
        let now: Timestamp = "2026-11-21T10:00:00Z".parse().unwrap();
        let mins = |m: i64| now - SignedDuration::from_mins(m);
        let mut pane = SavedPane::new("%1", PathBuf::from("/p"), Some("a".into()), None);
        pane.claude_pid = Some(100);
        let mut rec = PaneRecord { resumes: vec![mins(40), mins(20), mins(10)], ..PaneRecord::default() };
        assert_eq!(guard(&cfg, None, &pane, now), Verdict::Relaunch { fresh: false });
        assert_eq!(guard(&cfg, Some(&rec), &pane, now), Verdict::Relaunch { fresh: false }, "one is out of the window");
        rec.resumes.push(mins(1));
        let Verdict::LeaveAlone { reason, again: false } = guard(&cfg, Some(&rec), &pane, now) else { panic!() };
        assert!(reason.contains("3 times in the last 30 min"), "{reason}");
        rec.left_alone = Some(LeftAlone { at: now, reason, claude_pid: Some(100) });
        assert!(matches!(guard(&cfg, Some(&rec), &pane, now), Verdict::LeaveAlone { again: true, .. }));
        // The window moves on.
        assert_eq!(
            guard(&cfg, Some(&rec), &pane, now + SignedDuration::from_mins(11)),
            Verdict::Relaunch { fresh: false }
        );
        // The user started another claude there.
        pane.claude_pid = Some(200);
        assert_eq!(guard(&cfg, Some(&rec), &pane, now), Verdict::Relaunch { fresh: true });
        // No guard.
        pane.claude_pid = Some(100);
        assert_eq!(guard(&swap_cfg(0), Some(&rec), &pane, now), Verdict::Relaunch { fresh: false });
    }
}
