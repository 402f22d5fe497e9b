//! Every limit, overload and login line Claude Code 2.1.332 prints (CLAUDE-CODE-2.1.332.md), the
//! open limit names, and the 2.1.332 lines that must not be detections (its own wait, the dialog).

use super::*;

/// Every limit, overload and login line CLAUDE-CODE-2.1.332.md quotes (§1 as the real CLI printed
/// it, §7 the bundle's templates with sample substitutions), with kind, limit and reset at NOW in
/// UTC. The leading glyphs and spaces are as printed.
const CATALOGUE_2_1_332: &[(&str, Kind, Option<&str>, Option<&str>)] = &[
    // §1: a 429 with quota headers (OAuth account). "5-hour" is the session limit.
    (
        "  ⎿  You've hit your 5-hour limit · resets 8:45pm (UTC)",
        Kind::Exhausted,
        Some("session"),
        Some("2026-10-20T20:45:00Z"),
    ),
    (
        "  ⎿  You've hit your weekly limit · resets 8:46pm (UTC)",
        Kind::Exhausted,
        Some("weekly"),
        Some("2026-10-20T20:46:00Z"),
    ),
    (
        "  ⎿  You've hit your weekly limit · resets Dec 3, 8:46pm (UTC)",
        Kind::Exhausted,
        Some("weekly"),
        Some("2026-12-03T20:46:00Z"),
    ),
    (
        "  ⎿  You've hit your Opus limit · resets 8:47pm (UTC)",
        Kind::Exhausted,
        Some("opus"),
        Some("2026-10-20T20:47:00Z"),
    ),
    (
        "  ⎿  You've hit your Sonnet limit · resets 8:47pm (UTC)",
        Kind::Exhausted,
        Some("sonnet"),
        Some("2026-10-20T20:47:00Z"),
    ),
    (
        "  ⎿  You've hit your Fable limit · resets 9:37pm (UTC)",
        Kind::Exhausted,
        Some("fable"),
        Some("2026-10-20T21:37:00Z"),
    ),
    ("You've hit your Fable limit · resets 9pm", Kind::Exhausted, Some("fable"), Some("2026-10-20T21:00:00Z")),
    // The auto-continue lines under it: the same wait, with its time.
    (
        "● Usage limit reached · set to continue automatically at 8:45pm",
        Kind::Exhausted,
        Some("usage"),
        Some("2026-10-20T20:45:00Z"),
    ),
    (
        "● Usage limit reached again · set to continue automatically at 7:59pm",
        Kind::Exhausted,
        Some("usage"),
        Some("2026-10-20T19:59:00Z"),
    ),
    ("Usage limit reached · set to continue automatically shortly", Kind::Exhausted, Some("usage"), None),
    ("  ⚠ Usage limit reached · limit resets 8:45pm", Kind::Exhausted, Some("usage"), Some("2026-10-20T20:45:00Z")),
    (
        "Goal paused · usage limit reached · continues automatically when it resets",
        Kind::Exhausted,
        Some("usage"),
        None,
    ),
    // §7: `You've hit your ${e}${n}${g}`, every `e`, with the `n`/`g` tails.
    ("You've hit your usage limit · resets 8:45pm (UTC)", Kind::Exhausted, Some("usage"), Some("2026-10-20T20:45:00Z")),
    (
        "You've hit your limit · resets 8:45pm (UTC) · progress saved",
        Kind::Exhausted,
        None,
        Some("2026-10-20T20:45:00Z"),
    ),
    (
        "You've hit your usage credit limit · your 5-hour limit resets 8:45pm (UTC)",
        Kind::Exhausted,
        Some("credit"),
        Some("2026-10-20T20:45:00Z"),
    ),
    (
        "You've hit your monthly spend limit · raise it at https://claude.ai/settings/usage",
        Kind::Exhausted,
        Some("spend"),
        None,
    ),
    (
        "You've hit your org's monthly spend limit · ask your admin to raise it at https://claude.ai/admin-settings/usage",
        Kind::Exhausted,
        Some("spend"),
        None,
    ),
    (
        "You've hit your org's monthly usage limit · ask your admin for a higher limit",
        Kind::Exhausted,
        Some("monthly"),
        None,
    ),
    (
        "You've hit your channel's monthly spend limit · contact your admin to increase it",
        Kind::Exhausted,
        Some("spend"),
        None,
    ),
    ("You've hit your individual spend limit · progress saved", Kind::Exhausted, Some("spend"), None),
    (
        "You've hit your individual usage limit · resets Jan 2, 2027, 9am (UTC)",
        Kind::Exhausted,
        Some("usage"),
        Some("2027-01-02T09:00:00Z"),
    ),
    (
        "You've reached your weekly limit · resets Dec 3, 8:46pm (UTC)",
        Kind::Exhausted,
        Some("weekly"),
        Some("2026-12-03T20:46:00Z"),
    ),
    ("You've hit your usage limit. It resets 3pm.", Kind::Exhausted, Some("usage"), Some("2026-10-20T15:00:00Z")),
    ("You've hit your monthly spend limit.", Kind::Exhausted, Some("spend"), None),
    ("You've hit your monthly spend limit · /usage-credits to raise it", Kind::Exhausted, Some("spend"), None),
    ("You've hit your monthly spend limit. See Usage in Settings", Kind::Exhausted, Some("spend"), None),
    // `${S} · out of usage credits`, `You're out of usage credits${S}${P}`.
    ("You've hit your weekly limit · out of usage credits", Kind::Exhausted, Some("weekly"), None),
    ("Fable limit reached · out of usage credits", Kind::Exhausted, Some("fable"), None),
    (
        "You're out of usage credits · your weekly limit resets Dec 3, 8:46pm (UTC)",
        Kind::Exhausted,
        Some("credit"),
        Some("2026-12-03T20:46:00Z"),
    ),
    ("You're out of usage credits. See Usage in Settings", Kind::Exhausted, Some("credit"), None),
    ("You're out of extra usage", Kind::Exhausted, Some("extra_usage"), None),
    // Org, seat and admin forms: the account cannot be used until someone else acts.
    ("Your org is out of usage · add funds to continue", Kind::Exhausted, Some("usage"), None),
    ("Your org is out of usage · contact your admin", Kind::Exhausted, Some("usage"), None),
    ("Your seat type doesn't include usage credits", Kind::Exhausted, Some("credit"), None),
    ("Your seat type doesn't include usage", Kind::Exhausted, Some("usage"), None),
    ("This service is disabled for your org", Kind::Exhausted, Some("disabled"), None),
    ("Your usage allocation has been disabled by your admin", Kind::Exhausted, Some("disabled"), None),
    (
        "Your usage allocation has been disabled by your admin · contact your admin",
        Kind::Exhausted,
        Some("disabled"),
        None,
    ),
    ("Your group's usage limit is set to $0", Kind::Exhausted, Some("usage"), None),
    ("Your group's usage limit is set to $0.", Kind::Exhausted, Some("usage"), None),
    ("Your group's usage limit is set to $0 · contact your admin", Kind::Exhausted, Some("usage"), None),
    (
        "Credit balance too low · Add funds: https://console.anthropic.com/settings/billing",
        Kind::Exhausted,
        Some("credit"),
        None,
    ),
    // Credits: the plan quota is gone and the work now bills money (see the rule's comment).
    (
        "You're now using usage credits · Your 5-hour limit resets 3pm",
        Kind::Exhausted,
        Some("session"),
        Some("2026-10-20T15:00:00Z"),
    ),
    (
        "You're now using your usage allocation · Your weekly limit resets Dec 3, 8:46pm (UTC)",
        Kind::Exhausted,
        Some("weekly"),
        Some("2026-12-03T20:46:00Z"),
    ),
    ("You're now using extra usage", Kind::Exhausted, Some("usage"), None),
    ("Now using usage credits for Opus", Kind::Exhausted, Some("opus"), None),
    ("Now using usage credits for Fable · resets 9pm", Kind::Exhausted, Some("fable"), Some("2026-10-20T21:00:00Z")),
    ("Now using credits", Kind::Exhausted, Some("usage"), None),
    ("Now using usage credits for your weekly limit", Kind::Exhausted, Some("weekly"), None),
    ("Fable limit reached · continuing on Fable uses usage credits", Kind::Exhausted, Some("fable"), None),
    // Warnings.
    ("You've used 85% of your 5-hour limit · resets 3pm", Kind::Warning, Some("session"), Some("2026-10-20T15:00:00Z")),
    (
        "You've used 90% of your weekly limit · resets Dec 3, 8:46pm (UTC) · /upgrade to keep using Claude Code",
        Kind::Warning,
        Some("weekly"),
        Some("2026-12-03T20:46:00Z"),
    ),
    (
        "You've used 75% of your Fable limit · resets 9pm · /usage-credits to keep using Claude Code",
        Kind::Warning,
        Some("fable"),
        Some("2026-10-20T21:00:00Z"),
    ),
    (
        "Over 90% of your weekly limit used · resets Dec 3, 8:46pm (UTC)",
        Kind::Warning,
        Some("weekly"),
        Some("2026-12-03T20:46:00Z"),
    ),
    (
        "Over 95% of your 5-hour limit used · resets 8:45pm (UTC) · /upgrade to keep using Claude Code",
        Kind::Warning,
        Some("session"),
        Some("2026-10-20T20:45:00Z"),
    ),
    ("Approaching 5-hour limit · resets 8:45pm (UTC)", Kind::Warning, Some("session"), Some("2026-10-20T20:45:00Z")),
    (
        "Approaching weekly limit · resets Dec 3, 8:46pm (UTC)",
        Kind::Warning,
        Some("weekly"),
        Some("2026-12-03T20:46:00Z"),
    ),
    ("Approaching Fable limit · resets 9pm", Kind::Warning, Some("fable"), Some("2026-10-20T21:00:00Z")),
    (
        "Approaching your 5-hour usage limit — Claude will wrap up the current step.",
        Kind::Warning,
        Some("session"),
        None,
    ),
    ("You're close to your extra usage spending limit", Kind::Warning, Some("extra_usage"), None),
    ("You're close to your monthly spend limit", Kind::Warning, Some("spend"), None),
    // Transient: overload, throttling, an API key's rate limit.
    ("✻ 529 Overloaded · retrying in 31s · attempt 7/10", Kind::Transient, None, None),
    ("✻ API error · retrying in 2s · attempt 2/10", Kind::Transient, None, None),
    ("✻ API error · retrying in 21s · attempt 1/10", Kind::Transient, None, None),
    (
        "● API Error: 529 Overloaded. This is a server-side issue, usually temporary — try again in a moment. If it persists, check your inference gateway (127.0.0.1:46353).",
        Kind::Transient,
        None,
        None,
    ),
    (
        "● API Error: Server is temporarily limiting requests (not your usage limit) · This request would exceed your account's rate limit. Please try again later.",
        Kind::Transient,
        None,
        None,
    ),
    (
        "● API Error: Request rejected (429) · This request would exceed your account's rate limit. Please try again later.",
        Kind::Transient,
        None,
        None,
    ),
    ("Repeated 529 Overloaded errors", Kind::Transient, None, None),
    // 2.1.337: the same notices after `∷` (docs/CLAUDE-CODE-2.1.337.md).
    (
        "∷ API Error: 529 Overloaded. This is a server-side issue, usually temporary — try again in a moment. If it persists, check your inference gateway (127.0.0.1:46353).",
        Kind::Transient,
        None,
        None,
    ),
    (
        "∷ API Error: Server is temporarily limiting requests (not your usage limit) · This request would exceed your account's rate limit. Please try again later.",
        Kind::Transient,
        None,
        None,
    ),
    (
        "∷ Usage limit reached · set to continue automatically at 8:45pm",
        Kind::Exhausted,
        Some("usage"),
        Some("2026-10-20T20:45:00Z"),
    ),
    // Needs login.
    ("● Please run /login · API Error: 401 OAuth authentication is currently not supported.", Kind::Auth, None, None),
    (
        "● Please run /login · API Error: 401 OAuth token has expired. Please obtain a new token or refresh your existing token.",
        Kind::Auth,
        None,
        None,
    ),
    (
        r#"Please run /login · API Error: 401 {"type":"error","error":{"type":"authentication_error","message":"OAuth access token has been revoked."}}"#,
        Kind::Auth,
        None,
        None,
    ),
    ("  ⎿  OAuth token revoked · Please run /login", Kind::Auth, None, None),
    ("  ⎿  Invalid API key · Fix external API key", Kind::Auth, None, None),
    ("✻ 401 invalid x-api-key · retrying in 1s · attempt 4/10", Kind::Auth, None, None),
    ("Not logged in · Please run /login", Kind::Auth, None, None),
    ("Login expired · Please run /login", Kind::Auth, None, None),
    ("Login reached its time limit · Please run /login", Kind::Auth, None, None),
    ("Your session has expired. Please run /login to sign in again.", Kind::Auth, None, None),
];

