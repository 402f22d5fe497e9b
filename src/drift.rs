//! Drift: where the Claude Code a user runs differs from the facts this tool was built and tested
//! on (a limit text no template reads while the transcript says limit, a registry or transcript
//! field gone or renamed, a dialog the relaunch does not know). Claude Code ships several releases
//! a week and updates itself; each of those facts could stop the failover on the day it changes.
//!
//! The invariant a newcomer could break: drift is never silent. Every difference found is kept in
//! `<state>/drift.json` (release → what differed, when first and last seen), and every surface
//! shows it: an event as it is found (the daemon), ` ⚠claude <release>?` in the status line, a
//! `doctor` line naming the release and what differed. It is advice, never a stop: the failover
//! still acts on whatever signal still works.

use std::collections::BTreeMap;
use std::path::Path;

use anyhow::Result;
use jiff::Timestamp;
use serde::{Deserialize, Serialize};

/// The release of Claude Code whose facts this tool was built on (`docs/CLAUDE-CODE-2.1.332.md`).
pub const FACTS_RELEASE: &str = "2.1.332";

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Difference {
    pub what: String,
    pub first: Timestamp,
    pub last: Timestamp,
}

/// Release → what differed in it.
pub type Drifts = BTreeMap<String, Vec<Difference>>;

fn file(state_dir: &Path) -> std::path::PathBuf {
    state_dir.join("drift.json")
}

/// What has been found so far (nothing when the file is missing or unreadable).
pub fn read(state_dir: &Path) -> Drifts {
    std::fs::read(file(state_dir)).ok().and_then(|b| serde_json::from_slice(&b).ok()).unwrap_or_default()
}

/// Keep `what` for `release`; `Ok(true)` when it is new (the caller says so in an event).
pub fn record(state_dir: &Path, release: &str, what: &str, now: Timestamp) -> Result<bool> {
    let mut all = read(state_dir);
    let list = all.entry(release.to_string()).or_default();
    let new = match list.iter_mut().find(|d| d.what == what) {
        Some(d) => {
            d.last = now;
            false
        }
        None => {
            list.push(Difference { what: what.to_string(), first: now, last: now });
            true
        }
    };
    crate::atomic::private_dir(state_dir)?;
    crate::atomic::write_atomic(&file(state_dir), &serde_json::to_vec_pretty(&all)?, 0o600)?;
    Ok(new)
}

/// `docs/COMPATIBILITY.md` as built in: the releases the real-CLI tier ran on, and those known to
/// break something (`scripts/compat` writes it from a run of the tier).
const COMPATIBILITY: &str = include_str!("../docs/COMPATIBILITY.md");

/// The releases the real-CLI tier passed on: the release columns of the results table (the
/// table whose header starts `| check`), in their order; the facts' release when none is read.
pub fn tested_releases() -> Vec<String> {
    tested_in(COMPATIBILITY)
}

fn tested_in(doc: &str) -> Vec<String> {
    let re = regex::Regex::new(r"\d+\.\d+\.\d+").expect("a valid regex");
    let header = doc.lines().find(|l| l.trim_start().to_ascii_lowercase().starts_with("| check"));
    let mut out: Vec<String> =
        header.map(|h| re.find_iter(h).map(|m| m.as_str().to_string()).collect()).unwrap_or_default();
    out.dedup();
    if out.is_empty() {
        out.push(FACTS_RELEASE.to_string());
    }
    out
}

/// One row of the "Known broken" table: a release, the check it fails, why, and what users see.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KnownBroken {
    pub release: String,
    pub check: String,
    pub reason: String,
    pub effect: String,
}

pub fn known_broken() -> Vec<KnownBroken> {
    known_broken_in(COMPATIBILITY)
}

fn known_broken_in(doc: &str) -> Vec<KnownBroken> {
    let mut out = Vec::new();
    let mut inside = false;
    for line in doc.lines() {
        if line.starts_with('#') {
            inside = line.to_ascii_lowercase().contains("known broken");
            continue;
        }
        let cells: Vec<&str> = line.trim().trim_matches('|').split('|').map(|c| c.trim().trim_matches('`')).collect();
        if !inside || !line.trim_start().starts_with('|') || cells.len() < 4 {
            continue;
        }
        let release = cells[0];
        if !release.chars().next().is_some_and(|c| c.is_ascii_digit()) {
            continue; // the header and its rule
        }
        out.push(KnownBroken {
            release: release.to_string(),
            check: cells[1].to_string(),
            reason: cells[2].to_string(),
            effect: cells[3].to_string(),
        });
    }
    out
}

/// Whether release `a` is `b` or newer (dotted numbers; anything unreadable is not).
pub fn at_least(a: &str, b: &str) -> bool {
    let parse = |s: &str| s.split('.').map(|p| p.trim().parse::<u64>().ok()).collect::<Option<Vec<u64>>>();
    match (parse(a), parse(b)) {
        (Some(a), Some(b)) => a >= b,
        _ => false,
    }
}

