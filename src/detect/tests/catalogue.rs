//! The messages of CLAUDE-CODE-FACTS.md "Limit messages" as printed, with glyphs, other
//! apostrophes and separators, wrapped over two lines; the text that must not match (prose, code,
//! the input box); extra patterns; the JSON shape and the fingerprint.

use super::*;

/// Every message of CLAUDE-CODE-FACTS.md "Limit messages", with kind, scope and reset instant at
/// NOW with a UTC local zone.
const CATALOGUE: &[(&str, Kind, Option<&str>, Option<&str>)] = &[
    // Exhausted.
    ("Claude AI usage limit reached|1749924000", Kind::Exhausted, Some("usage"), Some("2025-06-14T18:00:00Z")),
    (
        "Claude usage limit reached. Your limit will reset at 1pm (Etc/GMT+5).",
        Kind::Exhausted,
        Some("usage"),
        Some("2026-10-20T18:00:00Z"),
    ),
    (
        "Claude usage limit reached. Your limit will reset at 12am.",
        Kind::Exhausted,
        Some("usage"),
        Some("2026-10-21T00:00:00Z"),
    ),
    ("5-hour limit reached ∙ resets 3am", Kind::Exhausted, Some("session"), Some("2026-10-21T03:00:00Z")),
    ("Session limit reached ∙ resets 7pm", Kind::Exhausted, Some("session"), Some("2026-10-20T19:00:00Z")),
    ("Opus weekly limit reached ∙ resets Oct 31, 9am", Kind::Exhausted, Some("opus"), Some("2026-10-31T09:00:00Z")),
    (
        "Weekly limit reached · resets Dec 2, 7pm (Europe/Moscow) ·",
        Kind::Exhausted,
        Some("weekly"),
        Some("2026-12-02T16:00:00Z"),
    ),
    ("Limit reached · resets Dec 17 at 6am (Europe/Oslo)", Kind::Exhausted, None, Some("2026-12-17T05:00:00Z")),
    ("You've hit your limit · resets 3:30am (Asia/Calcutta)", Kind::Exhausted, None, Some("2026-10-20T22:00:00Z")),
    (
        "You've hit your session limit · resets 3pm (Europe/Paris)",
        Kind::Exhausted,
        Some("session"),
        Some("2026-10-20T13:00:00Z"),
    ),
    (
        "You've hit your weekly limit · resets Oct 23, 5pm (Europe/Paris)",
        Kind::Exhausted,
        Some("weekly"),
        Some("2026-10-23T15:00:00Z"),
    ),
    (
        "You've hit your Opus limit · resets Oct 22, 9am (America/New_York)",
        Kind::Exhausted,
        Some("opus"),
        Some("2026-10-22T13:00:00Z"),
    ),
    ("You've hit your Sonnet limit · resets 11pm", Kind::Exhausted, Some("sonnet"), Some("2026-10-20T23:00:00Z")),
    ("You've hit your usage limit · resets 4:15pm", Kind::Exhausted, Some("usage"), Some("2026-10-20T16:15:00Z")),
    (
        "You've hit your usage credit limit · resets Nov 1, 12am (Europe/London)",
        Kind::Exhausted,
        Some("credit"),
        Some("2026-11-01T00:00:00Z"),
    ),
    (
        "You've hit your team's shared budget · resets Nov 1 at 12am (America/Los_Angeles)",
        Kind::Exhausted,
        Some("budget"),
        Some("2026-11-01T07:00:00Z"),
    ),
    (
        "You've hit your org's monthly spend limit · resets Nov 1",
        Kind::Exhausted,
        Some("spend"),
        Some("2026-11-01T00:00:00Z"),
    ),
    ("You've hit your monthly spend limit", Kind::Exhausted, Some("spend"), None),
    (
        "You've hit your (org's) monthly spend limit · resets Nov 1",
        Kind::Exhausted,
        Some("spend"),
        Some("2026-11-01T00:00:00Z"),
    ),
    ("Your organization's monthly spend limit has been reached", Kind::Exhausted, Some("spend"), None),
    (
        "You're out of extra usage · resets 5pm (Europe/London)",
        Kind::Exhausted,
        Some("extra_usage"),
        Some("2026-10-20T16:00:00Z"),
    ),
    ("You're out of usage credits", Kind::Exhausted, Some("credit"), None),
    (
        "You're now using extra usage · Your session limit resets 3pm (Europe/Paris)",
        Kind::Exhausted,
        Some("session"),
        Some("2026-10-20T13:00:00Z"),
    ),
    (
        "Usage limit reached · continuing automatically at 7pm · esc or type to cancel",
        Kind::Exhausted,
        Some("usage"),
        Some("2026-10-20T19:00:00Z"),
    ),
    // Warning only.
    (
        "You've used 85% of your session limit · resets 3pm (Europe/Paris)",
        Kind::Warning,
        Some("session"),
        Some("2026-10-20T13:00:00Z"),
    ),
    (
        "You've used 90% of your weekly limit · resets Oct 23, 5pm",
        Kind::Warning,
        Some("weekly"),
        Some("2026-10-23T17:00:00Z"),
    ),
    ("Approaching session limit · resets 6pm", Kind::Warning, Some("session"), Some("2026-10-20T18:00:00Z")),
    ("Approaching 5-hour limit", Kind::Warning, Some("session"), None),
    ("Approaching Opus usage limit · /model to use best available model", Kind::Warning, Some("opus"), None),
    ("You're close to your extra usage spending limit", Kind::Warning, Some("extra_usage"), None),
    // Transient.
    (
        "API Error: Request rejected (429) · This request would exceed the rate limit for your organization",
        Kind::Transient,
        None,
        None,
    ),
    ("Server is temporarily limiting requests (not your usage limit)", Kind::Transient, None, None),
    (
        r#"API Error (529 {"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}})"#,
        Kind::Transient,
        None,
        None,
    ),
    ("API Error: Repeated 529 Overloaded errors", Kind::Transient, None, None),
    ("Opus is experiencing high load, please use /model to switch to Sonnet", Kind::Transient, None, None),
    ("Claude Opus 4 limit reached, now using Claude Sonnet 4", Kind::Transient, None, None),
    // Needs login.
    ("Not logged in · Please run /login", Kind::Auth, None, None),
    ("OAuth token revoked · Please run /login", Kind::Auth, None, None),
    (
        r#"API Error: 401 {"type":"error","error":{"type":"authentication_error","message":"OAuth token has expired."}}"#,
        Kind::Auth,
        None,
        None,
    ),
    (
        r#"Failed to authenticate. API Error: 401 {"type":"error","error":{"type":"authentication_error"}}"#,
        Kind::Auth,
        None,
        None,
    ),
    ("Invalid API key · Please run /login", Kind::Auth, None, None),
    ("Invalid API key", Kind::Auth, None, None),
];

