//! The lenient shell parser: lists, pipelines, subshells, groups, `case`, functions,
//! redirections and here-documents, building [`Script`]. The inside of a word lives in
//! `word.rs`.
//!
//! Invariant: it never fails and never loops. Unterminated constructs extend to the end of the
//! input (so everything that might run is still looked at) and set `broken`; nesting beyond
//! [`MAX_PARSE_DEPTH`] stops descending instead of overflowing the stack.

mod word;

pub(super) use word::braces;

use super::syntax::{Cmd, Redirect, Script, Word};

/// Nesting limits. Beyond them we stop looking (allow): only a constructed input nests this
/// deep, and an accident guard must not overflow the stack on one.
const MAX_PARSE_DEPTH: usize = 32;
const MAX_HEREDOCS: usize = 256;

#[derive(Clone, Copy, PartialEq, Eq)]
enum Term {
    Eof,
    Paren,
    Brace,
}

struct Parser {
    chars: Vec<char>,
    pos: usize,
    depth: usize,
    /// Unbalanced quotes/parens or truncated constructs were seen.
    broken: bool,
    heredocs: usize,
}

/// Parse leniently: unterminated constructs extend to the end of input, so everything that
/// might run is still looked at. Returns the tree and whether the syntax was broken.
pub(super) fn parse(text: &str) -> (Script, bool) {
    let mut p = Parser::new(text, 0);
    let s = p.parse_script(Term::Eof);
    (s, p.broken)
}

pub(super) fn is_assignment(w: &Word) -> bool {
    let Some(eq) = w.text.find('=') else {
        return false;
    };
    let name = &w.text[..eq];
    let name = name.strip_suffix('+').unwrap_or(name);
    let mut cs = name.chars();
    let ident = cs.next().is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && cs.all(|c| c.is_ascii_alphanumeric() || c == '_');
    ident && w.first_quote.is_none_or(|q| q > eq)
}

fn end_cmd(pipeline: &mut Vec<Cmd>, cmd: &mut Cmd) {
    if !cmd.is_empty() {
        pipeline.push(std::mem::take(cmd));
    }
}

fn end_pipeline(script: &mut Script, pipeline: &mut Vec<Cmd>, cmd: &mut Cmd) {
    end_cmd(pipeline, cmd);
    if !pipeline.is_empty() {
        script.pipelines.push(std::mem::take(pipeline));
    }
}

/// Keep the substitutions of words we drop (case patterns, function names): they still run.
fn salvage(cmd: Cmd) -> Cmd {
    Cmd { assigns: cmd.words.into_iter().chain(cmd.assigns).filter(|w| !w.subs.is_empty()).collect(), ..Cmd::default() }
}

impl Parser {
    fn new(text: &str, depth: usize) -> Parser {
        Parser { chars: text.chars().collect(), pos: 0, depth, broken: false, heredocs: 0 }
    }

    fn peek(&self) -> Option<char> {
        self.chars.get(self.pos).copied()
    }

    fn peek_at(&self, k: usize) -> Option<char> {
        self.chars.get(self.pos.saturating_add(k)).copied()
    }

    fn bump(&mut self) -> Option<char> {
        let c = self.peek()?;
        self.pos += 1;
        Some(c)
    }

    fn raw_from(&self, start: usize) -> String {
        self.chars.get(start..self.pos).map(|s| s.iter().collect()).unwrap_or_default()
    }

    fn skip_blanks(&mut self) {
        loop {
            match self.peek() {
                Some(' ' | '\t' | '\r') => self.pos += 1,
                Some('\\') if self.peek_at(1) == Some('\n') => self.pos += 2,
                _ => break,
            }
        }
    }

    fn nested(&mut self, term: Term) -> Script {
        if self.depth >= MAX_PARSE_DEPTH {
            self.broken = true;
            self.pos = self.chars.len();
            return Script::default();
        }
        self.depth += 1;
        let s = self.parse_script(term);
        self.depth -= 1;
        s
    }

    fn child(&mut self, text: &str) -> Option<Parser> {
        if self.depth >= MAX_PARSE_DEPTH {
            self.broken = true;
            return None;
        }
        let mut p = Parser::new(text, self.depth + 1);
        p.heredocs = self.heredocs;
        Some(p)
    }

    fn adopt(&mut self, child: &Parser) {
        self.broken |= child.broken;
        self.heredocs = self.heredocs.max(child.heredocs);
    }

    fn sub_parse(&mut self, text: &str) -> Script {
        let Some(mut p) = self.child(text) else {
            return Script::default();
        };
        let s = p.parse_script(Term::Eof);
        self.adopt(&p);
        s
    }

