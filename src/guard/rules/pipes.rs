//! Pipelines that feed a shell: a download piped into a shell, text piped into one
//! (`echo 'rm -rf /' | bash`, `cat <<EOF | sh`), which is walked as a script, and `$(curl …)`
//! handed to `sh -c`, `eval` or `source`.

use crate::guard::argv::{cmd_name, joined, operands};
use crate::guard::interp::stdin_program;
use crate::guard::scope::Scope;
use crate::guard::syntax::{Cmd, Redirect, Word};
use crate::guard::walk::Walker;
use crate::guard::wrappers::{is_downloader, is_stdin_shell, script_downloads, stage_any, unwrap_wrappers};
use crate::guard::{Verdict, snippet, snippet_str};

impl Walker<'_> {
    pub(in crate::guard) fn pipeline_rule(&self, p: &[Cmd], sc: &Scope, depth: usize) -> Verdict {
        for (k, c) in p.iter().enumerate().skip(1) {
            let Some(text) = p.get(k - 1).and_then(printed_text) else {
                continue;
            };
            let un = unwrap_wrappers(&c.words);
            if is_stdin_shell(&un.argv) {
                self.recurse(&text, sc, depth)?;
            } else if let Some(lang) = stdin_program(&un.argv) {
                self.judge_code(lang, &text, &un.argv, sc, depth)?;
            }
        }
        let Some(d) = p.iter().position(|c| stage_any(c, &is_downloader)) else {
            return Ok(());
        };
        let runs_stdin = |a: &[Word]| is_stdin_shell(a) || stdin_program(a).is_some();
        let Some(s) = p.iter().skip(d + 1).position(|c| stage_any(c, &runs_stdin)).map(|k| k + d + 1) else {
            return Ok(());
        };
        let (dl, sh) = (joined(&p[d].words), joined(&p[s].words));
        if self.g.user_allows(&[&dl, &sh]) {
            return Ok(());
        }
        Err(format!(
            "claude-failover guard refused `{} | … {}`: it pipes a download straight into a shell; download to a file, inspect it, then run it",
            snippet_str(&dl),
            snippet_str(&sh)
        ))
    }

    pub(in crate::guard) fn download_subs(&self, argv: &[Word], redirects: &[Redirect]) -> Verdict {
        let hit = argv.iter().chain(redirects.iter().map(|r| &r.target)).any(|w| w.subs.iter().any(script_downloads));
        if hit {
            return Err(format!(
                "claude-failover guard refused `{}`: it runs a script downloaded on the fly; download to a file, inspect it, then run it",
                snippet(argv)
            ));
        }
        Ok(())
    }
}

/// The text a pipeline stage prints when it is spelled out on the command line: `echo`'s and
/// `printf`'s arguments, a here-document or here-string handed to `cat`.
fn printed_text(c: &Cmd) -> Option<String> {
    let un = unwrap_wrappers(&c.words);
    let (first, args) = un.argv.split_first()?;
    match cmd_name(&first.text).as_ref() {
        "echo" => {
            let flags = args.iter().take_while(|w| {
                w.text.len() > 1 && w.text.starts_with('-') && w.text[1..].chars().all(|c| "neE".contains(c))
            });
            let escapes = flags.clone().any(|w| w.text.contains('e'));
            let text = joined(&args[flags.count()..]);
            Some(if escapes { unescape(&text) } else { text })
        }
        "printf" => {
            let (format, values) = args.split_first()?;
            Some(printf(&format.text, values))
        }
        "cat" if operands(args).is_empty() => c.redirects.iter().find_map(|r| match (r.op, &r.body) {
            ("<<" | "<<-", Some(body)) => Some(body.clone()),
            ("<<<", _) => Some(r.target.text.clone()),
            _ => None,
        }),
        _ => None,
    }
}

/// `printf FORMAT ARGS…` for the conversions a script would be written with: `%s`/`%b`/`%q`
/// take the next argument, `%%` is `%`, the usual backslash escapes. The format is reused
/// while arguments remain, as printf does.
fn printf(format: &str, values: &[Word]) -> String {
    let mut out = String::new();
    let mut vals = values.iter().map(|w| w.text.as_str());
    let mut passes = 0;
    loop {
        let mut used = false;
        let mut cs = format.chars().peekable();
        while let Some(c) = cs.next() {
            if c != '%' {
                out.push(c);
                continue;
            }
            match cs.next() {
                Some('%') => out.push('%'),
                Some(_) => {
                    used = true;
                    out.push_str(vals.next().unwrap_or(""));
                }
                None => out.push('%'),
            }
        }
        passes += 1;
        if !used || vals.len() == 0 || passes > 64 {
            break;
        }
    }
    unescape(&out)
}

fn unescape(s: &str) -> String {
    s.replace("\\n", "\n").replace("\\t", "\t")
}
