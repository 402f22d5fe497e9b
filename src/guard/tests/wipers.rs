//! Disk and directory wipers beyond `rm`/`dd`/`mkfs`: `blkdiscard`, partition-table editors,
//! `mkswap`, `shred` of anything, and `rsync --delete` onto a place that must not be emptied.

use super::*;

#[rustfmt::skip]
const WIPERS: &[(bool, &str)] = &[
    (D, "blkdiscard /dev/nvme0n1"),
    (D, "sudo blkdiscard -f /dev/sda"),
    (D, "blkdiscard \"$DEV\""),
    (D, "sgdisk --zap-all /dev/sda"),
    (D, "sgdisk -Z /dev/nvme0n1"),
    (D, "sgdisk -o /dev/sdb"),
    (D, "sgdisk -n 1:0:+512M -t 1:ef00 /dev/sda"),
    (D, "sfdisk /dev/sda < layout.txt"),
    (D, "sfdisk --delete /dev/sda 1"),
    (D, "parted -s /dev/sda mklabel gpt"),
    (D, "fdisk /dev/sdb"),
    (D, "mkswap /dev/sda2"),
    (D, "sudo mkswap -L swap /dev/nvme0n1p3"),
    (D, "rsync -a --delete empty/ ~/"),
    (D, "rsync -a --delete empty/ ~"),
    (D, "rsync -av --delete-after ./empty/ /"),
    (D, "rsync -a --del src/ /etc/"),
    (D, "rsync -a --delete src/ /usr"),
    (D, "shred -u secret.txt"), // unrecoverable by design: `rm` it
    (D, "eval \"shred secret\""),
    (D, "rsync -a --delete src/ /home/"), // holds the home directory
    (D, "rsync -a --delete --exclude=x empty/ ./"), // empties the project itself
    (D, "rsync -a --delete -e ssh empty/ \"$DEST\""),

    // ================= allowed =================
    (A, "sgdisk -p /dev/sda"),
    (A, "sgdisk --print /dev/nvme0n1"),
    (A, "sgdisk --pretend --zap-all /dev/sda"),
    (A, "sgdisk -Z ./disk.img"),
    (A, "sfdisk -l /dev/sda"),
    (A, "sfdisk --dump /dev/sda > table.txt"),
    (A, "sudo fdisk -l"),
    (A, "parted /dev/sda print"),
    (A, "parted -l"),
    (A, "mkswap ./swap.img"),
    (A, "blkdiscard --help"),
    (A, "rsync -a src/ build/"),
    (A, "rsync -a --delete src/ build/"),
    (A, "rsync -av --delete ./site/ /tmp/preview/"),
    (A, "rsync -a --delete dist/ user@host:/var/www/"),
    (A, "rsync -a --delete dist/ rsync://host/module/"),
    (A, "rsync -a ~/notes/ ./notes/"),
    (A, "rsync -a --remove-source-files out/ /tmp/archive/"),
    (A, "rsync -a --remove-source-files ~/ /backup/"), // a move: each file goes once it arrived
    (A, "rsync -a --delete /src/ /dest/"), // a mirror deletes what the source lacks
    (A, "rsync -a --delete --exclude .git build/ ../other/"),
    (A, "shred"), // nothing to shred
];

#[test]
fn wipers() {
    check_table(WIPERS);
}
