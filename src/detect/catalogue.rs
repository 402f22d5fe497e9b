//! The message catalogue: the rules (`RULE_SPECS`) that classify a line and the words they are
//! built from, the keywords of the prefilter, and the patterns that rejoin a message the TUI
//! wrapped over two rows.
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
//! about the account, and [`auto_continue_armed`](super::auto_continue_armed) is what reads it.

use std::sync::LazyLock;

use regex::Regex;

use super::Kind;

/// Glyphs Claude prints before a message (`⎿` tool result, `⏺` assistant, `⚠` warning, spinner
/// frames; 2.1.337 puts `∷` before its notices, from its `∴ ∷ ∵` animation). `>` and `│` are deliberately absent: they start the user's own prompt box, and a user
/// pasting a limit message into the prompt must not fail the pane over.
pub(super) const PREFIX_GLYPHS: &[char] = &[
    '⎿', '⏺', '⚠', '\u{fe0f}', '●', '•', '·', '∙', '✻', '✳', '✶', '✢', '✽', '*', '⧉', '✗', '✘', '✔', '✓', 'ℹ', '⏵',
    '⏸', '※', '◆', '◇', '○', '◯', '◉', '∷', '∴', '∵',
];
/// Separators between the parts of a message, and trailing junk after it.
pub(super) const SEPARATORS: &[char] = &['·', '∙', '•', '-', '–', '—', '|', '│', '┃'];

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
pub(super) enum Scope {
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

pub(super) struct Rule {
    pub(super) kind: Kind,
    pub(super) scope: Scope,
    pub(super) re: Regex,
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

pub(super) static RULES: LazyLock<Vec<Rule>> = LazyLock::new(|| {
    RULE_SPECS
        .iter()
        .map(|&(kind, scope, body)| {
            let re = Regex::new(&rule_pattern(body)).expect("constant rule pattern compiles");
            Rule { kind, scope, re }
        })
        .collect()
});

pub(super) static NAMED_IN_RESET: LazyLock<Regex> = LazyLock::new(|| {
    let pattern = format!(r"(?i)\byour\s+{}\s+limit\s+(?:will\s+)?resets?\b", scopes_group());
    Regex::new(&pattern).expect("constant NAMED_IN_RESET pattern compiles")
});

/// A line that finishes the message on the line before it (the TUI wrapped it).
pub(super) static CONTINUATION: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?i)^(?:used\b\s*)?(?:[·∙•|\-–—]\s*)?(?:resets?\b|your\s+(?:[\w-]+\s+){0,3}limit\s+(?:will\s+)?resets?\b|continuing\s+automatically\b|set\s+to\s+continue\s+automatically\b|try\s+again\b)",
    )
    .expect("constant CONTINUATION pattern compiles")
});

/// A message whose line ends inside its reset part ("… · resets", "… limit resets Dec 3,", "… ·
/// set to continue automatically at") or on a separator: a narrow pane wrapped it, and the next
/// row is the rest (unless it is a message of its own). Only a reset as Claude introduces it
/// counts: "continues automatically when it resets" is a whole message.
pub(super) static UNFINISHED: LazyLock<Regex> = LazyLock::new(|| {
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

pub(super) fn keyword_alternation() -> String {
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
pub(super) fn limit_name(words: &str) -> String {
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
