//! The Claude Code hook companion: `claude-failover hook <event>` reads the hook's JSON on stdin
//! and records exact facts (pane ↔ session, activity, rate-limit failures) that screen reading
//! can only guess; `pre-tool-use` is the safety guard. `install-hooks` merges our hooks into a
//! `settings.json`.
//!
//! Invariants: a hook never fails the user's session because of *our* error — everything but the
//! guard's deny logs and exits 0; it is fast (it runs on every tool call: no tmux, no network);
//! and merging settings keeps every existing key and hook, adds ours once, and refuses a broken
//! file untouched.

use std::io::Read;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use jiff::Timestamp;
use serde::Deserialize;
use serde_json::{Map, Value, json};

use crate::config::Config;
use crate::events::Sink;
use crate::guard::{self, Decision, Guard};
use crate::server::{self, Inbox, Server};
use crate::state::Store;

/// (our subcommand, Claude Code's event name).
pub const EVENTS: [(&str, &str); 7] = [
    ("session-start", "SessionStart"),
    ("session-end", "SessionEnd"),
    ("stop-failure", "StopFailure"),
    ("notification", "Notification"),
    ("stop", "Stop"),
    ("user-prompt-submit", "UserPromptSubmit"),
    ("pre-tool-use", "PreToolUse"),
];

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct Input {
    pub session_id: Option<String>,
    pub cwd: Option<PathBuf>,
    pub hook_event_name: Option<String>,
    pub tool_name: Option<String>,
    pub tool_input: Option<Value>,
    pub error: Option<String>,
    pub last_assistant_message: Option<String>,
    pub message: Option<String>,
}

/// The command line Claude Code runs for `event`.
pub fn command(bin: &Path, event: &str) -> String {
    format!("{} hook {event}", crate::tmux::shell_quote(&bin.to_string_lossy()))
}

fn is_ours(cmd: &str, event: &str) -> bool {
    cmd.contains("claude-failover") && cmd.trim_end().ends_with(&format!(" hook {event}"))
}

/// One event's hook group, as Claude Code's settings spell it.
fn group(command: String) -> Value {
    json!({"matcher": "", "hooks": [{"type": "command", "command": command, "timeout": 10}]})
}

/// Our hooks, as a settings object (`{"hooks": {...}}`): for `--settings` or a file.
pub fn settings(bin: &Path) -> Value {
    let hooks: Map<String, Value> =
        EVENTS.iter().map(|(ours, theirs)| (theirs.to_string(), json!([group(command(bin, ours))]))).collect();
    json!({ "hooks": hooks })
}

/// Merge our hooks into `existing` (a settings object). Returns whether anything changed.
/// Every other key and hook is kept; ours appear once (an older path of ours is updated).
pub fn merge(existing: &mut Value, bin: &Path) -> Result<bool> {
    let Some(top) = existing.as_object_mut() else { bail!("the top level is not a JSON object") };
    let hooks = top.entry("hooks").or_insert_with(|| json!({}));
    let Some(hooks) = hooks.as_object_mut() else { bail!("\"hooks\" is not a JSON object") };
    let mut changed = false;
    for (ours, theirs) in EVENTS {
        let want = command(bin, ours);
        let groups = hooks.entry(theirs).or_insert_with(|| json!([]));
        let Some(groups) = groups.as_array_mut() else { bail!("\"hooks.{theirs}\" is not a list") };
        let mut found = false;
        for g in groups.iter_mut() {
            for h in g.get_mut("hooks").and_then(Value::as_array_mut).into_iter().flatten() {
                let Some(cmd) = h.get("command").and_then(Value::as_str) else { continue };
                if is_ours(cmd, ours) {
                    if cmd != want {
                        h["command"] = json!(want);
                        changed = true;
                    }
                    found = true;
                }
            }
        }
        if !found {
            groups.push(group(want));
            changed = true;
        }
    }
    Ok(changed)
}

/// Take our hooks out of `existing` (groups left empty and events left empty go too); every
/// other key and hook is kept. Returns whether anything changed.
pub fn remove(existing: &mut Value) -> Result<bool> {
    let Some(top) = existing.as_object_mut() else { bail!("the top level is not a JSON object") };
    let Some(hooks) = top.get_mut("hooks") else { return Ok(false) };
    let Some(hooks) = hooks.as_object_mut() else { bail!("\"hooks\" is not a JSON object") };
    let mut changed = false;
    for (ours, theirs) in EVENTS {
        let Some(groups) = hooks.get_mut(theirs).and_then(Value::as_array_mut) else { continue };
        for g in groups.iter_mut() {
            if let Some(hs) = g.get_mut("hooks").and_then(Value::as_array_mut) {
                let before = hs.len();
                hs.retain(|h| !h.get("command").and_then(Value::as_str).is_some_and(|c| is_ours(c, ours)));
                changed |= hs.len() != before;
            }
        }
        groups.retain(|g| g.get("hooks").and_then(Value::as_array).is_none_or(|hs| !hs.is_empty()));
        if groups.is_empty() {
            hooks.remove(theirs);
        }
    }
    if hooks.is_empty() {
        top.remove("hooks");
    }
    Ok(changed)
}

