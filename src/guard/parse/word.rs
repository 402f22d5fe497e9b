//! The inside of one shell word: quotes, escapes, `$'…'`, `${…}`, `$(…)`, `$((…))`,
//! backticks, process substitutions, leading `~`. Substitutions are parsed into the word's
//! `subs` because they run even when the word itself is only data.

use super::{Parser, Term, is_assignment};
use crate::guard::syntax::{Script, Word};

impl Parser {
    pub(super) fn read_word(&mut self) -> Word {
        let mut w = Word::default();
        while let Some(c) = self.peek() {
            match c {
                ' ' | '\t' | '\r' | '\n' | ';' | '&' | '|' | ')' => break,
                '<' | '>' => {
                    if w.text.is_empty() && w.first_quote.is_none() && self.peek_at(1) == Some('(') {
                        let start = self.pos;
                        self.pos += 2;
                        let body = self.nested(Term::Paren);
                        w.text.push_str(&self.raw_from(start));
                        w.subs.push(body);
                    } else {
                        break;
                    }
                }
                '(' => {
                    // `a=(1 2)` arrays and `!(x)` extglobs; anything else ends the word.
                    let array = w.text.ends_with('=') && is_assignment(&w);
                    let extglob =
                        w.first_quote.is_none_or(|q| q < w.text.len()) && w.text.ends_with(['!', '@', '*', '+', '?']);
                    if !(array || extglob) {
                        break;
                    }
                    let start = self.pos;
                    self.pos += 1;
                    let mut open = 1usize;
                    while open > 0 {
                        match self.bump() {
                            Some('(') => open += 1,
                            Some(')') => open -= 1,
                            Some('\\') => {
                                self.pos = (self.pos + 1).min(self.chars.len());
                            }
                            Some(_) => {}
                            None => {
                                self.broken = true;
                                break;
                            }
                        }
                    }
                    w.text.push_str(&self.raw_from(start));
                }
                '\\' => {
                    self.pos += 1;
                    match self.bump() {
                        Some('\n') => {}
                        Some(n) => {
                            w.mark_quoted();
                            w.text.push(n);
                        }
                        None => w.mark_quoted(),
                    }
                }
                '\'' => {
                    self.pos += 1;
                    w.mark_quoted();
                    loop {
                        match self.bump() {
                            Some('\'') => break,
                            Some(ch) => w.text.push(ch),
                            None => {
                                self.broken = true;
                                break;
                            }
                        }
                    }
                }
                '"' => {
                    self.pos += 1;
                    w.mark_quoted();
                    self.read_dquote(&mut w, false);
                }
                '$' => self.read_dollar(&mut w, false),
                '`' => self.read_backtick(&mut w),
                '~' if w.text.is_empty() && w.first_quote.is_none() && w.subs.is_empty() => {
                    w.lead_tilde = true;
                    w.text.push('~');
                    self.pos += 1;
                }
                _ => {
                    w.text.push(c);
                    self.pos += 1;
                }
            }
        }
        w
    }

    /// Inside `"…"` (or an unquoted here-document body when `heredoc`).
    pub(super) fn read_dquote(&mut self, w: &mut Word, heredoc: bool) {
        loop {
            let Some(c) = self.peek() else {
                if !heredoc {
                    self.broken = true;
                }
                return;
            };
            match c {
                '"' if !heredoc => {
                    self.pos += 1;
                    return;
                }
                '\\' => match self.peek_at(1) {
                    Some('\n') => self.pos += 2,
                    Some(n @ ('$' | '`' | '\\')) => {
                        w.text.push(n);
                        self.pos += 2;
                    }
                    Some('"') if !heredoc => {
                        w.text.push('"');
                        self.pos += 2;
                    }
                    _ => {
                        w.text.push('\\');
                        self.pos += 1;
                    }
                },
                '$' => self.read_dollar(w, true),
                '`' => self.read_backtick(w),
                _ => {
                    w.text.push(c);
                    self.pos += 1;
                }
            }
        }
    }