#[test]
fn catalogue_2_1_332_as_printed() {
    for &(msg, kind, scope, reset) in CATALOGUE_2_1_332 {
        check_one(msg, &scan(msg), kind, scope, reset);
    }
}

#[test]
fn catalogue_2_1_332_with_prefixes_apostrophes_and_separators() {
    let prefixes = ["", "⎿  ", "  ⎿  ", "⏺ ", "● ", "⚠ ", "✻ "];
    let separators = [" · ", " ∙ ", " • "];
    for &(msg, kind, scope, reset) in CATALOGUE_2_1_332 {
        let bare = clean(msg);
        let curly = bare.replace('\'', "’");
        for base in [bare, curly.as_str()] {
            for sep in separators {
                let variant = base.replace(" · ", sep);
                for prefix in prefixes {
                    let input = format!("{prefix}{variant}");
                    check_one(&input, &scan(&input), kind, scope, reset);
                }
            }
        }
    }
}

#[test]
fn catalogue_2_1_332_through_a_stream_with_tui_escapes() {
    let d = det();
    for &(msg, kind, scope, reset) in CATALOGUE_2_1_332 {
        let render = format!(
            "\x1b[?1049h\x1b[H\x1b[2J\x1b[3;1H\x1b[38;2;153;153;153m  \x1b[39m\x1b[31m{}\x1b[39m\x1b[5;1H\x1b[2m? for shortcuts\x1b[22m",
            msg.trim_start().replace(' ', "\x1b[1C")
        );
        let mut stream = Stream::new();
        let mut found = stream.feed(&d, render.as_bytes(), now(), &TimeZone::UTC);
        found.extend(stream.flush(&d, now(), &TimeZone::UTC));
        check_one(msg, &found, kind, scope, reset);
    }
}

