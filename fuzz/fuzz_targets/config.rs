//! Arbitrary config text: parsing never panics; a config that loads has two or more accounts.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|s: &str| {
    let home = std::path::Path::new("/home/fuzz");
    if let Ok(c) = claude_failover::config::parse(s, std::path::Path::new("/cfg/config.toml"), home) {
        assert!(c.accounts.len() >= 2);
        assert!(c.accounts.iter().all(|a| a.home.is_absolute()));
    }
});
