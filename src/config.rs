//! The user's config file (SPEC §3): parsing, defaults, `~` expansion and validation.
//!
//! Loading never changes anything on disk, and it reports *every* problem in one go (file, key,
//! what is wrong, what to do), so a user fixes the file once rather than once per run. The one
//! invariant to keep: a value that reaches the filesystem (a home, a shared target, `claude_dir`)
//! is validated here, before any command acts on it — the link and swap code trusts `Config`.

use std::collections::HashSet;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use jiff::SignedDuration;
use serde::Deserialize;

use crate::paths::{expand_home_with, normalize};

/// Names Claude Code keeps per account; sharing them would corrupt logins (single-use refresh
/// tokens) or mix identities.
pub const NEVER_SHARED: [&str; 2] = [".credentials.json", ".claude.json"];
pub const DEFAULT_SHARED: [&str; 3] = ["projects", "file-history", "session-env"];

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Account {
    pub name: String,
    pub home: PathBuf,
}

/// One link every account home must expose: `<home>/<name>` → `target`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SharedLink {
    pub name: String,
    pub target: PathBuf,
}

#[derive(Debug, Clone)]
pub struct SwapConfig {
    pub cooldown: SignedDuration,
    pub return_to_primary: bool,
    pub return_grace: SignedDuration,
    pub fallback_reset: SignedDuration,
    pub resume_prompt: String,
    pub resume_prompt_when: PromptWhen,
    /// A pane relaunched this many times within `resume_window` is left alone; 0: no limit.
    pub max_resumes: u32,
    pub resume_window: SignedDuration,
    /// Move the active account's panes once its 5-hour or weekly use (as its statusline
    /// recorded it) reaches this percentage, 1–100; `None` (the default) = only on a limit.
    pub switch_at_percent: Option<f64>,
    /// On a model-scoped limit (`Opus limit`), keep the panes on their account and relaunch them
    /// with `--model <this>` instead of moving them; `None` (the default) = move them.
    pub switch_model: Option<String>,
}

/// Which relaunched panes get the resume prompt (`[swap] resume_prompt_when`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PromptWhen {
    /// Only a pane that was mid-turn when the swap began (its registry entry said `busy`, or
    /// its transcript's last turn failed on the limit): an idle pane comes back silently.
    Interrupted,
    Always,
    Never,
}

impl PromptWhen {
    pub const NAMES: [&str; 3] = ["interrupted", "always", "never"];

    pub fn parse(s: &str) -> Option<PromptWhen> {
        match s {
            "interrupted" => Some(PromptWhen::Interrupted),
            "always" => Some(PromptWhen::Always),
            "never" => Some(PromptWhen::Never),
            _ => None,
        }
    }
}