/// The name before `limit` is open: a new model's limit is still a limit, named by its word.
#[test]
fn an_unknown_limit_name_is_still_a_limit() {
    let cases: &[(&str, Kind, Option<&str>, Option<&str>)] = &[
        ("You've hit your Zephyr limit · resets 3pm", Kind::Exhausted, Some("zephyr"), Some("2026-10-20T15:00:00Z")),
        ("  ⎿  You've hit your Zephyr limit", Kind::Exhausted, Some("zephyr"), None),
        (
            "You’ve reached your Zephyr limit. It resets 3pm.",
            Kind::Exhausted,
            Some("zephyr"),
            Some("2026-10-20T15:00:00Z"),
        ),
        ("You've hit your Opus 5 limit · resets 3pm", Kind::Exhausted, Some("opus"), Some("2026-10-20T15:00:00Z")),
        ("You've hit your hourly limit · resets 3pm", Kind::Exhausted, Some("hourly"), Some("2026-10-20T15:00:00Z")),
        ("You've hit your team's Zephyr limit", Kind::Exhausted, Some("zephyr"), None),
        (
            "You've used 85% of your Zephyr limit · resets 3pm",
            Kind::Warning,
            Some("zephyr"),
            Some("2026-10-20T15:00:00Z"),
        ),
        ("Over 90% of your Zephyr limit used", Kind::Warning, Some("zephyr"), None),
        ("Approaching Zephyr limit · resets 3pm", Kind::Warning, Some("zephyr"), Some("2026-10-20T15:00:00Z")),
        ("You're close to your Zephyr limit", Kind::Warning, Some("zephyr"), None),
        ("Zephyr limit reached · continuing on Zephyr uses usage credits", Kind::Exhausted, Some("zephyr"), None),
        // A rate limit is throttling, not a quota.
        ("You've hit your rate limit · try again in 30 seconds", Kind::Transient, None, Some("2026-10-20T10:00:30Z")),
        // The old model fallback stays transient whatever the model.
        ("Claude Opus 4 limit reached, now using Claude Sonnet 4", Kind::Transient, None, None),
    ];
    for &(input, kind, scope, reset) in cases {
        check_one(input, &scan(input), kind, scope, reset);
    }
    // Wrapped over two rows, with the reset on the second.
    let found = scan("⎿  You've hit your Zephyr limit ·\n     resets 3pm");
    check_one("wrapped", &found, Kind::Exhausted, Some("zephyr"), Some("2026-10-20T15:00:00Z"));
    assert_eq!(found[0].text, "You've hit your Zephyr limit · resets 3pm");
}

