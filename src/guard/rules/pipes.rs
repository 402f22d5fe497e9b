//! Pipelines that feed a shell: a download piped into a shell, and `$(curl …)` handed to
//! `sh -c`, `eval` or `source`.

use crate::guard::argv::joined;
use crate::guard::scope::Scope;
use crate::guard::syntax::{Cmd, Redirect, Word};
use crate::guard::walk::Walker;
use crate::guard::wrappers::{is_downloader, is_stdin_shell, script_downloads, stage_any};
use crate::guard::{Verdict, snippet, snippet_str};

impl Walker<'_> {
    pub(in crate::guard) fn pipeline_rule(&self, p: &[Cmd], _sc: &Scope, _depth: usize) -> Verdict {
        let Some(d) = p.iter().position(|c| stage_any(c, &is_downloader)) else {
            return Ok(());
        };
        let Some(s) = p.iter().skip(d + 1).position(|c| stage_any(c, &is_stdin_shell)).map(|k| k + d + 1) else {
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
