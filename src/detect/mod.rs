//! Detection of Claude Code's limit, overload and login messages: bytes or text in, [`Detection`]s
//! out.
//!
//! This module owns the message catalogue (CLAUDE-CODE-FACTS.md, "Limit messages", and what
//! Claude Code 2.1.332 prints, CLAUDE-CODE-2.1.332.md §1 and §7), the classification into
//! [`Kind`]s, the per-pane [`Stream`] that finds messages in raw `pipe-pane` output (escape
//! stripping in [`strip`], reset times in [`reset`]), and [`auto_continue_armed`], which reads
//! Claude's own wait for the reset off a captured screen. It is pure: the clock and the machine's
//! zone are passed in, and it never touches files or tmux.
//!
//! The invariant a newcomer could break: rule order in `RULE_SPECS`. Transient, login and
//! warning phrasings are tried before the exhausted ones because some of them contain the
//! exhausted words ("Claude Opus 4 limit reached, now using Claude Sonnet 4" is a model fallback,
//! not an empty account); an exhausted rule moved above them would fail accounts over on a harmless
//! fallback. Second to that: rules are anchored to where Claude prints a message (line start after
//! a glyph such as `⎿`, a wide gap, or a ` · ` separator) so that prose, code and grep output that
//! merely quote a message do not match; keep new rules anchored the same way. A limit's name is
//! open only behind a prefix that is Claude's own ("You've hit your Fable limit"); behind plain
//! English ("Approaching …") an unknown name must be capitalised like a model's. Claude's own
//! wait (`Continuing automatically at 8:45pm · Esc to cancel`, `Usage limit reset · Continuing
//! automatically`, `Automatic continue cancelled · …`) is never a detection: it says nothing new
//! about the account, and [`auto_continue_armed`] is what reads it.

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

/// Any word (a model name, a new kind of limit): in `OPEN`, after Claude's own "You've hit your",
/// "You've used N% of your" and "Over N% of your", whose prefix alone marks the message.
const OPEN_WORD: &str = r"[\p{L}\d][\p{L}\d.\-]*";

/// A capitalised word, for the prefixes that are also plain English ("Approaching …", "You're
/// close to …"): Claude names a model's limit by the model ("Fable limit"), while prose says
/// "approaching memory limit".
const CAPITAL_WORD: &str = r"(?-i:\p{Lu})[\p{L}\d.\-]*";

/// Whose limit it is: `org's`, `team's`, `channel's`, `(org's)`.
const POSSESSIVE: &str = r"(?:\(?[\p{L}\-]+'s\)?\s+)?";

/// What may follow the word `limit` when the limit's name is open: the end, a separator, or a
/// full stop ending the line or followed by "It resets …". Prose goes on ("…limit, so I…").
const LIMIT_END: &str = r"(?:\s*$|\s*[·∙•|]|\.\s*$|\.\s+it\s+resets\b)";