/// Merge our hooks into the settings file at `path` (created if missing), atomically.
pub fn install(path: &Path, bin: &Path) -> Result<bool> {
    edit(path, |v| merge(v, bin))
}

/// Take our hooks out of the settings file at `path`, atomically; a missing file is no change.
pub fn uninstall(path: &Path) -> Result<bool> {
    if !path.exists() {
        return Ok(false);
    }
    edit(path, remove)
}

fn edit(path: &Path, change: impl FnOnce(&mut Value) -> Result<bool>) -> Result<bool> {
    let (mut v, mode) = match std::fs::read(path) {
        Ok(b) => {
            let v: Value = serde_json::from_slice(&b).with_context(|| {
                format!(
                    "{} is not valid JSON; fix or move it, then run install-hooks again (left untouched)",
                    path.display()
                )
            })?;
            let mode = std::os::unix::fs::PermissionsExt::mode(&std::fs::metadata(path)?.permissions()) & 0o777;
            (v, mode)
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => (json!({}), 0o644),
        Err(e) => return Err(e).with_context(|| format!("cannot read {}", path.display())),
    };
    let changed = change(&mut v).with_context(|| format!("{}: unexpected shape (left untouched)", path.display()))?;
    if changed {
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
        }
        let mut bytes = serde_json::to_vec_pretty(&v)?;
        bytes.push(b'\n');
        crate::atomic::write_atomic(path, &bytes, mode)?;
    }
    Ok(changed)
}

/// Are all our hooks in the settings file at `path`?
pub fn installed(path: &Path) -> bool {
    let Ok(b) = std::fs::read(path) else { return false };
    let Ok(v) = serde_json::from_slice::<Value>(&b) else { return false };
    EVENTS.iter().all(|(ours, theirs)| {
        v["hooks"][theirs].as_array().into_iter().flatten().any(|g| {
            g["hooks"].as_array().into_iter().flatten().any(|h| h["command"].as_str().is_some_and(|c| is_ours(c, ours)))
        })
    })
}

/// What a hook run decided.
pub enum Outcome {
    Done,
    Deny(String),
}

pub struct HookCtx<'a> {
    pub cfg: Option<&'a Config>,
    pub store: &'a Store,
    pub events: &'a dyn Sink,
    pub server: Option<Server>,
    pub home: &'a Path,
    pub now: Timestamp,
}

/// Read at most 4 MiB of hook input; Claude's payloads are small, a runaway one is cut.
pub fn read_input() -> Input {
    let mut buf = Vec::new();
    let _ = std::io::stdin().lock().take(4 << 20).read_to_end(&mut buf);
    serde_json::from_slice(&buf).unwrap_or_default()
}

