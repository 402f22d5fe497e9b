//! Detection of Claude Code's limit, overload and login messages: bytes or text in, [`Detection`]s
//! out.
//!
//! This module owns the message catalogue (CLAUDE-CODE-FACTS.md, "Limit messages"), the
//! classification into [`Kind`]s, and the per-pane [`Stream`] that finds messages in raw
//! `pipe-pane` output (escape stripping in [`strip`], reset times in [`reset`]). It is pure: the
//! clock and the machine's zone are passed in, and it never touches files or tmux.
//!
//! The invariant a newcomer could break: rule order in `RULE_SPECS`. Transient, login and
//! warning phrasings are tried before the exhausted ones because some of them contain the
//! exhausted words ("Claude Opus 4 limit reached, now using Claude Sonnet 4" is a model fallback,
//! not an empty account); an exhausted rule moved above them would fail accounts over on a harmless
//! fallback. Second to that: rules are anchored to where Claude prints a message (line start after
//! a glyph such as `⎿`, a wide gap, or a ` · ` separator) so that prose, code and grep output that
//! merely quote a message do not match; keep new rules anchored the same way.

pub mod reset;
pub mod strip;

use std::fmt;
use std::sync::LazyLock;

use jiff::Timestamp;
use jiff::tz::TimeZone;
use regex::Regex;

pub use reset::parse_reset;
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
    /// Which limit: `session`, `weekly`, `opus`, `sonnet`, `daily`, `monthly`, `usage`, `credit`,
    /// `extra_usage`, `budget`, `spend`; `None` when the message does not say (or for
    /// transient/auth messages, which are not about a quota).
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

/// Glyphs Claude prints before a message (`⎿` tool result, `⏺` assistant, `⚠` warning, spinner
/// frames). `>` and `│` are deliberately absent: they start the user's own prompt box, and a user
/// pasting a limit message into the prompt must not fail the pane over.
const PREFIX_GLYPHS: &[char] = &[
    '⎿', '⏺', '⚠', '\u{fe0f}', '●', '•', '·', '∙', '✻', '✳', '✶', '✢', '✽', '*', '⧉', '✗', '✘', '✔', '✓', 'ℹ', '⏵',
    '⏸', '※', '◆', '◇', '○', '◯', '◉',
];
/// Separators between the parts of a message, and trailing junk after it.
const SEPARATORS: &[char] = &['·', '∙', '•', '-', '–', '—', '|', '│', '┃'];

/// One word naming a limit; two may combine ("Opus weekly", "extra usage spending").
const SCOPE_WORD: &str = r"(?:5|five)[- ]?hours?|session|daily|weekly|monthly|opus(?:\s+4(?:\.\d)?)?|sonnet(?:\s+4(?:\.\d)?)?|extra\s+usage|usage\s+credits?|usage|credits?|spend(?:ing)?";

