#!/usr/bin/env python3
"""A hostile virtio driver on the real board: rvisor survives it and the devices recover.

usage: hostile_virtio_test.py RVISOR HOSTILE_ELF [ENGINE]
Boots hostile_virtio.elf (tests/system/hostile_virtio/hostile_virtio.c) as the kernel of a
128 MiB virt board with a raw disk and a user-mode NIC. The program posts malformed queues,
chains and buffers to virtio-blk and virtio-net and checks each architected outcome; it
ends through the test device. Here we check that rvisor exited 0 (not killed by a signal),
that every case reported ok, and what the disk holds afterwards: sector 0 (what the guest
read) and sector 1 (the target of the rejected writes) unchanged, sector 2 the guest's good
write.
"""
import os
import re
import subprocess
import sys
import tempfile

SECTOR = 512
EXPECTED_CASES = 62  # one "ok" line per case in hostile_virtio.c


def sector0():
    return bytes((i * 13 + 5) & 0xFF for i in range(SECTOR))


def sector1():
    return bytes((i * 29 + 11) & 0xFF for i in range(SECTOR))


def main():
    rvisor, elf = sys.argv[1], sys.argv[2]
    engine = sys.argv[3] if len(sys.argv) > 3 else "interp"
    with tempfile.TemporaryDirectory(prefix="rvisor-hostile-") as tmp:
        img = os.path.join(tmp, "disk.img")
        with open(img, "wb") as f:
            f.write(sector0() + sector1() + bytes(SECTOR))
            f.truncate(1 << 20)
        r = subprocess.run(
            [rvisor, "run", "--kernel", elf, "--memory", "128M", "--disk", img,
             "--net", "user", "--engine", engine, "--timeout", "240"],
            stdin=subprocess.DEVNULL, capture_output=True, text=True, errors="replace",
            timeout=300)
        with open(img, "rb") as f:
            disk = f.read(3 * SECTOR)
    problems = []
    if r.returncode < 0:
        problems.append(f"rvisor died of signal {-r.returncode}")
    elif r.returncode != 0:
        problems.append(f"exit code {r.returncode}, want 0")
    fails = [l for l in r.stdout.splitlines() if "FAIL" in l or "unexpected trap" in l]
    problems += fails
    oks = len(re.findall(r"^  ok ", r.stdout, re.M))
    if oks != EXPECTED_CASES:
        problems.append(f"{oks} cases ok, want {EXPECTED_CASES}")
    if f"hostile_virtio: all {EXPECTED_CASES} cases passed" not in r.stdout:
        problems.append("no final pass line")
    if disk[:SECTOR] != sector0():
        problems.append("sector 0 changed")
    if disk[SECTOR:2 * SECTOR] != sector1():
        problems.append("sector 1 changed: a rejected write reached the disk")
    if disk[2 * SECTOR:] != bytes((i * 3 + 1) & 0xFF for i in range(SECTOR)):
        problems.append("sector 2 lacks the guest's good write")
    if problems:
        print("FAIL: " + "; ".join(problems), file=sys.stderr)
        print(r.stdout[-4000:], file=sys.stderr)
        print(r.stderr[-2000:], file=sys.stderr)
        return 1
    print(f"hostile virtio test passed ({oks} cases)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
