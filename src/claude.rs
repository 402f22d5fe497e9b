//! Claude Code's on-disk layout under one config directory (`CLAUDE_CONFIG_DIR`): where transcripts
//! live, the live-session registry (`sessions/<pid>.json`), per-project trust in `.claude.json`,
//! the exit hint `claude --resume <uuid>` and the synthetic API-error lines of a transcript.
//! Everything here reads files that Claude Code owns and rewrites at will, so every reader treats
//! them as untrusted input. The invariant a newcomer could break: a session id only leaves this
//! module (towards a path, a tmux `send-keys` or a shell) after passing [`is_session_id`]; every
//! parser below enforces that, so do not add one that returns an unchecked id.

use anyhow::{Context, Result};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use std::fs;
use std::io::{ErrorKind, Read};
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

/// Claude Code truncates an encoded project directory name to this many characters and appends
/// `-<hash>` when the full encoding is longer.
pub const MAX_ENCODED_LEN: usize = 200;

/// Registry files are a few hundred bytes; anything far larger is not one of them.
const MAX_SESSION_FILE_BYTES: u64 = 1 << 20;

/// A synthetic API-error line is a few KiB at most; refusing giants keeps a pathological
/// transcript line from costing a full JSON parse.
const MAX_API_ERROR_LINE_BYTES: usize = 1 << 20;

/// Cheap pre-filter: Claude Code writes compact JSON, so a real API-error line contains this
/// exact byte sequence. Inside a JSON string the quotes would be escaped (`\"`), so quoted
/// transcripts or tool output containing the phrase do not match.
const API_ERROR_MARKER: &str = "\"isApiErrorMessage\":true";

const TRUST_KEY: &str = "hasTrustDialogAccepted";

/// Resolves symlinks so the name matches the one Claude Code derives from `realpath(cwd)`; a path
/// that cannot be resolved (deleted, no permission) is returned unchanged rather than failing.
pub fn canonical_cwd(cwd: &Path) -> PathBuf {
    fs::canonicalize(cwd).unwrap_or_else(|_| cwd.to_path_buf())
}

/// Name of the directory under `projects/` holding the transcripts of `cwd` (pass a canonical
/// path, see [`canonical_cwd`]).
///
/// Mirrors Claude Code's JavaScript `replace(/[^a-zA-Z0-9]/g, "-")`, which works on UTF-16 code
/// units: a character outside the BMP becomes two dashes. Names longer than
/// [`MAX_ENCODED_LEN`] get the first 200 characters, `-` and a hash. The hash computed here is the
/// one the npm (Node) build uses; the native (Bun) build and versions from 2.1.224 on use other
/// hashes, so readers must never rely on the suffix: use [`find_project_dir`], which matches
/// long names by their 200-character prefix.
pub fn project_dir_name(cwd: &Path) -> String {
    let s = cwd.to_string_lossy();
    let mut enc = String::with_capacity(s.len());
    for c in s.chars() {
        if c.is_ascii_alphanumeric() {
            enc.push(c);
        } else {
            for _ in 0..c.len_utf16() {
                enc.push('-');
            }
        }
    }
    if enc.len() <= MAX_ENCODED_LEN {
        return enc;
    }
    // `enc` is pure ASCII, so byte slicing cannot split a character.
    format!("{}-{}", &enc[..MAX_ENCODED_LEN], to_base36(js_path_hash(&s)))
}

/// `Math.abs(h)` of Claude Code's 32-bit `h = (h << 5) - h + charCodeAt(i) | 0` over UTF-16 units.
fn js_path_hash(s: &str) -> u64 {
    let mut h: i32 = 0;
    for unit in s.encode_utf16() {
        h = h.wrapping_shl(5).wrapping_sub(h).wrapping_add(i32::from(unit));
    }
    // JS numbers do not overflow on abs(i32::MIN), so widen first.
    i64::from(h).unsigned_abs()
}

fn to_base36(mut n: u64) -> String {
    const DIGITS: &[u8; 36] = b"0123456789abcdefghijklmnopqrstuvwxyz";
    let mut out = Vec::new();
    loop {
        out.push(DIGITS[(n % 36) as usize]);
        n /= 36;
        if n == 0 {
            break;
        }
    }
    out.reverse();
    String::from_utf8_lossy(&out).into_owned()
}

/// Existing project directories that may belong to `cwd`: the exact name first, then (for long
/// names only) every directory sharing the 200-character prefix, newest first.
fn project_dir_candidates(projects_root: &Path, cwd: &Path) -> Vec<PathBuf> {
    let name = project_dir_name(cwd);
    let exact = projects_root.join(&name);
    let mut out = Vec::new();
    if exact.is_dir() {
        out.push(exact.clone());
    }
    if name.len() <= MAX_ENCODED_LEN {
        return out;
    }
    let prefix = format!("{}-", &name[..MAX_ENCODED_LEN]);
    let Ok(entries) = fs::read_dir(projects_root) else {
        return out;
    };
    let mut long: Vec<(std::time::SystemTime, PathBuf)> = entries
        .flatten()
        .filter(|e| {
            let n = e.file_name();
            let n = n.to_string_lossy();
            n.len() > prefix.len() && n.starts_with(&prefix)
        })
        .map(|e| e.path())
        .filter(|p| p.is_dir() && *p != exact)
        .map(|p| {
            let mtime = fs::metadata(&p).and_then(|m| m.modified()).unwrap_or(std::time::UNIX_EPOCH);
            (mtime, p)
        })
        .collect();
    long.sort_by(|a, b| b.0.cmp(&a.0).then_with(|| a.1.cmp(&b.1)));
    out.extend(long.into_iter().map(|(_, p)| p));
    out
}

/// The existing project directory for `cwd` under `projects_root` (`$CONFIG_DIR/projects`).
///
/// Exact name first; for names longer than 200 characters, any directory whose name is the same
/// 200-character prefix plus `-<suffix>`, because the suffix depends on the Claude Code build.
/// Distinct long paths can share a prefix: then the most recently modified directory wins, and
/// callers that know a session id should use [`transcript_path`], which picks the directory that
/// actually holds it.
pub fn find_project_dir(projects_root: &Path, cwd: &Path) -> Option<PathBuf> {
    project_dir_candidates(projects_root, cwd).into_iter().next()
}

/// Where the transcript of `session_id` for `cwd` is, or would be, in `config_dir`.
///
/// Prefers a candidate directory that already holds the file, then [`find_project_dir`], then the
/// computed name. Gate `session_id` with [`is_session_id`] first: it becomes a file name.
pub fn transcript_path(config_dir: &Path, cwd: &Path, session_id: &str) -> PathBuf {
    let root = config_dir.join("projects");
    let file = format!("{session_id}.jsonl");
    let candidates = project_dir_candidates(&root, cwd);
    if let Some(dir) = candidates.iter().find(|d| d.join(&file).is_file()) {
        return dir.join(file);
    }
    match candidates.into_iter().next() {
        Some(dir) => dir.join(file),
        None => root.join(project_dir_name(cwd)).join(file),
    }
}

