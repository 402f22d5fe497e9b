//! Where a word points. Lexical only: no filesystem access, no symlinks, so a verdict never
//! depends on what happens to exist on disk.
//!
//! Expansions are followed as far as the command line itself tells: `~`, `~+`, `~-`, the
//! variables whose value the session fixes (`$HOME`, `$PWD`, `$OLDPWD`, `$TMPDIR`,
//! `$CLAUDE_PROJECT_DIR`, `$CLAUDE_CONFIG_DIR`), variables assigned earlier in the same
//! command (`scope.rs`), and `$(…)`/backticks around a few commands whose output is a path
//! (`pwd`, `mktemp`, `echo`, `realpath`, `dirname`, `find`, `ls`). Anything else is
//! [`Target::Unknown`], and each rule decides what unknown means for it: recursive deletion
//! denies it, most other rules let it pass. What `echo`/`printf` print is marked `printed`:
//! recursive deletion does not trust it (text, not a place), the other rules do.

use super::argv::{basename, cmd_name, is_option, operands};
use super::parse::parse;
use super::paths::{Env, is_glob_all, leading_var};
use super::scope::Scope;
use super::syntax::{Cmd, Word};
use super::wrappers::{pipe_output, unwrap_wrappers};

#[derive(Debug, Clone)]
pub(super) enum Target {
    /// Absolute, lexically normalised. `contents`: the word ended in `*`/`.*`, i.e. "everything
    /// in `comps`", which is judged like `comps` itself. `under`: stands for paths below
    /// `comps` (what `find comps` lists), not `comps` itself. `printed`: the path is text
    /// `echo`/`printf` printed in a `$(…)`, which recursive deletion does not trust.
    Known {
        comps: Vec<String>,
        contents: bool,
        under: bool,
        printed: bool,
    },
    Unknown,
}

/// One word expands to at most this many targets (a `for` list, `$(echo a b c)`); past it
/// the rest is unknown.
const MAX_TARGETS: usize = 64;
/// Substitutions inside substitutions followed this deep.
const MAX_DEPTH: usize = 6;

impl Target {
    fn at(base: Option<Vec<String>>, rest: &str, under: bool) -> Target {
        match base {
            Some(comps) => Target::Known { comps, contents: false, under, printed: false }.join(rest),
            None => Target::Unknown,
        }
    }

    /// Append the path `rest` (`/x/../y`, `*`); an empty `rest` changes nothing.
    fn join(self, rest: &str) -> Target {
        let Target::Known { mut comps, mut contents, under, printed } = self else {
            return Target::Unknown;
        };
        if rest.split('/').all(str::is_empty) {
            return Target::Known { comps, contents, under, printed };
        }
        for part in rest.split('/') {
            match part {
                "" | "." => {}
                ".." => {
                    comps.pop();
                }
                p => comps.push(p.to_string()),
            }
        }
        contents = comps.last().is_some_and(|c| is_glob_all(c));
        if contents {
            comps.pop();
        }
        Target::Known { comps, contents, under, printed }
    }

    fn mark_printed(&mut self) {
        if let Target::Known { printed, .. } = self {
            *printed = true;
        }
    }

    /// A word that stands for this target, for a variable to hold.
    pub(super) fn into_word(self, shown: &str) -> Word {
        match self {
            Target::Known { comps, contents, under, printed } => {
                let star = if contents { "/*" } else { "" };
                Word { text: format!("/{}{star}", comps.join("/")), under, printed, ..Word::default() }
            }
            Target::Unknown => Word::unknown(shown),
        }
    }
}

impl Env {
    /// The one place `w` points to, or `Unknown` when it may be several (a `for` variable).
    pub(super) fn resolve(&self, w: &Word, sc: &Scope) -> Target {
        let mut all = self.resolve_all(w, sc);
        match (all.pop(), all.is_empty()) {
            (Some(t), true) => t,
            _ => Target::Unknown,
        }
    }

    /// A path given as text: a file tool's argument, the value part of `X=…`. `tilde`/`dollar`:
    /// the leading `~`/`$` is expanded, so `'~'` stays a literal name.
    pub(super) fn resolve_text(&self, text: &str, tilde: bool, dollar: bool, sc: &Scope) -> Target {
        self.resolve(&Word { text: text.to_string(), lead_tilde: tilde, lead_dollar: dollar, ..Word::default() }, sc)
    }

    /// Every place `w` may point to; never empty.
    pub(super) fn resolve_all(&self, w: &Word, sc: &Scope) -> Vec<Target> {
        let mut out = Vec::new();
        self.expand(w, sc, 0, &mut out);
        if out.is_empty() {
            out.push(Target::Unknown);
        }
        out
    }