pub fn handle(event: &str, input: &Input, ctx: &HookCtx) -> Result<Outcome> {
    let pane = std::env::var("TMUX_PANE").ok().filter(|p| crate::tmux::valid_pane_id(p));
    let config_dir = std::env::var_os("CLAUDE_CONFIG_DIR").map(PathBuf::from);
    let session = input.session_id.clone().filter(|s| crate::claude::is_session_id(s));
    let account =
        ctx.cfg.and_then(|c| config_dir.as_deref().and_then(|d| c.account_by_home(d))).map(|a| a.name.clone());
    let record = |activity: &str| -> Result<()> {
        let Some(pane) = &pane else { return Ok(()) };
        ctx.store.update(|s| {
            let r = s.panes.entry(pane.clone()).or_default();
            if session.is_some() {
                r.session_id = session.clone();
            }
            if let Some(c) = &input.cwd {
                r.cwd = Some(c.clone());
            }
            if account.is_some() {
                r.account = account.clone();
            }
            r.activity = Some(activity.to_string());
            r.updated = Some(ctx.now);
            Ok(())
        })
    };
    match event {
        "pre-tool-use" => {
            let cfg_guard = ctx.cfg.map(|c| c.guard.clone()).unwrap_or_default();
            let g = Guard::new(&cfg_guard).map_err(|e| anyhow::anyhow!("[guard] {e}"))?;
            let homes: Vec<PathBuf> =
                ctx.cfg.map(|c| c.accounts.iter().map(|a| a.home.clone()).collect()).unwrap_or_default();
            let project = input.cwd.clone().unwrap_or_else(|| PathBuf::from("/"));
            let gctx = guard::Context {
                project_dir: &project,
                home: ctx.home,
                account_homes: &homes,
                own_config_dir: config_dir.as_deref(),
            };
            let tool_input = input.tool_input.clone().unwrap_or(Value::Null);
            return Ok(match g.check(input.tool_name.as_deref().unwrap_or(""), &tool_input, &gctx) {
                Decision::Allow => Outcome::Done,
                Decision::Deny(reason) => {
                    ctx.events.emit(
                        "guard_denied",
                        &reason,
                        json!({"pane": pane, "session_id": session, "tool": input.tool_name}),
                    );
                    Outcome::Deny(reason)
                }
            });
        }
        "session-start" => {
            record("idle")?;
            if let Some(server) = &ctx.server
                && server.running().is_some()
            {
                server::post(server, &Inbox::Rescan)?;
            }
        }
        "session-end" => record("ended")?,
        "stop" => record("idle")?,
        "user-prompt-submit" => record("working")?,
        "notification" | "stop-failure" => {
            record(if event == "notification" { "waiting" } else { "failed" })?;
            let text = input.last_assistant_message.clone().or(input.message.clone()).unwrap_or_default();
            if !text.is_empty()
                && let Some(server) = &ctx.server
            {
                server::post(
                    server,
                    &Inbox::Detection {
                        pane: pane.clone(),
                        session_id: session.clone(),
                        config_dir: config_dir.clone(),
                        text,
                    },
                )?;
            }
        }
        other => bail!("unknown hook event {other:?}; known: {}", EVENTS.map(|e| e.0).join(", ")),
    }
    Ok(Outcome::Done)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bin() -> PathBuf {
        PathBuf::from("/opt/cf/claude-failover")
    }

    #[test]
    fn remove_takes_out_only_ours_and_undoes_merge() {
        let original = json!({
            "model": "opus",
            "hooks": {"PreToolUse": [{"matcher": "Bash", "hooks": [{"type": "command", "command": "my-linter"}]}]}
        });
        let mut v = original.clone();
        assert!(merge(&mut v, &bin()).unwrap());
        assert!(remove(&mut v).unwrap());
        assert_eq!(v, original, "the user's hook and keys are back as they were");
        assert!(!remove(&mut v).unwrap(), "nothing of ours left");
        let mut only_ours = json!({});
        merge(&mut only_ours, &bin()).unwrap();
        remove(&mut only_ours).unwrap();
        assert_eq!(only_ours, json!({}));
    }

    #[test]
    fn merge_keeps_everything_and_is_idempotent() {
        let mut v = json!({
            "model": "opus",
            "permissions": {"allow": ["Bash(ls:*)"]},
            "hooks": {"PreToolUse": [{"matcher": "Bash", "hooks": [{"type": "command", "command": "my-linter"}]}]}
        });
        let before = v.clone();
        assert!(merge(&mut v, &bin()).unwrap());
        assert_eq!(v["model"], before["model"]);
        assert_eq!(v["permissions"], before["permissions"]);
        assert_eq!(v["hooks"]["PreToolUse"][0], before["hooks"]["PreToolUse"][0], "the user's hook stays first");
        assert_eq!(v["hooks"]["PreToolUse"].as_array().unwrap().len(), 2);
        let once = v.clone();
        assert!(!merge(&mut v, &bin()).unwrap(), "second merge changes nothing");
        assert_eq!(v, once);
        // a moved binary updates our entry in place instead of adding another
        assert!(merge(&mut v, Path::new("/new/claude-failover")).unwrap());
        assert_eq!(v["hooks"]["PreToolUse"].as_array().unwrap().len(), 2);
        assert!(v["hooks"]["PreToolUse"][1]["hooks"][0]["command"].as_str().unwrap().starts_with("/new/"));
    }

    #[test]
    fn install_refuses_broken_json_untouched() {
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("settings.json");
        std::fs::write(&p, b"{\"hooks\": [oops").unwrap();
        let e = install(&p, &bin()).unwrap_err();
        assert!(format!("{e:#}").contains("not valid JSON"), "{e:#}");
        assert_eq!(std::fs::read(&p).unwrap(), b"{\"hooks\": [oops");
        std::fs::write(&p, b"{\"hooks\": []}").unwrap();
        assert!(install(&p, &bin()).is_err(), "hooks not an object");
        assert_eq!(std::fs::read(&p).unwrap(), b"{\"hooks\": []}");
    }

    #[test]
    fn install_creates_and_detects() {
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("proj/.claude/settings.json");
        assert!(!installed(&p));
        assert!(install(&p, &bin()).unwrap());
        assert!(installed(&p));
        assert!(!install(&p, &bin()).unwrap());
    }
}
