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
pub struct SystemClock {
    base: Option<(Timestamp, Instant)>,
}

impl SystemClock {
    pub fn from_env() -> Result<Self> {
        let base = match std::env::var("CLAUDE_FAILOVER_NOW") {
            Ok(v) if !v.trim().is_empty() => {
                let ts: Timestamp = v.trim().parse().with_context(|| {
                    format!("CLAUDE_FAILOVER_NOW={v:?} is not an RFC 3339 time (e.g. 2026-11-21T14:00:00Z)")
                })?;
                Some((ts, Instant::now()))
            }
            _ => None,
        };
        Ok(SystemClock { base })
    }
}

impl Clock for SystemClock {
    fn now(&self) -> Timestamp {
        match self.base {
            Some((ts, started)) => {
                let elapsed = jiff::SignedDuration::try_from(started.elapsed()).unwrap_or_default();
                ts.checked_add(elapsed).unwrap_or(ts)
            }
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
