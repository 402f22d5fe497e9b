//! What the walker knows at one point of a script: the working directory (with `cd -`,
//! `pushd`/`popd`), the shell variables assigned so far (`d=~`, `tmp=$(mktemp -d)`,
//! `for d in …`, `read d`) and, while a command's argument list is being judged, what `{}`
//! stands for (`find -exec`, `xargs -I`, `parallel`). Subshells and pipeline stages work on
//! a copy, as in the shell, so nothing they do leaks out.
//!
//! Invariants a newcomer could break:
//! - A variable we cannot follow is recorded as unknown, never dropped: after `read d`, `$d`
//!   must not fall back to an older, harmless value.
//! - Values are fixed when assigned, as the shell does: `d=$PWD; cd /; rm -rf "$d"` deletes
//!   the old directory. Only literal relative text (`d=build`) stays relative, because the
//!   shell, too, resolves it where it is used.

use std::rc::Rc;

use super::argv::{is_option, operands};
use super::parse::{braces, is_assignment};
use super::paths::{Env, leading_var};
use super::resolve::Target;
use super::syntax::Word;

/// Variables remembered per scope; older ones are forgotten first (and then unknown).
const MAX_VARS: usize = 128;
/// Values remembered per variable (a `for` list).
const MAX_VALUES: usize = 64;

#[derive(Debug, Clone, Default)]
pub(super) struct Scope {
    /// The working directory as normalised components; `None` once a `cd` went somewhere we
    /// cannot resolve.
    pub(super) dir: Option<Vec<String>>,
    /// `$OLDPWD`, where `cd -` goes. Unknown at the start.
    old: Option<Vec<String>>,
    stack: Vec<Option<Vec<String>>>,
    /// Assigned variables, latest last: the words each may hold (several for a `for`
    /// variable; none when we cannot tell).
    vars: Vec<(String, Rc<[Word]>)>,
    /// The replacement string of `find -exec`/`xargs -I`/`parallel` and what it stands for.
    placeholder: Option<(String, Rc<[Word]>)>,
    /// Who reads what the placeholder stands for from its input (stdin, a file) when the
    /// command runs: `xargs` or `parallel`. `None` for `find -exec` and `parallel ::: …`,
    /// whose values are on the command line or in the file system.
    read_by: Option<&'static str>,
}

impl Scope {
    pub(super) fn at(dir: Vec<String>) -> Scope {
        Scope { dir: Some(dir), ..Scope::default() }
    }

    pub(super) fn old_dir(&self) -> Option<Vec<String>> {
        self.old.clone()
    }

    /// `None`: never assigned here (the environment's value). `Some([])`: assigned, unknown.
    pub(super) fn var(&self, name: &str) -> Option<&[Word]> {
        self.vars.iter().rev().find(|(n, _)| n == name).map(|(_, v)| &v[..])
    }

    fn set(&mut self, name: &str, mut values: Vec<Word>) {
        self.vars.retain(|(n, _)| n != name);
        if self.vars.len() >= MAX_VARS {
            self.vars.remove(0);
        }
        values.truncate(MAX_VALUES);
        self.vars.push((name.to_string(), values.into()));
    }

    fn cd(&mut self, to: Option<Vec<String>>) {
        self.old = std::mem::replace(&mut self.dir, to);
    }

    /// `text` with the placeholder replaced by each value it stands for; nothing when `text`
    /// does not hold it. Values the guard cannot see, and paths `find` lists below a start
    /// (which only resolve as words), are left out.
    pub(super) fn fill_placeholder(&self, text: &str) -> Vec<String> {
        match &self.placeholder {
            Some((ph, values)) if !ph.is_empty() && text.contains(ph.as_str()) => {
                values.iter().filter(|v| !v.unknown && !v.under).map(|v| text.replace(ph.as_str(), &v.text)).collect()
            }
            _ => Vec::new(),
        }
    }

    /// The placeholder and who reads its values from input (see `read_by`), if they are read.
    pub(super) fn read_placeholder(&self) -> Option<(&str, &'static str)> {
        let (ph, _) = self.placeholder.as_ref()?;
        Some((ph.as_str(), self.read_by?)).filter(|(ph, _)| !ph.is_empty())
    }

    /// `text` starts with the placeholder (followed by nothing or `/`): what it stands for,
    /// and the rest of `text`.
    pub(super) fn placeholder_in<'t>(&self, text: &'t str) -> Option<(&[Word], &'t str)> {
        let (ph, values) = self.placeholder.as_ref()?;
        let rest = text.strip_prefix(ph.as_str())?;
        (rest.is_empty() || rest.starts_with('/')).then_some((&values[..], rest))
    }
}

