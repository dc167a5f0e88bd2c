#!/usr/bin/env bash
# 7-Zip's CPU benchmark (`7z b -mmt1`, one thread) in the bench guest (scripts/fetch-guest
# --variant bench: the default guest plus Debian's riscv64 7zip) under rvisor --engine jit,
# rvisor --engine interp and qemu-system-riscv64 (TCG) in one run: each total rating, the
# ratios against QEMU, and the host's own `7zz b -mmt1` rating (Debian package 7zip) as the
# native ceiling.
#   bench/cpu.sh [--quick] [--build DIR] [--timeout SEC] [--engines "jit interp qemu"]
#     --quick       `7z b 1 -mmt1 -md18`: one pass (the iteration count argument of `7z b`)
#                   with a 256 KiB dictionary (-md18), minutes instead of tens of minutes
#                   under emulation; ratings are lower than the full run's, compare ratios
#     --build DIR   where rvisor is built (default build)
#     --timeout SEC give up on one VM after SEC seconds (default 3600)
#     --engines L   which of jit, interp, qemu to run (default all three)
# The guest runs the benchmark from its init (rvisor.cmd: a base64 script on the kernel
# command line, then rvisor.poweroff=1). Console logs: $TMPDIR/rvisor-cpu.*.log.
# Exit code: 0 when every VM that ran printed a total rating, 1 otherwise, 2 for bad arguments.
set -euo pipefail
cd "$(dirname "$0")/.."

build=build timeout=3600 quick=0 engines="jit interp qemu"
while [ $# -gt 0 ]; do
    case "$1" in
        --quick) quick=1; shift; continue ;;
    esac
    [ $# -ge 2 ] || { echo "cpu.sh: $1 needs a value (see the header of $0)" >&2; exit 2; }
    case "$1" in
        --build) build=$2 ;;
        --timeout) timeout=$2 ;;
        --engines) engines=$2 ;;
        *) echo "cpu.sh: unknown argument '$1' (see the header of $0)" >&2; exit 2 ;;
    esac
    shift 2
done
case "$timeout" in ''|*[!0-9]*|0) echo "cpu.sh: --timeout needs a positive number" >&2; exit 2 ;; esac
for e in $engines; do
    case "$e" in jit|interp|qemu) ;; *) echo "cpu.sh: unknown engine '$e' (jit, interp, qemu)" >&2; exit 2 ;; esac
done

if [ "$quick" = 1 ]; then bargs="b 1 -mmt1 -md18"; else bargs="b -mmt1"; fi
scripts/install-deps --bench
guest=$(scripts/fetch-guest --variant bench | tail -n1)
echo "guest: $(head -n1 "$guest/VERSION") (bench), benchmark: 7z $bargs"
script="7z $bargs"
append="console=ttyS0 quiet rvisor.quiet=1 rvisor.cmd=$(printf '%s\n' "$script" | base64 -w0) rvisor.poweroff=1"

python=/usr/bin/python3
[ -x "$python" ] || python=python3
# run TIMEOUT LOG CMD...: runs CMD until it exits (the guest powers off) or the init reports
# the script's exit; prints the last "Tot:" line's rating (its last field).
runner='
import os, re, signal, subprocess, sys, time
timeout, log, cmd = float(sys.argv[1]), sys.argv[2], sys.argv[3:]
t0 = time.monotonic()
p = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                     stderr=subprocess.STDOUT, start_new_session=True)
data, fd = b"", p.stdout.fileno()
os.set_blocking(fd, False)
while time.monotonic() - t0 < timeout and b"rvisor-guest: exit" not in data:
    try:
        chunk = os.read(fd, 65536)
    except BlockingIOError:
        if p.poll() is not None:
            break
        time.sleep(0.05)
        continue
    if not chunk:
        break
    data += chunk
try:
    os.killpg(p.pid, signal.SIGKILL)
except ProcessLookupError:
    pass
p.wait()
open(log, "wb").write(data)
tot = re.findall(rb"^Tot:.*?(\d+)\s*$", data, re.M)
if not tot:
    print("no total rating (console log %s)" % log, file=sys.stderr)
    sys.exit(1)
print("%s %.1f" % (tot[-1].decode(), time.monotonic() - t0))
'

declare -A rating
status=0
run() {  # run NAME CMD...
    local name=$1 log out
    shift
    log=$(mktemp "${TMPDIR:-/tmp}/rvisor-cpu.$name.XXXXXX.log")
    if out=$("$python" -c "$runner" "$timeout" "$log" "$@"); then
        read -r r secs <<<"$out"
        rating[$name]=$r
        printf '%-7s total rating %6s  (%s s, log %s)\n' "$name:" "$r" "$secs" "$log"
    else
        echo "$name: no rating (console log: $log)"
        status=1
    fi
}

rvisor=$build/src/cli/rvisor
for e in $engines; do
    if [ "$e" = qemu ]; then
        if command -v qemu-system-riscv64 >/dev/null; then
            bios=/usr/lib/riscv64-linux-gnu/opensbi/generic/fw_dynamic.bin
            [ -f "$bios" ] || bios=default
            run qemu qemu-system-riscv64 -M virt -m 1G -smp 1 -nographic -bios "$bios" \
                -kernel "$guest/Image" -initrd "$guest/initramfs.cpio.gz" -append "$append"
            echo "        ($(qemu-system-riscv64 --version | head -n1))"
        else
            echo "qemu: not installed (apt-get install qemu-system-misc opensbi) - no ratio"
        fi
    elif [ -x "$rvisor" ]; then
        run "$e" "$rvisor" run --engine "$e" --memory 1G --kernel "$guest/Image" \
            --initrd "$guest/initramfs.cpio.gz" --append "$append"
    else
        echo "$e: $rvisor not built"
        status=1
    fi
done

for e in jit interp; do
    if [ -n "${rating[$e]:-}" ] && [ -n "${rating[qemu]:-}" ]; then
        awk -v a="${rating[$e]}" -v q="${rating[qemu]}" -v e="$e" \
            'BEGIN { printf "ratio %s/qemu: %.2fx (rating; above 1: faster than QEMU)\n", e, a / q }'
    fi
done

if command -v 7zz >/dev/null; then
    native=$(7zz $bargs | awk '/^Tot:/ { r = $NF } END { print r }')
    echo "host:   total rating ${native:-?}  (7zz $bargs, native ceiling)"
else
    echo "host:   7zz not installed (Debian package 7zip) - no native ceiling"
fi
exit "$status"
