//! A [`Stream`] fed raw pane output: a TUI frame split at every byte, flushed between pieces,
//! redrawn, carried across a restart, or garbage; and its throughput (ignored: run in release).

use super::*;

/// What Ink writes for a frame that shows the limit message: erase the previous frame line by
/// line, then the new rows with colours, the prompt box and the footer, cursor left on the footer.
fn tui_render() -> Vec<u8> {
    [
        "\x1b[2K\x1b[1A\x1b[2K\x1b[1A\x1b[2K\x1b[G",
        "\x1b[38;2;153;153;153m  ⎿  \x1b[39m\x1b[38;2;255;107;128mYou’ve hit your session limit · resets 3pm (Europe/Paris)\x1b[39m\r\n",
        "\x1b[38;2;153;153;153m     /upgrade to increase your usage limit.\x1b[39m\r\n\r\n",
        "\x1b[2m╭──────────╮\x1b[22m\r\n│ >\x1b[7m \x1b[27m        │\r\n╰──────────╯\r\n",
        "  \x1b[2m? for shortcuts\x1b[22m\x1b]0;✳ Claude Code\x07",
    ]
    .concat()
    .into_bytes()
}

fn expect_session_limit(found: &[Detection], with_reset: bool, context: &str) {
    assert_eq!(found.len(), 1, "{context}: {found:#?}");
    assert_eq!((found[0].kind, found[0].limit.as_deref()), (Kind::Exhausted, Some("session")), "{context}");
    if with_reset {
        assert_eq!(reset_str(&found[0]).as_deref(), Some("2026-10-20T13:00:00Z"), "{context}");
        assert_eq!(found[0].text, "You’ve hit your session limit · resets 3pm (Europe/Paris)", "{context}");
    }
}

#[test]
fn split_at_every_byte_boundary_yields_one_detection() {
    let d = det();
    let utc = TimeZone::UTC;
    let render = tui_render();
    for a in 0..=render.len() {
        let mut stream = Stream::new();
        let mut found = stream.feed(&d, &render[..a], now(), &utc);
        found.extend(stream.feed(&d, &render[a..], now(), &utc));
        found.extend(stream.flush(&d, now(), &utc));
        expect_session_limit(&found, true, &format!("split at {a}"));
    }
}

#[test]
fn flush_between_pieces_never_double_reports() {
    let d = det();
    let utc = TimeZone::UTC;
    let render = tui_render();
    for a in 0..=render.len() {
        let mut stream = Stream::new();
        let mut found = stream.feed(&d, &render[..a], now(), &utc);
        found.extend(stream.flush(&d, now(), &utc));
        found.extend(stream.flush(&d, now(), &utc));
        found.extend(stream.feed(&d, &render[a..], now(), &utc));
        found.extend(stream.flush(&d, now(), &utc));
        // A flush inside "resets 3pm" reports what was there; the rest of the line is not repeated.
        expect_session_limit(&found, false, &format!("flush at {a}"));
    }
    let mut stream = Stream::new();
    let mut found = Vec::new();
    for byte in &render {
        found.extend(stream.feed(&d, std::slice::from_ref(byte), now(), &utc));
        found.extend(stream.flush(&d, now(), &utc));
    }
    expect_session_limit(&found, false, "byte by byte with flushes");
}

#[test]
fn message_wrapped_over_two_rows_split_anywhere() {
    let d = det();
    let utc = TimeZone::UTC;
    let render = "\x1b[2K\x1b[G  ⎿  \x1b[31mYou’ve hit your session limit ·\x1b[39m\r\n     \x1b[31mresets 3pm (Europe/Paris)\x1b[39m\r\n\x1b[2m? for shortcuts\x1b[22m"
        .as_bytes();
    for a in 0..=render.len() {
        let mut stream = Stream::new();
        let mut found = stream.feed(&d, &render[..a], now(), &utc);
        found.extend(stream.feed(&d, &render[a..], now(), &utc));
        found.extend(stream.flush(&d, now(), &utc));
        expect_session_limit(&found, true, &format!("split at {a}"));
    }
}

#[test]
fn redraw_of_the_same_message_has_the_same_fingerprint() {
    let d = det();
    let utc = TimeZone::UTC;
    let mut stream = Stream::new();
    let mut found = stream.feed(&d, &tui_render(), now(), &utc);
    found.extend(stream.flush(&d, now(), &utc));
    // Redraw: up, erase, same text in other colours with cursor-forward instead of spaces.
    let redraw = "\x1b[1A\x1b[2K\x1b[1A\x1b[2K\x1b[1A\x1b[2K\x1b[1A\x1b[2K\x1b[1A\x1b[2K\x1b[1A\x1b[2K\x1b[G\x1b[2C⎿\x1b[2C\x1b[1mYou’ve\x1b[1Chit\x1b[1Cyour\x1b[1Csession\x1b[1Climit\x1b[1C·\x1b[1Cresets\x1b[1C3pm\x1b[1C(Europe/Paris)\x1b[22m\r\n";
    found.extend(stream.feed(&d, redraw.as_bytes(), now(), &utc));
    found.extend(stream.flush(&d, now(), &utc));
    assert_eq!(found.len(), 2, "{found:#?}");
    assert_eq!(found[0].fingerprint(), found[1].fingerprint());
    assert_eq!(found[0], found[1]);
}

