//! Detection of Claude Code's limit, overload and login messages: bytes or text in, [`Detection`]s
//! out.
//!
//! This module owns the classification into [`Kind`]s and the [`Detector`], which compiles the
//! message catalogue (`catalogue`: CLAUDE-CODE-FACTS.md, "Limit messages", and what Claude Code
//! 2.1.332 prints, CLAUDE-CODE-2.1.332.md §1 and §7) with the user's extra patterns. The per-pane
//! [`Stream`] (`stream`) finds messages in raw `pipe-pane` output (escape stripping in [`strip`],
//! reset times in [`reset`]), and [`auto_continue_armed`] reads Claude's own wait for the reset
//! off a captured screen. It is pure: the clock and the machine's zone are passed in, and it never
//! touches files or tmux.
//!
//! The invariants a newcomer could break are the catalogue's (rule order, anchoring, open limit
//! names): see `catalogue`.

mod catalogue;
pub mod reset;
mod stream;
pub mod strip;

use std::fmt;
use std::sync::LazyLock;

use jiff::Timestamp;
use jiff::tz::TimeZone;
use regex::Regex;

use catalogue::{NAMED_IN_RESET, PREFIX_GLYPHS, RULES, SEPARATORS, Scope, keyword_alternation, limit_name};
use stream::Context;

pub use reset::parse_reset;
pub use stream::{Carry, Stream};
pub use strip::Stripper;

/// What a message means for the account that printed it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    /// The account is out of quota: fail over.
    Exhausted,
    /// Getting close: show it, don't swap.
    Warning,
    /// Overload, rate limiting or model fallback: not the account's fault, ignore.
    Transient,
    /// The account needs `/login`: mark it and fail over away from it.
    Auth,
}

/// One classified message.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Detection {
    pub kind: Kind,
    /// Which limit: `session` (the 5-hour limit), `weekly`, `opus`, `sonnet`, `daily`, `monthly`,
    /// `usage`, `credit`, `extra_usage`, `budget`, `spend`, `disabled` (the org or an admin turned
    /// usage off), or a model's own limit named by its lowercased word (`fable`, a future `zephyr`);
    /// `None` when the message does not say (or for transient/auth messages, which are not about a
    /// quota).
    pub limit: Option<String>,
    #[serde(serialize_with = "serialize_utc")]
    pub resets_at: Option<Timestamp>,
    /// The message, escape-free, trimmed, on one line (pieces from several lines joined by one
    /// space), without the glyph Claude prints before it.
    pub text: String,
}

impl Detection {
    /// Normalised text for deduplication: the same message redrawn with other colours, cursor
    /// moves, glyphs, separators, apostrophes or spacing gives the same fingerprint.
    pub fn fingerprint(&self) -> String {
        let mut out = String::with_capacity(self.text.len());
        let mut at_gap = true;
        for c in self.text.chars() {
            let c = match c {
                '’' | '‘' | '`' | '´' => '\'',
                _ => c,
            };
            if c.is_whitespace() || SEPARATORS.contains(&c) || PREFIX_GLYPHS.contains(&c) {
                if !at_gap {
                    out.push(' ');
                    at_gap = true;
                }
                continue;
            }
            out.extend(c.to_lowercase());
            at_gap = false;
        }
        if out.ends_with(' ') {
            out.pop();
        }
        out
    }
}

fn serialize_utc<S: serde::Serializer>(ts: &Option<Timestamp>, s: S) -> Result<S::Ok, S::Error> {
    match ts {
        Some(ts) => s.serialize_str(&ts.strftime("%Y-%m-%dT%H:%M:%SZ").to_string()),
        None => s.serialize_none(),
    }
}

/// A user-supplied extra pattern that does not compile.
#[derive(Debug)]
pub struct PatternError {
    pub pattern: String,
    pub error: regex::Error,
}

impl fmt::Display for PatternError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "invalid extra detection pattern `{}`: {}; fix or remove it in the config", self.pattern, self.error)
    }
}

impl std::error::Error for PatternError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&self.error)
    }
}

struct Hit {
    kind: Kind,
    limit: Option<String>,
    start: usize,
}

/// Compiled catalogue plus the user's extra patterns.
#[derive(Clone)]
pub struct Detector {
    prefilter: regex::bytes::Regex,
    extra: Vec<Regex>,
}

