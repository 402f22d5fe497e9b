//! A new user's first run: `init` on the layouts people really have, `link --adopt`, `doctor`,
//! and a first failover of a session whose transcript was in the real `~/.claude`.

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Command;

use crate::common::*;
use crate::world::World;

/// The login `/login` leaves in a config dir (0600).
const CREDENTIALS: &str =
    r#"{"claudeAiOauth":{"accessToken":"sk-ant-oat01-x","refreshToken":"sk-ant-ort01-x","expiresAt":4102444800000}}"#;
const SESSION: &str = "5f0c7c59-2f4e-4c3b-9d55-6f1e0b8a7c21";

fn write_private(path: &Path, text: &str) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600)).unwrap();
}

fn mode(p: &Path) -> u32 {
    std::fs::metadata(p).unwrap().permissions().mode() & 0o777
}

fn is_link(p: &Path) -> bool {
    std::fs::symlink_metadata(p).is_ok_and(|m| m.file_type().is_symlink())
}

/// `claude`'s transcript dir name for a cwd.
fn enc(dir: &Path) -> String {
    dir.to_str().unwrap().chars().map(|c| if c.is_ascii_alphanumeric() { c } else { '-' }).collect()
}

/// The usual user: a real `~/.claude` with their login and one conversation that a plain `claude`
/// (no CLAUDE_CONFIG_DIR) had in `~/src/app`, trusted in `$HOME/.claude.json`; a second login in
/// `~/.claude-work`. Returns the project dir.
pub fn usual_user(e: &Env) -> PathBuf {
    let project = e.path("src/app");
    std::fs::create_dir_all(&project).unwrap();
    let project = std::fs::canonicalize(project).unwrap();
    write_private(&e.path(".claude/.credentials.json"), CREDENTIALS);
    let global = serde_json::json!({
        "hasCompletedOnboarding": true,
        "theme": "dark",
        "projects": {project.to_str().unwrap(): {"hasTrustDialogAccepted": true, "allowedTools": []}},
    });
    std::fs::write(e.path(".claude.json"), serde_json::to_vec_pretty(&global).unwrap()).unwrap();
    // One exchange with the stand-in, run as the user ran claude: plain, from the project.
    let mut c = Command::new(FAKE_CLAUDE);
    c.args(["-p", "hello", "--session-id", SESSION]).current_dir(&project).env_clear();
    c.env("PATH", std::env::var("PATH").unwrap_or_default());
    c.env("HOME", &e.home).env("FAKE_CLAUDE_LOG", e.dir.path().join("first-claude.jsonl"));
    let out = c.output().expect("run the stand-in");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(transcript_in(&e.path(".claude"), &project).is_file(), "the stand-in wrote its transcript");
    write_private(&e.path(".claude-work/.credentials.json"), CREDENTIALS);
    project
}

fn transcript_in(config_dir: &Path, project: &Path) -> PathBuf {
    config_dir.join("projects").join(enc(project)).join(format!("{SESSION}.jsonl"))
}

