#!/usr/bin/env python3
"""The driver of bench/density.sh (run that, not this): talks to an rvisord that density.sh
started, and prints the figures.

usage: density.py STATE_DIR RVISOR GUEST_DIR TMP VM_MIB MAX_VMS BUDGET_MIB RUNS TIMEOUT QEMU_VMS

Every process it starts (or that the daemon starts for it) has its pid appended to TMP/pids
and its working directory under TMP, so density.sh's trap can end them all by id.
"""
import http.client
import json
import os
import re
import selectors
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time

MARKER = b"rvisor-guest: ready"
PROMPT = re.compile(rb"root@rvisor-guest:[^#\n]*# ")
FW = "/usr/lib/riscv64-linux-gnu/opensbi/generic/fw_dynamic.bin"


class UnixHTTPConnection(http.client.HTTPConnection):
    def __init__(self, path, timeout):
        super().__init__("localhost", timeout=timeout)
        self.unix_path = path

    def connect(self):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.settimeout(self.timeout)
        self.sock.connect(self.unix_path)


def call(sock, method, path, body=None, timeout=180):
    conn = UnixHTTPConnection(sock, timeout)
    try:
        data = json.dumps(body) if body is not None else ""
        conn.request(method, path, body=data, headers={"Content-Type": "application/json"})
        r = conn.getresponse()
        text = r.read().decode(errors="replace")
    finally:
        conn.close()
    try:
        return r.status, json.loads(text) if text else None
    except json.JSONDecodeError:
        return r.status, text


class Failure(Exception):
    pass


def need(status, answer, want, what):
    if status != want:
        raise Failure(f"{what}: HTTP {status}: {answer}")
    return answer


def open_console(daemon_sock, name, timeout):
    """Opens VM `name`'s console through rvisord (an upgraded HTTP stream): returns the
    socket and the console bytes that came with the 101 answer."""
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(timeout)
    s.connect(daemon_sock)
    s.sendall(f"GET /vms/{name}/console HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\n"
              "Upgrade: rvisor-console\r\n\r\n".encode())
    buf = b""
    while b"\r\n\r\n" not in buf:
        chunk = s.recv(65536)
        if not chunk:
            raise Failure(f"console of {name}: the daemon closed the stream")
        buf += chunk
    head, _, rest = buf.partition(b"\r\n\r\n")
    if not head.startswith(b"HTTP/1.1 101"):
        raise Failure(f"console of {name}: {head[:80]!r}")
    return s, rest


class Consoles:
    """Upgraded console streams of the daemon's VMs, read by one thread that timestamps the
    first "rvisor-guest: ready" of each (the daemon replays the last 64 KiB on attach, so
    nothing printed before the attach is missed)."""

    def __init__(self, daemon_sock):
        self.daemon_sock = daemon_sock
        self.sel = selectors.DefaultSelector()
        self.lock = threading.Lock()
        self.ready_at = {}  # name -> monotonic time of the marker
        self.tail = {}  # name -> last bytes seen
        self.stop = False
        self.thread = threading.Thread(target=self._loop, daemon=True)
        self.thread.start()

    def attach(self, name):
        s, rest = open_console(self.daemon_sock, name, 10)
        s.setblocking(False)
        with self.lock:
            self.tail[name] = b""
            self.sel.register(s, selectors.EVENT_READ, name)
            self._feed(name, rest)
        return s

    def _feed(self, name, chunk):
        buf = self.tail[name] + chunk
        if name not in self.ready_at and MARKER in buf:
            self.ready_at[name] = time.monotonic()
        self.tail[name] = buf[-4096:]

    def _loop(self):
        while not self.stop:
            with self.lock:
                have = bool(self.sel.get_map())
            if not have:
                time.sleep(0.01)
                continue
            for key, _ in self.sel.select(0.05):
                try:
                    chunk = key.fileobj.recv(65536)
                except (BlockingIOError, InterruptedError):
                    continue
                except OSError:
                    chunk = b""
                with self.lock:
                    if chunk:
                        self._feed(key.data, chunk)
                    else:
                        self.sel.unregister(key.fileobj)
                        key.fileobj.close()

    def detach_all(self):
        with self.lock:
            for key in list(self.sel.get_map().values()):
                self.sel.unregister(key.fileobj)
                key.fileobj.close()