    fn expand(&self, w: &Word, sc: &Scope, depth: usize, out: &mut Vec<Target>) {
        let start = out.len();
        self.expand_word(w, sc, depth, out);
        if w.printed {
            out.iter_mut().skip(start).for_each(Target::mark_printed);
        }
    }

    fn expand_word(&self, w: &Word, sc: &Scope, depth: usize, out: &mut Vec<Target>) {
        let text = w.text.as_str();
        if w.unknown || text.is_empty() || depth > MAX_DEPTH || out.len() >= MAX_TARGETS {
            out.push(Target::Unknown);
            return;
        }
        if let Some((values, rest)) = sc.placeholder_in(text) {
            return self.expand_each(values, rest, sc, depth, out);
        }
        if w.lead_tilde
            && let Some(after) = text.strip_prefix('~')
        {
            let (user, rest) = after.split_at(after.find('/').unwrap_or(after.len()));
            // `~user` is some other account's home: not ours to guess.
            let base = match user {
                "" => Some(self.home.clone()),
                "+" => sc.dir.clone(),
                "-" => sc.old_dir(),
                _ => None,
            };
            return out.push(Target::at(base, rest, w.under));
        }
        if w.lead_dollar {
            if let Some((inner, rest)) = leading_subst(text) {
                if !(rest.is_empty() || rest.starts_with('/')) {
                    return out.push(Target::Unknown);
                }
                let mut found = Vec::new();
                if self.output_of(inner, sc, depth + 1, &mut found) {
                    found.iter_mut().for_each(Target::mark_printed);
                }
                out.extend(found.into_iter().map(|t| t.join(rest)));
                return;
            }
            if text.starts_with('$') {
                let Some((name, rest)) = leading_var(text) else {
                    return out.push(Target::Unknown);
                };
                if let Some(values) = sc.var(name) {
                    if values.is_empty() {
                        return out.push(Target::Unknown);
                    }
                    return self.expand_each(values, rest, sc, depth, out);
                }
                let base = match name {
                    "HOME" => Some(self.home.clone()),
                    "PWD" => sc.dir.clone(),
                    "OLDPWD" => sc.old_dir(),
                    "CLAUDE_PROJECT_DIR" => Some(self.project.clone()),
                    "CLAUDE_CONFIG_DIR" => self.own.clone(),
                    // Lexically /tmp; macOS's /var/folders/…/T is a temp dir for `is_temp` too.
                    "TMPDIR" | "TMP" | "TEMP" => Some(vec!["tmp".to_string()]),
                    _ => None,
                };
                return out.push(Target::at(base, rest, w.under));
            }
        }
        let base = if text.starts_with('/') { Some(Vec::new()) } else { sc.dir.clone() };
        out.push(Target::at(base, text, w.under));
    }

    fn expand_each(&self, values: &[Word], rest: &str, sc: &Scope, depth: usize, out: &mut Vec<Target>) {
        for v in values {
            let mut found = Vec::new();
            self.expand(v, sc, depth + 1, &mut found);
            out.extend(found.into_iter().map(|t| t.join(rest)));
        }
    }

    /// What the command substitution `inner` prints, as targets; `true` when that is text
    /// `echo` or `printf` printed (a text printer, not a command that names a place: its
    /// formats, escapes and flags are not emulated, and nobody needs `rm -rf "$(echo x)"`).
    fn output_of(&self, inner: &str, sc: &Scope, depth: usize, out: &mut Vec<Target>) -> bool {
        let (script, _) = parse(inner);
        let Some((last, before)) = script.pipelines.split_last() else {
            out.push(Target::Unknown);
            return false;
        };
        let printer = |c: &Cmd| {
            unwrap_wrappers(&c.words)
                .argv
                .first()
                .is_some_and(|w| matches!(cmd_name(&w.text).as_ref(), "echo" | "printf"))
        };
        self.output_into(last, before, sc, depth, out);
        last.iter().any(printer)
    }

