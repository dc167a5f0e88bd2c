#!/usr/bin/env python3
"""Disk and network throughput of the same guest workload under rvisor and QEMU, in one run.

usage: io_bench.py disk [--mib N] [--build DIR]
       io_bench.py net  [--mib N] [--build DIR]

disk: one VM with a fresh raw image of N MiB (default 256) on virtio-blk; the guest writes it
  with `dd if=/dev/zero of=/dev/vda bs=1M oflag=direct` and reads it back with `dd
  iflag=direct`, timing each with its clock. QEMU: -drive if=none,format=raw +
  -device virtio-blk-device (its default cache mode, writeback, like rvisor's page-cache I/O).
net: two VMs joined at L2 - rvisor: `--net switch:NAME`; QEMU: -netdev socket listen/connect,
  virtio-net-device - take static addresses; A sends N MiB (default 100) from /dev/zero (dd,
  64 KiB blocks: the cheapest source in the guest) over TCP with busybox nc to B, which
  discards it; A times the transfer.
Both use the default guest (scripts/fetch-guest) and its init's rvisor.cmd mode (a base64
script on the kernel command line, then poweroff). Prints MB/s for each and rvisor/QEMU.
"""
import argparse
import base64
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FW = "/usr/lib/riscv64-linux-gnu/opensbi/generic/fw_dynamic.bin"


def guest_dir():
    out = subprocess.run([os.path.join(ROOT, "scripts/fetch-guest")], capture_output=True,
                         text=True, check=True).stdout
    return out.strip().splitlines()[-1]


def append_for(script):
    b64 = base64.b64encode(script.encode()).decode()
    return f"console=ttyS0 quiet rvisor.quiet=1 rvisor.cmd={b64} rvisor.poweroff=1"


def start(cmd, log):
    return subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
                            start_new_session=True)