impl SwapConfig {
    /// Whether a pane gets the resume prompt typed once it is back: `interrupted` says why it
    /// counts as mid-turn (`None`: it was idle).
    pub fn prompts(&self, interrupted: Option<&str>) -> bool {
        !self.resume_prompt.is_empty()
            && match self.resume_prompt_when {
                PromptWhen::Always => true,
                PromptWhen::Never => false,
                PromptWhen::Interrupted => interrupted.is_some(),
            }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NamedSession {
    pub name: String,
    pub project: PathBuf,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pool {
    pub prefix: String,
    pub start_index: u32,
    pub min: u32,
    pub max: u32,
}

impl Pool {
    /// The session names this tool owns; nothing outside this range is ever killed.
    pub fn names(&self, count: u32) -> impl Iterator<Item = String> + '_ {
        (self.start_index..self.start_index.saturating_add(count)).map(|i| format!("{}{i}", self.prefix))
    }
}

#[derive(Debug, Clone)]
pub struct Telegram {
    pub chat_id: String,
    pub token_file: Option<PathBuf>,
    pub api_base: String,
}

#[derive(Debug, Clone)]
pub struct NotifyConfig {
    pub tmux: bool,
    pub command: Vec<String>,
    pub telegram: Option<Telegram>,
}

#[derive(Debug, Clone)]
pub struct Config {
    pub file: PathBuf,
    pub claude_dir: PathBuf,
    pub claude_command: String,
    pub claude_args: Vec<String>,
    pub primary: String,
    pub accounts: Vec<Account>,
    pub shared: Vec<SharedLink>,
    pub swap: SwapConfig,
    pub sessions: Vec<NamedSession>,
    pub pool: Option<Pool>,
    pub notify: NotifyConfig,
    pub extra_patterns: Vec<String>,
    pub guard: crate::guard::GuardConfig,
}

impl Config {
    pub fn account(&self, name: &str) -> Option<&Account> {
        self.accounts.iter().find(|a| a.name == name)
    }
    pub fn primary_account(&self) -> &Account {
        // validate() guarantees primary names an account and there are at least two.
        self.account(&self.primary).unwrap_or(&self.accounts[0])
    }
    /// The account whose home is `dir` (compared after normalisation and, when both exist,
    /// after resolving symlinks).
    pub fn account_by_home(&self, dir: &Path) -> Option<&Account> {
        let want = normalize(dir);
        let want_real = std::fs::canonicalize(dir).ok();
        self.accounts
            .iter()
            .find(|a| a.home == want || (want_real.is_some() && std::fs::canonicalize(&a.home).ok() == want_real))
    }
}

// ---- raw TOML shapes -------------------------------------------------------------------------

#[derive(Deserialize, Default)]
#[serde(default)]
struct Raw {
    claude_dir: Option<String>,
    claude_command: Option<String>,
    claude_args: Vec<String>,
    primary: Option<String>,
    accounts: Vec<RawAccount>,
    shared: RawShared,
    swap: RawSwap,
    sessions: Vec<RawSession>,
    pool: Option<RawPool>,
    notify: RawNotify,
    detect: RawDetect,
    guard: crate::guard::GuardConfig,
}

#[derive(Deserialize)]
struct RawAccount {
    name: String,
    home: String,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct RawShared {
    root: Option<String>,
    dirs: Option<Vec<String>>,
    links: Vec<RawLink>,
}

#[derive(Deserialize)]
struct RawLink {
    name: String,
    target: String,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct RawSwap {
    cooldown: Option<String>,
    return_to_primary: Option<bool>,
    return_grace: Option<String>,
    fallback_reset: Option<String>,
    resume_prompt: Option<String>,
    resume_prompt_when: Option<String>,
    max_resumes: Option<u32>,
    resume_window: Option<String>,
    switch_at_percent: Option<toml::Value>,
    switch_model: Option<String>,
}

#[derive(Deserialize)]
struct RawSession {
    name: String,
    project: String,
}

#[derive(Deserialize)]
#[serde(default)]
struct RawPool {
    prefix: String,
    start_index: u32,
    min: u32,
    max: u32,
}

impl Default for RawPool {
    fn default() -> Self {
        RawPool { prefix: "ccl-auto-".into(), start_index: 10, min: 2, max: 6 }
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct RawNotify {
    tmux: Option<bool>,
    command: Vec<String>,
    telegram: Option<RawTelegram>,
}

#[derive(Deserialize)]
struct RawTelegram {
    chat_id: String,
    token_file: Option<String>,
    api_base: Option<String>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct RawDetect {
    extra_patterns: Vec<String>,
}

/// Every key the file may hold, by table path (`[]` marks an array of tables).
fn allowed_keys(path: &str) -> Option<&'static [&'static str]> {
    Some(match path {
        "" => &[
            "claude_dir",
            "claude_command",
            "claude_args",
            "primary",
            "accounts",
            "shared",
            "swap",
            "sessions",
            "pool",
            "notify",
            "detect",
            "guard",
        ],
        "accounts[]" => &["name", "home"],
        "shared" => &["root", "dirs", "links"],
        "shared.links[]" => &["name", "target"],
        "swap" => &[
            "cooldown",
            "return_to_primary",
            "return_grace",
            "fallback_reset",
            "resume_prompt",
            "resume_prompt_when",
            "max_resumes",
            "resume_window",
            "switch_at_percent",
            "switch_model",
        ],
        "sessions[]" => &["name", "project"],
        "pool" => &["prefix", "start_index", "min", "max"],
        "notify" => &["tmux", "command", "telegram"],
        "notify.telegram" => &["chat_id", "token_file", "api_base"],
        "detect" => &["extra_patterns"],
        "guard" => &["enabled", "deny", "allow", "protected_branches"],
        _ => return None,
    })
}

fn check_keys(table: &toml::Table, schema_path: &str, shown_path: &str, errors: &mut Vec<String>) {
    let Some(allowed) = allowed_keys(schema_path) else { return };
    for (key, value) in table {
        let shown = if shown_path.is_empty() { key.clone() } else { format!("{shown_path}.{key}") };
        if !allowed.contains(&key.as_str()) {
            let hint = closest(key, allowed).map(|k| format!(" (did you mean `{k}`?)")).unwrap_or_default();
            errors.push(format!("{shown}: unknown key{hint}; remove it"));
            continue;
        }
        let schema = if schema_path.is_empty() { key.clone() } else { format!("{schema_path}.{key}") };
        match value {
            toml::Value::Table(t) => check_keys(t, &schema, &shown, errors),
            toml::Value::Array(items) => {
                for (i, item) in items.iter().enumerate() {
                    if let toml::Value::Table(t) = item {
                        check_keys(t, &format!("{schema}[]"), &format!("{shown}[{i}]"), errors);
                    }
                }
            }
            _ => {}
        }
    }
}

fn closest<'a>(key: &str, candidates: &[&'a str]) -> Option<&'a str> {
    candidates.iter().map(|c| (edit_distance(key, c), *c)).filter(|(d, _)| *d <= 2).min().map(|(_, c)| c)
}

fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1; b.len() + 1];
        for (j, cb) in b.iter().enumerate() {
            cur[j + 1] = (prev[j] + usize::from(ca != *cb)).min(prev[j + 1] + 1).min(cur[j] + 1);
        }
        prev = cur;
    }
    prev[b.len()]
}

