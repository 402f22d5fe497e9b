//! Interpreter one-liners (`python3 -c`, `node -e`, `perl -e`, `ruby -e`, `php -r`, or a
//! program in a here-document): the shell commands they hand to the system are walked like
//! any command, and their recursive deletes of literal paths are judged like `rm -rf`.
//! What is looked for, and why only literals, is in `interp.rs`.

use crate::guard::Verdict;
use crate::guard::interp::{Lang, program, scan};
use crate::guard::rules::recursive::Del;
use crate::guard::scope::Scope;
use crate::guard::syntax::{Redirect, Word};
use crate::guard::walk::{Walker, runs_judged_command};

impl Walker<'_> {
    pub(in crate::guard) fn interpreter_rule(
        &self,
        lang: Lang,
        args: &[Word],
        argv: &[Word],
        redirects: &[Redirect],
        sc: &Scope,
        depth: usize,
    ) -> Verdict {
        self.download_subs(argv, redirects)?;
        let prog = program(lang, args);
        for code in &prog.code {
            self.judge_program(lang, code, argv, sc, depth)?;
            self.code_from_input(code, false, argv, sc)?;
        }
        if prog.reads_stdin {
            for r in redirects {
                match (r.op, &r.body) {
                    ("<<" | "<<-", Some(body)) => self.judge_program(lang, body, argv, sc, depth)?,
                    ("<<<", _) => self.judge_program(lang, &r.target.text, argv, sc, depth)?,
                    _ => {}
                }
            }
        }
        Ok(())
    }

    /// A program's text, given inline, in a here-document or through a pipe: the calls it
    /// makes, and lines that are shell typed into the interpreter (`python3 - <<EOF` holding
    /// `rm -rf ~`, `node -e "rm -rf /"`). Those fail to parse there, but they were meant,
    /// and the next attempt is `sh -c`. awk is left out: its program is patterns and actions,
    /// where a line starting with a command name is ordinary.
    pub(in crate::guard) fn judge_program(
        &self,
        lang: Lang,
        code: &str,
        argv: &[Word],
        sc: &Scope,
        depth: usize,
    ) -> Verdict {
        self.judge_code(lang, code, argv, sc, depth)?;
        if lang == Lang::Awk {
            return Ok(());
        }
        for line in code.lines().map(str::trim) {
            let first = line.split_whitespace().next().unwrap_or("");
            if line.len() > first.len() && runs_judged_command(first) {
                self.recurse(line, sc, depth)?;
            }
        }
        Ok(())
    }

    pub(in crate::guard) fn judge_code(
        &self,
        lang: Lang,
        code: &str,
        argv: &[Word],
        sc: &Scope,
        depth: usize,
    ) -> Verdict {
        let found = scan(lang, code);
        for text in &found.shell {
            self.recurse(text, sc, depth)?;
        }
        for run in &found.argvs {
            let words: Vec<Word> = run.iter().map(|a| Word::lit(a)).collect();
            self.run_argv(&words, sc, depth)?;
        }
        for (path, tilde) in found.deletes {
            let w = Word { text: path, lead_tilde: tilde, ..Word::default() };
            self.judge_delete(&w, sc, Del::Exact, argv)?;
        }
        Ok(())
    }
}
