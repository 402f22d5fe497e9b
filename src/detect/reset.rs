//! Reset-time parsing: turns the time Claude Code prints after "resets" into a UTC instant.
//!
//! Claude prints wall-clock times in the zone of the machine that printed them (`3pm`,
//! `Oct 6, 1pm`, `Sep 15 at 7pm (Europe/Oslo)`), the legacy `…|<epoch>` form, or a duration
//! (`in 2 hours`). The invariant a newcomer could break: this module never reads the clock or the
//! machine's zone; `now` and `local` are passed in, so the same text always yields the same
//! instant in tests and in the daemon. A printed time with missing parts means the *next*
//! occurrence after `now` in the printed zone, resolved on the calendar (not by adding 24 h), so
//! that DST changes between now and the reset don't shift the hour.

use std::sync::LazyLock;

use jiff::tz::TimeZone;
use jiff::{SignedDuration, Timestamp, civil};
use regex::Regex;

/// A printed time this far in the past is the reset that just happened, not tomorrow's: Claude
/// rounds reset times to the minute and our log reads lag a little behind the pane.
const GRACE: SignedDuration = SignedDuration::from_mins(5);

static EPOCH: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"\|\s*(\d{9,12})\b").expect("constant EPOCH pattern compiles"));

/// The words that introduce a reset time. `reset at` covers the old "Your limit will reset at
/// 1pm" line; `continuing automatically at` is the old native auto-continue screen and
/// `set to continue automatically at` 2.1.332's ("Usage limit reached · set to continue
/// automatically at 8:45pm").
static ANCHOR: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)\b(?:resets?|continu(?:ing|e)\s+automatically|try\s+again|available\s+again)(?:\s+(?:at|on))?\s+")
        .expect("constant ANCHOR pattern compiles")
});

static RELATIVE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?ix)^in\s+
        (?P<n>\d{1,6}|an?|one)\s*(?P<u>days?|d|hours?|hrs?|h|minutes?|mins?|m|seconds?|secs?|s)\b
        (?:\s*,?\s*(?:and\s+)?(?P<n2>\d{1,6})\s*(?P<u2>hours?|hrs?|h|minutes?|mins?|m|seconds?|secs?|s)\b)?",
    )
    .expect("constant RELATIVE pattern compiles")
});

static DATE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?ix)^
        (?:(?:mon|tue|wed|thu|fri|sat|sun)[a-z]*\.?,?\s+)?
        (?P<mon>jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?
            |sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?
        \s+(?P<day>\d{1,2})(?:st|nd|rd|th)?\b
        (?:,?\s+(?P<year>\d{4})\b)?
        (?:\s*,\s*|\s+at\s+|\s+)?",
    )
    .expect("constant DATE pattern compiles")
});

static DAY_WORD: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)^(?P<w>today|tomorrow)\b(?:\s*,\s*|\s+at\s+|\s+)?").expect("constant DAY_WORD pattern compiles")
});

static TIME: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)^(?P<h>\d{1,2})(?::(?P<m>\d{2}))?(?:\s*(?P<ap>[ap])\.?m\.?)?")
        .expect("constant TIME pattern compiles")
});

static ZONE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^\s*(?:\(\s*(?P<z>[A-Za-z][A-Za-z0-9_+\-/]*)\s*\)|(?P<u>UTC|GMT)\b)")
        .expect("constant ZONE pattern compiles")
});