/// `90s`, `2m`, `5h`, `1h30m`, `1d`, `500ms`: the only duration syntax in the config.
pub fn parse_duration(s: &str) -> Option<SignedDuration> {
    let s = s.trim();
    if s.is_empty() {
        return None;
    }
    let mut total: i64 = 0;
    let mut rest = s;
    while !rest.is_empty() {
        let digits = rest.find(|c: char| !c.is_ascii_digit()).unwrap_or(rest.len());
        if digits == 0 {
            return None;
        }
        let n: i64 = rest[..digits].parse().ok()?;
        rest = &rest[digits..];
        let unit_len = rest.find(|c: char| c.is_ascii_digit()).unwrap_or(rest.len());
        let ms_per = match rest[..unit_len].trim() {
            "ms" => 1,
            "s" => 1000,
            "m" => 60_000,
            "h" => 3_600_000,
            "d" => 86_400_000,
            _ => return None,
        };
        total = total.checked_add(n.checked_mul(ms_per)?)?;
        rest = &rest[unit_len..];
    }
    Some(SignedDuration::from_millis(total))
}

pub fn valid_name(s: &str) -> bool {
    !s.is_empty() && s.len() <= 64 && s.chars().all(|c| c.is_ascii_alphanumeric() || "._-".contains(c))
}

/// Load and validate. A missing file is an error that says how to create one.
pub fn load(file: &Path, home: &Path) -> Result<Config> {
    let text = match std::fs::read_to_string(file) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            anyhow::bail!("no config file at {}; run 'claude-failover init' to write a starter one", file.display())
        }
        Err(e) => return Err(e).with_context(|| format!("cannot read config {}", file.display())),
    };
    parse(&text, file, home)
}

