//! Claude Code's TUI as `capture-pane` shows it: whether the prompt box is up and what it holds,
//! and the screens that stop a relaunch (the trust and bypass dialogs, the limit dialog, a resume
//! that found no conversation). Pure: a screen's text in, facts out.
//!
//! The invariant a newcomer could break: a relaunch types only into a prompt box, never into a
//! dialog. Every dialog Claude opens at start preselects "No, exit", so a stray Enter there ends
//! the session; [`blocker`] is checked before [`prompt_box`] is trusted, and a dialog is reported,
//! never answered.

/// A screen that keeps a relaunched claude from taking the resume prompt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Blocker {
    /// "Accessing workspace: … ❯ No, exit / Yes, I trust this folder" (2.1.332), or the older
    /// "Do you trust the files in this folder?".
    Trust,
    /// `--dangerously-skip-permissions` on a config dir that never accepted it.
    Bypass,
    /// "What do you want to do?" after a limit that resets days away (or a Sonnet limit).
    LimitChoice,
    /// `--resume <id>` found no transcript: claude printed this and exited.
    NoConversation,
    /// "Adding a new directory: … ❯ No, exit / Yes, add it" (2.1.332): an `--add-dir` folder
    /// this account has never trusted.
    AddDir,
}

impl Blocker {
    pub fn describe(self) -> &'static str {
        match self {
            Blocker::Trust => "claude stopped at the folder trust dialog",
            Blocker::Bypass => "claude stopped at the Bypass Permissions dialog",
            Blocker::LimitChoice => "claude opened its usage-limit dialog (\"What do you want to do?\")",
            Blocker::NoConversation => "claude found no conversation to resume",
            Blocker::AddDir => {
                "claude stopped at its dialog for a directory given with --add-dir that this account does not trust"
            }
        }
    }
}

/// The first blocking screen shown, if any. Only the live frame is passed in (the TUI runs in the
/// alternate screen), so a dialog in an old scrollback does not count.
pub fn blocker(screen: &str) -> Option<Blocker> {
    let has = |s: &str| screen.contains(s);
    if has("No conversation found with session ID") {
        Some(Blocker::NoConversation)
    } else if has("Yes, I trust this folder")
        || has("Accessing workspace:")
        || has("Do you trust the files in this folder?")
    {
        Some(Blocker::Trust)
    } else if has("Adding a new directory:") && has("Yes, add it") {
        Some(Blocker::AddDir)
    } else if has("Bypass Permissions mode") && has("Yes, I accept") {
        Some(Blocker::Bypass)
    } else if has("What do you want to do?") && has("Enter to confirm") {
        Some(Blocker::LimitChoice)
    } else {
        None
    }
}

/// A dialog none of [`blocker`]'s: a menu that waits for Enter (or Esc) and no prompt box. A
/// release that adds one stops every relaunch there; it is reported as drift, never answered.
pub fn unknown_dialog(screen: &str) -> Option<String> {
    let menu = screen.contains("Enter to confirm") || screen.contains("Esc to cancel");
    if !menu || blocker(screen).is_some() || prompt_box(screen).is_some() {
        return None;
    }
    // Its title: the last line with words above its first choice (`❯ 1. …`).
    let lines: Vec<&str> =
        screen.lines().map(|l| l.trim().trim_matches(|c: char| "│╭╮╰╯─ ".contains(c)).trim()).collect();
    let first_choice = lines.iter().position(|l| l.starts_with('❯') || l.starts_with("1.")).unwrap_or(lines.len());
    let title =
        lines[..first_choice].iter().rev().find(|l| l.chars().any(char::is_alphabetic)).copied().unwrap_or("a dialog");
    Some(title.chars().take(100).collect())
}

fn is_rule(line: &str) -> bool {
    let t = line.trim();
    t.chars().count() >= 8 && t.chars().all(|c| c == '─')
}

