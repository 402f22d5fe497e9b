//! The shared-state links of the original design, case by case, through the real binary.

use std::os::unix::fs::symlink;

use crate::common::*;

fn linked(e: &Env, account: &str, name: &str) -> bool {
    std::fs::read_link(e.path(&format!(".claude-{account}/{name}"))).ok()
        == Some(e.path(&format!(".claude-shared/{name}")))
}

#[test]
fn missing_links_homes_targets_and_pointer_are_created() {
    let e = Env::two_accounts();
    let r = e.ok(&["link"]);
    for a in ["main", "backup"] {
        for n in ["projects", "file-history", "session-env"] {
            assert!(linked(&e, a, n), "{a}/{n}:\n{}", r.stdout);
        }
    }
    assert_eq!(e.pointer(), e.path(".claude-main"), "claude_dir points at the primary");
    assert!(!e.path(".claude-main/.credentials.json").exists());
}

#[test]
fn correct_links_are_left_as_they_are() {
    let e = Env::two_accounts();
    e.ok(&["link"]);
    let before = std::fs::symlink_metadata(e.path(".claude-main/projects")).unwrap();
    let r = e.ok(&["link"]);
    assert!(!r.stdout.contains("linked"), "{}", r.stdout);
    let after = std::fs::symlink_metadata(e.path(".claude-main/projects")).unwrap();
    use std::os::unix::fs::MetadataExt;
    assert_eq!(before.ino(), after.ino(), "the link was not recreated");
}

#[test]
fn divergent_link_is_reported_and_never_corrected() {
    let e = Env::two_accounts();
    std::fs::create_dir_all(e.path(".claude-main")).unwrap();
    std::fs::create_dir_all(e.path("old-projects")).unwrap();
    std::fs::write(e.path("old-projects/s.jsonl"), "only copy").unwrap();
    symlink(e.path("old-projects"), e.path(".claude-main/projects")).unwrap();
    let r = e.expect(&["link"], 1);
    assert!(r.stdout.contains("points to") && r.stdout.contains("left alone"), "{}", r.stdout);
    assert_eq!(std::fs::read_link(e.path(".claude-main/projects")).unwrap(), e.path("old-projects"));
    assert_eq!(std::fs::read_to_string(e.path("old-projects/s.jsonl")).unwrap(), "only copy");
    // the other links were still created
    assert!(linked(&e, "main", "file-history") && linked(&e, "backup", "projects"));
    e.expect(&["doctor", "--fix"], 1);
    assert_eq!(std::fs::read_link(e.path(".claude-main/projects")).unwrap(), e.path("old-projects"));
}

#[test]
fn regular_file_where_link_belongs_is_an_error_untouched() {
    let e = Env::two_accounts();
    std::fs::create_dir_all(e.path(".claude-main")).unwrap();
    std::fs::write(e.path(".claude-main/file-history"), "data").unwrap();
    let r = e.expect(&["link"], 1);
    assert!(r.stdout.contains("is a file where a link"), "{}", r.stdout);
    assert_eq!(std::fs::read_to_string(e.path(".claude-main/file-history")).unwrap(), "data");
}

#[test]
fn regular_dir_where_link_belongs_points_at_adopt() {
    let e = Env::two_accounts();
    std::fs::create_dir_all(e.path(".claude-main/projects/-home-u-app")).unwrap();
    std::fs::write(e.path(".claude-main/projects/-home-u-app/s.jsonl"), "t").unwrap();
    let r = e.expect(&["link"], 1);
    assert!(r.stdout.contains("real directory") && r.stdout.contains("link --adopt"), "{}", r.stdout);
    assert!(std::fs::symlink_metadata(e.path(".claude-main/projects")).unwrap().is_dir());
}

#[test]
fn every_problem_of_every_account_in_one_run() {
    let e = Env::two_accounts();
    e.ok(&["link"]);
    e.log_in_all();
    for (a, n) in [("main", "projects"), ("backup", "session-env")] {
        let p = e.path(&format!(".claude-{a}/{n}"));
        std::fs::remove_file(&p).unwrap();
        std::fs::create_dir(&p).unwrap();
    }
    std::fs::remove_file(e.path(".claude-backup/file-history")).unwrap();
    symlink("/somewhere/else", e.path(".claude-backup/file-history")).unwrap();
    let r = e.expect(&["doctor"], 1);
    for want in [".claude-main/projects", ".claude-backup/session-env", ".claude-backup/file-history"] {
        assert!(r.stdout.contains(want), "{want} missing from:\n{}", r.stdout);
    }
    assert!(r.stdout.contains("3 problem(s)"), "{}", r.stdout);
}

