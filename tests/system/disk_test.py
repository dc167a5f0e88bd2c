#!/usr/bin/env python3
"""virtio-blk end to end: the default guest formats, fills and re-reads a raw disk image.

usage: disk_test.py RVISOR
Boot 1 (--disk IMG,serial=...): the guest sees /dev/vda with the image's size and serial,
formats it with busybox mke2fs, mounts it as ext4, writes two files and prints their sha256
sums, unmounts and powers off. Boot 2 (--disk IMG,readonly=on): mounts it read-only, the sums
match what the host computed, and a raw write to /dev/vda fails. Boots 3 and 4 do the same
through a qcow2 overlay (rvisor img create -b) over the filled image converted to qcow2: the
guest reads the base's files through the overlay, writes new ones, and a second boot reads
them back; the base image is unchanged byte for byte, and `qemu-img check` (when qemu-utils is
installed) finds no errors or leaks in the overlay. Every boot uses the init's rvisor.cmd
mode, so each boot is one script run and a poweroff (rvisor exit 0).
"""
import argparse
import base64
import hashlib
import os
import re
import shutil
import subprocess
import sys
import tempfile

from console_driver import ConsoleError, Vm

SIZE = 64 << 20
SERIAL = "rvisor-disk-test"
BIG = (b"rvisor\n" * 500000)[:3000000]
SEQ = "".join(f"{i}\n" for i in range(1, 100001)).encode()

FORMAT_AND_WRITE = """set -e
echo "size $(cat /sys/block/vda/size) serial $(cat /sys/block/vda/serial)"
mke2fs -q /dev/vda
mkdir -p /mnt
mount -t ext4 /dev/vda /mnt
yes rvisor | head -c 3000000 >/mnt/big
seq 1 100000 >/mnt/seq
sha256sum /mnt/big /mnt/seq
umount /mnt
"""

READ_BACK = """set -e
echo "ro $(cat /sys/block/vda/ro)"
mkdir -p /mnt
mount -t ext4 -o ro /dev/vda /mnt
sha256sum /mnt/big /mnt/seq
umount /mnt
if dd if=/dev/zero of=/dev/vda bs=512 count=1 oflag=direct 2>/dev/null; then echo "raw write ok"
else echo "raw write failed"; fi
"""


OVERLAY_WRITE = """set -e
mkdir -p /mnt
mount -t ext4 /dev/vda /mnt
sha256sum /mnt/big /mnt/seq
seq 1 50000 | sed s/^/overlay/ >/mnt/new
rm /mnt/big
sha256sum /mnt/new
umount /mnt
"""

OVERLAY_READ = """set -e
mkdir -p /mnt
mount -t ext4 -o ro /dev/vda /mnt
echo "files: $(ls /mnt | tr '\\n' ' ')"
sha256sum /mnt/seq /mnt/new
umount /mnt
"""
NEW = "".join(f"overlay{i}\n" for i in range(1, 50001)).encode()


def file_sha256(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def run_img(rvisor, *args):
    r = subprocess.run([rvisor, "img", *args], capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, f"rvisor img {' '.join(args)}: {r.stderr.strip()}"


def boot(rvisor, disk, script):
    b64 = base64.b64encode(script.encode()).decode()
    append = f"console=ttyS0 rvisor.cmd={b64} rvisor.poweroff=1"
    vm = Vm(rvisor, ["--disk", disk, "--append", append], timeout=300)
    try:
        status = vm.expect(rb"rvisor-guest: exit (\d+)\r?\n", timeout=280)
        code = vm.wait_exit(timeout=60)
        log = vm.log.decode(errors="replace").replace("\r", "")
        assert status.group(1) == b"0", f"guest script failed ({status.group(1)!r}):\n{log[-3000:]}"
        assert code == 0, f"rvisor exit code {code}"
        return log
    finally:
        vm.close()


def sums(log):
    return dict((m.group(2), m.group(1)) for m in re.finditer(r"^([0-9a-f]{64})  (\S+)$", log, re.M))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("rvisor")
    args = ap.parse_args()
    want = {"/mnt/big": hashlib.sha256(BIG).hexdigest(), "/mnt/seq": hashlib.sha256(SEQ).hexdigest()}
    with tempfile.TemporaryDirectory() as tmp:
        img = os.path.join(tmp, "disk.img")
        with open(img, "wb") as f:
            f.truncate(SIZE)
        try:
            log = boot(args.rvisor, f"{img},format=raw,serial={SERIAL}", FORMAT_AND_WRITE)
            assert f"size {SIZE // 512} serial {SERIAL}" in log, "size/serial line missing:\n" + log[-3000:]
            assert "virtio_blk virtio0: [vda] 131072 512-byte logical blocks" in log, "no vda"
            got = sums(log)
            assert got == want, f"boot 1 sums {got}, want {want}"
            assert os.path.getsize(img) == SIZE, "the image changed size"

            log = boot(args.rvisor, f"{img},readonly=on", READ_BACK)
            assert "ro 1" in log, "the disk is not read-only in the guest:\n" + log[-3000:]
            got = sums(log)
            assert got == want, f"boot 2 sums {got}, want {want}"
            assert "raw write failed" in log, "a write to the read-only disk succeeded"

            # qcow2 overlay over a qcow2 base holding the same file system.
            base = os.path.join(tmp, "base.qcow2")
            overlay = os.path.join(tmp, "overlay.qcow2")
            run_img(args.rvisor, "convert", "-f", "raw", "-O", "qcow2", img, base)
            run_img(args.rvisor, "create", "-f", "qcow2", "-b", base, "-F", "qcow2", overlay)
            base_sum = file_sha256(base)
            log = boot(args.rvisor, f"{overlay},format=qcow2", OVERLAY_WRITE)
            got = sums(log)
            want_new = hashlib.sha256(NEW).hexdigest()
            assert got.get("/mnt/big") == want["/mnt/big"], f"overlay: base file reads {got}"
            assert got.get("/mnt/new") == want_new, f"overlay: new file {got}"
            log = boot(args.rvisor, f"{overlay},readonly=on", OVERLAY_READ)
            got = sums(log)
            assert got == {"/mnt/seq": want["/mnt/seq"], "/mnt/new": want_new}, f"overlay boot 2 {got}"
            assert "files: lost+found new seq \n" in log, "overlay: deleted file still listed:\n" + log[-2000:]
            assert file_sha256(base) == base_sum, "the base image changed under the overlay"
            if shutil.which("qemu-img"):
                r = subprocess.run(["qemu-img", "check", overlay], capture_output=True, text=True)
                assert r.returncode == 0, f"qemu-img check on the overlay: {r.stdout}{r.stderr}"
                r = subprocess.run(["qemu-img", "info", overlay], capture_output=True, text=True)
                assert "backing file: " + base in r.stdout, f"qemu-img info: {r.stdout}"
            else:
                print("note: qemu-img not installed; overlay not checked with it")
        except (AssertionError, ConsoleError) as e:
            print(f"FAIL: {e}", file=sys.stderr)
            return 1
    print("disk test passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