/// Finds the reset instant in `s`: a whole message (`… · resets Oct 6, 1pm (Europe/Paris)`), a
/// line like `Your limit will reset at 1pm (Etc/GMT+5).`, the legacy `…|1749924000`, or a bare
/// time expression (`3:30pm`, `in 2 hours`). A zone name jiff does not know falls back to `local`,
/// which is also the zone of a time printed without one.
pub fn parse_reset(s: &str, now: Timestamp, local: &TimeZone) -> Option<Timestamp> {
    if let Some(epoch) = EPOCH.captures(s).and_then(|c| c.get(1)?.as_str().parse::<i64>().ok()) {
        return Timestamp::from_second(epoch).ok();
    }
    // A reset lies between just now and about a year ahead. Anything else (an explicit year long
    // past, found by fuzzing: "Mar 1 1242") is garbage, and the caller's fallback is better.
    let plausible = |ts: &Timestamp| {
        *ts >= now - jiff::SignedDuration::from_hours(24) && *ts <= now + jiff::SignedDuration::from_hours(24 * 400)
    };
    for anchor in ANCHOR.find_iter(s) {
        if let Some(ts) = parse_when(&s[anchor.end()..], now, local) {
            return plausible(&ts).then_some(ts);
        }
    }
    parse_when(s.trim(), now, local).filter(plausible)
}

/// Parses a time expression at the very start of `s`; trailing text is ignored.
fn parse_when(s: &str, now: Timestamp, local: &TimeZone) -> Option<Timestamp> {
    if let Some(c) = RELATIVE.captures(s) {
        let mut secs = amount(c.name("n")?.as_str())?.checked_mul(unit_secs(c.name("u")?.as_str())?)?;
        if let (Some(n2), Some(u2)) = (c.name("n2"), c.name("u2")) {
            secs = secs.checked_add(amount(n2.as_str())?.checked_mul(unit_secs(u2.as_str())?)?)?;
        }
        return now.checked_add(SignedDuration::from_secs(secs)).ok();
    }

    let mut rest = s;
    let mut month_day: Option<(i8, i8, Option<i16>)> = None;
    let mut day_word: Option<bool> = None; // Some(true) = tomorrow
    if let Some(c) = DATE.captures(rest) {
        let day = c.name("day")?.as_str().parse::<i8>().ok()?;
        let year = match c.name("year") {
            Some(y) => Some(y.as_str().parse::<i16>().ok()?),
            None => None,
        };
        month_day = Some((month_number(c.name("mon")?.as_str())?, day, year));
        rest = &rest[c.get(0).map_or(0, |m| m.end())..];
    } else if let Some(c) = DAY_WORD.captures(rest) {
        day_word = Some(c.name("w")?.as_str().eq_ignore_ascii_case("tomorrow"));
        rest = &rest[c.get(0).map_or(0, |m| m.end())..];
    }

    let mut hour_minute: Option<(i8, i8)> = None;
    if let Some(c) = TIME.captures(rest) {
        let end = c.get(0).map_or(0, |m| m.end());
        // "3pmx" or "15" alone are not times; a bare hour needs am/pm or minutes.
        let glued = rest[end..].chars().next().is_some_and(|ch| ch.is_ascii_alphanumeric());
        let has_ap = c.name("ap").is_some();
        if !glued && (has_ap || c.name("m").is_some()) {
            hour_minute =
                Some(to_24h(c.name("h")?.as_str(), c.name("m").map(|m| m.as_str()), c.name("ap").map(|m| m.as_str()))?);
            rest = &rest[end..];
        }
    }
    if hour_minute.is_none() && month_day.is_none() {
        return None;
    }
    // "resets Dec 3," with nothing after it: the time went to the next row (a narrow pane wraps
    // there), so midnight would be wrong. The caller joins that row and asks again.
    if hour_minute.is_none() && rest.trim().is_empty() && s.trim_end().ends_with(',') {
        return None;
    }
    let (hour, minute) = hour_minute.unwrap_or((0, 0));

    let named_zone = ZONE.captures(rest).and_then(|c| {
        let name = c.name("z").or_else(|| c.name("u"))?.as_str();
        TimeZone::get(name).ok()
    });
    let tz = named_zone.as_ref().unwrap_or(local);
    let today = tz.to_datetime(now).date();
    let earliest = now.checked_sub(GRACE).ok()?;

    match (month_day, day_word) {
        (Some((month, day, Some(year))), _) => at(civil::Date::new(year, month, day).ok()?, hour, minute, tz),
        (Some((month, day, None)), _) => {
            // Up to 8 years ahead only so that Feb 29 finds its next leap year.
            (today.year()..=today.year().saturating_add(8)).find_map(|year| {
                let ts = at(civil::Date::new(year, month, day).ok()?, hour, minute, tz)?;
                (ts >= earliest).then_some(ts)
            })
        }
        (None, Some(tomorrow)) => {
            let date = if tomorrow { today.tomorrow().ok()? } else { today };
            at(date, hour, minute, tz)
        }
        (None, None) => {
            let ts = at(today, hour, minute, tz)?;
            if ts >= earliest { Some(ts) } else { at(today.tomorrow().ok()?, hour, minute, tz) }
        }
    }
}

