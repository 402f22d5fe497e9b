//! Whether an account home holds a Claude Code login: what a swap needs before it moves panes to
//! that account, and what `doctor` checks.
//!
//! A login is, in the account's `CLAUDE_CONFIG_DIR`:
//! - `.credentials.json` = `{"claudeAiOauth": {"accessToken", "refreshToken", "expiresAt" (ms)}}`
//!   with a non-empty `refreshToken` (the subscription login Claude Code writes on `/login`), or
//!   an `accessToken` without one that has not been expired for more than a day;
//! - or an API key in `.claude.json`: `primaryApiKey`, or a non-empty
//!   `customApiKeyResponses.approved` list.
//!
//! `ANTHROPIC_API_KEY` / `CLAUDE_CODE_OAUTH_TOKEN` in the environment are not per account and are
//! ignored. Invariants: this only reads those two files (the caller passes `now`), and **no token
//! ever reaches a message**: files are parsed as untyped JSON and only the presence of strings is
//! looked at, so even a parse error cannot quote one.

use std::fmt;
use std::fs::OpenOptions;
use std::io::{ErrorKind, Read};
use std::os::unix::fs::OpenOptionsExt;
use std::path::Path;

use jiff::{SignedDuration, Timestamp};
use serde_json::Value;

/// The credentials file Claude Code keeps in each config dir.
pub const CREDENTIALS: &str = ".credentials.json";
/// The per-config-dir settings file that may hold an API key.
pub const CLAUDE_JSON: &str = ".claude.json";

/// How long past its `expiresAt` an access token without a refresh token still counts: Claude
/// Code may have written a fresh one moments ago in a file we read a little late, but a token a
/// day old with nothing to renew it is a logged-out account.
pub const EXPIRED_AFTER: SignedDuration = SignedDuration::from_hours(24);

/// What kind of login an account home holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Via {
    /// `claudeAiOauth.refreshToken`: the subscription login (renews itself).
    OAuth,
    /// `claudeAiOauth.accessToken` only, not long expired.
    AccessToken,
    /// An API key in `.claude.json`.
    ApiKey,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Login {
    Ok(Via),
    /// The account home does not exist.
    NoHome,
    /// No credentials and no API key.
    Missing,
    /// An access token expired at `since` (more than [`EXPIRED_AFTER`] ago) and no refresh token.
    Expired {
        since: Timestamp,
    },
    /// A credentials file exists but cannot be used; the text names the file and why.
    Unreadable(String),
    /// The primary's login is still in the real `claude_dir` (`~/.claude`, before `link
    /// --adopt` moves it into the account's home): there, and usable, not missing.
    ToAdopt(Via),
}

impl Login {
    pub fn is_ok(&self) -> bool {
        matches!(self, Login::Ok(_) | Login::ToAdopt(_))
    }
}

/// An account's login as its user means it, for every surface (`status`, the status line,
/// `doctor`): what its home holds, or for the primary, while `claude_dir` is still the real
/// directory that `link --adopt` moves into its home, the login held there.
pub fn account_login(cfg: &crate::config::Config, account: &crate::config::Account, now: Timestamp) -> Login {
    let home = login_state(&account.home, now);
    if home.is_ok() || account.name != cfg.primary {
        return home;
    }
    match std::fs::symlink_metadata(&cfg.claude_dir) {
        Ok(m) if m.is_dir() => match login_state(&cfg.claude_dir, now) {
            Login::Ok(via) => Login::ToAdopt(via),
            _ => home,
        },
        _ => home,
    }
}

impl fmt::Display for Login {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Login::Ok(Via::OAuth) => write!(f, "logged in"),
            Login::Ok(Via::AccessToken) => write!(f, "logged in (access token without a refresh token)"),
            Login::Ok(Via::ApiKey) => write!(f, "logged in with an API key"),
            Login::NoHome => write!(f, "its home does not exist"),
            Login::Missing => write!(f, "it has no login (no {CREDENTIALS} with a token, no API key)"),
            Login::Expired { since } => {
                write!(f, "its login expired at {} and has no refresh token", crate::clock::fmt_utc(*since))
            }
            Login::Unreadable(why) => write!(f, "{why}"),
            Login::ToAdopt(_) => write!(f, "logged in (still in ~/.claude: 'link --adopt' moves it to its home)"),
        }
    }
}

/// The command that logs `home` in: `CLAUDE_CONFIG_DIR=<home> claude`, then `/login` in it.
pub fn login_command(home: &Path, claude_command: &str) -> String {
    format!(
        "CLAUDE_CONFIG_DIR={} {}",
        crate::tmux::shell_quote(&home.to_string_lossy()),
        crate::tmux::shell_quote(claude_command)
    )
}

