//! Volume and filesystem tools that destroy what a volume holds: LVM's `lvremove`,
//! `vgremove`, `pvremove`; `mdadm --zero-superblock`, `--create` and `--stop`; `btrfs
//! subvolume delete` and `device remove`; `zfs destroy`, `zpool destroy`/`labelclear`;
//! `dmsetup remove`/`remove_all`/`wipe_table`; `cryptsetup erase`/`luksFormat`.
//!
//! Invariant: only the forms that destroy or detach data are refused; listing and inspecting
//! (`lvs`, `mdadm --detail`, `btrfs subvolume list`, `zfs list`) and the dry runs (`zfs
//! destroy -n`, LVM's `--test`) stay allowed. No unattended agent's task needs to drop a
//! volume, and none of these asks twice when run with the flags an agent adds (`-f`, `-y`).

use crate::guard::argv::{is_option, long_opt, operands, short_has};
use crate::guard::syntax::Word;
use crate::guard::walk::Walker;
use crate::guard::{Verdict, snippet};

impl Walker<'_> {
    pub(in crate::guard) fn volume_rule(&self, name: &str, args: &[Word], argv: &[Word]) -> Verdict {
        let opts: Vec<&str> = args.iter().map(|w| w.text.as_str()).filter(|t| is_option(t)).collect();
        let has = |short: Option<char>, long: &str| {
            opts.iter().any(|o| short.is_some_and(|c| short_has(o, c)) || long_opt(o, long))
        };
        let ops: Vec<&str> = operands(args).into_iter().map(|w| w.text.as_str()).collect();
        // btrfs and zfs take unique prefixes of their subcommands (`btrfs sub del`).
        let sub = |k: usize, full: &str| ops.get(k).is_some_and(|o| o.len() >= 2 && full.starts_with(o));
        let what = match name {
            "lvremove" | "vgremove" | "pvremove" if !has(Some('t'), "--test") => {
                "it removes LVM volumes and the data on them"
            }
            "mdadm" if has(None, "--zero-superblock") => {
                "it erases the RAID superblock, so the array's data can no longer be assembled"
            }
            "mdadm" if has(Some('C'), "--create") => {
                "it creates a RAID array over the named devices, overwriting what they hold"
            }
            "mdadm" if has(Some('S'), "--stop") => "it stops a running RAID array, cutting off every filesystem on it",
            "btrfs" if sub(0, "subvolume") && (sub(1, "delete") || ops.get(1) == Some(&"del")) => {
                "it deletes a btrfs subvolume and everything in it"
            }
            "btrfs" if sub(0, "device") && (sub(1, "remove") || sub(1, "delete")) => {
                "it removes a device from a btrfs filesystem"
            }
            "zfs" if ops.first() == Some(&"destroy") && !has(Some('n'), "--dry-run") => {
                "it destroys a ZFS dataset or snapshot and everything in it"
            }
            "zpool" if matches!(ops.first(), Some(&"destroy" | &"labelclear")) => "it destroys a ZFS pool",
            "dmsetup" if matches!(ops.first(), Some(&"remove" | &"remove_all" | &"wipe_table")) => {
                "it removes device-mapper devices that filesystems may be mounted on"
            }
            "cryptsetup" if matches!(ops.first(), Some(&"erase" | &"luksErase" | &"luksFormat" | &"format")) => {
                "it erases the encryption header (or formats over it), making the volume's data unreadable"
            }
            _ => return Ok(()),
        };
        Err(format!(
            "claude-failover guard refused `{}`: {what}; volumes are managed by a person, not by an unattended session",
            snippet(argv)
        ))
    }
}
