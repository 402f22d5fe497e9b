//! `claude-failover init`: find the Claude logins the user already has and write a config that
//! works with them. It only reads (it runs nothing, changes no login) and writes one file, the
//! new config, which it never overwrites. It runs from a key binding too, so it asks nothing.
//!
//! Where accounts are found:
//! - a real `~/.claude` directory holding something of Claude Code's (a login, transcripts,
//!   settings): what a plain `claude` uses. It is the primary, `main` at `~/.claude-main`: the home
//!   `link --adopt` moves it to (a real `claude_dir` always goes to the primary's home), leaving
//!   `~/.claude` a link to it. When `~/.claude-main` already holds another login, the next free
//!   name of `default`, `primary`, `claude` is used instead.
//! - a `~/.claude` symlink: the home it points at is the primary.
//! - every `~/.claude-<name>` directory with something of Claude Code's in it. Not the shared
//!   root (`~/.claude-shared`), and not a directory holding nothing (or only our shared links).
//! - homes named by `CLAUDE_CONFIG_DIR` in the user's shell rc files, read as plain text (see
//!   [`scan_rc_text`]): nothing is sourced or executed, each file is capped at [`RC_MAX_BYTES`],
//!   and a file that cannot be read is skipped.
//!
//! A config needs two accounts. When fewer are found, the missing ones are named (a home named by
//! an rc file that does not exist yet, else `~/.claude-backup`) and init says they do not exist:
//! it never names a home that is not there without saying so, and never adds `~/.claude-backup`
//! when two logins were found.

use std::fs;
use std::io::Read;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use jiff::Timestamp;

use crate::config;
use crate::login::{self, Login};
use crate::paths::{Paths, normalize, tildify};

/// The most of one rc file that is read: rc files are small; a huge one is not a shell's.
pub const RC_MAX_BYTES: u64 = 256 << 10;
/// At most this many `*.fish` files per fish directory are read.
const FISH_MAX_FILES: usize = 64;
/// The variable that names a Claude Code config dir.
const VAR: &str = "CLAUDE_CONFIG_DIR";
/// Names the primary takes when it comes from the real `~/.claude`, in order.
const PRIMARY_NAMES: [&str; 4] = ["main", "default", "primary", "claude"];
/// What Claude Code keeps in a config dir: one of these (not a symlink of ours) marks a directory
/// as a Claude config dir.
const CLAUDE_ENTRIES: [&str; 17] = [
    login::CREDENTIALS,
    login::CLAUDE_JSON,
    "settings.json",
    "settings.local.json",
    "history.jsonl",
    "projects",
    "sessions",
    "todos",
    "statsig",
    "shell-snapshots",
    "plans",
    "file-history",
    "session-env",
    "ide",
    "plugins",
    "agents",
    "CLAUDE.md",
];

/// Where a proposed account came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Origin {
    /// The real `~/.claude`: its home is where `link --adopt` moves it.
    RealClaudeDir,
    /// The directory the `~/.claude` symlink points at.
    Pointer,
    /// A `~/.claude-<name>` directory.
    Dir,
    /// Named by `CLAUDE_CONFIG_DIR` in this rc file.
    Rc(PathBuf),
    /// Found nowhere: a config needs two accounts.
    Placeholder,
}

/// One proposed account.
#[derive(Debug, Clone)]
pub struct Candidate {
    pub name: String,
    /// The home the config names.
    pub home: PathBuf,
    /// Where its login is today (the real `~/.claude` for [`Origin::RealClaudeDir`]).
    pub now_at: PathBuf,
    pub origin: Origin,
    pub login: Login,
}

impl Candidate {
    /// Found on disk (not a placeholder, nor a home an rc file names that does not exist).
    pub fn exists(&self) -> bool {
        self.origin != Origin::Placeholder && self.login != Login::NoHome
    }
}