/// 2.1.332's own wait and its end, the limit dialog, the lines around the messages, and other
/// output of the CLI quoted in CLAUDE-CODE-2.1.332.md: none is a detection. Claude resends by
/// itself after the reset; an `exhausted` here would fail over a pane that is about to continue.
#[test]
fn claude_2_1_332_lines_that_are_not_detections() {
    for line in [
        // Auto-continue: footer, reset, resend, and the wait's end.
        "    Continuing automatically at 8:45pm · Esc to cancel",
        "Continuing automatically at 9:05pm · Esc to cancel",
        "    Continuing shortly · Esc to cancel",
        "● Usage limit reset · Continuing automatically",
        "Usage limit has reset · Press enter to continue",
        "Your usage limit has reset",
        "Usage limit available again · continuing now",
        "● Automatic continue stopped · the usage limit now resets more than 24 hours out, so this task will not resume on its own (/rate-limit-options to wait anyway)",
        "● Automatic continue stopped after repeated usage limit hits · This task will not resume on its own (/rate-limit-options to try again)",
        "● Automatic continue cancelled · /rate-limit-options to wait again",
        "● Automatic continue cancelled · Claude Code relaunched during the wait, so the task will not resume on its own when the usage limit resets (send a prompt then to continue)",
        "● Automatic continue cancelled · Claude Code exited during the wait, so the task will not resume on its own when the usage limit resets (send a prompt after the reset to continue)",
        "● Automatic continue stopped · your login changed or ended · send a prompt to continue",
        // The prompt claude sends by itself at the reset, shown as the user's or not.
        "❯ Your claude.ai usage limit has reset. Continue the task you were working on when the limit was reached; do not repeat work that is already complete.",
        "Your claude.ai usage limit has reset. Continue the task you were working on when the limit was reached; do not repeat work that is already complete.",
        // The limit dialog and the hints under a limit line.
        "     /usage-credits to finish what you’re working on.",
        "/upgrade to keep using Claude Code",
        "/usage-credits to keep using Claude Code",
        "  What do you want to do?",
        "  ❯ 1. Stop and wait for limit to reset",
        "    1. Stop and wait for limit to reset",
        "    2. Wait here, then continue automatically at Dec 3, 8:46pm",
        "    3. Switch to usage credits",
        "  ❯ 3. Switch to usage credits",
        "    4. Upgrade your plan",
        "    5. Don’t continue automatically",
        "  Enter to confirm · Esc to cancel",
        // Around the overload and login errors.
        "  ⎿  If it persists, check your inference gateway (127.0.0.1:46353).",
        "Resend your message to try again",
        "Once fixed, resend your message",
        // Banners, exit, resume and start-up output.
        "Opus 5.5 · Claude Max",
        "Sonnet 5.5 · Claude API",
        "Opus 5.5 · API Usage Billing",
        "  Press Ctrl-C again to exit",
        "Resume this session with:",
        "claude --resume 3899ab66-52a7-446f-bfe6-58aabc275696",
        "claude --model sonnet --resume 38b04623-0000-4000-8000-000000000000",
        "No conversation found with session ID: 12345678-1234-4234-8234-123456789abc",
        "Resume session",
        "⌕ not-a-uuid",
        "No sessions match \"not-a-uuid\".",
        "Claude configuration file not found at: /home/u/w/home/.claude.json",
        " Unable to connect to Anthropic services",
        " Failed to connect to api.anthropic.com: ENOTFOUND",
        "--dangerously-skip-permissions cannot be used with root/sudo privileges for security reasons",
        "  WARNING: Claude Code running in Bypass Permissions mode",
        " Accessing workspace:",
        " Quick safety check: Is this a project you created or one you trust? (Like your own code, a well-known open source project, or work from your team). If not, take a moment to review what's in this",
        " Claude Code'll be able to read, edit, and execute files here.",
        " ❯ No, exit",
        "   Yes, I trust this folder",
        "    Yes, I accept",
        // The old screen's own trust question.
        "Do you trust the files in this folder?",
    ] {
        assert!(scan(line).is_empty(), "{line:?} → {:#?}", scan(line));
    }
}