impl Env {
    /// `words` as values a variable can hold: expansions are resolved now, as the shell does
    /// at assignment time, and literal text is kept (relative text stays relative).
    pub(super) fn values_of<'w>(&self, words: impl IntoIterator<Item = &'w Word>, sc: &Scope) -> Vec<Word> {
        let mut out = Vec::new();
        for w in words {
            if w.unknown || !(w.lead_tilde || w.lead_dollar || sc.placeholder_in(&w.text).is_some()) {
                out.push(Word { subs: Vec::new(), ..w.clone() });
            } else {
                out.extend(self.resolve_all(w, sc).into_iter().map(|t| t.into_word(&w.text)));
            }
        }
        out
    }

    /// Bind a variable (a positional parameter of `sh -c`, a `read` fed by a pipe).
    pub(super) fn bind<'w>(&self, sc: &mut Scope, name: &str, words: impl IntoIterator<Item = &'w Word>) {
        let values = self.values_of(words, sc);
        sc.set(name, values);
    }

    /// Let `{}` (or `xargs -I`'s string) stand for `words` while a command is judged;
    /// `read_by`: the program that reads them from its input when the command runs.
    pub(super) fn bind_placeholder<'w>(
        &self,
        sc: &mut Scope,
        ph: &str,
        words: impl IntoIterator<Item = &'w Word>,
        read_by: Option<&'static str>,
    ) {
        let mut values = self.values_of(words, sc);
        values.truncate(MAX_VALUES);
        sc.placeholder = Some((ph.to_string(), values.into()));
        sc.read_by = read_by;
    }

    /// Bare assignments (`d=~ x=rm`, no command): they stay for the rest of the script.
    pub(super) fn assign(&self, assigns: &[Word], sc: &mut Scope) {
        for w in assigns {
            if let Some((name, value)) = split_assignment(w) {
                let values = self.values_of([&value], sc);
                sc.set(name, values);
            }
        }
    }

    /// Follow what the (unwrapped) `argv` does to the scope: directory changes and the
    /// builtins that set variables.
    pub(super) fn track(&self, argv: &[Word], sc: &mut Scope) {
        let Some((first, args)) = argv.split_first() else {
            return;
        };
        let ops = operands(args);
        match first.text.as_str() {
            "cd" | "pushd" => {
                let to = if args.first().is_some_and(|w| w.text == "-") {
                    sc.old.clone()
                } else {
                    match ops.first() {
                        None if first.text == "cd" => Some(self.home.clone()),
                        None => None,
                        Some(w) => match self.resolve(w, sc) {
                            Target::Known { comps, contents: false, .. } => Some(comps),
                            _ => None,
                        },
                    }
                };
                if first.text == "pushd" {
                    sc.stack.push(sc.dir.clone());
                }
                sc.cd(to);
            }
            // With an empty stack bash refuses and stays put.
            "popd" => {
                if let Some(to) = sc.stack.pop() {
                    sc.cd(to);
                }
            }
            "export" | "declare" | "typeset" | "local" | "readonly" => {
                for w in args.iter().filter(|w| !is_option(&w.text)) {
                    if let Some((name, value)) = split_assignment(w) {
                        let values = self.values_of([&value], sc);
                        sc.set(name, values);
                    }
                }
            }
            "read" => {
                let mut i = 0;
                while let Some(w) = args.get(i) {
                    let t = w.text.as_str();
                    if matches!(t, "-a" | "-d" | "-i" | "-n" | "-N" | "-p" | "-t" | "-u") {
                        i += 2;
                        continue;
                    }
                    if !is_option(t) {
                        sc.set(t, Vec::new());
                    }
                    i += 1;
                }
            }
            "unset" | "mapfile" | "readarray" => {
                for w in ops {
                    sc.set(&w.text, Vec::new());
                }
            }
            "for" | "select" => {
                if let Some(name) = args.first() {
                    let values = match args.get(1) {
                        Some(w) if w.text == "in" => self.values_of(&args[2..], sc),
                        _ => Vec::new(),
                    };
                    sc.set(&name.text, values);
                }
            }
            _ => {}
        }
    }

    /// `x` → `$x`'s value, for the words of a command about to run: `x=rm; $x -rf ~` runs
    /// `rm`. Unquoted, the value is split on `$IFS` (blanks unless the script set it:
    /// `o="-r -f"; rm $o ~`, `IFS=,; c=rm,-rf,/; $c`), and so is an unquoted `${IFS}` inside a
    /// word (`rm${IFS}-rf${IFS}/`). Only a variable with one known value is replaced; the
    /// rules resolve the rest themselves. An unset `$SHELL`/`$BASH` in command position is a
    /// shell.
    ///
    /// Judged as meant: a `~` or `$HOME` that a split hands on is taken as the home directory,
    /// although bash expands neither after splitting (`W='rm -rf ~'; $W` deletes `./~`):
    /// a whole command held in a variable was written to be run, and `eval "$W"`, the next
    /// attempt, deletes the home directory.
    pub(super) fn expand_argv(&self, words: &[Word], sc: &Scope) -> Option<Vec<Word>> {
        let ifs = self.ifs(sc);
        let mut changed = false;
        let mut out = Vec::with_capacity(words.len());
        for (i, w) in words.iter().enumerate() {
            if let Some(ws) = braces(w) {
                changed = true;
                out.extend(ws);
                continue;
            }
            // `export OLD=$IFS`: declaration builtins do not split their assignments.
            if !ifs.is_empty()
                && !is_assignment(w)
                && let Some(parts) = split_on_ifs_var(w)
            {
                changed = true;
                out.extend(parts);
                continue;
            }
            let var = if w.lead_dollar { leading_var(&w.text).filter(|(_, rest)| rest.is_empty()) } else { None };
            let Some((name, _)) = var else {
                out.push(w.clone());
                continue;
            };
            match sc.var(name) {
                Some([value]) if !value.unknown => {
                    changed = true;
                    if w.first_quote.is_none() && !ifs.is_empty() && value.text.contains(|c| ifs.contains(c)) {
                        let fields = value.text.split(|c| ifs.contains(c)).filter(|p| !p.is_empty());
                        out.extend(fields.map(|p| Word { under: value.under, ..meant(p) }));
                    } else {
                        out.push(value.clone());
                    }
                }
                None if i == 0 && matches!(name, "SHELL" | "BASH") => {
                    changed = true;
                    out.push(Word::lit("sh"));
                }
                _ => out.push(w.clone()),
            }
        }
        changed.then_some(out)
    }

    /// The characters that split an unquoted expansion: `$IFS` as the script set it, else
    /// space, tab and newline (also when it was set to something we cannot see).
    fn ifs(&self, sc: &Scope) -> String {
        match sc.var("IFS") {
            Some([v]) if !v.unknown && !v.lead_dollar => unescape_ifs(&v.text),
            _ => " \t\n".to_string(),
        }
    }
}

