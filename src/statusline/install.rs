//! `statusline --install / --remove`: put our command in front of the user's own statusLine in a
//! Claude `settings.json`, carrying theirs as its argument so removal restores it exactly; every
//! other key is kept and the file is written atomically.

use std::path::Path;

use anyhow::{Context, Result, bail};
use serde_json::{Map, Value, json};

/// What `--install` or `--remove` did to one settings file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Change {
    /// Ours set; `Some(theirs)` = the user's command, now run by ours.
    Installed(Option<String>),
    /// Ours was there with another binary path (moved install): the path is updated.
    Updated,
    Already,
    /// Ours taken out; `Some(theirs)` = their command put back.
    Removed(Option<String>),
    NotInstalled,
}

impl std::fmt::Display for Change {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Change::Installed(None) => write!(f, "statusline installed"),
            Change::Installed(Some(t)) => write!(f, "statusline installed; your command {t:?} still runs through it"),
            Change::Updated => write!(f, "statusline updated to this binary's path"),
            Change::Already => write!(f, "statusline already installed"),
            Change::Removed(None) => write!(f, "statusline removed"),
            Change::Removed(Some(t)) => write!(f, "statusline removed; your command {t:?} is back"),
            Change::NotInstalled => write!(f, "no statusline of ours"),
        }
    }
}

const SUBCOMMAND: &str = "statusline";

pub(super) fn q(s: &str) -> String {
    crate::tmux::shell_quote(s)
}

fn is_our_program(p: &str) -> bool {
    Path::new(p).file_name().is_some_and(|n| n == crate::paths::APP)
}

/// `<bin> statusline [-- <words>…]` parsed back: `Some(words after --)` when it is ours.
pub(super) fn parse_ours(command: &str) -> Option<Vec<String>> {
    let words = split_words(command)?;
    match words.as_slice() {
        [prog, sub, rest @ ..] if is_our_program(prog) && sub == SUBCOMMAND => match rest {
            [] => Some(Vec::new()),
            [dashes, tail @ ..] if dashes == "--" => Some(tail.to_vec()),
            _ => None,
        },
        _ => None,
    }
}

/// Our statusLine command (shell form) around `chained` (the words after `--`).
pub(super) fn our_command(bin: &Path, chained: &[String]) -> String {
    let mut s = format!("{} {SUBCOMMAND}", q(&bin.to_string_lossy()));
    if !chained.is_empty() {
        s.push_str(" --");
        for w in chained {
            s.push(' ');
            s.push_str(&q(w));
        }
    }
    s
}

/// Put ours in the settings object `v`, wrapping the user's statusLine command. Every other key
/// (in `statusLine` too: `padding`, `refreshInterval`, …) is kept.
pub fn install(v: &mut Value, bin: &Path) -> Result<Change> {
    let Some(top) = v.as_object_mut() else { bail!("the top level is not a JSON object") };
    let sl = match top.get_mut("statusLine") {
        None | Some(Value::Null) => {
            top.insert("statusLine".into(), json!({"type": "command", "command": our_command(bin, &[])}));
            return Ok(Change::Installed(None));
        }
        Some(Value::Object(o)) => o,
        Some(_) => bail!("\"statusLine\" is not a JSON object"),
    };
    if let Some(t) = sl.get("type").and_then(Value::as_str).filter(|t| *t != "command") {
        bail!("\"statusLine\" has type {t:?}, not \"command\"; left alone");
    }
    let Some(cmd) = sl.get("command").and_then(Value::as_str).map(String::from) else {
        sl.insert("type".into(), json!("command"));
        sl.insert("command".into(), json!(our_command(bin, &[])));
        return Ok(Change::Installed(None));
    };
    let bin_s = bin.to_string_lossy().into_owned();
    match sl.get("args") {
        None => {
            if let Some(chained) = parse_ours(&cmd) {
                let want = our_command(bin, &chained);
                if want == cmd {
                    return Ok(Change::Already);
                }
                sl.insert("command".into(), json!(want));
                return Ok(Change::Updated);
            }
            sl.insert("command".into(), json!(our_command(bin, std::slice::from_ref(&cmd))));
            Ok(Change::Installed(Some(cmd)))
        }
        // The exec form (`"args"`): no shell, so the wrap stays argv: ours, then theirs.
        Some(Value::Array(args)) => {
            let args: Vec<String> = args.iter().filter_map(|a| a.as_str().map(String::from)).collect();
            if is_our_program(&cmd) && args.first().map(String::as_str) == Some(SUBCOMMAND) {
                if cmd == bin_s {
                    return Ok(Change::Already);
                }
                sl.insert("command".into(), json!(bin_s));
                return Ok(Change::Updated);
            }
            // One word after `--` is run by a shell: a lone program goes quoted, so a path with a
            // space still names one program (and `--remove` knows `args` was empty).
            let mut ours = vec![SUBCOMMAND.to_string(), "--".into()];
            if args.is_empty() {
                ours.push(q(&cmd));
            } else {
                ours.push(cmd.clone());
                ours.extend(args);
            }
            sl.insert("command".into(), json!(bin_s));
            sl.insert("args".into(), json!(ours));
            Ok(Change::Installed(Some(cmd)))
        }
        Some(_) => bail!("\"statusLine.args\" is not a list"),
    }
}

