"""Drives an `rvisor run` VM through its serial console for system tests.

The VM runs with its console on pipes (so rvisor does not put a terminal in raw mode); the
driver waits for output patterns and types commands one at a time after the shell prompt,
like a person at the console would.
"""
import os
import re
import select
import subprocess
import time

# ash asks the terminal for the cursor position (ESC [6n) after printing its prompt.
PROMPT = re.compile(rb"root@rvisor-guest:[^#\n]*# (?:\x1b\[6n)?")


# Bytes a cut-short greedy capture (\S+, \d+, \w+) may end with.
GROWS = frozenset("0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ-_.:/,")


class ConsoleError(AssertionError):
    pass


class Vm:
    def __init__(self, rvisor, args, timeout=240):
        self.log = bytearray()
        self.proc = subprocess.Popen(
            [rvisor, "run", "--timeout", str(timeout)] + args,
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        os.set_blocking(self.proc.stdout.fileno(), False)
        self.pos = 0  # log offset already consumed by expect()

    def _read(self, deadline):
        remaining = max(0.0, deadline - time.monotonic())
        ready, _, _ = select.select([self.proc.stdout], [], [], min(remaining, 0.5))
        if ready:
            chunk = self.proc.stdout.read()
            if chunk:
                self.log += chunk
                return True
            return False
        return True

    def _more(self, until):
        """Reads until some output arrives or `until`; True when the log grew."""
        size = len(self.log)
        while len(self.log) == size and time.monotonic() < until:
            ready, _, _ = select.select([self.proc.stdout], [], [],
                                        max(0.0, until - time.monotonic()))
            if not ready:
                break
            chunk = self.proc.stdout.read()
            if not chunk:
                break
            self.log += chunk
        return len(self.log) > size

    def expect(self, pattern, timeout=120):
        """Waits until `pattern` (bytes regex) appears after the last match; returns the match."""
        regex = re.compile(pattern) if isinstance(pattern, bytes) else pattern
        deadline = time.monotonic() + timeout
        while True:
            m = regex.search(self.log, self.pos)
            if (m and m.end() == len(self.log) and regex is not PROMPT
                    and m.end() > m.start() and chr(self.log[-1]) in GROWS):
                # The match ends where the output so far ends, inside a line: a greedy
                # capture (\S+, \d+) may be cut short ("online 0" of "online 0-3"), since the
                # console delivers output in pieces. Match again once more output arrived or
                # none came for a moment (a prompt stays at the end of the log).
                if self._more(min(deadline, time.monotonic() + 0.2)):
                    continue
            if m:
                self.pos = m.end()
                return m
            if time.monotonic() > deadline:
                raise ConsoleError(f"timed out waiting for {regex.pattern!r}; console tail:\n"
                                   + self.log[-3000:].decode(errors="replace"))
            if not self._read(deadline) and self.proc.poll() is not None:
                raise ConsoleError(f"rvisor exited ({self.proc.returncode}) before "
                                   f"{regex.pattern!r}; console tail:\n"
                                   + self.log[-3000:].decode(errors="replace"))

    def run(self, command, timeout=60):
        """Types `command` at the prompt and returns its output (without echo and prompt).

        The output is framed by two marker lines the shell computes ($((N)) expands to N), so
        the markers never appear literally in the echoed command line, however it wraps.
        """
        n = time.monotonic_ns() % 1_000_000_007
        self.send(f'echo "S$(({n}))S"; {command}; echo "E$(({n}))E"\n')
        start = self.expect(rb"(?m)^S" + str(n).encode() + rb"S\r?\n", timeout)
        end = self.expect(rb"(?m)^E" + str(n).encode() + rb"E\r?$", timeout)
        out = self.log[start.end():end.start()]
        self.expect(PROMPT, timeout)
        return out.decode(errors="replace").replace("\r", "")

    def send(self, text):
        self.proc.stdin.write(text.encode())
        self.proc.stdin.flush()

    def wait_exit(self, timeout=60):
        deadline = time.monotonic() + timeout
        while self.proc.poll() is None:
            if time.monotonic() > deadline:
                self.proc.kill()
                raise ConsoleError("rvisor did not exit; console tail:\n"
                                   + self.log[-3000:].decode(errors="replace"))
            self._read(deadline)
        self._read(time.monotonic() + 0.1)  # whatever it printed last
        return self.proc.returncode

    def close(self):
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
