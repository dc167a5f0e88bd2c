#!/usr/bin/env python3
"""Snapshot and restore of a running default guest (`rvisor run --snapshot-path` + SIGUSR1,
`rvisor run --restore`).

usage: snapshot_test.py RVISOR [RUN ARGS...]   (e.g. --engine interp, passed to every VM)
Checks: a shell counter (+1 every 0.2 s of guest time) keeps counting in the original VM
after the snapshot; a VM restored from the snapshot in a new process answers at once, its
counter continues from the snapshot's value (no jump back, no big jump ahead) and its guest
clock continues from the snapshot's (the seconds between snapshot and restore do not show);
two VMs restored from the one file at the same time both run, each with its own memory; the
restored virtio-blk disk keeps serving (direct reads, bypassing the guest's page cache, return
the image's bytes: the queue positions were restored), and so does its virtio-net NIC (user
networking: the gateway answers pings); a truncated snapshot is refused with
exit code 2 and a one-line reason.
"""
import hashlib
import os
import re
import signal
import sys
import tempfile
import time

from console_driver import PROMPT, Vm

COUNTER = "i=0; while true; do i=$((i+1)); echo $i > /tmp/c; sleep 0.2; done &"


def counter(vm):
    return int(vm.run("cat /tmp/c").strip())


def uptime(vm):
    return float(vm.run("cut -d' ' -f1 /proc/uptime").strip())


DISK_BLOCKS = 1024  # 4 KiB each


def block_bytes(n):
    return bytes((n * 7 + i) & 0xff for i in range(4096))


def disk_block_md5(vm, n):
    out = vm.run(f"dd if=/dev/vda bs=4096 count=1 skip={n} iflag=direct 2>/dev/null | md5sum")
    return out.split()[0]


def restore(rvisor, snap, extra):
    vm = Vm(rvisor, extra + ["--restore", snap], timeout=120)
    vm.send("\n")  # the restored shell already printed its prompt: ask for a new one
    vm.expect(PROMPT, timeout=60)
    return vm


def main():
    rvisor = sys.argv[1]
    extra = sys.argv[2:]
    tmp = tempfile.mkdtemp(prefix="rvisor-snapshot-")
    snap = os.path.join(tmp, "vm.snap")
    disk = os.path.join(tmp, "disk.img")
    with open(disk, "wb") as f:
        for n in range(DISK_BLOCKS):
            f.write(block_bytes(n))
    md5 = lambda n: hashlib.md5(block_bytes(n)).hexdigest()
    vms = []
    try:
        vm = Vm(rvisor, extra + ["--disk", disk + ",readonly=on", "--net", "user",
                                 "--snapshot-path", snap])
        vms.append(vm)
        vm.expect(rb"rvisor-guest: ready", timeout=180)
        vm.expect(PROMPT, timeout=60)
        vm.send(COUNTER + "\n")
        vm.expect(PROMPT)
        time.sleep(2)
        assert disk_block_md5(vm, 5) == md5(5)
        vm.run("ip link set eth0 up; ip addr add 10.0.2.15/24 dev eth0")
        assert " 0% packet loss" in vm.run("ping -c 1 -W 5 10.0.2.2")
        before = counter(vm)
        up_before = uptime(vm)
        assert before >= 3, f"counter not running: {before}"

        vm.proc.send_signal(signal.SIGUSR1)
        vm.expect(rb"rvisor: snapshot written to ", timeout=120)
        after = counter(vm)
        assert after >= before, f"original counter went back: {before} -> {after}"
        time.sleep(1)
        assert counter(vm) > after, "original VM stopped counting after the snapshot"
        vm.send("poweroff\n")
        assert vm.wait_exit(60) == 0
        assert not os.path.exists(snap + ".tmp"), "temporary snapshot file left behind"
        # Sparse: the RAM image's untouched pages take no disk space.
        st = os.stat(snap)
        assert st.st_blocks * 512 < st.st_size / 2, \
            f"snapshot not sparse: {st.st_blocks * 512} bytes used of {st.st_size}"

        time.sleep(3)  # wall time that the restored guest must not see
        r = restore(rvisor, snap, extra)
        vms.append(r)
        first = counter(r)
        up_first = uptime(r)
        # The snapshot was taken between `before` and `after`.
        assert before <= first <= after + 10, \
            f"restored counter {first}, snapshot was taken between {before} and {after}"
        assert up_before <= up_first < up_before + 10, \
            f"guest clock jumped: uptime {up_before} before the snapshot, {up_first} restored"
        time.sleep(2)
        second = counter(r)
        assert first < second <= first + 40, f"restored counter: {first} then {second}"
        assert r.run("echo $((6*7))").strip() == "42"
        for n in (700, 5, 1023):
            assert disk_block_md5(r, n) == md5(n), f"restored disk: block {n} reads wrong"
        # The restored VM has a fresh user-network stack, which learns the guest's MAC from
        # the first reply it must send (ARP): that first echo may be lost, later ones not.
        ping = r.run("ping -c 3 -W 5 10.0.2.2")
        got = re.search(r"(\d+) packets received", ping)
        assert got and int(got.group(1)) >= 2, f"restored NIC: {ping}"
        r.send("poweroff\n")
        assert r.wait_exit(60) == 0

        # One snapshot, two VMs at once: copy-on-write keeps their memory apart.
        a = restore(rvisor, snap, extra)
        vms.append(a)
        b = restore(rvisor, snap, extra)
        vms.append(b)
        a.run("echo A > /tmp/who")
        b.run("echo B > /tmp/who")
        assert a.run("cat /tmp/who").strip() == "A"
        assert b.run("cat /tmp/who").strip() == "B"
        assert disk_block_md5(a, 300) == md5(300) and disk_block_md5(b, 301) == md5(301)
        ca, cb = counter(a), counter(b)
        time.sleep(1.5)
        assert counter(a) > ca and counter(b) > cb, "a clone stopped counting"
        for v in (a, b):
            v.send("poweroff\n")
            assert v.wait_exit(60) == 0

        # A truncated file: refused before anything runs.
        bad = os.path.join(tmp, "truncated.snap")
        with open(snap, "rb") as f, open(bad, "wb") as g:
            g.write(f.read(4096 + 100))
        t = Vm(rvisor, extra + ["--restore", bad], timeout=30)
        vms.append(t)
        code = t.wait_exit(30)
        out = t.log.decode(errors="replace").strip()
        assert code == 2, f"truncated snapshot: exit code {code}, output {out!r}"
        assert "truncated" in out and len(out.splitlines()) == 1, f"message: {out!r}"
    finally:
        for v in vms:
            v.close()
        for name in os.listdir(tmp):
            os.unlink(os.path.join(tmp, name))
        os.rmdir(tmp)
    print("snapshot test passed")


if __name__ == "__main__":
    main()