    fn output_into(&self, last: &[Cmd], before: &[Vec<Cmd>], sc: &Scope, depth: usize, out: &mut Vec<Target>) {
        // `$(cd sub && pwd)`, `$(d=x; echo $d)`: follow what runs first.
        let mut sc = sc.clone();
        for p in before {
            if let [c] = p.as_slice() {
                self.assign(&c.assigns, &mut sc);
                self.track(&unwrap_wrappers(&c.words).argv, &mut sc);
            }
        }
        let un = match last {
            [single] => unwrap_wrappers(&single.words),
            _ => return self.expand_words(pipe_output(last), &sc, depth, out),
        };
        let Some((first, args)) = un.argv.split_first() else {
            return out.push(Target::Unknown);
        };
        let ops = operands(args);
        match cmd_name(&first.text).as_ref() {
            "pwd" => out.push(Target::at(sc.dir.clone(), "", false)),
            "mktemp" => out.push(self.mktemp(args, &sc, depth)),
            "realpath" => self.expand_words(Some(ops.into_iter().cloned().collect()), &sc, depth, out),
            "readlink" if args.iter().any(|w| is_option(&w.text) && w.text.contains(['f', 'e', 'm'])) => {
                self.expand_words(Some(ops.into_iter().cloned().collect()), &sc, depth, out);
            }
            "dirname" => {
                let mut found = Vec::new();
                self.expand_words(Some(ops.into_iter().cloned().collect()), &sc, depth, &mut found);
                out.extend(found.into_iter().map(|t| t.join("..")));
            }
            _ => self.expand_words(pipe_output(std::slice::from_ref(&last[0])), &sc, depth, out),
        }
    }

    fn expand_words(&self, words: Option<Vec<Word>>, sc: &Scope, depth: usize, out: &mut Vec<Target>) {
        match words {
            Some(ws) if !ws.is_empty() => {
                for w in &ws {
                    self.expand(w, sc, depth + 1, out);
                }
            }
            _ => out.push(Target::Unknown),
        }
    }

    /// The path `mktemp ARGS` creates: a fresh name under `-p DIR`/`--tmpdir=DIR`, under
    /// `$TMPDIR` (`-t`, `--tmpdir`, or no template), else the template itself (GNU: relative
    /// to the working directory).
    fn mktemp(&self, args: &[Word], sc: &Scope, depth: usize) -> Target {
        let mut dir: Option<Word> = None;
        let mut in_tmp = false;
        let mut template: Option<&Word> = None;
        let mut it = args.iter();
        while let Some(w) = it.next() {
            let t = w.text.as_str();
            if t == "-p" {
                dir = it.next().cloned();
            } else if let Some(d) =
                t.strip_prefix("--tmpdir=").or_else(|| t.strip_prefix("-p").filter(|d| !d.is_empty()))
            {
                dir = Some(Word { text: d.to_string(), lead_dollar: d.starts_with('$'), ..Word::default() });
            } else if t == "--tmpdir" || t == "-t" {
                in_tmp = true;
            } else if !is_option(t) {
                template = Some(w);
            }
        }
        let name = template.map_or("tmp.XXXXXXXXXX", |w| basename(&w.text));
        let base = match (dir, template) {
            (Some(d), _) => {
                let mut found = Vec::new();
                self.expand(&d, sc, depth + 1, &mut found);
                match found.as_slice() {
                    [t] => t.clone(),
                    _ => Target::Unknown,
                }
            }
            (None, Some(t)) if !in_tmp => {
                let mut found = Vec::new();
                self.expand(t, sc, depth + 1, &mut found);
                return match found.pop() {
                    Some(t) if found.is_empty() => t,
                    _ => Target::Unknown,
                };
            }
            _ => Target::at(Some(vec!["tmp".to_string()]), "", false),
        };
        base.join(name)
    }
}

/// `$(…)` or `` `…` `` at the start of `text`: its inside and what follows it.
fn leading_subst(text: &str) -> Option<(&str, &str)> {
    if let Some(body) = text.strip_prefix('`') {
        let mut escaped = false;
        for (i, c) in body.char_indices() {
            match c {
                '\\' if !escaped => escaped = true,
                '`' if !escaped => return Some((&body[..i], &body[i + 1..])),
                _ => escaped = false,
            }
        }
        return None;
    }
    let body = text.strip_prefix("$(").filter(|b| !b.starts_with('('))?;
    let (mut open, mut quote, mut escaped) = (1usize, None::<char>, false);
    for (i, c) in body.char_indices() {
        if escaped {
            escaped = false;
            continue;
        }
        match (quote, c) {
            (Some('\''), '\'') | (Some('"'), '"') => quote = None,
            (Some('\''), _) => {}
            (_, '\\') => escaped = true,
            (None, '\'' | '"') => quote = Some(c),
            (None, '(') => open += 1,
            (None, ')') => {
                open -= 1;
                if open == 0 {
                    return Some((&body[..i], &body[i + 1..]));
                }
            }
            _ => {}
        }
    }
    None
}