/// A wall-clock time on `date` in `tz`. In a DST gap this is the time pushed forward by the gap
/// (2:30 on a spring-forward night is 3:30); in a fold it is the first of the two.
fn at(date: civil::Date, hour: i8, minute: i8, tz: &TimeZone) -> Option<Timestamp> {
    let time = civil::Time::new(hour, minute, 0, 0).ok()?;
    Some(tz.to_zoned(date.to_datetime(time)).ok()?.timestamp())
}

fn to_24h(hour: &str, minute: Option<&str>, ampm: Option<&str>) -> Option<(i8, i8)> {
    let hour = hour.parse::<i8>().ok()?;
    let minute = minute.map_or(Some(0), |m| m.parse::<i8>().ok())?;
    if minute > 59 {
        return None;
    }
    let hour = match ampm.map(|s| s.to_ascii_lowercase()) {
        None if hour <= 23 => hour,
        // 12am is midnight and 12pm is noon: the 12 wraps before the pm shift.
        Some(ap) if (1..=12).contains(&hour) => hour % 12 + if ap == "p" { 12 } else { 0 },
        _ => return None,
    };
    Some((hour, minute))
}

fn month_number(name: &str) -> Option<i8> {
    const MONTHS: [&str; 12] = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"];
    let prefix = name.get(..3)?.to_ascii_lowercase();
    let index = MONTHS.iter().position(|m| *m == prefix)?;
    i8::try_from(index + 1).ok()
}

fn amount(s: &str) -> Option<i64> {
    match s.to_ascii_lowercase().as_str() {
        "a" | "an" | "one" => Some(1),
        digits => digits.parse().ok(),
    }
}