/// What [`discover`] found.
#[derive(Debug, Default)]
pub struct Found {
    /// Primary first, then logged-in accounts, then the rest; two at least.
    pub accounts: Vec<Candidate>,
    /// Directories that look like homes but hold nothing of Claude Code's, with why.
    pub ignored: Vec<(PathBuf, String)>,
    /// `~/.claude` is a real directory (with or without anything in it).
    pub claude_dir_real: bool,
}

impl Found {
    /// Accounts found on disk.
    pub fn existing(&self) -> usize {
        self.accounts.iter().filter(|a| a.exists()).count()
    }
}

/// The identity of a path: resolved when it exists, else lexically cleaned.
fn identity(p: &Path) -> PathBuf {
    fs::canonicalize(p).unwrap_or_else(|_| normalize(p))
}

/// Does `dir` hold something Claude Code writes? Our own shared links do not count: a home that
/// `doctor --fix` created and nobody logged into is no account.
pub fn has_claude_data(dir: &Path) -> bool {
    CLAUDE_ENTRIES.iter().any(|name| match fs::symlink_metadata(dir.join(name)) {
        Ok(m) if m.file_type().is_symlink() => !config::DEFAULT_SHARED.contains(name),
        Ok(_) => true,
        Err(_) => false,
    })
}

/// An account name for a home: `~/.claude-work` → `work`, `/srv/claude/alice` → `alice`.
fn name_for(home: &Path) -> String {
    let base = home.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let base = base.trim_start_matches('.');
    let base = ["claude-", "claude_", "claude."]
        .iter()
        .find_map(|p| base.strip_prefix(p).filter(|r| !r.is_empty()))
        .unwrap_or(base);
    let mut name: String =
        base.chars().map(|c| if c.is_ascii_alphanumeric() || "._-".contains(c) { c } else { '-' }).take(64).collect();
    if !config::valid_name(&name) {
        name = "account".into();
    }
    name
}

/// `base`, or `base-2`, `base-3` … when taken.
fn unique(base: &str, taken: &[String]) -> String {
    if !taken.iter().any(|t| t == base) {
        return base.to_string();
    }
    (2..).map(|i| format!("{base}-{i}")).find(|n| !taken.iter().any(|t| t == n)).unwrap_or_default()
}