#[derive(Debug, Clone, Copy)]
enum Scope {
    None,
    Fixed(&'static str),
    /// From the `scope` group; `None` when the group did not take part.
    Captured,
    /// "You're now using extra usage · Your session limit resets 3pm": the plan limit named in
    /// the reset part is the one that ran out.
    NamedInReset,
}

/// `(kind, scope, body)`. In a body, `'` matches both apostrophes and `SCOPES` is a `scope` group
/// of one or two [`SCOPE_WORD`]s. Order matters: see the module docs.
const RULE_SPECS: &[(Kind, Scope, &str)] = &[
    // Transient: the account is fine.
    (
        Kind::Transient,
        Scope::None,
        r"(?:claude\s+)?(?:opus|sonnet|haiku)\b[\w.\- ]{0,30}?\s*limit\s+reached,?\s+now\s+using\b",
    ),
    (Kind::Transient, Scope::None, r"api\s+error\b[^·∙•]{0,60}?\b429\b"),
    (Kind::Transient, Scope::None, r"request\s+rejected\s*\(\s*429\s*\)"),
    (Kind::Transient, Scope::None, r"server\s+is\s+temporarily\s+limiting\s+requests\b"),
    (Kind::Transient, Scope::None, r"api\s+error\b[^·∙•]{0,80}?(?:\b529\b|overloaded)"),
    (Kind::Transient, Scope::None, r"(?:[\w.\-]+\s+){1,4}is\s+(?:currently\s+)?experiencing\s+(?:a\s+)?high\s+load\b"),
    // Needs login.
    (Kind::Auth, Scope::None, r"not\s+logged\s+in\b"),
    (Kind::Auth, Scope::None, r"oauth\s+token\b[^·∙•]{0,40}?\b(?:revoked|expired|invalid)\b"),
    (Kind::Auth, Scope::None, r"(?:failed\s+to\s+authenticate\.?\s*)?(?:error:\s*)?api\s+error:?\s*\(?\s*401\b"),
    (Kind::Auth, Scope::None, r"invalid\s+api\s+key\b"),
    (Kind::Auth, Scope::None, r"[^·∙•]{1,80}?\s[·∙•]\s+please\s+run\s+/login\b"),
    // Warnings: before the exhausted rules, "of your session limit" would otherwise look spent.
    (
        Kind::Warning,
        Scope::Captured,
        r"you(?:'ve|\s+have)\s+used\s+\d{1,3}(?:\.\d+)?\s*%\s+of\s+(?:your\s+|the\s+)?SCOPES\s+limit\b",
    ),
    (Kind::Warning, Scope::Captured, r"approaching\s+(?:your\s+|the\s+)?SCOPES\s+limit\b"),
    (
        Kind::Warning,
        Scope::Captured,
        r"you(?:'re|\s+are)\s+(?:close\s+to|nearing|approaching)\s+(?:your\s+|the\s+)?SCOPES\s+limit\b",
    ),
    // Exhausted.
    (Kind::Exhausted, Scope::Fixed("usage"), r"claude(?:\s+ai)?\s+usage\s+limit\s+reached\b"),
    // A bare "Limit reached" must end there or continue with a separator: "Limit reached, retrying"
    // is some other program's prose.
    (Kind::Exhausted, Scope::Captured, r"(?:SCOPES\s+)?limit\s+reached(?:\s*$|\s*[·∙•|.\-–—])"),
    (Kind::Exhausted, Scope::Captured, r"you(?:'ve|\s+have)\s+(?:hit|reached)\s+your\s+(?:SCOPES\s+)?limit\b"),
    (
        Kind::Exhausted,
        Scope::Fixed("budget"),
        r"you(?:'ve|\s+have)\s+(?:hit|reached|used\s+up|exhausted)\s+(?:your\s+|the\s+)?(?:\(?(?:team|org|organization|organisation)'s\)?\s+)?(?:shared\s+)?budget\b",
    ),
    (
        Kind::Exhausted,
        Scope::Fixed("spend"),
        r"you(?:'ve|\s+have)\s+(?:hit|reached)\s+(?:your\s+|the\s+)?(?:\(?(?:team|org|organization|organisation)'s\)?\s+)?monthly\s+spend(?:ing)?\s+limit\b",
    ),
    (
        Kind::Exhausted,
        Scope::Fixed("spend"),
        r"(?:your\s+|the\s+)?(?:\(?(?:team|org|organization|organisation)'s\)?\s+)?monthly\s+spend(?:ing)?\s+limit(?:\s+(?:has\s+been\s+|was\s+)?(?:reached|hit|exceeded)\b|\s*$|\s*[·∙•|])",
    ),
    (
        Kind::Exhausted,
        Scope::Captured,
        r"you(?:'re|\s+are)\s+out\s+of\s+(?P<scope>extra\s+usage|usage\s+credits?|credits?|usage)\b",
    ),
    (Kind::Exhausted, Scope::NamedInReset, r"you(?:'re|\s+are)\s+now\s+using\s+extra\s+usage\b"),
];

struct Rule {
    kind: Kind,
    scope: Scope,
    re: Regex,
}

fn scopes_group() -> String {
    format!(r"(?P<scope>(?:{SCOPE_WORD})(?:\s+(?:{SCOPE_WORD}))?)")
}

static RULES: LazyLock<Vec<Rule>> = LazyLock::new(|| {
    RULE_SPECS
        .iter()
        .map(|&(kind, scope, body)| {
            let body = body.replace("SCOPES", &scopes_group()).replace('\'', "['’]");
            // Where Claude puts a message: the start of the (glyph-stripped) line, after a wide
            // gap (right-aligned footer), or after a " · " separator.
            let pattern = format!(r"(?i)(?:^|\s{{2,}}|\s[·∙•|]\s+)(?P<m>{body})");
            let re = Regex::new(&pattern).expect("constant rule pattern compiles");
            Rule { kind, scope, re }
        })
        .collect()
});

static NAMED_IN_RESET: LazyLock<Regex> = LazyLock::new(|| {
    let pattern = format!(r"(?i)\byour\s+{}\s+limit\s+(?:will\s+)?resets?\b", scopes_group());
    Regex::new(&pattern).expect("constant NAMED_IN_RESET pattern compiles")
});

/// A line that finishes the message on the line before it (the TUI wrapped it).
static CONTINUATION: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?i)^(?:[·∙•|\-–—]\s*)?(?:resets?\b|your\s+(?:[\w-]+\s+){0,3}limit\s+(?:will\s+)?resets?\b|continuing\s+automatically\b|try\s+again\b)",
    )
    .expect("constant CONTINUATION pattern compiles")
});