    fn parse_script(&mut self, term: Term) -> Script {
        let mut script = Script::default();
        let mut pipeline: Vec<Cmd> = Vec::new();
        let mut cmd = Cmd::default();
        let mut case_depth = 0usize;
        let mut expect_pattern = false;
        loop {
            let Some(c) = self.peek() else {
                if term != Term::Eof {
                    self.broken = true;
                }
                break;
            };
            match c {
                ' ' | '\t' | '\r' => self.pos += 1,
                '\\' if self.peek_at(1) == Some('\n') => self.pos += 2,
                '#' => {
                    while self.peek().is_some_and(|c| c != '\n') {
                        self.pos += 1;
                    }
                }
                '\n' | ';' => {
                    self.pos += 1;
                    if c == ';' && matches!(self.peek(), Some(';' | '&')) {
                        self.pos += 1;
                        if self.peek() == Some('&') {
                            self.pos += 1;
                        }
                        if case_depth > 0 {
                            expect_pattern = true;
                        }
                    }
                    end_pipeline(&mut script, &mut pipeline, &mut cmd);
                }
                '&' => match self.peek_at(1) {
                    Some('&') => {
                        self.pos += 2;
                        end_pipeline(&mut script, &mut pipeline, &mut cmd);
                    }
                    Some('>') => {
                        let r = self.read_redirect();
                        cmd.redirects.push(r);
                    }
                    _ => {
                        self.pos += 1;
                        end_pipeline(&mut script, &mut pipeline, &mut cmd);
                    }
                },
                '|' => {
                    if self.peek_at(1) == Some('|') {
                        self.pos += 2;
                        end_pipeline(&mut script, &mut pipeline, &mut cmd);
                    } else {
                        self.pos += if self.peek_at(1) == Some('&') { 2 } else { 1 };
                        end_cmd(&mut pipeline, &mut cmd);
                    }
                }
                '(' => {
                    self.pos += 1;
                    if expect_pattern && cmd.words.is_empty() {
                        // optional leading paren of a case pattern
                    } else if cmd.at_command_position() && cmd.redirects.is_empty() {
                        if self.peek() == Some('(') {
                            self.pos += 1;
                            // `(( … ))` runs no command, but substitutions inside it do.
                            let subs = self.skip_balanced('(', ')', 2);
                            if !subs.is_empty() {
                                cmd.assigns.push(Word { subs, ..Word::default() });
                            }
                        } else {
                            let body = self.nested(Term::Paren);
                            cmd.subshells.push(body);
                        }
                    } else {
                        self.skip_blanks();
                        if self.peek() == Some(')') {
                            // `name() …`: defines a function; the body follows as a group.
                            self.pos += 1;
                            cmd = salvage(std::mem::take(&mut cmd));
                        } else {
                            self.broken = true;
                        }
                    }
                }
                ')' => {
                    if expect_pattern {
                        expect_pattern = false;
                        self.pos += 1;
                        cmd = salvage(std::mem::take(&mut cmd));
                        continue;
                    }
                    match term {
                        Term::Paren => {
                            self.pos += 1;
                            break;
                        }
                        // Leave it for the enclosing `$(`/`(`: the `{` was never closed.
                        Term::Brace => {
                            self.broken = true;
                            break;
                        }
                        // Stray `)`: bash would refuse the line; splitting here keeps
                        // what follows visible as its own command.
                        Term::Eof => {
                            self.broken = true;
                            self.pos += 1;
                            end_pipeline(&mut script, &mut pipeline, &mut cmd);
                        }
                    }
                }
                '<' | '>' if self.peek_at(1) != Some('(') => {
                    let r = self.read_redirect();
                    cmd.redirects.push(r);
                }
                _ => {
                    let start = self.pos;
                    let w = self.read_word();
                    if self.pos == start {
                        // Cannot happen by construction; never loop forever on our own bug.
                        self.pos += 1;
                        self.broken = true;
                        continue;
                    }
                    let fd_number = w.plain()
                        && !w.text.is_empty()
                        && w.text.bytes().all(|b| b.is_ascii_digit())
                        && matches!(self.peek(), Some('<' | '>'));
                    if fd_number {
                        continue;
                    }
                    if cmd.at_command_position() {
                        if w.plain() {
                            match w.text.as_str() {
                                "{" => {
                                    let body = self.nested(Term::Brace);
                                    cmd.groups.push(body);
                                    continue;
                                }
                                "}" => {
                                    if term == Term::Brace {
                                        break;
                                    }
                                    self.broken = true;
                                    continue;
                                }
                                "if" | "then" | "else" | "elif" | "fi" | "do" | "done" | "while" | "until" | "!" => {
                                    continue;
                                }
                                "esac" => {
                                    case_depth = case_depth.saturating_sub(1);
                                    expect_pattern = false;
                                    continue;
                                }
                                "function" => {
                                    self.skip_function_name();
                                    continue;
                                }
                                _ => {}
                            }
                        }
                        if !expect_pattern && is_assignment(&w) {
                            cmd.assigns.push(w);
                            continue;
                        }
                    }
                    let case_in = w.plain()
                        && w.text == "in"
                        && cmd.words.len() == 2
                        && cmd.words.first().is_some_and(|f| f.plain() && f.text == "case");
                    if case_in {
                        case_depth += 1;
                        expect_pattern = true;
                        cmd = salvage(std::mem::take(&mut cmd));
                        continue;
                    }
                    cmd.words.push(w);
                }
            }
        }
        end_pipeline(&mut script, &mut pipeline, &mut cmd);
        script
    }