/// Look at `home` and propose accounts (see the module doc). Reads only.
pub fn discover(home: &Path, now: Timestamp) -> Found {
    let claude_dir = home.join(".claude");
    let shared_root = home.join(".claude-shared");
    let mut found = Found::default();
    let mut seen: Vec<PathBuf> = Vec::new();
    let mut accounts: Vec<Candidate> = Vec::new();

    // `~/.claude`: a real directory (adopted later) or a link to the primary's home.
    let mut real_with_data = false;
    let mut pointer: Option<PathBuf> = None;
    match fs::symlink_metadata(&claude_dir) {
        Ok(m) if m.is_dir() => {
            found.claude_dir_real = true;
            real_with_data = has_claude_data(&claude_dir);
            seen.push(identity(&claude_dir));
        }
        Ok(m) if m.file_type().is_symlink() => {
            pointer = fs::canonicalize(&claude_dir).ok().filter(|t| t.is_dir());
        }
        _ => {}
    }

    // Every `~/.claude-<name>` directory.
    let mut dirs: Vec<PathBuf> = fs::read_dir(home)
        .into_iter()
        .flatten()
        .flatten()
        .filter(|e| e.file_name().to_str().and_then(|n| n.strip_prefix(".claude-")).is_some_and(|s| !s.is_empty()))
        .map(|e| e.path())
        .filter(|p| *p != shared_root && fs::metadata(p).is_ok_and(|m| m.is_dir()))
        .collect();
    dirs.sort();
    for dir in dirs {
        let id = identity(&dir);
        if seen.contains(&id) || id == identity(&shared_root) {
            continue;
        }
        if !has_claude_data(&dir) && pointer.as_ref() != Some(&id) {
            found.ignored.push((dir, "nothing of Claude Code's in it (no login, no transcripts, no settings)".into()));
            continue;
        }
        seen.push(id.clone());
        let login = login::login_state(&dir, now);
        let origin = if pointer.as_ref() == Some(&id) { Origin::Pointer } else { Origin::Dir };
        accounts.push(Candidate { name: name_for(&dir), home: dir.clone(), now_at: dir, origin, login });
    }

    // What `~/.claude` points at, when it is not one of those.
    if let Some(t) = pointer.as_ref().filter(|t| !seen.contains(t) && **t != identity(&shared_root)) {
        seen.push(t.clone());
        let login = login::login_state(t, now);
        accounts.push(Candidate {
            name: name_for(t),
            home: t.clone(),
            now_at: t.clone(),
            origin: Origin::Pointer,
            login,
        });
    }

    // Homes named in the shell's rc files.
    let mut missing: Vec<(PathBuf, PathBuf)> = Vec::new();
    for (file, dir) in rc_homes(home) {
        if normalize(&dir) == claude_dir || dir.starts_with(&shared_root) {
            continue; // the default dir, said out loud; or ours
        }
        let id = identity(&dir);
        if seen.contains(&id) {
            continue;
        }
        match fs::metadata(&dir) {
            Ok(m) if m.is_dir() => {
                seen.push(id);
                let login = login::login_state(&dir, now);
                accounts.push(Candidate {
                    name: name_for(&dir),
                    home: dir.clone(),
                    now_at: dir,
                    origin: Origin::Rc(file),
                    login,
                });
            }
            Ok(_) => found.ignored.push((dir, format!("named in {} but not a directory", tildify(&file, home)))),
            Err(_) if !missing.iter().any(|(_, d)| *d == dir) => missing.push((file, dir)),
            Err(_) => {}
        }
    }

    // Preference order: logged-in accounts first, then by name; the primary goes in front.
    accounts.sort_by(|a, b| (!a.login.is_ok(), &a.name).cmp(&(!b.login.is_ok(), &b.name)));
    if let Some(i) = pointer.as_ref().and_then(|t| accounts.iter().position(|a| identity(&a.home) == *t)) {
        let p = accounts.remove(i);
        accounts.insert(0, p);
    }
    // Names are unique (two dirs may share a base name).
    let mut taken: Vec<String> = Vec::new();
    for a in &mut accounts {
        a.name = unique(&a.name, &taken);
        taken.push(a.name.clone());
    }
    if real_with_data {
        // The home `link --adopt` will move `~/.claude` to: a free name whose dir holds no other login.
        let name = PRIMARY_NAMES
            .iter()
            .find(|n| {
                let dir = home.join(format!(".claude-{n}"));
                !taken.iter().any(|t| t == *n)
                    && !accounts.iter().any(|a| identity(&a.home) == identity(&dir))
                    && !has_claude_data(&dir)
            })
            .map(|n| n.to_string())
            .unwrap_or_else(|| unique("main", &taken));
        let dest = home.join(format!(".claude-{name}"));
        found.ignored.retain(|(p, _)| *p != dest);
        taken.push(name.clone());
        let login = login::login_state(&claude_dir, now);
        accounts.insert(0, Candidate { name, home: dest, now_at: claude_dir, origin: Origin::RealClaudeDir, login });
    }

    // Two at least: a home an rc file names first, then the usual names.
    let mut missing = missing.into_iter();
    while accounts.len() < 2 {
        let (home_dir, origin) = match missing.next() {
            Some((file, dir)) => (dir, Origin::Rc(file)),
            None => {
                let base = if accounts.is_empty() { "main" } else { "backup" };
                let mut n = 1;
                let dir = loop {
                    let d = home.join(if n == 1 { format!(".claude-{base}") } else { format!(".claude-{base}-{n}") });
                    if !accounts.iter().any(|a| a.home == d) && !has_claude_data(&d) {
                        break d;
                    }
                    n += 1;
                };
                (dir, Origin::Placeholder)
            }
        };
        let name = unique(&name_for(&home_dir), &taken);
        taken.push(name.clone());
        found.ignored.retain(|(p, _)| *p != home_dir);
        let login = login::login_state(&home_dir, now);
        accounts.push(Candidate { name, home: home_dir.clone(), now_at: home_dir, origin, login });
    }
    for (file, dir) in missing {
        let why =
            format!("named by CLAUDE_CONFIG_DIR in {} but does not exist, so not configured", tildify(&file, home));
        found.ignored.push((dir, why));
    }
    found.accounts = accounts;
    found
}

