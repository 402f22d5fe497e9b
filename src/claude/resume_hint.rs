//! The exit hint `claude --resume <uuid>` read off a captured screen: the session id, and the
//! launch flags 2.1.332 repeats in it. The screen is text anything could have printed: the id
//! leaves only through [`is_session_id`], and the flags are words for the caller to quote, never
//! a command line.

use super::is_session_id;

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

#[cfg(test)]
mod tests {
    use super::*;

    const SID: &str = "0b5e7c1a-3f2d-4e8b-9a6c-1d2e3f4a5b6c";
    const SID2: &str = "ffffffff-0000-4000-8000-123456789abc";

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
}