#[test]
fn catalogue_as_printed() {
    for &(msg, kind, scope, reset) in CATALOGUE {
        check_one(msg, &scan(msg), kind, scope, reset);
    }
}

#[test]
fn catalogue_text_is_the_message() {
    let found = scan("  ⎿  You’ve hit your session limit  · resets 3pm (Europe/Paris)   ");
    assert_eq!(found[0].text, "You’ve hit your session limit · resets 3pm (Europe/Paris)");
    let found = scan("Weekly limit reached · resets Dec 2, 7pm (Europe/Moscow) ·");
    assert_eq!(found[0].text, "Weekly limit reached · resets Dec 2, 7pm (Europe/Moscow)");
}

#[test]
fn catalogue_with_prefixes_apostrophes_and_separators() {
    let prefixes = ["⎿  ", "  ⎿  ", "⏺ ", "⚠ ", "⚠\u{fe0f} ", "\t"];
    let separators = [" · ", " ∙ ", " • ", " - "];
    for &(msg, kind, scope, reset) in CATALOGUE {
        let curly = msg.replace('\'', "’");
        for base in [msg, curly.as_str()] {
            for sep in separators {
                let variant = base.replace(" · ", sep).replace(" ∙ ", sep);
                for prefix in prefixes {
                    let input = format!("{prefix}{variant}");
                    check_one(&input, &scan(&input), kind, scope, reset);
                }
            }
        }
    }
}

