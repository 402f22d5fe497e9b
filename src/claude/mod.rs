//! Claude Code's on-disk layout under one config directory (`CLAUDE_CONFIG_DIR`), one file or
//! format per submodule: where transcripts live and what they say (`transcripts`: the
//! synthetic API-error lines, the typed prompts), the live-session registry `sessions/<pid>.json`
//! (`registry`), the trust and Bypass Permissions acceptances a relaunched claude needs
//! (`consent`), and the exit hint `claude --resume <uuid>` (`resume_hint`). The rest of the
//! crate uses them through the re-exports here (`claude::find_transcript`, …).
//!
//! Everything here reads files that Claude Code owns and rewrites at will, so every reader treats
//! them as untrusted input. The invariant a newcomer could break: a session id only leaves this
//! module (towards a path, a tmux `send-keys` or a shell) after passing [`is_session_id`]; every
//! parser in the submodules enforces that, so do not add one that returns an unchecked id.

mod consent;
mod registry;
mod resume_hint;
mod transcripts;

pub use consent::{
    bypass_accepted, claude_json_path, home_claude_json, is_trusted, is_trusted_in, set_bypass_accepted, set_trusted,
};
pub use registry::{LiveSession, live_sessions, read_live_session};
pub use resume_hint::{parse_resume_hint, parse_resume_hint_args};
pub use transcripts::{
    ApiError, MAX_ENCODED_LEN, canonical_cwd, find_project_dir, find_transcript, last_typed_prompt,
    parse_transcript_line, project_dir_name, prompt_taken_since, transcript_exists, transcript_path,
};

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

#[cfg(test)]
mod tests {
    use super::*;

    const SID: &str = "0b5e7c1a-3f2d-4e8b-9a6c-1d2e3f4a5b6c";
    const SID2: &str = "ffffffff-0000-4000-8000-123456789abc";

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
}