// ---- shell rc files ------------------------------------------------------------------------

/// The rc files looked at, in order (those that exist).
fn rc_files(home: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> =
        [".bashrc", ".bash_profile", ".bash_aliases", ".profile", ".zshenv", ".zprofile", ".zshrc"]
            .iter()
            .map(|f| home.join(f))
            .collect();
    let fish = home.join(".config/fish");
    files.push(fish.join("config.fish"));
    for sub in ["conf.d", "functions"] {
        let mut more: Vec<PathBuf> = fs::read_dir(fish.join(sub))
            .into_iter()
            .flatten()
            .flatten()
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|x| x == "fish"))
            .collect();
        more.sort();
        more.truncate(FISH_MAX_FILES);
        files.extend(more);
    }
    files
}

/// The first [`RC_MAX_BYTES`] of a regular file, or nothing (missing, unreadable, not a file: a
/// FIFO would block).
fn read_capped(path: &Path) -> Option<String> {
    if !fs::metadata(path).ok()?.is_file() {
        return None;
    }
    let mut bytes = Vec::new();
    fs::File::open(path).ok()?.take(RC_MAX_BYTES).read_to_end(&mut bytes).ok()?;
    Some(String::from_utf8_lossy(&bytes).into_owned())
}

/// Every home named by `CLAUDE_CONFIG_DIR` in the rc files: (rc file, home), first mention first.
pub fn rc_homes(home: &Path) -> Vec<(PathBuf, PathBuf)> {
    let mut out: Vec<(PathBuf, PathBuf)> = Vec::new();
    for file in rc_files(home) {
        let Some(text) = read_capped(&file) else { continue };
        for dir in scan_rc_text(&text, home) {
            if !out.iter().any(|(_, d)| *d == dir) {
                out.push((file.clone(), dir));
            }
        }
    }
    out
}

/// The directories a shell rc text sets `CLAUDE_CONFIG_DIR` to, by plain text search:
/// `CLAUDE_CONFIG_DIR=<path>` anywhere on a line (`export …`, `alias x='CLAUDE_CONFIG_DIR=… claude'`,
/// `env …`, fish's `VAR=value cmd`), and fish's `set [-gx…] CLAUDE_CONFIG_DIR <path>` (csh's
/// `setenv` too). `~`, `$HOME` and `${HOME}` are expanded; a value using any other variable or a
/// command substitution is skipped, as are relative paths, `$HOME` itself and its parents.
/// Comment lines are skipped. Nothing is executed.
pub fn scan_rc_text(text: &str, home: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for line in text.lines() {
        if line.trim_start().starts_with('#') {
            continue;
        }
        let mut from = 0;
        while let Some(i) = line[from..].find(VAR) {
            let start = from + i;
            let end = start + VAR.len();
            from = end;
            let before = line[..start].chars().next_back();
            if before.is_some_and(|c| c.is_ascii_alphanumeric() || "_${".contains(c)) {
                continue; // another variable's name, or a use of this one
            }
            let rest = &line[end..];
            let value = if let Some(v) = rest.strip_prefix('=') {
                v
            } else if rest.starts_with([' ', '\t']) && is_set_command(&line[..start]) {
                rest.trim_start()
            } else {
                continue;
            };
            if let Some(dir) = expand(&take_value(value), home)
                && !out.contains(&dir)
            {
                out.push(dir);
            }
        }
    }
    out
}