#[test]
fn adopt_moves_everything_without_loss() {
    let e = Env::two_accounts();
    // two accounts used separately for a while: same project dir on both, different sessions
    for (a, s) in [("main", "aaaa"), ("backup", "bbbb")] {
        let d = e.path(&format!(".claude-{a}/projects/-home-u-app"));
        std::fs::create_dir_all(&d).unwrap();
        std::fs::write(d.join(format!("{s}.jsonl")), format!("transcript {s}")).unwrap();
        std::fs::create_dir_all(e.path(&format!(".claude-{a}/file-history/{s}"))).unwrap();
        std::fs::write(e.path(&format!(".claude-{a}/file-history/{s}/v1")), s).unwrap();
        std::fs::write(e.path(&format!(".claude-{a}/.credentials.json")), format!("secret {a}")).unwrap();
    }
    let roots = [e.path(".claude-main"), e.path(".claude-backup"), e.path(".claude-shared")];
    let before = contents(&roots);
    let plan = e.ok(&["link", "--adopt", "--dry-run"]);
    assert!(plan.stdout.contains("would: move"), "{}", plan.stdout);
    assert_eq!(contents(&roots), before, "dry run changes nothing");
    assert!(std::fs::symlink_metadata(e.path(".claude-main/projects")).unwrap().is_dir());
    e.ok(&["link", "--adopt"]);
    for a in ["main", "backup"] {
        for n in ["projects", "file-history", "session-env"] {
            assert!(linked(&e, a, n), "{a}/{n}");
        }
        assert_eq!(
            std::fs::read_to_string(e.path(&format!(".claude-{a}/.credentials.json"))).unwrap(),
            format!("secret {a}")
        );
    }
    assert!(e.path(".claude-shared/projects/-home-u-app/aaaa.jsonl").exists());
    assert!(e.path(".claude-shared/projects/-home-u-app/bbbb.jsonl").exists());
    // where files live changed, what they hold did not (credentials stay per account)
    let mut after = contents(&[e.path(".claude-shared")]);
    after.push(b"secret backup".to_vec());
    after.push(b"secret main".to_vec());
    after.sort();
    assert_eq!(after, before);
}

#[test]
fn adopt_conflict_is_left_in_place_and_blocks_the_link() {
    let e = Env::two_accounts();
    for (a, body) in [("main", "from main"), ("backup", "from backup")] {
        let d = e.path(&format!(".claude-{a}/projects/-p"));
        std::fs::create_dir_all(&d).unwrap();
        std::fs::write(d.join("same.jsonl"), body).unwrap();
    }
    std::fs::write(e.path(".claude-backup/projects/-p/only-backup.jsonl"), "b").unwrap();
    let roots = [e.path(".claude-main"), e.path(".claude-backup"), e.path(".claude-shared")];
    let before = contents(&roots);
    let r = e.expect(&["link", "--adopt"], 1);
    assert!(r.stdout.contains("CONFLICT") && r.stdout.contains("same.jsonl"), "{}", r.stdout);
    assert_eq!(contents(&roots), before, "every file still there, byte for byte");
    // main's moved first: its copy is in the shared target, backup's stays in place, unlinked
    assert_eq!(std::fs::read_to_string(e.path(".claude-shared/projects/-p/same.jsonl")).unwrap(), "from main");
    assert_eq!(std::fs::read_to_string(e.path(".claude-backup/projects/-p/same.jsonl")).unwrap(), "from backup");
    assert!(e.path(".claude-shared/projects/-p/only-backup.jsonl").exists(), "non-conflicting entries still move");
    assert!(std::fs::symlink_metadata(e.path(".claude-backup/projects")).unwrap().is_dir(), "no link over a conflict");
    assert!(linked(&e, "main", "projects"));
}

#[test]
fn adopt_turns_a_real_claude_dir_into_the_primary_home() {
    let e = Env::two_accounts();
    std::fs::create_dir_all(e.path(".claude/projects/-p")).unwrap();
    std::fs::write(e.path(".claude/projects/-p/s.jsonl"), "t").unwrap();
    std::fs::write(e.path(".claude/settings.json"), "{}").unwrap();
    std::fs::write(e.path(".claude/.credentials.json"), "secret").unwrap();
    let before = contents(&[e.path(".claude")]);
    e.ok(&["link", "--adopt"]);
    assert_eq!(e.pointer(), e.path(".claude-main"));
    assert_eq!(std::fs::read_to_string(e.path(".claude-main/.credentials.json")).unwrap(), "secret");
    assert!(linked(&e, "main", "projects") && linked(&e, "backup", "projects"));
    assert_eq!(contents(&[e.path(".claude-main"), e.path(".claude-shared")]), before);
    e.log_in_all(); // the adopted "secret" is no credentials file doctor can read
    e.ok(&["doctor"]);
}