#[test]
fn catalogue_in_a_right_aligned_footer() {
    let found = scan("  ? for shortcuts                          Approaching weekly limit · resets Oct 23, 5pm");
    check_one("footer", &found, Kind::Warning, Some("weekly"), Some("2026-10-23T17:00:00Z"));
    assert_eq!(found[0].text, "Approaching weekly limit · resets Oct 23, 5pm");
}

#[test]
fn catalogue_through_a_stream_with_tui_escapes() {
    let d = det();
    for &(msg, kind, scope, reset) in CATALOGUE {
        let render = format!(
            "\x1b[2K\x1b[1A\x1b[2K\x1b[G\x1b[38;2;153;153;153m  ⎿  \x1b[39m\x1b[31m{}\x1b[39m\r\n\x1b[2m? for shortcuts\x1b[22m",
            msg.replace(' ', "\x1b[1C")
        );
        let mut stream = Stream::new();
        let mut found = stream.feed(&d, render.as_bytes(), now(), &TimeZone::UTC);
        found.extend(stream.flush(&d, now(), &TimeZone::UTC));
        check_one(msg, &found, kind, scope, reset);
    }
}

#[test]
fn local_zone_applies_when_none_is_printed() {
    let paris = TimeZone::get("Europe/Paris").expect("zone");
    let found = det().scan_text("Session limit reached ∙ resets 7pm", now(), &paris);
    assert_eq!(reset_str(&found[0]).as_deref(), Some("2026-10-20T17:00:00Z"));
}

#[test]
fn message_split_over_two_lines_is_one_detection() {
    let cases: &[(&str, Kind, Option<&str>, Option<&str>)] = &[
        (
            "You've hit your session limit ·\n  resets 3pm (Europe/Paris)",
            Kind::Exhausted,
            Some("session"),
            Some("2026-10-20T13:00:00Z"),
        ),
        (
            "⎿  5-hour limit reached\n\n     ∙ resets 3am",
            Kind::Exhausted,
            Some("session"),
            Some("2026-10-21T03:00:00Z"),
        ),
        (
            "⎿  You've hit your\n     session limit · resets 3pm (Europe/Paris)",
            Kind::Exhausted,
            Some("session"),
            Some("2026-10-20T13:00:00Z"),
        ),
        (
            "Claude usage limit reached.\nYour limit will reset at 1pm (Etc/GMT+5).",
            Kind::Exhausted,
            Some("usage"),
            Some("2026-10-20T18:00:00Z"),
        ),
        (
            "You're now using extra usage ·\nYour weekly limit resets Oct 23, 5pm",
            Kind::Exhausted,
            Some("weekly"),
            Some("2026-10-23T17:00:00Z"),
        ),
        (
            "Usage limit reached ·\ncontinuing automatically at 7pm · esc or type to cancel",
            Kind::Exhausted,
            Some("usage"),
            Some("2026-10-20T19:00:00Z"),
        ),
        ("Approaching session limit\n· resets 6pm", Kind::Warning, Some("session"), Some("2026-10-20T18:00:00Z")),
        ("⎿  Claude Opus 4\n   limit reached, now using Claude Sonnet 4", Kind::Transient, None, None),
    ];
    for &(input, kind, scope, reset) in cases {
        check_one(input, &scan(input), kind, scope, reset);
    }
    let found = scan("You've hit your session limit ·\n  resets 3pm (Europe/Paris)");
    assert_eq!(found[0].text, "You've hit your session limit · resets 3pm (Europe/Paris)");
}

