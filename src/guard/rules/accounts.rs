//! Claude accounts: another account's `.credentials.json` must not be read or copied, and no
//! account home may be modified (except the session's own memory and plans).

use crate::guard::argv::operands;
use crate::guard::paths::show;
use crate::guard::resolve::Target;
use crate::guard::rules::written_operands;
use crate::guard::scope::Scope;
use crate::guard::syntax::{Redirect, Word};
use crate::guard::walk::Walker;
use crate::guard::{Verdict, snippet, snippet_str};

impl Walker<'_> {
    pub(in crate::guard) fn credentials<'w>(&self, words: impl Iterator<Item = &'w Word>, sc: &Scope) -> Verdict {
        for w in words {
            if !w.text.contains(".credentials.json") {
                continue;
            }
            let mut cands = vec![(w.text.as_str(), w.lead_tilde, w.lead_dollar)];
            if let Some((_, after)) = w.text.split_once('=') {
                cands.push((after, after.starts_with('~'), after.starts_with('$')));
            }
            for (t, tilde, dollar) in cands {
                if !t.contains(".credentials.json") {
                    continue;
                }
                match self.env.resolve_text(t, tilde, dollar, sc) {
                    Target::Known { comps, .. } => {
                        if let Some(acc) = self.env.foreign_credentials(&comps) {
                            return Err(format!(
                                "claude-failover guard refused a command naming {t}: it is the credentials file of another Claude account ({}); sessions must never read or copy each other's tokens",
                                show(acc)
                            ));
                        }
                    }
                    Target::Unknown => {
                        let expands = t.starts_with(['$', '~', '`']);
                        if expands && self.env.has_foreign_account() {
                            return Err(format!(
                                "claude-failover guard refused a command naming {t}: cannot tell which account's credentials file that is, and other accounts' tokens must not be touched; use a literal path inside your own config dir"
                            ));
                        }
                    }
                }
            }
        }
        Ok(())
    }

    pub(in crate::guard) fn redirect_rules(&self, redirects: &[Redirect], sc: &Scope) -> Verdict {
        self.key_redirects(redirects, sc)?;
        for r in redirects {
            if !matches!(r.op, ">" | ">>" | ">|" | "&>" | "&>>" | "<>" | ">&") {
                continue;
            }
            let t = &r.target;
            let fd_dup = t.text == "-" || t.text.bytes().all(|b| b.is_ascii_digit());
            if t.text.is_empty() || (r.op == ">&" && fd_dup) {
                continue;
            }
            if let Target::Known { comps, .. } = self.env.resolve(t, sc) {
                self.check_device(&comps, &format!("{} {}", r.op, t.text))?;
                if let Some(acc) = self.env.account_write_hit(&comps) {
                    return Err(format!(
                        "claude-failover guard refused the redirection `{} {}`: it writes into the Claude account home {}, which sessions must not modify",
                        r.op,
                        snippet_str(&t.text),
                        show(acc)
                    ));
                }
            }
        }
        Ok(())
    }

    pub(in crate::guard) fn account_writes(&self, name: &str, args: &[Word], argv: &[Word], sc: &Scope) -> Verdict {
        for w in &written_operands(name, args, true) {
            if let Target::Known { comps, .. } = self.env.resolve(w, sc)
                && let Some(acc) = self.env.account_write_hit(&comps)
            {
                return Err(format!(
                    "claude-failover guard refused `{}`: it modifies {} inside the Claude account home {}, which sessions must not touch (settings, hooks and credentials live there)",
                    snippet(argv),
                    snippet_str(&w.text),
                    show(acc)
                ));
            }
        }
        // Copying another account's whole home copies its credentials too.
        if matches!(name, "cp" | "rsync" | "scp" | "tar" | "zip" | "7z" | "ditto") {
            for w in operands(args) {
                if let Target::Known { comps, .. } = self.env.resolve(w, sc)
                    && self.env.accounts.iter().any(|a| *a == comps && !self.env.is_own(a))
                {
                    return Err(format!(
                        "claude-failover guard refused `{}`: it copies another Claude account's home {}, including its credentials",
                        snippet(argv),
                        show(&comps)
                    ));
                }
            }
        }
        Ok(())
    }
}
