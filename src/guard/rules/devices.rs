//! Writes that destroy a disk: `dd of=/dev/…`, `shred` (of anything), `mkfs`/`mkswap`/`wipefs`,
//! `blkdiscard`, partition-table editors, and `tee`/`cp`/redirections onto a block device.
//! A disk image inside the project (or a temp dir) may be formatted; a device may not.

use crate::guard::argv::{is_option, joined, long_opt, operands};
use crate::guard::paths::{is_temp, show};
use crate::guard::resolve::Target;
use crate::guard::scope::Scope;
use crate::guard::syntax::Word;
use crate::guard::walk::Walker;
use crate::guard::{Verdict, block_device_re, snippet, snippet_str};

impl Walker<'_> {
    pub(in crate::guard) fn check_device(&self, comps: &[String], what: &str) -> Verdict {
        let p = show(comps);
        if block_device_re().is_some_and(|re| re.is_match(&p)) {
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

    /// `shred` exists to make data unrecoverable, which is never an unattended agent's job:
    /// any operand is refused (a file can be deleted with `rm`, and git can bring a tracked
    /// one back); a device is a whole disk.
    pub(in crate::guard) fn shred_rule(&self, args: &[Word], argv: &[Word], sc: &Scope) -> Verdict {
        let Some(w) = operands(args).into_iter().find(|w| w.text != "-") else {
            return Ok(());
        };
        if let Target::Known { comps, .. } = self.env.resolve(w, sc)
            && comps.first().is_some_and(|c| c == "dev")
        {
            if comps.get(1).is_some_and(|c| c == "null") {
                return Ok(());
            }
            return Err(format!(
                "claude-failover guard refused `{}`: shredding the device {} destroys the disk",
                snippet(argv),
                show(&comps)
            ));
        }
        Err(format!(
            "claude-failover guard refused `{}`: shred overwrites {} so that it can never be recovered; delete it with `rm` instead (git can still restore a tracked file)",
            snippet(argv),
            snippet_str(&w.text)
        ))
    }

    /// Formatting an image file in the project is ordinary work; a device, or a target we
    /// cannot place, is not.
    pub(in crate::guard) fn mkfs_rule(&self, args: &[Word], argv: &[Word], sc: &Scope) -> Verdict {
        self.wipe(operands(args), "creates or wipes a filesystem on", argv, sc)
    }

    /// `blkdiscard`, and partition-table editors that write (`sgdisk --zap-all`, `sfdisk`,
    /// `fdisk`, `parted … mklabel`). Their read-only forms (`-p`, `--list`, `print`, `sgdisk
    /// --pretend`) stay allowed.
    pub(in crate::guard) fn disk_rule(&self, name: &str, args: &[Word], argv: &[Word], sc: &Scope) -> Verdict {
        let opts: Vec<&str> = args.iter().map(|w| w.text.as_str()).filter(|t| is_option(t)).collect();
        let only = |allowed: &[&str]| opts.iter().all(|o| allowed.contains(o));
        let ops = operands(args);
        let (targets, what): (Vec<&Word>, &str) = match name {
            "blkdiscard" => (ops, "discards every block of"),
            "sgdisk" | "gdisk" => {
                let pretend = opts.iter().any(|o| *o == "-P" || long_opt(o, "--pretend"));
                let read_only = only(&[
                    "-p",
                    "--print",
                    "-i",
                    "--info",
                    "-v",
                    "--verify",
                    "-L",
                    "--list-types",
                    "-O",
                    "--print-mbr",
                    "-V",
                    "--version",
                    "-?",
                    "--help",
                    "--usage",
                ]);
                if pretend || read_only {
                    return Ok(());
                }
                (ops.last().copied().into_iter().collect(), "rewrites the partition table of")
            }
            "sfdisk" => {
                let read_only = opts.iter().any(|o| {
                    ["-l", "-d", "-J", "-s", "-g", "-F", "-V", "-n", "-h", "-v"].contains(o)
                        || [
                            "--list",
                            "--dump",
                            "--json",
                            "--show-size",
                            "--show-geometry",
                            "--list-free",
                            "--verify",
                            "--no-act",
                            "--help",
                            "--version",
                        ]
                        .iter()
                        .any(|l| long_opt(o, l))
                });
                if read_only {
                    return Ok(());
                }
                (ops.first().copied().into_iter().collect(), "rewrites the partition table of")
            }
            "fdisk" => {
                if opts
                    .iter()
                    .any(|o| ["-l", "-x", "-h", "-V"].contains(o) || long_opt(o, "--list") || long_opt(o, "--help"))
                {
                    return Ok(());
                }
                (ops.first().copied().into_iter().collect(), "rewrites the partition table of")
            }
            "parted" => {
                const WRITES: &[&str] = &[
                    "mklabel",
                    "mktable",
                    "rm",
                    "mkpart",
                    "mkpartfs",
                    "resizepart",
                    "resize",
                    "rescue",
                    "mkfs",
                    "move",
                    "cp",
                ];
                if !ops.iter().skip(1).any(|w| WRITES.contains(&w.text.as_str())) {
                    return Ok(());
                }
                (ops.first().copied().into_iter().collect(), "rewrites the partition table of")
            }
            _ => return Ok(()),
        };
        self.wipe(targets, what, argv, sc)
    }

    fn wipe(&self, targets: Vec<&Word>, what: &str, argv: &[Word], sc: &Scope) -> Verdict {
        for w in targets {
            let ok = match self.env.resolve(w, sc) {
                Target::Known { comps, .. } => {
                    comps.first().is_none_or(|c| c != "dev")
                        && (comps.starts_with(&self.env.project) || is_temp(&comps))
                }
                Target::Unknown => false,
            };
            if !ok {
                return Err(format!(
                    "claude-failover guard refused `{}`: it {what} {}, destroying its data",
                    snippet(argv),
                    snippet_str(&w.text)
                ));
            }
        }
        Ok(())
    }
}