/// Whether `claude --resume <session_id>` run in `cwd` with this config dir would find the
/// conversation. An invalid id is never "found", so it cannot escape the projects directory.
pub fn transcript_exists(config_dir: &Path, cwd: &Path, session_id: &str) -> bool {
    is_session_id(session_id) && transcript_path(config_dir, cwd, session_id).is_file()
}

/// Canonical lowercase UUID (`xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx`, hex `0-9a-f`). This is the
/// only shape Claude Code uses for session ids, and the gate before an id reaches a shell, a
/// `send-keys` or a path: nothing else passes, not even uppercase hex.
pub fn is_session_id(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 36
        && b.iter().enumerate().all(|(i, &c)| match i {
            8 | 13 | 18 | 23 => c == b'-',
            _ => c.is_ascii_digit() || (b'a'..=b'f').contains(&c),
        })
}

/// The session id from the last resume hint in `text` (e.g. a captured pane after claude exited:
/// `"Resume this session with:\nclaude --resume <uuid>"`). 2.1.332 repeats the launch flags in
/// the hint (`claude --model sonnet --resume <uuid>`): see [`parse_resume_hint_args`], which
/// also returns them.
///
/// Only the last hint counts: an earlier one belongs to an older session, so when the last one
/// carries a title (`claude --resume "My title"`) or anything that is not a session id, the
/// answer is `None` rather than a stale id. Escape sequences (each line of the hint is dimmed
/// separately) and `\r` end a word.
pub fn parse_resume_hint(text: &str) -> Option<String> {
    parse_resume_hint_args(text).map(|(id, _)| id)
}

/// The last resume hint in `text`: its session id, and the words between `claude` and
/// `--resume` as argv words (split on whitespace, simple `"…"` / `'…'` quoting and `\` escapes
/// honoured), e.g. `claude --worktree "my tree" --resume <uuid>` → `(<uuid>, ["--worktree",
/// "my tree"])`. A hint is a line with a `claude` word (or a path ending in `/claude`) followed
/// by `--resume`, and nothing or a `-` flag right after `claude`; the id must pass
/// [`is_session_id`], or the answer is `None` (the last hint wins, as in [`parse_resume_hint`]).
///
/// The words are text from a screen, not checked beyond having no control characters: a caller
/// that puts them on a command line must quote each one (`tmux::shell_quote`).
pub fn parse_resume_hint_args(text: &str) -> Option<(String, Vec<String>)> {
    let (id, args) = text.split('\n').rev().find_map(|line| resume_hint_in_line(&plain_words(line)))??;
    Some((id, args))
}

/// `Some` when `line` holds a resume hint (the last one, if several): `Some(None)` when its id is
/// not a session id.
fn resume_hint_in_line(line: &str) -> Option<Option<(String, Vec<String>)>> {
    const CLAUDE: &str = "claude";
    let ends: Vec<usize> = line
        .match_indices(CLAUDE)
        .filter(|&(i, _)| {
            let before = line[..i].chars().next_back();
            let after = line[i + CLAUDE.len()..].chars().next();
            before.is_none_or(|c| c.is_whitespace() || c == '/') && after.is_some_and(char::is_whitespace)
        })
        .map(|(i, _)| i + CLAUDE.len())
        .collect();
    ends.iter().rev().find_map(|&end| {
        let words = argv_words(&line[end..]);
        let at = words.iter().position(|w| w == "--resume")?;
        let flags = &words[..at];
        if flags.first().is_some_and(|w| !w.starts_with('-')) {
            return None; // "… claude with --resume …": prose, not a command
        }
        Some(words.get(at + 1).filter(|id| is_session_id(id)).map(|id| (id.clone(), flags.to_vec())))
    })
}

/// `line` with every escape sequence and control character (`\r` included) turned into a space.
fn plain_words(line: &str) -> String {
    let mut out = String::with_capacity(line.len());
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\x1b' && chars.peek() == Some(&'[') {
            chars.next();
            // Parameters and intermediates up to the final byte.
            for c in chars.by_ref() {
                if ('@'..='~').contains(&c) {
                    break;
                }
            }
        }
        out.push(if c.is_control() { ' ' } else { c });
    }
    out
}

/// Shell-like words: whitespace separates, `'…'` is literal, `"…"` allows `\"` `\\` `\$` `` \` ``,
/// and `\` outside quotes escapes the next character. An unterminated quote ends the words
/// before the word it opens.
fn argv_words(s: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut word: Option<String> = None;
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        match c {
            c if c.is_whitespace() => words.extend(word.take()),
            '\'' => {
                let w = word.get_or_insert_with(String::new);
                loop {
                    match chars.next() {
                        Some('\'') => break,
                        Some(c) => w.push(c),
                        None => return words,
                    }
                }
            }
            '"' => {
                let w = word.get_or_insert_with(String::new);
                loop {
                    match chars.next() {
                        Some('"') => break,
                        Some('\\') => match chars.next() {
                            Some(c @ ('"' | '\\' | '$' | '`')) => w.push(c),
                            Some(c) => w.extend(['\\', c]),
                            None => return words,
                        },
                        Some(c) => w.push(c),
                        None => return words,
                    }
                }
            }
            '\\' => word.get_or_insert_with(String::new).extend(chars.next()),
            c => word.get_or_insert_with(String::new).push(c),
        }
    }
    words.extend(word);
    words
}

/// One entry of Claude Code's live registry, `$CONFIG_DIR/sessions/<pid>.json`, written when an
/// interactive claude starts, updated on `/resume`, removed on clean exit. A crash leaves the file
/// behind and pids get reused: check the pid is a live claude (see `procs`) before trusting it.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
pub struct LiveSession {
    pub pid: u32,
    #[serde(rename = "sessionId")]
    pub session_id: String,
    pub cwd: PathBuf,
    #[serde(rename = "startedAt", default)]
    pub started_at: Option<serde_json::Value>,
    #[serde(default)]
    pub kind: Option<String>,
    #[serde(default)]
    pub entrypoint: Option<String>,
    #[serde(default)]
    pub status: Option<String>,
    /// 2.1.332+: the process start time (`/proc/<pid>/stat` field 22), as a string.
    #[serde(rename = "procStart", default)]
    pub proc_start: Option<String>,
    /// 2.1.332+: the tmux pane claude runs in, `"session:@window.%pane"`.
    #[serde(default)]
    pub tmux: Option<String>,
}

impl LiveSession {
    /// Whether this entry belongs to a process alive now: its pid runs, and (2.1.332+) started
    /// when the entry says. A claude whose config dir link was re-pointed while it ran removes
    /// its entry from the new target on exit and leaves this one behind; pids get reused.
    pub fn is_current(&self) -> bool {
        if !crate::procs::is_alive(self.pid) {
            return false;
        }
        match self.proc_start.as_deref().map(str::parse::<u64>) {
            Some(Ok(recorded)) => crate::procs::start_time(self.pid) == Some(recorded),
            _ => true,
        }
    }