impl fmt::Debug for Detector {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Detector").field("extra", &self.extra.iter().map(Regex::as_str).collect::<Vec<_>>()).finish()
    }
}

impl Detector {
    /// `extra_patterns` are regexes (Rust `regex` syntax) for messages the catalogue lacks; a match
    /// is `exhausted` with no scope, and a `resets …` part in the line gives the reset time. They
    /// are searched in each escape-stripped line as printed (so `^` is before any `⎿` glyph) and
    /// tried after the catalogue.
    pub fn new(extra_patterns: &[String]) -> Result<Self, PatternError> {
        let mut extra = Vec::with_capacity(extra_patterns.len());
        let mut prefilter = keyword_alternation();
        for pattern in extra_patterns {
            let re = Regex::new(pattern).map_err(|error| PatternError { pattern: pattern.clone(), error })?;
            extra.push(re);
            prefilter.push_str("|(?m:(?:");
            prefilter.push_str(pattern);
            prefilter.push_str("))");
        }
        let prefilter = regex::bytes::Regex::new(&prefilter)
            .map_err(|error| PatternError { pattern: extra_patterns.join(" | "), error })?;
        Ok(Detector { prefilter, extra })
    }

    /// Classify one already-stripped chunk of text (may contain several lines). `now` and `local`
    /// (the machine's zone) are passed in: this module never reads the clock.
    pub fn scan_text(&self, text: &str, now: Timestamp, local: &TimeZone) -> Vec<Detection> {
        let mut context = Context::default();
        let mut out = Vec::new();
        context.scan_region(self, text.as_bytes(), false, now, local, &mut out);
        if let Some(pending) = context.pending.take() {
            out.push(pending.detection);
        }
        out
    }

    /// The first catalogue rule matching `s` at a position `accept` likes.
    fn classify_builtin(&self, s: &str, accept: impl Fn(usize, usize) -> bool) -> Option<Hit> {
        RULES.iter().find_map(|rule| {
            rule.re.captures_iter(s).find_map(|caps| {
                let m = caps.name("m")?;
                if !accept(m.start(), m.end()) {
                    return None;
                }
                let limit = match rule.scope {
                    Scope::None => None,
                    Scope::Fixed(name) => Some(name.to_owned()),
                    Scope::Captured => caps.name("scope").map(|w| limit_name(w.as_str())),
                    Scope::NamedInReset => Some(
                        caps.name("scope")
                            .or_else(|| NAMED_IN_RESET.captures(&s[m.start()..]).and_then(|c| c.name("scope")))
                            .map_or_else(|| "usage".to_owned(), |w| limit_name(w.as_str())),
                    ),
                };
                Some(Hit { kind: rule.kind, limit, start: m.start() })
            })
        })
    }

    /// Classifies one line; returns the detection and the message text it came from (kept to
    /// join a reset part printed on the next line).
    fn classify_line(&self, raw: &str, now: Timestamp, local: &TimeZone) -> Option<(Detection, String)> {
        if is_input_line(raw) {
            return None;
        }
        let cleaned = clean(raw);
        if let Some(hit) = self.classify_builtin(cleaned, |_, _| true) {
            let message = &cleaned[hit.start..];
            return Some((build(hit, message, now, local), message.to_owned()));
        }
        if self.extra.iter().any(|re| re.is_match(raw)) {
            let detection = Detection {
                kind: Kind::Exhausted,
                limit: None,
                resets_at: parse_reset(cleaned, now, local),
                text: tidy(cleaned),
            };
            return Some((detection, cleaned.to_owned()));
        }
        None
    }

    /// Classifies a message the TUI wrapped over two lines. Only a match that starts on the first
    /// line and ends on the second counts: anything else was (or will be) found on its own line.
    fn classify_wrapped(
        &self,
        first: &str,
        second: &str,
        now: Timestamp,
        local: &TimeZone,
    ) -> Option<(Detection, String)> {
        if is_input_line(first) {
            return None;
        }
        let (first, second) = (clean(first), clean(second));
        if first.is_empty() || second.is_empty() {
            return None;
        }
        let joined = format!("{first} {second}");
        let boundary = first.len();
        let hit = self.classify_builtin(&joined, |start, end| start < boundary && end > boundary + 1)?;
        let message = &joined[hit.start..];
        Some((build(hit, message, now, local), message.to_owned()))
    }
}

