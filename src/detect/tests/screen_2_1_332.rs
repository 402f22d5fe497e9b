//! Claude Code 2.1.332 as it reaches a pane: a whole frame drawn with cursor moves (split, flushed,
//! redrawn), the footer of Claude's own wait ([`auto_continue_armed`]), a read ending inside a
//! character, and a narrow pane wrapping a message at any word.

use super::*;

/// A 2.1.332 frame after a 5-hour limit, as Ink draws it on the alternate screen: absolute cursor
/// moves instead of newlines, colours, the limit line, the hint under it, the history line of the
/// armed wait, the prompt box and the two-row footer; the cursor stays in the prompt box.
fn frame_2_1_332(space: &str) -> Vec<u8> {
    let text = |s: &str| s.replace(' ', space);
    [
        "\x1b[?1049h\x1b[?25l\x1b[H\x1b[2J".to_owned(),
        format!("\x1b[1;1H\x1b[38;2;153;153;153m❯\x1b[39m {}", text("explain the parser")),
        format!(
            "\x1b[3;1H  \x1b[2m⎿\x1b[22m  \x1b[38;2;255;107;128m{}\x1b[39m",
            text("You've hit your 5-hour limit · resets 8:45pm (UTC)")
        ),
        format!("\x1b[4;1H     \x1b[2m{}\x1b[22m", text("/usage-credits to finish what you’re working on.")),
        format!(
            "\x1b[6;1H\x1b[38;2;153;153;153m●\x1b[39m {}",
            text("Usage limit reached · set to continue automatically at 8:45pm")
        ),
        "\x1b[8;1H\x1b[2m╭────────────────────────────╮\x1b[22m".to_owned(),
        "\x1b[9;1H\x1b[2m│\x1b[22m ❯ \x1b[7m \x1b[27m                        \x1b[2m│\x1b[22m".to_owned(),
        "\x1b[10;1H\x1b[2m╰────────────────────────────╯\x1b[22m".to_owned(),
        format!("\x1b[11;1H  \x1b[38;5;214m⚠ {}\x1b[39m", text("Usage limit reached · limit resets 8:45pm")),
        format!("\x1b[12;1H    \x1b[2m{}\x1b[22m", text("Continuing automatically at 8:45pm · Esc to cancel")),
        "\x1b[9;5H\x1b[?25h".to_owned(),
    ]
    .concat()
    .into_bytes()
}

/// The frame's three messages, in order. `whole`: no read batch ended inside one of them (a
/// flush mid-line reports what was there, so text and reset may be cut short).
fn expect_2_1_332_frame(found: &[Detection], whole: bool, context: &str) {
    let texts = [
        "You've hit your 5-hour limit · resets 8:45pm (UTC)",
        "Usage limit reached · set to continue automatically at 8:45pm",
        "Usage limit reached · limit resets 8:45pm",
    ];
    assert_eq!(found.len(), texts.len(), "{context}: {found:#?}");
    for ((d, limit), text) in found.iter().zip(["session", "usage", "usage"]).zip(texts) {
        assert_eq!((d.kind, d.limit.as_deref()), (Kind::Exhausted, Some(limit)), "{context}: {found:#?}");
        if whole {
            assert_eq!(d.text, text, "{context}");
            assert_eq!(reset_str(d).as_deref(), Some("2026-10-20T20:45:00Z"), "{context}: {d:?}");
        } else {
            assert!(text.starts_with(&d.text), "{context}: {d:?}");
        }
    }
}

#[test]
fn a_2_1_332_frame_split_at_every_byte_is_the_same_three_messages() {
    let d = det();
    let utc = TimeZone::UTC;
    let frame = frame_2_1_332(" ");
    for a in 0..=frame.len() {
        let mut stream = Stream::new();
        let mut found = stream.feed(&d, &frame[..a], now(), &utc);
        found.extend(stream.feed(&d, &frame[a..], now(), &utc));
        found.extend(stream.flush(&d, now(), &utc));
        expect_2_1_332_frame(&found, true, &format!("split at {a}"));
    }
    // With a read batch ending anywhere (a flush in between), nothing is reported twice.
    for a in 0..=frame.len() {
        let mut stream = Stream::new();
        let mut found = stream.feed(&d, &frame[..a], now(), &utc);
        found.extend(stream.flush(&d, now(), &utc));
        found.extend(stream.feed(&d, &frame[a..], now(), &utc));
        found.extend(stream.flush(&d, now(), &utc));
        expect_2_1_332_frame(&found, false, &format!("flush at {a}"));
    }
}

