//! Tests of the detector, by topic: the CLAUDE-CODE-FACTS.md catalogue and what is not a message
//! (`catalogue`), raw pane output split, flushed and restarted anywhere (`stream`), and Claude Code
//! 2.1.332: its messages (`catalogue_2_1_332`) and its screens (`screen_2_1_332`). Here: the
//! helpers they share (a fixed `now`, one detector for table tests, `check_one`).

mod catalogue;
mod catalogue_2_1_332;
mod screen_2_1_332;
mod stream;

use super::stream::{MAX_PARTIAL, without_cut_char};
use super::*;

const NOW: &str = "2026-10-20T10:00:00Z";

fn now() -> Timestamp {
    NOW.parse().expect("test timestamp")
}

fn det() -> Detector {
    Detector::new(&[]).expect("no extra patterns")
}

fn scan(text: &str) -> Vec<Detection> {
    // One detector for all: building one compiles its prefilter, which table tests would
    // otherwise repeat thousands of times.
    static DET: LazyLock<Detector> = LazyLock::new(det);
    DET.scan_text(text, now(), &TimeZone::UTC)
}

fn reset_str(d: &Detection) -> Option<String> {
    d.resets_at.map(|t| t.to_string())
}

fn check_one(input: &str, found: &[Detection], kind: Kind, scope: Option<&str>, reset: Option<&str>) {
    assert_eq!(found.len(), 1, "{input:?} → {found:#?}");
    let d = &found[0];
    assert_eq!(d.kind, kind, "{input:?}");
    assert_eq!(d.limit.as_deref(), scope, "{input:?}");
    assert_eq!(reset_str(d).as_deref(), reset, "{input:?}");
    assert!(!d.text.contains('\n') && d.text == d.text.trim(), "{input:?} → {:?}", d.text);
}
