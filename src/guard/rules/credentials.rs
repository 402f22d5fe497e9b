//! The user's keys and credentials: `~/.ssh` (private keys, `authorized_keys`), `~/.gnupg`,
//! `~/.aws/credentials`, `~/.config/gh/hosts.yml`, `~/.netrc`, `~/.git-credentials` and every
//! `.credentials.json` of a Claude account home. Removing one, moving it away or over, or
//! writing into it (`rm`, `mv`, `cp`/`ln`/`dd` onto it, `>`/`>>`, `tee`, `sed -i`, the Write
//! and Edit tools) is refused, as are `ssh-keygen` over a default identity and `gpg
//! --delete-secret-keys`.
//!
//! Invariant a newcomer could break: a lost key or token is a lockout that neither git nor a
//! rebuild undoes, but *reading* one is ordinary (`cat ~/.ssh/id_rsa.pub`, `ssh -i`,
//! `ssh-keygen -lf`), and so is adding to what is meant to grow: `~/.ssh/known_hosts` is not
//! sacred (`ssh-keyscan … >> ~/.ssh/known_hosts`, `ssh-keygen -R host`), `~/.ssh/config` may be
//! appended to, and `chmod 600 ~/.ssh/id_rsa` is the fix, not the accident. So this rule looks
//! at where a write lands, never at a mere mention of the path.

use crate::guard::argv::{is_option, long_opt};
use crate::guard::paths::{Env, glob_match, show};
use crate::guard::resolve::Target;
use crate::guard::rules::written_operands;
use crate::guard::scope::Scope;
use crate::guard::syntax::{Redirect, Word};
use crate::guard::walk::Walker;
use crate::guard::{Verdict, snippet, snippet_str};

/// A key or credentials file (or the directory holding them).
pub(in crate::guard) struct Sacred {
    /// What it is, for the reason: "your SSH keys (~/.ssh)".
    pub(in crate::guard) what: &'static str,
    /// `>>` onto it is ordinary (`~/.ssh/config`).
    append_ok: bool,
    /// A directory above the sacred file (`~/.aws`, `~/.config`): removing or moving it away
    /// takes the file along, but writing a new file into it does not touch it.
    pub(in crate::guard) holds: bool,
}

/// Paths below the home directory, by component, and everything below them; a component of
/// the user's path may be a glob (`~/.ssh/id_*`).
const SACRED: &[(&[&str], &str)] = &[
    (&[".ssh"], "your SSH keys and authorized_keys (~/.ssh)"),
    (&[".gnupg"], "your GnuPG keyring (~/.gnupg)"),
    (&[".aws", "credentials"], "your AWS credentials (~/.aws/credentials)"),
    (&[".config", "gh", "hosts.yml"], "your GitHub CLI token (~/.config/gh/hosts.yml)"),
    (&[".netrc"], "your saved logins (~/.netrc)"),
    (&[".git-credentials"], "your git credentials (~/.git-credentials)"),
];

/// The identities `ssh` offers by default: overwriting one locks the user out of every server
/// that knows its public half.
const DEFAULT_IDENTITIES: &[&str] =
    &["id_rsa", "id_dsa", "id_ecdsa", "id_ecdsa_sk", "id_ed25519", "id_ed25519_sk", "identity"];

/// `ssh-keygen` modes that read a key or edit `known_hosts`, never write a private key.
const KEYGEN_READS: &str = "lyBFRHeirYQDkLT";

impl Env {
    /// Is `comps` (a resolved path) a key or credentials file, or a directory holding them?
    pub(in crate::guard) fn sacred(&self, comps: &[String]) -> Option<Sacred> {
        let env = self;
        // An expansion we cannot see (`~/$f`) is not taken for a key: that would refuse
        // every `rm ~/$f`.
        let matches = |r: &String, p: &str| !r.contains(['$', '`']) && glob_match(r, p);
        if comps.last().is_some_and(|c| matches(c, ".credentials.json"))
            && (env.accounts.iter().any(|a| comps.starts_with(a))
                || (comps.starts_with(&env.home) && !comps.starts_with(&env.project)))
        {
            return Some(Sacred {
                what: "a Claude account's login token (.credentials.json)",
                append_ok: false,
                holds: false,
            });
        }
        let rel = comps.strip_prefix(env.home.as_slice())?;
        for (pattern, what) in SACRED {
            // The directory itself, or something at or below the sacred path.
            let n = rel.len().min(pattern.len());
            if n == 0 || !rel.iter().zip(pattern.iter()).take(n).all(|(r, p)| matches(r, p)) {
                continue;
            }
            let holds = rel.len() < pattern.len();
            if pattern == &[".ssh"] {
                match rel.get(1).map(String::as_str) {
                    Some("known_hosts" | "known_hosts.old") => return None,
                    Some("config") => return Some(Sacred { what, append_ok: true, holds }),
                    _ => {}
                }
            }
            return Some(Sacred { what, append_ok: false, holds });
        }
        None
    }
}