#[test]
fn a_2_1_332_frame_redrawn_has_the_same_fingerprints() {
    let d = det();
    let utc = TimeZone::UTC;
    let mut stream = Stream::new();
    let mut first = stream.feed(&d, &frame_2_1_332(" "), now(), &utc);
    first.extend(stream.flush(&d, now(), &utc));
    expect_2_1_332_frame(&first, true, "first frame");
    // The same frame redrawn with cursor-forward for spaces (Ink's diffing), and again as
    // written in pieces of 7 bytes with a flush after each read.
    let mut again = stream.feed(&d, &frame_2_1_332("\x1b[1C"), now(), &utc);
    again.extend(stream.flush(&d, now(), &utc));
    expect_2_1_332_frame(&again, true, "redraw");
    let mut pieces = Vec::new();
    for chunk in frame_2_1_332(" ").chunks(7) {
        pieces.extend(stream.feed(&d, chunk, now(), &utc));
        pieces.extend(stream.flush(&d, now(), &utc));
    }
    let fingerprints = |v: &[Detection]| v.iter().map(Detection::fingerprint).collect::<Vec<_>>();
    assert_eq!(fingerprints(&first), fingerprints(&again));
    assert_eq!(first, again);
    // Read batches ending mid-line report a line early (cut short), never twice.
    expect_2_1_332_frame(&pieces, false, "pieces");
}

#[test]
fn auto_continue_armed_on_the_footer_only() {
    let armed = [
        "    Continuing automatically at 8:45pm · Esc to cancel",
        "    Continuing shortly · Esc to cancel",
        "Usage limit reached · continuing automatically at 7pm · esc or type to cancel",
        "⎿  Usage limit reached · continuing automatically at 7pm · esc or type to cancel",
        "CONTINUING AUTOMATICALLY AT 8:45PM · ESC TO CANCEL",
        "continuing shortly · esc to cancel",
        // The old screen wrapped after its separator, and a narrow footer wrapped mid-way.
        "Usage limit reached ·\ncontinuing automatically at 7pm · esc or type to cancel",
        "    Continuing automatically at 8:45pm · Esc to\n    cancel",
        // A footer with a left part and a wide gap.
        "  ? for shortcuts                    Continuing automatically at 8:45pm · Esc to cancel",
        // The whole 2.1.332 screen after a 5-hour limit.
        "❯ explain the parser\n\n  ⎿  You've hit your 5-hour limit · resets 8:45pm (UTC)\n     /usage-credits to finish what you’re working on.\n\n● Usage limit reached · set to continue automatically at 8:45pm\n\n╭──────╮\n│ ❯    │\n╰──────╯\n  ⚠ Usage limit reached · limit resets 8:45pm\n    Continuing automatically at 8:45pm · Esc to cancel\n",
        // An earlier wait cancelled, a new one armed below it.
        "● Automatic continue cancelled · /rate-limit-options to wait again\n● Usage limit reached again · set to continue automatically at 7:59pm\n  ⚠ Usage limit reached · limit resets 7:59pm\n    Continuing automatically at 7:59pm · Esc to cancel",
        // With the escapes of a raw capture (`capture-pane -e`).
        "\x1b[2m    Continuing\x1b[1Cautomatically at 8:45pm · Esc to cancel\x1b[22m",
    ];
    for screen in armed {
        assert!(auto_continue_armed(screen), "{screen:?}");
    }
    let not_armed = [
        "",
        // History re-drawn by `claude --resume`: no footer, no wait.
        "● Usage limit reached · set to continue automatically at 8:45pm",
        "  ⎿  You've hit your 5-hour limit · resets 8:45pm (UTC)\n     /usage-credits to finish what you’re working on.\n● Usage limit reached · set to continue automatically at 8:45pm\n\n╭──────╮\n│ ❯    │\n╰──────╯\n  ? for shortcuts",
        "  ⚠ Usage limit reached · limit resets 8:45pm",
        // The wait given up.
        "● Automatic continue cancelled · /rate-limit-options to wait again",
        "● Usage limit reached · set to continue automatically at 8:45pm\n● Automatic continue cancelled · /rate-limit-options to wait again",
        "● Automatic continue stopped · the usage limit now resets more than 24 hours out, so this task will not resume on its own (/rate-limit-options to wait anyway)",
        "● Automatic continue stopped after repeated usage limit hits · This task will not resume on its own (/rate-limit-options to try again)",
        "● Automatic continue cancelled · Claude Code relaunched during the wait, so the task will not resume on its own when the usage limit resets (send a prompt then to continue)",
        "● Automatic continue cancelled · Claude Code exited during the wait, so the task will not resume on its own when the usage limit resets (send a prompt after the reset to continue)",
        "● Automatic continue stopped · your login changed or ended · send a prompt to continue",
        "    Continuing automatically at 8:45pm · Esc to cancel\n● Automatic continue cancelled · /rate-limit-options to wait again",
        // 2.1.337: the same notice after `∷`.
        "    Continuing automatically at 8:45pm · Esc to cancel\n∷ Automatic continue cancelled · /rate-limit-options to wait again",
        // The reset came and claude resent by itself: no wait any more.
        "● Usage limit reset · Continuing automatically",
        "Usage limit available again · continuing now",
        // The dialog offers a wait; it is not armed.
        "  What do you want to do?\n  ❯ 1. Stop and wait for limit to reset\n    2. Wait here, then continue automatically at Dec 3, 8:46pm\n    3. Switch to usage credits\n  Enter to confirm · Esc to cancel",
        // Typed into the prompt box, or quoted in prose or code.
        "│ ❯ Continuing automatically at 8:45pm · Esc to cancel │",
        "> Continuing shortly · Esc to cancel",
        "The footer says Continuing automatically at 8:45pm · Esc to cancel when armed.",
        "    assert!(screen.contains(\"continuing automatically\"));",
    ];
    for screen in not_armed {
        assert!(!auto_continue_armed(screen), "{screen:?}");
    }
}