pub fn parse(text: &str, file: &Path, home: &Path) -> Result<Config> {
    let fail = |errors: Vec<String>| -> anyhow::Error {
        let mut msg = format!("invalid config {}:", file.display());
        for e in &errors {
            let _ = write!(msg, "\n  - {e}");
        }
        anyhow::anyhow!(msg)
    };
    let table: toml::Table = toml::from_str(text).map_err(|e| fail(vec![toml_error(&e)]))?;
    let mut errors = Vec::new();
    check_keys(&table, "", "", &mut errors);
    if !errors.is_empty() {
        return Err(fail(errors));
    }
    let raw: Raw = toml::from_str(text).map_err(|e| fail(vec![toml_error(&e)]))?;
    match build(raw, home, &mut errors) {
        Some(mut c) if errors.is_empty() => {
            c.file = file.to_path_buf();
            Ok(c)
        }
        _ => Err(fail(errors)),
    }
}

fn toml_error(e: &toml::de::Error) -> String {
    // toml's message already carries line, column and a caret; fold it onto our bullet.
    e.to_string().trim_end().replace('\n', "\n    ")
}

fn build(raw: Raw, home: &Path, errors: &mut Vec<String>) -> Option<Config> {
    let mut path = |key: &str, raw: &str| -> PathBuf {
        expand_home_with(raw, home).unwrap_or_else(|e| {
            errors.push(format!("{key}: {e}"));
            PathBuf::new()
        })
    };
    let claude_dir = path("claude_dir", raw.claude_dir.as_deref().unwrap_or("~/.claude"));
    let accounts: Vec<Account> = raw
        .accounts
        .iter()
        .enumerate()
        .map(|(i, a)| Account { name: a.name.clone(), home: path(&format!("accounts[{i}].home"), &a.home) })
        .collect();
    let shared: Vec<SharedLink> = if raw.shared.links.is_empty() {
        let root = path("shared.root", raw.shared.root.as_deref().unwrap_or("~/.claude-shared"));
        let dirs = raw.shared.dirs.clone().unwrap_or_else(|| DEFAULT_SHARED.map(String::from).to_vec());
        dirs.into_iter().map(|name| SharedLink { target: root.join(&name), name }).collect()
    } else {
        raw.shared
            .links
            .iter()
            .enumerate()
            .map(|(i, l)| SharedLink {
                name: l.name.clone(),
                target: path(&format!("shared.links[{i}].target"), &l.target),
            })
            .collect()
    };
    let sessions: Vec<NamedSession> = raw
        .sessions
        .iter()
        .enumerate()
        .map(|(i, s)| NamedSession {
            name: s.name.clone(),
            project: path(&format!("sessions[{i}].project"), &s.project),
        })
        .collect();
    let token_file = raw
        .notify
        .telegram
        .as_ref()
        .and_then(|t| t.token_file.as_deref())
        .map(|f| path("notify.telegram.token_file", f));

    let mut duration = |key: &str, value: Option<&str>, default: &str| -> SignedDuration {
        let v = value.unwrap_or(default);
        match parse_duration(v) {
            Some(d) if !d.is_negative() => d,
            _ => {
                errors.push(format!(
                    "swap.{key}: {v:?} is not a duration; write e.g. \"90s\", \"2m\", \"5h\" or \"1h30m\""
                ));
                SignedDuration::ZERO
            }
        }
    };
    let mut swap = SwapConfig {
        cooldown: duration("cooldown", raw.swap.cooldown.as_deref(), "2m"),
        return_to_primary: raw.swap.return_to_primary.unwrap_or(true),
        return_grace: duration("return_grace", raw.swap.return_grace.as_deref(), "5m"),
        fallback_reset: duration("fallback_reset", raw.swap.fallback_reset.as_deref(), "5h"),
        resume_prompt: raw.swap.resume_prompt.clone().unwrap_or_else(|| "continue".into()),
        resume_prompt_when: PromptWhen::Interrupted,
        max_resumes: raw.swap.max_resumes.unwrap_or(3),
        resume_window: duration("resume_window", raw.swap.resume_window.as_deref(), "30m"),
        switch_at_percent: match &raw.swap.switch_at_percent {
            None => None,
            Some(v) => {
                let n = match v {
                    toml::Value::Integer(i) => Some(*i as f64),
                    toml::Value::Float(f) => Some(*f),
                    _ => None,
                };
                match n.filter(|n| (1.0..=100.0).contains(n)) {
                    Some(n) => Some(n),
                    None => {
                        errors.push(format!(
                            "swap.switch_at_percent: {v} is not a percentage from 1 to 100; write e.g. 90 (move the \
                             panes once the 5-hour or weekly use reaches 90%), or leave it out to move only on a limit"
                        ));
                        None
                    }
                }
            }
        },
        switch_model: None,
    };
    match raw.swap.switch_model.as_deref() {
        None => {}
        Some(m)
            if crate::models::family(m).is_some()
                && m.chars().all(|c| c.is_ascii_alphanumeric() || "._-[]".contains(c)) =>
        {
            swap.switch_model = Some(m.to_string());
        }
        Some(m) => errors.push(format!(
            "swap.switch_model: {m:?} is not a model name; write an alias or id claude --model takes, e.g. \"sonnet\", \
             or leave it out to move the panes of a limited model to another account"
        )),
    }
    match raw.swap.resume_prompt_when.as_deref().map(|w| (w, PromptWhen::parse(w))) {
        None => {}
        Some((_, Some(when))) => swap.resume_prompt_when = when,
        Some((w, None)) => errors.push(format!(
            "swap.resume_prompt_when: {w:?} is not one of {}",
            PromptWhen::NAMES.map(|n| format!("{n:?}")).join(", ")
        )),
    }

    // -- semantic checks, all of them, before giving up --
    if accounts.len() < 2 {
        errors.push(format!(
            "accounts: {} account(s) configured; add at least two [[accounts]] tables (name and home), one per Claude login",
            accounts.len()
        ));
    }
    let mut names = HashSet::new();
    let mut homes: Vec<(&str, &Path)> = Vec::new();
    for (i, a) in accounts.iter().enumerate() {
        if !valid_name(&a.name) {
            errors.push(format!(
                "accounts[{i}].name: {:?} is not a valid name; use letters, digits, '.', '_' or '-'",
                a.name
            ));
        }
        if !names.insert(a.name.as_str()) {
            errors.push(format!("accounts[{i}].name: {:?} is used by two accounts; names must be unique", a.name));
        }
        if let Some((other, _)) = homes.iter().find(|(_, h)| *h == a.home.as_path() && !h.as_os_str().is_empty()) {
            errors.push(format!(
                "accounts[{i}].home: {} is also the home of account {other:?}; give each account its own directory",
                a.home.display()
            ));
        }
        homes.push((&a.name, &a.home));
        if a.home == claude_dir && !claude_dir.as_os_str().is_empty() {
            errors.push(format!(
                "accounts[{i}].home: {} is claude_dir itself; claude_dir is the pointer that is flipped between homes, so each home must be another directory (e.g. ~/.claude-{})",
                a.home.display(),
                a.name
            ));
        }
    }
    let primary = raw.primary.clone().or_else(|| accounts.first().map(|a| a.name.clone())).unwrap_or_default();
    if raw.primary.is_some() && !accounts.iter().any(|a| a.name == primary) {
        errors.push(format!("primary: {primary:?} is not the name of any [[accounts]] entry"));
    }
    let mut shared_names = HashSet::new();
    for l in &shared {
        let key = if raw.shared.links.is_empty() { "shared.dirs" } else { "shared.links" };
        if NEVER_SHARED.contains(&l.name.as_str()) {
            errors.push(format!("{key}: {:?} must never be shared (it holds one account's login); remove it", l.name));
        } else if l.name.is_empty() || l.name.contains('/') || l.name == "." || l.name == ".." {
            errors.push(format!("{key}: {:?} is not a plain directory name", l.name));
        }
        if !shared_names.insert(l.name.as_str()) {
            errors.push(format!("{key}: {:?} is listed twice", l.name));
        }
        for a in &accounts {
            if !a.home.as_os_str().is_empty() && l.target.starts_with(&a.home) {
                errors.push(format!(
                    "{key}: the target of {:?} ({}) is inside account {:?}'s home; shared targets must live outside every account home",
                    l.name,
                    l.target.display(),
                    a.name
                ));
            }
        }
    }
    if raw.claude_command.as_deref().is_some_and(|c| c.trim().is_empty()) {
        errors.push("claude_command: must not be empty".into());
    }
    if swap.resume_prompt.chars().any(char::is_control) {
        errors.push("swap.resume_prompt: must be one line without control characters".into());
    }
    // Typed into a shell (quoted) at every relaunch: a newline would end the line early.
    for (i, a) in raw.claude_args.iter().enumerate() {
        if a.chars().any(char::is_control) {
            errors.push(format!("claude_args[{i}]: {a:?} holds a control character; write it on one line"));
        }
    }
    let mut session_names = HashSet::new();
    for (i, s) in raw.sessions.iter().enumerate() {
        if s.name.is_empty() || s.name.contains([':', '.']) || s.name.chars().any(char::is_control) {
            errors.push(format!("sessions[{i}].name: {:?} is not a usable tmux session name (no ':' or '.')", s.name));
        }
        if !session_names.insert(s.name.as_str()) {
            errors.push(format!("sessions[{i}].name: {:?} is listed twice", s.name));
        }
    }
    let pool = raw.pool.map(|p| Pool { prefix: p.prefix, start_index: p.start_index, min: p.min, max: p.max });
    if let Some(p) = &pool {
        if p.prefix.is_empty() || p.prefix.contains([':', '.']) {
            errors.push(format!("pool.prefix: {:?} must be a non-empty tmux session name prefix", p.prefix));
        }
        if p.min > p.max {
            errors.push(format!("pool.min: {} is larger than pool.max ({})", p.min, p.max));
        }
        for s in &raw.sessions {
            if p.names(p.max).any(|n| n == s.name) {
                errors.push(format!(
                    "sessions: {:?} falls in the pool range {}{}..{}; a named session would be killed with the pool",
                    s.name,
                    p.prefix,
                    p.start_index,
                    p.start_index + p.max
                ));
            }
        }
    }
    if raw.notify.command.first().is_some_and(|c| c.is_empty()) {
        errors.push("notify.command: the first element (the program) must not be empty".into());
    }
    let telegram = raw.notify.telegram.map(|t| Telegram {
        chat_id: t.chat_id,
        token_file,
        api_base: t.api_base.unwrap_or_else(|| "https://api.telegram.org".into()),
    });
    if let Some(t) = &telegram {
        if t.chat_id.trim().is_empty() {
            errors.push("notify.telegram.chat_id: must not be empty".into());
        }
        if !(t.api_base.starts_with("http://") || t.api_base.starts_with("https://")) {
            errors.push(format!("notify.telegram.api_base: {:?} must start with https:// (or http://)", t.api_base));
        }
    }
    for (i, p) in raw.detect.extra_patterns.iter().enumerate() {
        if let Err(e) = regex::Regex::new(p) {
            let first = e.to_string().lines().last().unwrap_or("").trim().to_string();
            errors.push(format!("detect.extra_patterns[{i}]: {p:?} is not a valid regex ({first})"));
        }
    }

    // Only the user's own regexes: building the whole guard here would cost every command
    // (status runs in a status line) the compile of its built-in rules.
    for (key, list) in [("deny", &raw.guard.deny), ("allow", &raw.guard.allow)] {
        for (i, p) in list.iter().enumerate() {
            if let Err(e) = regex::Regex::new(p) {
                let first = e.to_string().lines().last().unwrap_or("").trim().to_string();
                errors.push(format!("guard.{key}[{i}]: {p:?} is not a valid regex ({first})"));
            }
        }
    }

    Some(Config {
        file: PathBuf::new(),
        claude_dir,
        claude_command: raw.claude_command.unwrap_or_else(|| "claude".into()),
        claude_args: raw.claude_args,
        primary,
        accounts,
        shared,
        swap,
        sessions,
        pool,
        notify: NotifyConfig { tmux: raw.notify.tmux.unwrap_or(true), command: raw.notify.command, telegram },
        extra_patterns: raw.detect.extra_patterns,
        guard: raw.guard,
    })
}