    fn read_dollar(&mut self, w: &mut Word, in_dquote: bool) {
        let lead = w.text.is_empty() && w.subs.is_empty();
        let start = self.pos;
        match self.peek_at(1) {
            Some('(') => {
                if self.peek_at(2) == Some('(') {
                    self.pos += 3;
                    let subs = self.skip_balanced('(', ')', 2);
                    w.text.push_str(&self.raw_from(start));
                    w.subs.extend(subs);
                } else {
                    self.pos += 2;
                    let body = self.nested(Term::Paren);
                    w.text.push_str(&self.raw_from(start));
                    w.subs.push(body);
                }
                w.lead_dollar |= lead;
            }
            Some('{') => {
                self.pos += 2;
                let subs = self.skip_balanced('{', '}', 1);
                w.text.push_str(&self.raw_from(start));
                w.subs.extend(subs);
                w.lead_dollar |= lead;
            }
            Some('\'') if !in_dquote => {
                self.pos += 2;
                w.mark_quoted();
                self.read_ansi_c(w);
            }
            // `$"…"`: locale translation, otherwise a double-quoted string.
            Some('"') if !in_dquote => self.pos += 1,
            _ => {
                self.pos += 1;
                w.text.push('$');
                w.lead_dollar |= lead;
            }
        }
    }

    /// Skip to the `close` that balances `open` already-read `open_ch`s: the rest of `$((…))`,
    /// `((…))` or `${…}`. They are not commands, but `$(…)` and backticks inside them are run
    /// (`$(( $(rm -rf ~) ))`, `${x:-$(rm -rf ~)}`), so those are parsed and returned.
    pub(super) fn skip_balanced(&mut self, open_ch: char, close: char, mut open: usize) -> Vec<Script> {
        let mut subs = Vec::new();
        while open > 0 {
            match self.peek() {
                Some('$') if self.peek_at(1) == Some('(') && self.peek_at(2) != Some('(') => {
                    self.pos += 2;
                    subs.push(self.nested(Term::Paren));
                }
                Some('`') => {
                    let mut w = Word::default();
                    self.read_backtick(&mut w);
                    subs.extend(w.subs);
                }
                Some('\\') => self.pos = (self.pos + 2).min(self.chars.len()),
                Some(c) => {
                    self.pos += 1;
                    if c == open_ch {
                        open += 1;
                    } else if c == close {
                        open -= 1;
                    }
                }
                None => {
                    self.broken = true;
                    break;
                }
            }
        }
        subs
    }

    fn read_ansi_c(&mut self, w: &mut Word) {
        loop {
            let Some(c) = self.bump() else {
                self.broken = true;
                return;
            };
            match c {
                '\'' => return,
                '\\' => {
                    let Some(e) = self.bump() else {
                        self.broken = true;
                        return;
                    };
                    let decoded = match e {
                        'n' => Some('\n'),
                        't' => Some('\t'),
                        'r' => Some('\r'),
                        'a' => Some('\x07'),
                        'b' => Some('\x08'),
                        'e' | 'E' => Some('\x1b'),
                        'f' => Some('\x0c'),
                        'v' => Some('\x0b'),
                        '\\' | '\'' | '"' | '?' => Some(e),
                        'x' => self.take_radix(16, 2).and_then(char::from_u32),
                        'u' => self.take_radix(16, 4).and_then(char::from_u32),
                        'U' => self.take_radix(16, 8).and_then(char::from_u32),
                        '0'..='7' => {
                            self.pos -= 1;
                            self.take_radix(8, 3).and_then(char::from_u32)
                        }
                        'c' => self.bump().and_then(|x| char::from_u32(u32::from(x) & 0x1f)),
                        _ => None,
                    };
                    match decoded {
                        Some(d) => w.text.push(d),
                        None => {
                            w.text.push('\\');
                            w.text.push(e);
                        }
                    }
                }
                c => w.text.push(c),
            }
        }
    }