/// A footer row with a left part, a wide gap and its own glyph before the message.
#[test]
fn a_2_1_332_footer_after_a_gap_and_a_glyph() {
    for line in [
        "  ⏵⏵ bypass permissions on (shift+tab to cycle)        ⚠ Usage limit reached · limit resets 8:45pm",
        "  ? for shortcuts                                      ⚠\u{fe0f} Usage limit reached · limit resets 8:45pm",
    ] {
        let found = scan(line);
        check_one(line, &found, Kind::Exhausted, Some("usage"), Some("2026-10-20T20:45:00Z"));
        assert_eq!(found[0].text, "Usage limit reached · limit resets 8:45pm");
    }
}

/// A read batch that ends inside a character (the `·`) reports the line without U+FFFD.
#[test]
fn a_flush_inside_a_character_keeps_the_text_clean() {
    let d = det();
    let utc = TimeZone::UTC;
    let line = "  ⎿  You've hit your 5-hour limit · resets 8:45pm (UTC)".as_bytes();
    let cut = line.iter().position(|&b| b == 0xc2).expect("the · separator") + 1;
    let mut stream = Stream::new();
    assert!(stream.feed(&d, &line[..cut], now(), &utc).is_empty());
    let found = stream.flush(&d, now(), &utc);
    check_one("cut", &found, Kind::Exhausted, Some("session"), None);
    assert_eq!(found[0].text, "You've hit your 5-hour limit");
    assert!(stream.feed(&d, &line[cut..], now(), &utc).is_empty());
    assert!(stream.feed(&d, b"\r\n", now(), &utc).is_empty());
    assert!(stream.flush(&d, now(), &utc).is_empty());
    for (bytes, kept) in [
        (&b"ab\xe2\x80"[..], &b"ab"[..]),
        (b"ab\xe2", b"ab"),
        (b"ab\xe2\x80\xa2", b"ab\xe2\x80\xa2"),
        (b"ab\xf0\x9f\x98", b"ab"),
        (b"ab\xc2", b"ab"),
        (b"ab", b"ab"),
        (b"\x80\x80\x80\x80\x80", b"\x80\x80\x80\x80\x80"),
        (b"", b""),
    ] {
        assert_eq!(without_cut_char(bytes), kept, "{bytes:?}");
    }
}

/// A narrow pane: Ink wraps the line at any word, the reset's date and time included. (A row
/// narrower than about 20 columns, which would cut "Usage" from "limit reached", is not a pane
/// the TUI can be used in; those splits are left out.)
#[test]
fn a_2_1_332_message_wrapped_at_any_word() {
    let cases: &[(&str, Kind, Option<&str>, Option<&str>)] = &[
        (
            "You've hit your weekly limit · resets Dec 3, 8:46pm (UTC)",
            Kind::Exhausted,
            Some("weekly"),
            Some("2026-12-03T20:46:00Z"),
        ),
        (
            "You've hit your 5-hour limit · resets 8:45pm (UTC)",
            Kind::Exhausted,
            Some("session"),
            Some("2026-10-20T20:45:00Z"),
        ),
        (
            "You've hit your Zephyr limit · resets Jan 2, 2027, 9am",
            Kind::Exhausted,
            Some("zephyr"),
            Some("2027-01-02T09:00:00Z"),
        ),
        (
            "Usage limit reached · set to continue automatically at 8:45pm",
            Kind::Exhausted,
            Some("usage"),
            Some("2026-10-20T20:45:00Z"),
        ),
        (
            "Over 90% of your weekly limit used · resets Dec 3, 8:46pm (UTC)",
            Kind::Warning,
            Some("weekly"),
            Some("2026-12-03T20:46:00Z"),
        ),
    ];
    let d = det();
    for &(msg, kind, scope, reset) in cases {
        let words: Vec<&str> = msg.split(' ').collect();
        for at in 1..words.len() {
            let (first, second) = (words[..at].join(" "), words[at..].join(" "));
            if first.chars().count() < 14 {
                continue;
            }
            let input = format!("  ⎿  {first}\n     {second}\n  ? for shortcuts\n");
            check_one(&input, &scan(&input), kind, scope, reset);
            // And through a stream, rows drawn by cursor moves.
            let render = format!("\x1b[3;1H  ⎿  {first}\x1b[4;6H{second}\x1b[6;1H  ? for shortcuts");
            let mut stream = Stream::new();
            let mut found = stream.feed(&d, render.as_bytes(), now(), &TimeZone::UTC);
            found.extend(stream.flush(&d, now(), &TimeZone::UTC));
            check_one(&render, &found, kind, scope, reset);
        }
    }
}