#[test]
fn a_line_after_a_message_that_is_not_its_reset_is_left_alone() {
    let found = scan("Approaching 5-hour limit\nsome other output\n");
    check_one("x", &found, Kind::Warning, Some("session"), None);
    assert_eq!(found[0].text, "Approaching 5-hour limit");

    let found = scan("Session limit reached\nYou've hit your weekly limit · resets Oct 23, 5pm\n");
    assert_eq!(found.len(), 2, "{found:#?}");
    assert_eq!((found[0].limit.as_deref(), found[0].resets_at), (Some("session"), None));
    assert_eq!(found[1].limit.as_deref(), Some("weekly"));

    // A message that looks cut short (a separator or "resets" at its end) does not swallow a
    // next row that is a message of its own; nor does one that is whole ("when it resets").
    let found = scan("Approaching 5-hour limit ·\nYou've hit your weekly limit · resets Oct 23, 5pm\n");
    assert_eq!(found.len(), 2, "{found:#?}");
    assert_eq!((found[0].kind, found[0].text.as_str()), (Kind::Warning, "Approaching 5-hour limit"));
    assert_eq!(reset_str(&found[1]).as_deref(), Some("2026-10-23T17:00:00Z"));
    let found = scan("Session limit reached · resets\n  ⎿  You've hit your weekly limit · resets Oct 23, 5pm\n");
    assert_eq!(found.len(), 2, "{found:#?}");
    let found = scan("● Goal paused · usage limit reached · continues automatically when it resets\n  ⎿  3:00pm\n");
    assert_eq!(found.len(), 1, "{found:#?}");
    assert_eq!(found[0].text, "Goal paused · usage limit reached · continues automatically when it resets");
    assert_eq!(found[0].resets_at, None);
}

#[test]
fn ordinary_text_does_not_match() {
    for line in [
        "// rate limit reached in tests",
        "The API has a usage limit of 100 requests per minute.",
        "src/detect.rs:42:    // You've hit your limit handling",
        "README.md:10:Session limit reached ∙ resets 3pm",
        "CLAUDE-CODE-FACTS.md:31:- `5-hour limit reached ∙ resets 3am` · `Session limit reached ∙ resets 7pm`",
        "We are approaching the limit of the buffer.",
        "Usage: claude-failover [OPTIONS] <COMMAND>",
        "error: rate limit reached, retrying in 5s",
        "Rate limit reached · retrying",
        "Limit reached, stopping.",
        "warning: approaching memory limit",
        "login successful",
        "Logged in as someone@example.com",
        "    let limit = usage.limit_reached();",
        "> You've hit your limit · resets 3pm",
        "│ > Approaching session limit                      │",
        "echo \"You've hit your session limit\"",
        "grep -rn 'limit reached' src/",
        "The weekly limit reached its peak on Monday.",
        "Your monthly spend limit is $100.",
        "Credit card required for extra usage.",
        "Claude Code v2.1.0 · Opus 4.5 · usage: 45%",
        "API docs mention error 429 often",
        "Check the budget before you spend it",
        "  12 +    assert!(scan(\"Limit reached · resets 3pm\").is_empty());",
        "Please run /login",
        "fn scope_limit_reached() -> bool { true }",
        // Open limit names are anchored by Claude's own prefixes and what follows `limit`.
        "⏺ You've hit your memory limit, so I reduced the batch size.",
        "You've hit your stride with this refactor.",
        "You've hit your memory limit in the test runner and it crashed",
        "Approaching memory limit · consider a smaller batch",
        "You're close to your disk limit",
        "Over 90% of your disk used",
        "Now using credits from the cache",
        "Rate limit reached · retrying in 5s",
        "Context limit reached · /compact or /clear to continue",
        "The service is disabled for your organization's safety",
        "Your group's usage limit is set to $0.50 per request",
        "Your usage limit is set to $0.5",
    ] {
        assert!(scan(line).is_empty(), "{line:?} → {:#?}", scan(line));
    }
}

#[test]
fn extra_patterns_are_exhausted_with_parsed_reset() {
    let d = Detector::new(&["(?i)quota exceeded".to_owned()]).expect("valid pattern");
    let found = d.scan_text("⎿  Quota exceeded · resets 3pm\n", now(), &TimeZone::UTC);
    check_one("extra", &found, Kind::Exhausted, None, Some("2026-10-20T15:00:00Z"));
    assert_eq!(found[0].text, "Quota exceeded · resets 3pm");
    // The catalogue still wins where it knows the message.
    let found = d.scan_text("Approaching 5-hour limit · quota exceeded soon", now(), &TimeZone::UTC);
    assert_eq!(found[0].kind, Kind::Warning);
    // Through a stream, whose prefilter must know the extra pattern.
    let mut stream = Stream::new();
    let mut found = stream.feed(&d, b"\x1b[1mQUOTA EXCEEDED\x1b[0m\r\n", now(), &TimeZone::UTC);
    // No reset on the line: it waits for the next row, or the end of the batch.
    assert!(found.is_empty());
    found.extend(stream.flush(&d, now(), &TimeZone::UTC));
    check_one("extra stream", &found, Kind::Exhausted, None, None);
}

