//! The fuzzers' minimised findings (`fuzz/seeds/<target>/`), replayed through the same checks
//! as the fuzz targets on every test run, without the fuzzing toolchain.

use std::path::{Path, PathBuf};

use claude_failover::detect::{Detector, Kind, Stream};

/// `fuzz/seeds/<target>.hex`: one seed per line, hex-encoded (an empty line is the empty input).
fn seeds(target: &str) -> Vec<(PathBuf, Vec<u8>)> {
    let file = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/seeds").join(format!("{target}.hex"));
    let text = std::fs::read_to_string(&file).unwrap_or_default();
    text.lines()
        .enumerate()
        .map(|(i, l)| {
            let bytes = (0..l.len() / 2).filter_map(|j| u8::from_str_radix(&l[2 * j..2 * j + 2], 16).ok()).collect();
            (PathBuf::from(format!("{}:{}", file.display(), i + 1)), bytes)
        })
        .collect()
}

#[test]
fn detect_seeds() {
    let det = Detector::new(&[]).unwrap();
    let now = jiff::Timestamp::from_second(1_795_000_000).unwrap();
    let tz = jiff::tz::TimeZone::UTC;
    let mut count = 0;
    for (path, data) in seeds("detect") {
        let mut whole = Stream::new();
        let mut a = whole.feed(&det, &data, now, &tz);
        a.extend(whole.flush(&det, now, &tz));
        let cut = data.first().map_or(0, |b| *b as usize % (data.len() + 1));
        let mut split = Stream::new();
        let mut b = split.feed(&det, &data[..cut], now, &tz);
        b.extend(split.feed(&det, &data[cut..], now, &tz));
        b.extend(split.flush(&det, now, &tz));
        let n = |v: &[claude_failover::detect::Detection]| v.iter().filter(|d| d.kind == Kind::Exhausted).count();
        assert_eq!(n(&a), n(&b), "{}", path.display());
        count += 1;
    }
    assert!(count > 100, "the detect seeds are there ({count})");
}

#[test]
fn reset_config_and_guard_seeds() {
    let now = jiff::Timestamp::from_second(1_795_000_000).unwrap();
    for (_, data) in seeds("reset") {
        let _ = claude_failover::detect::parse_reset(&String::from_utf8_lossy(&data), now, &jiff::tz::TimeZone::UTC);
    }
    for (path, data) in seeds("config") {
        if let Ok(c) = claude_failover::config::parse(
            &String::from_utf8_lossy(&data),
            Path::new("/cfg/config.toml"),
            Path::new("/home/fuzz"),
        ) {
            assert!(c.accounts.len() >= 2, "{}", path.display());
        }
    }
    let g = claude_failover::guard::Guard::new(&Default::default()).unwrap();
    let homes = [PathBuf::from("/home/u/.claude-a"), PathBuf::from("/home/u/.claude-b")];
    let ctx = claude_failover::guard::Context {
        project_dir: Path::new("/home/u/src/p"),
        home: Path::new("/home/u"),
        account_homes: &homes,
        own_config_dir: Some(Path::new("/home/u/.claude-a")),
    };
    for (_, data) in seeds("guard") {
        let s = String::from_utf8_lossy(&data);
        let _ = claude_failover::guard::simple_commands(&s);
        let _ = g.check("Bash", &serde_json::json!({ "command": s }), &ctx);
    }
}
