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
            self.judge_code(lang, code, argv, sc, depth)?;
            // `node -e "rm -rf /"`: shell typed into the wrong interpreter fails to parse
            // there, but it was meant, and the next attempt is `sh -c`.
            let first = code.split_whitespace().next().unwrap_or("");
            if lang != Lang::Awk && code.trim_start().len() > first.len() && runs_judged_command(first) {
                self.recurse(code, sc, depth)?;
            }
        }
        if prog.reads_stdin {
            for r in redirects {
                match (r.op, &r.body) {
                    ("<<" | "<<-", Some(body)) => self.judge_code(lang, body, argv, sc, depth)?,
                    ("<<<", _) => self.judge_code(lang, &r.target.text, argv, sc, depth)?,
                    _ => {}
                }
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