def wait_api(sock, deadline):
    """Polls a per-VM API socket until GET / answers 200; returns the monotonic time."""
    while time.monotonic() < deadline:
        try:
            if call(sock, "GET", "/", timeout=5)[0] == 200:
                return time.monotonic()
        except (OSError, http.client.HTTPException):
            pass
        time.sleep(0.002)
    raise Failure(f"{sock}: the per-VM API did not answer")


def smaps_memory(pid, ram_bytes):
    """(rss, pss, guest_rss) in bytes from /proc/PID/smaps. The guest RAM mapping is the one
    rvisor maps with MAP_NORESERVE ("nr" in VmFlags) whose size is the guest's RAM size."""
    rss = pss = 0
    cands, vmas = [], []
    cur = None
    with open(f"/proc/{pid}/smaps") as f:
        for line in f:
            if re.match(r"^[0-9a-f]+-[0-9a-f]+ ", line):
                cur = {"head": line.split(), "size": 0, "rss": 0}
                vmas.append(cur)
                continue
            key, _, rest = line.partition(":")
            if key == "Size":
                cur["size"] = int(rest.split()[0]) * 1024
            elif key == "Rss":
                cur["rss"] = int(rest.split()[0]) * 1024
                rss += cur["rss"]
            elif key == "Pss":
                pss += int(rest.split()[0]) * 1024
            elif key == "VmFlags":
                flags = rest.split()
                # The kernel may merge it with a neighbouring glibc arena heap (also
                # MAP_NORESERVE, rw): then it is a little larger, and the excess is bounded.
                anon = len(cur["head"]) < 6
                if ("nr" in flags and anon and cur["head"][1].startswith("rw")
                        and ram_bytes <= cur["size"] <= ram_bytes + (64 << 20)):
                    cands.append(cur)
    if len(cands) > 1:
        exact = [v for v in cands if v["size"] == ram_bytes]
        cands = exact if len(exact) == 1 else cands
    if len(cands) != 1:
        nr = [" ".join(v["head"][:2]) + f" {v['size'] >> 10} kB rss {v['rss'] >> 10} kB"
              for v in vmas if v["size"] >= 8 << 20]
        raise Failure(f"pid {pid}: {len(cands)} mappings look like the guest RAM "
                      f"({ram_bytes >> 20} MiB, MAP_NORESERVE); the large ones: {nr}")
    # Where the rest lives: by kind of mapping, for the report's breakdown.
    kinds = {}
    for v in vmas:
        if v is cands[0]:
            continue
        path = v["head"][5] if len(v["head"]) > 5 else ""
        kind = ("heap" if path == "[heap]" else "stacks" if path.startswith("[stack")
                else "files (binary, libraries)" if path.startswith("/")
                else "anonymous rwx (JIT)" if v["head"][1].startswith("rwx")
                else "anonymous (malloc arenas, mmaps)")
        kinds[kind] = kinds.get(kind, 0) + v["rss"]
    return rss, pss, min(cands[0]["rss"], ram_bytes), kinds, cands[0]["size"] - ram_bytes


def qemu_ram_rss(pid, ram_bytes):
    """QEMU's guest RAM: the anonymous rw mapping of the RAM size (plus at most 2 MiB of
    alignment)."""
    rss = 0
    cands = []
    cur = None
    with open(f"/proc/{pid}/smaps") as f:
        for line in f:
            if re.match(r"^[0-9a-f]+-[0-9a-f]+ ", line):
                head = line.split()
                cur = {"anon": len(head) < 6 or head[5].startswith("["), "rw": head[1][:2] == "rw"}
                continue
            key, _, rest = line.partition(":")
            if key == "Size":
                cur["size"] = int(rest.split()[0]) * 1024
            elif key == "Rss":
                cur["rss"] = int(rest.split()[0]) * 1024
                rss += cur["rss"]
                if cur["anon"] and cur["rw"] and ram_bytes <= cur["size"] <= ram_bytes + (2 << 20):
                    cands.append(cur)
    return rss, (cands[0]["rss"] if len(cands) == 1 else None)


