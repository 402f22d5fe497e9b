//! Our guard over the peer corpus (tests/guard-corpus/corpus.tsv: commands and verdicts from the
//! test suites of destructive_command_guard and cc-safety-net, with `consensus` = both peers,
//! run for real, agree). Reports block rates by category on the consensus-dangerous and the
//! consensus-safe cases, writes our misses and false positives to
//! `target/guard-corpus/ours.txt` and every verdict to `target/guard-corpus/ours.tsv` (which
//! `scripts/guard-peers --report` sets beside the peers').
//!
//! Where we deliberately differ from the consensus, the case is listed in
//! tests/guard-corpus/differences.tsv with the reason; the rates are given with and without
//! those cases, and the thresholds (`guard_corpus_thresholds`) must hold for both. A listed
//! case that no longer differs, or that we no longer decide as listed, fails the report: the
//! list only ever holds current, deliberate differences.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::time::Instant;

use claude_failover::guard::{Context, Decision, Guard, GuardConfig};

/// At least this share of the consensus-dangerous cases must be denied, on every consensus
/// case (a listed difference we allow counts as a miss) and without the listed differences
/// (issue 24): the differences list cannot carry the rate.
pub const DANGEROUS_BLOCK_MIN: f64 = 0.98;
/// At most this share of the consensus-safe cases may be denied, with and without the listed
/// differences (issue 24).
pub const SAFE_BLOCK_MAX: f64 = 0.005;
const CORPUS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/guard-corpus/corpus.tsv");
const DIFFERENCES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/guard-corpus/differences.tsv");
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

/// A TSV file with a header line, as maps from column name to field.
fn read_tsv(path: &str) -> Vec<BTreeMap<String, String>> {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{path}: {e}"));
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().expect("a header line").split('\t').collect();
    lines
        .enumerate()
        .filter(|(_, l)| !l.is_empty())
        .map(|(i, l)| {
            let f: Vec<&str> = l.split('\t').collect();
            assert_eq!(f.len(), header.len(), "{path} line {}: {} fields", i + 2, f.len());
            header.iter().zip(f).map(|(h, v)| (h.to_string(), v.to_string())).collect()
        })
        .collect()
}

/// A case where we deliberately differ from the peers' consensus.
struct Difference {
    command: String,
    cwd: String,
    block: bool,
}

fn load_differences() -> Vec<Difference> {
    read_tsv(DIFFERENCES)
        .into_iter()
        .map(|r| {
            let command = serde_json::from_str(&r["command"])
                .unwrap_or_else(|e| panic!("differences.tsv: command is not a JSON string: {e}"));
            assert!(r["why"].len() > 20, "differences.tsv: {command:?} needs a reason");
            let block = match r["ours"].as_str() {
                "block" => true,
                "allow" => false,
                o => panic!("differences.tsv: {command:?}: ours is {o:?}, not block/allow"),
            };
            Difference { command, cwd: r["cwd"].clone(), block }
        })
        .collect()
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
    /// Every consensus case.
    total: Tally,
    /// Without the cases in differences.tsv.
    kept: Tally,
    by_category: BTreeMap<String, Tally>,
    report: String,
    /// `command`, `cwd`, our verdict: one line per case.
    verdicts: String,
    /// differences.tsv rows that do not (or no longer) describe a difference.
    stale: Vec<String>,
    /// Microseconds per `Guard::check`, sorted.
    micros: Vec<u128>,
}

fn pct(n: usize, d: usize) -> String {
    if d == 0 { "-".to_string() } else { format!("{n}/{d} {:.1}%", 100.0 * n as f64 / d as f64) }
}