    fn skip_function_name(&mut self) {
        self.skip_blanks();
        if self.peek().is_some_and(|c| !" \t\r\n;&|()<>".contains(c)) {
            let _ = self.read_word();
        }
        self.skip_blanks();
        if self.peek() == Some('(') {
            let save = self.pos;
            self.pos += 1;
            self.skip_blanks();
            if self.peek() == Some(')') {
                self.pos += 1;
            } else {
                self.pos = save;
            }
        }
    }

    fn read_redirect(&mut self) -> Redirect {
        let (a, b, c) = (self.peek(), self.peek_at(1), self.peek_at(2));
        let op: &'static str = match (a, b, c) {
            (Some('<'), Some('<'), Some('<')) => "<<<",
            (Some('<'), Some('<'), Some('-')) => "<<-",
            (Some('<'), Some('<'), _) => "<<",
            (Some('<'), Some('&'), _) => "<&",
            (Some('<'), Some('>'), _) => "<>",
            (Some('<'), _, _) => "<",
            (Some('>'), Some('>'), _) => ">>",
            (Some('>'), Some('&'), _) => ">&",
            (Some('>'), Some('|'), _) => ">|",
            (Some('&'), Some('>'), Some('>')) => "&>>",
            (Some('&'), Some('>'), _) => "&>",
            _ => ">",
        };
        self.pos = (self.pos + op.len()).min(self.chars.len());
        self.skip_blanks();
        let target = match self.peek() {
            None | Some('\n' | ';' | '&' | '|' | ')' | '(') => {
                self.broken = true;
                Word::default()
            }
            Some('<' | '>') if self.peek_at(1) != Some('(') => {
                self.broken = true;
                Word::default()
            }
            _ => self.read_word(),
        };
        let mut r = Redirect { op, target, body: None };
        if op == "<<" || op == "<<-" {
            self.read_heredoc(&mut r, op == "<<-");
        }
        r
    }

    /// Cut the here-document body out of the stream (it starts after the current line) so
    /// its lines are not parsed as commands: a commit message mentioning `rm -rf /` is data.
    fn read_heredoc(&mut self, r: &mut Redirect, strip_tabs: bool) {
        if self.heredocs >= MAX_HEREDOCS {
            return;
        }
        self.heredocs += 1;
        let len = self.chars.len();
        let Some(nl) = (self.pos..len).find(|&i| self.chars.get(i) == Some(&'\n')) else {
            return;
        };
        let body_start = nl + 1;
        let delim = r.target.text.clone();
        let mut body = String::new();
        let mut i = body_start;
        let mut end = len;
        while i < len {
            let line_end = (i..len).find(|&j| self.chars.get(j) == Some(&'\n')).unwrap_or(len);
            let line: String = self.chars.get(i..line_end).map(|s| s.iter().collect()).unwrap_or_default();
            let cmp = if strip_tabs { line.trim_start_matches('\t') } else { line.as_str() };
            if cmp == delim {
                end = (line_end + 1).min(len);
                break;
            }
            body.push_str(cmp);
            body.push('\n');
            i = line_end + 1;
        }
        if body_start <= end && end <= len {
            self.chars.drain(body_start..end);
        }
        // An unquoted delimiter means `$(…)` and backticks in the body are executed.
        if r.target.first_quote.is_none()
            && let Some(mut p) = self.child(&body)
        {
            let mut w = Word::default();
            p.read_dquote(&mut w, true);
            self.adopt(&p);
            r.target.subs.extend(w.subs);
        }
        r.body = Some(body);
    }
}

/// The lexer, public for tests and fuzzing: split a shell line into simple commands (argv
/// lists) across `;`, `&&`, `||`, `|`, `&`, newlines, `$(...)`, backticks, `( … )` subshells and
/// `{ …; }` groups, with single/double quotes, backslash escapes, and `VAR=value` prefixes
/// removed. Substitutions are listed before the command that contains them (they run first);
/// the containing word keeps the substitution's source text. Here-document bodies are data
/// and not listed; reserved words (`if`, `then`, `do`, …) are dropped.
pub fn simple_commands(line: &str) -> Vec<Vec<String>> {
    fn flatten(s: &Script, out: &mut Vec<Vec<String>>) {
        for c in s.pipelines.iter().flatten() {
            for w in c.all_words() {
                for sub in &w.subs {
                    flatten(sub, out);
                }
            }
            for sub in c.subshells.iter().chain(&c.groups) {
                flatten(sub, out);
            }
            if !c.words.is_empty() {
                out.push(c.words.iter().map(|w| w.text.clone()).collect());
            }
        }
    }
    let mut out = Vec::new();
    flatten(&parse(line).0, &mut out);
    out
}
