//! `git push` that rewrites or deletes a protected branch.

use crate::guard::Verdict;
use crate::guard::snippet;
use crate::guard::syntax::Word;
use crate::guard::walk::Walker;
use crate::guard::wrappers::is_option;

impl Walker<'_> {
    pub(in crate::guard) fn git_rule(&self, args: &[Word], argv: &[Word]) -> Verdict {
        let a: Vec<&str> = args.iter().map(|w| w.text.as_str()).collect();
        let mut i = 0;
        while let Some(&t) = a.get(i) {
            if matches!(t, "-C" | "-c" | "--git-dir" | "--work-tree" | "--namespace" | "--config-env") {
                i += 2;
            } else if t.starts_with('-') {
                i += 1;
            } else {
                break;
            }
        }
        if a.get(i) != Some(&"push") {
            return Ok(());
        }
        let (mut force, mut delete, mut mirror, mut all, mut repo_opt) = (false, false, false, false, false);
        let mut pos: Vec<&str> = Vec::new();
        let mut opts = true;
        let mut j = i + 1;
        while let Some(&t) = a.get(j) {
            j += 1;
            if opts && t == "--" {
                opts = false;
            } else if opts && t.starts_with("--") {
                let name = t.split('=').next().unwrap_or(t);
                match name {
                    "--force" | "--force-with-lease" => force = true,
                    "--delete" => delete = true,
                    "--mirror" => mirror = true,
                    "--all" | "--branches" => all = true,
                    "--repo" => {
                        repo_opt = true;
                        if !t.contains('=') {
                            j += 1;
                        }
                    }
                    "--push-option" | "--receive-pack" | "--exec" if !t.contains('=') => j += 1,
                    _ => {}
                }
            } else if opts && is_option(t) {
                for ch in t.chars().skip(1) {
                    match ch {
                        'f' => force = true,
                        'd' => delete = true,
                        'o' => {
                            j += 1;
                            break;
                        }
                        _ => {}
                    }
                }
            } else {
                pos.push(t);
            }
        }
        let refspecs = if repo_opt { &pos[..] } else { pos.get(1..).unwrap_or(&[]) };
        let deny = |why: String| Err(format!("claude-failover guard refused `{}`: {why}", snippet(argv)));
        let names = self.g.protected.join(", ");
        if mirror || (force && all) {
            return deny(format!("it force-updates every remote branch, including protected ones ({names})"));
        }
        if force && refspecs.is_empty() {
            return deny(format!(
                "a force push without a branch cannot be checked against the protected branches ({names}); name a non-protected branch explicitly, e.g. `git push --force-with-lease origin my-branch`"
            ));
        }
        for rs in refspecs {
            let plus = rs.starts_with('+');
            let body = rs.trim_start_matches('+');
            let (src, dst) = body.rsplit_once(':').unwrap_or((body, body));
            let dst = dst.strip_prefix("refs/heads/").unwrap_or(dst);
            if (delete || src.is_empty()) && self.g.is_protected(dst) {
                return deny(format!("it deletes the protected branch `{dst}`"));
            }
            if force || plus {
                if matches!(dst, "HEAD" | "@" | "") {
                    return deny(format!(
                        "a force push of HEAD cannot be checked against the protected branches ({names}); name a non-protected destination branch explicitly, e.g. `git push --force-with-lease origin HEAD:my-branch`"
                    ));
                }
                if self.g.is_protected(dst) {
                    return deny(format!(
                        "it force-pushes to the protected branch `{dst}`, rewriting shared history; push to another branch instead"
                    ));
                }
            }
        }
        Ok(())
    }
}