fn run() -> Run {
    let cases = load();
    assert!(cases.len() > 1000, "the corpus has {} cases", cases.len());
    let guard = Guard::new(&GuardConfig::default()).expect("default guard");
    let homes = [PathBuf::from("/home/u/.claude-a"), PathBuf::from("/home/u/.claude-b")];

    let differences = load_differences();
    let mut differs = vec![false; differences.len()];
    let mut stale = Vec::new();
    let mut total = Tally::default();
    let mut kept = Tally::default();
    let mut excepted: BTreeMap<String, usize> = BTreeMap::new();
    let mut verdicts = String::from("command\tcwd\tours\n");
    let mut micros = Vec::with_capacity(cases.len());
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
        let input = serde_json::json!({ "command": case.command });
        let t0 = Instant::now();
        let decision = guard.check("Bash", &input, &ctx);
        micros.push(t0.elapsed().as_micros());
        let blocked = matches!(decision, Decision::Deny(_));
        let verdict = if blocked { "block" } else { "allow" };
        let cmd_json = serde_json::to_string(&case.command).unwrap_or_default();
        let _ = writeln!(verdicts, "{cmd_json}\t{}\t{verdict}", case.cwd);
        let listed = differences.iter().position(|d| d.command == case.command && d.cwd == case.cwd);
        if let Some(k) = listed {
            let d = &differences[k];
            if case.consensus == "-" || (case.consensus == "block") == d.block {
                stale.push(format!("{cmd_json}: the consensus is {:?}, not a difference", case.consensus));
            } else if blocked != d.block {
                stale.push(format!(
                    "{cmd_json}: listed as {}, but we now {verdict} it",
                    if d.block { "block" } else { "allow" }
                ));
            } else {
                differs[k] = true;
                *excepted.entry(case.category.clone()).or_default() += 1;
            }
        }
        let t = by_category.entry(case.category.clone()).or_default();
        let tallies: Vec<&mut Tally> =
            if listed.is_some() { vec![&mut *t, &mut total] } else { vec![&mut *t, &mut total, &mut kept] };
        match case.consensus.as_str() {
            "block" => {
                for t in tallies {
                    t.dangerous += 1;
                    t.dangerous_blocked += usize::from(blocked);
                }
                if !blocked {
                    misses.entry(&case.category).or_default().push(case);
                }
            }
            "allow" => {
                for t in tallies {
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

    for (d, found) in differences.iter().zip(&differs) {
        if !found && !stale.iter().any(|s| s.starts_with(&serde_json::to_string(&d.command).unwrap_or_default())) {
            stale.push(format!("{:?} (cwd {:?}): not a consensus case of the corpus", d.command, d.cwd));
        }
    }
    micros.sort_unstable();
    let listed = |c: &Case| differences.iter().any(|d| d.command == c.command && d.cwd == c.cwd);

    let mut r = String::new();
    let _ = writeln!(
        r,
        "Our guard over tests/guard-corpus/corpus.tsv ({} cases; consensus = both peers agree)",
        cases.len()
    );
    let _ = writeln!(
        r,
        "targets: >= {:.0}% of consensus-dangerous blocked, <= {:.1}% of consensus-safe blocked, with and without the listed differences\n",
        DANGEROUS_BLOCK_MIN * 100.0,
        SAFE_BLOCK_MAX * 100.0
    );
    let _ = writeln!(r, "{:26} {:>22} {:>22} {:>12}", "category", "dangerous blocked", "safe blocked", "differences");
    let _ = writeln!(
        r,
        "{:26} {:>22} {:>22} {:>12}",
        "ALL",
        pct(total.dangerous_blocked, total.dangerous),
        pct(total.safe_blocked, total.safe),
        differences.len()
    );
    let _ = writeln!(
        r,
        "{:26} {:>22} {:>22}",
        "ALL without differences",
        pct(kept.dangerous_blocked, kept.dangerous),
        pct(kept.safe_blocked, kept.safe)
    );
    for (cat, t) in &by_category {
        if t.dangerous + t.safe > 0 {
            let n = excepted.get(cat).map_or(String::new(), ToString::to_string);
            let _ = writeln!(
                r,
                "{cat:26} {:>22} {:>22} {n:>12}",
                pct(t.dangerous_blocked, t.dangerous),
                pct(t.safe_blocked, t.safe)
            );
        }
    }
    let at = |q: f64| micros.get(((micros.len() as f64 - 1.0) * q) as usize).copied().unwrap_or(0);
    let _ = writeln!(
        r,
        "\nGuard::check per case (this build, {} cases): p50 {} µs, p99 {} µs, max {} µs",
        micros.len(),
        at(0.5),
        at(0.99),
        micros.last().copied().unwrap_or(0)
    );
    let _ = writeln!(
        r,
        "\n== MISSES: consensus-dangerous, we allow ({}; [D] = listed in differences.tsv)",
        total.dangerous - total.dangerous_blocked
    );
    for (cat, list) in &misses {
        let _ = writeln!(r, "-- {cat} ({})", list.len());
        for c in list {
            let cwd = if c.cwd.is_empty() { String::new() } else { format!("   [cwd {}]", c.cwd) };
            let mark = if listed(c) { "[D] " } else { "" };
            let _ =
                writeln!(r, "  {mark}{}{cwd}   <{}>", serde_json::to_string(&c.command).unwrap_or_default(), c.source);
        }
    }
    let _ = writeln!(r, "\n== FALSE POSITIVES: consensus-safe, we deny ({})", false_positives.len());
    for (c, reason) in &false_positives {
        let mark = if listed(c) { "[D] " } else { "" };
        let _ = writeln!(
            r,
            "  {mark}[{}] {}   <{}>\n      our reason: {reason}",
            c.category,
            serde_json::to_string(&c.command).unwrap_or_default(),
            c.source
        );
    }
    Run { total, kept, by_category, report: r, verdicts, stale, micros }
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
    for (what, t) in [("all consensus cases", &run.total), ("without the listed differences", &run.kept)] {
        let (d, s) = rates(t);
        let min = DANGEROUS_BLOCK_MIN;
        assert!(
            d >= min && s <= SAFE_BLOCK_MAX,
            "guard corpus, {what}: {:.1}% of consensus-dangerous blocked (need >= {:.1}%), {:.2}% of consensus-safe blocked (need <= {:.1}%); see target/guard-corpus/ours.txt",
            d * 100.0,
            min * 100.0,
            s * 100.0,
            SAFE_BLOCK_MAX * 100.0
        );
    }
}

/// Measures and reports; fails on a broken corpus or a stale differences.tsv, not on the rates.
#[test]
fn guard_corpus_report() {
    let run = run();
    assert!(run.total.dangerous > 0 && run.total.safe > 0, "the corpus has consensus cases of both kinds");
    assert!(run.by_category.len() > 5, "categories are filled in");
    let dir = out_dir();
    std::fs::create_dir_all(&dir).expect("target/guard-corpus");
    std::fs::write(dir.join("ours.txt"), &run.report).expect("ours.txt");
    std::fs::write(dir.join("ours.tsv"), &run.verdicts).expect("ours.tsv");
    // the summary table (everything before the lists) goes to the test output
    let summary = run.report.split("\n== MISSES").next().unwrap_or_default();
    println!("{summary}\n(misses and false positives: {})", dir.join("ours.txt").display());
    assert!(
        run.stale.is_empty(),
        "tests/guard-corpus/differences.tsv lists cases that are not current differences:\n{}",
        run.stale.join("\n")
    );
    assert!(!run.micros.is_empty());
}

/// The acceptance bar (issues 16 and 24), on every consensus case and without the listed
/// differences.
#[test]
fn guard_corpus_thresholds() {
    check_thresholds(&run());
}
