//! Finding messages in raw pane output. [`Stream`] keeps one pane's state between reads: the
//! escape stripper's, the unterminated line, and (in `Context`, shared with
//! [`Detector::scan_text`]) the last line and a message still waiting for its reset part on the
//! next row. The invariant a newcomer could break: a line is reported once, even when a flush
//! reported it unterminated and its newline arrives later (`partial_reported`), and across a
//! restart too ([`Stream::carry`]).

use jiff::Timestamp;
use jiff::tz::TimeZone;

use super::catalogue::{CONTINUATION, UNFINISHED};
use super::{Detection, Detector, Kind, Stripper, build, clean, parse_reset, tidy};

/// A message missing its reset time; the next non-blank line may carry it.
#[derive(Debug)]
pub(super) struct Pending {
    pub(super) detection: Detection,
    message: String,
}

/// Line-level state shared by [`Detector::scan_text`] and [`Stream`].
#[derive(Debug, Default)]
pub(super) struct Context {
    /// Last non-blank complete line before the region being scanned, to rejoin a wrapped message.
    prev: Vec<u8>,
    pub(super) pending: Option<Pending>,
}

impl Context {
    /// Scans `region`, a run of lines (normally each ending in `\n`). With `skip_first_line`, the
    /// first line was already reported by [`Stream::flush`] while it was unterminated.
    pub(super) fn scan_region(
        &mut self,
        det: &Detector,
        region: &[u8],
        skip_first_line: bool,
        now: Timestamp,
        local: &TimeZone,
        out: &mut Vec<Detection>,
    ) {
        let mut pos = if skip_first_line { (line_end(region, 0) + 1).min(region.len()) } else { 0 };
        while pos < region.len() {
            if self.pending.is_some() {
                // The line right after a message without its reset time must be looked at even
                // though it has no keyword ("∙ resets 3am").
                let (start, end) = (pos, line_end(region, pos));
                pos = end + 1;
                let line = &region[start..end];
                if is_blank(line) {
                    continue;
                }
                if !self.resolve_pending(det, line, now, local, out) && det.prefilter.is_match(line) {
                    self.classify(det, region, start, end, now, local, out);
                }
                continue;
            }
            let Some(hit) = det.prefilter.find_at(region, pos) else {
                break;
            };
            let (start, end) = (line_start(region, hit.start()), line_end(region, hit.start()));
            pos = end + 1;
            self.classify(det, region, start, end, now, local, out);
        }
        if let Some(last) = region.rsplit(|&b| b == b'\n').take(LOOKBACK).find(|l| !is_blank(l)) {
            self.prev.clear();
            self.prev.extend_from_slice(last);
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn classify(
        &mut self,
        det: &Detector,
        region: &[u8],
        start: usize,
        end: usize,
        now: Timestamp,
        local: &TimeZone,
        out: &mut Vec<Detection>,
    ) {
        let raw = String::from_utf8_lossy(&region[start..end]);
        let found = det.classify_line(&raw, now, local).or_else(|| {
            let prev =
                region[..start].rsplit(|&b| b == b'\n').take(LOOKBACK).find(|l| !is_blank(l)).unwrap_or(&self.prev);
            det.classify_wrapped(&String::from_utf8_lossy(prev), &raw, now, local)
        });
        if let Some((detection, message)) = found {
            self.settle(detection, message, out);
        }
    }

    fn settle(&mut self, detection: Detection, message: String, out: &mut Vec<Detection>) {
        let waits_for_reset =
            detection.resets_at.is_none() && matches!(detection.kind, Kind::Exhausted | Kind::Warning);
        if waits_for_reset {
            if let Some(older) = self.pending.replace(Pending { detection, message }) {
                out.push(older.detection);
            }
        } else {
            if let Some(older) = self.pending.take() {
                out.push(older.detection);
            }
            out.push(detection);
        }
    }

    /// Emits the pending message, merged with `line` when that line is its reset part. Returns
    /// whether `line` was used up that way.
    fn resolve_pending(
        &mut self,
        det: &Detector,
        line: &[u8],
        now: Timestamp,
        local: &TimeZone,
        out: &mut Vec<Detection>,
    ) -> bool {
        let Some(pending) = self.pending.take() else {
            return false;
        };
        let raw = String::from_utf8_lossy(line);
        let next = clean(&raw);
        let wrapped = CONTINUATION.is_match(next)
            || (UNFINISHED.is_match(&pending.message) && det.classify_line(&raw, now, local).is_none());
        if !wrapped {
            out.push(pending.detection);
            return false;
        }
        let joined = format!("{} {next}", pending.message);
        let merged = match det.classify_builtin(&joined, |start, _| start == 0) {
            Some(hit) => build(hit, &joined, now, local),
            None => Detection { resets_at: parse_reset(&joined, now, local), text: tidy(&joined), ..pending.detection },
        };
        out.push(merged);
        true
    }

    /// Classifies the unterminated last line at the end of a read batch. Pending messages are
    /// emitted here rather than kept: the pane may stay silent for hours. Returns whether the line
    /// produced (or completed) a detection, so that its newline arriving later does not repeat it.
    fn flush_partial(
        &mut self,
        det: &Detector,
        line: &[u8],
        now: Timestamp,
        local: &TimeZone,
        out: &mut Vec<Detection>,
    ) -> bool {
        // A read that ended inside a character (the `·` of "limit · resets") would put U+FFFD
        // into the text, and into the fingerprint.
        let line = without_cut_char(line);
        if is_blank(line) {
            if let Some(pending) = self.pending.take() {
                out.push(pending.detection);
            }
            return false;
        }
        if self.resolve_pending(det, line, now, local, out) {
            return true;
        }
        let before = out.len();
        if det.prefilter.is_match(line) {
            self.classify(det, line, 0, line.len(), now, local, out);
        }
        if let Some(pending) = self.pending.take() {
            out.push(pending.detection);
        }
        out.len() > before
    }
}

/// How many lines back we look for the first half of a wrapped message.
const LOOKBACK: usize = 8;

fn line_start(region: &[u8], at: usize) -> usize {
    region[..at].iter().rposition(|&b| b == b'\n').map_or(0, |i| i + 1)
}

fn line_end(region: &[u8], at: usize) -> usize {
    region[at..].iter().position(|&b| b == b'\n').map_or(region.len(), |i| at + i)
}

/// `line` without a UTF-8 character cut short at its end.
pub(super) fn without_cut_char(line: &[u8]) -> &[u8] {
    for (back, &b) in line.iter().rev().take(4).enumerate() {
        let len = match b {
            0x80..=0xbf => continue,
            0xc2..=0xdf => 2,
            0xe0..=0xef => 3,
            0xf0..=0xf4 => 4,
            _ => return line,
        };
        return if back + 1 < len { &line[..line.len() - back - 1] } else { line };
    }
    line
}

fn is_blank(line: &[u8]) -> bool {
    line.iter().all(u8::is_ascii_whitespace)
}

/// An unterminated line longer than this is scanned as if complete, so that output without
/// newlines cannot grow the buffer without bound.
pub(super) const MAX_PARTIAL: usize = 64 * 1024;
/// How much of an unterminated line is carried across a restart.
const CARRY_MAX: usize = 4 * 1024;

/// See [`Stream::carry`].
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Carry {
    #[serde(default)]
    pub partial: Vec<u8>,
    #[serde(default)]
    pub reported: bool,
    #[serde(default)]
    pub stripper: Stripper,
}

/// Per-pane streaming state: escape stripper state + partial line + a small tail of recent lines.
#[derive(Debug, Default)]
pub struct Stream {
    stripper: Stripper,
    /// Stripped bytes of the current, unterminated line.
    partial: Vec<u8>,
    context: Context,
    /// `flush` already reported the current partial line.
    partial_reported: bool,
}

impl Stream {
    pub fn new() -> Self {
        Self::default()
    }

    /// Feed raw pane bytes (may contain ANSI/VT escapes, invalid UTF-8, split sequences and split
    /// UTF-8 chars at chunk boundaries). Returns detections completed by these bytes.
    pub fn feed(&mut self, det: &Detector, bytes: &[u8], now: Timestamp, local: &TimeZone) -> Vec<Detection> {
        let mut out = Vec::new();
        let old = self.partial.len();
        self.stripper.push(bytes, &mut self.partial);
        let complete = match self.partial[old..].iter().rposition(|&b| b == b'\n') {
            Some(i) => old + i + 1,
            None if self.partial.len() > MAX_PARTIAL => self.partial.len(),
            None => return out,
        };
        self.context.scan_region(det, &self.partial[..complete], self.partial_reported, now, local, &mut out);
        self.partial_reported = false;
        self.partial.drain(..complete);
        out
    }

    /// What a restarted reader needs to carry on exactly here: the unterminated line (its last
    /// 4 KiB), whether it was reported, and the stripper's state (inside an escape sequence or a
    /// UTF-8 character, say). The recent-lines context is not carried.
    pub fn carry(&self) -> Carry {
        Carry {
            partial: self.partial[self.partial.len().saturating_sub(CARRY_MAX)..].to_vec(),
            reported: self.partial_reported,
            stripper: self.stripper.clone(),
        }
    }

    /// A stream that starts where `carry` was taken.
    pub fn resumed(carry: Carry) -> Self {
        let mut partial = carry.partial;
        partial.drain(..partial.len().saturating_sub(CARRY_MAX));
        Stream { stripper: carry.stripper, partial, partial_reported: carry.reported, ..Stream::default() }
    }

    /// End of a read batch: lines not terminated yet are classified too (a TUI often leaves the
    /// cursor on the message line). A line reported here is not reported again when its newline
    /// arrives, even if more text was appended to it meanwhile.
    pub fn flush(&mut self, det: &Detector, now: Timestamp, local: &TimeZone) -> Vec<Detection> {
        let mut out = Vec::new();
        if self.partial_reported {
            if let Some(pending) = self.context.pending.take() {
                out.push(pending.detection);
            }
        } else {
            self.partial_reported = self.context.flush_partial(det, &self.partial, now, local, &mut out);
        }
        out
    }
}
