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

/// The session id from the last `claude --resume <id>` in `text` (e.g. a captured pane after
/// claude exited: `"Resume this session with:\nclaude --resume <uuid>"`).
///
/// Only the last occurrence counts: an earlier one belongs to an older session, so when the last
/// one carries a title (`claude --resume "My title"`) or anything that is not a session id, the
/// answer is `None` rather than a stale id. The token ends at whitespace or an escape character, so
/// a trailing SGR reset from the dimmed hint does not spoil it.
pub fn parse_resume_hint(text: &str) -> Option<String> {
    const NEEDLE: &str = "claude --resume";
    let idx = text.rfind(NEEDLE)?;
    let rest = &text[idx + NEEDLE.len()..];
    let arg = rest.trim_start();
    if arg.len() == rest.len() {
        // `claude --resumeX`: not the flag we are looking for.
        return None;
    }
    let end = arg.find(|c: char| c.is_whitespace() || c == '\x1b').unwrap_or(arg.len());
    let token = &arg[..end];
    is_session_id(token).then(|| token.to_string())
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
    let Some(key) = cwd.to_str() else {
        return false;
    };
    let Ok(bytes) = fs::read(claude_json_path(config_dir)) else {
        return false;
    };
    let Ok(root) = serde_json::from_slice::<Value>(&bytes) else {
        return false;
    };
    root.get("projects").and_then(|p| p.get(key)).and_then(|e| e.get(TRUST_KEY)) == Some(&Value::Bool(true))
}

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
    let link = claude_json_path(config_dir);
    let key = cwd.to_str().with_context(|| {
        format!(
            "{} is not valid UTF-8, so it cannot be a key in {}; run claude from a UTF-8 path",
            cwd.display(),
            link.display()
        )
    })?;
    let path = match fs::symlink_metadata(&link) {
        Ok(m) if m.file_type().is_symlink() => fs::canonicalize(&link)
            .with_context(|| format!("resolving symlink {}; fix or remove the dangling link", link.display()))?,
        _ => link,
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

    let shape_error = |what: &str| {
        format!("{}: {what} is not a JSON object; repair the file by hand, nothing was written", path.display())
    };
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
    Some(ApiError {
        session_id: session_id.to_string(),
        cwd: str_field("cwd").map(PathBuf::from),
        text,
        timestamp: str_field("timestamp"),
        uuid: str_field("uuid"),
    })
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
            })
        );

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
}
