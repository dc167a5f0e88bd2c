#!/usr/bin/env python3
"""Exit codes and messages of `rvisor` for bad input and limits.

usage: cli_test.py RVISOR SPIN_ELF
Every bad input must give exactly one line on stderr naming what is wrong, exit code 2,
and no crash; limits stop a guest with exit code 124.
"""
import json
import os
import shutil
import struct
import subprocess
import sys
import tempfile

RVISOR, SPIN = sys.argv[1], sys.argv[2]
FAILURES = []


def run(*args, timeout=60):
    return subprocess.run([RVISOR, *args], capture_output=True, text=True, timeout=timeout)


def check(name, args, code, *needles):
    r = run(*args)
    lines = [l for l in r.stderr.splitlines() if l.strip()]
    problems = []
    if r.returncode != code:
        problems.append(f"exit {r.returncode}, want {code}")
    if code == 2 and len(lines) != 1:
        problems.append(f"{len(lines)} stderr lines, want 1")
    for n in needles:
        if n not in r.stderr:
            problems.append(f"stderr lacks {n!r}")
    if problems:
        FAILURES.append(f"{name}: {'; '.join(problems)}\n  stderr: {r.stderr.strip()!r}")
    else:
        print(f"ok   {name}")


def main():
    tmp = tempfile.mkdtemp(prefix="rvisor-cli-")
    try:
        text = os.path.join(tmp, "notes.txt")
        with open(text, "w") as f:
            f.write("not an ELF\n")
        empty = os.path.join(tmp, "empty.elf")
        open(empty, "wb").close()
        elf32 = os.path.join(tmp, "rv32.elf")
        with open(elf32, "wb") as f:  # ELFCLASS32 header, RISC-V
            f.write(b"\x7fELF\x01\x01\x01" + b"\0" * 9 + struct.pack("<HHI", 2, 243, 1) +
                    b"\0" * 32)
        x86 = os.path.join(tmp, "x86.elf")
        with open(x86, "wb") as f:  # ELFCLASS64 header, x86-64
            f.write(b"\x7fELF\x02\x01\x01" + b"\0" * 9 + struct.pack("<HHI", 2, 62, 1) +
                    b"\0" * 48)

        # rvisor exec
        check("exec non-ELF", ["exec", text], 2, text, "ELF")
        check("exec missing file", ["exec", os.path.join(tmp, "nope.elf")], 2, "nope.elf")
        check("exec empty file", ["exec", empty], 2, empty)
        check("exec 32-bit ELF", ["exec", elf32], 2, elf32, "32-bit")
        check("exec x86-64 ELF", ["exec", x86], 2, x86, "x86-64")
        check("exec bad --memory", ["exec", "--memory", "lots", SPIN], 2, "--memory")
        check("exec unknown flag", ["exec", "--bogus", SPIN], 2, "--bogus")
        check("exec timeout", ["exec", "--timeout", "0.5", SPIN], 124, "timeout")
        check("exec instruction limit", ["exec", "--max-instructions", "100000", SPIN], 124,
              "instruction limit")
        check("disasm bad word", ["disasm", "xyz"], 2, "xyz")

        # rvisor run
        img = os.path.join(tmp, "Image")
        shutil.copy(text, img)
        check("run kernel not an Image", ["run", "--kernel", img], 2, img, "Image")
        check("run missing firmware", ["run", "--kernel", img, "--firmware",
                                       os.path.join(tmp, "fw.bin")], 2, "fw.bin")
        check("run --cpus 0", ["run", "--cpus", "0"], 2, "--cpus")
        check("run --cpus 65", ["run", "--cpus", "65"], 2, "--cpus")
        check("run memory too small for the vCPUs", ["run", "--cpus", "64", "--memory", "64M",
                                                    "--kernel", img], 2, "too small")
        check("run --firmware none", ["run", "--firmware", "none"], 2, "none")
        check("run bad console", ["run", "--console", "tcp:1", "--kernel", img], 2, "tcp:1")
        cfg = os.path.join(tmp, "vm.json")
        for name, doc, needle in [
            ("unknown key", {"cpus": 1, "colour": "red"}, "colour"),
            ("wrong type", {"cpus": "two"}, "cpus"),
            ("memory", {"memory": "huge"}, "memory"),
            ("not an object", [1, 2], "object"),
        ]:
            with open(cfg, "w") as f:
                json.dump(doc, f)
            check(f"run config {name}", ["run", "--config", cfg], 2, cfg, needle)
        with open(cfg, "w") as f:
            f.write("{ not json")
        check("run config malformed", ["run", "--config", cfg], 2, cfg, "JSON")

        # An initrd that cannot fit in RAM, with a real Image header (RSC\x05 magic).
        kernel = os.path.join(tmp, "tiny-Image")
        with open(kernel, "wb") as f:
            hdr = bytearray(64)
            struct.pack_into("<QQ", hdr, 8, 0x200000, 0x10000)
            hdr[48:56] = b"RISCV\0\0\0"
            hdr[56:60] = b"RSC\x05"
            f.write(bytes(hdr) + b"\0" * 4096)
        big = os.path.join(tmp, "big.initrd")
        with open(big, "wb") as f:
            f.truncate(60 << 20)
        check("run initrd too large", ["run", "--kernel", kernel, "--initrd", big,
                                       "--memory", "48M"], 2, big, "does not fit")

        # --dump-dtb: dtc must accept the tree without warnings.
        dtb = os.path.join(tmp, "vm.dtb")
        r = run("run", "--kernel", kernel, "--cpus", "2", "--dump-dtb", dtb)
        if r.returncode != 0 or not os.path.getsize(dtb):
            FAILURES.append(f"dump-dtb: exit {r.returncode}: {r.stderr.strip()}")
        elif shutil.which("dtc"):
            d = subprocess.run(["dtc", "-I", "dtb", "-O", "dts", "-o", "/dev/null", dtb],
                               capture_output=True, text=True)
            if d.returncode != 0 or d.stderr.strip():
                FAILURES.append(f"dtc on --dump-dtb output: exit {d.returncode}: {d.stderr}")
            else:
                print("ok   dump-dtb accepted by dtc without warnings")
        else:
            FAILURES.append("dtc is not installed (scripts/install-deps installs it)")
    finally:
        shutil.rmtree(tmp)

    for f in FAILURES:
        print(f"FAIL {f}", file=sys.stderr)
    return 1 if FAILURES else 0


if __name__ == "__main__":
    sys.exit(main())