#[derive(Debug, Clone, Copy)]
enum Scope {
    None,
    Fixed(&'static str),
    /// From the `scope` group (known words or open ones, see [`limit_name`]); `None` when the
    /// group did not take part.
    Captured,
    /// "You're now using extra usage · Your session limit resets 3pm": the plan limit named in
    /// the reset part is the one that ran out (or the `scope` group, when the rule has one and it
    /// took part: "Now using usage credits for Opus").
    NamedInReset,
}

/// `(kind, scope, body)`. In a body, `'` matches both apostrophes, `SCOPES` is a `scope` group
/// of one or two [`SCOPE_WORD`]s, `OPEN` a `scope` group of one to three [`OPEN_WORD`]s, `CAPS`
/// a `scope` group of `SCOPES` or one [`CAPITAL_WORD`], `POSS` an optional [`POSSESSIVE`] and
/// `END` [`LIMIT_END`]. Order matters: see the module docs.
const RULE_SPECS: &[(Kind, Scope, &str)] = &[
    // Transient: the account is fine.
    (
        Kind::Transient,
        Scope::None,
        r"(?:claude\s+)?(?:opus|sonnet|haiku)\b[\w.\- ]{0,30}?\s*limit\s+reached,?\s+now\s+using\b",
    ),
    (Kind::Transient, Scope::None, r"api\s+error\b[^·∙•]{0,60}?\b429\b"),
    (Kind::Transient, Scope::None, r"request\s+rejected\s*\(\s*429\s*\)"),
    // 2.1.332 prints it after "API Error: " (OAuth account, 429 without quota headers).
    (Kind::Transient, Scope::None, r"(?:api\s+error:?\s*)?server\s+is\s+temporarily\s+limiting\s+requests\b"),
    (Kind::Transient, Scope::None, r"api\s+error\b[^·∙•]{0,80}?(?:\b529\b|overloaded)"),
    // While claude retries: "✻ 529 Overloaded · retrying in 31s · attempt 7/10",
    // "✻ API error · retrying in 2s · attempt 2/10"; and "Repeated 529 Overloaded errors".
    (Kind::Transient, Scope::None, r"(?:repeated\s+)?529\s+overloaded\b"),
    (Kind::Transient, Scope::None, r"api\s+error\s*[·∙•]\s*retrying\s+in\b"),
    (Kind::Transient, Scope::None, r"(?:[\w.\-]+\s+){1,4}is\s+(?:currently\s+)?experiencing\s+(?:a\s+)?high\s+load\b"),
    // A rate limit is requests per minute, not a quota; the open-word rule below would
    // otherwise call "You've hit your rate limit" an exhausted "rate" limit.
    (Kind::Transient, Scope::None, r"you(?:'ve|\s+have)\s+(?:hit|reached)\s+your\s+(?:api\s+)?rate\s+limit\b"),
    // Needs login.
    (Kind::Auth, Scope::None, r"please\s+run\s+/login\s*[·∙•]\s*api\s+error\b"),
    (Kind::Auth, Scope::None, r"not\s+logged\s+in\b"),
    (Kind::Auth, Scope::None, r"oauth\s+token\b[^·∙•]{0,40}?\b(?:revoked|expired|invalid)\b"),
    (Kind::Auth, Scope::None, r"(?:failed\s+to\s+authenticate\.?\s*)?(?:error:\s*)?api\s+error:?\s*\(?\s*401\b"),
    (Kind::Auth, Scope::None, r"invalid\s+api\s+key\b"),
    // An API key claude retries with: "✻ 401 invalid x-api-key · retrying in 1s · attempt 4/10".
    // The key is wrong; the retries end in "Invalid API key · Fix external API key".
    (Kind::Auth, Scope::None, r"401\s+invalid\s+x-api-key\b"),
    (Kind::Auth, Scope::None, r"your\s+session\s+has\s+expired\.?\s+please\s+run\s+/login\b"),
    (Kind::Auth, Scope::None, r"[^·∙•]{1,80}?\s[·∙•]\s+please\s+run\s+/login\b"),
    // Warnings: before the exhausted rules, "of your session limit" would otherwise look spent.
    (
        Kind::Warning,
        Scope::Captured,
        r"you(?:'ve|\s+have)\s+used\s+\d{1,3}(?:\.\d+)?\s*%\s+of\s+(?:your\s+|the\s+)?POSSOPEN\s+limit\b",
    ),
    (
        Kind::Warning,
        Scope::Captured,
        r"over\s+\d{1,3}(?:\.\d+)?\s*%\s+of\s+(?:your\s+|the\s+)?POSSOPEN\s+limit(?:\s+used\b|\s*$)",
    ),
    (Kind::Warning, Scope::Captured, r"approaching\s+(?:your\s+|the\s+)?CAPS\s+limit\b"),
    (
        Kind::Warning,
        Scope::Captured,
        r"you(?:'re|\s+are)\s+(?:close\s+to|nearing|approaching)\s+(?:your\s+|the\s+)?POSSCAPS\s+limit\b",
    ),
    // Exhausted.
    (Kind::Exhausted, Scope::Fixed("usage"), r"claude(?:\s+ai)?\s+usage\s+limit\s+reached\b"),
    // A bare "Limit reached" must end there or continue with a separator: "Limit reached, retrying"
    // is some other program's prose. "again": 2.1.332's "Usage limit reached again · set to
    // continue automatically at 7:59pm"; "Goal paused · usage limit reached · continues
    // automatically when it resets" is the same wait for a goal.
    (
        Kind::Exhausted,
        Scope::Captured,
        r"(?:goal\s+paused\s*[·∙•]\s*)?(?:SCOPES\s+)?limit\s+reached(?:\s+again)?(?:\s*$|\s*[·∙•|.\-–—])",
    ),
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
    // "You've hit your Fable limit", "… channel's monthly spend limit", "… Zephyr limit": the
    // name is open (2.1.332 added "Fable"; the next model will add another), so only the prefix
    // and what follows `limit` anchor it.
    (Kind::Exhausted, Scope::Captured, r"you(?:'ve|\s+have)\s+(?:hit|reached)\s+your\s+POSSOPEN\s+limitEND"),
    // "Fable limit reached · continuing on Fable uses usage credits", "… · out of usage credits":
    // the included quota is gone and work now bills usage credits, which is what "now using
    // extra usage" below means too. An open name without such a tail stays unmatched: "Rate
    // limit reached · retrying" is not Claude's.
    (
        Kind::Exhausted,
        Scope::Captured,
        r"OPEN\s+limit\s+reached\s*[·∙•]\s*(?:out\s+of\s+usage\s+credits|continuing\s+on\b[^·∙•]{0,60}?\buses\s+usage\s+credits)\b",
    ),
    (Kind::Exhausted, Scope::Fixed("credit"), r"out\s+of\s+usage\s+credits\b"),
    (
        Kind::Exhausted,
        Scope::Captured,
        r"you(?:'re|\s+are)\s+out\s+of\s+(?P<scope>extra\s+usage|usage\s+credits?|credits?|usage)\b",
    ),
    (
        Kind::Exhausted,
        Scope::Fixed("usage"),
        r"your\s+(?:org|organization|organisation|team|group|workspace)\s+is\s+out\s+of\s+(?:usage(?:\s+credits?)?|credits?)\b",
    ),
    (Kind::Exhausted, Scope::Captured, r"your\s+seat\s+type\s+doesn't\s+include\s+(?P<scope>usage\s+credits?|usage)\b"),
    (
        Kind::Exhausted,
        Scope::Fixed("disabled"),
        r"this\s+service\s+is\s+disabled\s+for\s+your\s+(?:org|organization|organisation)\b",
    ),
    (Kind::Exhausted, Scope::Fixed("disabled"), r"your\s+usage\s+allocation\s+has\s+been\s+disabled\b"),
    (
        Kind::Exhausted,
        Scope::Fixed("usage"),
        r"your\s+POSSusage\s+limit\s+is\s+set\s+to\s+\$\s*0(?:\.0+)?(?:$|[^\d.]|\.(?:$|\D))",
    ),
    // API-key (Console) accounts: no money left on the key's org.
    (Kind::Exhausted, Scope::Fixed("credit"), r"credit\s+balance\s+(?:is\s+)?too\s+low\b"),
    // Quota gone, now billing money: exhausted, so that the pane moves to an account with plan
    // quota left instead of spending (CLAUDE-CODE-FACTS.md).
    (
        Kind::Exhausted,
        Scope::NamedInReset,
        r"you(?:'re|\s+are)\s+now\s+using\s+(?:extra\s+usage|usage\s+credits|your\s+usage\s+allocation)\b",
    ),
    (
        Kind::Exhausted,
        Scope::NamedInReset,
        r"now\s+using\s+(?:usage\s+)?credits(?:\s+for\s+(?:your\s+|the\s+)?OPEN(?:\s+limit)?)?(?:\s*$|\s*[·∙•|.])",
    ),
];

struct Rule {
    kind: Kind,
    scope: Scope,
    re: Regex,
}

fn scopes_group() -> String {
    format!(r"(?P<scope>(?:{SCOPE_WORD})(?:\s+(?:{SCOPE_WORD}))?)")
}

fn rule_pattern(body: &str) -> String {
    let glyphs: String = PREFIX_GLYPHS.iter().collect();
    let body = body
        .replace("SCOPES", &scopes_group())
        .replace("OPEN", &format!(r"(?P<scope>{OPEN_WORD}(?:\s+{OPEN_WORD}){{0,2}})"))
        .replace("CAPS", &format!(r"(?P<scope>(?:{SCOPE_WORD})(?:\s+(?:{SCOPE_WORD}))?|{CAPITAL_WORD})"))
        .replace("POSS", POSSESSIVE)
        .replace("END", LIMIT_END)
        .replace('\'', "['’]");
    // Where Claude puts a message: the start of the (glyph-stripped) line, after a wide gap
    // (right-aligned footer, maybe with its own glyph: "…   ⚠ Usage limit reached"), or after a
    // " · " separator.
    format!(r"(?i)(?:^|\s{{2,}}(?:[{glyphs}]+\s*)?|\s[·∙•|]\s+)(?P<m>{body})")
}

static RULES: LazyLock<Vec<Rule>> = LazyLock::new(|| {
    RULE_SPECS
        .iter()
        .map(|&(kind, scope, body)| {
            let re = Regex::new(&rule_pattern(body)).expect("constant rule pattern compiles");
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
        r"(?i)^(?:used\b\s*)?(?:[·∙•|\-–—]\s*)?(?:resets?\b|your\s+(?:[\w-]+\s+){0,3}limit\s+(?:will\s+)?resets?\b|continuing\s+automatically\b|set\s+to\s+continue\s+automatically\b|try\s+again\b)",
    )
    .expect("constant CONTINUATION pattern compiles")
});

/// A message whose line ends inside its reset part ("… · resets", "… limit resets Dec 3,", "… ·
/// set to continue automatically at") or on a separator: a narrow pane wrapped it, and the next
/// row is the rest (unless it is a message of its own). Only a reset as Claude introduces it
/// counts: "continues automatically when it resets" is a whole message.
static UNFINISHED: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?ix)
        (?:
            (?:[·∙•|]\s*|\blimit\s+(?:will\s+)?|\.\s+it\s+)resets?
          | [·∙•|]\s*(?:set(?:\s+to(?:\s+continue(?:\s+automatically)?)?)?|continuing\s+automatically)
        )
        (?:\s+(?:at|on))?
        (?:\s+[a-z]{3,9}\.?(?:\s+\d{1,2}(?:st|nd|rd|th)?)?(?:,?\s+\d{4})?,?)?
        \s*$
        | [·∙•|]\s*$",
    )
    .expect("constant UNFINISHED pattern compiles")
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
    "api-key",
    "overloaded",
    "credit",
    "budget",
    "spend",
    "high load",
    "disabled for your",
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

