#!/usr/bin/env bash
# Idle cost: boots the default guest (scripts/fetch-guest) with 4 vCPUs and no workload, waits
# for "rvisor-guest: ready" plus a settle time, then measures the VM process's CPU time
# (utime + stime from /proc/PID/stat) over a window and prints it as % of one host core;
# PASS when rvisor stays under the limit. Then it measures a rough wake-up latency: the time
# from typing `echo` at the idle guest's shell to its output on the console (median of a few).
# QEMU (-M virt -smp 4) is measured the same way for comparison when it is installed.
#   bench/idle.sh [--cpus N] [--window SEC] [--settle SEC] [--limit PCT] [--build DIR]
#     --cpus N      vCPUs (default 4)
#     --window SEC  measuring window (default 10)
#     --settle SEC  wait after the ready line before measuring (default 5)
#     --limit PCT   pass limit for rvisor, % of one core (default 2)
#     --build DIR   where rvisor is built (default build)
# Exit code: 0 PASS, 1 FAIL (over the limit, or the VM did not boot), 2 for bad arguments.
set -euo pipefail
cd "$(dirname "$0")/.."

cpus=4 window=10 settle=5 limit=2 build=build
while [ $# -gt 0 ]; do
    [ $# -ge 2 ] || { echo "idle.sh: $1 needs a value (see the header of $0)" >&2; exit 2; }
    case "$1" in
        --cpus) cpus=$2 ;;
        --window) window=$2 ;;
        --settle) settle=$2 ;;
        --limit) limit=$2 ;;
        --build) build=$2 ;;
        *) echo "idle.sh: unknown argument '$1' (see the header of $0)" >&2; exit 2 ;;
    esac
    shift 2
done

python=/usr/bin/python3
[ -x "$python" ] || python=python3
guest=$(scripts/fetch-guest | tail -n1)
kernel=$guest/Image
initrd=$guest/initramfs.cpio.gz
append="console=ttyS0 quiet"

# idle SETTLE WINDOW CMD...: prints "PCT LATENCY_MS" (LATENCY_MS is "-" when not measured).
# The VM's stdin stays an open pipe, so the guest's shell waits at its prompt.
# shellcheck disable=SC2016 # python source
idle='
import os, re, select, signal, subprocess, sys, time
settle, window, cmd = float(sys.argv[1]), float(sys.argv[2]), sys.argv[3:]
tick = os.sysconf("SC_CLK_TCK")
p = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                     stderr=subprocess.STDOUT, start_new_session=True)
fd = p.stdout.fileno()
os.set_blocking(fd, False)
log = bytearray()
def pump(secs):
    end = time.monotonic() + secs
    while True:
        left = end - time.monotonic()
        if left <= 0:
            return
        r, _, _ = select.select([fd], [], [], left)
        if r:
            try:
                chunk = os.read(fd, 65536)
            except BlockingIOError:
                continue
            if not chunk:
                raise SystemExit("the VM exited early:\n" + log[-2000:].decode(errors="replace"))
            log.extend(chunk)
def wait_for(regex, secs, start=0):
    end = time.monotonic() + secs
    while time.monotonic() < end:
        m = re.search(regex, log[start:])
        if m:
            return start + m.end()
        pump(0.001)
    raise SystemExit("timed out waiting for %r:\n%s" % (regex, log[-2000:].decode(errors="replace")))
def cpu():
    with open("/proc/%d/stat" % p.pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / tick  # utime, stime (fields 14, 15)
try:
    wait_for(rb"rvisor-guest: ready", 180)
    wait_for(rb"# ", 60)
    pump(settle)
    c0, t0 = cpu(), time.monotonic()
    pump(window)
    c1, t1 = cpu(), time.monotonic()
    pct = 100.0 * (c1 - c0) / (t1 - t0)
    lat = []
    for i in range(5):
        pump(1.0)
        mark = len(log)
        p.stdin.write(b"echo w$((%d+1))k\n" % (1000 + i))
        p.stdin.flush()
        s = time.monotonic()
        wait_for(rb"\nw%dk" % (1001 + i), 10, mark)
        lat.append((time.monotonic() - s) * 1000)
    lat.sort()
    print("%.2f %.1f" % (pct, lat[len(lat) // 2]))
finally:
    try:
        os.killpg(p.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    p.wait()
'

echo "guest: $(head -n1 "$guest/VERSION"), $cpus vCPUs idle at the shell prompt;" \
     "window ${window}s after ${settle}s settle; host: $(nproc) cores"
status=0
rvisor=$build/src/cli/rvisor
if out=$("$python" -c "$idle" "$settle" "$window" "$rvisor" run --cpus "$cpus" \
        --kernel "$kernel" --initrd "$initrd" --append "$append"); then
    read -r pct lat <<<"$out"
    verdict=$(awk -v p="$pct" -v l="$limit" 'BEGIN { print (p < l) ? "PASS" : "FAIL" }')
    printf 'rvisor: %6.2f %% of one core idle (limit %s %%): %s; wake-up (echo round trip) %s ms\n' \
        "$pct" "$limit" "$verdict" "$lat"
    [ "$verdict" = PASS ] || status=1
else
    echo "rvisor: measurement failed"
    status=1
fi

if command -v qemu-system-riscv64 >/dev/null; then
    bios=/usr/lib/riscv64-linux-gnu/opensbi/generic/fw_dynamic.bin
    [ -f "$bios" ] || bios=default
    if out=$("$python" -c "$idle" "$settle" "$window" qemu-system-riscv64 -M virt -m 512M \
            -smp "$cpus" -nographic -bios "$bios" -kernel "$kernel" -initrd "$initrd" \
            -append "$append"); then
        read -r pct lat <<<"$out"
        printf 'qemu:   %6.2f %% of one core idle; wake-up (echo round trip) %s ms\n' "$pct" "$lat"
    else
        echo "qemu: measurement failed"
    fi
fi
exit "$status"
