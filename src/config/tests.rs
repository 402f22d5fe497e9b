//! The config parser against files written out in full: defaults, every error at once, the
//! `[swap]` knobs.

use super::*;

const MIN: &str = r#"
[[accounts]]
name = "main"
home = "~/.claude-main"
[[accounts]]
name = "backup"
home = "~/.claude-backup"
"#;

fn p(text: &str) -> Result<Config> {
    parse(text, Path::new("/cfg/config.toml"), Path::new("/home/u"))
}

#[test]
fn defaults() {
    let c = p(MIN).unwrap();
    assert_eq!(c.claude_dir, PathBuf::from("/home/u/.claude"));
    assert_eq!(c.primary, "main");
    assert_eq!(c.accounts[1].home, PathBuf::from("/home/u/.claude-backup"));
    assert_eq!(c.shared.len(), 3);
    assert_eq!(c.shared[0].target, PathBuf::from("/home/u/.claude-shared/projects"));
    assert_eq!(c.swap.cooldown, SignedDuration::from_secs(120));
    assert_eq!(c.swap.fallback_reset, SignedDuration::from_hours(5));
    assert_eq!(c.swap.resume_prompt, "continue");
    assert_eq!(c.swap.resume_prompt_when, PromptWhen::Interrupted);
    assert_eq!((c.swap.max_resumes, c.swap.resume_window), (3, SignedDuration::from_mins(30)));
    assert!(c.notify.tmux);
}