/// A commented starter config. `found` are existing account-like homes (`~/.claude-*`), used
/// for the accounts when there are at least two.
pub fn starter(found: &[(String, String)]) -> String {
    let accounts: Vec<(String, String)> = if found.len() >= 2 {
        found.to_vec()
    } else {
        vec![("main".into(), "~/.claude-main".into()), ("backup".into(), "~/.claude-backup".into())]
    };
    let mut s = String::from(
        "# claude-failover config. Every key is optional except [[accounts]]; defaults are shown.\n\
         # Docs: docs/CONFIGURATION.md, or `claude-failover --help`.\n\n\
         # The pointer flipped on every swap: a symlink to the active account's home.\n\
         claude_dir = \"~/.claude\"\n\
         claude_command = \"claude\"\n\
         claude_args = []                # e.g. [\"--dangerously-skip-permissions\"]\n",
    );
    let _ = writeln!(s, "primary = {:?}              # the account to return to after a reset\n", accounts[0].0);
    s.push_str("# Two or more Claude logins, in order of preference. Each home is that login's CLAUDE_CONFIG_DIR.\n");
    for (name, home) in &accounts {
        let _ = write!(s, "[[accounts]]\nname = {name:?}\nhome = {home:?}\n\n");
    }
    s.push_str(
        "# Directories every account shares, so `claude --resume <id>` works on any account.\n\
         [shared]\n\
         root = \"~/.claude-shared\"\n\
         dirs = [\"projects\", \"file-history\", \"session-env\"]\n\n\
         [swap]\n\
         cooldown = \"2m\"                # least time between two automatic swaps\n\
         return_to_primary = true\n\
         return_grace = \"5m\"            # go back at the primary's reset + this\n\
         fallback_reset = \"5h\"          # when a limit message carries no reset time\n\
         resume_prompt = \"continue\"     # typed into each resumed session; \"\" for none\n\
         resume_prompt_when = \"interrupted\"  # only into panes that were mid-turn; or \"always\", \"never\"\n\
         max_resumes = 3                 # a pane relaunched this often within resume_window is left alone\n\
         resume_window = \"30m\"\n\
         # switch_at_percent = 90        # move before the limit, at 90% of the 5-hour or weekly use\n\
         #                               # (off by default; needs 'claude-failover statusline --install')\n\n\
         # Named tmux sessions kept alive across swaps:\n\
         # [[sessions]]\n\
         # name = \"api\"\n\
         # project = \"~/src/api\"\n\n\
         [notify]\n\
         tmux = true                     # a message on every attached client\n\
         command = []                    # argv; the message is appended, e.g. [\"notify-send\", \"Claude\"]\n\
         # [notify.telegram]\n\
         # chat_id = \"123456\"\n\
         # token_file = \"~/.config/claude-failover/telegram.token\"\n\n\
         [detect]\n\
         extra_patterns = []             # regexes that also mean \"this account is exhausted\"\n\n\
         # The PreToolUse safety guard ('claude-failover install-hooks'): denies rm -rf of / or ~,\n\
         # force pushes to protected branches, curl|sh, other accounts' credentials …\n\
         [guard]\n\
         protected_branches = []         # added to main and master\n\
         deny = []                       # extra regexes (a command that matches is refused)\n\
         allow = []                      # regexes that are always allowed\n",
    );
    s
}

#[cfg(test)]
mod tests;