/// What a transcript's API-error line says that the facts do not lead us to expect, if anything:
/// `api_error`/`resets_at` are its structured fields (2.1.332+), `status` its `apiErrorStatus`,
/// `classified` whether a template of ours read its text as a limit.
pub fn of_quota_line(
    version: Option<&str>,
    api_error: Option<&str>,
    has_reset: bool,
    status: Option<i64>,
    classified: bool,
    text: &str,
) -> Option<String> {
    let first = text.lines().find(|l| !l.trim().is_empty()).unwrap_or("").trim();
    let first: String = first.chars().take(120).collect();
    if api_error == Some("usage_limit_reached") {
        if !classified {
            return Some(format!("a limit shown as \"{first}\", which no template of ours reads"));
        }
        if !has_reset {
            return Some("its quota line has no apiErrorParams.rate_limit_info.resetsAt".into());
        }
        return None;
    }
    let facts_apply = version.is_some_and(|v| at_least(v, FACTS_RELEASE));
    (facts_apply && classified && status == Some(429) && api_error.is_none())
        .then(|| "its quota line has no apiError field (2.1.332 wrote apiError: \"usage_limit_reached\")".into())
}

/// What a registry entry (`sessions/<pid>.json`) of `version` lacks that the facts say it has.
pub fn of_registry_entry(version: Option<&str>, has_status: bool, has_proc_start: bool) -> Option<String> {
    let v = version?;
    if !at_least(v, FACTS_RELEASE) {
        return None;
    }
    let missing: Vec<&str> = [("status", has_status), ("procStart", has_proc_start)]
        .iter()
        .filter(|(_, has)| !has)
        .map(|(k, _)| *k)
        .collect();
    (!missing.is_empty()).then(|| format!("its sessions/<pid>.json has no {}", missing.join(" or ")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_compatibility_doc_names_the_tested_releases_and_the_known_broken_ones() {
        let doc = "# Compatibility\n\n| check | 2.1.332 (pinned) | 2.1.337 (newest) |\n|---|---|---|\n| real_cli::x | pass | pass |\n\n## Known broken\n\n| release | check | reason | effect for users |\n|---|---|---|---|\n| 2.1.338 | `real_cli::x` | the dialog changed | a relaunch stops at it |\n";
        assert_eq!(tested_in(doc), vec!["2.1.332", "2.1.337"]);
        assert_eq!(
            known_broken_in(doc),
            vec![KnownBroken {
                release: "2.1.338".into(),
                check: "real_cli::x".into(),
                reason: "the dialog changed".into(),
                effect: "a relaunch stops at it".into()
            }]
        );
        assert_eq!(tested_in("nothing"), vec![FACTS_RELEASE]);
        // The built-in one reads.
        assert!(!tested_releases().is_empty());
    }

    #[test]
    fn releases_compare_by_number() {
        assert!(at_least("2.1.337", "2.1.332"));
        assert!(at_least("2.1.332", "2.1.332"));
        assert!(at_least("2.10.0", "2.9.9"));
        assert!(!at_least("2.1.99", "2.1.332"));
        assert!(!at_least("next", "2.1.332"));
    }

    #[test]
    fn a_quota_line_that_reads_as_nothing_we_know_is_drift_and_a_known_one_is_not() {
        let q =
            |api, reset, status, classified, text| of_quota_line(Some("2.1.340"), api, reset, status, classified, text);
        assert!(
            q(Some("usage_limit_reached"), true, Some(429), false, "Quota spent; back at 3pm")
                .unwrap()
                .contains("Quota spent")
        );
        assert_eq!(q(Some("usage_limit_reached"), true, Some(429), true, "You've hit your 5-hour limit"), None);
        assert!(q(Some("usage_limit_reached"), false, Some(429), true, "x").unwrap().contains("resetsAt"));
        assert!(q(None, false, Some(429), true, "You've hit your 5-hour limit").unwrap().contains("apiError"));
        // A plain 429, an overload: not a quota, no drift.
        assert_eq!(q(None, false, Some(429), false, "API Error: 429"), None);
        // Older releases never had the fields.
        assert_eq!(of_quota_line(Some("2.1.100"), None, false, Some(429), true, "limit"), None);
    }

    #[test]
    fn a_registry_entry_without_its_fields_is_drift_from_the_facts_release_on() {
        assert_eq!(of_registry_entry(Some("2.1.337"), true, true), None);
        assert!(of_registry_entry(Some("2.1.337"), false, true).unwrap().contains("status"));
        assert_eq!(of_registry_entry(Some("2.1.100"), false, false), None);
        assert_eq!(of_registry_entry(None, false, false), None);
    }

    #[test]
    fn each_difference_is_kept_once_per_release() {
        let t = tempfile::tempdir().unwrap();
        let now: Timestamp = "2026-12-06T10:00:00Z".parse().unwrap();
        assert!(record(t.path(), "2.1.340", "a", now).unwrap());
        assert!(!record(t.path(), "2.1.340", "a", now).unwrap());
        assert!(record(t.path(), "2.1.340", "b", now).unwrap());
        assert_eq!(read(t.path())["2.1.340"].len(), 2);
    }
}
