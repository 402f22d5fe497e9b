//! Our guard over the peer corpus (tests/guard-corpus/corpus.tsv: commands and verdicts from the
//! test suites of destructive_command_guard and cc-safety-net, with `consensus` = both peers,
//! run for real, agree). Reports block rates by category on the consensus-dangerous and the
//! consensus-safe cases and writes our misses and false positives to
//! `target/guard-corpus/ours.txt`.
//!
//! The report never fails on the rates: the threshold check is `guard_corpus_thresholds`,
//! `#[ignore]`d until the guard rework lands (run it with `--ignored`, or set
//! `GUARD_CORPUS_ENFORCE=1` to make the report test enforce them too).

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use claude_failover::guard::{Context, Decision, Guard, GuardConfig};

/// At least this share of the consensus-dangerous cases must be denied.
pub const DANGEROUS_BLOCK_MIN: f64 = 0.95;
/// At most this share of the consensus-safe cases may be denied.
pub const SAFE_BLOCK_MAX: f64 = 0.01;
/// Set to 1 to make `guard_corpus_report` fail when the thresholds are not met.
const ENFORCE_ENV: &str = "GUARD_CORPUS_ENFORCE";

const CORPUS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/guard-corpus/corpus.tsv");
/// The runner's project dir when a case gives no cwd, and the home around it.
const PROJECT: &str = "/home/u/proj";
const HOME: &str = "/home/u";

struct Case {
    command: String,
    cwd: String,
    consensus: String,
    category: String,
    source: String,
}

fn load() -> Vec<Case> {
    let text = std::fs::read_to_string(CORPUS).expect("tests/guard-corpus/corpus.tsv");
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().expect("a header line").split('\t').collect();
    let col = |name: &str| header.iter().position(|h| *h == name).unwrap_or_else(|| panic!("column {name}"));
    let (c_cmd, c_cwd, c_cons, c_cat, c_src) =
        (col("command"), col("cwd"), col("consensus"), col("category"), col("source"));
    lines
        .enumerate()
        .filter(|(_, l)| !l.is_empty())
        .map(|(i, l)| {
            let f: Vec<&str> = l.split('\t').collect();
            assert_eq!(f.len(), header.len(), "corpus.tsv line {}: {} fields", i + 2, f.len());
            Case {
                command: serde_json::from_str(f[c_cmd])
                    .unwrap_or_else(|e| panic!("corpus.tsv line {}: command is not a JSON string: {e}", i + 2)),
                cwd: f[c_cwd].to_string(),
                consensus: f[c_cons].to_string(),
                category: f[c_cat].to_string(),
                source: f[c_src].to_string(),
            }
        })
        .collect()
}

#[derive(Default, Clone, Copy)]
struct Tally {
    dangerous: usize,
    dangerous_blocked: usize,
    safe: usize,
    safe_blocked: usize,
}

struct Run {
    total: Tally,
    by_category: BTreeMap<String, Tally>,
    report: String,
}

fn pct(n: usize, d: usize) -> String {
    if d == 0 { "-".to_string() } else { format!("{n}/{d} {:.1}%", 100.0 * n as f64 / d as f64) }
}

