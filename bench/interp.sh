#!/usr/bin/env bash
# Guest instructions per second on a fixed bare-metal integer loop (bench/guest/int_loop.S),
# rvisor and qemu-system-riscv64 (TCG) on the same ELF in one run, and their ratio.
#   bench/interp.sh [BUILD_DIR]      (default: build; run `make` first)
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build}
elf=$build/bench/int_loop.elf
rvisor=$build/src/cli/rvisor
[ -x "$rvisor" ] && [ -f "$elf" ] || { echo "interp.sh: build first (make build)" >&2; exit 2; }
# 50M iterations x 10 instructions, plus a few of setup: the loop is the whole cost.
insns=500000009

now() { date +%s.%N; }
calc() { awk "BEGIN { printf \"%.6f\", $1 }"; }
t0=$(now); "$rvisor" exec "$elf"; t1=$(now)
rv=$(calc "$t1 - $t0")
rv_mips=$(calc "$insns / $rv / 1000000")
printf 'rvisor: %6.2f s  %7.1f MIPS\n' "$rv" "$rv_mips"

if command -v qemu-system-riscv64 >/dev/null; then
    t0=$(now)
    qemu-system-riscv64 -M virt -bios none -nographic -m 128M -kernel "$elf" </dev/null
    t1=$(now)
    qe=$(calc "$t1 - $t0")
    qe_mips=$(calc "$insns / $qe / 1000000")
    printf 'qemu:   %6.2f s  %7.1f MIPS  (%s)\n' "$qe" "$qe_mips" "$(qemu-system-riscv64 --version | head -1)"
    printf 'ratio rvisor/qemu: %.2fx\n' "$(calc "$rv_mips / $qe_mips")"
else
    echo "qemu: not installed (apt-get install qemu-system-misc) - no ratio"
fi