/// Cheap test run over whole chunks before any rule: a line without one of these words cannot
/// hold a catalogue message, and most pane output is such lines. Spelled out in the three cases
/// Claude uses (lower, Capitalised, UPPER) rather than with `(?i)`: a plain literal set runs on the
/// regex crate's SIMD literal search, about twice as fast as case-folded matching.
const KEYWORDS: &[&str] = &[
    "limit",
    "usage",
    "login",
    "logged in",
    "oauth",
    "api error",
    "api key",
    "overloaded",
    "credit",
    "budget",
    "spend",
    "high load",
];

fn keyword_alternation() -> String {
    let mut words = Vec::with_capacity(KEYWORDS.len() * 4);
    for word in KEYWORDS {
        let mut capitalised = word.to_string();
        if let Some(first) = capitalised.get_mut(..1) {
            first.make_ascii_uppercase();
        }
        words.extend([word.to_string(), capitalised, word.to_ascii_uppercase()]);
    }
    // Acronyms as Claude writes them.
    words.extend(["OAuth", "API Error", "API error", "API key", "API Key"].map(String::from));
    words.iter().map(|w| regex::escape(w)).collect::<Vec<_>>().join("|")
}

fn scope_name(words: &str) -> &'static str {
    const BY_PRIORITY: &[(&str, &str)] = &[
        ("opus", "opus"),
        ("sonnet", "sonnet"),
        ("credit", "credit"),
        ("extra", "extra_usage"),
        ("hour", "session"),
        ("session", "session"),
        ("weekly", "weekly"),
        ("spend", "spend"),
        ("daily", "daily"),
        ("monthly", "monthly"),
    ];
    let words = words.to_ascii_lowercase();
    BY_PRIORITY.iter().find(|(key, _)| words.contains(key)).map_or("usage", |&(_, name)| name)
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
                    Scope::Fixed(name) => Some(name),
                    Scope::Captured => caps.name("scope").map(|w| scope_name(w.as_str())),
                    Scope::NamedInReset => Some(
                        NAMED_IN_RESET
                            .captures(&s[m.start()..])
                            .and_then(|c| c.name("scope"))
                            .map_or("usage", |w| scope_name(w.as_str())),
                    ),
                };
                Some(Hit { kind: rule.kind, limit: limit.map(str::to_owned), start: m.start() })
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

/// A message missing its reset time; the next non-blank line may carry it.
#[derive(Debug)]
struct Pending {
    detection: Detection,
    message: String,
}

/// Line-level state shared by [`Detector::scan_text`] and [`Stream`].
#[derive(Debug, Default)]
struct Context {
    /// Last non-blank complete line before the region being scanned, to rejoin a wrapped message.
    prev: Vec<u8>,
    pending: Option<Pending>,
}

