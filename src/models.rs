//! Models: which model family a limit is about, and which model a pane runs.
//!
//! Claude Code's limits are either account-wide (the 5-hour session, the week, credits) or about
//! one model (`You've hit your Opus limit`, a transcript's `rateLimitType: seven_day_opus`). A
//! model-scoped limit exhausts that model on that account, not the account: a pane on another
//! model goes on where it is. A pane's model comes from its own `--model` flag, else from the
//! last real reply in its transcript (`message.model`; the API-error lines say `<synthetic>`).

use std::io::{Read, Seek, SeekFrom};
use std::path::Path;

/// Limit names (from `detect` and `claude::ApiError::limit_name`) that are about the account.
const ACCOUNT_WIDE: &[&str] = &["session", "weekly", "credit", "extra_usage", "spend", "daily", "monthly", "usage"];

/// Model families we know by name; an unknown word in a model id is taken as a family too.
const FAMILIES: &[&str] = &["opus", "sonnet", "haiku", "fable"];

/// Words of a model id that are never its family.
const NOT_FAMILIES: &[&str] = &["claude", "default", "best", "latest", "plan", "synthetic"];

/// The model family a limit claim names, or `None` for an account-wide limit.
pub fn limit_model(limit: &str) -> Option<String> {
    let l = limit.trim().to_ascii_lowercase();
    if l.is_empty() || ACCOUNT_WIDE.contains(&l.as_str()) {
        return None;
    }
    family(&l)
}

/// The family of a model id or alias: `claude-opus-4-5-20251101` and `opus[1m]` → `opus`,
/// `claude-zephyr-5` → `zephyr`; `<synthetic>`, `default`, an empty string → `None`.
pub fn family(model: &str) -> Option<String> {
    let m = model.trim().to_ascii_lowercase();
    let words: Vec<&str> = m.split(|c: char| !c.is_ascii_alphanumeric()).filter(|w| !w.is_empty()).collect();
    if let Some(known) = words.iter().find_map(|w| FAMILIES.iter().find(|f| w.starts_with(**f))) {
        return Some((*known).to_string()); // `opusplan` is Opus
    }
    words
        .iter()
        .find(|w| w.chars().all(|c| c.is_ascii_alphabetic()) && w.len() >= 3 && !NOT_FAMILIES.contains(w))
        .map(|w| (*w).to_string())
}

/// The value of a claude argv's `--model` (`--model x` or `--model=x`), the last one winning.
pub fn model_flag(argv: &[String]) -> Option<String> {
    let mut found = None;
    let mut it = argv.iter();
    while let Some(a) = it.next() {
        if a == "--model" {
            found = it.next().cloned();
        } else if let Some(v) = a.strip_prefix("--model=") {
            found = Some(v.to_string());
        }
    }
    found
}

/// The model of the last real assistant reply in a transcript (its last 256 KiB are read).
pub fn transcript_model(path: &Path) -> Option<String> {
    const TAIL: u64 = 256 * 1024;
    let mut f = std::fs::File::open(path).ok()?;
    let len = f.metadata().ok()?.len();
    f.seek(SeekFrom::Start(len.saturating_sub(TAIL))).ok()?;
    let mut buf = Vec::new();
    f.take(TAIL).read_to_end(&mut buf).ok()?;
    let text = String::from_utf8_lossy(&buf);
    text.lines().rev().filter(|l| l.contains("\"assistant\"") && l.contains("\"model\"")).find_map(|l| {
        let v: serde_json::Value = serde_json::from_str(l).ok()?;
        if v.get("type")?.as_str()? != "assistant" {
            return None;
        }
        let m = v.get("message")?.get("model")?.as_str()?;
        (!m.starts_with('<')).then(|| m.to_string())
    })
}

/// The family of the model a pane runs: its flag, else its transcript's last reply.
pub fn pane_family(argv: &[String], transcript: Option<&Path>) -> Option<String> {
    model_flag(argv).and_then(|m| family(&m)).or_else(|| transcript.and_then(transcript_model).and_then(|m| family(&m)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn account_wide_limits_name_no_model_and_model_limits_name_theirs() {
        for l in ACCOUNT_WIDE {
            assert_eq!(limit_model(l), None, "{l}");
        }
        assert_eq!(limit_model("opus").as_deref(), Some("opus"));
        assert_eq!(limit_model("Sonnet").as_deref(), Some("sonnet"));
        assert_eq!(limit_model("fable").as_deref(), Some("fable"));
        // A model nobody has seen yet (the grammar keeps the word before "limit").
        assert_eq!(limit_model("zephyr").as_deref(), Some("zephyr"));
        assert_eq!(limit_model(""), None);
    }

    #[test]
    fn families_of_ids_and_aliases() {
        for (id, fam) in [
            ("claude-opus-4-5-20251101", Some("opus")),
            ("claude-sonnet-4-5", Some("sonnet")),
            ("claude-3-5-haiku-20241022", Some("haiku")),
            ("opus[1m]", Some("opus")),
            ("opusplan", Some("opus")),
            ("sonnet", Some("sonnet")),
            ("claude-zephyr-5", Some("zephyr")),
            ("<synthetic>", None),
            ("default", None),
            ("", None),
        ] {
            assert_eq!(family(id).as_deref(), fam, "{id}");
        }
    }

    #[test]
    fn the_model_flag_in_both_forms_the_last_one_winning() {
        let v = |a: &[&str]| a.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert_eq!(model_flag(&v(&["claude", "--model", "sonnet", "--add-dir", "/x"])).as_deref(), Some("sonnet"));
        assert_eq!(model_flag(&v(&["claude", "--model=opus", "--model", "haiku"])).as_deref(), Some("haiku"));
        assert_eq!(model_flag(&v(&["claude", "--model"])), None);
        assert_eq!(model_flag(&v(&["claude"])), None);
    }

    #[test]
    fn a_transcripts_model_is_its_last_real_reply_not_an_error_line() {
        let tmp = tempfile::tempdir().unwrap();
        let t = tmp.path().join("s.jsonl");
        std::fs::write(
            &t,
            concat!(
                r#"{"type":"user","message":{"role":"user","content":"hi"}}"#,
                "\n",
                r#"{"type":"assistant","message":{"model":"claude-sonnet-4-5","role":"assistant"}}"#,
                "\n",
                r#"{"type":"assistant","isApiErrorMessage":true,"message":{"model":"<synthetic>","role":"assistant"}}"#,
                "\n",
            ),
        )
        .unwrap();
        assert_eq!(transcript_model(&t).as_deref(), Some("claude-sonnet-4-5"));
        assert_eq!(pane_family(&[], Some(&t)).as_deref(), Some("sonnet"));
        // The flag wins over the transcript.
        assert_eq!(pane_family(&["--model".into(), "opus".into()], Some(&t)).as_deref(), Some("opus"));
        assert_eq!(transcript_model(&tmp.path().join("none.jsonl")), None);
    }
}
