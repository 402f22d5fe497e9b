//! The guard's tests: the decision tables, the lexer, the config and file-tool paths, and
//! robustness (no panic, bounded work) on garbage and pathological nesting.

mod api;
mod git;
mod input;
mod interpreters;
mod keys;
mod lexer;
mod robust;
mod runners;
mod table;
mod targets;
mod volumes;
mod wipers;

use super::*;
use serde_json::json;
use std::path::PathBuf;

struct Fixture {
    project: PathBuf,
    home: PathBuf,
    accounts: Vec<PathBuf>,
    own: PathBuf,
}

fn fixture() -> Fixture {
    Fixture {
        project: PathBuf::from("/home/u/proj"),
        home: PathBuf::from("/home/u"),
        accounts: vec![PathBuf::from("/home/u/.claude-main"), PathBuf::from("/home/u/.claude-backup")],
        own: PathBuf::from("/home/u/.claude-main"),
    }
}

fn ctx(f: &Fixture) -> Context<'_> {
    Context { project_dir: &f.project, home: &f.home, account_homes: &f.accounts, own_config_dir: Some(&f.own) }
}

fn guard() -> Guard {
    match Guard::new(&GuardConfig::default()) {
        Ok(g) => g,
        Err(e) => panic!("default guard: {e}"),
    }
}

fn bash(g: &Guard, cmd: &str) -> Decision {
    let f = fixture();
    g.check("Bash", &json!({ "command": cmd }), &ctx(&f))
}

const D: bool = true;
const A: bool = false;

/// Run a decision table (`D` = must deny, `A` = must allow) and report every mismatch at once.
fn check_table(table: &[(bool, &str)]) {
    let g = guard();
    let mut failures = Vec::new();
    for (want_deny, cmd) in table {
        let d = bash(&g, cmd);
        let denied = matches!(d, Decision::Deny(_));
        if denied != *want_deny {
            failures.push(format!("{cmd:?}: expected deny={want_deny}, got {d:?}"));
        }
        if let Decision::Deny(r) = &d {
            assert!(!r.contains('\n'), "multi-line reason for {cmd:?}: {r}");
        }
    }
    assert!(failures.is_empty(), "{} failures:\n{}", failures.len(), failures.join("\n"));
}