impl Context {
    /// Scans `region`, a run of lines (normally each ending in `\n`). With `skip_first_line`, the
    /// first line was already reported by [`Stream::flush`] while it was unterminated.
    fn scan_region(
        &mut self,
        det: &Detector,
        region: &[u8],
        skip_first_line: bool,
        now: Timestamp,
        local: &TimeZone,
        out: &mut Vec<Detection>,
    ) {
        let mut pos = if skip_first_line { (line_end(region, 0) + 1).min(region.len()) } else { 0 };
        while pos < region.len() {
            if self.pending.is_some() {
                // The line right after a message without its reset time must be looked at even
                // though it has no keyword ("∙ resets 3am").
                let (start, end) = (pos, line_end(region, pos));
                pos = end + 1;
                let line = &region[start..end];
                if is_blank(line) {
                    continue;
                }
                if !self.resolve_pending(det, line, now, local, out) && det.prefilter.is_match(line) {
                    self.classify(det, region, start, end, now, local, out);
                }
                continue;
            }
            let Some(hit) = det.prefilter.find_at(region, pos) else {
                break;
            };
            let (start, end) = (line_start(region, hit.start()), line_end(region, hit.start()));
            pos = end + 1;
            self.classify(det, region, start, end, now, local, out);
        }
        if let Some(last) = region.rsplit(|&b| b == b'\n').take(LOOKBACK).find(|l| !is_blank(l)) {
            self.prev.clear();
            self.prev.extend_from_slice(last);
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn classify(
        &mut self,
        det: &Detector,
        region: &[u8],
        start: usize,
        end: usize,
        now: Timestamp,
        local: &TimeZone,
        out: &mut Vec<Detection>,
    ) {
        let raw = String::from_utf8_lossy(&region[start..end]);
        let found = det.classify_line(&raw, now, local).or_else(|| {
            let prev =
                region[..start].rsplit(|&b| b == b'\n').take(LOOKBACK).find(|l| !is_blank(l)).unwrap_or(&self.prev);
            det.classify_wrapped(&String::from_utf8_lossy(prev), &raw, now, local)
        });
        if let Some((detection, message)) = found {
            self.settle(detection, message, out);
        }
    }

    fn settle(&mut self, detection: Detection, message: String, out: &mut Vec<Detection>) {
        let waits_for_reset =
            detection.resets_at.is_none() && matches!(detection.kind, Kind::Exhausted | Kind::Warning);
        if waits_for_reset {
            if let Some(older) = self.pending.replace(Pending { detection, message }) {
                out.push(older.detection);
            }
        } else {
            if let Some(older) = self.pending.take() {
                out.push(older.detection);
            }
            out.push(detection);
        }
    }

    /// Emits the pending message, merged with `line` when that line is its reset part. Returns
    /// whether `line` was used up that way.
    fn resolve_pending(
        &mut self,
        det: &Detector,
        line: &[u8],
        now: Timestamp,
        local: &TimeZone,
        out: &mut Vec<Detection>,
    ) -> bool {
        let Some(pending) = self.pending.take() else {
            return false;
        };
        let raw = String::from_utf8_lossy(line);
        let next = clean(&raw);
        if !CONTINUATION.is_match(next) {
            out.push(pending.detection);
            return false;
        }
        let joined = format!("{} {next}", pending.message);
        let merged = match det.classify_builtin(&joined, |start, _| start == 0) {
            Some(hit) => build(hit, &joined, now, local),
            None => Detection { resets_at: parse_reset(&joined, now, local), text: tidy(&joined), ..pending.detection },
        };
        out.push(merged);
        true
    }

    /// Classifies the unterminated last line at the end of a read batch. Pending messages are
    /// emitted here rather than kept: the pane may stay silent for hours. Returns whether the line
    /// produced (or completed) a detection, so that its newline arriving later does not repeat it.
    fn flush_partial(
        &mut self,
        det: &Detector,
        line: &[u8],
        now: Timestamp,
        local: &TimeZone,
        out: &mut Vec<Detection>,
    ) -> bool {
        if is_blank(line) {
            if let Some(pending) = self.pending.take() {
                out.push(pending.detection);
            }
            return false;
        }
        if self.resolve_pending(det, line, now, local, out) {
            return true;
        }
        let before = out.len();
        if det.prefilter.is_match(line) {
            self.classify(det, line, 0, line.len(), now, local, out);
        }
        if let Some(pending) = self.pending.take() {
            out.push(pending.detection);
        }
        out.len() > before
    }
}

/// How many lines back we look for the first half of a wrapped message.
const LOOKBACK: usize = 8;

fn line_start(region: &[u8], at: usize) -> usize {
    region[..at].iter().rposition(|&b| b == b'\n').map_or(0, |i| i + 1)
}

fn line_end(region: &[u8], at: usize) -> usize {
    region[at..].iter().position(|&b| b == b'\n').map_or(region.len(), |i| at + i)
}

fn is_blank(line: &[u8]) -> bool {
    line.iter().all(u8::is_ascii_whitespace)
}

/// An unterminated line longer than this is scanned as if complete, so that output without
/// newlines cannot grow the buffer without bound.
const MAX_PARTIAL: usize = 64 * 1024;
/// How much of an unterminated line is carried across a restart.
const CARRY_MAX: usize = 4 * 1024;

/// See [`Stream::carry`].
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Carry {
    #[serde(default)]
    pub partial: Vec<u8>,
    #[serde(default)]
    pub reported: bool,
    #[serde(default)]
    pub stripper: Stripper,
}

/// Per-pane streaming state: escape stripper state + partial line + a small tail of recent lines.
#[derive(Debug, Default)]
pub struct Stream {
    stripper: Stripper,
    /// Stripped bytes of the current, unterminated line.
    partial: Vec<u8>,
    context: Context,
    /// `flush` already reported the current partial line.
    partial_reported: bool,
}

impl Stream {
    pub fn new() -> Self {
        Self::default()
    }

    /// Feed raw pane bytes (may contain ANSI/VT escapes, invalid UTF-8, split sequences and split
    /// UTF-8 chars at chunk boundaries). Returns detections completed by these bytes.
    pub fn feed(&mut self, det: &Detector, bytes: &[u8], now: Timestamp, local: &TimeZone) -> Vec<Detection> {
        let mut out = Vec::new();
        let old = self.partial.len();
        self.stripper.push(bytes, &mut self.partial);
        let complete = match self.partial[old..].iter().rposition(|&b| b == b'\n') {
            Some(i) => old + i + 1,
            None if self.partial.len() > MAX_PARTIAL => self.partial.len(),
            None => return out,
        };
        self.context.scan_region(det, &self.partial[..complete], self.partial_reported, now, local, &mut out);
        self.partial_reported = false;
        self.partial.drain(..complete);
        out
    }

    /// What a restarted reader needs to carry on exactly here: the unterminated line (its last
    /// 4 KiB), whether it was reported, and the stripper's state (inside an escape sequence or a
    /// UTF-8 character, say). The recent-lines context is not carried.
    pub fn carry(&self) -> Carry {
        Carry {
            partial: self.partial[self.partial.len().saturating_sub(CARRY_MAX)..].to_vec(),
            reported: self.partial_reported,
            stripper: self.stripper.clone(),
        }
    }

    /// A stream that starts where `carry` was taken.
    pub fn resumed(carry: Carry) -> Self {
        let mut partial = carry.partial;
        partial.drain(..partial.len().saturating_sub(CARRY_MAX));
        Stream { stripper: carry.stripper, partial, partial_reported: carry.reported, ..Stream::default() }
    }

    /// End of a read batch: lines not terminated yet are classified too (a TUI often leaves the
    /// cursor on the message line). A line reported here is not reported again when its newline
    /// arrives, even if more text was appended to it meanwhile.
    pub fn flush(&mut self, det: &Detector, now: Timestamp, local: &TimeZone) -> Vec<Detection> {
        let mut out = Vec::new();
        if self.partial_reported {
            if let Some(pending) = self.context.pending.take() {
                out.push(pending.detection);
            }
        } else {
            self.partial_reported = self.context.flush_partial(det, &self.partial, now, local, &mut out);
        }
        out
    }
}

#[cfg(test)]
mod tests;