/// The limit's name from the words before `limit`: a known word gives the stable name
/// (`5-hour` → `session`, `usage credit` → `credit`, `org's monthly spend` → `spend`); any other
/// words are a model or a new limit, named by the first of them lowercased (`Fable` → `fable`).
fn limit_name(words: &str) -> String {
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
        ("usage", "usage"),
    ];
    let words = words.to_lowercase();
    // Whole words (plural and -ing too): "hourly" is not the 5-hour limit; "5hour", "5-hour",
    // "five hours" are.
    let names_key = |key: &str| {
        words.split(|c: char| !c.is_alphabetic()).any(|w| {
            w.strip_prefix(key).is_some_and(|rest| matches!(rest, "" | "s" | "ing"))
                || (key == "hour" && w.strip_prefix("five").is_some_and(|rest| matches!(rest, "hour" | "hours")))
        })
    };
    if let Some(&(_, name)) = BY_PRIORITY.iter().find(|(key, _)| names_key(key)) {
        return name.to_owned();
    }
    words
        .split_whitespace()
        .map(|w| w.trim_matches(|c: char| !c.is_alphanumeric()))
        .find(|w| w.starts_with(char::is_alphabetic))
        .map_or_else(|| "usage".to_owned(), str::to_owned)
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
        let wrapped = CONTINUATION.is_match(next)
            || (UNFINISHED.is_match(&pending.message) && det.classify_line(&raw, now, local).is_none());
        if !wrapped {
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
        // A read that ended inside a character (the `·` of "limit · resets") would put U+FFFD
        // into the text, and into the fingerprint.
        let line = without_cut_char(line);
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

/// How many lines back we look for the first half of a wrapped message.
const LOOKBACK: usize = 8;

fn line_start(region: &[u8], at: usize) -> usize {
    region[..at].iter().rposition(|&b| b == b'\n').map_or(0, |i| i + 1)
}

fn line_end(region: &[u8], at: usize) -> usize {
    region[at..].iter().position(|&b| b == b'\n').map_or(region.len(), |i| at + i)
}

/// `line` without a UTF-8 character cut short at its end.
fn without_cut_char(line: &[u8]) -> &[u8] {
    for (back, &b) in line.iter().rev().take(4).enumerate() {
        let len = match b {
            0x80..=0xbf => continue,
            0xc2..=0xdf => 2,
            0xe0..=0xef => 3,
            0xf0..=0xf4 => 4,
            _ => return line,
        };
        return if back + 1 < len { &line[..line.len() - back - 1] } else { line };
    }
    line
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