fn build(hit: Hit, message: &str, now: Timestamp, local: &TimeZone) -> Detection {
    Detection { kind: hit.kind, limit: hit.limit, resets_at: parse_reset(message, now, local), text: tidy(message) }
}

/// Claude's input box: `> …` (inside `│ … │`). What the user types or pastes there — a copied
/// limit message included — is never Claude reporting a limit, and must not fail the pane over.
fn is_input_line(raw: &str) -> bool {
    let t = raw.trim_start_matches(|c: char| c.is_whitespace() || c == '│' || c == '|');
    t.starts_with('>') || t.starts_with('❯')
}

/// Drops the glyph before a message. A trailing separator stays: it belongs between this line
/// and a wrapped reset part; [`tidy`] removes it from the final text.
fn clean(line: &str) -> &str {
    line.trim_start_matches(|c: char| c.is_whitespace() || PREFIX_GLYPHS.contains(&c)).trim_end()
}

/// One line, single spaces: cursor-forward and padding make spacing differ between redraws.
fn tidy(message: &str) -> String {
    let mut out = String::with_capacity(message.len());
    for word in message.split_whitespace() {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(word);
    }
    let keep = out.trim_end_matches(|c: char| c.is_whitespace() || SEPARATORS.contains(&c)).len();
    out.truncate(keep);
    out
}

/// Claude's own wait, armed: the footer `Continuing automatically at 8:45pm · Esc to cancel` /
/// `Continuing shortly · Esc to cancel` (2.1.332) or the old screen `Usage limit reached ·
/// continuing automatically at 7pm · esc or type to cancel`. Anchored like the rules.
static WAIT_ARMED: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?i)(?:^|\s{2,}|\s[·∙•|]\s+)continuing\s+(?:automatically|shortly)\b[^·∙•]{0,40}[·∙•]\s*esc\s+(?:or\s+type\s+)?to\s+cancel\b",
    )
    .expect("constant WAIT_ARMED pattern compiles")
});

/// The wait given up: `Automatic continue cancelled · …` (Esc, a relaunch, an exit) or
/// `Automatic continue stopped · …` (reset too far out, repeated hits, login changed).
static WAIT_ENDED: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)(?:^|\s{2,}|\s[·∙•|]\s+)automatic\s+continue\s+(?:cancell?ed|stopped)\b")
        .expect("constant WAIT_ENDED pattern compiles")
});

/// Whether a captured screen shows Claude's OWN wait for the limit reset as armed: claude will
/// resend by itself after the reset, so nothing should type into the pane (the old builds cancel
/// the wait on any key; 2.1.332 on Esc). `screen` is a `capture-pane` text (escape sequences, if
/// any, are stripped here). Case-insensitive.
///
/// True only for the live footer (`Continuing automatically at 8:45pm · Esc to cancel`,
/// `Continuing shortly · Esc to cancel`) or the old one-line screen (`… continuing automatically
/// at 7pm · esc or type to cancel`), and only when no `Automatic continue cancelled/stopped` line
/// comes after it. Not for `Usage limit reached · set to continue automatically at …` alone:
/// that is also what a session resumed with `--resume` re-draws from its history, with no wait
/// armed. Lines in the input box (`> …`, `❯ …`) are the user's, never claude's.
pub fn auto_continue_armed(screen: &str) -> bool {
    let stripped;
    let screen = if screen.contains('\x1b') {
        let mut out = Vec::with_capacity(screen.len());
        Stripper::new().push(screen.as_bytes(), &mut out);
        stripped = String::from_utf8_lossy(&out).into_owned();
        stripped.as_str()
    } else {
        screen
    };
    let lines: Vec<&str> = screen.lines().filter(|l| !is_input_line(l)).map(clean).filter(|l| !l.is_empty()).collect();
    let mut armed = None;
    let mut ended = None;
    for (i, line) in lines.iter().enumerate() {
        // A narrow pane may wrap the footer: "… · Esc to" / "cancel".
        let wrapped = || lines.get(i + 1).is_some_and(|next| WAIT_ARMED.is_match(&format!("{line} {next}")));
        if WAIT_ARMED.is_match(line) || wrapped() {
            armed = Some(i);
        }
        if WAIT_ENDED.is_match(line) {
            ended = Some(i);
        }
    }
    armed.is_some_and(|a| ended.is_none_or(|e| e < a))
}

#[cfg(test)]
mod tests;