/// The text in the prompt box, `Some("")` when it is empty; `None` when no prompt box is on the
/// screen (claude starting, a dialog, a shell).
///
/// 2.1.332 draws the box as a `❯` line between two rules of `─`; older builds drew a rounded box
/// with `│ > text │`. A wrapped prompt continues on the lines below the `❯` line, up to the rule.
pub fn prompt_box(screen: &str) -> Option<String> {
    let lines: Vec<&str> = screen.lines().collect();
    for (i, line) in lines.iter().enumerate().rev() {
        if let Some(rest) = line.strip_prefix('❯') {
            let above = lines[..i].iter().rev().find(|l| !l.trim().is_empty());
            if !above.is_some_and(|l| is_rule(l)) {
                continue;
            }
            let mut text = rest.trim().to_string();
            for more in &lines[i + 1..] {
                if is_rule(more) {
                    return Some(text);
                }
                let more = more.trim();
                if !more.is_empty() {
                    text.push(' ');
                    text.push_str(more);
                }
            }
            return None; // no closing rule: a frame half drawn
        }
        // Older builds: `│ > text   │` right below `╭───╮`.
        let t = line.trim();
        if let Some(inner) = t.strip_prefix("│ >").and_then(|r| r.strip_suffix('│')) {
            let above = lines[..i].iter().rev().find(|l| !l.trim().is_empty());
            if above.is_some_and(|l| l.trim().starts_with('╭')) {
                return Some(inner.trim().to_string());
            }
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    const RULE: &str = "────────────────────────────────────────────────────────────────────────";

    /// The bottom of a real 2.1.332 frame (captured from the CLI in the real-CLI tier).
    fn frame(input: &str) -> String {
        format!(
            "● ok: hello there\n\n✻ Churned for 0s · done 8:34 PM\n                         ◐ medium · /effort\n{RULE}\n❯ {input}\n{RULE}\n  ⏵⏵ auto mode on (shift+tab to cycle) · ← for agents\n"
        )
    }

    #[test]
    fn the_2_1_332_prompt_box() {
        assert_eq!(prompt_box(&frame("")).as_deref(), Some(""));
        assert_eq!(prompt_box(&frame("continue")).as_deref(), Some("continue"));
        // A submitted prompt stays in the history as `❯ text` with no rule above it.
        let s = format!("❯ continue\n  ⎿  You've hit your 5-hour limit · resets 8:45pm (UTC)\n{}", frame(""));
        assert_eq!(prompt_box(&s).as_deref(), Some(""));
        // A wrapped prompt.
        let s = format!("{RULE}\n❯ a long prompt that\n  wraps\n{RULE}\n");
        assert_eq!(prompt_box(&s).as_deref(), Some("a long prompt that wraps"));
        // Half a frame, a shell, a banner: no box.
        assert_eq!(prompt_box(&format!("{RULE}\n❯ cont")), None);
        assert_eq!(prompt_box("$ claude --resume x\n"), None);
        assert_eq!(prompt_box(" ▐▛███▛█   Claude Code v2.1.332\n"), None);
    }

    #[test]
    fn the_older_rounded_box() {
        let s = "╭──────────╮\n│ > hi     │\n╰──────────╯\n  ? for shortcuts\n";
        assert_eq!(prompt_box(s).as_deref(), Some("hi"));
    }

    #[test]
    fn a_menu_none_of_the_known_dialogs_is_unknown_with_its_title() {
        let screen = "$ claude --resume x\n╭──────────────╮\n│ Choose how Claude Code starts │\n│              │\n│ ❯ 1. Yes     │\n│   2. No, exit │\n╰──────────────╯\n   Enter to confirm · Esc to cancel\n";
        assert_eq!(unknown_dialog(screen).as_deref(), Some("Choose how Claude Code starts"));
        // The known ones are blockers, not unknown; a prompt box is no dialog.
        assert_eq!(unknown_dialog("What do you want to do?\n❯ 1. Stop\nEnter to confirm · Esc to cancel"), None);
        assert_eq!(unknown_dialog("> hello\n⏺ ok"), None);
    }

    #[test]
    fn dialogs_block_and_are_never_a_prompt_box() {
        let trust = " Accessing workspace:\n /home/u/w/projB\n Quick safety check: Is this a project you created or one you trust? (Like your own code, a well-known open source project, or work from your team). If not, take a moment to review what's in this\n folder first.\n Claude Code'll be able to read, edit, and execute files here.\n Security guide\n ❯ No, exit\n   Yes, I trust this folder\n Enter to confirm · Esc to cancel\n";
        assert_eq!(blocker(trust), Some(Blocker::Trust));
        assert_eq!(prompt_box(trust), None);
        let bypass = "  WARNING: Claude Code running in Bypass Permissions mode\n  ❯ No, exit\n    Yes, I accept\n";
        assert_eq!(blocker(bypass), Some(Blocker::Bypass));
        assert_eq!(prompt_box(bypass), None);
        let limit = "  What do you want to do?\n  ❯ 1. Stop and wait for limit to reset\n    2. Wait here, then continue automatically at Dec 3, 8:46pm\n    3. Switch to usage credits\n  Enter to confirm · Esc to cancel\n";
        assert_eq!(blocker(limit), Some(Blocker::LimitChoice));
        assert_eq!(prompt_box(limit), None);
        assert_eq!(
            blocker("No conversation found with session ID: 12345678-1234-4234-8234-123456789abc\n$ "),
            Some(Blocker::NoConversation)
        );
        assert_eq!(blocker("│ Do you trust the files in this folder? │"), Some(Blocker::Trust));
        // 2.1.332, `--add-dir` of a folder this account never trusted (captured from the CLI).
        let add_dir = " Adding a new directory:\n\n /tmp/cf-it-n1eRTo/home/src/extra\n\n This session hasn't worked here before. Is this a directory you created or one you trust?\n Claude Code'll be able to read, edit, and execute files here.\n\n Security guide\n\n ❯ No, exit\n   Yes, add it\n\n Enter to confirm · Esc to cancel\n";
        assert_eq!(blocker(add_dir), Some(Blocker::AddDir));
        assert_eq!(prompt_box(add_dir), None);
        assert_eq!(blocker(&frame("")), None);
    }
}
