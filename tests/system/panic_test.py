#!/usr/bin/env python3
"""A guest kernel panic ends `rvisor run` with exit code 4 and a message; the log is kept.

usage: panic_test.py RVISOR
Boots the default guest with an init that does not exist, so Linux panics ("No working init
found"), and checks the exit code, the message and that the console log holds the panic.
"""
import subprocess
import sys


def main():
    r = subprocess.run(
        [sys.argv[1], "run", "--timeout", "200",
         "--append", "console=ttyS0 rdinit=/no/such/init init=/no/such/init panic=0"],
        stdin=subprocess.DEVNULL, capture_output=True, text=True, errors="replace", timeout=300)
    problems = []
    if r.returncode != 4:
        problems.append(f"exit code {r.returncode}, want 4")
    if "panicked" not in r.stderr:
        problems.append(f"no panic message on stderr: {r.stderr[-500:]!r}")
    if "Kernel panic - not syncing" not in r.stdout:
        problems.append("the console log lacks the kernel's panic report")
    if problems:
        print("FAIL: " + "; ".join(problems), file=sys.stderr)
        print(r.stdout[-3000:], file=sys.stderr)
        return 1
    print("panic test passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
