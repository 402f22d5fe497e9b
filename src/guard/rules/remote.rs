//! Commands that run a command line somewhere else: `ssh HOST CMD…` hands CMD to the remote
//! user's shell. The remote side is another machine, but an agent that wipes `/var/log`
//! on a server has had the same accident, so the remote command line is judged by the same
//! rules, in a scope that knows nothing of the remote shell: its working directory is
//! unknown (so a relative recursive delete there cannot be placed and is refused), `~` is a
//! home directory, `/tmp` is scratch, and the project is the local one.

use crate::guard::Verdict;
use crate::guard::argv::text_at;
use crate::guard::scope::Scope;
use crate::guard::syntax::{Redirect, Word};
use crate::guard::walk::Walker;
use crate::guard::wrappers::{SHELLS, shell_args};

/// ssh's short options that take a value (`-i key`, `-p22`, `-oX=y`).
const SSH_WITH_ARG: &str = "BbcDEeFIiJLlmOopQRSWw";

impl Walker<'_> {
    pub(in crate::guard) fn ssh_rule(&self, args: &[Word], redirects: &[Redirect], depth: usize) -> Verdict {
        let mut i = 0;
        let mut runs = true;
        while let Some(t) = text_at(args, i) {
            i += 1;
            if t == "--" {
                break;
            }
            if !(t.starts_with('-') && t.len() > 1) {
                i -= 1;
                break;
            }
            for (k, c) in t.char_indices().skip(1) {
                // -N: no command; -s: a subsystem; -V, -G: no connection at all.
                runs &= !matches!(c, 'N' | 's' | 'V' | 'G');
                if SSH_WITH_ARG.contains(c) {
                    i += usize::from(k + 1 == t.len());
                    break;
                }
            }
        }
        let (Some(host), true) = (args.get(i), runs) else {
            return Ok(());
        };
        let words = args.get(i + 1..).unwrap_or(&[]);
        let remote = Scope::default();
        let on_host = |e: String| format!("{e} (on the remote host {} via ssh)", host.text);
        let cmd: Vec<&str> = words.iter().map(|w| w.text.as_str()).collect();
        if !cmd.is_empty() {
            self.recurse(&cmd.join(" "), &remote, depth).map_err(on_host)?;
        }
        // No command (or `bash -s`): the remote shell reads the here-document.
        let stdin_shell = match cmd.split_first() {
            None => true,
            Some((sh, rest)) => {
                SHELLS.contains(sh) && shell_args(&rest.iter().map(|t| Word::lit(t)).collect::<Vec<_>>()).reads_stdin
            }
        };
        if stdin_shell {
            for r in redirects {
                match (r.op, &r.body) {
                    ("<<" | "<<-", Some(body)) => self.recurse(body, &remote, depth).map_err(on_host)?,
                    ("<<<", _) => self.recurse(&r.target.text, &remote, depth).map_err(on_host)?,
                    _ => {}
                }
            }
        }
        Ok(())
    }
}