impl Walker<'_> {
    /// `removes`: the write takes the path away (`rm`, the source of `mv`), so a directory
    /// that holds a sacred file counts too.
    fn sacred_denial(&self, w: &Word, sc: &Scope, appending: bool, removes: bool) -> Option<(String, &'static str)> {
        let Target::Known { comps, .. } = self.env.resolve(w, sc) else {
            return None;
        };
        let s = self.env.sacred(&comps)?;
        let spared = (appending && s.append_ok) || (s.holds && !removes);
        (!spared).then(|| (show(&comps), s.what))
    }

    /// `rm`, `mv`, `cp`/`ln`/`install`/`dd` onto, `tee`, `truncate`, `sed -i` of a key.
    pub(in crate::guard) fn key_writes(&self, name: &str, args: &[Word], argv: &[Word], sc: &Scope) -> Verdict {
        let verb = match name {
            "rm" | "unlink" | "shred" => "removes",
            "mv" => "moves away or over",
            _ => "overwrites",
        };
        let written = written_operands(name, args, false);
        for (k, w) in written.iter().enumerate() {
            let removes = matches!(name, "rm" | "unlink" | "shred") || (name == "mv" && k + 1 < written.len());
            if let Some((path, what)) = self.sacred_denial(w, sc, false, removes) {
                return Err(key_reason(&snippet(argv), verb, &path, what));
            }
        }
        match name {
            "ssh-keygen" => self.ssh_keygen_rule(args, argv, sc),
            "gpg" | "gpg2" => gpg_rule(args, argv),
            _ => Ok(()),
        }
    }

    /// `> ~/.ssh/authorized_keys`, `>> ~/.netrc`.
    pub(in crate::guard) fn key_redirects(&self, redirects: &[Redirect], sc: &Scope) -> Verdict {
        for r in redirects {
            if !matches!(r.op, ">" | ">>" | ">|" | "&>" | "&>>" | "<>") {
                continue;
            }
            let appending = matches!(r.op, ">>" | "&>>");
            if let Some((path, what)) = self.sacred_denial(&r.target, sc, appending, false) {
                let shown = format!("{} {}", r.op, snippet_str(&r.target.text));
                return Err(key_reason(&shown, "writes into", &path, what));
            }
        }
        Ok(())
    }

    /// Generating a key over a default identity (`ssh-keygen -f ~/.ssh/id_rsa`): ssh-keygen
    /// asks before overwriting, and an unattended agent answers `y`. A new name is fine.
    fn ssh_keygen_rule(&self, args: &[Word], argv: &[Word], sc: &Scope) -> Verdict {
        let mut file: Option<Word> = None;
        let mut i = 0;
        while let Some(t) = args.get(i).map(|w| w.text.as_str()) {
            i += 1;
            if !is_option(t) || t.starts_with("--") {
                continue;
            }
            for (k, c) in t.char_indices().skip(1) {
                if KEYGEN_READS.contains(c) && c != 'f' {
                    return Ok(());
                }
                if c == 'f' {
                    let attached = &t[k + 1..];
                    file = if attached.is_empty() {
                        args.get(i).cloned()
                    } else {
                        Some(Word { lead_tilde: attached.starts_with('~'), ..Word::lit(attached) })
                    };
                    break;
                }
            }
        }
        let Some(file) = file else { return Ok(()) };
        let Target::Known { comps, .. } = self.env.resolve(&file, sc) else { return Ok(()) };
        let default = comps.last().is_some_and(|c| DEFAULT_IDENTITIES.contains(&c.as_str()));
        match self.env.sacred(&comps) {
            Some(s) if default => Err(format!(
                "claude-failover guard refused `{}`: it would replace the key {} ({}), locking you out of every server that trusts it; generate the new key under a new name (`-f ~/.ssh/id_ed25519_<purpose>`)",
                snippet(argv),
                show(&comps),
                s.what
            )),
            _ => Ok(()),
        }
    }
}

/// `gpg --delete-secret-keys`: a secret key exists nowhere else.
fn gpg_rule(args: &[Word], argv: &[Word]) -> Verdict {
    let deletes = args.iter().any(|w| {
        ["--delete-secret-keys", "--delete-secret-and-public-keys", "--delete-keys"]
            .iter()
            .any(|l| long_opt(&w.text, l) && w.text.len() > "--delete-".len())
            || ["--delete-secret-key", "--delete-key", "--delete-secret-and-public-key"].contains(&w.text.as_str())
    });
    if deletes {
        return Err(format!(
            "claude-failover guard refused `{}`: it deletes keys from your GnuPG keyring (~/.gnupg); a deleted secret key cannot be restored",
            snippet(argv)
        ));
    }
    Ok(())
}

fn key_reason(shown: &str, verb: &str, path: &str, what: &str) -> String {
    format!(
        "claude-failover guard refused `{shown}`: it {verb} {path}, which is {what}; keys and credentials are never removed, moved or overwritten by an unattended session (a lost one cannot be restored). Reading or copying it is fine; write new keys to a new file"
    )
}
