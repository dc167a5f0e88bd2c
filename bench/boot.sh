#!/usr/bin/env bash
# Wall time from start to the guest's "rvisor-guest: ready" line, booting the same Debian
# kernel and initramfs (scripts/fetch-guest) under qemu-system-riscv64 -M virt and under
# `rvisor run`, in one run, and their ratio.
#   bench/boot.sh [--variant default|bench] [--runs N] [--timeout SEC] [--build DIR]
#                 [--append "KERNEL ARGS"]
#     --runs N      boot each N times, report the best (default 1)
#     --timeout SEC give up on a boot after SEC seconds (default 120)
#     --build DIR   where rvisor is built (default build)
#     --append ARGS the kernel command line (default "console=ttyS0 quiet")
# The VM's console goes to a pipe that a small python3 watcher reads; when the marker shows up
# the watcher stops the VM (its own process group). Console logs: $TMPDIR/rvisor-boot.*.log.
# Exit code: 0 when every available VM reached the marker, 1 otherwise, 2 for bad arguments.
set -euo pipefail
cd "$(dirname "$0")/.."

variant=default runs=1 timeout=120 build=build append="console=ttyS0 quiet"
while [ $# -gt 0 ]; do
    [ $# -ge 2 ] || { echo "boot.sh: $1 needs a value (see the header of $0)" >&2; exit 2; }
    case "$1" in
        --variant) variant=$2 ;;
        --runs) runs=$2 ;;
        --timeout) timeout=$2 ;;
        --build) build=$2 ;;
        --append) append=$2 ;;
        *) echo "boot.sh: unknown argument '$1' (see the header of $0)" >&2; exit 2 ;;
    esac
    shift 2
done
case "$runs" in ''|*[!0-9]*|0) echo "boot.sh: --runs needs a positive number" >&2; exit 2 ;; esac

python=/usr/bin/python3
[ -x "$python" ] || python=python3
guest=$(scripts/fetch-guest --variant "$variant" | tail -n1)
kernel=$guest/Image
initrd=$guest/initramfs.cpio.gz
echo "guest: $(head -n1 "$guest/VERSION") ($variant), append: $append"

# watch TIMEOUT LOG CMD...: runs CMD, prints the seconds until the marker, or fails.
watcher='
import os, signal, subprocess, sys, time
timeout, log, cmd = float(sys.argv[1]), sys.argv[2], sys.argv[3:]
marker = b"rvisor-guest: ready"
t0 = time.monotonic()
p = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                     stderr=subprocess.STDOUT, start_new_session=True)
seen, buf, fd = None, b"", p.stdout.fileno()
os.set_blocking(fd, False)
with open(log, "wb") as out:
    while seen is None and time.monotonic() - t0 < timeout:
        try:
            chunk = os.read(fd, 65536)
        except BlockingIOError:
            if p.poll() is not None:
                break
            time.sleep(0.002)
            continue
        if not chunk:
            break
        out.write(chunk)
        buf = buf[-len(marker):] + chunk
        if marker in buf:
            seen = time.monotonic() - t0
    exited = p.poll()
    try:
        os.killpg(p.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    p.wait()
if seen is None:
    why = "exited with %s" % exited if exited is not None else "timed out after %gs" % timeout
    print("no marker: the VM %s (log %s)" % (why, log), file=sys.stderr)
    sys.exit(1)
print("%.3f" % seen)
'

# boot NAME CMD...: prints NAME's times, sets best_NAME; 1 when a boot failed.
boot() {
    local name=$1 i t best=""
    shift
    for ((i = 1; i <= runs; i++)); do
        local log
        log=$(mktemp "${TMPDIR:-/tmp}/rvisor-boot.$name.XXXXXX.log")
        if ! t=$("$python" -c "$watcher" "$timeout" "$log" "$@"); then
            echo "$name: boot failed (console log: $log)"
            return 1
        fi
        rm -f "$log"
        printf '%s: run %d: %6.2f s to ready\n' "$name" "$i" "$t"
        if [ -z "$best" ] || awk "BEGIN { exit !($t < $best) }"; then best=$t; fi
    done
    printf -v "best_$name" '%s' "$best"
}

status=0 best_qemu="" best_rvisor=""
if command -v qemu-system-riscv64 >/dev/null; then
    bios=/usr/lib/riscv64-linux-gnu/opensbi/generic/fw_dynamic.bin
    [ -f "$bios" ] || bios=default
    boot qemu qemu-system-riscv64 -M virt -m 512M -smp 1 -nographic -bios "$bios" \
        -kernel "$kernel" -initrd "$initrd" -append "$append" || status=1
    [ -z "$best_qemu" ] || printf 'qemu:   %6.2f s  (%s)\n' "$best_qemu" "$(qemu-system-riscv64 --version | head -n1)"
else
    echo "qemu: not installed (apt-get install qemu-system-misc opensbi) - no ratio"
fi

rvisor=$build/src/cli/rvisor
if [ -x "$rvisor" ] && "$rvisor" --help 2>/dev/null | grep -qE '^[[:space:]]+run([[:space:]]|$)'; then
    boot rvisor "$rvisor" run --kernel "$kernel" --initrd "$initrd" --append "$append" || status=1
    [ -z "$best_rvisor" ] || printf 'rvisor: %6.2f s\n' "$best_rvisor"
else
    echo "rvisor: run not available yet ($rvisor)"
fi

if [ -n "$best_qemu" ] && [ -n "$best_rvisor" ]; then
    awk -v r="$best_rvisor" -v q="$best_qemu" \
        'BEGIN { printf "ratio rvisor/qemu boot time: %.2fx (below 1: rvisor boots faster)\n", r / q }'
fi
exit "$status"
