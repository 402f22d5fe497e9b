//! Arbitrary pane bytes, fed in pieces: the stripper and classifier never panic, and feeding the
//! same bytes whole or split finds the same limit messages.
#![no_main]
use claude_failover::detect::{Detector, Stream};
use libfuzzer_sys::fuzz_target;

static DET: std::sync::LazyLock<Option<Detector>> = std::sync::LazyLock::new(|| Detector::new(&[]).ok());

fuzz_target!(|data: &[u8]| {
    let Some(det) = DET.as_ref() else { return };
    let now = jiff::Timestamp::from_second(1_795_000_000).unwrap_or_default();
    let tz = jiff::tz::TimeZone::UTC;
    let mut whole = Stream::new();
    let mut a = whole.feed(det, data, now, &tz);
    a.extend(whole.flush(det, now, &tz));
    let mut split = Stream::new();
    let cut = data.first().map_or(0, |b| *b as usize % (data.len() + 1));
    let mut b = split.feed(det, &data[..cut], now, &tz);
    b.extend(split.feed(det, &data[cut..], now, &tz));
    b.extend(split.flush(det, now, &tz));
    let _ = det.scan_text(&String::from_utf8_lossy(data), now, &tz);
    // A flush between the halves may report a line early; with none, the results agree.
    let exhausted = |v: &[claude_failover::detect::Detection]| v.iter().filter(|d| d.kind == claude_failover::detect::Kind::Exhausted).count();
    assert_eq!(exhausted(&a), exhausted(&b), "split at {cut}");
});
