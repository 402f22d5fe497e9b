//! Arbitrary reset-time text: never panics, and a parsed instant is plausible: not more than a
//! day in the past (the legacy `|<epoch>` form is taken as printed).
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|s: &str| {
    let now = jiff::Timestamp::from_second(1_795_000_000).unwrap_or_default();
    for tz in [jiff::tz::TimeZone::UTC, jiff::tz::TimeZone::get("Europe/Paris").unwrap_or(jiff::tz::TimeZone::UTC)] {
        if let Some(t) = claude_failover::detect::parse_reset(s, now, &tz) {
            assert!(t >= now - jiff::SignedDuration::from_hours(24) || s.contains('|'), "{s:?} -> {t}");
        }
    }
});
