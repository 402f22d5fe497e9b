//! Where Claude Code keeps a conversation and what we read back from it: the project directory
//! derived from the cwd (`projects/<encoded cwd>/<session id>.jsonl`), the synthetic API-error
//! lines ([`ApiError`]) and the prompts a person typed. The invariant a newcomer could break: the
//! hash suffix of a long directory name depends on the Claude Code build, so a reader finds the
//! directory by its 200-character prefix ([`find_project_dir`]), never by recomputing the suffix.

use std::fs;
use std::io::Read;
use std::path::{Path, PathBuf};

use serde_json::Value;

use super::is_session_id;

/// Claude Code truncates an encoded project directory name to this many characters and appends
/// `-<hash>` when the full encoding is longer.
pub const MAX_ENCODED_LEN: usize = 200;

/// A synthetic API-error line is a few KiB at most; refusing giants keeps a pathological
/// transcript line from costing a full JSON parse.
const MAX_API_ERROR_LINE_BYTES: usize = 1 << 20;

/// Cheap pre-filter: Claude Code writes compact JSON, so a real API-error line contains this
/// exact byte sequence. Inside a JSON string the quotes would be escaped (`\"`), so quoted
/// transcripts or tool output containing the phrase do not match.
const API_ERROR_MARKER: &str = "\"isApiErrorMessage\":true";

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
    /// The Claude Code release that wrote it (`version`).
    pub version: Option<String>,
    /// `apiErrorStatus` (429 for a quota or a plain rate limit).
    pub status: Option<i64>,
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
        version: str_field("version"),
        status: v.get("apiErrorStatus").and_then(Value::as_i64),
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
    use anyhow::Result;

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
                version: None,
                status: Some(429),
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
        assert_eq!(e.status, Some(429));
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
}
