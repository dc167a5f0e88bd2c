#!/usr/bin/env python3
"""The socket console (`rvisor run --console socket:PATH`), as rvisord uses it.

usage: console_socket_test.py RVISOR
The VM boots with nobody connected; a client that connects after the guest is up still gets
the boot log from the start (OpenSBI's banner, the kernel's first line, the init's ready
line: the console keeps up to 64 KiB for its first client), then drives the shell over the
socket; `poweroff` ends rvisor with exit code 0 and removes the socket file.
"""
import os
import re
import socket
import subprocess
import sys
import tempfile
import time


def main():
    rvisor = sys.argv[1]
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "console.sock")
        log = open(os.path.join(tmp, "stderr"), "wb")
        p = subprocess.Popen([rvisor, "run", "--timeout", "300", "--console", f"socket:{path}"],
                             stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT)
        try:
            for _ in range(100):
                if os.path.exists(path):
                    break
                time.sleep(0.05)
            # Let the guest boot unobserved: everything up to here must be kept.
            time.sleep(20)
            s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            s.connect(path)
            s.settimeout(1)
            buf = b""
            deadline = time.monotonic() + 120
            prompt = re.compile(rb"root@rvisor-guest:[^#\n]*# ")
            while not prompt.search(buf) and time.monotonic() < deadline:
                try:
                    buf += s.recv(65536)
                except socket.timeout:
                    s.sendall(b"\n")
            text = buf.decode(errors="replace")
            assert text.lstrip().startswith("OpenSBI"), f"backlog does not start at OpenSBI: {text[:200]!r}"
            assert "Linux version" in text, "the kernel's first line is missing from the backlog"
            assert "rvisor-guest: ready" in text, "the init's ready line is missing"
            assert prompt.search(buf), f"no shell prompt over the socket: {text[-500:]!r}"
            s.sendall(b"echo sock$((6*7))ok\n")
            buf = b""
            while b"sock42ok" not in buf and time.monotonic() < deadline:
                try:
                    buf += s.recv(65536)
                except socket.timeout:
                    pass
            assert b"sock42ok" in buf, f"command output missing: {buf[-300:]!r}"
            s.sendall(b"poweroff\n")
            code = p.wait(timeout=60)
            assert code == 0, f"rvisor exit code {code}"
            assert not os.path.exists(path), "the socket file was left behind"
        except AssertionError as e:
            print(f"FAIL: {e}", file=sys.stderr)
            return 1
        finally:
            if p.poll() is None:
                p.kill()
                p.wait()
    print("console socket test passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
