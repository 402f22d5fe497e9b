//! The shell syntax tree the parser builds and the walker reads: words (with the
//! substitutions inside them), redirections, simple commands with their subshells and
//! groups, and scripts as lists of pipelines. Types only; it imports nothing from the guard,
//! so the tree never names a rule.

#[derive(Debug, Clone, Default)]
pub(super) struct Word {
    /// After quote removal. Expansions are kept as source text (`$HOME`, `$(pwd)`).
    pub(super) text: String,
    /// Command/process substitutions inside the word: they run even if the word is just data.
    pub(super) subs: Vec<Script>,
    /// Length of `text` when the first quote/escape appeared: reserved words and `NAME=`
    /// prefixes only count when unquoted.
    pub(super) first_quote: Option<usize>,
    pub(super) lead_tilde: bool,
    pub(super) lead_dollar: bool,
    /// Synthetic (from `find`/`ls` piped into `xargs`): stands for paths below this one.
    pub(super) under: bool,
    /// Synthetic: stands for data the guard cannot see (what `xargs` reads from a file, a
    /// variable set by `read`). `text` only names it for messages.
    pub(super) unknown: bool,
    /// Synthetic: a path a variable holds that was text printed by `$(echo …)`/`$(printf …)`
    /// (see `resolve.rs`).
    pub(super) printed: bool,
}

impl Word {
    pub(super) fn plain(&self) -> bool {
        self.first_quote.is_none() && self.subs.is_empty()
    }
    pub(super) fn lit(text: &str) -> Word {
        Word { text: text.to_string(), ..Word::default() }
    }
    pub(super) fn unknown(what: &str) -> Word {
        Word { text: what.to_string(), unknown: true, ..Word::default() }
    }
    pub(super) fn mark_quoted(&mut self) {
        if self.first_quote.is_none() {
            self.first_quote = Some(self.text.len());
        }
    }
}

#[derive(Debug, Clone)]
pub(super) struct Redirect {
    pub(super) op: &'static str,
    pub(super) target: Word,
    /// Here-document body (`<<`), kept so `bash <<EOF` can be judged as a script.
    pub(super) body: Option<String>,
}

#[derive(Debug, Clone, Default)]
pub(super) struct Cmd {
    pub(super) words: Vec<Word>,
    pub(super) redirects: Vec<Redirect>,
    /// `NAME=value` prefixes: not argv, but their substitutions run and their values may
    /// name credentials.
    pub(super) assigns: Vec<Word>,
    /// `( … )` bodies: own working directory.
    pub(super) subshells: Vec<Script>,
    /// `{ …; }` bodies: share the working directory.
    pub(super) groups: Vec<Script>,
}

impl Cmd {
    pub(super) fn is_empty(&self) -> bool {
        self.words.is_empty()
            && self.redirects.is_empty()
            && self.assigns.is_empty()
            && self.subshells.is_empty()
            && self.groups.is_empty()
    }
    pub(super) fn at_command_position(&self) -> bool {
        self.words.is_empty() && self.subshells.is_empty() && self.groups.is_empty()
    }
    pub(super) fn all_words(&self) -> impl Iterator<Item = &Word> {
        self.words.iter().chain(&self.assigns).chain(self.redirects.iter().map(|r| &r.target))
    }
}

#[derive(Debug, Clone, Default)]
pub(super) struct Script {
    /// Each pipeline is a list of commands joined by `|`.
    pub(super) pipelines: Vec<Vec<Cmd>>,
}