/// One sentence for an account that cannot be used: what is wrong and the command that fixes it.
pub fn problem(name: &str, home: &Path, login: &Login, claude_command: &str) -> String {
    let cmd = login_command(home, claude_command);
    match login {
        Login::Ok(_) => format!("account {name} is logged in"),
        Login::NoHome => format!(
            "account home {} ({name}) does not exist; log in with {cmd}, then /login (or run 'claude-failover link' to create it)",
            home.display()
        ),
        other => format!("account {name} ({}): {other}; log it in with {cmd}, then /login", home.display()),
    }
}

/// Read at most this much of either file: both are small, and a runaway file must not stall a
/// swap. `.claude.json` grows with project history; 64 MiB is far beyond any real one.
const MAX_BYTES: u64 = 64 << 20;

/// Read `path` without following a symlink (Claude Code refuses a symlinked credentials file).
/// `Ok(None)` when it does not exist.
fn read(path: &Path) -> Result<Option<Vec<u8>>, String> {
    let f = OpenOptions::new().read(true).custom_flags(libc::O_NOFOLLOW | libc::O_CLOEXEC).open(path);
    let f = match f {
        Ok(f) => f,
        Err(e) if e.kind() == ErrorKind::NotFound => return Ok(None),
        Err(e) if e.raw_os_error() == Some(libc::ELOOP) => {
            return Err(format!(
                "{} is a symlink, which Claude Code refuses to read; replace it with the file itself",
                path.display()
            ));
        }
        Err(e) => return Err(format!("cannot read {}: {e}", path.display())),
    };
    let mut bytes = Vec::new();
    f.take(MAX_BYTES).read_to_end(&mut bytes).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    Ok(Some(bytes))
}

/// Parse as untyped JSON: a syntax error names a position, never the content.
fn parse(path: &Path, bytes: &[u8]) -> Result<Value, String> {
    match serde_json::from_slice::<Value>(bytes) {
        Ok(v @ Value::Object(_)) => Ok(v),
        Ok(_) => Err(format!("{} is not a JSON object", path.display())),
        Err(e) => Err(format!("{} is not valid JSON ({})", path.display(), position(&e))),
    }
}

fn position(e: &serde_json::Error) -> String {
    let what = match e.classify() {
        serde_json::error::Category::Eof => "it ends early",
        _ => "syntax error",
    };
    format!("{what} at line {} column {}", e.line(), e.column())
}

fn non_empty_str(v: &Value) -> bool {
    v.as_str().is_some_and(|s| !s.trim().is_empty())
}

/// What `.credentials.json` says, when it says anything: `None` = no file or no token in it.
fn oauth(home: &Path, now: Timestamp) -> Result<Option<Login>, String> {
    let path = home.join(CREDENTIALS);
    let Some(bytes) = read(&path)? else { return Ok(None) };
    let v = parse(&path, &bytes)?;
    let o = &v["claudeAiOauth"];
    if non_empty_str(&o["refreshToken"]) {
        return Ok(Some(Login::Ok(Via::OAuth)));
    }
    if !non_empty_str(&o["accessToken"]) {
        return Ok(None);
    }
    let expires = o["expiresAt"].as_i64().and_then(|ms| Timestamp::from_millisecond(ms).ok());
    match expires {
        Some(at) if now.duration_since(at) > EXPIRED_AFTER => Ok(Some(Login::Expired { since: at })),
        _ => Ok(Some(Login::Ok(Via::AccessToken))),
    }
}

/// An API key in `.claude.json`: `Some(true)` yes, `Some(false)` the file has none, `None` no file.
fn api_key(home: &Path) -> Result<Option<bool>, String> {
    let path = home.join(CLAUDE_JSON);
    let Some(bytes) = read(&path)? else { return Ok(None) };
    let v = parse(&path, &bytes)?;
    let approved = v["customApiKeyResponses"]["approved"].as_array().is_some_and(|a| a.iter().any(non_empty_str));
    Ok(Some(non_empty_str(&v["primaryApiKey"]) || approved))
}

