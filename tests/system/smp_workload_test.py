#!/usr/bin/env python3
"""Runs a fixed CPU-bound parallel workload in the default guest at 4 vCPUs and at 1 vCPU.

usage: smp_workload_test.py RVISOR [--count K] [--min-speedup X] [--cpus N] [--engine E]
The workload (4 busybox pipelines `dd if=/dev/zero bs=64k count=K | sha256sum`, all started at
once; the same total work at both vCPU counts) runs as the guest's rvisor.cmd script, which times
it with /proc/uptime (busybox date has no %N) and powers off. Checks: the 4-vCPU guest has harts
0-3 online, the 1-vCPU guest hart 0; both runs finish; the 4-vCPU run is faster than the 1-vCPU
run by more than --min-speedup (default 1.1: a 2-core host gives about 1.4-2x). --cpus N
(default 4) runs the parallel case at N vCPUs instead; --engine passes rvisor's engine.
"""
import argparse
import base64
import re
import sys

from console_driver import Vm

PROCS = 4

SCRIPT = """u() {{ read -r up _ </proc/uptime; echo "${{up%.*}}${{up#*.}}"; }}
echo "smp-test: online $(cat /sys/devices/system/cpu/online)"
dmesg | grep -iE "failed to come online|smp: |hart" | sed "s/^/smp-test: dmesg /"
t0=$(u)
i=0
while [ $i -lt {procs} ]; do
    (dd if=/dev/zero bs=64k count={count} 2>/dev/null | sha256sum >/dev/null) &
    i=$((i + 1))
done
wait
t1=$(u)
echo "smp-test: cs $((t1 - t0))"
"""


def run(rvisor, cpus, count, engine):
    """Boots with `cpus` vCPUs, runs the workload; returns (online harts, seconds)."""
    script = SCRIPT.format(procs=PROCS, count=count)
    append = ("console=ttyS0 quiet rvisor.quiet=1 rvisor.poweroff=1 rvisor.cmd="
              + base64.b64encode(script.encode()).decode())
    extra = ["--engine", engine] if engine else []
    vm = Vm(rvisor, ["--cpus", str(cpus), "--append", append] + extra, timeout=180)
    try:
        vm.expect(rb"rvisor-guest: ready", timeout=150)
        online = vm.expect(rb"smp-test: online (\S+)\r?\n", timeout=30).group(1).decode()
        if online != ("0" if cpus == 1 else f"0-{cpus - 1}"):
            vm.expect(rb"smp-test: cs", timeout=150)
            print("smp-test: secondary harts missing; the guest's log:\n" + "\n".join(
                l for l in vm.log.decode(errors="replace").splitlines()
                if "smp-test: dmesg" in l), file=sys.stderr)
        cs = int(vm.expect(rb"smp-test: cs (\d+)\r?\n", timeout=150).group(1))
        vm.expect(rb"rvisor-guest: exit 0", timeout=30)
        code = vm.wait_exit(timeout=60)
        assert code == 0, f"rvisor exit code after poweroff: {code}"
        return online, cs / 100.0
    except AssertionError:
        print("---- console log ----", file=sys.stderr)
        print(vm.log.decode(errors="replace"), file=sys.stderr)
        raise
    finally:
        vm.close()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("rvisor")
    ap.add_argument("--count", type=int, default=256, help="64 KiB blocks per pipeline")
    ap.add_argument("--min-speedup", type=float, default=1.1)
    ap.add_argument("--cpus", type=int, default=4)
    ap.add_argument("--engine", default=None)
    args = ap.parse_args()
    n = args.cpus

    try:
        # (A rare "only '0' online" failure seen before was this test reading the line
        # "online 0-3" while it was still arriving; the patterns now end at the newline.)
        online4, t4 = run(args.rvisor, n, args.count, args.engine)
        assert online4 == f"0-{n - 1}", f"online cpus with --cpus {n}: {online4!r}"
        print(f"{n} vCPUs: {PROCS} x {args.count * 64} KiB dd|sha256sum in {t4:.2f} s")
        online1, t1 = run(args.rvisor, 1, args.count, args.engine)
        assert online1 == "0", f"online cpus with --cpus 1: {online1!r}"
        print(f"1 vCPU:  {PROCS} x {args.count * 64} KiB dd|sha256sum in {t1:.2f} s")
        assert t4 > 0, f"4-vCPU time {t4} s"
        speedup = t1 / t4
        print(f"speed-up {n} vCPUs vs 1: {speedup:.2f}x (need > {args.min_speedup}x)")
        assert speedup > args.min_speedup, \
            f"{n} vCPUs ({t4:.2f} s) not {args.min_speedup}x faster than 1 vCPU ({t1:.2f} s)"
    except AssertionError as e:
        print(f"FAIL: {e}", file=sys.stderr)
        return 1
    print("smp workload test passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
