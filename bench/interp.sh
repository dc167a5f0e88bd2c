#!/usr/bin/env bash
# Guest instructions per second on a fixed bare-metal integer loop (bench/guest/int_loop.S):
# rvisor's interpreter, rvisor's JIT and qemu-system-riscv64 (TCG) on the same ELF in one
# run, and the ratios.
#   bench/interp.sh [BUILD_DIR]      (default: build; run `make` first)
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build}
elf=$build/bench/int_loop.elf
rvisor=$build/src/cli/rvisor
[ -x "$rvisor" ] && [ -f "$elf" ] || { echo "interp.sh: build first (make build)" >&2; exit 2; }
# 50M iterations x 10 instructions, plus a few of setup: the loop is the whole cost.
insns=500000009

calc() { awk "BEGIN { printf \"%.6f\", $1 }"; }
# measure NAME CMD...: wall-clock and CPU (user + system) seconds of CMD. On a busy shared
# host the CPU-time figure is the steadier one; both are printed.
declare -A wall cpu
measure() {
    local name=$1 out
    shift
    out=$( { TIMEFORMAT='%3R %3U %3S'; time "$@" >/dev/null </dev/null; } 2>&1 | tail -1)
    read -r w u s <<<"$out"
    wall[$name]=$w
    cpu[$name]=$(calc "$u + $s")
    printf '%-13s %6.2f s wall %7.1f MIPS   %6.2f s CPU %7.1f MIPS\n' "$name:" "$w" \
        "$(calc "$insns / $w / 1e6")" "${cpu[$name]}" "$(calc "$insns / ${cpu[$name]} / 1e6")"
}
ratio() {  # ratio A B: speed of A relative to B, wall and CPU
    printf 'ratio %s/%s: %.2fx wall, %.2fx CPU\n' "$1" "$2" "$(calc "${wall[$2]} / ${wall[$1]}")" \
        "$(calc "${cpu[$2]} / ${cpu[$1]}")"
}
measure interp "$rvisor" exec --engine interp "$elf"
measure jit "$rvisor" exec --engine jit "$elf"
ratio jit interp

if command -v qemu-system-riscv64 >/dev/null; then
    measure qemu qemu-system-riscv64 -M virt -bios none -nographic -m 128M -kernel "$elf"
    echo "qemu: $(qemu-system-riscv64 --version | head -1)"
    ratio interp qemu
    ratio jit qemu
else
    echo "qemu: not installed (apt-get install qemu-system-misc) - no ratio"
fi
