//! Pipelines that feed a shell: a download piped into a shell, text piped into one
//! (`echo 'rm -rf /' | bash`, `cat <<EOF | sh`), which is walked as a script, and `$(curl …)`
//! handed to `sh -c`, `eval` or `source`.

use crate::guard::argv::joined;
use crate::guard::interp::stdin_program;
use crate::guard::scope::Scope;
use crate::guard::syntax::{Cmd, Redirect, Word};
use crate::guard::walk::Walker;
use crate::guard::wrappers::{
    is_downloader, is_stdin_shell, printed_text, script_downloads, stage_any, unwrap_wrappers,
};
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
                self.judge_program(lang, &text, &un.argv, sc, depth)?;
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
