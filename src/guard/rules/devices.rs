//! Writes that destroy a disk: `dd of=/dev/…`, `shred`, `mkfs`/`wipefs`, and `tee`/`cp`/
//! redirections onto a block device.

use crate::guard::argv::{joined, operands};
use crate::guard::paths::{is_temp, show};
use crate::guard::resolve::Target;
use crate::guard::scope::Scope;
use crate::guard::syntax::Word;
use crate::guard::walk::Walker;
use crate::guard::{Verdict, snippet, snippet_str};

impl Walker<'_> {
    pub(in crate::guard) fn check_device(&self, comps: &[String], what: &str) -> Verdict {
        let p = show(comps);
        if self.g.block_device.is_match(&p) {
            return Err(format!(
                "claude-failover guard refused `{}`: it writes directly to the disk device {p}, destroying its data",
                snippet_str(what)
            ));
        }
        Ok(())
    }

    pub(in crate::guard) fn device_write(&self, args: &[Word], argv: &[Word], sc: &Scope) -> Verdict {
        for w in operands(args) {
            if let Target::Known { comps, .. } = self.env.resolve(w, sc) {
                self.check_device(&comps, &joined(argv))?;
            }
        }
        Ok(())
    }

    pub(in crate::guard) fn dd_rule(&self, args: &[Word], argv: &[Word], sc: &Scope) -> Verdict {
        for v in args.iter().filter_map(|w| w.text.strip_prefix("of=")) {
            let w = Word { lead_tilde: v.starts_with('~'), lead_dollar: v.starts_with('$'), ..Word::lit(v) };
            if let Target::Known { comps, .. } = self.env.resolve(&w, sc)
                && comps.first().is_some_and(|c| c == "dev")
            {
                let harmless = matches!(
                    comps.get(1).map(String::as_str),
                    Some("null" | "zero" | "stdout" | "stderr" | "tty" | "fd")
                );
                if !harmless {
                    return Err(format!(
                        "claude-failover guard refused `{}`: dd writing to the device {} destroys its data",
                        snippet(argv),
                        show(&comps)
                    ));
                }
            }
        }
        Ok(())
    }

    pub(in crate::guard) fn shred_rule(&self, args: &[Word], argv: &[Word], sc: &Scope) -> Verdict {
        for w in operands(args) {
            if let Target::Known { comps, .. } = self.env.resolve(w, sc)
                && comps.first().is_some_and(|c| c == "dev")
                && comps.get(1).is_some_and(|c| c != "null")
            {
                return Err(format!(
                    "claude-failover guard refused `{}`: shredding the device {} destroys the disk",
                    snippet(argv),
                    show(&comps)
                ));
            }
        }
        Ok(())
    }

    /// Formatting an image file in the project is ordinary work; a device, or a target we
    /// cannot place, is not.
    pub(in crate::guard) fn mkfs_rule(&self, args: &[Word], argv: &[Word], sc: &Scope) -> Verdict {
        for w in operands(args) {
            let ok = match self.env.resolve(w, sc) {
                Target::Known { comps, .. } => {
                    comps.first().is_none_or(|c| c != "dev")
                        && (comps.starts_with(&self.env.project) || is_temp(&comps))
                }
                Target::Unknown => false,
            };
            if !ok {
                return Err(format!(
                    "claude-failover guard refused `{}`: it creates or wipes a filesystem on {}, destroying its data",
                    snippet(argv),
                    snippet_str(&w.text)
                ));
            }
        }
        Ok(())
    }
}