/// Take ours out of the settings object `v`: the user's command goes back exactly as it was, or
/// `statusLine` goes when it was ours alone.
pub fn remove(v: &mut Value) -> Result<Change> {
    let Some(top) = v.as_object_mut() else { bail!("the top level is not a JSON object") };
    let Some(Value::Object(sl)) = top.get_mut("statusLine") else { return Ok(Change::NotInstalled) };
    let Some(cmd) = sl.get("command").and_then(Value::as_str).map(String::from) else {
        return Ok(Change::NotInstalled);
    };
    let restored: Option<(String, Option<Vec<String>>)> = match sl.get("args").and_then(Value::as_array) {
        None => match parse_ours(&cmd) {
            None => return Ok(Change::NotInstalled),
            Some(chained) => match chained.as_slice() {
                [] => None,
                [one] => Some((one.clone(), None)),
                // Hand-written `-- prog arg…`: ours ran it as argv; as a shell line it is the same.
                many => Some((many.iter().map(|w| q(w)).collect::<Vec<_>>().join(" "), None)),
            },
        },
        Some(args) => {
            let args: Vec<String> = args.iter().filter_map(|a| a.as_str().map(String::from)).collect();
            if !is_our_program(&cmd) || args.first().map(String::as_str) != Some(SUBCOMMAND) {
                return Ok(Change::NotInstalled);
            }
            match args.get(1..) {
                Some([dashes, rest @ ..]) if dashes == "--" => match rest {
                    [] => None,
                    [one] => match split_words(one).as_deref() {
                        Some([prog]) => Some((prog.clone(), Some(Vec::new()))),
                        _ => Some((one.clone(), Some(Vec::new()))),
                    },
                    [prog, args @ ..] => Some((prog.clone(), Some(args.to_vec()))),
                },
                _ => None,
            }
        }
    };
    match restored {
        None => {
            top.remove("statusLine");
            Ok(Change::Removed(None))
        }
        Some((theirs, args)) => {
            sl.insert("command".into(), json!(theirs));
            match args {
                Some(a) => {
                    sl.insert("args".into(), json!(a));
                }
                None => {
                    sl.remove("args");
                }
            }
            Ok(Change::Removed(Some(theirs)))
        }
    }
}

/// Is our statusline in the settings file at `path`?
pub fn installed(path: &Path) -> bool {
    let Ok(b) = std::fs::read(path) else { return false };
    let Ok(v) = serde_json::from_slice::<Value>(&b) else { return false };
    let Some(cmd) = v["statusLine"]["command"].as_str() else { return false };
    match v["statusLine"]["args"].as_array() {
        None => parse_ours(cmd).is_some(),
        Some(a) => is_our_program(cmd) && a.first().and_then(Value::as_str) == Some(SUBCOMMAND),
    }
}

