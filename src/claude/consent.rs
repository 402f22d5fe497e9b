//! What a relaunched claude must find already accepted in its config dir, or it stops at a
//! dialog nobody is there to answer: the trust of the project directory
//! (`projects[<cwd>].hasTrustDialogAccepted` in `.claude.json`) and the Bypass Permissions
//! acceptance (`skipDangerousModePermissionPrompt` in `settings.json`). The invariant a newcomer
//! could break: these files are Claude Code's; an edit goes through [`edit_json`], which keeps
//! every other key and its order, the permission bits and a symlink, and writes nothing when the
//! file does not parse.

use std::fs;
use std::io::ErrorKind;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use serde_json::{Map, Value};

const TRUST_KEY: &str = "hasTrustDialogAccepted";

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

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::MetadataExt;

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
}
