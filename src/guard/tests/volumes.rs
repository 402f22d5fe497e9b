//! Volume and filesystem tools: what drops a volume is refused, what lists or inspects one
//! (and the dry runs) is not.

use super::*;

#[rustfmt::skip]
const VOLUMES: &[(bool, &str)] = &[
    (D, "lvremove /dev/my_vg/my_lv"),
    (D, "sudo lvremove -f vg0/data"),
    (D, "vgremove my_vg"),
    (D, "pvremove /dev/sda1"),
    (D, "mdadm --zero-superblock /dev/sda1"),
    (D, "mdadm --create /dev/md0 --level=1 --raid-devices=2 /dev/sda1 /dev/sdb1"),
    (D, "mdadm -C /dev/md0 -l1 -n2 /dev/sda1 /dev/sdb1"),
    (D, "mdadm --stop /dev/md0"),
    (D, "btrfs subvolume delete /mnt/data/snapshot"),
    (D, "btrfs sub del /mnt/data/snap"),
    (D, "btrfs device remove /dev/sdb /mnt/data"),
    (D, "zfs destroy -r tank/data"),
    (D, "zfs destroy tank/data@snap"),
    (D, "zpool destroy tank"),
    (D, "zpool labelclear -f /dev/sdb"),
    (D, "dmsetup remove my_device"),
    (D, "dmsetup remove_all"),
    (D, "cryptsetup luksFormat /dev/sdb1"),
    (D, "cryptsetup erase /dev/sdb1"),
    (D, "taskset -c 0 lvremove -f vg/lv"),

    (A, "lvs"),
    (A, "lvdisplay vg0"),
    (A, "lvremove --test vg0/data"),
    (A, "mdadm --detail /dev/md0"),
    (A, "mdadm --examine /dev/sda1"),
    (A, "btrfs subvolume list /mnt/data"),
    (A, "btrfs filesystem show"),
    (A, "btrfs subvolume snapshot /mnt/data /mnt/snap"),
    (A, "zfs list -t snapshot"),
    (A, "zfs destroy -nv tank/data@snap"),
    (A, "zfs snapshot tank/data@before"),
    (A, "zpool status"),
    (A, "dmsetup ls"),
    (A, "dmsetup status"),
    (A, "cryptsetup luksDump /dev/sdb1"),
    (A, "cryptsetup open /dev/sdb1 data"),
];

#[test]
fn volume_tools() {
    check_table(VOLUMES);
}