#[test]
fn resume_prompt_when_and_the_loop_guard() {
    let c = p(&format!("{MIN}\n[swap]\nresume_prompt_when = \"always\"\nmax_resumes = 0\nresume_window = \"1h\"\n"))
        .unwrap();
    assert_eq!(c.swap.resume_prompt_when, PromptWhen::Always);
    assert_eq!((c.swap.max_resumes, c.swap.resume_window), (0, SignedDuration::from_hours(1)));
    assert!(c.swap.prompts(None));
    let c = p(&format!("{MIN}\n[swap]\nresume_prompt_when = \"never\"\n")).unwrap();
    assert!(!c.swap.prompts(Some("busy")));
    let c = p(MIN).unwrap();
    assert!(c.swap.prompts(Some("busy")) && !c.swap.prompts(None));
    let c = p(&format!("{MIN}\n[swap]\nresume_prompt = \"\"\nresume_prompt_when = \"always\"\n")).unwrap();
    assert!(!c.swap.prompts(Some("busy")), "an empty prompt is never typed");
    let e = format!(
        "{:#}",
        p(&format!("{MIN}\n[swap]\nresume_prompt_when = \"idle\"\nresume_window = \"soon\"\n")).unwrap_err()
    );
    assert!(e.contains("/cfg/config.toml"), "{e}");
    assert!(e.contains(r#"swap.resume_prompt_when: "idle" is not one of "interrupted", "always", "never""#), "{e}");
    assert!(e.contains("swap.resume_window"), "{e}");
    let e = format!("{:#}", p(&format!("{MIN}\n[swap]\nmax_resumes = -1\n")).unwrap_err());
    assert!(e.contains("/cfg/config.toml") && e.contains("max_resumes"), "{e}");
}

#[test]
fn claude_args_are_one_line_each() {
    let e = format!("{:#}", p(&format!("claude_args = [\"--append-system-prompt\", \"a\\nb\"]\n{MIN}")).unwrap_err());
    assert!(e.contains("claude_args[1]") && e.contains("control character"), "{e}");
}

#[test]
fn explicit_links_win() {
    let c =
        p(&format!("{MIN}\n[shared]\nroot=\"/x\"\n[[shared.links]]\nname=\"projects\"\ntarget=\"/srv/p\"\n")).unwrap();
    assert_eq!(c.shared, vec![SharedLink { name: "projects".into(), target: "/srv/p".into() }]);
}

#[test]
fn every_problem_reported_at_once() {
    let bad = r#"
claude_dir = "relative/dir"
[[accounts]]
name = "a b"
home = "~/.claude-x"
[[accounts]]
name = "c"
home = "~/.claude-x"
[shared]
dirs = ["projects", ".credentials.json"]
[swap]
cooldown = "two minutes"
[detect]
extra_patterns = ["(unclosed"]
"#;
    let e = format!("{:#}", p(bad).unwrap_err());
    for want in [
        "/cfg/config.toml",
        "claude_dir",
        "accounts[0].name",
        "accounts[1].home",
        ".credentials.json",
        "swap.cooldown",
        "extra_patterns[0]",
    ] {
        assert!(e.contains(want), "missing {want:?} in:\n{e}");
    }
}

#[test]
fn unknown_keys_named_with_suggestion() {
    let e = format!(
        "{:#}",
        p(&format!("{MIN}\n[swap]\ncooldwn = \"2m\"\n[notify.telegram]\nchat_id=\"1\"\ntoken=\"x\"\n")).unwrap_err()
    );
    assert!(e.contains("swap.cooldwn: unknown key (did you mean `cooldown`?)"), "{e}");
    assert!(e.contains("notify.telegram.token: unknown key"), "{e}");
    let e = format!("{:#}", p("[[accounts]]\nname=\"a\"\nhome=\"/a\"\nhme=1\n").unwrap_err());
    assert!(e.contains("accounts[0].hme"), "{e}");
}

#[test]
fn fewer_than_two_accounts() {
    let e = format!("{:#}", p("[[accounts]]\nname=\"a\"\nhome=\"/a\"\n").unwrap_err());
    assert!(e.contains("at least two"), "{e}");
    let e = format!("{:#}", p("").unwrap_err());
    assert!(e.contains("0 account(s)"), "{e}");
}

#[test]
fn duplicate_names_and_bad_primary() {
    let e = format!(
        "{:#}",
        p("primary=\"zz\"\n[[accounts]]\nname=\"a\"\nhome=\"/a\"\n[[accounts]]\nname=\"a\"\nhome=\"/b\"\n")
            .unwrap_err()
    );
    assert!(e.contains("used by two accounts"), "{e}");
    assert!(e.contains("primary"), "{e}");
}

#[test]
fn shared_target_inside_home_rejected() {
    let e = format!(
        "{:#}",
        p(&format!("{MIN}\n[[shared.links]]\nname=\"projects\"\ntarget=\"~/.claude-main/projects\"\n")).unwrap_err()
    );
    assert!(e.contains("inside account \"main\"'s home"), "{e}");
}

#[test]
fn syntax_error_names_file_and_line() {
    let e = format!("{:#}", p("[[accounts]\nname=").unwrap_err());
    assert!(e.contains("/cfg/config.toml") && e.contains("line"), "{e}");
}

#[test]
fn switch_at_percent_is_off_by_default_and_checked() {
    assert_eq!(p(MIN).unwrap().swap.switch_at_percent, None);
    assert_eq!(p(&format!("{MIN}[swap]\nswitch_at_percent = 90\n")).unwrap().swap.switch_at_percent, Some(90.0));
    assert_eq!(p(&format!("{MIN}[swap]\nswitch_at_percent = 87.5\n")).unwrap().swap.switch_at_percent, Some(87.5));
    for bad in ["0", "101", "-5", "\"90%\"", "nan"] {
        let e = format!("{:#}", p(&format!("{MIN}[swap]\nswitch_at_percent = {bad}\n")).unwrap_err());
        assert!(
            e.contains("/cfg/config.toml") && e.contains("swap.switch_at_percent") && e.contains("1 to 100"),
            "{bad}: {e}"
        );
    }
}

#[test]
fn durations() {
    assert_eq!(parse_duration("90s"), Some(SignedDuration::from_secs(90)));
    assert_eq!(parse_duration("1h30m"), Some(SignedDuration::from_secs(5400)));
    assert_eq!(parse_duration("500ms"), Some(SignedDuration::from_millis(500)));
    assert_eq!(parse_duration("1d"), Some(SignedDuration::from_hours(24)));
    for bad in ["", "5", "m", "5x", "1.5h", "-2m", "99999999999999999999d"] {
        assert_eq!(parse_duration(bad), None, "{bad}");
    }
}

#[test]
fn starter_parses_and_uses_found_homes() {
    let c = p(&starter(&[])).unwrap();
    assert_eq!(c.accounts.len(), 2);
    let s = starter(&[("work".into(), "~/.claude-work".into()), ("perso".into(), "~/.claude-perso".into())]);
    let c = p(&s).unwrap();
    assert_eq!(c.primary, "work");
    assert_eq!(c.accounts[1].home, PathBuf::from("/home/u/.claude-perso"));
}

#[test]
fn switch_model_is_a_model_name_or_an_error_naming_it() {
    assert_eq!(p(MIN).unwrap().swap.switch_model, None);
    let c = p(&format!("{MIN}\n[swap]\nswitch_model = \"sonnet\"\n")).unwrap();
    assert_eq!(c.swap.switch_model.as_deref(), Some("sonnet"));
    for bad in ["", "so nnet", "$(rm -rf ~)", "123"] {
        let e = format!("{:#}", p(&format!("{MIN}\n[swap]\nswitch_model = {bad:?}\n")).unwrap_err());
        assert!(e.contains("/cfg/config.toml") && e.contains("swap.switch_model"), "{bad}: {e}");
    }
}