/// `set -gx ` / `set --export ` / `setenv `: fish's and csh's way to set a variable.
fn is_set_command(before: &str) -> bool {
    let mut words = before.split_whitespace();
    matches!(words.next(), Some("set" | "setenv")) && words.all(|w| w.starts_with('-'))
}

/// One shell word's value: a quoted string (and what sticks to it: `"$HOME"/.claude-x`), or the
/// text up to a space, a quote or a shell operator (the end of an alias's quoted body).
fn take_value(v: &str) -> String {
    let mut out = String::new();
    let mut rest = v;
    for q in ["\\\"", "\\'", "\"", "'"] {
        if let Some(r) = rest.strip_prefix(q) {
            match r.find(q) {
                Some(close) => {
                    out.push_str(&r[..close]);
                    rest = &r[close + q.len()..];
                }
                None => return String::new(),
            }
            break;
        }
    }
    let stop = rest.find(|c: char| c.is_whitespace() || "'\";&|()<>`\\".contains(c)).unwrap_or(rest.len());
    out.push_str(&rest[..stop]);
    out
}

/// `~`, `~/…`, `$HOME`, `${HOME}` expanded; anything else that needs a shell is refused.
fn expand(value: &str, home: &Path) -> Option<PathBuf> {
    let h = home.to_str()?;
    let v = value.replace("${HOME}", h).replace("$HOME", h);
    if v.contains('$') || v.contains('`') || v.is_empty() {
        return None;
    }
    let p = if v == "~" {
        home.to_path_buf()
    } else if let Some(rest) = v.strip_prefix("~/") {
        home.join(rest)
    } else {
        PathBuf::from(&v)
    };
    if !p.is_absolute() {
        return None;
    }
    let p = normalize(&p);
    // $HOME itself, or above it: a broken line, not a config dir.
    (!home.starts_with(&p)).then_some(p)
}

// ---- the command -----------------------------------------------------------------------------

/// How to log `a` in, as a command to type (then `/login` in it).
fn login_command(a: &Candidate) -> String {
    match a.origin {
        // A plain `claude` uses `~/.claude` (the real one today, the link to the home after adopt).
        Origin::RealClaudeDir => "claude".into(),
        _ => login::login_command(&a.home, "claude"),
    }
}

/// One account's login, as a person reads it.
fn login_line(a: &Candidate) -> String {
    let cmd = login_command(a);
    match &a.login {
        Login::Ok(_) => a.login.to_string(),
        Login::NoHome => format!("does not exist yet: log in with {cmd}, then /login (that creates it)"),
        Login::Missing => format!("no login: {cmd}, then /login"),
        other => format!("no login ({other}): {cmd}, then /login"),
    }
}

fn origin_note(a: &Candidate, home: &Path) -> String {
    match &a.origin {
        Origin::RealClaudeDir => {
            format!("today {}; 'link --adopt' moves it here", tildify(&a.now_at, home))
        }
        Origin::Pointer => "~/.claude points here".into(),
        Origin::Dir => String::new(),
        Origin::Rc(file) => format!("CLAUDE_CONFIG_DIR in {}", tildify(file, home)),
        Origin::Placeholder => "added: a failover needs two accounts".into(),
    }
}