def finish(procs, logs, timeout):
    deadline = time.monotonic() + timeout
    for p in procs:
        try:
            p.wait(timeout=max(1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait()
    return [open(l, errors="replace").read() for l in logs]


def rate(text, key):
    m = re.search(rf"^{key} (\d+) (\d+)$", text, re.M)
    if not m:
        return None
    nbytes, ns = int(m.group(1)), int(m.group(2))
    return nbytes / (ns / 1e9) / 1e6


def timed(label, mib, body):
    # The guest's uptime clock (centiseconds: busybox date has no %N) brackets the command;
    # prints "label BYTES NANOSECONDS".
    up = "$(cut -d' ' -f1 /proc/uptime | tr -d .)"
    return (f't0={up}; {body}; t1={up}; '
            f'echo "{label} {mib << 20} $(((t1 - t0) * 10000000))"\n')


def disk(args, guest, tmp):
    script = ("set -e\n" + timed("WRITE", args.mib,
                                 f"dd if=/dev/zero of=/dev/vda bs=1M count={args.mib} "
                                 "oflag=direct 2>/dev/null")
              + timed("READ", args.mib, f"dd if=/dev/vda of=/dev/null bs=1M count={args.mib} "
                                        "iflag=direct 2>/dev/null"))
    append = append_for(script)
    results = {}
    for name in ("qemu", "rvisor"):
        img = os.path.join(tmp, f"{name}.img")
        with open(img, "wb") as f:
            f.truncate(args.mib << 20)
        if name == "qemu":
            cmd = ["qemu-system-riscv64", "-M", "virt", "-m", "512M", "-nographic", "-bios", FW,
                   "-kernel", f"{guest}/Image", "-initrd", f"{guest}/initramfs.cpio.gz",
                   "-append", append, "-drive", f"file={img},format=raw,if=none,id=d0",
                   "-device", "virtio-blk-device,drive=d0"]
        else:
            cmd = [args.rvisor, "run", "--memory", "512M", "--disk", f"{img},format=raw",
                   "--append", append]
        log = os.path.join(tmp, f"{name}.log")
        with open(log, "wb") as f:
            p = start(cmd, f)
        text = finish([p], [log], args.timeout)[0]
        w, r = rate(text, "WRITE"), rate(text, "READ")
        if w is None or r is None:
            print(f"{name}: no result (log {log}):\n{text[-1500:]}")
            results[name] = None
            continue
        results[name] = (w, r)
        print(f"{name:7s} write {w:8.1f} MB/s   read {r:8.1f} MB/s")
    if results.get("qemu") and results.get("rvisor"):
        (qw, qr), (rw, rr) = results["qemu"], results["rvisor"]
        print(f"ratio rvisor/qemu: write {rw / qw:.2f}x  read {rr / qr:.2f}x (above 1: rvisor faster)")
    return 0 if all(results.values()) else 1


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def net(args, guest, tmp):
    recv = ("ip addr add 10.9.0.2/24 dev eth0; ip link set eth0 up\n"
            "nc -l -p 5000 >/dev/null\necho RECEIVED\n")
    send = ("ip addr add 10.9.0.1/24 dev eth0; ip link set eth0 up\n"
            "until ping -c 1 -W 1 10.9.0.2 >/dev/null 2>&1; do :; done; sleep 2\n"
            + timed("SEND", args.mib, f"dd if=/dev/zero bs=64k count={args.mib * 16} 2>/dev/null"
                               " | nc 10.9.0.2 5000"))
    results = {}
    for name in ("qemu", "rvisor"):
        port = free_port()
        cmds = []
        for role, script in (("b", recv), ("a", send)):
            append = append_for(script)
            if name == "qemu":
                sock = f"listen=127.0.0.1:{port}" if role == "b" else f"connect=127.0.0.1:{port}"
                mac = "52:54:00:00:00:0" + ("2" if role == "b" else "1")
                cmds.append(["qemu-system-riscv64", "-M", "virt", "-m", "512M", "-nographic",
                             "-bios", FW, "-kernel", f"{guest}/Image", "-initrd",
                             f"{guest}/initramfs.cpio.gz", "-append", append,
                             "-netdev", f"socket,id=n0,{sock}",
                             "-device", f"virtio-net-device,netdev=n0,mac={mac}"])
            else:
                cmds.append([args.rvisor, "run", "--memory", "512M", "--name", f"bench-{role}",
                             "--net", f"switch:bench{os.getpid()}", "--append", append])
        logs, procs = [], []
        for i, cmd in enumerate(cmds):
            log = os.path.join(tmp, f"{name}-{i}.log")
            logs.append(log)
            with open(log, "wb") as f:
                procs.append(start(cmd, f))
            time.sleep(1)  # the QEMU listener must be up before the connector starts
        texts = finish(procs, logs, args.timeout)
        r = rate(texts[1], "SEND")
        if r is None:
            print(f"{name}: no result (logs {logs}):\n{texts[1][-1500:]}")
            results[name] = None
            continue
        results[name] = r
        print(f"{name:7s} TCP {r:8.1f} MB/s ({args.mib} MiB, VM to VM)")
    if results.get("qemu") and results.get("rvisor"):
        print(f"ratio rvisor/qemu: {results['rvisor'] / results['qemu']:.2f}x (above 1: rvisor faster)")
    return 0 if all(results.values()) else 1


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("what", choices=["disk", "net"])
    ap.add_argument("--mib", type=int, default=None)
    ap.add_argument("--build", default=os.path.join(ROOT, "build"))
    ap.add_argument("--timeout", type=float, default=600)
    args = ap.parse_args()
    args.rvisor = os.path.join(args.build, "src/cli/rvisor")
    if args.mib is None:
        args.mib = 256 if args.what == "disk" else 100
    if not shutil.which("qemu-system-riscv64"):
        print("qemu-system-riscv64 not installed (apt-get install qemu-system-misc): no ratio")
        return 2
    guest = guest_dir()
    with tempfile.TemporaryDirectory() as tmp:
        os.environ.setdefault("RVISOR_RUN_DIR", tmp)
        return disk(args, guest, tmp) if args.what == "disk" else net(args, guest, tmp)


if __name__ == "__main__":
    sys.exit(main())
