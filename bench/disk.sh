#!/usr/bin/env bash
# Sequential dd MB/s on a virtio disk under rvisor and qemu-system-riscv64 in one
# run, and the ratio. See bench/io_bench.py for the workload; arguments pass through to it.
#   bench/disk.sh [--mib N] [--build DIR] [--timeout SEC]
set -euo pipefail
exec python3 "$(dirname "$0")/io_bench.py" disk "$@"
