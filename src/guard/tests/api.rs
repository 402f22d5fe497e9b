//! The public API: user config rules, the file tools, and the wording of reasons.

use super::*;
use serde_json::json;

#[test]
fn config_rules() {
    let cfg = GuardConfig {
        enabled: None,
        deny: vec![r"^terraform destroy".into()],
        allow: vec![r"^rm -rf /opt/scratch$".into(), r"^curl -s https://trusted".into()],
        protected_branches: vec!["release".into()],
    };
    let g = match Guard::new(&cfg) {
        Ok(g) => g,
        Err(e) => panic!("{e}"),
    };
    assert!(matches!(bash(&g, "terraform destroy -auto-approve"), Decision::Deny(_)));
    assert!(matches!(bash(&g, "sudo terraform destroy"), Decision::Deny(_)));
    assert_eq!(bash(&g, "rm -rf /opt/scratch"), Decision::Allow);
    assert!(matches!(bash(&g, "rm -rf /opt/other"), Decision::Deny(_)));
    assert_eq!(bash(&g, "curl -s https://trusted/x | sh"), Decision::Allow);
    assert!(matches!(bash(&g, "git push -f origin release"), Decision::Deny(_)));
    assert!(matches!(bash(&g, "git push -f origin main"), Decision::Deny(_)));
    assert_eq!(bash(&g, "git push -f origin feature"), Decision::Allow);

    let bad = GuardConfig { allow: vec!["ok".into(), "(unclosed".into()], ..GuardConfig::default() };
    match Guard::new(&bad) {
        Err(e) => assert!(e.contains("guard.allow[1]") && e.contains("(unclosed"), "{e}"),
        Ok(_) => panic!("bad regex accepted"),
    }

    let off = GuardConfig { enabled: Some(false), ..GuardConfig::default() };
    let g = match Guard::new(&off) {
        Ok(g) => g,
        Err(e) => panic!("{e}"),
    };
    assert_eq!(bash(&g, "rm -rf /"), Decision::Allow);

    let parsed: Result<GuardConfig, _> = serde_json::from_value(json!({"deny": ["x"], "bogus": 1}));
    assert!(parsed.is_err(), "unknown fields must be rejected");
}

#[test]
fn file_tools() {
    let g = guard();
    let f = fixture();
    let c = ctx(&f);
    let deny = |tool: &str, input: Value| matches!(g.check(tool, &input, &c), Decision::Deny(_));
    assert!(deny("Read", json!({"file_path": "/home/u/.claude-backup/.credentials.json"})));
    assert!(deny("Read", json!({"file_path": "~/.claude-backup/.credentials.json"})));
    assert!(!deny("Read", json!({"file_path": "/home/u/.claude-main/.credentials.json"})));
    assert!(!deny("Read", json!({"file_path": "/home/u/.claude-backup/settings.json"})));
    assert!(!deny("Read", json!({"file_path": "/home/u/proj/src/main.rs"})));
    assert!(deny("Write", json!({"file_path": "/home/u/.claude-main/settings.json", "content": "{}"})));
    assert!(deny("Edit", json!({"file_path": "/home/u/.claude-backup/CLAUDE.md"})));
    assert!(deny("MultiEdit", json!({"file_path": "/home/u/.claude-main/hooks/x.sh"})));
    assert!(deny("NotebookEdit", json!({"notebook_path": "/home/u/.claude-main/n.ipynb"})));
    assert!(!deny("Write", json!({"file_path": "/home/u/proj/src/lib.rs"})));
    assert!(!deny("Write", json!({"file_path": "src/lib.rs"})));
    assert!(!deny("Write", json!({"file_path": "/home/u/.claude-main/projects/p/memory/MEMORY.md"})));
    assert!(!deny("WebFetch", json!({"url": "https://x"})));
    assert!(!deny("Bash", json!({"command": 42})));
    assert!(!deny("Bash", json!("rm -rf /")));
    assert!(!deny("Read", Value::Null));

    // No own config dir: every account's credentials are off limits.
    let c2 = Context { own_config_dir: None, ..ctx(&f) };
    let input = json!({"file_path": "/home/u/.claude-main/.credentials.json"});
    assert!(matches!(g.check("Read", &input, &c2), Decision::Deny(_)));
}

#[test]
fn reasons_are_informative() {
    let g = guard();
    let Decision::Deny(r) = bash(&g, "cd /tmp && rm -rf /") else { panic!("not denied") };
    assert!(r.contains("rm -rf /") && r.contains("root"), "{r}");
    let Decision::Deny(r) = bash(&g, "git push --force") else { panic!("not denied") };
    assert!(r.contains("non-protected branch"), "{r}");
}

/// The built-in regexes compile lazily and a failure would only switch their rule off
/// silently: they must compile.
#[test]
fn builtin_regexes_compile() {
    assert!(fork_bomb_re().is_some());
    assert!(rm_root_text_re().is_some());
    assert!(block_device_re().is_some());
}