    fn take_radix(&mut self, radix: u32, max: usize) -> Option<u32> {
        let mut v: u32 = 0;
        let mut n = 0;
        while n < max {
            let Some(d) = self.peek().and_then(|c| c.to_digit(radix)) else {
                break;
            };
            v = v.saturating_mul(radix).saturating_add(d);
            self.pos += 1;
            n += 1;
        }
        (n > 0).then_some(v)
    }

    fn read_backtick(&mut self, w: &mut Word) {
        // Like `$(…)`: a leading backtick substitution is an expansion, even inside `"…"`.
        w.lead_dollar |= w.text.is_empty() && w.subs.is_empty();
        let start = self.pos;
        self.pos += 1;
        let mut inner = String::new();
        loop {
            match self.bump() {
                None => {
                    self.broken = true;
                    break;
                }
                Some('`') => break,
                Some('\\') => match self.peek() {
                    Some(n @ ('`' | '\\' | '$')) => {
                        inner.push(n);
                        self.pos += 1;
                    }
                    _ => inner.push('\\'),
                },
                Some(c) => inner.push(c),
            }
        }
        w.text.push_str(&self.raw_from(start));
        let body = self.sub_parse(&inner);
        w.subs.push(body);
    }
}

/// Words one brace expansion may produce; past it the rest are left out (`{a,b}{c,d}…`).
const MAX_BRACE_WORDS: usize = 64;

/// Bash's brace expansion, the first expansion, of a word with no quotes: `/tmp/{a,../b}` is
/// `/tmp/a /tmp/../b`. `{}` and sequences (`{1..3}`) have no comma and stay as they are;
/// `${…}` is a parameter, not a brace. `None` when nothing expands.
pub(in crate::guard) fn braces(w: &Word) -> Option<Vec<Word>> {
    if w.first_quote.is_some() || !w.text.contains('{') || !w.text.contains(',') {
        return None;
    }
    let mut todo = vec![w.text.clone()];
    let mut done: Vec<String> = Vec::new();
    while let Some(t) = todo.pop() {
        match split_brace(&t) {
            Some((pre, alts, post)) if done.len() + todo.len() + alts.len() <= MAX_BRACE_WORDS => {
                todo.extend(alts.iter().rev().map(|a| format!("{pre}{a}{post}")));
            }
            _ => done.push(t),
        }
    }
    if done.len() == 1 && done[0] == w.text {
        return None;
    }
    Some(
        done.into_iter()
            .map(|text| Word {
                lead_tilde: text.starts_with('~'),
                lead_dollar: text.starts_with(['$', '`']),
                subs: w.subs.clone(),
                under: w.under,
                unknown: w.unknown,
                printed: w.printed,
                first_quote: None,
                text,
            })
            .collect(),
    )
}

/// The first `{a,b}` of `t` with a comma at its own level: what comes before, the
/// alternatives, what comes after.
fn split_brace(t: &str) -> Option<(&str, Vec<&str>, &str)> {
    let b = t.as_bytes();
    for open in (0..b.len()).filter(|&i| b[i] == b'{' && (i == 0 || b[i - 1] != b'$')) {
        let mut depth = 0usize;
        let mut commas = Vec::new();
        for (k, &c) in b.iter().enumerate().skip(open) {
            match c {
                b'{' => depth += 1,
                b',' if depth == 1 => commas.push(k),
                b'}' => {
                    depth -= 1;
                    if depth == 0 {
                        if commas.is_empty() {
                            break;
                        }
                        let mut alts = Vec::new();
                        let mut from = open + 1;
                        for &c in commas.iter().chain([&k]) {
                            alts.push(&t[from..c]);
                            from = c + 1;
                        }
                        return Some((&t[..open], alts, &t[k + 1..]));
                    }
                }
                _ => {}
            }
        }
    }
    None
}
