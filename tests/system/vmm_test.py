#!/usr/bin/env python3
"""rvisord against live VMs (the default guest, 128 MiB each), in a temporary state dir.

usage: vmm_test.py RVISORD RVISOR
Checks: create/start/ls/pause/resume/stop/delete; every 4xx path once, each followed by a
check that no state changed; the host budget; kill -9 of one VM process reported as
"crashed (signal 9)" while another keeps running; the console (upgraded stream replaying the
last output, input reaching the guest, `rvisor console`); GET /metrics; the `rvisor` client
commands and their exit codes; a daemon restart keeping definitions and re-attaching the
running VM; snapshot/restore through the daemon when rvisor run has --restore; the TCP
listener's token checks.
"""
import http.client
import json
import os
import re
import select
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

PROMPT = re.compile(rb"root@rvisor-guest:[^#\n]*# (?:\x1b\[6n)?")


class UnixHTTPConnection(http.client.HTTPConnection):
    def __init__(self, path, timeout=60):
        super().__init__("localhost", timeout=timeout)
        self.path = path

    def connect(self):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.settimeout(self.timeout)
        self.sock.connect(self.path)


class Api:
    def __init__(self, sock_path=None, tcp=None, token=None):
        self.sock_path, self.tcp, self.token = sock_path, tcp, token

    def call(self, method, path, body=None, raw=None):
        conn = (UnixHTTPConnection(self.sock_path) if self.sock_path
                else http.client.HTTPConnection(*self.tcp, timeout=60))
        headers = {}
        data = raw if raw is not None else (json.dumps(body) if body is not None else "")
        headers["Content-Type"] = "application/json"
        if self.token is not None:
            headers["Authorization"] = self.token
        conn.request(method, path, body=data, headers=headers)
        r = conn.getresponse()
        text = r.read().decode(errors="replace")
        conn.close()
        try:
            return r.status, json.loads(text) if text else None
        except json.JSONDecodeError:
            return r.status, text


def check(cond, message):
    if not cond:
        raise AssertionError(message)


def wait_for(pred, timeout, what):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        v = pred()
        if v:
            return v
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