#[test]
fn bad_extra_pattern_is_an_error_naming_it() {
    let err = Detector::new(&["ok".to_owned(), "(unclosed".to_owned()]).expect_err("invalid");
    assert_eq!(err.pattern, "(unclosed");
    let message = err.to_string();
    assert!(message.contains("(unclosed") && message.contains("unclosed group"), "{message}");
    assert!(std::error::Error::source(&err).is_some());
}

#[test]
fn json_shape() {
    let found = scan("⎿  You've hit your session limit · resets 3pm (Europe/Paris)");
    let json = serde_json::to_value(&found[0]).expect("serializes");
    assert_eq!(
        json,
        serde_json::json!({
            "kind": "exhausted",
            "limit": "session",
            "resets_at": "2026-10-20T13:00:00Z",
            "text": "You've hit your session limit · resets 3pm (Europe/Paris)",
        })
    );
    let found = scan("Not logged in · Please run /login");
    let json = serde_json::to_value(&found[0]).expect("serializes");
    assert_eq!(json["kind"], "auth");
    assert!(json["limit"].is_null() && json["resets_at"].is_null());
    let kind: Kind = serde_json::from_str("\"transient\"").expect("deserializes");
    assert_eq!(kind, Kind::Transient);
}

#[test]
fn fingerprint_ignores_presentation() {
    let a = scan("⎿  You’ve hit your session limit · resets 3pm (Europe/Paris)");
    let b = scan("⏺ You've  hit your Session limit ∙ resets 3pm (Europe/Paris) ·");
    assert_eq!(a[0].fingerprint(), b[0].fingerprint());
    assert_eq!(a[0].fingerprint(), "you've hit your session limit resets 3pm (europe/paris)");
    let c = scan("You've hit your weekly limit · resets 3pm (Europe/Paris)");
    assert_ne!(a[0].fingerprint(), c[0].fingerprint());
}

#[test]
fn text_typed_or_pasted_into_the_input_box_is_never_a_limit() {
    let det = Detector::new(&[]).unwrap();
    let now: Timestamp = "2026-11-21T10:00:00Z".parse().unwrap();
    for line in [
        "│ > why did I get   ⎿  You've hit your session limit · resets 3pm (Europe/Paris)      │",
        "> !fake print   ⎿  You've hit your session limit · resets 3pm",
        "❯ You've hit your session limit · resets 3pm",
        "  > Claude usage limit reached. Your limit will reset at 1pm (Etc/GMT+5).",
    ] {
        assert!(det.scan_text(line, now, &TimeZone::UTC).is_empty(), "{line}");
        let mut s = Stream::new();
        let mut found = s.feed(&det, format!("\x1b[2K{line}\r\n").as_bytes(), now, &TimeZone::UTC);
        found.extend(s.flush(&det, now, &TimeZone::UTC));
        assert!(found.is_empty(), "{line}: {found:?}");
    }
    // the same message printed by Claude (not in the box) still counts
    assert_eq!(det.scan_text("  ⎿  You've hit your session limit · resets 3pm", now, &TimeZone::UTC).len(), 1);
}

#[test]
fn a_reset_long_past_or_far_ahead_is_not_a_reset() {
    // found by fuzzing: an explicit year taken as printed gave a reset in 1242
    let now: Timestamp = "2026-11-21T10:00:00Z".parse().unwrap();
    assert_eq!(parse_reset("MAr 1  1242 ", now, &TimeZone::UTC), None);
    assert_eq!(parse_reset("resets Jan 2, 1999, 9am", now, &TimeZone::UTC), None);
    assert_eq!(parse_reset("resets Jan 2, 2031, 9am", now, &TimeZone::UTC), None);
    assert!(parse_reset("resets Jan 2, 2027, 9am", now, &TimeZone::UTC).is_some());
}
