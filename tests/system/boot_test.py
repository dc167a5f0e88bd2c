#!/usr/bin/env python3
"""Boots the default guest with `rvisor run` and checks it from its console.

usage: boot_test.py RVISOR [--cpus N]
Checks: uname -m is riscv64; /proc/cpuinfo lists every hart with the ISA; the RTC gives the
host's date; the virtio and ext4 modules are loaded; `poweroff` ends rvisor with exit code 0.
"""
import argparse
import datetime
import re
import sys

from console_driver import PROMPT, Vm


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("rvisor")
    ap.add_argument("--cpus", type=int, default=1)
    ap.add_argument("--engine", default=None)
    args = ap.parse_args()

    extra = ["--cpus", str(args.cpus)]
    if args.engine:
        extra += ["--engine", args.engine]
    vm = Vm(args.rvisor, extra)
    try:
        vm.expect(rb"rvisor-guest: ready", timeout=180)
        vm.expect(PROMPT, timeout=60)

        arch = vm.run("uname -m").strip()
        assert arch == "riscv64", f"uname -m: {arch!r}"

        cpuinfo = vm.run("cat /proc/cpuinfo")
        harts = re.findall(r"^processor\s*:\s*(\d+)", cpuinfo, re.M)
        assert harts == [str(i) for i in range(args.cpus)], f"harts in cpuinfo: {harts}"
        isas = re.findall(r"^isa\s*:\s*(\S+)", cpuinfo, re.M)
        assert len(isas) == args.cpus and all(i.startswith("rv64imafdc") for i in isas), \
            f"isa lines: {isas}"
        assert "mmu\t\t: sv57" in cpuinfo or re.search(r"^mmu\s*:\s*sv57", cpuinfo, re.M), \
            "mmu line missing or not sv57"

        online = vm.run("cat /sys/devices/system/cpu/online").strip()
        expect_online = "0" if args.cpus == 1 else f"0-{args.cpus - 1}"
        assert online == expect_online, f"online cpus: {online!r}"

        # The Goldfish RTC gives the host's wall clock (seconds since the epoch).
        guest_now = int(vm.run("date +%s").strip())
        host_now = int(datetime.datetime.now(datetime.timezone.utc).timestamp())
        assert abs(guest_now - host_now) < 120, f"guest date {guest_now} vs host {host_now}"
        rtc = vm.run("cat /sys/class/rtc/rtc0/name 2>&1")
        assert "goldfish" in rtc or "rtc-goldfish" in rtc, f"rtc0: {rtc!r}"

        modules = vm.run("cat /proc/modules")
        for m in ("virtio_blk", "virtio_net", "ext4"):
            assert re.search(rf"^{m} ", modules, re.M), f"module {m} not loaded:\n{modules}"

        vm.send("poweroff\n")
        code = vm.wait_exit(timeout=60)
        assert code == 0, f"rvisor exit code after poweroff: {code}"
    except AssertionError as e:
        print(f"FAIL: {e}", file=sys.stderr)
        print("---- console log ----", file=sys.stderr)
        print(vm.log.decode(errors="replace"), file=sys.stderr)
        return 1
    finally:
        vm.close()
    print(f"boot test passed ({args.cpus} hart(s))")
    return 0


if __name__ == "__main__":
    sys.exit(main())
