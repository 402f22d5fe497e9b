//! Arbitrary shell lines: the lexer and the guard never panic.
#![no_main]
use libfuzzer_sys::fuzz_target;

static GUARD: std::sync::LazyLock<Option<claude_failover::guard::Guard>> =
    std::sync::LazyLock::new(|| claude_failover::guard::Guard::new(&Default::default()).ok());

fuzz_target!(|s: &str| {
    let _ = claude_failover::guard::simple_commands(s);
    let Some(g) = GUARD.as_ref() else { return };
    let homes = [std::path::PathBuf::from("/home/u/.claude-a"), std::path::PathBuf::from("/home/u/.claude-b")];
    let ctx = claude_failover::guard::Context {
        project_dir: std::path::Path::new("/home/u/src/p"),
        home: std::path::Path::new("/home/u"),
        account_homes: &homes,
        own_config_dir: Some(std::path::Path::new("/home/u/.claude-a")),
    };
    let _ = g.check("Bash", &serde_json::json!({ "command": s }), &ctx);
    let _ = g.check("Write", &serde_json::json!({ "file_path": s }), &ctx);
});
