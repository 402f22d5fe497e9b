//! The guard's tests: the decision tables, the lexer, the config and file-tool paths, and
//! robustness (no panic, bounded work) on garbage and pathological nesting.

mod api;
mod lexer;
mod robust;
mod table;

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
