#!/usr/bin/env bash
# VM density and snapshot restore under rvisord: starts rvisord in a temporary state folder
# with a memory budget, then creates and starts idle default-guest VMs (scripts/fetch-guest;
# 1 vCPU, the default command line) back to back until the daemon refuses one with its budget
# error or the --max-vms cap is reached, and waits for each guest's "rvisor-guest: ready".
#   bench/density.sh [--budget-mib N] [--vm-mib N] [--max-vms N] [--runs N] [--qemu-vms N]
#                    [--timeout SEC] [--build DIR]
#     --budget-mib N  rvisord --max-memory-mib (default 2048); --max-vcpus is set one above
#                     what the memory admits, so memory is the limit that refuses
#     --vm-mib N      guest RAM of each VM (default 128: the default guest's Debian kernel does
#                     not boot in 64 or 80 MiB - nothing on the console after OpenSBI, under
#                     QEMU 7.2 as under rvisor - and fails to unpack its initramfs at 88 MiB)
#     --max-vms N     stop after N VMs even if the budget admits more (default 16, which keeps
#                     the run near 4 minutes on 2 host cores: every guest boots in the
#                     interpreter at once); 0 = only the budget stops
#     --runs N        restores timed per snapshot size (default 5; best and median printed)
#     --qemu-vms N    idle QEMU VMs of the same guest for an RSS comparison (default 2; 0 = none)
#     --timeout SEC   give up when the guests are not all ready after SEC seconds (default 300)
#     --build DIR     where rvisor and rvisord are built (default build)
# Prints: VMs started; VMM starts per second (start request to the per-VM API answering, and
# to the guest ready, separately); host memory per VM beyond the guest RAM it touched (RSS and
# PSS from /proc/PID/smaps); snapshot restore-to-running at --vm-mib and at 1 GiB of guest RAM
# through rvisord and through `rvisor run --api-sock` + PUT /snapshot/load; QEMU's RSS.
# Every process it starts is ended on exit, Ctrl-C included (the VMs run in sessions of their
# own, so the trap ends them by pid). Exit code: 0 done, 1 a step failed, 2 bad arguments.
set -euo pipefail
cd "$(dirname "$0")/.."

budget=2048 vm_mib=128 max_vms=16 runs=5 qemu_vms=2 timeout=300 build=build
while [ $# -gt 0 ]; do
    [ $# -ge 2 ] || { echo "density.sh: $1 needs a value (see the header of $0)" >&2; exit 2; }
    case "$1" in
        --budget-mib) budget=$2 ;;
        --vm-mib) vm_mib=$2 ;;
        --max-vms) max_vms=$2 ;;
        --runs) runs=$2 ;;
        --qemu-vms) qemu_vms=$2 ;;
        --timeout) timeout=$2 ;;
        --build) build=$2 ;;
        *) echo "density.sh: unknown argument '$1' (see the header of $0)" >&2; exit 2 ;;
    esac
    shift 2
done
number() { # NAME VALUE MIN
    case "$2" in
        '' | *[!0-9]*) echo "density.sh: $1 needs a whole number, not '$2'" >&2; exit 2 ;;
    esac
    [ "$2" -ge "$3" ] || { echo "density.sh: $1 must be at least $3, not $2" >&2; exit 2; }
}
number --budget-mib "$budget" 16
number --vm-mib "$vm_mib" 16
number --max-vms "$max_vms" 0
number --runs "$runs" 1
number --qemu-vms "$qemu_vms" 0
number --timeout "$timeout" 1
[ "$vm_mib" -le "$budget" ] || { echo "density.sh: --vm-mib $vm_mib is more than --budget-mib $budget" >&2; exit 2; }
rvisor=$build/src/cli/rvisor rvisord=$build/src/vmm/rvisord
for b in "$rvisor" "$rvisord"; do
    [ -x "$b" ] || { echo "density.sh: $b not built (ninja -C $build rvisor rvisord)" >&2; exit 2; }
done
rvisor=$(realpath "$rvisor") rvisord=$(realpath "$rvisord")

python=/usr/bin/python3
[ -x "$python" ] || python=python3
guest=$(scripts/fetch-guest | tail -n1)

tmp=$(mktemp -d "${TMPDIR:-/tmp}/rvisor-density.XXXXXX")
daemon="" driver=""
# shellcheck disable=SC2317 # called by the EXIT trap
cleanup() {
    trap - EXIT INT TERM
    # The VMs run in sessions of their own and outlive the daemon: end each by pid - the pids
    # the driver recorded and any process whose working directory is under $tmp (the daemon
    # runs each VM in its state folder).
    local pids=() p
    [ -z "$driver" ] || { kill -TERM "$driver" 2>/dev/null || true; wait "$driver" 2>/dev/null || true; }
    [ -f "$tmp/pids" ] && mapfile -t pids <"$tmp/pids"
    for p in /proc/[0-9]*; do
        case "$(readlink "$p/cwd" 2>/dev/null)" in "$tmp" | "$tmp"/*) pids+=("${p#/proc/}") ;; esac
    done
    for p in "${pids[@]}"; do
        [ "$p" != "$daemon" ] || continue
        case "$(readlink "/proc/$p/cwd" 2>/dev/null)" in "$tmp" | "$tmp"/*) kill -KILL "$p" 2>/dev/null || true ;; esac
    done
    [ -z "$daemon" ] || { kill -TERM "$daemon" 2>/dev/null || true; wait "$daemon" 2>/dev/null || true; }
    rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

max_vcpus=$((budget / vm_mib + 1))
echo "bench/density.sh --budget-mib $budget --vm-mib $vm_mib --max-vms $max_vms --runs $runs" \
     "--qemu-vms $qemu_vms (rvisord --max-memory-mib $budget --max-vcpus $max_vcpus;" \
     "guest: $(head -n1 "$guest/VERSION"), cmdline console=ttyS0; $(nproc) host cores)"
# The daemon runs in $tmp so that the trap's working-directory match finds it too.
(cd "$tmp" && exec "$rvisord" --state-dir "$tmp/state" --rvisor "$rvisor" \
    --max-memory-mib "$budget" --max-vcpus "$max_vcpus" >"$tmp/rvisord.log" 2>&1) &
daemon=$!
for _ in $(seq 200); do
    [ -S "$tmp/state/rvisord.sock" ] && break
    kill -0 "$daemon" 2>/dev/null || { echo "density.sh: rvisord exited: $(cat "$tmp/rvisord.log")" >&2; exit 1; }
    sleep 0.05
done
[ -S "$tmp/state/rvisord.sock" ] || { echo "density.sh: rvisord did not create its socket" >&2; exit 1; }

# In the background, so that a signal to this shell runs the trap at once.
status=0
"$python" bench/density.py "$tmp/state" "$rvisor" "$guest" "$tmp" "$vm_mib" "$max_vms" \
    "$budget" "$runs" "$timeout" "$qemu_vms" &
driver=$!
wait "$driver" || status=$?
driver=""
if [ "$status" -ne 0 ] && [ "$status" -lt 128 ]; then
    echo "--- rvisord log ---" >&2
    tail -n 20 "$tmp/rvisord.log" >&2
    status=1
fi
exit "$status"