pub(super) fn install_in(path: &Path, bin: &Path) -> Result<Change> {
    edit(path, |v| install(v, bin))
}

pub(super) fn uninstall(path: &Path) -> Result<Change> {
    if !path.exists() {
        return Ok(Change::NotInstalled);
    }
    edit(path, remove)
}

/// Read-modify-write of a `settings.json`: atomic, its permission bits kept (0644 when created),
/// a symlink written through; invalid JSON is refused and left untouched.
fn edit(link: &Path, change: impl FnOnce(&mut Value) -> Result<Change>) -> Result<Change> {
    let path = match std::fs::symlink_metadata(link) {
        Ok(m) if m.file_type().is_symlink() => std::fs::canonicalize(link)
            .with_context(|| format!("resolving symlink {}; fix or remove the dangling link", link.display()))?,
        _ => link.to_path_buf(),
    };
    let (mut v, mode) = match std::fs::read(&path) {
        Ok(b) if b.iter().all(u8::is_ascii_whitespace) => (Value::Object(Map::new()), file_mode(&path)?),
        Ok(b) => {
            let v: Value = serde_json::from_slice(&b).with_context(|| {
                format!("{} is not valid JSON; fix or move it, then run this again (left untouched)", path.display())
            })?;
            (v, file_mode(&path)?)
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => (json!({}), 0o644),
        Err(e) => return Err(e).with_context(|| format!("cannot read {}", path.display())),
    };
    let change = change(&mut v).with_context(|| format!("{}: unexpected shape (left untouched)", path.display()))?;
    if matches!(change, Change::Installed(_) | Change::Updated | Change::Removed(_)) {
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
        }
        let mut bytes = serde_json::to_vec_pretty(&v)?;
        bytes.push(b'\n');
        crate::atomic::write_atomic(&path, &bytes, mode)?;
    }
    Ok(change)
}

fn file_mode(path: &Path) -> Result<u32> {
    use std::os::unix::fs::PermissionsExt;
    Ok(std::fs::metadata(path).with_context(|| format!("cannot read {}", path.display()))?.permissions().mode() & 0o777)
}

/// POSIX shell words of a plain command line: `'…'`, `"…"` (with `\"` `\\` `\$` `` \` ``),
/// backslash escapes, blanks between words. `None` for anything a plain word list cannot be
/// (an unquoted `|`, `;`, `&`, `<`, `>`, `(`, `)`, `$`, `` ` ``, or an unclosed quote).
pub(super) fn split_words(s: &str) -> Option<Vec<String>> {
    let mut words = Vec::new();
    let mut cur: Option<String> = None;
    let mut it = s.chars();
    while let Some(c) = it.next() {
        match c {
            ' ' | '\t' | '\n' => {
                if let Some(w) = cur.take() {
                    words.push(w);
                }
            }
            '\'' => {
                let w = cur.get_or_insert_with(String::new);
                loop {
                    match it.next()? {
                        '\'' => break,
                        c => w.push(c),
                    }
                }
            }
            '"' => {
                let w = cur.get_or_insert_with(String::new);
                loop {
                    match it.next()? {
                        '"' => break,
                        '\\' => match it.next()? {
                            c @ ('"' | '\\' | '$' | '`') => w.push(c),
                            '\n' => {}
                            c => {
                                w.push('\\');
                                w.push(c);
                            }
                        },
                        '$' | '`' => return None,
                        c => w.push(c),
                    }
                }
            }
            '\\' => match it.next()? {
                '\n' => {}
                c => cur.get_or_insert_with(String::new).push(c),
            },
            '|' | ';' | '&' | '<' | '>' | '(' | ')' | '$' | '`' => return None,
            c => cur.get_or_insert_with(String::new).push(c),
        }
    }
    words.extend(cur);
    Some(words)
}