fn run() -> Run {
    let cases = load();
    assert!(cases.len() > 1000, "the corpus has {} cases", cases.len());
    let guard = Guard::new(&GuardConfig::default()).expect("default guard");
    let homes = [PathBuf::from("/home/u/.claude-a"), PathBuf::from("/home/u/.claude-b")];

    let mut total = Tally::default();
    let mut by_category: BTreeMap<String, Tally> = BTreeMap::new();
    let mut misses: BTreeMap<&str, Vec<&Case>> = BTreeMap::new();
    let mut false_positives: Vec<(&Case, String)> = Vec::new();
    for case in &cases {
        let project = if case.cwd.is_empty() { PROJECT } else { case.cwd.as_str() };
        let ctx = Context {
            project_dir: Path::new(project),
            home: Path::new(HOME),
            account_homes: &homes,
            own_config_dir: Some(Path::new("/home/u/.claude-a")),
        };
        let decision = guard.check("Bash", &serde_json::json!({ "command": case.command }), &ctx);
        let blocked = matches!(decision, Decision::Deny(_));
        let t = by_category.entry(case.category.clone()).or_default();
        match case.consensus.as_str() {
            "block" => {
                for t in [&mut *t, &mut total] {
                    t.dangerous += 1;
                    t.dangerous_blocked += usize::from(blocked);
                }
                if !blocked {
                    misses.entry(&case.category).or_default().push(case);
                }
            }
            "allow" => {
                for t in [&mut *t, &mut total] {
                    t.safe += 1;
                    t.safe_blocked += usize::from(blocked);
                }
                if let Decision::Deny(reason) = decision {
                    false_positives.push((case, reason));
                }
            }
            _ => {}
        }
    }

    let mut r = String::new();
    let _ = writeln!(
        r,
        "Our guard over tests/guard-corpus/corpus.tsv ({} cases; consensus = both peers agree)",
        cases.len()
    );
    let _ = writeln!(
        r,
        "targets: >= {:.0}% of consensus-dangerous blocked, <= {:.0}% of consensus-safe blocked\n",
        DANGEROUS_BLOCK_MIN * 100.0,
        SAFE_BLOCK_MAX * 100.0
    );
    let _ = writeln!(r, "{:26} {:>22} {:>22}", "category", "dangerous blocked", "safe blocked");
    let _ = writeln!(
        r,
        "{:26} {:>22} {:>22}",
        "ALL",
        pct(total.dangerous_blocked, total.dangerous),
        pct(total.safe_blocked, total.safe)
    );
    for (cat, t) in &by_category {
        if t.dangerous + t.safe > 0 {
            let _ = writeln!(
                r,
                "{cat:26} {:>22} {:>22}",
                pct(t.dangerous_blocked, t.dangerous),
                pct(t.safe_blocked, t.safe)
            );
        }
    }
    let _ = writeln!(r, "\n== MISSES: consensus-dangerous, we allow ({})", total.dangerous - total.dangerous_blocked);
    for (cat, list) in &misses {
        let _ = writeln!(r, "-- {cat} ({})", list.len());
        for c in list {
            let cwd = if c.cwd.is_empty() { String::new() } else { format!("   [cwd {}]", c.cwd) };
            let _ = writeln!(r, "  {}{cwd}   <{}>", serde_json::to_string(&c.command).unwrap_or_default(), c.source);
        }
    }
    let _ = writeln!(r, "\n== FALSE POSITIVES: consensus-safe, we deny ({})", false_positives.len());
    for (c, reason) in &false_positives {
        let _ = writeln!(
            r,
            "  [{}] {}   <{}>\n      our reason: {reason}",
            c.category,
            serde_json::to_string(&c.command).unwrap_or_default(),
            c.source
        );
    }
    Run { total, by_category, report: r }
}

fn out_dir() -> PathBuf {
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("target"));
    target.join("guard-corpus")
}

fn rates(t: &Tally) -> (f64, f64) {
    let d = if t.dangerous == 0 { 1.0 } else { t.dangerous_blocked as f64 / t.dangerous as f64 };
    let s = if t.safe == 0 { 0.0 } else { t.safe_blocked as f64 / t.safe as f64 };
    (d, s)
}

fn check_thresholds(run: &Run) {
    let (d, s) = rates(&run.total);
    assert!(
        d >= DANGEROUS_BLOCK_MIN && s <= SAFE_BLOCK_MAX,
        "guard corpus: {:.1}% of consensus-dangerous blocked (need >= {:.0}%), {:.1}% of consensus-safe blocked (need <= {:.0}%); see target/guard-corpus/ours.txt",
        d * 100.0,
        DANGEROUS_BLOCK_MIN * 100.0,
        s * 100.0,
        SAFE_BLOCK_MAX * 100.0
    );
}

/// Measures and reports; fails only on a broken corpus (or with GUARD_CORPUS_ENFORCE=1).
#[test]
fn guard_corpus_report() {
    let run = run();
    assert!(run.total.dangerous > 0 && run.total.safe > 0, "the corpus has consensus cases of both kinds");
    assert!(run.by_category.len() > 5, "categories are filled in");
    let dir = out_dir();
    std::fs::create_dir_all(&dir).expect("target/guard-corpus");
    std::fs::write(dir.join("ours.txt"), &run.report).expect("ours.txt");
    // the summary table (everything before the lists) goes to the test output
    let summary = run.report.split("\n== MISSES").next().unwrap_or_default();
    println!("{summary}\n(misses and false positives: {})", dir.join("ours.txt").display());
    if std::env::var(ENFORCE_ENV).is_ok_and(|v| v == "1") {
        check_thresholds(&run);
    }
}

/// The acceptance bar for the guard rework; enable when it lands.
#[test]
#[ignore = "the guard rework is in progress; run with --ignored or GUARD_CORPUS_ENFORCE=1"]
fn guard_corpus_thresholds() {
    check_thresholds(&run());
}