#[test]
fn unterminated_line_reported_by_flush_once() {
    let d = det();
    let utc = TimeZone::UTC;
    let mut stream = Stream::new();
    let message = "⎿  Usage limit reached · continuing automatically at 7pm · esc or type to cancel";
    assert!(stream.feed(&d, message.as_bytes(), now(), &utc).is_empty());
    let found = stream.flush(&d, now(), &utc);
    check_one(message, &found, Kind::Exhausted, Some("usage"), Some("2026-10-20T19:00:00Z"));
    assert!(stream.flush(&d, now(), &utc).is_empty());
    assert!(stream.feed(&d, b"\r\n", now(), &utc).is_empty());
    assert!(stream.flush(&d, now(), &utc).is_empty());
    // The next line is a fresh one.
    let found = stream.feed(&d, message.as_bytes(), now(), &utc);
    assert!(found.is_empty());
    assert_eq!(stream.flush(&d, now(), &utc).len(), 1);
}

#[test]
fn pending_message_resolved_by_flush() {
    let d = det();
    let utc = TimeZone::UTC;
    // Nothing follows the message: flush reports it without a reset.
    let mut stream = Stream::new();
    assert!(stream.feed(&d, b"5-hour limit reached\n", now(), &utc).is_empty());
    let found = stream.flush(&d, now(), &utc);
    check_one("pending", &found, Kind::Exhausted, Some("session"), None);
    assert!(stream.feed(&d, b"\xe2\x88\x99 resets 3am\n", now(), &utc).is_empty());

    // The reset part sits unterminated on the next row when the batch ends.
    let mut stream = Stream::new();
    assert!(stream.feed(&d, "5-hour limit reached\n∙ resets 3am".as_bytes(), now(), &utc).is_empty());
    let found = stream.flush(&d, now(), &utc);
    check_one("pending", &found, Kind::Exhausted, Some("session"), Some("2026-10-21T03:00:00Z"));
    assert!(stream.feed(&d, b"\n", now(), &utc).is_empty());
    assert!(stream.flush(&d, now(), &utc).is_empty());
}

#[test]
fn garbage_bytes_never_panic() {
    let d = Detector::new(&["x{2,}".to_owned()]).expect("valid");
    let utc = TimeZone::UTC;
    let mut stream = Stream::new();
    let mut state: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut chunk = Vec::new();
    for round in 0..200usize {
        chunk.clear();
        for _ in 0..(round * 37 % 4096) {
            state = state.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
            chunk.push((state >> 33) as u8);
        }
        if round.is_multiple_of(7) {
            chunk.extend_from_slice("\n⎿ You’ve hit your limit · resets 99:99pm (Bad/Zone\n".as_bytes());
        }
        stream.feed(&d, &chunk, now(), &utc);
        stream.flush(&d, now(), &utc);
    }
    // A line longer than the partial cap without any newline is still scanned.
    let mut long = vec![b'a'; MAX_PARTIAL + 10];
    long.extend_from_slice(b" Session limit reached \xe2\x88\x99 resets 7pm");
    let mut stream = Stream::new();
    let found = stream.feed(&d, &long, now(), &utc);
    assert!(found.len() <= 1);
}

