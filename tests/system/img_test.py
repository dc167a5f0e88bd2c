#!/usr/bin/env python3
"""qcow2 interoperability between `rvisor img` and Debian's qemu-img / qemu-io.

Usage: img_test.py RVISOR. Skips (exit 77) when qemu-img is not installed.
"""
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile

RVISOR = os.path.abspath(sys.argv[1])
FAILURES = []


def run(*args, ok=True):
    p = subprocess.run(args, capture_output=True, text=True)
    if ok and p.returncode != 0:
        raise AssertionError(f"{' '.join(args)} -> {p.returncode}\n{p.stdout}{p.stderr}")
    return p


def check(cond, what):
    print(("ok   " if cond else "FAIL ") + what)
    if not cond:
        FAILURES.append(what)


def qemu_check_clean(path):
    p = run("qemu-img", "check", "--output=json", path, ok=False)
    info = json.loads(p.stdout) if p.stdout.strip().startswith("{") else {}
    clean = (p.returncode == 0 and info.get("check-errors", 0) == 0
             and info.get("corruptions", 0) == 0 and info.get("leaks", 0) == 0)
    if not clean:
        print(p.stdout, p.stderr)
    return clean


def sha(path):
    with open(path, "rb") as f:
        return f.read()


def main():
    if not shutil.which("qemu-img"):
        print("qemu-img not installed: skipped")
        return 77
    rng = random.Random(1234)
    tmp = tempfile.mkdtemp(prefix="rvisor-img-")
    os.chdir(tmp)
    try:
        # (1) qemu writes, rvisor reads.
        run("qemu-img", "create", "-q", "-f", "qcow2", "base.qcow2", "64M")
        if shutil.which("qemu-io"):
            run("qemu-io", "-c", "write -P 0xab 1M 3M", "-c", "write -P 0x11 10M 700k",
                "-c", "write -z 2M 64k", "-c", "write -P 0x5a 63M 1M", "base.qcow2")
        else:
            raw = bytearray(64 << 20)
            raw[1 << 20:4 << 20] = b"\xab" * (3 << 20)
            with open("seed.raw", "wb") as f:
                f.write(raw)
            run("qemu-img", "convert", "-f", "raw", "-O", "qcow2", "seed.raw", "base.qcow2")
        run("qemu-img", "convert", "-O", "raw", "base.qcow2", "expect.raw")
        run(RVISOR, "img", "convert", "-O", "raw", "base.qcow2", "mine.raw")
        check(sha("expect.raw") == sha("mine.raw"), "rvisor reads a qemu-img qcow2 image")
        info = json.loads(run(RVISOR, "img", "info", "--json", "base.qcow2").stdout)
        check(info["format"] == "qcow2" and info["virtual-size"] == 64 << 20
              and info["cluster-size"] == 65536, "rvisor img info on a qemu image")
        check(run(RVISOR, "img", "check", "base.qcow2", ok=False).returncode == 0,
              "rvisor img check accepts a qemu image")

        # (2) rvisor creates and writes, qemu checks and compares.
        data = bytearray(32 << 20)
        for _ in range(60):
            off = rng.randrange(0, len(data) - 200000)
            n = rng.randrange(1, 200000)
            data[off:off + n] = rng.randbytes(n)
        with open("src.raw", "wb") as f:
            f.write(data)
        for bits in ("16", "9", "21"):
            out = f"out{bits}.qcow2"
            run(RVISOR, "img", "convert", "--cluster-bits", bits, "-f", "raw", "-O", "qcow2",
                "src.raw", out)
            check(qemu_check_clean(out), f"qemu-img check: rvisor image (cluster_bits {bits})")
            p = run("qemu-img", "compare", "-f", "raw", "-F", "qcow2", "src.raw", out, ok=False)
            check(p.returncode == 0, f"qemu-img compare: rvisor image (cluster_bits {bits})")
        run(RVISOR, "img", "create", "-f", "qcow2", "empty.qcow2", "100M")
        check(qemu_check_clean("empty.qcow2"), "qemu-img check: rvisor img create")
        qi = json.loads(run("qemu-img", "info", "--output=json", "empty.qcow2").stdout)
        check(qi["virtual-size"] == 100 << 20 and qi["format"] == "qcow2",
              "qemu-img info: rvisor img create")

        # (3) qemu overlay, rvisor writes into it, the base stays untouched.
        base_before = sha("base.qcow2")
        run("qemu-img", "create", "-q", "-f", "qcow2", "-b", "base.qcow2", "-F", "qcow2",
            "ov.qcow2")
        expect = bytearray(sha("expect.raw"))
        for off, n in ((70000, 100), (1 << 20, 5000), (10 << 20, 1 << 20), (63 << 20, 4096),
                       (40 << 20, 3 << 20)):
            chunk = rng.randbytes(n)
            with open("chunk.bin", "wb") as f:
                f.write(chunk)
            run(RVISOR, "img", "write", "ov.qcow2", str(off), "chunk.bin")
            expect[off:off + n] = chunk
        run(RVISOR, "img", "write", "--zero", "ov.qcow2", str(2 << 20), str(128 << 10))
        expect[2 << 20:(2 << 20) + (128 << 10)] = bytes(128 << 10)
        with open("expect-ov.raw", "wb") as f:
            f.write(expect)
        check(sha("base.qcow2") == base_before, "overlay writes leave the base byte-identical")
        check(qemu_check_clean("ov.qcow2"), "qemu-img check: overlay written by rvisor")
        p = run("qemu-img", "compare", "-f", "raw", "-F", "qcow2", "expect-ov.raw", "ov.qcow2", ok=False)
        check(p.returncode == 0, "qemu-img compare: overlay written by rvisor")
        run(RVISOR, "img", "convert", "-O", "raw", "ov.qcow2", "ov-mine.raw")
        check(sha("ov-mine.raw") == bytes(expect), "rvisor reads its overlay through the base")

        # rvisor overlay on a rvisor image, then qemu reads it.
        run(RVISOR, "img", "create", "-b", "out16.qcow2", "-F", "qcow2", "ov2.qcow2")
        with open("chunk.bin", "wb") as f:
            f.write(b"\x77" * 3000)
        run(RVISOR, "img", "write", "ov2.qcow2", "1000", "chunk.bin")
        data[1000:4000] = b"\x77" * 3000
        with open("expect2.raw", "wb") as f:
            f.write(data)
        check(qemu_check_clean("ov2.qcow2"), "qemu-img check: rvisor overlay")
        p = run("qemu-img", "compare", "-f", "raw", "-F", "qcow2", "expect2.raw", "ov2.qcow2", ok=False)
        check(p.returncode == 0, "qemu-img compare: rvisor overlay")

        # qemu's tiny refcount table (512-byte clusters: 8 MiB coverage) grows under rvisor.
        run("qemu-img", "create", "-q", "-f", "qcow2", "-o", "cluster_size=512", "small.qcow2",
            "64M")
        big = rng.randbytes(12 << 20)
        with open("chunk.bin", "wb") as f:
            f.write(big)
        run(RVISOR, "img", "write", "small.qcow2", str(4 << 20), "chunk.bin")
        with open("expect3.raw", "wb") as f:
            f.write(bytes(4 << 20) + big + bytes((64 - 16) << 20))
        check(qemu_check_clean("small.qcow2"), "qemu-img check: refcount table grown by rvisor")
        p = run("qemu-img", "compare", "-f", "raw", "-F", "qcow2", "expect3.raw", "small.qcow2",
                ok=False)
        check(p.returncode == 0, "qemu-img compare: refcount table grown by rvisor")

        # Version 2 (compat=0.10) images: read-only.
        run("qemu-img", "convert", "-f", "raw", "-O", "qcow2", "-o", "compat=0.10", "src.raw",
            "v2.qcow2")
        run(RVISOR, "img", "convert", "-O", "raw", "v2.qcow2", "v2.raw")
        check(sha("v2.raw") == sha("src.raw"), "rvisor reads a version 2 image")
        p = run(RVISOR, "img", "write", "v2.qcow2", "0", "chunk.bin", ok=False)
        check(p.returncode == 2 and "read-only" in p.stderr, "version 2 images are not written")

        # Bad input: exit code 2 and one line naming the file.
        with open("junk.qcow2", "wb") as f:
            f.write(b"QFI\xfb" + b"\x00" * 20)
        for args in (("info", "missing.qcow2"), ("check", "junk.qcow2"),
                     ("convert", "-O", "qcow2", "junk.qcow2", "x.qcow2"),
                     ("create", "-f", "vmdk", "x.img", "1M"),
                     ("create", "-b", "missing.raw", "x.qcow2"),
                     ("create", "x.qcow2", "banana")):
            p = run(RVISOR, "img", *args, ok=False)
            lines = p.stderr.strip().splitlines()
            check(p.returncode == 2 and len(lines) == 1,
                  f"rvisor img {' '.join(args)}: exit 2, one line ({p.stderr.strip()})")
        # A leak that qemu-img agrees is a leak.
        shutil.copy("out16.qcow2", "leak.qcow2")
        size = os.path.getsize("leak.qcow2")
        os.truncate("leak.qcow2", size + 65536)  # one cluster nobody references...
        with open("leak.qcow2", "r+b") as f:
            f.seek(2 * 65536 + (size // 65536) * 2)  # ...but with refcount 1
            f.write(b"\x00\x01")
        p = run(RVISOR, "img", "check", "leak.qcow2", ok=False)
        q = run("qemu-img", "check", "leak.qcow2", ok=False)
        check(p.returncode == 3 and q.returncode == 3,
              f"leaked cluster: rvisor check exit {p.returncode}, qemu-img exit {q.returncode}")
    finally:
        os.chdir("/")
        shutil.rmtree(tmp, ignore_errors=True)
    print(f"{len(FAILURES)} failures")
    return 1 if FAILURES else 0


if __name__ == "__main__":
    sys.exit(main())