/// `claude-failover init`.
pub fn run(paths: &Paths, now: Timestamp) -> Result<u8> {
    let file = &paths.config_file;
    if file.exists() {
        eprintln!("{} already exists; edit it, or move it away to start over", file.display());
        return Ok(1);
    }
    let home = &paths.home;
    let found = discover(home, now);
    let pairs: Vec<(String, String)> =
        found.accounts.iter().map(|a| (a.name.clone(), tildify(&a.home, home))).collect();
    let text = config::starter(&pairs);
    // What is written must load: a home path the config cannot spell is caught here, not later.
    config::parse(&text, file, home).context("init found homes it cannot write into a config; nothing was written")?;
    if let Some(parent) = file.parent() {
        fs::create_dir_all(parent).with_context(|| format!("cannot create {}", parent.display()))?;
    }
    crate::atomic::write_atomic(file, text.as_bytes(), 0o600)?;
    println!("wrote {}", tildify(file, home));

    let n = found.existing();
    match n {
        0 => println!("found no Claude login; a failover needs two, so the config names two homes to log in to:"),
        1 => println!("found 1 account home; a failover needs two, so the config names a second one to log in to:"),
        _ => println!("found {n} account homes:"),
    }
    let shown: Vec<(String, String)> =
        found.accounts.iter().map(|a| (a.name.clone(), tildify(&a.home, home))).collect();
    let wn = shown.iter().map(|s| s.0.len()).max().unwrap_or(0);
    let wh = shown.iter().map(|s| s.1.len()).max().unwrap_or(0);
    for (i, (a, (name, h))) in found.accounts.iter().zip(&shown).enumerate() {
        let mut notes = vec![];
        if i == 0 {
            notes.push("primary".to_string());
        }
        let o = origin_note(a, home);
        if !o.is_empty() {
            notes.push(o);
        }
        let notes = if notes.is_empty() { String::new() } else { format!("  ({})", notes.join("; ")) };
        println!("  {name:<wn$}  {h:<wh$}  {}{notes}", login_line(a));
    }
    for (dir, why) in &found.ignored {
        println!("ignored {}: {why}", tildify(dir, home));
    }
    let primary = &found.accounts[0];
    let global = home.join(login::CLAUDE_JSON);
    if global.is_file()
        && fs::symlink_metadata(primary.home.join(login::CLAUDE_JSON)).is_err()
        && fs::symlink_metadata(primary.now_at.join(login::CLAUDE_JSON)).is_err()
    {
        println!(
            "~/.claude.json (onboarding, folder trust) stays where it is; 'link --adopt' gives {} its own copy",
            tildify(&primary.home, home)
        );
    }
    if found.claude_dir_real && primary.origin != Origin::RealClaudeDir {
        println!(
            "~/.claude is a real directory: 'link --adopt' moves what it holds into {} and links ~/.claude there",
            tildify(&primary.home, home)
        );
    }
    println!("next:");
    println!("  claude-failover link --adopt --dry-run   # what would move (changes nothing)");
    println!(
        "  claude-failover link --adopt             # move it, link the shared dirs, point ~/.claude at {}",
        primary.name
    );
    println!("  claude-failover doctor                   # check everything; it lists what is left to do");
    Ok(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn home() -> PathBuf {
        PathBuf::from("/home/u")
    }

    fn scan(text: &str) -> Vec<String> {
        scan_rc_text(text, &home()).iter().map(|p| p.display().to_string()).collect()
    }

    #[test]
    fn rc_forms_are_found() {
        assert_eq!(scan("export CLAUDE_CONFIG_DIR=~/.claude-work\n"), ["/home/u/.claude-work"]);
        assert_eq!(scan("export CLAUDE_CONFIG_DIR=\"$HOME/.claude-a\"  # work"), ["/home/u/.claude-a"]);
        assert_eq!(scan("alias cw='CLAUDE_CONFIG_DIR=~/.claude-w claude'"), ["/home/u/.claude-w"]);
        assert_eq!(scan("alias cw=\"CLAUDE_CONFIG_DIR=${HOME}/.claude-w claude --x\""), ["/home/u/.claude-w"]);
        assert_eq!(scan("alias cw='CLAUDE_CONFIG_DIR=/srv/c/w'"), ["/srv/c/w"]);
        assert_eq!(scan("alias cw=\"CLAUDE_CONFIG_DIR=\\\"$HOME/my dir\\\" claude\""), ["/home/u/my dir"]);
        assert_eq!(scan("CLAUDE_CONFIG_DIR=\"$HOME\"/.claude-q claude"), ["/home/u/.claude-q"]);
        assert_eq!(scan("set -x CLAUDE_CONFIG_DIR ~/.claude-fish"), ["/home/u/.claude-fish"]);
        assert_eq!(scan("  set -gx CLAUDE_CONFIG_DIR '/home/u/.claude-f2'"), ["/home/u/.claude-f2"]);
        assert_eq!(scan("setenv CLAUDE_CONFIG_DIR /x/y"), ["/x/y"]);
        assert_eq!(scan("function cw; env CLAUDE_CONFIG_DIR=~/.claude-e claude $argv; end"), ["/home/u/.claude-e"]);
        assert_eq!(
            scan("alias a='CLAUDE_CONFIG_DIR=~/.claude-a claude'; alias b='CLAUDE_CONFIG_DIR=~/.claude-b claude'"),
            ["/home/u/.claude-a", "/home/u/.claude-b"]
        );
        assert_eq!(scan("export CLAUDE_CONFIG_DIR=~/.claude-a/\r"), ["/home/u/.claude-a"]);
    }

    #[test]
    fn rc_lines_that_need_a_shell_are_skipped() {
        for text in [
            "# export CLAUDE_CONFIG_DIR=~/.claude-commented",
            "export CLAUDE_CONFIG_DIR=$XDG_CONFIG_HOME/claude",
            "export CLAUDE_CONFIG_DIR=$(pick-one)",
            "export CLAUDE_CONFIG_DIR=`pick-one`",
            "export CLAUDE_CONFIG_DIR=${CLAUDE_CONFIG_DIR:-~/.claude-x}",
            "export CLAUDE_CONFIG_DIR=relative/dir",
            "export CLAUDE_CONFIG_DIR=~bob/.claude",
            "export CLAUDE_CONFIG_DIR=",
            "export CLAUDE_CONFIG_DIR=$HOME",
            "export CLAUDE_CONFIG_DIR=/",
            "echo $CLAUDE_CONFIG_DIR",
            "MY_CLAUDE_CONFIG_DIR=~/.claude-not",
            "unset CLAUDE_CONFIG_DIR",
            "echo set CLAUDE_CONFIG_DIR ~/.claude-not",
            "export CLAUDE_CONFIG_DIR=\"~/.claude-unclosed",
        ] {
            assert!(scan(text).is_empty(), "{text}: {:?}", scan(text));
        }
    }

    #[test]
    fn names_from_homes() {
        assert_eq!(name_for(Path::new("/h/.claude-work")), "work");
        assert_eq!(name_for(Path::new("/srv/claude/alice")), "alice");
        assert_eq!(name_for(Path::new("/h/.config/claude")), "claude");
        assert_eq!(name_for(Path::new("/h/.claude-my work")), "my-work");
        assert_eq!(name_for(Path::new("/")), "account");
        assert_eq!(unique("main", &["main".into(), "main-2".into()]), "main-3");
    }

    const NOW: &str = "2026-11-21T10:00:00Z";

    fn log_in(dir: &Path) {
        fs::create_dir_all(dir).unwrap();
        fs::write(dir.join(login::CREDENTIALS), r#"{"claudeAiOauth":{"refreshToken":"r"}}"#).unwrap();
    }

    fn names(f: &Found) -> Vec<(String, String, bool)> {
        f.accounts.iter().map(|a| (a.name.clone(), a.home.display().to_string(), a.login.is_ok())).collect()
    }

    #[test]
    fn the_usual_layout() {
        let d = tempfile::tempdir().unwrap();
        let h = d.path();
        log_in(&h.join(".claude"));
        fs::create_dir_all(h.join(".claude/projects/-p")).unwrap();
        log_in(&h.join(".claude-work"));
        fs::create_dir_all(h.join(".claude-shared/projects")).unwrap();
        fs::create_dir_all(h.join(".claude-empty")).unwrap();
        fs::create_dir_all(h.join(".claude-linksonly")).unwrap();
        std::os::unix::fs::symlink(h.join(".claude-shared/projects"), h.join(".claude-linksonly/projects")).unwrap();
        fs::create_dir_all(h.join(".claude-nologin/projects")).unwrap();
        fs::write(h.join(".claude-file"), "x").unwrap();
        let f = discover(h, NOW.parse().unwrap());
        let hs = |n: &str| h.join(n).display().to_string();
        assert_eq!(
            names(&f),
            [
                ("main".into(), hs(".claude-main"), true),
                ("work".into(), hs(".claude-work"), true),
                ("nologin".into(), hs(".claude-nologin"), false),
            ]
        );
        assert_eq!(f.accounts[0].origin, Origin::RealClaudeDir);
        assert_eq!(f.accounts[0].now_at, h.join(".claude"));
        let ignored: Vec<_> = f.ignored.iter().map(|(p, _)| p.clone()).collect();
        assert_eq!(ignored, [h.join(".claude-empty"), h.join(".claude-linksonly")]);
        assert!(f.claude_dir_real);
    }

    #[test]
    fn a_taken_main_gives_the_real_dir_another_name() {
        let d = tempfile::tempdir().unwrap();
        let h = d.path();
        log_in(&h.join(".claude"));
        log_in(&h.join(".claude-main"));
        let f = discover(h, NOW.parse().unwrap());
        assert_eq!(f.accounts[0].name, "default");
        assert_eq!(f.accounts[0].home, h.join(".claude-default"));
        assert_eq!(f.accounts[1].name, "main");
    }

    #[test]
    fn a_pointer_names_the_primary_and_one_login_gets_a_named_second() {
        let d = tempfile::tempdir().unwrap();
        let h = d.path();
        log_in(&h.join(".claude-zed"));
        std::os::unix::fs::symlink(h.join(".claude-zed"), h.join(".claude")).unwrap();
        let f = discover(h, NOW.parse().unwrap());
        assert_eq!(f.accounts[0].name, "zed");
        assert_eq!(f.accounts[0].origin, Origin::Pointer);
        assert_eq!(f.accounts[1].home, h.join(".claude-backup"));
        assert_eq!(f.accounts[1].origin, Origin::Placeholder);
        assert_eq!(f.accounts[1].login, Login::NoHome);
        assert_eq!(f.existing(), 1);
        // an empty ~/.claude-backup (a home `doctor --fix` made once) is that second home, not a find
        fs::create_dir_all(h.join(".claude-backup")).unwrap();
        let f = discover(h, NOW.parse().unwrap());
        assert_eq!(
            (f.accounts[1].home.clone(), &f.accounts[1].origin),
            (h.join(".claude-backup"), &Origin::Placeholder)
        );
        assert_eq!(f.accounts[1].login, Login::Missing);
        assert!(f.ignored.is_empty(), "{:?}", f.ignored);
        assert_eq!(f.existing(), 1);
    }

    #[test]
    fn rc_homes_join_and_a_missing_one_is_the_placeholder() {
        let d = tempfile::tempdir().unwrap();
        let h = d.path();
        log_in(&h.join(".claude"));
        fs::write(h.join(".bashrc"), "export CLAUDE_CONFIG_DIR=~/work-claude\nexport CLAUDE_CONFIG_DIR=~/.claude\n")
            .unwrap();
        let f = discover(h, NOW.parse().unwrap());
        assert_eq!(f.accounts[1].home, h.join("work-claude"));
        assert_eq!(f.accounts[1].origin, Origin::Rc(h.join(".bashrc")));
        assert_eq!(f.accounts[1].login, Login::NoHome);
        assert_eq!(f.accounts.len(), 2);
        // with two logins, a missing home is said, not configured
        log_in(&h.join(".claude-w"));
        let f = discover(h, NOW.parse().unwrap());
        assert_eq!(f.accounts.len(), 2);
        assert!(f.accounts.iter().all(|a| a.exists()));
        assert_eq!(f.ignored.len(), 1);
        assert_eq!(f.ignored[0].0, h.join("work-claude"));
        assert!(f.ignored[0].1.contains("does not exist"), "{:?}", f.ignored);
    }
}