/// Synthetic Claude Code TUI output: spinner redraws, a prompt box, a footer, assistant prose and
/// code with the odd keyword, and one real limit message per 10 000 frames.
fn synthetic_tui(target: usize) -> Vec<u8> {
    let mut out = Vec::with_capacity(target + 4096);
    let mut frame = 0usize;
    while out.len() < target {
        out.extend_from_slice(b"\x1b[2K\x1b[1A\x1b[2K\x1b[1A\x1b[2K\x1b[1A\x1b[2K\x1b[1A\x1b[2K\x1b[G");
        out.extend_from_slice(
            format!(
                "\x1b[38;2;215;119;87m✻\x1b[39m Thinking\u{2026} \x1b[2m(esc to interrupt · {}s · ↑ {}.{}k tokens)\x1b[22m\r\n",
                frame % 600,
                frame % 97,
                frame % 10
            )
            .as_bytes(),
        );
        out.extend_from_slice(
            format!(
                "\x1b[38;2;153;153;153m  ⎿  \x1b[39mRead \x1b[1msrc/module_{}.rs\x1b[22m (\x1b[1m{}\x1b[22m lines)\r\n",
                frame % 53,
                frame % 400
            )
            .as_bytes(),
        );
        match frame % 5 {
            0 => out.extend_from_slice("⏺ The parser now returns a typed error instead of panicking; I\x1b[1Cupdated the call sites and the tests pass.\r\n".as_bytes()),
            1 => out.extend_from_slice(b"\x1b[32m+\x1b[39m    fn handle_request(&mut self, req: Request) -> Result<Response, Error> {\r\n"),
            2 => out.extend_from_slice(b"\x1b[31m-\x1b[39m        let value = map.get(&key).copied().unwrap_or_default();\r\n"),
            3 => out.extend_from_slice(b"     Running `target/debug/app --config ./config.toml --verbose`\r\n"),
            _ => out.extend_from_slice("  \x1b[2m⎯⎯⎯⎯⎯⎯⎯⎯⎯⎯⎯⎯⎯⎯⎯⎯⎯⎯⎯⎯⎯⎯⎯⎯⎯⎯⎯⎯⎯⎯⎯⎯⎯⎯⎯⎯⎯⎯⎯⎯\x1b[22m\r\n".as_bytes()),
        }
        if frame.is_multiple_of(50) {
            out.extend_from_slice(b"    // keep the retry budget below the rate limit of the upstream API\r\n");
        }
        if frame % 10_000 == 9_999 {
            out.extend_from_slice("  ⎿  You’ve hit your session limit · resets 3pm (Europe/Paris)\r\n".as_bytes());
        }
        out.extend_from_slice("\x1b[2m╭────────────────────────────────────────────────────────────╮\x1b[22m\r\n│ > \x1b[7m \x1b[27m                                                        │\r\n╰────────────────────────────────────────────────────────────╯\r\n".as_bytes());
        out.extend_from_slice(b"  \x1b[2m? for shortcuts\x1b[22m\x1b[38C\x1b[38;5;246mContext left until auto-compact: 42%\x1b[39m\x1b]0;\xe2\x9c\xb3 Claude Code\x07");
        frame += 1;
    }
    out
}

/// `cargo test --release -- --ignored --nocapture throughput`
#[test]
#[ignore = "throughput measurement; run in release"]
fn throughput() {
    let data = synthetic_tui(200 * 1024 * 1024);
    let utc = TimeZone::UTC;
    for extra in [vec![], vec!["(?i)quota exceeded".to_owned()]] {
        let d = Detector::new(&extra).expect("valid patterns");
        let mut stream = Stream::new();
        let mut found = 0usize;
        let start = std::time::Instant::now();
        for chunk in data.chunks(64 * 1024) {
            found += stream.feed(&d, chunk, now(), &utc).len();
            found += stream.flush(&d, now(), &utc).len();
        }
        let secs = start.elapsed().as_secs_f64();
        let mb = data.len() as f64 / (1024.0 * 1024.0);
        println!("extra {extra:?}: {mb:.0} MiB in {secs:.3} s = {:.0} MiB/s, {found} detections", mb / secs);
        assert!(found > 0);
    }
}

/// A restarted reader carries the unterminated line over (`carry` / `resumed`): a limit line
/// split by a restart at any byte is still reported, once.
#[test]
fn a_line_split_by_a_restart_is_seen_whole() {
    let d = det();
    let utc = TimeZone::UTC;
    let render = tui_render();
    for a in 0..=render.len() {
        let mut before = Stream::new();
        let mut found = before.feed(&d, &render[..a], now(), &utc);
        found.extend(before.flush(&d, now(), &utc));
        let carried: Carry = serde_json::from_str(&serde_json::to_string(&before.carry()).unwrap()).unwrap();
        let mut after = Stream::resumed(carried);
        found.extend(after.feed(&d, &render[a..], now(), &utc));
        found.extend(after.flush(&d, now(), &utc));
        expect_session_limit(&found, false, &format!("restart at {a}"));
    }
}

/// A saved carry is read back from a file: any state it can name, with extreme counters, then
/// any bytes, never panics.
#[test]
fn any_saved_carry_then_any_bytes_never_panics() {
    let d = det();
    let utc = TimeZone::UTC;
    let states = [
        r#""Ground""#,
        r#""Escape""#,
        r#""EscapeIntermediate""#,
        r#""Csi""#,
        r#""Osc""#,
        r#""String""#,
        r#"{"StringEscape":{"osc":true}}"#,
        r#"{"StringEscape":{"osc":false}}"#,
    ];
    let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
    for state in states {
        let text = format!(
            r#"{{"partial":[255,0,10,226,142],"reported":true,"stripper":{{"state":{state},"utf8_pending":255,"csi_param":65535,"csi_param_done":false,"string_len":4294967295}}}}"#
        );
        let carry: Carry = serde_json::from_str(&text).expect(&text);
        let mut s = Stream::resumed(carry);
        for _ in 0..64 {
            let bytes: Vec<u8> = (0..97)
                .map(|_| {
                    x = x.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
                    (x >> 56) as u8
                })
                .collect();
            let _ = s.feed(&d, &bytes, now(), &utc);
            let _ = s.flush(&d, now(), &utc);
        }
        let _ = s.feed(&d, tui_render().as_slice(), now(), &utc);
    }
}
