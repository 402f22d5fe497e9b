//! Where "now" comes from.
//!
//! Pure logic (reset parsing, target choice, status rendering) takes a `Timestamp`; only the
//! edges read a [`Clock`]. `CLAUDE_FAILOVER_NOW` fixes the clock's reading *at process start* and
//! time then advances normally from there, so a test can put the daemon a few seconds before a
//! reset and watch the timer fire, while one-shot commands stay deterministic.

use std::time::Instant;

use anyhow::{Context, Result};
use jiff::{Timestamp, tz::TimeZone};

pub trait Clock: Send + Sync {
    fn now(&self) -> Timestamp;
    /// The zone a reset time without `(Zone)` is read in.
    fn local_zone(&self) -> TimeZone {
        TimeZone::system()
    }
}

/// The process clock: the system time, or `CLAUDE_FAILOVER_NOW` advancing from process start.
///
/// `CLAUDE_FAILOVER_NOW=@FILE` is a clock moved from outside, a test's stand-in for a laptop's
/// suspend: FILE holds an RFC 3339 time, read again whenever the file is rewritten, and the
/// clock advances from each reading as the process's monotonic clock does (which stands still
/// during a suspend, as the daemon's sleeps do).
pub struct SystemClock {
    base: Option<(Timestamp, Instant)>,
    moved: Option<MovedClock>,
}

/// A clock file's mtime and length: rewritten when either moved.
type Stamp = Option<(std::time::SystemTime, u64)>;

struct MovedClock {
    file: std::path::PathBuf,
    /// The file's stamp at the last reading, and the base read then.
    seen: std::sync::Mutex<(Stamp, Timestamp, Instant)>,
}

impl SystemClock {
    pub fn from_env() -> Result<Self> {
        let v = std::env::var("CLAUDE_FAILOVER_NOW").unwrap_or_default();
        let v = v.trim();
        if let Some(file) = v.strip_prefix('@') {
            let file = std::path::PathBuf::from(file);
            let (stamp, ts) = read_clock_file(&file)?;
            let seen = std::sync::Mutex::new((stamp, ts, Instant::now()));
            return Ok(SystemClock { base: None, moved: Some(MovedClock { file, seen }) });
        }
        let base = match v {
            "" => None,
            v => {
                let ts: Timestamp = v.parse().with_context(|| {
                    format!("CLAUDE_FAILOVER_NOW={v:?} is not an RFC 3339 time (e.g. 2026-11-21T14:00:00Z)")
                })?;
                Some((ts, Instant::now()))
            }
        };
        Ok(SystemClock { base, moved: None })
    }
}

fn read_clock_file(file: &std::path::Path) -> Result<(Stamp, Timestamp)> {
    let meta = std::fs::metadata(file).with_context(|| format!("CLAUDE_FAILOVER_NOW names {}", file.display()))?;
    let text = std::fs::read_to_string(file).with_context(|| format!("cannot read {}", file.display()))?;
    let ts: Timestamp = text
        .trim()
        .parse()
        .with_context(|| format!("{} does not hold an RFC 3339 time (e.g. 2026-11-21T14:00:00Z)", file.display()))?;
    Ok((meta.modified().ok().map(|m| (m, meta.len())), ts))
}

fn advanced(ts: Timestamp, since: Instant) -> Timestamp {
    let elapsed = jiff::SignedDuration::try_from(since.elapsed()).unwrap_or_default();
    ts.checked_add(elapsed).unwrap_or(ts)
}

impl Clock for SystemClock {
    fn now(&self) -> Timestamp {
        if let Some(m) = &self.moved {
            let mut seen = m.seen.lock().unwrap_or_else(|e| e.into_inner());
            let stamp = std::fs::metadata(&m.file).ok().and_then(|md| md.modified().ok().map(|t| (t, md.len())));
            if stamp.is_some()
                && stamp != seen.0
                && let Ok((stamp, ts)) = read_clock_file(&m.file)
            {
                *seen = (stamp, ts, Instant::now());
            }
            return advanced(seen.1, seen.2);
        }
        match self.base {
            Some((ts, started)) => advanced(ts, started),
            None => Timestamp::now(),
        }
    }
}

/// A clock that stays where it is put; tests move it by hand.
pub struct FixedClock(pub std::sync::Mutex<Timestamp>);

impl FixedClock {
    pub fn at(ts: Timestamp) -> Self {
        FixedClock(std::sync::Mutex::new(ts))
    }
    pub fn set(&self, ts: Timestamp) {
        if let Ok(mut g) = self.0.lock() {
            *g = ts;
        }
    }
}

impl Clock for FixedClock {
    fn now(&self) -> Timestamp {
        self.0.lock().map(|g| *g).unwrap_or_else(|e| *e.into_inner())
    }
    fn local_zone(&self) -> TimeZone {
        TimeZone::UTC
    }
}

/// RFC 3339 in UTC with a `Z` and whole seconds: the one format this tool prints and stores.
pub fn fmt_utc(ts: Timestamp) -> String {
    ts.strftime("%Y-%m-%dT%H:%M:%SZ").to_string()
}

/// "in 2h 05m", "in 42s", or "now" for a past instant: for humans in status lines.
/// A time as a person reads it, in `tz` (this machine's zone, as Claude prints its resets):
/// `22:35 CET` on the day of `now`, else `Dec 3, 20:46 CET`. JSON and state keep UTC
/// ([`fmt_utc`]).
pub fn fmt_local(ts: Timestamp, now: Timestamp, tz: &TimeZone) -> String {
    let z = ts.to_zoned(tz.clone());
    let today = now.to_zoned(tz.clone()).date() == z.date();
    z.strftime(if today { "%H:%M %Z" } else { "%b %-d, %H:%M %Z" }).to_string()
}

pub fn fmt_countdown(from: Timestamp, to: Timestamp) -> String {
    let secs = to.as_second() - from.as_second();
    if secs <= 0 {
        return "now".into();
    }
    let (d, h, m, s) = (secs / 86_400, secs % 86_400 / 3600, secs % 3600 / 60, secs % 60);
    if d > 0 {
        format!("{d}d {h}h")
    } else if h > 0 {
        format!("{h}h {m:02}m")
    } else if m > 0 {
        format!("{m}m")
    } else {
        format!("{s}s")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn countdown() {
        let a: Timestamp = "2026-11-21T10:00:00Z".parse().unwrap();
        let at = |s: i64| Timestamp::from_second(a.as_second() + s).unwrap();
        assert_eq!(fmt_countdown(a, at(-5)), "now");
        assert_eq!(fmt_countdown(a, at(42)), "42s");
        assert_eq!(fmt_countdown(a, at(125)), "2m");
        assert_eq!(fmt_countdown(a, at(7500)), "2h 05m");
        assert_eq!(fmt_countdown(a, at(90_000)), "1d 1h");
        assert_eq!(fmt_utc(a), "2026-11-21T10:00:00Z");
    }
}
