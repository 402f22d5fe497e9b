//! Nested scripts: what a shell is asked to run (`sh -c`, here-documents, here-strings,
//! `su -c`, `source /dev/stdin`, `bash <(echo …)`), re-parsed and walked in a copy of the scope, with `sh -c`'s extra arguments
//! bound to `$0`, `$1`, … so `find … -exec sh -c 'rm -rf "$1"' _ {} \;` is judged on what
//! `{}` stands for.

use crate::guard::Verdict;
use crate::guard::argv::operands;
use crate::guard::scope::Scope;
use crate::guard::syntax::{Redirect, Word};
use crate::guard::walk::Walker;
use crate::guard::wrappers::{is_stdin_path, printed_text, shell_args};

impl Walker<'_> {
    pub(in crate::guard) fn shell_rule(
        &self,
        args: &[Word],
        argv: &[Word],
        redirects: &[Redirect],
        sc: &Scope,
        depth: usize,
    ) -> Verdict {
        self.download_subs(argv, redirects)?;
        let sa = shell_args(args);
        if sa.has_c {
            let Some((script, params)) = sa.operands.split_first() else {
                return Ok(());
            };
            // `xargs -I{} sh -c {}`, `parallel sh -c ::: 'cmd'`: the input is the script.
            for text in sc.fill_placeholder(&script.text) {
                self.recurse(&text, sc, depth)?;
            }
            // Whatever it printed this time, a line read at run time is unknown (`input.rs`).
            self.code_from_input(&script.text, true, argv, sc)?;
            if params.is_empty() {
                return self.recurse(&script.text, sc, depth);
            }
            let mut inner = sc.clone();
            for (k, w) in params.iter().enumerate() {
                self.env.bind(&mut inner, &k.to_string(), [w]);
            }
            self.env.bind(&mut inner, "@", &params[1..]);
            self.env.bind(&mut inner, "*", &params[1..]);
            return self.recurse(&script.text, &inner, depth);
        }
        if sa.reads_stdin {
            self.stdin_scripts(redirects, sc, depth)?;
        }
        match sa.operands.first() {
            Some(file) => self.substituted_script(file, sc, depth),
            None => Ok(()),
        }
    }

    /// `source FILE` / `. FILE`: FILE runs in this shell. `/dev/stdin` is what the
    /// here-document says; `<(echo …)` is what the substitution prints (a download there is
    /// `download_subs`'s).
    pub(in crate::guard) fn source_rule(
        &self,
        args: &[Word],
        argv: &[Word],
        redirects: &[Redirect],
        sc: &Scope,
        depth: usize,
    ) -> Verdict {
        self.download_subs(argv, redirects)?;
        let Some(file) = operands(args).first().copied() else {
            return Ok(());
        };
        if is_stdin_path(&file.text) {
            self.stdin_scripts(redirects, sc, depth)?;
        }
        self.substituted_script(file, sc, depth)
    }

    fn stdin_scripts(&self, redirects: &[Redirect], sc: &Scope, depth: usize) -> Verdict {
        for r in redirects {
            match (r.op, &r.body) {
                ("<<" | "<<-", Some(body)) => self.recurse(body, sc, depth)?,
                ("<<<", _) => self.recurse(&r.target.text, sc, depth)?,
                _ => {}
            }
        }
        Ok(())
    }

    /// A script file given as `<(…)`: the text its last command prints, when spelled out.
    fn substituted_script(&self, file: &Word, sc: &Scope, depth: usize) -> Verdict {
        if !file.text.starts_with("<(") {
            return Ok(());
        }
        for s in &file.subs {
            let last = s.pipelines.last().and_then(|p| p.last());
            if let Some(text) = last.and_then(printed_text) {
                self.recurse(&text, sc, depth)?;
            }
        }
        Ok(())
    }

    pub(in crate::guard) fn su_rule(
        &self,
        args: &[Word],
        argv: &[Word],
        redirects: &[Redirect],
        sc: &Scope,
        depth: usize,
    ) -> Verdict {
        self.download_subs(argv, redirects)?;
        let mut it = args.iter();
        while let Some(w) = it.next() {
            let t = w.text.as_str();
            if let Some(s) = t.strip_prefix("--command=") {
                return self.recurse(s, sc, depth);
            }
            let takes_script = t == "--command" || (t.starts_with('-') && !t.starts_with("--") && t.contains('c'));
            if takes_script && let Some(s) = it.next() {
                return self.recurse(&s.text, sc, depth);
            }
        }
        Ok(())
    }
}