    /// The tmux pane id the entry names (`%3` of `"w:@0.%3"`), when it is a valid one.
    pub fn pane(&self) -> Option<&str> {
        let p = self.tmux.as_deref()?.rsplit_once('.')?.1;
        crate::tmux::valid_pane_id(p).then_some(p)
    }
}

fn read_capped(path: &Path, cap: u64) -> Option<Vec<u8>> {
    let f = fs::File::open(path).ok()?;
    let mut buf = Vec::new();
    // Read one byte past the cap to tell "exactly at the cap" from "too big".
    f.take(cap + 1).read_to_end(&mut buf).ok()?;
    (buf.len() as u64 <= cap).then_some(buf)
}

/// The registry entry of `pid`, or `None` when it is missing, unreadable, corrupt, names another
/// pid, or carries a session id that fails [`is_session_id`].
pub fn read_live_session(config_dir: &Path, pid: u32) -> Option<LiveSession> {
    let path = config_dir.join("sessions").join(format!("{pid}.json"));
    let bytes = read_capped(&path, MAX_SESSION_FILE_BYTES)?;
    let s: LiveSession = serde_json::from_slice(&bytes).ok()?;
    (s.pid == pid && is_session_id(&s.session_id)).then_some(s)
}

/// Every valid registry entry in `config_dir`, sorted by pid. Files that are not `<pid>.json` or
/// do not parse are skipped silently: Claude Code may be halfway through writing one.
pub fn live_sessions(config_dir: &Path) -> Vec<LiveSession> {
    let Ok(entries) = fs::read_dir(config_dir.join("sessions")) else {
        return Vec::new();
    };
    let mut out: Vec<LiveSession> = entries
        .flatten()
        .filter_map(|e| {
            let name = e.file_name();
            let pid = name.to_str()?.strip_suffix(".json")?.parse::<u32>().ok()?;
            read_live_session(config_dir, pid)
        })
        .collect();
    out.sort_by_key(|s| s.pid);
    out
}

/// `.claude.json` of an explicit config dir. Without `CLAUDE_CONFIG_DIR` Claude Code reads
/// `~/.claude.json` instead, which is why panes must be launched with the variable set.
pub fn claude_json_path(config_dir: &Path) -> PathBuf {
    config_dir.join(".claude.json")
}

/// Whether `projects[<cwd>].hasTrustDialogAccepted` is `true` in this config dir's
/// `.claude.json`. Any problem reading it counts as "not trusted", which only costs a
/// [`set_trusted`] call.
pub fn is_trusted(config_dir: &Path, cwd: &Path) -> bool {
    is_trusted_in(&claude_json_path(config_dir), cwd)
}

/// [`is_trusted`] for a given `.claude.json` file (`$HOME/.claude.json` for a plain `claude`).
pub fn is_trusted_in(claude_json: &Path, cwd: &Path) -> bool {
    let Some(key) = cwd.to_str() else {
        return false;
    };
    read_json(claude_json).is_some_and(|root| {
        root.get("projects").and_then(|p| p.get(key)).and_then(|e| e.get(TRUST_KEY)) == Some(&Value::Bool(true))
    })
}

fn read_json(path: &Path) -> Option<Value> {
    serde_json::from_slice(&fs::read(path).ok()?).ok()
}

/// `.claude.json` of a claude started without `CLAUDE_CONFIG_DIR`: in `$HOME`, not in `~/.claude`.
pub fn home_claude_json() -> Option<PathBuf> {
    std::env::var_os("HOME").filter(|h| !h.is_empty()).map(|h| PathBuf::from(h).join(".claude.json"))
}

/// Whether this config dir accepted the Bypass Permissions dialog once
/// (`skipDangerousModePermissionPrompt` in its `settings.json`).
pub fn bypass_accepted(config_dir: &Path) -> bool {
    read_json(&config_dir.join("settings.json")).and_then(|v| v.get(BYPASS_KEY).cloned()) == Some(Value::Bool(true))
}

/// Records the Bypass Permissions acceptance in this config dir's `settings.json`, every other
/// key kept (same rules as [`set_trusted`]). Returns whether the file changed.
pub fn set_bypass_accepted(config_dir: &Path) -> Result<bool> {
    edit_json(&config_dir.join("settings.json"), |root| {
        let obj = root
            .as_object_mut()
            .context("the top level is not a JSON object; repair the file by hand, nothing was written")?;
        if obj.get(BYPASS_KEY) == Some(&Value::Bool(true)) {
            return Ok(false);
        }
        obj.insert(BYPASS_KEY.to_string(), Value::Bool(true));
        Ok(true)
    })
}

const BYPASS_KEY: &str = "skipDangerousModePermissionPrompt";

/// Marks `cwd` as trusted in this config dir's `.claude.json` so a resumed claude does not stop at
/// "Do you trust the files in this folder?". Returns whether the file changed.
///
/// Every other key keeps its value and position (serde_json `preserve_order`); the file is written
/// atomically with its existing permission bits (0600 when created) and in Claude Code's own
/// 2-space layout. A symlinked `.claude.json` is written through, not replaced. Invalid JSON or an
/// unexpected shape is an error and nothing is written; an empty file counts as `{}`.
///
/// Claude Code rewrites this file from memory, so call this before starting claude with this
/// config dir, not while one runs there.
pub fn set_trusted(config_dir: &Path, cwd: &Path) -> Result<bool> {
    let file = claude_json_path(config_dir);
    let key = cwd.to_str().with_context(|| {
        format!(
            "{} is not valid UTF-8, so it cannot be a key in {}; run claude from a UTF-8 path",
            cwd.display(),
            file.display()
        )
    })?;
    edit_json(&file, |root| {
        let shape_error =
            |what: &str| format!("{what} is not a JSON object; repair the file by hand, nothing was written");
        let top = root.as_object_mut().with_context(|| shape_error("the top level"))?;
        let projects = top
            .entry("projects")
            .or_insert_with(|| Value::Object(Map::new()))
            .as_object_mut()
            .with_context(|| shape_error("\"projects\""))?;
        let entry = projects
            .entry(key)
            .or_insert_with(|| Value::Object(Map::new()))
            .as_object_mut()
            .with_context(|| shape_error(&format!("\"projects\".\"{key}\"")))?;
        if entry.get(TRUST_KEY) == Some(&Value::Bool(true)) {
            return Ok(false);
        }
        entry.insert(TRUST_KEY.to_string(), Value::Bool(true));
        Ok(true)
    })
}