class Daemon:
    def __init__(self, rvisord, rvisor, state, extra=()):
        self.log_path = os.path.join(os.path.dirname(state), f"rvisord-{time.monotonic_ns()}.log")
        self.log = open(self.log_path, "wb")
        self.proc = subprocess.Popen(
            [rvisord, "--state-dir", state, "--rvisor", rvisor, *extra],
            stdin=subprocess.DEVNULL, stdout=self.log, stderr=subprocess.STDOUT)
        self.sock = os.path.join(state, "rvisord.sock")

    def wait_ready(self):
        def ready():
            if self.proc.poll() is not None:
                raise AssertionError(f"rvisord exited ({self.proc.returncode}): {self.output()}")
            try:
                return Api(self.sock).call("GET", "/vms")[0] == 200
            except OSError:
                return False
        wait_for(ready, 20, "rvisord to answer")
        return self

    def output(self):
        with open(self.log_path, "rb") as f:
            return f.read().decode(errors="replace")

    def terminate(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log.close()
        return self.proc.returncode


class Console:
    """An upgraded console stream: GET /vms/NAME/console, 101, then raw bytes."""

    def __init__(self, sock_path, name):
        self.s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.s.settimeout(1)
        self.s.connect(sock_path)
        self.s.sendall(f"GET /vms/{name}/console HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\n"
                       "Upgrade: rvisor-console\r\n\r\n".encode())
        self.buf = b""
        deadline = time.monotonic() + 10
        while b"\r\n\r\n" not in self.buf and time.monotonic() < deadline:
            self._recv()
        head, _, self.buf = self.buf.partition(b"\r\n\r\n")
        check(head.startswith(b"HTTP/1.1 101"), f"console upgrade answered {head[:80]!r}")
        self.pos = 0

    def _recv(self):
        try:
            chunk = self.s.recv(65536)
        except socket.timeout:
            return True
        if not chunk:
            return False
        self.buf += chunk
        return True

    def expect(self, pattern, timeout):
        regex = re.compile(pattern)
        deadline = time.monotonic() + timeout
        while True:
            m = regex.search(self.buf, self.pos)
            if m:
                self.pos = m.end()
                return m
            if time.monotonic() > deadline or not self._recv():
                raise AssertionError(f"console: no {pattern!r}; tail:\n"
                                     + self.buf[-2000:].decode(errors="replace"))

    def send(self, text):
        self.s.sendall(text.encode())

    def close(self):
        self.s.close()


def pid_alive(pid):
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().split(") ")[1][0] != "Z"
    except (FileNotFoundError, IndexError):
        return False


def main():
    rvisord, rvisor = sys.argv[1], sys.argv[2]
    tmp = tempfile.mkdtemp(prefix="rvisor-vmm-")
    state = os.path.join(tmp, "state")
    daemons, pids = [], set()
    run_help = subprocess.run([rvisor, "run", "--help"], capture_output=True, text=True).stdout
    has_api = "--api-sock" in run_help
    try:
        d = Daemon(rvisord, rvisor, state, ["--max-memory-mib", "300"]).wait_ready()
        daemons.append(d)
        api = Api(d.sock)
        st = os.stat(d.sock)
        check(st.st_mode & 0o777 == 0o600, f"socket mode {oct(st.st_mode & 0o777)}")

        def snapshot_state():
            vms = api.call("GET", "/vms")[1]
            for v in vms:
                v.pop("uptime_ms")  # the one field that moves by itself
            return vms, sorted(os.listdir(os.path.join(state, "vms")))

        def expect_error(method, path, body, status, words, raw=None):
            before = snapshot_state()
            got, answer = api.call(method, path, body, raw)
            check(got == status, f"{method} {path}: status {got}, want {status}: {answer}")
            check(isinstance(answer, dict) and words in answer.get("error", ""),
                  f"{method} {path}: error {answer!r} lacks {words!r}")
            after = snapshot_state()
            check(before == after, f"{method} {path} changed the state:\n{before}\n{after}")

        # ---- bad input, before any VM exists and again with VMs ----
        expect_error("POST", "/vms", None, 400, "malformed JSON", raw='{"name": "a",')
        expect_error("POST", "/vms", {"name": "a", "colour": "red"}, 400, "unknown field 'colour'")
        expect_error("POST", "/vms", {"name": "a", "vcpus": "2"}, 400, "'vcpus' must be an integer")
        expect_error("POST", "/vms", {"name": "../a"}, 400, "name '../a'")
        expect_error("POST", "/vms", {"name": "a", "kernel": "/no/such/Image"}, 400,
                     "/no/such/Image does not exist")
        expect_error("POST", "/vms", {"name": "a", "memory_mib": 4096}, 422,
                     "more than the whole host budget of 300 MiB")
        expect_error("GET", "/vms/a.b", None, 400, "name 'a.b'")
        expect_error("GET", "/vms/nope", None, 404, "no VM named 'nope'")
        expect_error("POST", "/vms/nope/start", None, 404, "no VM named 'nope'")
        expect_error("GET", "/nowhere", None, 404, "no route")

        for name in ("a", "b", "c"):
            status, vm = api.call("POST", "/vms", {"name": name, "memory_mib": 128})
            check(status == 201 and vm["state"] == "defined", f"create {name}: {status} {vm}")
        expect_error("POST", "/vms", {"name": "a"}, 409, "already exists")

        status, vm = api.call("POST", "/vms/a/start")
        check(status == 200 and vm["state"] == "running" and vm["pid"], f"start a: {status} {vm}")
        pids.add(vm["pid"])
        a_pid = vm["pid"]
        expect_error("POST", "/vms/a/start", None, 409, "already running")
        status, vm = api.call("POST", "/vms/b/start")
        check(status == 200 and vm["state"] == "running", f"start b: {status} {vm}")
        pids.add(vm["pid"])
        b_pid = vm["pid"]
        expect_error("POST", "/vms/c/start", None, 409,
                     "host budget exceeded: VM 'c' needs 128 MiB and 1 vCPUs, running VMs use "
                     "256 of 300 MiB")
        expect_error("POST", "/vms/c/stop", None, 409, "not running")
        expect_error("DELETE", "/vms/a", None, 409, "stop it first")
        expect_error("POST", "/vms/a/snapshot", {"path": "relative.snap"}, 400,
                     "must be an absolute path")
        expect_error("POST", "/vms/a/snapshot", {"path": "/x", "extra": "1"}, 400,
                     "unknown field 'extra'")
        expect_error("POST", "/vms/restore", {"path": "/no/such.snap"}, 400, "does not exist")
        check(api.call("GET", "/vms/a")[1]["limits"]["mechanism"] in ("cgroup-v2", "setpriority"),
              "GET /vms/a lacks the limits mechanism")

        # ---- kill -9 of one VM process: crashed, the other keeps running ----
        time.sleep(1)
        os.kill(b_pid, signal.SIGKILL)
        vm = wait_for(lambda: (lambda v: v if v["state"] != "running" else None)(
            api.call("GET", "/vms/b")[1]), 10, "b to be reported")
        check(vm["state"] == "crashed" and vm["exit_reason"] == "crashed (signal 9)",
              f"b after kill -9: {vm}")
        check(api.call("GET", "/vms/a")[1]["state"] == "running" and pid_alive(a_pid),
              "a did not keep running")

        # ---- pause / resume through the per-VM API ----
        if has_api:
            status, vm = api.call("POST", "/vms/a/pause")
            check(status == 200 and vm["state"] == "paused", f"pause: {status} {vm}")
            expect_error("POST", "/vms/a/pause", None, 409, "not running")

            def cpu_seconds():
                with open(f"/proc/{a_pid}/stat") as f:
                    fields = f.read().rsplit(") ", 1)[1].split()
                return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
            c0 = cpu_seconds()
            time.sleep(1.0)
            used = cpu_seconds() - c0
            check(used < 0.2, f"a paused but used {used:.2f} s of CPU in 1 s")
            status, vm = api.call("POST", "/vms/a/resume")
            check(status == 200 and vm["state"] == "running", f"resume: {status} {vm}")
        else:
            print("SKIP pause/resume: rvisor run has no --api-sock")
            expect_error("POST", "/vms/a/pause", None, 501, "no per-VM API")
        expect_error("POST", "/vms/a/resume", None, 409, "not paused")

        # ---- metrics ----
        status, text = api.call("GET", "/metrics")
        check(status == 200, f"metrics: {status}")
        for line in ('rvisor_vm_state{vm="a",state="running"} 1',
                     'rvisor_vm_state{vm="b",state="crashed"} 1',
                     'rvisor_vm_state{vm="c",state="defined"} 1'):
            check(line in text, f"metrics lack {line!r}")
        rss = re.search(r'^rvisor_vm_memory_bytes\{vm="a"\} (\d+)$', text, re.M)
        check(rss and int(rss.group(1)) > 1 << 20, "metrics: no plausible RSS for a")
        check(re.search(r'^rvisor_vm_vcpu_seconds_total\{vm="a"\} [0-9.]+$', text, re.M),
              "metrics: no vcpu seconds for a")
        if has_api:
            # From a's own GET /stats: guest RAM in use, between 1 MiB and its 128 MiB.
            touched = re.search(r'^rvisor_vm_memory_touched_bytes\{vm="a"\} (\d+)$', text, re.M)
            check(touched and 1 << 20 < int(touched.group(1)) <= 128 << 20,
                  "metrics: no plausible touched memory for a")
            check(re.search(r'^rvisor_vm_disk_read_bytes_total\{vm="a"\} 0$', text, re.M),
                  "metrics: a has no disk, yet read bytes are not 0")

        # ---- delete ----
        status, _ = api.call("DELETE", "/vms/b")
        check(status == 204, f"delete b: {status}")
        check(not os.path.exists(os.path.join(state, "vms", "b")), "b's folder is still there")
        expect_error("GET", "/vms/b", None, 404, "no VM named 'b'")

        # ---- console: replay, then input to the guest ----
        wait_for(lambda: "Linux version" in (api.call("GET", "/vms/a/console")[1] or ""), 60,
                 "a's kernel banner in the console buffer")
        con = Console(d.sock, "a")
        con.expect(rb"Linux version", 5)  # replayed: it was printed before we attached
        con.expect(rb"rvisor-guest: ready", 150)
        con.expect(PROMPT, 30)
        con.send("echo hel''lo-$((6*7))\n")
        con.expect(rb"hello-42", 30)
        con.expect(PROMPT, 10)
        con.close()
        r = subprocess.run([rvisor, "console", "a", "--socket", d.sock], stdin=subprocess.DEVNULL,
                           capture_output=True, timeout=30)
        check(r.returncode == 0 and b"hello-42" in r.stdout,
              f"rvisor console: {r.returncode} {r.stderr!r} {r.stdout[-300:]!r}")

        # ---- the client commands ----
        def cli(*args):
            return subprocess.run([rvisor, *args, "--socket", d.sock], capture_output=True,
                                  text=True, timeout=60)
        r = cli("ls")
        check(r.returncode == 0 and re.search(r"^a\s+running\s+1\s+128M\s+\d+", r.stdout, re.M),
              f"rvisor ls: {r.returncode} {r.stdout!r} {r.stderr!r}")
        r = cli("ls", "--json")
        check(r.returncode == 0 and {v["name"] for v in json.loads(r.stdout)} == {"a", "c"},
              f"rvisor ls --json: {r.stdout!r}")
        r = cli("start", "nope")
        check(r.returncode == 2 and r.stderr.count("\n") == 1 and "no VM named 'nope'" in r.stderr,
              f"rvisor start nope: {r.returncode} {r.stderr!r}")
        r = cli("start", "a")
        check(r.returncode == 1 and "already running" in r.stderr,
              f"rvisor start a: {r.returncode} {r.stderr!r}")
        bad = os.path.join(tmp, "bad.json")
        with open(bad, "w") as f:
            f.write('{"name": "d", "vcpus": 0}')
        r = cli("create", "-f", bad)
        check(r.returncode == 2 and "'vcpus' must be an integer" in r.stderr,
              f"rvisor create bad: {r.returncode} {r.stderr!r}")
        good = os.path.join(tmp, "d.json")
        with open(good, "w") as f:
            f.write('{"name": "d", "memory_mib": 64}')
        r = cli("create", "-f", good)
        check(r.returncode == 0 and re.search(r"^d\s+defined", r.stdout, re.M),
              f"rvisor create: {r.returncode} {r.stdout!r} {r.stderr!r}")
        r = cli("rm", "d")
        check(r.returncode == 0 and api.call("GET", "/vms/d")[0] == 404, f"rvisor rm: {r.stderr!r}")
        r = cli("stats", "a", "--json")
        check(r.returncode == 0 and json.loads(r.stdout)["rss_bytes"] > 0, f"rvisor stats: {r.stdout!r}")
        if has_api:
            r = cli("stats", "a")
            check(r.returncode == 0 and re.search(r"^vm\.memory_touched_bytes:\s+[1-9]\d*$",
                                                  r.stdout, re.M),
                  f"rvisor stats table: {r.stdout!r}")
        r = subprocess.run([rvisor, "ls", "--socket", os.path.join(tmp, "none.sock")],
                           capture_output=True, text=True)
        check(r.returncode == 1 and "cannot reach rvisord" in r.stderr, f"no daemon: {r.stderr!r}")

        # ---- daemon restart: definitions kept, the running VM re-attached ----
        check(d.terminate() == 0, f"rvisord did not exit cleanly: {d.output()}")
        check(pid_alive(a_pid), "a died with the daemon")
        d = Daemon(rvisord, rvisor, state, ["--max-memory-mib", "300"]).wait_ready()
        daemons.append(d)
        vms = {v["name"]: v for v in api.call("GET", "/vms")[1]}
        check(set(vms) == {"a", "c"}, f"after restart: {sorted(vms)}")
        check(vms["a"]["state"] == "running" and vms["a"]["pid"] == a_pid,
              f"a not re-attached: {vms['a']}")
        check(vms["c"]["state"] == "defined", f"c after restart: {vms['c']}")
        check("re-attached to VM 'a'" in d.output(), "no re-attach line in the log")
        con = Console(d.sock, "a")
        time.sleep(0.5)
        con.send("echo aga''in-$((7*6))\n")
        con.expect(rb"again-42", 30)
        con.close()

        # ---- snapshot and restore through the daemon ----
        if has_api:
            snap = os.path.join(tmp, "a.snap")
            status, r = api.call("POST", "/vms/a/snapshot", {"path": snap})
            check(status == 200 and os.path.exists(snap) and os.path.exists(snap + ".vm.json"),
                  f"snapshot: {status} {r}")
            check(api.call("GET", "/vms/a")[1]["state"] == "running", "a not resumed after snapshot")
            # A truncated snapshot: 422 naming the problem, and no VM left behind.
            bad_snap = os.path.join(tmp, "bad.snap")
            with open(snap, "rb") as f, open(bad_snap, "wb") as g:
                g.write(f.read(4096))
            shutil.copy(snap + ".vm.json", bad_snap + ".vm.json")
            expect_error("POST", "/vms/restore", {"path": bad_snap, "name": "a3"}, 422,
                         "cannot restore " + bad_snap)
            status, vm = api.call("POST", "/vms/restore", {"path": snap, "name": "a2"})
            check(status == 201 and vm["state"] == "running", f"restore: {status} {vm}")
            pids.add(vm["pid"])
            con = Console(d.sock, "a2")
            con.send("\necho resto''red-$((5*5))\n")
            con.expect(rb"restored-25", 60)
            con.close()
            # stop: a child of this daemon, SIGTERM, "stopped by request"
            a2_pid = vm["pid"]
            status, vm = api.call("POST", "/vms/a2/stop")
            check(status == 200 and vm["state"] == "stopped"
                  and vm["exit_reason"] == "stopped by request", f"stop a2: {status} {vm}")
            check(not pid_alive(a2_pid), "a2's process still runs after stop")
            status, _ = api.call("DELETE", "/vms/a2")
            check(status == 204, f"delete a2: {status}")
        else:
            print("SKIP snapshot/restore and stop: rvisor run has no --api-sock")

        # ---- `rvisor console` on a terminal: raw mode, Ctrl-] detaches ----
        import pty
        pid, fd = pty.fork()
        if pid == 0:
            os.execv(rvisor, [rvisor, "console", "a", "--socket", d.sock])
        out = b""
        deadline = time.monotonic() + 20

        def read_until(word):
            nonlocal out
            while word not in out and time.monotonic() < deadline:
                if select.select([fd], [], [], 0.2)[0]:
                    out += os.read(fd, 4096)
        read_until(b"Ctrl-] detaches")
        os.write(fd, b"echo tt''y-$((3*3))\n")
        read_until(b"tty-9")
        os.write(fd, b"\x1d")
        _, status = os.waitpid(pid, 0)
        check(b"tty-9" in out and os.waitstatus_to_exitcode(status) == 0,
              f"rvisor console on a tty: {status} {out[-300:]!r}")
        os.close(fd)

        # ---- poweroff of the re-attached VM: its exit-status file says how it ended ----
        con = Console(d.sock, "a")
        con.send("poweroff\n")
        vm = wait_for(lambda: (lambda v: v if v["state"] != "running" else None)(
            api.call("GET", "/vms/a")[1]), 60, "a to power off")
        check(vm["state"] == "stopped" and vm["exit_reason"] == "poweroff" and vm["exit_code"] == 0,
              f"a after poweroff: {vm}")
        con.close()
        check(not pid_alive(a_pid), "a's process still runs after poweroff")
        status, _ = api.call("DELETE", "/vms/a")
        check(status == 204, f"delete a: {status}")

        # ---- the TCP listener and its token ----
        tcp_state = os.path.join(tmp, "tcp-state")
        token_file = os.path.join(tmp, "token")
        with open(token_file, "w") as f:
            f.write("s3cret-token\n")
        os.chmod(token_file, 0o644)
        s = socket.socket()
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
        s.close()
        r = subprocess.run([rvisord, "--state-dir", tcp_state, "--rvisor", rvisor,
                            "--listen", f"127.0.0.1:{port}", "--token-file", token_file],
                           capture_output=True, text=True, timeout=20)
        check(r.returncode == 2 and "mode 0644" in r.stderr, f"token 0644: {r.returncode} {r.stderr!r}")
        os.chmod(token_file, 0o600)
        r = subprocess.run([rvisord, "--state-dir", tcp_state, "--rvisor", rvisor,
                            "--listen", f"0.0.0.0:{port}", "--token-file", token_file],
                           capture_output=True, text=True, timeout=20)
        check(r.returncode == 2 and "loopback" in r.stderr, f"0.0.0.0: {r.returncode} {r.stderr!r}")
        t = Daemon(rvisord, rvisor, tcp_state,
                   ["--listen", f"127.0.0.1:{port}", "--token-file", token_file]).wait_ready()
        daemons.append(t)
        for token in (None, "Bearer wrong", "s3cret-token"):
            status, answer = Api(tcp=("127.0.0.1", port), token=token).call("GET", "/vms")
            check(status == 401 and "bearer token" in answer["error"], f"token {token!r}: {status}")
        status, answer = Api(tcp=("127.0.0.1", port), token="Bearer s3cret-token").call("GET", "/vms")
        check(status == 200 and answer == [], f"good token: {status} {answer}")
    except AssertionError as e:
        print(f"FAIL: {e}", file=sys.stderr)
        for dm in daemons:
            print(f"---- {dm.log_path} ----\n{dm.output()[-3000:]}", file=sys.stderr)
        return 1
    finally:
        for dm in daemons:
            dm.terminate()
        for pid in pids:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        shutil.rmtree(tmp, ignore_errors=True)
    print("vmm test passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