#[test]
fn the_usual_users_setup_from_init_to_a_resumed_session() {
    let mut e = Env::new();
    e.claude_on_path();
    let project = usual_user(&e);
    let transcript = std::fs::read(transcript_in(&e.path(".claude"), &project)).unwrap();
    let global = std::fs::read(e.path(".claude.json")).unwrap();

    // init: both logins, the real ~/.claude as the primary at the home adopt moves it to
    let r = e.ok(&["init"]);
    assert!(r.stdout.contains("found 2 account homes"), "{}", r.stdout);
    let line = |name: &str| r.stdout.lines().find(|l| l.trim_start().starts_with(name)).unwrap_or("").to_string();
    assert!(line("main").contains("~/.claude-main") && line("main").contains("logged in"), "{}", r.stdout);
    assert!(line("main").contains("primary") && line("main").contains("today ~/.claude"), "{}", r.stdout);
    assert!(line("work").contains("~/.claude-work") && line("work").contains("logged in"), "{}", r.stdout);
    assert!(r.stdout.contains("gives ~/.claude-main its own copy"), "{}", r.stdout);
    for next in ["link --adopt --dry-run", "link --adopt ", "doctor"] {
        assert!(r.stdout.contains(&format!("claude-failover {next}")), "{next}: {}", r.stdout);
    }
    let cfg = std::fs::read_to_string(e.config_path()).unwrap();
    assert!(!cfg.contains(".claude-backup"), "no home that is not there: {cfg}");
    let s = e.status_json();
    let accounts: Vec<(String, String)> = s["accounts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| (a["name"].as_str().unwrap().into(), a["home"].as_str().unwrap().into()))
        .collect();
    let home = |n: &str| e.path(&format!(".claude-{n}")).display().to_string();
    assert_eq!(accounts, [("main".into(), home("main")), ("work".into(), home("work"))]);

    // the plan: what moves, the copy of ~/.claude.json; nothing changes
    let plan = e.ok(&["link", "--adopt", "--dry-run"]);
    assert!(plan.stdout.contains(&format!("would: move   {}", e.path(".claude").display())), "{}", plan.stdout);
    assert!(
        plan.stdout.contains(&format!(
            "would: copy   {} -> {}",
            e.path(".claude.json").display(),
            e.path(".claude-main/.claude.json").display()
        )),
        "{}",
        plan.stdout
    );
    assert!(std::fs::symlink_metadata(e.path(".claude")).unwrap().is_dir() && !e.path(".claude-main").exists());

    // adopt: ~/.claude is a link to main, the transcript in the shared target, ~/.claude.json
    // still there and main has its own copy
    let r = e.ok(&["link", "--adopt"]);
    assert_eq!(e.pointer(), e.path(".claude-main"), "{}", r.stdout);
    let shared = transcript_in(&e.path(".claude-shared"), &project);
    assert_eq!(std::fs::read(&shared).unwrap(), transcript, "{}", r.stdout);
    assert!(is_link(&e.path(".claude-main/projects")) && is_link(&e.path(".claude-work/projects")));
    assert_eq!(std::fs::read(e.path(".claude.json")).unwrap(), global, "the original stays, unchanged");
    let copy = e.path(".claude-main/.claude.json");
    assert_eq!(std::fs::read(&copy).unwrap(), global);
    assert_eq!(mode(&copy), 0o600);
    assert!(!e.path(".claude-work/.claude.json").exists(), "only the primary gets the copy");
    assert_eq!(std::fs::read_to_string(e.path(".claude-main/.credentials.json")).unwrap(), CREDENTIALS);

    // doctor: no problems (advice allowed)
    let r = e.ok(&["doctor"]);
    assert!(r.stdout.contains("ok: no problems found"), "{}", r.stdout);

    // a pane resumes that conversation on main as a relaunch does (CLAUDE_CONFIG_DIR set): no
    // trust dialog, thanks to the copy
    let mut w = World::around(e);
    let pane = w.first_pane(&project);
    w.type_line(&pane, &format!("CLAUDE_CONFIG_DIR='{}' claude --resume {SESSION}", w.home("main").display()));
    w.wait_event("resumed on main", |ev| {
        ev["event"] == "ready" && ev["session_id"] == SESSION && w.pane_of_pid(ev["pid"].as_u64()) == Some(pane.clone())
    });
    w.start_daemon();
    w.wait_daemon_event("pane attached", |ev| ev["event"] == "attached" && ev["pane"] == pane.as_str());

    // the limit: the same conversation moves to work
    w.type_line(&pane, "!fake limit");
    let swap = w.wait_daemon_event("swap", |ev| ev["event"] == "swap");
    assert_eq!((swap["from"].as_str(), swap["to"].as_str()), (Some("main"), Some("work")));
    let work = w.home("work");
    let l = w.wait_event("relaunch on work", |ev| {
        ev["event"] == "launch" && ev["session_id"] == SESSION && ev["config_dir"] == work.to_str().unwrap()
    });
    assert_eq!(l["resumed"], true);
    assert_eq!(l["cwd"], project.to_str().unwrap());
    assert!(l["argv"].as_array().unwrap().windows(2).any(|a| a[0] == "--resume" && a[1] == SESSION), "{l}");
    w.wait_event("ready on work", |ev| ev["event"] == "ready" && ev["pid"] == l["pid"] && ev["session_id"] == SESSION);
    let bad: Vec<_> = w
        .fake_events()
        .into_iter()
        .filter(|ev| ev["event"] == "trust_dialog" || ev["event"] == "resume_failed")
        .collect();
    assert!(bad.is_empty(), "no trust dialog, no failed resume: {bad:?}");
    assert_eq!(w.env.pointer(), work);
    assert_eq!(w.env.status_json()["active"], "work");
}

#[test]
fn init_finds_homes_named_in_shell_rc_files() {
    let mut e = Env::new();
    e.claude_on_path();
    for d in ["accounts/alpha", "ccx/beta", ".config/claude-gamma"] {
        log_in(&e.path(d));
    }
    std::fs::write(
        e.path(".bashrc"),
        "# my claude logins\nexport CLAUDE_CONFIG_DIR=\"$HOME/accounts/alpha\"\n# export CLAUDE_CONFIG_DIR=~/commented\n",
    )
    .unwrap();
    std::fs::write(
        e.path(".zshrc"),
        "alias cb='CLAUDE_CONFIG_DIR=~/ccx/beta claude'\nalias cx='CLAUDE_CONFIG_DIR=$(pick) claude'\n",
    )
    .unwrap();
    std::fs::create_dir_all(e.path(".config/fish")).unwrap();
    std::fs::write(
        e.path(".config/fish/config.fish"),
        "if status is-interactive\n    set -x CLAUDE_CONFIG_DIR ~/.config/claude-gamma\nend\n",
    )
    .unwrap();
    // read safely: a FIFO would block a reader (skipped), a huge file is read only so far
    let fifo = e.path(".profile");
    assert!(Command::new("mkfifo").arg(&fifo).status().unwrap().success());
    let mut big = "# padding\n".repeat(40_000);
    big.push_str("export CLAUDE_CONFIG_DIR=~/past-the-cap\n");
    std::fs::write(e.path(".zshenv"), big).unwrap();
    std::fs::create_dir_all(e.path("past-the-cap")).unwrap();

    let r = e.ok(&["init"]);
    assert!(r.stdout.contains("found 3 account homes"), "{}", r.stdout);
    for (home, file) in [
        ("~/accounts/alpha", "~/.bashrc"),
        ("~/ccx/beta", "~/.zshrc"),
        ("~/.config/claude-gamma", "~/.config/fish/config.fish"),
    ] {
        let line = r.stdout.lines().find(|l| l.contains(home)).unwrap_or_else(|| panic!("{home}: {}", r.stdout));
        assert!(line.contains("logged in") && line.contains(&format!("CLAUDE_CONFIG_DIR in {file}")), "{line}");
    }
    let cfg = std::fs::read_to_string(e.config_path()).unwrap();
    for home in ["~/accounts/alpha", "~/ccx/beta", "~/.config/claude-gamma"] {
        assert!(cfg.contains(&format!("home = \"{home}\"")), "{home}: {cfg}");
    }
    for not in ["commented", "past-the-cap", ".claude-backup", "pick"] {
        assert!(!cfg.contains(not), "{not}: {cfg}");
    }
    let s = e.status_json();
    let names: Vec<&str> = s["accounts"].as_array().unwrap().iter().map(|a| a["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["alpha", "beta", "gamma"]);
    e.ok(&["link", "--adopt"]);
    e.ok(&["doctor"]);
}

#[test]
fn a_home_without_a_login_is_shown_with_the_command_that_logs_it_in() {
    let mut e = Env::new();
    e.claude_on_path();
    write_private(&e.path(".claude/.credentials.json"), CREDENTIALS);
    // used once, never logged in (or logged out since): transcripts but no credentials
    std::fs::create_dir_all(e.path(".claude-work/projects/-p")).unwrap();
    // nothing of Claude's in it: not an account
    std::fs::create_dir_all(e.path(".claude-old")).unwrap();
    let r = e.ok(&["init"]);
    let work = r.stdout.lines().find(|l| l.contains("~/.claude-work")).unwrap_or_default();
    let cmd = format!("CLAUDE_CONFIG_DIR={} claude", e.path(".claude-work").display());
    assert!(work.contains(&format!("no login: {cmd}, then /login")), "{}", r.stdout);
    let main = r.stdout.lines().find(|l| l.contains("~/.claude-main")).unwrap_or_default();
    assert!(main.contains("logged in") && !main.contains("no login"), "{}", r.stdout);
    assert!(r.stdout.contains("ignored ~/.claude-old"), "{}", r.stdout);
    assert!(!std::fs::read_to_string(e.config_path()).unwrap().contains(".claude-old"));
    // doctor says the same, as a problem
    e.ok(&["link", "--adopt"]);
    let d = e.expect(&["doctor"], 1);
    assert!(d.stdout.contains("account work") && d.stdout.contains(&cmd), "{}", d.stdout);
}

#[test]
fn one_login_names_a_second_home_and_says_it_does_not_exist() {
    let e = Env::new();
    write_private(&e.path(".claude/.credentials.json"), CREDENTIALS);
    let r = e.ok(&["init"]);
    assert!(r.stdout.contains("found 1 account home"), "{}", r.stdout);
    let backup = r.stdout.lines().find(|l| l.contains("~/.claude-backup")).unwrap_or_default();
    assert!(backup.contains("does not exist yet") && backup.contains("/login"), "{}", r.stdout);
    assert!(!e.path(".claude-backup").exists(), "init creates nothing but its config");
}

#[test]
fn init_leaves_an_existing_config_alone() {
    let e = Env::new();
    log_in(&e.path(".claude-a"));
    log_in(&e.path(".claude-b"));
    let mine = "# mine\n[[accounts]]\nname = \"x\"\nhome = \"~/x\"\n";
    e.write_config(mine);
    let r = e.expect(&["init"], 1);
    assert!(r.stderr.contains("already exists"), "{}", r.stderr);
    assert_eq!(std::fs::read_to_string(e.config_path()).unwrap(), mine);
    // the same through --config
    let other = e.path("other.toml");
    std::fs::write(&other, "keep").unwrap();
    e.expect(&["--config", other.to_str().unwrap(), "init"], 1);
    assert_eq!(std::fs::read_to_string(&other).unwrap(), "keep");
}

#[test]
fn adopt_copies_claude_json_and_never_overwrites_or_moves_it() {
    let e = Env::two_accounts();
    std::fs::write(e.path(".claude.json"), "{\"global\":1}").unwrap();
    std::fs::create_dir_all(e.path(".claude")).unwrap();
    let copy = e.path(".claude-main/.claude.json");
    let r = e.ok(&["link", "--adopt"]);
    assert!(r.stdout.contains(&format!("copy   {}", e.path(".claude.json").display())), "{}", r.stdout);
    assert_eq!(std::fs::read_to_string(&copy).unwrap(), "{\"global\":1}");
    assert_eq!(std::fs::read_to_string(e.path(".claude.json")).unwrap(), "{\"global\":1}", "not moved");
    // the home's own file is never overwritten, the original never touched
    std::fs::write(&copy, "{\"own\":1}").unwrap();
    std::fs::write(e.path(".claude.json"), "{\"global\":2}").unwrap();
    let r = e.ok(&["link", "--adopt"]);
    assert!(!r.stdout.contains("copy"), "{}", r.stdout);
    let plan = e.ok(&["link", "--adopt", "--dry-run"]);
    assert!(!plan.stdout.contains("copy"), "{}", plan.stdout);
    assert_eq!(std::fs::read_to_string(&copy).unwrap(), "{\"own\":1}");
    assert_eq!(std::fs::read_to_string(e.path(".claude.json")).unwrap(), "{\"global\":2}");
    assert!(!e.path(".claude-backup/.claude.json").exists());
}
