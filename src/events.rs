//! The event log (`events.jsonl` in the state dir): every detection, swap, relaunch and failure,
//! one JSON object per line, for `claude-failover events` and the event-log popup.
//!
//! Invariant: emitting an event never fails the caller. A full disk loses log lines, not swaps.

use std::io::Write;
use std::path::PathBuf;
use std::sync::Mutex;

use serde_json::{Map, Value, json};

use crate::clock::{Clock, fmt_utc};

/// Where events go. The engine and daemon take `&dyn Sink` so tests can collect them.
pub trait Sink: Send + Sync {
    fn emit(&self, kind: &str, message: &str, fields: Value);
}

/// Cap on the log: past this it is rotated to `events.jsonl.1` (one generation kept).
const MAX_BYTES: u64 = 4 << 20;

pub struct EventLog<'a> {
    pub path: PathBuf,
    pub clock: &'a dyn Clock,
    /// Also print each event to stderr (the daemon's log, CLI verbosity).
    pub echo: bool,
    lock: Mutex<()>,
}

impl<'a> EventLog<'a> {
    pub fn new(path: PathBuf, clock: &'a dyn Clock, echo: bool) -> Self {
        EventLog { path, clock, echo, lock: Mutex::new(()) }
    }
}

pub fn line(at: &str, kind: &str, message: &str, fields: Value) -> Value {
    let mut m = Map::new();
    m.insert("at".into(), json!(at));
    m.insert("t_ms".into(), json!(jiff::Timestamp::now().as_millisecond()));
    m.insert("event".into(), json!(kind));
    m.insert("message".into(), json!(message));
    if let Value::Object(f) = fields {
        for (k, v) in f {
            m.entry(k).or_insert(v);
        }
    }
    Value::Object(m)
}

impl Sink for EventLog<'_> {
    fn emit(&self, kind: &str, message: &str, fields: Value) {
        let at = fmt_utc(self.clock.now());
        if self.echo {
            eprintln!("{at} {kind}: {message}");
        }
        let _g = self.lock.lock();
        let mut bytes = match serde_json::to_vec(&line(&at, kind, message, fields)) {
            Ok(b) => b,
            Err(_) => return,
        };
        bytes.push(b'\n');
        if std::fs::metadata(&self.path).map(|m| m.len() > MAX_BYTES).unwrap_or(false) {
            let _ = std::fs::rename(&self.path, self.path.with_extension("jsonl.1"));
        }
        let mut file = crate::atomic::open_append_private(&self.path);
        if file.is_err()
            && let Some(dir) = self.path.parent()
            && !dir.exists()
            && crate::atomic::private_dir(dir).is_ok()
        {
            file = crate::atomic::open_append_private(&self.path);
        }
        if let Ok(mut f) = file {
            // One write(2) per line with O_APPEND: lines from several processes never interleave.
            let _ = f.write_all(&bytes);
        }
    }
}

/// Collects events in memory (tests, `--dry-run` style callers).
#[derive(Default)]
pub struct Memory(pub Mutex<Vec<(String, String, Value)>>);

impl Sink for Memory {
    fn emit(&self, kind: &str, message: &str, fields: Value) {
        if let Ok(mut v) = self.0.lock() {
            v.push((kind.to_string(), message.to_string(), fields));
        }
    }
}

impl Memory {
    pub fn kinds(&self) -> Vec<String> {
        self.0.lock().map(|v| v.iter().map(|e| e.0.clone()).collect()).unwrap_or_default()
    }
}
