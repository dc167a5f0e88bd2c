#!/usr/bin/env bash
# SMP scaling: a fixed CPU-bound guest workload (PROCS busybox pipelines, each
# `dd if=/dev/zero bs=64k count=COUNT | sha256sum`, all started at once) timed inside the guest
# under `rvisor run --cpus N` and `qemu-system-riscv64 -M virt -smp N` for N = 1, 2, 4, in one
# run, booting the same Debian kernel and initramfs (scripts/fetch-guest). The total work is the
# same at every vCPU count, so time(1 vCPU) / time(N vCPUs) is the speed-up.
#   bench/smp.sh [--count K] [--procs P] [--cpus "1 2 4"] [--timeout SEC] [--build DIR]
#     --count K     64 KiB blocks hashed by each pipeline (default 512 = 32 MiB)
#     --procs P     pipelines started in parallel (default 4)
#     --cpus LIST   vCPU counts to measure (default "1 2 4"; the first is the speed-up base)
#     --timeout SEC give up on a VM after SEC seconds (default 200)
#     --build DIR   where rvisor is built (default build)
#     --engine E    rvisor's --engine (jit, interp, auto; default: rvisor's default)
#     --qemu 0      skip QEMU (default 1)
# The guest's busybox `date` has no %N, so the script times itself with /proc/uptime (10 ms
# resolution, the guest's clock). Console logs: $TMPDIR/rvisor-smp.*.log (kept on failure).
# Exit code: 0 when every available VM ran the workload, 1 otherwise, 2 for bad arguments.
set -euo pipefail
cd "$(dirname "$0")/.."

count=512 procs=4 cpus="1 2 4" timeout=200 build=build engine="" qemu=1
while [ $# -gt 0 ]; do
    [ $# -ge 2 ] || { echo "smp.sh: $1 needs a value (see the header of $0)" >&2; exit 2; }
    case "$1" in
        --count) count=$2 ;;
        --procs) procs=$2 ;;
        --cpus) cpus=$2 ;;
        --timeout) timeout=$2 ;;
        --build) build=$2 ;;
        --engine) engine=$2 ;;
        --qemu) qemu=$2 ;;
        *) echo "smp.sh: unknown argument '$1' (see the header of $0)" >&2; exit 2 ;;
    esac
    shift 2
done
for v in "$count" "$procs" $cpus; do
    case "$v" in ''|*[!0-9]*|0) echo "smp.sh: counts must be positive numbers" >&2; exit 2 ;; esac
done

guest=$(scripts/fetch-guest | tail -n1)
kernel=$guest/Image
initrd=$guest/initramfs.cpio.gz

# The guest script: prints the online harts and the workload's time in centiseconds.
# shellcheck disable=SC2016 # expanded by the guest shell
workload='u() { read -r up _ </proc/uptime; echo "${up%.*}${up#*.}"; }
echo "smp-bench: online $(cat /sys/devices/system/cpu/online)"
t0=$(u)
i=0
while [ $i -lt '"$procs"' ]; do
    (dd if=/dev/zero bs=64k count='"$count"' 2>/dev/null | sha256sum >/dev/null) &
    i=$((i + 1))
done
wait
t1=$(u)
echo "smp-bench: cs $((t1 - t0))"
'
append="console=ttyS0 quiet rvisor.quiet=1 rvisor.poweroff=1 rvisor.cmd=$(printf '%s' "$workload" | base64 -w0)"
total_mib=$((procs * count / 16))
echo "guest: $(head -n1 "$guest/VERSION"); workload: $procs x dd|sha256sum of $((count / 16)) MiB" \
     "($total_mib MiB in all), host: $(nproc) cores"

# measure NAME N CMD...: runs the VM, sets t_NAME_N to the workload's seconds; 1 on failure.
measure() {
    local name=$1 n=$2 log cs online
    shift 2
    log=$(mktemp "${TMPDIR:-/tmp}/rvisor-smp.$name-$n.XXXXXX.log")
    timeout -s KILL "$timeout" "$@" </dev/null >"$log" 2>&1 || true
    cs=$(sed -n 's/^smp-bench: cs \([0-9]*\).*/\1/p' "$log" | tail -n1)
    online=$(sed -n 's/^smp-bench: online \([0-9-]*\).*/\1/p' "$log" | tail -n1)
    if [ -z "$cs" ]; then
        echo "$name --cpus $n: no result (console log: $log)"
        return 1
    fi
    rm -f "$log"
    printf -v "t_${name}_$n" '%s' "$(awk -v c="$cs" 'BEGIN { printf "%.2f", c / 100 }')"
    local t="t_${name}_$n"
    printf '%-6s %d vCPU(s) (online %s): %7.2f s\n' "$name" "$n" "$online" "${!t}"
}

status=0
rvisor=$build/src/cli/rvisor
if [ -x "$rvisor" ]; then
    for n in $cpus; do
        measure rvisor "$n" "$rvisor" run --cpus "$n" ${engine:+--engine "$engine"} --timeout "$timeout" \
            --kernel "$kernel" --initrd "$initrd" --append "$append" || status=1
    done
else
    echo "rvisor: not built ($rvisor)"
fi
if [ "$qemu" != 1 ]; then
    echo "qemu: skipped (--qemu 0)"
elif command -v qemu-system-riscv64 >/dev/null; then
    bios=/usr/lib/riscv64-linux-gnu/opensbi/generic/fw_dynamic.bin
    [ -f "$bios" ] || bios=default
    for n in $cpus; do
        measure qemu "$n" qemu-system-riscv64 -M virt -m 512M -smp "$n" -nographic \
            -bios "$bios" -kernel "$kernel" -initrd "$initrd" -append "$append" || status=1
    done
    echo "qemu: $(qemu-system-riscv64 --version | head -n1)"
else
    echo "qemu: not installed (apt-get install qemu-system-misc opensbi) - no ratio"
fi

# The table: time, speed-up vs the first vCPU count, rvisor/qemu time ratio.
base=${cpus%% *}
echo
printf '%-6s %12s %10s %12s %10s %14s\n' vCPUs "rvisor (s)" speed-up "qemu (s)" speed-up "rvisor/qemu"
for n in $cpus; do
    r=t_rvisor_$n q=t_qemu_$n rb=t_rvisor_$base qb=t_qemu_$base
    awk -v n="$n" -v r="${!r:-}" -v q="${!q:-}" -v rb="${!rb:-}" -v qb="${!qb:-}" 'BEGIN {
        printf "%-6s %12s %10s %12s %10s %14s\n", n,
            r == "" ? "-" : sprintf("%.2f", r),
            (r == "" || rb == "" || r == 0) ? "-" : sprintf("%.2fx", rb / r),
            q == "" ? "-" : sprintf("%.2f", q),
            (q == "" || qb == "" || q == 0) ? "-" : sprintf("%.2fx", qb / q),
            (r == "" || q == "" || q == 0) ? "-" : sprintf("%.2fx", r / q) }'
done
echo "(speed-up: time at $base vCPU(s) / time; rvisor/qemu above 1: rvisor is slower)"
exit "$status"