/// Read-modify-write of one of Claude's JSON files: `change` edits the parsed value and says
/// whether it changed it; only then is the file written, atomically, in Claude's 2-space layout,
/// with its permission bits (0600 when created). A symlink is written through, not replaced.
fn edit_json(link: &Path, change: impl FnOnce(&mut Value) -> Result<bool>) -> Result<bool> {
    let path = match fs::symlink_metadata(link) {
        Ok(m) if m.file_type().is_symlink() => fs::canonicalize(link)
            .with_context(|| format!("resolving symlink {}; fix or remove the dangling link", link.display()))?,
        _ => link.to_path_buf(),
    };
    let (mut root, mode, trailing_newline) = match fs::read(&path) {
        Ok(bytes) => {
            let mode = fs::metadata(&path)
                .with_context(|| format!("reading permissions of {}", path.display()))?
                .permissions()
                .mode()
                & 0o7777;
            let root = if bytes.iter().all(u8::is_ascii_whitespace) {
                Value::Object(Map::new())
            } else {
                serde_json::from_slice(&bytes).with_context(|| {
                    format!(
                        "{} is not valid JSON; repair it (or start claude with this config dir \
                         once) and retry",
                        path.display()
                    )
                })?
            };
            (root, mode, bytes.ends_with(b"\n"))
        }
        Err(e) if e.kind() == ErrorKind::NotFound => (Value::Object(Map::new()), 0o600, false),
        Err(e) => {
            return Err(e).with_context(|| format!("reading {}; check its permissions", path.display()));
        }
    };
    if !change(&mut root).with_context(|| format!("editing {}", path.display()))? {
        return Ok(false);
    }
    let mut out = serde_json::to_vec_pretty(&root).with_context(|| format!("serialising {}", path.display()))?;
    if trailing_newline {
        out.push(b'\n');
    }
    crate::atomic::write_atomic(&path, &out, mode)
        .with_context(|| format!("writing {}; check that the config dir exists and is writable", path.display()))?;
    Ok(true)
}

/// A synthetic assistant line Claude Code appends to a transcript when an API call fails.
/// `text` is what the user saw; classify by it, not by the `error` field (older builds tagged
/// 529 overloads as `rate_limit` too).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiError {
    pub session_id: String,
    pub cwd: Option<PathBuf>,
    pub text: String,
    pub timestamp: Option<String>,
    pub uuid: Option<String>,
    /// 2.1.332+: `apiError` (`"usage_limit_reached"` for a quota 429).
    pub api_error: Option<String>,
    /// 2.1.332+: the exact reset, `apiErrorParams.rate_limit_info.resetsAt` (epoch seconds).
    pub resets_at: Option<i64>,
    /// 2.1.332+: the claim, `apiErrorParams.rate_limit_info.rateLimitType` (`five_hour`,
    /// `seven_day`, `seven_day_opus`, …).
    pub limit_type: Option<String>,
}

impl ApiError {
    /// Whether the structured fields say this is a subscription quota, whatever the text reads.
    pub fn is_usage_limit(&self) -> bool {
        self.api_error.as_deref() == Some("usage_limit_reached")
    }

    /// Our limit name for the claim (`five_hour` → `session`, `seven_day_opus` → `opus`, …);
    /// an unknown claim keeps its own name.
    pub fn limit_name(&self) -> Option<String> {
        let t = self.limit_type.as_deref()?;
        Some(
            match t {
                "five_hour" => "session",
                "seven_day" => "weekly",
                "seven_day_opus" => "opus",
                "seven_day_sonnet" => "sonnet",
                "seven_day_overage_included" => "fable",
                "overage" => "credit",
                other => other,
            }
            .to_string(),
        )
    }
}

/// Parses one transcript line; `Some` only for an assistant line with `isApiErrorMessage: true`
/// and a valid session id. Text blocks are joined with `\n` (a limit message split over blocks
/// then reads like one split over lines). Ordinary lines are rejected by a substring check before
/// any JSON parsing, so calling this on every line of a growing transcript is cheap.
pub fn parse_transcript_line(line: &str) -> Option<ApiError> {
    if line.len() > MAX_API_ERROR_LINE_BYTES || !line.contains(API_ERROR_MARKER) {
        return None;
    }
    let v: Value = serde_json::from_str(line).ok()?;
    if v.get("type")?.as_str()? != "assistant" || v.get("isApiErrorMessage")? != &Value::Bool(true) {
        return None;
    }
    let session_id = v.get("sessionId")?.as_str()?;
    if !is_session_id(session_id) {
        return None;
    }
    let str_field = |k: &str| v.get(k).and_then(Value::as_str).map(str::to_string);
    let text = match v.get("message").and_then(|m| m.get("content")) {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Array(blocks)) => blocks
            .iter()
            .filter(|b| b.get("type").and_then(Value::as_str) == Some("text"))
            .filter_map(|b| b.get("text").and_then(Value::as_str))
            .collect::<Vec<_>>()
            .join("\n"),
        _ => String::new(),
    };
    let info = v.pointer("/apiErrorParams/rate_limit_info").or_else(|| v.get("quotaLimits"));
    Some(ApiError {
        session_id: session_id.to_string(),
        cwd: str_field("cwd").map(PathBuf::from),
        text,
        timestamp: str_field("timestamp"),
        uuid: str_field("uuid"),
        api_error: str_field("apiError"),
        resets_at: info.and_then(|i| i.get("resetsAt")).and_then(Value::as_i64),
        limit_type: info.and_then(|i| i.get("rateLimitType")).and_then(Value::as_str).map(str::to_string),
    })
}

/// The transcript of `session_id`, wherever it is under `config_dir/projects`: the `cwd`'s own
/// directory first, then any other (2.1.332 resumes a session from another cwd and keeps
/// appending to the file where it began).
pub fn find_transcript(config_dir: &Path, cwd: &Path, session_id: &str) -> Option<PathBuf> {
    if !is_session_id(session_id) {
        return None;
    }
    let p = transcript_path(config_dir, cwd, session_id);
    if p.is_file() {
        return Some(p);
    }
    let file = format!("{session_id}.jsonl");
    fs::read_dir(config_dir.join("projects")).ok()?.flatten().map(|e| e.path().join(&file)).find(|p| p.is_file())
}

/// The text of a transcript `user` line typed by a person (`message.content` a string, or its
/// text blocks); `None` for other lines (tool results, meta lines, assistant lines).
fn typed_prompt(line: &str) -> Option<String> {
    if !line.contains("\"type\":\"user\"") {
        return None;
    }
    let v: Value = serde_json::from_str(line).ok()?;
    if v.get("type")?.as_str()? != "user" || v.get("isMeta") == Some(&Value::Bool(true)) {
        return None;
    }
    match v.get("message")?.get("content")? {
        Value::String(s) => Some(s.clone()),
        Value::Array(blocks) => {
            let texts: Vec<&str> = blocks
                .iter()
                .filter(|b| b.get("type").and_then(Value::as_str) == Some("text"))
                .filter_map(|b| b.get("text").and_then(Value::as_str))
                .collect();
            (!texts.is_empty()).then(|| texts.join("\n"))
        }
        _ => None,
    }
}