/// Whether `home` holds a login Claude Code can use, as of `now`.
pub fn login_state(home: &Path, now: Timestamp) -> Login {
    match std::fs::metadata(home) {
        Ok(m) if m.is_dir() => {}
        Ok(_) => return Login::Unreadable(format!("{} is not a directory", home.display())),
        Err(e) if e.kind() == ErrorKind::NotFound => return Login::NoHome,
        Err(e) => return Login::Unreadable(format!("cannot read {}: {e}", home.display())),
    }
    let oauth = oauth(home, now);
    if let Ok(Some(ok @ Login::Ok(_))) = oauth {
        return ok;
    }
    // No usable OAuth login: an API key still is one.
    let key = api_key(home);
    if let Ok(Some(true)) = key {
        return Login::Ok(Via::ApiKey);
    }
    match (oauth, key) {
        (Err(why), _) => Login::Unreadable(why),
        (Ok(Some(expired)), _) => expired,
        (Ok(None), Err(why)) => Login::Unreadable(why),
        (Ok(None), Ok(_)) => Login::Missing,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: &str = "2026-11-21T10:00:00Z";
    const SECRET: &str = "sk-ant-ort01-SECRETSECRET";

    fn now() -> Timestamp {
        NOW.parse().unwrap()
    }

    fn home() -> tempfile::TempDir {
        tempfile::tempdir().unwrap()
    }

    fn write(dir: &Path, name: &str, text: &str) {
        std::fs::write(dir.join(name), text).unwrap();
    }

    fn ms(ts: Timestamp) -> i64 {
        ts.as_millisecond()
    }

    #[test]
    fn refresh_token_is_a_login_whatever_the_expiry() {
        let d = home();
        let long_ago = now() - SignedDuration::from_hours(24 * 30);
        write(
            d.path(),
            CREDENTIALS,
            &format!(
                r#"{{"claudeAiOauth":{{"accessToken":"sk-ant-oat01-x","refreshToken":"{SECRET}","expiresAt":{},"scopes":["user:inference"]}}}}"#,
                ms(long_ago)
            ),
        );
        assert_eq!(login_state(d.path(), now()), Login::Ok(Via::OAuth));
    }

    #[test]
    fn access_token_long_past_without_refresh_is_expired() {
        let d = home();
        let at = now() - SignedDuration::from_hours(25);
        write(
            d.path(),
            CREDENTIALS,
            &format!(r#"{{"claudeAiOauth":{{"accessToken":"{SECRET}","expiresAt":{}}}}}"#, ms(at)),
        );
        let l = login_state(d.path(), now());
        assert_eq!(l, Login::Expired { since: Timestamp::from_millisecond(ms(at)).unwrap() });
        assert!(!l.is_ok());
        assert!(l.to_string().contains("expired at 2026-11-20T09:00:00Z"), "{l}");
        // an empty refresh token is no refresh token
        write(
            d.path(),
            CREDENTIALS,
            &format!(r#"{{"claudeAiOauth":{{"accessToken":"x","refreshToken":"","expiresAt":{}}}}}"#, ms(at)),
        );
        assert!(matches!(login_state(d.path(), now()), Login::Expired { .. }));
    }

    #[test]
    fn access_token_recently_expired_or_valid_still_counts() {
        let d = home();
        for at in [now() - SignedDuration::from_hours(23), now() + SignedDuration::from_hours(5)] {
            write(
                d.path(),
                CREDENTIALS,
                &format!(r#"{{"claudeAiOauth":{{"accessToken":"x","expiresAt":{}}}}}"#, ms(at)),
            );
            assert_eq!(login_state(d.path(), now()), Login::Ok(Via::AccessToken));
        }
        // no expiry at all: nothing says it is expired
        write(d.path(), CREDENTIALS, r#"{"claudeAiOauth":{"accessToken":"x"}}"#);
        assert_eq!(login_state(d.path(), now()), Login::Ok(Via::AccessToken));
    }

    #[test]
    fn missing_home_file_and_token() {
        let d = home();
        assert_eq!(login_state(&d.path().join("nope"), now()), Login::NoHome);
        assert_eq!(login_state(d.path(), now()), Login::Missing);
        // a credentials file with no token in it (after a logout) is no login either
        write(d.path(), CREDENTIALS, r#"{"claudeAiOauth":{"refreshToken":null},"other":1}"#);
        assert_eq!(login_state(d.path(), now()), Login::Missing);
        write(d.path(), CREDENTIALS, r#"{}"#);
        write(d.path(), CLAUDE_JSON, r#"{"hasCompletedOnboarding":true,"customApiKeyResponses":{"approved":[]}}"#);
        assert_eq!(login_state(d.path(), now()), Login::Missing);
        // a home that is a file
        let f = d.path().join("file");
        std::fs::write(&f, "x").unwrap();
        assert!(matches!(login_state(&f, now()), Login::Unreadable(w) if w.contains("not a directory")));
    }

    #[test]
    fn unparsable_credentials_are_unreadable_and_named_without_content() {
        let d = home();
        write(d.path(), CREDENTIALS, &format!(r#"{{"claudeAiOauth":{{"refreshToken":"{SECRET}""#));
        let Login::Unreadable(why) = login_state(d.path(), now()) else { panic!() };
        assert!(why.contains(&d.path().join(CREDENTIALS).display().to_string()), "{why}");
        assert!(why.contains("not valid JSON"), "{why}");
        assert!(!why.contains("SECRET"), "never print a token: {why}");
        // valid JSON of the wrong shape names no content either
        write(d.path(), CREDENTIALS, &format!(r#"["{SECRET}"]"#));
        let l = login_state(d.path(), now());
        assert!(matches!(&l, Login::Unreadable(w) if w.contains("not a JSON object")), "{l:?}");
        assert!(!format!("{l} {l:?}").contains("SECRET"));
        // a token of the wrong type is no token (and is not quoted)
        write(d.path(), CREDENTIALS, r#"{"claudeAiOauth":{"refreshToken":12345}}"#);
        assert_eq!(login_state(d.path(), now()), Login::Missing);
    }

    #[test]
    fn symlinked_credentials_are_refused_like_claude_does() {
        let d = home();
        let real = d.path().join("elsewhere.json");
        std::fs::write(&real, format!(r#"{{"claudeAiOauth":{{"refreshToken":"{SECRET}"}}}}"#)).unwrap();
        std::os::unix::fs::symlink(&real, d.path().join(CREDENTIALS)).unwrap();
        let l = login_state(d.path(), now());
        assert!(matches!(&l, Login::Unreadable(w) if w.contains("symlink")), "{l:?}");
    }

    #[test]
    fn api_key_is_a_login() {
        let d = home();
        write(d.path(), CLAUDE_JSON, r#"{"primaryApiKey":"sk-ant-api03-x"}"#);
        assert_eq!(login_state(d.path(), now()), Login::Ok(Via::ApiKey));
        write(
            d.path(),
            CLAUDE_JSON,
            r#"{"customApiKeyResponses":{"approved":["abcdefghij0123456789"],"rejected":[]}}"#,
        );
        assert_eq!(login_state(d.path(), now()), Login::Ok(Via::ApiKey));
        // an API key also covers an expired or broken OAuth file
        write(d.path(), CREDENTIALS, r#"{"claudeAiOauth":{"accessToken":"x","expiresAt":1}}"#);
        assert_eq!(login_state(d.path(), now()), Login::Ok(Via::ApiKey));
        write(d.path(), CREDENTIALS, "{");
        assert_eq!(login_state(d.path(), now()), Login::Ok(Via::ApiKey));
    }

    #[test]
    fn unparsable_claude_json_is_named_when_nothing_else_logs_in() {
        let d = home();
        write(d.path(), CLAUDE_JSON, "{\"primaryApiKey\": \"sk-ant-api03-SECRET");
        let Login::Unreadable(why) = login_state(d.path(), now()) else { panic!() };
        assert!(why.contains(CLAUDE_JSON) && why.contains("ends early"), "{why}");
        assert!(!why.contains("SECRET"));
        // a good OAuth login does not care about a broken .claude.json
        write(d.path(), CREDENTIALS, r#"{"claudeAiOauth":{"refreshToken":"r"}}"#);
        assert_eq!(login_state(d.path(), now()), Login::Ok(Via::OAuth));
    }

    #[test]
    fn environment_keys_are_not_per_account() {
        // ANTHROPIC_API_KEY is read by no code here: an account without a file stays logged out.
        let d = home();
        assert_eq!(login_state(d.path(), now()), Login::Missing);
        let src = include_str!("login.rs");
        let code = src.split("#[cfg(test)]").next().unwrap();
        assert!(!code.contains("std::env::var"), "login state must not read the environment");
    }

    #[test]
    fn problem_names_account_and_login_command() {
        let p = problem("backup", Path::new("/h/.claude-backup"), &Login::Missing, "claude");
        assert!(p.contains("account backup"), "{p}");
        assert!(p.contains("CLAUDE_CONFIG_DIR=/h/.claude-backup claude, then /login"), "{p}");
        let p = problem("b", Path::new("/h/my home"), &Login::NoHome, "claude");
        assert!(p.contains("account home /h/my home (b) does not exist"), "{p}");
        assert!(p.contains("CLAUDE_CONFIG_DIR='/h/my home' claude"), "{p}");
    }
}
