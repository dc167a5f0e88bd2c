#!/usr/bin/env python3
"""The per-VM API, Firecracker style: `rvisor run --api-sock PATH` driven with
`curl --unix-socket`, as a Firecracker client would.

usage: api_test.py RVISOR [--engine interp|jit]
Flow: the process waits for the API; PUT machine-config (2 vCPUs, 256 MiB), boot-source (the
default guest), a read-only drive; InstanceStart; the guest boots and sees 2 CPUs and the
drive. Pre-boot calls after the start are refused. PATCH /vm Paused: the guest retires no
instruction and the process uses (almost) no CPU while a busy loop runs in the guest;
Resumed: it continues and the shell answers. GET /, /vm/config, /stats give the configuration
and the state. A snapshot of the paused guest, loaded into a fresh process, continues the
shell session. Every kind of 4xx once; a second process on the same socket is refused
(exit 2); `poweroff` ends the process with 0 and removes the socket.
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile
import time

from console_driver import PROMPT, Vm

CLK_TCK = os.sysconf("SC_CLK_TCK")


def guest_dir():
    if os.environ.get("RVISOR_CACHE"):
        return os.path.join(os.environ["RVISOR_CACHE"], "guest")
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.environ["HOME"], ".cache")
    return os.path.join(base, "rvisor", "guest")


class Api:
    def __init__(self, sock):
        self.sock = sock

    def call(self, method, path, body=None):
        cmd = ["curl", "-s", "--unix-socket", self.sock, "-X", method,
               "-w", "\n%{http_code}", f"http://localhost{path}"]
        if body is not None:
            data = body if isinstance(body, str) else json.dumps(body)
            cmd += ["-H", "Content-Type: application/json", "-d", data]
        out = subprocess.run(cmd, capture_output=True, text=True, timeout=30, check=True).stdout
        text, _, code = out.rpartition("\n")
        return int(code), (json.loads(text) if text else None)

    def ok(self, method, path, body=None, status=204):
        code, reply = self.call(method, path, body)
        assert code == status, f"{method} {path}: {code} {reply}"
        return reply

    def fault(self, method, path, body, expect):
        code, reply = self.call(method, path, body)
        assert code == 400, f"{method} {path} {body}: expected 400, got {code} {reply}"
        msg = reply["fault_message"]
        assert expect in msg, f"{method} {path}: fault {msg!r} lacks {expect!r}"


def cpu_seconds(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLK_TCK  # utime + stime


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("rvisor")
    ap.add_argument("--engine", default=None)
    args = ap.parse_args()
    rvisor = args.rvisor
    engine = ["--engine", args.engine] if args.engine else []
    gdir = guest_dir()
    if not os.path.exists(os.path.join(gdir, "Image")):
        print(f"default guest missing in {gdir}", file=sys.stderr)
        return 1
    tmp = tempfile.mkdtemp(prefix="rvisor-api-")
    sock = os.path.join(tmp, "api.sock")
    disk = os.path.join(tmp, "data.img")
    with open(disk, "wb") as f:
        f.truncate(1 << 20)
    vm = Vm(rvisor, ["--api-sock", sock] + engine)
    api = Api(sock)
    try:
        deadline = time.monotonic() + 10
        while not os.path.exists(sock):
            assert time.monotonic() < deadline, "the API socket did not appear"
            time.sleep(0.05)
        assert oct(os.stat(sock).st_mode & 0o777) == oct(0o600), "socket is not 0600"

        info = api.ok("GET", "/", status=200)
        assert info["state"] == "Not started" and info["app_name"] == "rvisor", info

        # A second process on the same socket is refused, and the first keeps serving.
        second = subprocess.run([rvisor, "run", "--api-sock", sock], capture_output=True,
                                text=True, timeout=30)
        assert second.returncode == 2, f"second process: exit {second.returncode}"
        assert "another server is listening there" in second.stderr, second.stderr

        for bad, why in ((os.path.join(tmp, "no", "api.sock"), "cannot bind"),
                         (disk, "exists and is not a socket"),
                         ("/tmp/" + "x" * 120, "the path is too long for a Unix socket")):
            r = subprocess.run([rvisor, "run", "--api-sock", bad], capture_output=True,
                               text=True, timeout=30)
            assert r.returncode == 2 and why in r.stderr, f"--api-sock {bad}: {r}"
        assert os.path.getsize(disk) == 1 << 20, "a bad --api-sock touched the file"

        api.ok("PUT", "/machine-config", {"vcpu_count": 2, "mem_size_mib": 256})
        api.ok("PUT", "/boot-source", {
            "kernel_image_path": os.path.join(gdir, "Image"),
            "initrd_path": os.path.join(gdir, "initramfs.cpio.gz"),
            "boot_args": "console=ttyS0"})
        api.ok("PUT", "/drives/data", {"drive_id": "data", "path_on_host": disk,
                                       "is_root_device": False, "is_read_only": True})
        api.ok("PUT", "/actions", {"action_type": "InstanceStart"})
        assert api.ok("GET", "/", status=200)["state"] == "Running"

        vm.expect(rb"rvisor-guest: ready", timeout=180)
        vm.expect(PROMPT, timeout=60)
        assert vm.run("nproc").strip() == "2"
        drive = vm.run("cat /sys/block/vda/size /sys/block/vda/ro").split()
        assert drive == ["2048", "1"], f"guest's vda: {drive}"

        # Device counters: Linux read vda's partition table at probe; 64 KiB read with
        # O_DIRECT (no page cache) add at least 64 KiB to the drive's and the VM's totals.
        s0 = api.ok("GET", "/stats", status=200)
        assert [d["drive_id"] for d in s0["drives"]] == ["data"], s0
        assert s0["disk_read_bytes"] > 0 and s0["disk_write_bytes"] == 0, s0
        assert s0["network_interfaces"] == [] and s0["net_rx_bytes"] == 0, s0
        assert 0 < s0["memory_touched_bytes"] <= 256 << 20, s0
        out = vm.run("dd if=/dev/vda of=/dev/null bs=4096 count=16 iflag=direct; echo rc=$?")
        assert "rc=0" in out, f"guest dd: {out}"
        s1 = api.ok("GET", "/stats", status=200)
        assert s1["disk_read_bytes"] - s0["disk_read_bytes"] >= 65536, (s0, s1)
        assert s1["drives"][0]["read_bytes"] == s1["disk_read_bytes"], s1
        assert s1["drives"][0]["requests"] > s0["drives"][0]["requests"], (s0, s1)
        assert s1["drives"][0]["errors"] == 0, s1

        # Pre-boot-only calls after the start.
        after = "The requested operation is not supported after starting the microVM."
        api.fault("PUT", "/machine-config", {"vcpu_count": 1, "mem_size_mib": 128}, after)
        api.fault("PUT", "/boot-source", {"kernel_image_path": os.path.join(gdir, "Image")},
                  after)
        api.fault("PUT", "/drives/more", {"drive_id": "more", "path_on_host": disk,
                                          "is_root_device": False}, after)
        api.fault("PUT", "/network-interfaces/eth0",
                  {"iface_id": "eth0", "backend": "user"}, after)
        api.fault("PUT", "/actions", {"action_type": "InstanceStart"}, after)
        api.fault("PUT", "/snapshot/load", {"snapshot_path": disk}, after)

        # Pause with a busy loop in the guest: no instruction retires, the process idles.
        vm.send("while :; do :; done &\n")
        vm.expect(PROMPT, timeout=30)
        time.sleep(0.5)
        api.ok("PATCH", "/vm", {"state": "Paused"})
        assert api.ok("GET", "/", status=200)["state"] == "Paused"
        api.ok("PATCH", "/vm", {"state": "Paused"})  # idempotent
        before = api.ok("GET", "/stats", status=200)
        cpu0 = cpu_seconds(vm.proc.pid)
        time.sleep(2)
        cpu1 = cpu_seconds(vm.proc.pid)
        after_stats = api.ok("GET", "/stats", status=200)
        assert before["state"] == "Paused" and before["vcpus"] == 2, before
        assert after_stats["instructions"] == before["instructions"], \
            f"paused guest retired instructions: {before} -> {after_stats}"
        assert cpu1 - cpu0 < 0.1, f"paused process used {cpu1 - cpu0:.2f} s CPU in 2 s"
        api.fault("PUT", "/actions", {"action_type": "SendCtrlAltDel"},
                  "SendCtrlAltDel is not supported on riscv64")

        api.ok("PATCH", "/vm", {"state": "Resumed"})
        assert api.ok("GET", "/", status=200)["state"] == "Running"
        time.sleep(1)
        running = api.ok("GET", "/stats", status=200)
        assert running["instructions"] > after_stats["instructions"], running
        vm.send("kill %1\n")
        vm.expect(PROMPT, timeout=30)
        assert vm.run("echo alive").strip() == "alive"

        # A snapshot of the paused guest (one file: mem_file_path is accepted, not written).
        vm.run("echo before-snapshot > /tmp/mark")
        snap = os.path.join(tmp, "vm.snap")
        api.ok("PATCH", "/vm", {"state": "Paused"})
        api.ok("PUT", "/snapshot/create", {"snapshot_path": snap, "mem_file_path": snap + ".mem",
                                           "snapshot_type": "Full"})
        api.ok("PATCH", "/vm", {"state": "Resumed"})
        assert os.path.getsize(snap) > 0, "empty snapshot"
        assert not os.path.exists(snap + ".mem"), "mem_file_path was written"
        assert vm.run("echo after-snapshot").strip() == "after-snapshot"

        config = api.ok("GET", "/vm/config", status=200)
        assert config["machine-config"]["vcpu_count"] == 2, config
        assert config["machine-config"]["mem_size_mib"] == 256, config
        assert config["boot-source"]["kernel_image_path"] == os.path.join(gdir, "Image"), config
        assert [d["drive_id"] for d in config["drives"]] == ["data"], config
        assert config["drives"][0]["is_read_only"] is True, config
        assert api.ok("GET", "/machine-config", status=200)["vcpu_count"] == 2

        # Every kind of 4xx once.
        api.fault("GET", "/no-such-route", None, "Invalid request method and/or path: GET "
                  "no-such-route.")
        api.fault("PUT", "/vm", {"state": "Paused"}, "Invalid request method and/or path: PUT vm.")
        api.fault("PATCH", "/vm", '{"state": ', "Malformed JSON in the vm body")
        api.fault("PATCH", "/vm", {"state": "Paused", "now": True}, "Unknown field 'now' in vm")
        api.fault("PATCH", "/vm", {"state": 1}, "Field 'state' of vm must be a string.")
        api.fault("PATCH", "/vm", {"state": "Stopped"}, "must be one of \"Paused\", \"Resumed\"")
        api.fault("PATCH", "/vm", "", "Empty request body")
        api.fault("PUT", "/drives/bad.id", {"drive_id": "bad.id", "path_on_host": disk,
                                            "is_root_device": False}, "Invalid drive_id 'bad.id'")
        api.fault("PUT", "/snapshot/create", {"snapshot_path": os.path.join(tmp, "vm.snap")},
                  "Cannot create a snapshot of a running microVM: pause it first")
        api.fault("PUT", "/metrics", {"metrics_path": "/no/such/dir/m.json"},
                  "metrics_path: the folder '/no/such/dir' does not exist.")

        vm.send("poweroff\n")
        code = vm.wait_exit(timeout=60)
        assert code == 0, f"exit code after poweroff: {code}"
        assert not os.path.exists(sock), "the socket was not removed"
        vm.close()

        # Load the snapshot into a fresh process, paused; resume: the shell session continues.
        vm = Vm(rvisor, ["--api-sock", sock] + engine)
        deadline = time.monotonic() + 10
        while not os.path.exists(sock):
            assert time.monotonic() < deadline, "the API socket did not appear"
            time.sleep(0.05)
        api.ok("PUT", "/snapshot/load", {"snapshot_path": snap, "mem_file_path": snap + ".mem",
                                         "resume_vm": False})
        assert api.ok("GET", "/", status=200)["state"] == "Paused"
        restored = api.ok("GET", "/stats", status=200)
        assert restored["vcpus"] == 2, restored
        api.ok("PATCH", "/vm", {"state": "Resumed"})
        assert vm.run("cat /tmp/mark").strip() == "before-snapshot"
        assert api.ok("GET", "/machine-config", status=200)["mem_size_mib"] == 256
        vm.send("poweroff\n")
        code = vm.wait_exit(timeout=60)
        assert code == 0, f"exit code of the restored VM after poweroff: {code}"
        vm.close()

        # A complete configuration (here --restore) starts at once and still serves the API.
        vm = Vm(rvisor, ["--api-sock", sock, "--restore", snap] + engine)
        deadline = time.monotonic() + 10
        while not os.path.exists(sock):
            assert time.monotonic() < deadline, "the API socket did not appear"
            time.sleep(0.05)
        assert api.ok("GET", "/", status=200)["state"] == "Running"
        assert vm.run("cat /tmp/mark").strip() == "before-snapshot"
        vm.send("poweroff\n")
        assert vm.wait_exit(timeout=60) == 0
    except AssertionError as e:
        print(f"FAIL: {e}", file=sys.stderr)
        print("---- console log ----", file=sys.stderr)
        print(vm.log.decode(errors="replace")[-4000:], file=sys.stderr)
        return 1
    finally:
        vm.close()
        subprocess.run(["rm", "-rf", tmp])
    print("api test passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