/// Whether a prompt reading `text` reached the transcript at `path` after byte `offset`: the
/// proof that claude took what was typed (it writes the user line as it sends the request).
pub fn prompt_taken_since(path: &Path, offset: u64, text: &str) -> bool {
    let Ok(mut f) = fs::File::open(path) else { return false };
    if std::io::Seek::seek(&mut f, std::io::SeekFrom::Start(offset)).is_err() {
        return false;
    }
    let mut buf = Vec::new();
    // A user line is small; an attachment line can be large: cap what one check reads.
    if f.take(64 << 20).read_to_end(&mut buf).is_err() {
        return false;
    }
    String::from_utf8_lossy(&buf).lines().any(|l| typed_prompt(l).is_some_and(|t| t.trim() == text.trim()))
}

/// The last prompt a person typed in the transcript at `path`, if any.
pub fn last_typed_prompt(path: &Path) -> Option<String> {
    let text = fs::read_to_string(path).ok()?;
    text.lines().rev().find_map(typed_prompt)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::MetadataExt;

    const SID: &str = "0b5e7c1a-3f2d-4e8b-9a6c-1d2e3f4a5b6c";
    const SID2: &str = "ffffffff-0000-4000-8000-123456789abc";

    fn long_path() -> PathBuf {
        PathBuf::from(format!("/home/u/{}é😀end", "very_long.dir/".repeat(20)))
    }

    #[test]
    fn project_dir_name_matches_claude_code() {
        assert_eq!(project_dir_name(Path::new("/home/u/my_app.v2")), "-home-u-my-app-v2");
        // One dash per UTF-16 unit: é is one, the emoji two (value from Claude Code's JS).
        assert_eq!(project_dir_name(Path::new("/tmp/é😀x")), "-tmp----x");
        // Reference computed with Claude Code's own function under Node.
        let expected = format!("-home-u-{}very-long--vpydeu", "very-long-dir-".repeat(13));
        assert_eq!(project_dir_name(&long_path()), expected);
        assert_eq!(to_base36(0), "0");
        assert_eq!(to_base36(35), "z");
        assert_eq!(to_base36(36), "10");
    }

    #[test]
    fn canonical_cwd_resolves_symlinks_and_falls_back() -> Result<()> {
        let d = tempfile::tempdir()?;
        let real = d.path().join("real");
        fs::create_dir(&real)?;
        let link = d.path().join("link");
        std::os::unix::fs::symlink(&real, &link)?;
        assert_eq!(canonical_cwd(&link), fs::canonicalize(&real)?);
        let missing = d.path().join("missing");
        assert_eq!(canonical_cwd(&missing), missing);
        Ok(())
    }

    #[test]
    fn find_project_dir_exact_and_prefix() -> Result<()> {
        let d = tempfile::tempdir()?;
        let root = d.path();
        let short = Path::new("/home/u/app");
        assert_eq!(find_project_dir(root, short), None);
        fs::create_dir(root.join("-home-u-app"))?;
        assert_eq!(find_project_dir(root, short), Some(root.join("-home-u-app")));
        // A short name never matches by prefix.
        fs::create_dir(root.join("-home-u-app2"))?;
        assert_eq!(find_project_dir(root, Path::new("/home/u/ap")), None, "short names must match exactly");

        let long = long_path();
        let name = project_dir_name(&long);
        let other_build = format!("{}-someotherhash", &name[..MAX_ENCODED_LEN]);
        fs::create_dir(root.join(&other_build))?;
        assert_eq!(find_project_dir(root, &long), Some(root.join(&other_build)));
        // The bare prefix without a suffix is not a match.
        assert!(!project_dir_candidates(root, &long).contains(&root.join(&name[..MAX_ENCODED_LEN])));
        fs::create_dir(root.join(&name))?;
        assert_eq!(find_project_dir(root, &long), Some(root.join(&name)));
        Ok(())
    }

    #[test]
    fn transcript_path_prefers_dir_holding_the_session() -> Result<()> {
        let d = tempfile::tempdir()?;
        let cfg = d.path();
        let projects = cfg.join("projects");
        let long = long_path();
        let name = project_dir_name(&long);
        let a = projects.join(format!("{}-aaa", &name[..MAX_ENCODED_LEN]));
        let b = projects.join(format!("{}-bbb", &name[..MAX_ENCODED_LEN]));
        fs::create_dir_all(&a)?;
        fs::create_dir_all(&b)?;
        fs::write(b.join(format!("{SID}.jsonl")), "{}\n")?;
        assert_eq!(transcript_path(cfg, &long, SID), b.join(format!("{SID}.jsonl")));
        assert!(transcript_exists(cfg, &long, SID));
        assert!(!transcript_exists(cfg, &long, SID2));

        let short = Path::new("/srv/x");
        assert_eq!(transcript_path(cfg, short, SID), projects.join("-srv-x").join(format!("{SID}.jsonl")));
        assert!(!transcript_exists(cfg, short, SID));
        fs::create_dir_all(projects.join("-srv-x"))?;
        fs::write(projects.join("-srv-x").join(format!("{SID}.jsonl")), "")?;
        assert!(transcript_exists(cfg, short, SID));
        // Invalid ids are never found, even if a matching file exists.
        fs::write(projects.join("-srv-x").join("x.jsonl"), "")?;
        assert!(!transcript_exists(cfg, short, "x"));
        assert!(!transcript_exists(cfg, short, "../../-srv-x/x"));
        Ok(())
    }

    #[test]
    fn session_id_gate() {
        assert!(is_session_id(SID));
        assert!(is_session_id(SID2));
        for bad in [
            "",
            "0B5E7C1A-3F2D-4E8B-9A6C-1D2E3F4A5B6C",
            "0b5e7c1a3f2d4e8b9a6c1d2e3f4a5b6c",
            "0b5e7c1a-3f2d-4e8b-9a6c-1d2e3f4a5b6",
            "0b5e7c1a-3f2d-4e8b-9a6c-1d2e3f4a5b6c0",
            "0b5e7c1a-3f2d-4e8b-9a6c-1d2e3f4a5b6g",
            "0b5e7c1a_3f2d-4e8b-9a6c-1d2e3f4a5b6c",
            " 0b5e7c1a-3f2d-4e8b-9a6c-1d2e3f4a5b6",
            "0b5e7c1a-3f2d-4e8b-9a6c-1d2e3f4a5b6c\n",
            "$(touch /tmp/pwned)aaaaaaaaaaaaaaaaa",
            "0b5e7c1a-3f2d-4e8b-9a6c-1d2e3f4a5b6é",
        ] {
            assert!(!is_session_id(bad), "{bad:?}");
        }
    }

    #[test]
    fn resume_hint() {
        let text = format!("bye\n\nResume this session with:\nclaude --resume {SID}\n$ ");
        assert_eq!(parse_resume_hint(&text), Some(SID.to_string()));
        let dimmed = format!("\x1b[2mclaude --resume {SID}\x1b[22m\r\n");
        assert_eq!(parse_resume_hint(&dimmed), Some(SID.to_string()));
        let two = format!("claude --resume {SID}\n...\nclaude --resume {SID2}\n");
        assert_eq!(parse_resume_hint(&two), Some(SID2.to_string()));
        // The last hint wins even when it is not an id: the earlier one is a stale session.
        let titled = format!("claude --resume {SID}\nclaude --resume \"My title\"\n");
        assert_eq!(parse_resume_hint(&titled), None);
        assert_eq!(parse_resume_hint("claude --resume $(touch /tmp/pwned)"), None);
        assert_eq!(parse_resume_hint("claude --resume \"My title\""), None);
        assert_eq!(parse_resume_hint(&format!("claude --resume {SID}x")), None);
        assert_eq!(parse_resume_hint(&format!("claude --resume{SID}")), None);
        assert_eq!(parse_resume_hint(&format!("claude --resume {SID};rm -rf ~")), None);
        assert_eq!(parse_resume_hint("claude --resume"), None);
        assert_eq!(parse_resume_hint("nothing here"), None);
    }

    /// 2.1.332's exit hint: each line dimmed on its own, `\r\n`, launch flags repeated.
    #[test]
    fn resume_hint_2_1_332() {
        let id = "3899ab66-52a7-446f-bfe6-58aabc275696";
        let args = |a: &[&str]| a.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        // The exact bytes after leaving the alternate screen.
        let raw = format!(
            "\x1b[?1049l\x1b[2m\x1b[22m\r\n\x1b[2mResume this session with:\x1b[22m\r\n\x1b[2mclaude --resume {id}\x1b[22m\r\n\x1b[2m\x1b[22m"
        );
        assert_eq!(parse_resume_hint(&raw).as_deref(), Some(id));
        assert_eq!(parse_resume_hint_args(&raw), Some((id.to_string(), vec![])));
        // As a capture shows it, escapes stripped, and each form of the hint.
        for (hint, flags) in [
            (format!("claude --resume {SID}"), args(&[])),
            (format!("claude --model sonnet --resume {SID}"), args(&["--model", "sonnet"])),
            (
                format!("claude --dangerously-skip-permissions --resume {SID}"),
                args(&["--dangerously-skip-permissions"]),
            ),
            (format!("claude --worktree \"feature-x\" --resume {SID}"), args(&["--worktree", "feature-x"])),
            (format!("claude --worktree \"my tree\" --resume {SID}"), args(&["--worktree", "my tree"])),
            (format!("claude --worktree 'it''s' --resume {SID}"), args(&["--worktree", "its"])),
            (format!("claude --worktree \"say \\\"hi\\\"\" --resume {SID}"), args(&["--worktree", "say \"hi\""])),
            (
                format!("claude --model=opus --add-dir /tmp/a\\ b --resume {SID}"),
                args(&["--model=opus", "--add-dir", "/tmp/a b"]),
            ),
            (format!("/usr/local/bin/claude --model sonnet --resume {SID}"), args(&["--model", "sonnet"])),
        ] {
            let plain = format!("\r\nResume this session with:\r\n{hint}\r\n\r\n$ ");
            let dimmed =
                format!("\x1b[2m\x1b[22m\r\n\x1b[2mResume this session with:\x1b[22m\r\n\x1b[2m{hint}\x1b[22m\r\n");
            for text in [plain, dimmed, hint.clone()] {
                assert_eq!(parse_resume_hint(&text).as_deref(), Some(SID), "{text:?}");
                assert_eq!(parse_resume_hint_args(&text), Some((SID.to_string(), flags.clone())), "{text:?}");
            }
        }
        // The last hint wins, flags and all.
        let two = format!("claude --model sonnet --resume {SID}\r\n$ claude\r\n…\r\nclaude --resume {SID2}\r\n");
        assert_eq!(parse_resume_hint_args(&two), Some((SID2.to_string(), vec![])));
        let two = format!("claude --resume {SID}\r\n…\r\nclaude --model opus --resume {SID2}\r\n");
        assert_eq!(parse_resume_hint_args(&two), Some((SID2.to_string(), args(&["--model", "opus"]))));
        let stale = format!("claude --model sonnet --resume {SID}\r\nclaude --model sonnet --resume \"My title\"\r\n");
        assert_eq!(parse_resume_hint(&stale), None);
        assert_eq!(parse_resume_hint_args(&stale), None);
        // Not hints: prose, another command, `--cloud`, an unterminated quote, a bad id.
        for text in [
            format!("I ran claude with --resume {SID}"),
            format!("claudex --resume {SID}"),
            format!("my-claude --resume {SID}"),
            format!("claude --cloud {SID}"),
            format!("claude --worktree \"oops --resume {SID}"),
            format!("claude --model sonnet --resume {SID}x"),
            format!("claude --model sonnet --resume {SID};rm -rf ~"),
            "claude --model sonnet --resume $(touch /tmp/pwned)".to_string(),
            "claude --model sonnet --resume".to_string(),
        ] {
            assert_eq!(parse_resume_hint_args(&text), None, "{text:?}");
            assert_eq!(parse_resume_hint(&text), None, "{text:?}");
        }
        // The flags are screen text: returned as words (never run), for the caller to quote.
        let odd = format!("claude --model \"$(touch /tmp/x)\" --resume {SID}");
        assert_eq!(parse_resume_hint_args(&odd), Some((SID.to_string(), args(&["--model", "$(touch /tmp/x)"]))));
    }

    #[test]
    fn live_session_registry() -> Result<()> {
        let d = tempfile::tempdir()?;
        let cfg = d.path();
        let sessions = cfg.join("sessions");
        assert!(live_sessions(cfg).is_empty());
        fs::create_dir(&sessions)?;
        fs::write(
            sessions.join("4242.json"),
            format!(
                r#"{{"pid":4242,"sessionId":"{SID}","cwd":"/home/u/app","startedAt":1760000000000,"kind":"interactive","entrypoint":"cli","status":"idle","future":1}}"#
            ),
        )?;
        fs::write(sessions.join("7.json"), format!(r#"{{"pid":7,"sessionId":"{SID2}","cwd":"/srv"}}"#))?;
        fs::write(sessions.join("8.json"), "{not json")?;
        fs::write(sessions.join("9.json"), r#"{"pid":9,"sessionId":"$(touch /tmp/pwned)","cwd":"/"}"#)?;
        fs::write(sessions.join("10.json"), format!(r#"{{"pid":11,"sessionId":"{SID}","cwd":"/"}}"#))?;
        fs::write(sessions.join("notes.txt"), "junk")?;
        fs::write(sessions.join("abc.json"), "{}")?;
        fs::create_dir(sessions.join("12.json"))?;

        let s = read_live_session(cfg, 4242).context("4242 should parse")?;
        assert_eq!(s.session_id, SID);
        assert_eq!(s.cwd, PathBuf::from("/home/u/app"));
        assert_eq!(s.status.as_deref(), Some("idle"));
        assert_eq!(s.started_at, Some(serde_json::json!(1760000000000u64)));
        assert_eq!(read_live_session(cfg, 8), None);
        assert_eq!(read_live_session(cfg, 9), None);
        assert_eq!(read_live_session(cfg, 10), None);
        assert_eq!(read_live_session(cfg, 12), None);
        assert_eq!(read_live_session(cfg, 13), None);

        let all: Vec<u32> = live_sessions(cfg).iter().map(|s| s.pid).collect();
        assert_eq!(all, vec![7, 4242]);
        Ok(())
    }

    fn write_mode(path: &Path, data: &str, mode: u32) -> Result<()> {
        fs::write(path, data)?;
        fs::set_permissions(path, fs::Permissions::from_mode(mode))?;
        Ok(())
    }

    #[test]
    fn set_trusted_preserves_everything_else() -> Result<()> {
        let d = tempfile::tempdir()?;
        let cfg = d.path();
        let path = claude_json_path(cfg);
        let original = r#"{
  "numStartups": 12,
  "oauthAccount": {"emailAddress": "a@example.com", "organizationUuid": "x"},
  "zeta": [1, 2.5, {"b": null, "a": "é"}],
  "projects": {
    "/other": {"allowedTools": [], "hasTrustDialogAccepted": true},
    "/home/u/app": {"zLast": 1, "hasTrustDialogAccepted": false, "aFirst": {"deep": [true]}}
  },
  "alpha": "kept after projects"
}
"#;
        write_mode(&path, original, 0o640)?;
        let cwd = Path::new("/home/u/app");
        assert!(!is_trusted(cfg, cwd));
        assert!(set_trusted(cfg, cwd)?);
        assert!(is_trusted(cfg, cwd));

        let before: Value = serde_json::from_str(original)?;
        let after_text = fs::read_to_string(&path)?;
        let after: Value = serde_json::from_str(&after_text)?;
        let mut expected = before.clone();
        expected["projects"]["/home/u/app"][TRUST_KEY] = Value::Bool(true);
        assert_eq!(after, expected);
        // Key order is kept at every level, including the changed entry.
        let keys =
            |v: &Value| -> Vec<String> { v.as_object().map(|m| m.keys().cloned().collect()).unwrap_or_default() };
        assert_eq!(keys(&after), keys(&before));
        assert_eq!(keys(&after["projects"]["/home/u/app"]), vec!["zLast", TRUST_KEY, "aFirst"]);
        assert_eq!(keys(&after["zeta"][2]), vec!["b", "a"]);
        assert!(after_text.ends_with("}\n"));
        assert_eq!(fs::metadata(&path)?.permissions().mode() & 0o7777, 0o640, "permissions must be kept");
        Ok(())
    }

    #[test]
    fn set_trusted_is_idempotent() -> Result<()> {
        let d = tempfile::tempdir()?;
        let cfg = d.path();
        let cwd = Path::new("/w");
        assert!(set_trusted(cfg, cwd)?);
        let path = claude_json_path(cfg);
        let m1 = fs::metadata(&path)?;
        assert_eq!(m1.permissions().mode() & 0o7777, 0o600);
        let bytes = fs::read(&path)?;
        assert!(!set_trusted(cfg, cwd)?);
        let m2 = fs::metadata(&path)?;
        assert_eq!(m1.ino(), m2.ino(), "an unchanged file must not be rewritten");
        assert_eq!(m1.mtime_nsec(), m2.mtime_nsec());
        assert_eq!(fs::read(&path)?, bytes);
        // A second project is added next to the first.
        assert!(set_trusted(cfg, Path::new("/v"))?);
        assert!(is_trusted(cfg, cwd) && is_trusted(cfg, Path::new("/v")));
        Ok(())
    }

    #[test]
    fn set_trusted_refuses_broken_files() -> Result<()> {
        let d = tempfile::tempdir()?;
        let cfg = d.path();
        let path = claude_json_path(cfg);
        let cwd = Path::new("/w");
        for broken in
            ["{\"projects\": {", "[1, 2]", "{\"projects\": []}", "{\"projects\": {\"/w\": \"yes\"}}", "\u{feff}{}"]
        {
            write_mode(&path, broken, 0o600)?;
            let err = match set_trusted(cfg, cwd) {
                Ok(changed) => anyhow::bail!("{broken:?} accepted (changed={changed})"),
                Err(e) => format!("{e:#}"),
            };
            assert!(err.contains(".claude.json"), "error must name the file: {err}");
            assert_eq!(fs::read_to_string(&path)?, broken, "file must be untouched");
            assert!(!is_trusted(cfg, cwd));
        }
        assert_eq!(fs::read_dir(cfg)?.count(), 1, "no temp files left behind");
        Ok(())
    }

    #[test]
    fn set_trusted_edge_cases() -> Result<()> {
        let d = tempfile::tempdir()?;
        let cfg = d.path();
        let path = claude_json_path(cfg);
        // Empty file: nothing to lose, treat as {}.
        write_mode(&path, "", 0o644)?;
        assert!(set_trusted(cfg, Path::new("/w"))?);
        assert_eq!(fs::metadata(&path)?.permissions().mode() & 0o7777, 0o644);
        // A symlinked .claude.json is written through and stays a symlink.
        let real = d.path().join("shared.json");
        fs::rename(&path, &real)?;
        std::os::unix::fs::symlink(&real, &path)?;
        assert!(set_trusted(cfg, Path::new("/x"))?);
        assert!(fs::symlink_metadata(&path)?.file_type().is_symlink());
        assert!(is_trusted(cfg, Path::new("/x")));
        // Missing config dir: error, not a panic.
        assert!(set_trusted(&d.path().join("nope"), Path::new("/w")).is_err());
        Ok(())
    }

    #[test]
    fn transcript_api_error_lines() {
        let line = format!(
            r#"{{"parentUuid":"p","isSidechain":false,"type":"assistant","uuid":"u-1","timestamp":"2026-05-01T13:00:00.000Z","sessionId":"{SID}","cwd":"/home/u/app","message":{{"id":"m","model":"<synthetic>","role":"assistant","content":[{{"type":"text","text":"You've hit your session limit · resets 3pm (Europe/Paris)"}}]}},"error":"rate_limit","apiErrorStatus":429,"isApiErrorMessage":true}}"#
        );
        let e = parse_transcript_line(&line);
        assert_eq!(
            e,
            Some(ApiError {
                session_id: SID.to_string(),
                cwd: Some(PathBuf::from("/home/u/app")),
                text: "You've hit your session limit · resets 3pm (Europe/Paris)".to_string(),
                timestamp: Some("2026-05-01T13:00:00.000Z".to_string()),
                uuid: Some("u-1".to_string()),
                api_error: None,
                resets_at: None,
                limit_type: None,
            })
        );

        // 2.1.332, as the real CLI wrote it (trimmed of its usage block): the structured fields.
        let real = format!(
            r#"{{"parentUuid":"879d21ab-0717-49fd-9414-4a184db703aa","isSidechain":false,"type":"assistant","uuid":"de63bd75-590c-43f0-9add-c0b99dc20cf6","timestamp":"2026-11-30T20:35:01.689Z","message":{{"model":"<synthetic>","role":"assistant","type":"message","content":[{{"type":"text","text":"You've hit your 5-hour limit · resets 10:35pm (UTC)"}}]}},"requestId":"req_7672e81481584da18b001534","apiError":"usage_limit_reached","apiErrorParams":{{"rate_limit_info":{{"status":"rejected","resetsAt":1796078101,"rateLimitType":"five_hour","isUsingOverage":false}}}},"quotaLimits":{{"status":"rejected","resetsAt":1796078101,"unifiedRateLimitFallbackAvailable":false,"rateLimitType":"five_hour","isUsingOverage":false}},"error":"rate_limit","isApiErrorMessage":true,"apiErrorStatus":429,"apiErrorType":"rate_limit_error","session_id":"{SID}","sessionId":"{SID}","userType":"external"}}"#
        );
        let e = parse_transcript_line(&real).expect("a 2.1.332 quota line");
        assert!(e.is_usage_limit());
        assert_eq!(e.resets_at, Some(1796078101));
        assert_eq!(e.limit_name().as_deref(), Some("session"));
        assert_eq!(e.text, "You've hit your 5-hour limit · resets 10:35pm (UTC)");
        // Only quotaLimits (another build): still read.
        let q = real.replace("apiErrorParams", "otherParams");
        assert_eq!(parse_transcript_line(&q).and_then(|e| e.resets_at), Some(1796078101));

        let multi = format!(
            r#"{{"type":"assistant","isApiErrorMessage":true,"sessionId":"{SID}","message":{{"content":[{{"type":"text","text":"5-hour limit reached"}},{{"type":"tool_use","id":"x"}},{{"type":"text","text":"∙ resets 3am"}}]}}}}"#
        );
        let e = parse_transcript_line(&multi).map(|e| e.text);
        assert_eq!(e.as_deref(), Some("5-hour limit reached\n∙ resets 3am"));
        let plain = format!(
            r#"{{"type":"assistant","isApiErrorMessage":true,"sessionId":"{SID}","message":{{"content":"API Error: 500"}}}}"#
        );
        assert_eq!(parse_transcript_line(&plain).map(|e| e.text).as_deref(), Some("API Error: 500"));

        let ordinary = format!(
            r#"{{"type":"assistant","sessionId":"{SID}","message":{{"content":[{{"type":"text","text":"hi"}}]}}}}"#
        );
        let quoted = format!(
            r#"{{"type":"user","sessionId":"{SID}","message":{{"content":"see \"isApiErrorMessage\":true in the log"}}}}"#
        );
        let not_assistant =
            format!(r#"{{"type":"user","isApiErrorMessage":true,"sessionId":"{SID}","message":{{"content":"x"}}}}"#);
        let bad_id = r#"{"type":"assistant","isApiErrorMessage":true,"sessionId":"$(id)","message":{"content":"x"}}"#;
        let huge = format!("\"isApiErrorMessage\":true{}", "x".repeat(2 << 20));
        for l in [
            ordinary.as_str(),
            quoted.as_str(),
            not_assistant.as_str(),
            bad_id,
            "",
            "not json \"isApiErrorMessage\":true",
            "{\"isApiErrorMessage\":true",
            huge.as_str(),
        ] {
            assert_eq!(parse_transcript_line(l), None, "{}", &l[..l.len().min(80)]);
        }
    }

    #[test]
    fn a_prompt_is_taken_when_its_user_line_reaches_the_transcript() -> Result<()> {
        let d = tempfile::tempdir()?;
        let t = d.path().join("t.jsonl");
        fs::write(&t, "{\"type\":\"user\",\"message\":{\"role\":\"user\",\"content\":\"hello\"}}\n")?;
        let offset = fs::metadata(&t)?.len();
        assert!(!prompt_taken_since(&t, offset, "continue"));
        assert!(prompt_taken_since(&t, 0, "hello"), "before the offset it counts");
        let mut more = fs::read_to_string(&t)?;
        // 2.1.332 writes tool results and meta lines as `user` too: not a typed prompt.
        more += "{\"type\":\"user\",\"isMeta\":true,\"message\":{\"content\":\"continue\"}}\n";
        more += "{\"type\":\"user\",\"message\":{\"role\":\"user\",\"content\":[{\"type\":\"text\",\"text\":\"continue\"}]},\"promptSource\":\"typed\"}\n";
        fs::write(&t, more)?;
        assert!(prompt_taken_since(&t, offset, "continue"));
        assert_eq!(last_typed_prompt(&t).as_deref(), Some("continue"));
        assert!(!prompt_taken_since(&d.path().join("missing.jsonl"), 0, "continue"));
        Ok(())
    }

    #[test]
    fn the_bypass_acceptance_is_read_and_written_keeping_every_other_key() -> Result<()> {
        let d = tempfile::tempdir()?;
        assert!(!bypass_accepted(d.path()));
        fs::write(d.path().join("settings.json"), "{\"hooks\": {\"Stop\": []}, \"model\": \"opus\"}\n")?;
        assert!(set_bypass_accepted(d.path())?);
        assert!(bypass_accepted(d.path()));
        assert!(!set_bypass_accepted(d.path())?, "already there: not written again");
        let v: Value = serde_json::from_slice(&fs::read(d.path().join("settings.json"))?)?;
        assert_eq!(v["model"], "opus");
        assert!(v["hooks"]["Stop"].is_array());
        // Not JSON: an error naming the file, nothing written.
        fs::write(d.path().join("settings.json"), "{oops")?;
        let e = set_bypass_accepted(d.path()).unwrap_err();
        assert!(format!("{e:#}").contains("settings.json"));
        assert_eq!(fs::read_to_string(d.path().join("settings.json"))?, "{oops");
        Ok(())
    }

    #[test]
    fn a_registry_entry_of_a_gone_or_other_process_is_not_current() {
        let me = std::process::id();
        let start = crate::procs::start_time(me).expect("our own start time");
        let entry = |pid: u32, proc_start: Option<String>| LiveSession {
            pid,
            session_id: SID.into(),
            cwd: PathBuf::from("/"),
            started_at: None,
            kind: None,
            entrypoint: None,
            status: None,
            proc_start,
            tmux: Some("w:@0.%3".into()),
        };
        assert!(entry(me, Some(start.to_string())).is_current());
        assert!(entry(me, None).is_current(), "older builds write no procStart");
        assert!(!entry(me, Some((start + 1).to_string())).is_current(), "the pid was reused");
        assert!(!entry(u32::MAX - 1, None).is_current(), "the process is gone");
        assert_eq!(entry(me, None).pane(), Some("%3"));
    }
}