def mib(n):
    return n / (1 << 20)


def stats_line(values, unit="ms"):
    """Best, median and worst of durations in seconds, in ms or in s (one decimal)."""
    v = sorted(values)
    f = (lambda x: f"{x * 1000:.0f} ms") if unit == "ms" else (lambda x: f"{x:.1f} s")
    return (f"best {f(v[0])}, median {f(statistics.median(v))}, worst {f(v[-1])} "
            f"(n={len(v)})")


class Bench:
    def __init__(self, argv):
        (self.state, self.rvisor, self.guest, self.tmp, vm_mib, max_vms, budget, runs, timeout,
         qemu_vms) = argv
        self.vm_mib, self.max_vms, self.budget = int(vm_mib), int(max_vms), int(budget)
        self.runs, self.timeout, self.qemu_vms = int(runs), float(timeout), int(qemu_vms)
        self.sock = os.path.join(self.state, "rvisord.sock")
        # VM names carry the temp folder's suffix: cgroups (rvisor-vms/vm-NAME) are host-wide.
        self.prefix = "d" + os.path.basename(self.tmp).rsplit(".", 1)[-1][:8] + "-"
        self.pids_file = os.path.join(self.tmp, "pids")
        self.consoles = Consoles(self.sock)
        self.children = []

    def note_pid(self, pid):
        with open(self.pids_file, "a") as f:
            f.write(f"{pid}\n")

    def api(self, method, path, body=None):
        return call(self.sock, method, path, body)

    def vm_sock(self, name):
        return os.path.join(self.state, "vms", name, "api.sock")

    def delete(self, name):
        status, answer = self.api("DELETE", f"/vms/{name}?force=true")
        need(status, answer, 204, f"DELETE {name}")

    # ---- density: as many idle VMs as the budget admits ----
    def density(self):
        started = []  # (name, pid, t0, t_post, t_api)
        refusal = None
        t_first = time.monotonic()
        i = 0
        while True:
            i += 1
            if self.max_vms and i > self.max_vms:
                break
            name = f"{self.prefix}{i:02d}"
            status, answer = self.api("POST", "/vms", {"name": name, "memory_mib": self.vm_mib,
                                                       "vcpus": 1})
            if status == 422:
                refusal = answer.get("error", answer)
                break
            need(status, answer, 201, f"create {name}")
            t0 = time.monotonic()
            status, answer = self.api("POST", f"/vms/{name}/start")
            t_post = time.monotonic()
            if status == 409 and "budget" in str(answer):
                refusal = answer.get("error", answer)
                self.delete(name)
                break
            need(status, answer, 200, f"start {name}")
            self.note_pid(answer["pid"])
            t_api = wait_api(self.vm_sock(name), t0 + 30)
            self.consoles.attach(name)
            started.append((name, answer["pid"], t0, t_post, t_api))
        n = len(started)
        if refusal is None and self.budget // self.vm_mib <= n:
            # Stopped at the cap exactly where the budget ends: show the daemon's refusal.
            name = f"{self.prefix}{n + 1:02d}"
            need(*self.api("POST", "/vms", {"name": name, "memory_mib": self.vm_mib,
                                            "vcpus": 1}), 201, f"create {name}")
            status, answer = self.api("POST", f"/vms/{name}/start")
            if status != 409 or "budget" not in str(answer):
                raise Failure(f"start {name} beyond the budget: HTTP {status}: {answer}")
            refusal = answer["error"]
            self.delete(name)
        if n == 0:
            raise Failure(f"no VM started: {refusal}")
        t_last_api = max(s[4] for s in started)

        deadline = time.monotonic() + self.timeout
        while time.monotonic() < deadline:
            with self.consoles.lock:
                missing = [s[0] for s in started if s[0] not in self.consoles.ready_at]
            if not missing:
                break
            for name, pid, *_ in started:
                if not os.path.exists(f"/proc/{pid}"):
                    raise Failure(f"{name} (pid {pid}) ended before its guest was ready: "
                                  f"{self.api('GET', f'/vms/{name}')[1]}")
            time.sleep(0.1)
        else:
            raise Failure(f"not ready after {self.timeout:.0f} s: {', '.join(missing)}")
        ready = dict(self.consoles.ready_at)
        t_last_ready = max(ready[s[0]] for s in started)

        print(f"VMs started: {n} x {self.vm_mib} MiB, 1 vCPU"
              + (f" (stopped at the --max-vms cap of {self.max_vms}; the budget admits "
                 f"{self.budget // self.vm_mib})" if refusal is None else ""))
        if refusal is not None:
            print(f"  VM {n + 1} refused by rvisord: {refusal}")
        print(f"VMM starts (POST /vms/NAME/start, back to back, to the per-VM API answering "
              f"GET /): {n / (t_last_api - t_first):.2f} per second "
              f"({n} in {t_last_api - t_first:.2f} s)")
        print(f"  per VM, start request to API answering: "
              f"{stats_line([s[4] - s[2] for s in started])}")
        print(f"Guests ready (\"rvisor-guest: ready\" on the console, all booting at once on "
              f"{os.cpu_count()} host cores): {n / (t_last_ready - t_first):.3f} per second "
              f"({n} in {t_last_ready - t_first:.1f} s)")
        print(f"  per VM, start request to guest ready: "
              f"{stats_line([ready[s[0]] - s[2] for s in started], 's')}")

        time.sleep(3)  # let the idle guests settle
        ram = self.vm_mib << 20
        mem = [smaps_memory(pid, ram) for _, pid, *_ in started]
        over_rss = [m[0] - m[2] for m in mem]
        over_pss = [m[1] - m[2] for m in mem]
        touched = [m[2] for m in mem]
        merged = [m[4] for m in mem if m[4]]
        print(f"Host memory per idle VM, from /proc/PID/smaps (the guest RAM is the "
              f"{self.vm_mib} MiB MAP_NORESERVE mapping; GET /stats reports no touched memory):")
        if merged:
            print(f"  ({len(merged)} of {n} VMs: the kernel merged the guest RAM mapping with a "
                  f"neighbouring mapping of at most {max(merged) >> 10} KiB, counted as guest)")
        print(f"  guest RAM touched: median {mib(statistics.median(touched)):.1f} MiB "
              f"(min {mib(min(touched)):.1f}, max {mib(max(touched)):.1f})")
        print(f"  overhead beyond it, RSS: median {mib(statistics.median(over_rss)):.1f} MiB "
              f"(min {mib(min(over_rss)):.1f}, max {mib(max(over_rss)):.1f}); PSS (shared "
              f"library pages split among the VMs): median "
              f"{mib(statistics.median(over_pss)):.1f} MiB")
        print(f"  total RSS: median {mib(statistics.median(m[0] for m in mem)):.1f} MiB per VM")
        kinds = sorted(mem[0][3].items(), key=lambda kv: -kv[1])
        print(f"  the overhead of {started[0][0]} by mapping: "
              + ", ".join(f"{k} {mib(v):.1f} MiB" for k, v in kinds if v >= 1 << 20))
        return started

    # ---- snapshot restore ----
    def boot_one(self, name, memory_mib):
        need(*self.api("POST", "/vms", {"name": name, "memory_mib": memory_mib, "vcpus": 1}),
             201, f"create {name}")
        t0 = time.monotonic()
        status, answer = self.api("POST", f"/vms/{name}/start")
        need(status, answer, 200, f"start {name}")
        self.note_pid(answer["pid"])
        self.consoles.attach(name)
        while name not in self.consoles.ready_at:
            if time.monotonic() - t0 > self.timeout:
                raise Failure(f"{name}: not ready after {self.timeout:.0f} s")
            time.sleep(0.05)

    def snapshot(self, name, path):
        time.sleep(2)  # the guest's init settles at its shell
        t0 = time.monotonic()
        need(*self.api("POST", f"/vms/{name}/snapshot", {"path": path}), 200, f"snapshot {name}")
        took = time.monotonic() - t0
        st = os.stat(path)
        return (f"snapshot of the running {name}: {took * 1000:.0f} ms, file "
                f"{mib(st.st_size):.1f} MiB ({mib(st.st_blocks * 512):.1f} MiB allocated)")

    def check_alive(self, name):
        """The restored guest answers at its shell: returns seconds from now to the answer."""
        s, buf = open_console(self.sock, name, 30)
        t0 = time.monotonic()
        s.sendall(b"echo dens''ity-$((6*7))\n")
        while b"density-42" not in buf:
            chunk = s.recv(65536)
            if not chunk:
                raise Failure(f"{name}: console closed before the guest answered")
            buf += chunk
        s.close()
        return time.monotonic() - t0

    def restore_daemon(self, path, tag):
        times, answer_s = [], None
        for r in range(1, self.runs + 1):
            name = f"{self.prefix}{tag}-{r}"
            t0 = time.monotonic()
            status, answer = self.api("POST", "/vms/restore", {"path": path, "name": name})
            took = time.monotonic() - t0
            need(status, answer, 201, f"restore {path} as {name}")
            self.note_pid(answer["pid"])
            if answer["state"] != "running":
                raise Failure(f"restored {name} is {answer['state']}")
            times.append(took)
            if r == 1:
                answer_s = self.check_alive(name)
            self.delete(name)
        return times, answer_s

    def restore_direct(self, path):
        """Firecracker's flow without the daemon: `rvisor run --api-sock` in a fresh process,
        then PUT /snapshot/load with resume_vm. Returns (process start to API, load) lists."""
        starts, loads = [], []
        for r in range(1, self.runs + 1):
            wd = os.path.join(self.tmp, f"direct-{r}")
            os.makedirs(wd, exist_ok=True)
            sock = os.path.join(wd, "api.sock")
            t0 = time.monotonic()
            p = subprocess.Popen([self.rvisor, "run", "--api-sock", "api.sock", "--console",
                                  "file:console.log"], cwd=wd, stdin=subprocess.DEVNULL,
                                 stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                 start_new_session=True)
            self.note_pid(p.pid)
            self.children.append(p)
            try:
                t_api = wait_api(sock, t0 + 30)
                status, answer = call(sock, "PUT", "/snapshot/load",
                                      {"snapshot_path": path, "resume_vm": True})
                t_loaded = time.monotonic()
                need(status, answer, 204, f"PUT /snapshot/load {path}")
                status, info = call(sock, "GET", "/")
                if status != 200 or info.get("state") != "Running":
                    raise Failure(f"after PUT /snapshot/load: {status} {info}")
                starts.append(t_api - t0)
                loads.append(t_loaded - t_api)
            finally:
                p.kill()
                p.wait()
        return starts, loads

    def restores(self, started):
        print(f"Snapshot restore (restore-to-running; {self.runs} runs each):")
        sizes = [(self.vm_mib, f"r{self.vm_mib}")]
        if 1024 != self.vm_mib:
            sizes.append((1024, "r1024"))
        first = started[0][0] if started else None
        for memory_mib, tag in sizes:
            path = os.path.join(self.tmp, f"{tag}.snap")
            if memory_mib == self.vm_mib and first:
                source = first
            else:
                if memory_mib > self.budget:
                    print(f"  {memory_mib} MiB: skipped, more than the --budget-mib of "
                          f"{self.budget}")
                    continue
                source = f"{self.prefix}{tag}"
                self.boot_one(source, memory_mib)
            print(f"  {memory_mib} MiB guest RAM: {self.snapshot(source, path)}")
            if memory_mib == self.vm_mib:
                # The density VMs are done: free the host for the timings.
                for name, *_ in started:
                    self.delete(name)
                self.consoles.detach_all()
            else:
                self.delete(source)
            times, answer_s = self.restore_daemon(path, tag)
            print(f"    rvisord POST /vms/restore (new process, PUT /snapshot/load, running): "
                  f"{stats_line(times)}; the first restored guest answered an echo "
                  f"{answer_s * 1000:.0f} ms later")
            starts, loads = self.restore_direct(path)
            print(f"    rvisor run --api-sock + PUT /snapshot/load: process start to API "
                  f"{stats_line(starts)}; load to running {stats_line(loads)}")

    # ---- QEMU: RSS of idle VMs of the same guest ----
    def qemu(self):
        exe = "/usr/bin/qemu-system-riscv64"
        if self.qemu_vms == 0:
            print("QEMU: skipped (--qemu-vms 0)")
            return
        if not os.access(exe, os.X_OK):
            print("QEMU: not installed (apt-get install qemu-system-misc opensbi) - no comparison")
            return
        version = subprocess.run([exe, "--version"], capture_output=True,
                                 text=True).stdout.splitlines()[0]
        procs = []
        try:
            for i in range(self.qemu_vms):
                wd = os.path.join(self.tmp, f"qemu-{i}")
                os.makedirs(wd, exist_ok=True)
                p = subprocess.Popen(
                    [exe, "-M", "virt", "-m", f"{self.vm_mib}M", "-smp", "1", "-nographic",
                     "-bios", FW if os.path.exists(FW) else "default",
                     "-kernel", os.path.join(self.guest, "Image"),
                     "-initrd", os.path.join(self.guest, "initramfs.cpio.gz"),
                     "-append", "console=ttyS0"],
                    cwd=wd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                    stderr=subprocess.STDOUT, start_new_session=True)
                self.note_pid(p.pid)
                procs.append(p)
            for p in procs:
                buf, t0 = b"", time.monotonic()
                os.set_blocking(p.stdout.fileno(), False)
                while MARKER not in buf:
                    if time.monotonic() - t0 > self.timeout or p.poll() is not None:
                        raise Failure(f"QEMU pid {p.pid}: no ready marker "
                                      f"({buf[-300:].decode(errors='replace')})")
                    try:
                        chunk = os.read(p.stdout.fileno(), 65536)
                    except BlockingIOError:
                        time.sleep(0.01)
                        continue
                    buf = buf[-4096:] + chunk
            time.sleep(3)
            mem = [qemu_ram_rss(p.pid, self.vm_mib << 20) for p in procs]
            total = [m[0] for m in mem]
            line = (f"QEMU ({version}, TCG, same guest and cmdline, {len(procs)} idle VMs): RSS "
                    f"median {mib(statistics.median(total)):.1f} MiB per VM")
            if all(m[1] is not None for m in mem):
                over = [m[0] - m[1] for m in mem]
                line += (f"; guest RAM touched {mib(statistics.median(m[1] for m in mem)):.1f} "
                         f"MiB, overhead beyond it {mib(statistics.median(over)):.1f} MiB")
            print(line)
        finally:
            for p in procs:
                p.kill()
                p.wait()

    def run(self):
        try:
            started = self.density()
            self.restores(started)
            self.qemu()
        finally:
            self.consoles.stop = True
            for p in self.children:
                if p.poll() is None:
                    p.kill()
                    p.wait()


def main():
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    try:
        Bench(sys.argv[1:]).run()
    except Failure as e:
        print(f"density: {e}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    return 0


if __name__ == "__main__":
    sys.exit(main())
