//! Reading an argv the way getopt does: options, `--`, operands, and GNU long options, which
//! may be abbreviated to any unique prefix (`rm --rec` is `rm --recursive`).

use std::borrow::Cow;

use super::syntax::Word;

pub(super) fn basename(t: &str) -> &str {
    t.rsplit('/').next().unwrap_or(t)
}

/// The name a command word runs, for choosing its rule: the last component of a path (`/`,
/// or `\` in a quoted Windows path), without `.exe`, in lower case. macOS and Windows file
/// systems are case-insensitive by default, so `RM -rf /` runs `rm` there, and Git Bash runs
/// `git.exe`.
pub(super) fn cmd_name(t: &str) -> Cow<'_, str> {
    let base = t.rsplit(['/', '\\']).next().unwrap_or(t);
    let base = match base.len().checked_sub(4) {
        Some(k) if base.is_char_boundary(k) && base[k..].eq_ignore_ascii_case(".exe") => &base[..k],
        _ => base,
    };
    if base.bytes().any(|b| b.is_ascii_uppercase()) {
        Cow::Owned(base.to_ascii_lowercase())
    } else {
        Cow::Borrowed(base)
    }
}

pub(super) fn text_at(ws: &[Word], i: usize) -> Option<&str> {
    ws.get(i).map(|w| w.text.as_str())
}

pub(super) fn joined(ws: &[Word]) -> String {
    ws.iter().map(|w| w.text.as_str()).collect::<Vec<_>>().join(" ")
}

pub(super) fn is_option(t: &str) -> bool {
    t.starts_with('-') && t.len() > 1
}

/// Skip `-x` options (those in `with_arg` consume the next word too); `--` ends them.
pub(super) fn skip_options(ws: &[Word], mut i: usize, with_arg: &[&str]) -> usize {
    while let Some(t) = text_at(ws, i) {
        if t == "--" {
            return i + 1;
        }
        if !is_option(t) {
            break;
        }
        i += if with_arg.contains(&t) { 2 } else { 1 };
    }
    i
}

/// Positional arguments: words not starting with `-` before `--`, everything after it.
pub(super) fn operands(args: &[Word]) -> Vec<&Word> {
    let mut out = Vec::new();
    let mut opts = true;
    for w in args {
        if opts && w.text == "--" {
            opts = false;
        } else if !(opts && is_option(&w.text)) {
            out.push(w);
        }
    }
    out
}

/// Could the word `t` be the long option `full` (given with its `--`)? GNU `getopt_long` and
/// git's parse-options accept any prefix of at least one letter: a unique one means that
/// option, an ambiguous one is an error, so treating every prefix as `full` never denies a
/// command that would have run differently. `--opt=value` counts as `--opt`.
pub(super) fn long_opt(t: &str, full: &str) -> bool {
    let name = t.split_once('=').map_or(t, |(n, _)| n);
    name.len() > 2 && name.starts_with("--") && full.starts_with(name)
}

/// A cluster of short options (`-rf`, `-xdf`) that contains `c`. Not `--long`, not `-`.
pub(super) fn short_has(t: &str, c: char) -> bool {
    t.len() > 1 && t.starts_with('-') && !t.starts_with("--") && t[1..].contains(c)
}
