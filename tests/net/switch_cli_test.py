#!/usr/bin/env python3
"""`rvisor switch`: the foreground server, its signals and idle exit, one server per name,
and --detach (the start-on-demand `rvisor run` uses) racing with itself.

Usage: switch_cli_test.py RVISOR"""
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

RVISOR = sys.argv[1]
FAILS = []
CHECKS = [0]


def check(cond, what):
    CHECKS[0] += 1
    print(("ok   " if cond else "FAIL ") + what)
    if not cond:
        FAILS.append(what)


def answers(path):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    try:
        s.connect(path)
        return True
    except OSError:
        return False
    finally:
        s.close()


def servers(name):
    """pids of processes running `rvisor switch NAME ...`"""
    pids = []
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            with open(f"/proc/{pid}/cmdline", "rb") as f:
                argv = f.read().split(b"\0")
        except OSError:
            continue
        if argv[1:3] == [b"switch", name.encode()]:
            pids.append(int(pid))
    return pids


def wait_until(cond, timeout):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if cond():
            return True
        time.sleep(0.02)
    return cond()


def main():
    run_dir = tempfile.mkdtemp(prefix="rvisor-switch-cli-")
    env = dict(os.environ, RVISOR_RUN_DIR=run_dir)
    sock = lambda name: os.path.join(run_dir, f"switch-{name}.sock")

    # Bad name: exit 2, one line.
    p = subprocess.run([RVISOR, "switch", "no/slash"], env=env, capture_output=True, text=True)
    check(p.returncode == 2, f"bad name exits 2 (got {p.returncode})")
    check(p.stderr == "rvisor switch: switch name 'no/slash' is invalid "
          "(1 to 64 of A-Z a-z 0-9 _ . -)\n", f"bad name message: {p.stderr!r}")

    # Foreground, idle exit.
    t0 = time.monotonic()
    p = subprocess.run([RVISOR, "switch", "idle", "--idle-exit", "1"], env=env,
                       capture_output=True, text=True, timeout=20)
    check(p.returncode == 0, f"idle exit code 0 (got {p.returncode}, {p.stderr!r})")
    check(p.stdout.splitlines()[0] == f"switch idle listening on {sock('idle')}",
          f"listening line: {p.stdout!r}")
    check(0.9 < time.monotonic() - t0 < 10, "idle exit after about a second")
    check(not os.path.exists(sock("idle")), "socket removed on exit")

    # Foreground until SIGTERM; a second server on the same name is refused.
    srv = subprocess.Popen([RVISOR, "switch", "fg"], env=env, stdout=subprocess.PIPE, text=True)
    line = srv.stdout.readline().strip()
    check(line == f"switch fg listening on {sock('fg')}", f"listening line: {line!r}")
    check(answers(sock("fg")), "foreground server answers")
    # The protocol's HELLO is answered with an empty datagram.
    c = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    c.bind("")  # autobind
    c.settimeout(2)
    c.connect(sock("fg"))
    c.send(b"")
    check(c.recv(100) == b"", "HELLO answered")
    c.close()
    p = subprocess.run([RVISOR, "switch", "fg"], env=env, capture_output=True, text=True,
                       timeout=20)
    check(p.returncode == 1, f"second server exits 1 (got {p.returncode})")
    check(p.stderr == f"rvisor switch: switch at {sock('fg')}: already served by another "
          "process\n", f"second server message: {p.stderr!r}")
    check(answers(sock("fg")), "first server still answers")
    srv.send_signal(signal.SIGTERM)
    check(srv.wait(timeout=10) == 0, "SIGTERM: exit 0")
    check(not os.path.exists(sock("fg")), "socket removed after SIGTERM")

    # --detach from four processes at once: all succeed, one server runs.
    procs = [subprocess.Popen([RVISOR, "switch", "race", "--detach", "--idle-exit", "2"],
                              env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for _ in range(4)]
    results = [(p.wait(timeout=20), p.stdout.read(), p.stderr.read()) for p in procs]
    for rc, out, err in results:
        check(rc == 0 and out == f"switch race listening on {sock('race')}\n",
              f"--detach: rc {rc} out {out!r} err {err!r}")
    check(answers(sock("race")), "the raced switch answers")
    check(wait_until(lambda: len(servers("race")) == 1, 5),
          f"exactly one server after the race (pids {servers('race')})")
    # A detached server already running is reused, not duplicated.
    p = subprocess.run([RVISOR, "switch", "race", "--detach", "--idle-exit", "2"], env=env,
                       capture_output=True, text=True, timeout=20)
    check(p.returncode == 0 and len(servers("race")) == 1, "--detach reuses a running switch")
    # And, detached from us, it exits by itself when idle.
    check(wait_until(lambda: not servers("race"), 15), "detached server exits when idle")
    check(not answers(sock("race")), "no server left")

    shutil.rmtree(run_dir, ignore_errors=True)
    print(f"{CHECKS[0] - len(FAILS)} passed, {len(FAILS)} failed")
    sys.exit(1 if FAILS else 0)


if __name__ == "__main__":
    main()