/// `$'\n'`-style values arrive unescaped; a literal `\n` typed in quotes is a backslash and
/// an `n` to bash, but nobody sets IFS to that on purpose.
fn unescape_ifs(s: &str) -> String {
    s.replace("\\n", "\n").replace("\\t", "\t")
}

/// A word produced by splitting: a leading `~` or `$` is taken as expanded (see
/// [`Env::expand_argv`]).
fn meant(text: &str) -> Word {
    Word { lead_tilde: text.starts_with('~'), lead_dollar: text.starts_with(['$', '`']), ..Word::lit(text) }
}

/// `rm${IFS}-rf${IFS}/`: every unquoted `$IFS`/`${IFS…}` is a field separator, whatever
/// IFS holds (its own characters split the result). `None` when the word has none.
fn split_on_ifs_var(w: &Word) -> Option<Vec<Word>> {
    let unquoted = w.first_quote.unwrap_or(w.text.len()).min(w.text.len());
    let text = w.text.as_str();
    let mut fields: Vec<&str> = Vec::new();
    let mut start = 0;
    let mut at = 0;
    while let Some(off) = text.get(at..unquoted).and_then(|t| t.find("$IFS").or_else(|| t.find("${IFS"))) {
        let k = at + off;
        // `$IFS` must not run on into a longer name (`$IFSX`); `${IFS…}` ends at its brace.
        let end = if text[k..].starts_with("${IFS") {
            let Some(close) = text[k..].find('}') else { break };
            let inner = &text[k + 5..k + close];
            if inner.starts_with(|c: char| c.is_ascii_alphanumeric() || c == '_') {
                at = k + 1;
                continue;
            }
            k + close + 1
        } else {
            let after = text[k + 4..].chars().next();
            if after.is_some_and(|c| c.is_ascii_alphanumeric() || c == '_') {
                at = k + 1;
                continue;
            }
            k + 4
        };
        fields.push(&text[start..k]);
        start = end;
        at = end;
    }
    if fields.is_empty() {
        return None;
    }
    let mut out: Vec<Word> = fields.into_iter().filter(|f| !f.is_empty()).map(meant).collect();
    let rest = &text[start..];
    if !rest.is_empty() {
        let quote = w.first_quote.map(|q| q.saturating_sub(start));
        out.push(Word { first_quote: quote, subs: w.subs.clone(), ..meant(rest) });
    }
    if let Some(first) = out.first_mut()
        && start > 0
        && w.text.starts_with(&first.text)
    {
        first.lead_tilde = w.lead_tilde;
        first.lead_dollar = w.lead_dollar && first.text.starts_with(['$', '`']);
    }
    Some(out)
}

/// `NAME=value` → the name and the value as a word of its own. The shell expands a leading
/// `~` of the value unless it is quoted; a leading `$` or backtick is taken as expanded
/// (inside `'…'` it would not be, which we cannot tell from `"…"` here: the cautious side).
fn split_assignment(w: &Word) -> Option<(&str, Word)> {
    if !is_assignment(w) {
        return None;
    }
    let eq = w.text.find('=')?;
    let name = &w.text[..eq];
    if let Some(name) = name.strip_suffix('+') {
        return Some((name, Word::unknown(&w.text)));
    }
    let value = &w.text[eq + 1..];
    let quoted_at_start = w.first_quote == Some(eq + 1);
    Some((
        name,
        Word {
            text: value.to_string(),
            subs: w.subs.clone(),
            first_quote: w.first_quote.map(|q| q.saturating_sub(eq + 1)),
            lead_tilde: value.starts_with('~') && !quoted_at_start,
            lead_dollar: value.starts_with(['$', '`']),
            ..Word::default()
        },
    ))
}