fn unit_secs(unit: &str) -> Option<i64> {
    match unit.to_ascii_lowercase().chars().next()? {
        'd' => Some(86_400),
        'h' => Some(3_600),
        'm' => Some(60),
        's' => Some(1),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ts(s: &str) -> Timestamp {
        s.parse().expect("test timestamp")
    }
    fn tz(name: &str) -> TimeZone {
        TimeZone::get(name).expect("test zone exists")
    }
    fn utc(s: &str, now: &str) -> Option<String> {
        parse_reset(s, ts(now), &TimeZone::UTC).map(|t| t.to_string())
    }
    fn in_zone(s: &str, now: &str, local: &str) -> Option<String> {
        parse_reset(s, ts(now), &tz(local)).map(|t| t.to_string())
    }

    #[test]
    fn system_tzdb_has_the_zones_claude_prints() {
        for name in ["Europe/Paris", "Europe/Moscow", "Europe/Oslo", "Asia/Calcutta", "Etc/GMT+5", "America/New_York"] {
            assert!(TimeZone::get(name).is_ok(), "{name}");
        }
    }

    #[test]
    fn bare_times_are_the_next_occurrence() {
        let now = "2026-10-20T10:00:00Z";
        assert_eq!(utc("3pm", now).as_deref(), Some("2026-10-20T15:00:00Z"));
        assert_eq!(utc("3:30pm", now).as_deref(), Some("2026-10-20T15:30:00Z"));
        assert_eq!(utc("3 PM", now).as_deref(), Some("2026-10-20T15:00:00Z"));
        assert_eq!(utc("3am", now).as_deref(), Some("2026-10-21T03:00:00Z"));
        assert_eq!(utc("12am", now).as_deref(), Some("2026-10-21T00:00:00Z"));
        assert_eq!(utc("12pm", now).as_deref(), Some("2026-10-20T12:00:00Z"));
        assert_eq!(utc("12:15am", now).as_deref(), Some("2026-10-21T00:15:00Z"));
        assert_eq!(utc("17:45", now).as_deref(), Some("2026-10-20T17:45:00Z"));
        assert_eq!(utc("resets at 9:50am", now).as_deref(), Some("2026-10-21T09:50:00Z"));
    }

    #[test]
    fn a_time_that_just_passed_is_today_not_tomorrow() {
        let now = "2026-10-20T15:03:00Z";
        assert_eq!(utc("resets 3pm", now).as_deref(), Some("2026-10-20T15:00:00Z"));
        let later = "2026-10-20T15:06:00Z";
        assert_eq!(utc("resets 3pm", later).as_deref(), Some("2026-10-21T15:00:00Z"));
    }

    #[test]
    fn dates_with_and_without_year() {
        let now = "2026-10-20T10:00:00Z";
        assert_eq!(utc("Oct 6, 1pm", now).as_deref(), Some("2027-10-06T13:00:00Z"));
        assert_eq!(utc("Oct 31, 9am", now).as_deref(), Some("2026-10-31T09:00:00Z"));
        assert_eq!(utc("Jan 2, 2027, 9am", now).as_deref(), Some("2027-01-02T09:00:00Z"));
        assert_eq!(utc("Sep 15 at 7pm", now).as_deref(), Some("2027-09-15T19:00:00Z"));
        assert_eq!(utc("Dec 2, 7pm", now).as_deref(), Some("2026-12-02T19:00:00Z"));
        assert_eq!(utc("December 2nd at 7:05pm", now).as_deref(), Some("2026-12-02T19:05:00Z"));
        assert_eq!(utc("Oct 25", now).as_deref(), Some("2026-10-25T00:00:00Z"));
        // A reset long past (an explicit old year) or more than ~a year ahead (Feb 29 without a
        // year, from 2026: 2028) is not a plausible limit reset: None, and the fallback applies.
        assert_eq!(utc("Jan 2, 2025, 9am", now).as_deref(), None);
        assert_eq!(utc("Feb 29, 1am", now).as_deref(), None);
    }

    #[test]
    fn zones_in_parentheses() {
        let now = "2026-10-20T10:00:00Z";
        assert_eq!(utc("3pm (Europe/Paris)", now).as_deref(), Some("2026-10-20T13:00:00Z"));
        assert_eq!(utc("1pm (Etc/GMT+5)", now).as_deref(), Some("2026-10-20T18:00:00Z"));
        assert_eq!(utc("Dec 2, 7pm (Europe/Moscow)", now).as_deref(), Some("2026-12-02T16:00:00Z"));
        assert_eq!(utc("Dec 17 at 6am (Europe/Oslo)", now).as_deref(), Some("2026-12-17T05:00:00Z"));
        // 15:30 in Kolkata already, so 3:30am is tomorrow there.
        assert_eq!(utc("3:30am (Asia/Calcutta)", now).as_deref(), Some("2026-10-20T22:00:00Z"));
        assert_eq!(utc("3pm UTC", now).as_deref(), Some("2026-10-20T15:00:00Z"));
    }

    /// Claude Code 2.1.332 prints the machine's zone in parentheses, `(UTC)` on a UTC machine:
    /// it must be taken as a zone, not dropped for the local one.
    #[test]
    fn claude_2_1_332_reset_times() {
        let now = "2026-10-20T10:00:00Z";
        let paris = "Europe/Paris";
        assert_eq!(in_zone("resets 8:45pm (UTC)", now, paris).as_deref(), Some("2026-10-20T20:45:00Z"));
        assert_eq!(
            in_zone("You've hit your 5-hour limit · resets 8:45pm (UTC)", now, paris).as_deref(),
            Some("2026-10-20T20:45:00Z")
        );
        assert_eq!(in_zone("resets Dec 3, 8:46pm (UTC)", now, paris).as_deref(), Some("2026-12-03T20:46:00Z"));
        assert_eq!(in_zone("resets 9:37pm (UTC)", now, paris).as_deref(), Some("2026-10-20T21:37:00Z"));
        assert_eq!(in_zone("resets 3pm (GMT)", now, paris).as_deref(), Some("2026-10-20T15:00:00Z"));
        // On the hour the minutes are dropped; no zone is the local one.
        assert_eq!(utc("resets 9pm", now).as_deref(), Some("2026-10-20T21:00:00Z"));
        assert_eq!(in_zone("resets 9pm", now, paris).as_deref(), Some("2026-10-20T19:00:00Z"));
        // Another year is printed.
        assert_eq!(utc("resets Jan 2, 2027, 9am (UTC)", now).as_deref(), Some("2027-01-02T09:00:00Z"));
        assert_eq!(in_zone("resets Jan 2, 2027, 9am", now, paris).as_deref(), Some("2027-01-02T08:00:00Z"));
        // The auto-continue lines carry the same time after "at".
        assert_eq!(
            utc("Usage limit reached · set to continue automatically at 8:45pm", now).as_deref(),
            Some("2026-10-20T20:45:00Z")
        );
        assert_eq!(
            utc("Usage limit reached again · set to continue automatically at 7:59pm", now).as_deref(),
            Some("2026-10-20T19:59:00Z")
        );
        assert_eq!(utc("Usage limit reached · limit resets 8:45pm", now).as_deref(), Some("2026-10-20T20:45:00Z"));
        assert_eq!(utc("Usage limit reached · set to continue automatically shortly", now), None);
        // A date whose time was cut off by a wrap is not midnight.
        assert_eq!(utc("resets Dec 3,", now), None);
        assert_eq!(utc("resets Jan 2, 2027,", now), None);
        assert_eq!(utc("resets Dec 3", now).as_deref(), Some("2026-12-03T00:00:00Z"));
        // "your 5-hour limit resets …" after another limit's name.
        assert_eq!(
            utc("You're now using usage credits · Your 5-hour limit resets 3pm", now).as_deref(),
            Some("2026-10-20T15:00:00Z")
        );
    }

    #[test]
    fn no_zone_means_the_local_zone_and_unknown_zone_too() {
        let now = "2026-10-20T10:00:00Z";
        assert_eq!(in_zone("3pm", now, "Europe/Paris").as_deref(), Some("2026-10-20T13:00:00Z"));
        assert_eq!(in_zone("3pm (Mars/Olympus)", now, "Europe/Paris").as_deref(), Some("2026-10-20T13:00:00Z"));
        assert_eq!(in_zone("3pm (Asia/Tokyo)", now, "Europe/Paris").as_deref(), Some("2026-10-21T06:00:00Z"));
    }

    #[test]
    fn legacy_epoch_and_relative() {
        let now = "2026-10-20T10:00:00Z";
        assert_eq!(utc("Claude AI usage limit reached|1749924000", now).as_deref(), Some("2025-06-14T18:00:00Z"));
        assert_eq!(utc("resets in 45 minutes", now).as_deref(), Some("2026-10-20T10:45:00Z"));
        assert_eq!(utc("in 1 hour", now).as_deref(), Some("2026-10-20T11:00:00Z"));
        assert_eq!(utc("in an hour", now).as_deref(), Some("2026-10-20T11:00:00Z"));
        assert_eq!(utc("in 2h", now).as_deref(), Some("2026-10-20T12:00:00Z"));
        assert_eq!(utc("in 2h 30m", now).as_deref(), Some("2026-10-20T12:30:00Z"));
        assert_eq!(utc("try again in 3 hours and 5 minutes", now).as_deref(), Some("2026-10-20T13:05:00Z"));
    }

    #[test]
    fn sentences_around_the_time() {
        let now = "2026-10-20T10:00:00Z";
        assert_eq!(
            utc("Claude usage limit reached. Your limit will reset at 1pm (Etc/GMT+5).", now).as_deref(),
            Some("2026-10-20T18:00:00Z")
        );
        assert_eq!(utc("Your limit will reset at 12am.", now).as_deref(), Some("2026-10-21T00:00:00Z"));
        assert_eq!(
            utc("Usage limit reached · continuing automatically at 7pm · esc or type to cancel", now).as_deref(),
            Some("2026-10-20T19:00:00Z")
        );
        assert_eq!(utc("resets tomorrow at 9am", now).as_deref(), Some("2026-10-21T09:00:00Z"));
    }

    #[test]
    fn garbage_is_none() {
        let now = "2026-10-20T10:00:00Z";
        for s in [
            "",
            "resets",
            "resets soon",
            "resets 15",
            "resets 13pm",
            "resets 3:75pm",
            "5-hour",
            "Feb 30, 1am",
            "resets 3pmx",
        ] {
            assert_eq!(utc(s, now), None, "{s:?}");
        }
    }

    #[test]
    fn day_and_year_roll_over() {
        // 23:30 on Dec 31 in Paris.
        let now = "2026-12-31T22:30:00Z";
        assert_eq!(in_zone("resets 1am", now, "Europe/Paris").as_deref(), Some("2027-01-01T00:00:00Z"));
        assert_eq!(in_zone("resets Jan 2, 9am", now, "Europe/Paris").as_deref(), Some("2027-01-02T08:00:00Z"));
        assert_eq!(in_zone("resets 11pm", now, "Europe/Paris").as_deref(), Some("2027-01-01T22:00:00Z"));
    }

    #[test]
    fn dst_spring_forward_in_paris() {
        // 23:00 CET on Sat 2026-03-28; clocks jump 02:00 → 03:00 on the 29th.
        let now = "2026-03-28T22:00:00Z";
        let paris = "Europe/Paris";
        assert_eq!(in_zone("resets 1am", now, paris).as_deref(), Some("2026-03-29T00:00:00Z"));
        assert_eq!(in_zone("resets 3am", now, paris).as_deref(), Some("2026-03-29T01:00:00Z"));
        // 02:30 does not exist that night: the gap pushes it to 03:30 CEST.
        assert_eq!(in_zone("resets 2:30am", now, paris).as_deref(), Some("2026-03-29T01:30:00Z"));
        // Tomorrow's 1pm is 13:00 CEST, 23 hours of real time later, not 24.
        let afternoon = "2026-03-28T14:00:00Z";
        assert_eq!(in_zone("resets 1pm", afternoon, paris).as_deref(), Some("2026-03-29T11:00:00Z"));
    }

    #[test]
    fn dst_fall_back_in_paris() {
        // 00:00 CEST on Sun 2026-10-25; clocks go 03:00 → 02:00.
        let now = "2026-10-24T22:00:00Z";
        let paris = "Europe/Paris";
        // 02:30 happens twice: the first one (CEST) is the next occurrence.
        assert_eq!(in_zone("resets 2:30am", now, paris).as_deref(), Some("2026-10-25T00:30:00Z"));
        assert_eq!(in_zone("resets 3am", now, paris).as_deref(), Some("2026-10-25T02:00:00Z"));
        assert_eq!(in_zone("resets Oct 25, 1pm (Europe/Paris)", now, "UTC").as_deref(), Some("2026-10-25T12:00:00Z"));
    }
}
