#!/usr/bin/env python3
"""virtio-net end to end with the default guest, driven through its console.

usage: net_test.py RVISOR switch|user

switch: two VMs (two rvisor processes) join the virtual switch of one name (`--net
  switch:NAME`; the first `rvisor run` starts the switch process). They take static addresses,
  ping each other, and VM A sends 50 MiB over TCP with busybox nc to VM B, which prints the
  data's sha256; it must equal the host's sum of the same bytes. Each VM's MAC is the stable
  one derived from its --name.
user: one VM on user-mode networking (`--net user,hostfwd=tcp:127.0.0.1:PORT-:8080`) gets its
  address, gateway and DNS server by DHCP (busybox udhcpc), fetches a page from an HTTP server
  this test runs on the host's loopback (reached as 10.0.2.2, the NAT's host address), and a
  host-to-guest forward reaches a server in the guest (busybox httpd).
"""
import argparse
import hashlib
import http.server
import os
import re
import socket
import sys
import tempfile
import threading
import time

from console_driver import PROMPT, ConsoleError, Vm

SIZE = 50 << 20
CHUNK = 1 << 20
PATTERN = b"rvisor-net-test\n"  # what `yes rvisor-net-test` prints


def boot(rvisor, args, memory="256M"):
    vm = Vm(rvisor, ["--memory", memory] + args, timeout=600)
    return vm


def ready(vm):
    vm.expect(rb"rvisor-guest: ready", timeout=240)
    vm.expect(PROMPT, timeout=60)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def switch_test(rvisor):
    name = f"nt{os.getpid()}"
    a = boot(rvisor, ["--name", "net-a", "--net", f"switch:{name}"])
    b = boot(rvisor, ["--name", "net-b", "--net", f"switch:{name}"])
    try:
        ready(a)
        ready(b)
        for vm, ip in ((a, "10.0.0.1"), (b, "10.0.0.2")):
            # operstate turns "up" a moment after `ip link set up` (the link watch runs later).
            out = vm.run(f"ip addr add {ip}/24 dev eth0 && ip link set eth0 up && "
                         "for i in $(seq 100); do [ $(cat /sys/class/net/eth0/operstate) = up ] "
                         "&& break; sleep 0.05; done; "
                         "cat /sys/class/net/eth0/address /sys/class/net/eth0/operstate")
            assert "up" in out, f"eth0 not up on {ip}: {out!r}"
        # The MACs derived from the names (machine/nic_config.cpp derive_mac).
        mac_a = a.run("cat /sys/class/net/eth0/address").strip()
        mac_b = b.run("cat /sys/class/net/eth0/address").strip()
        assert mac_a.startswith("02:72:") and mac_b.startswith("02:72:") and mac_a != mac_b, \
            f"MACs {mac_a} {mac_b}"

        out = a.run("ping -c 3 -W 5 10.0.0.2", timeout=60)
        assert "3 packets transmitted, 3 packets received" in out, f"ping A->B: {out}"
        out = b.run("ping -c 2 -W 5 10.0.0.1", timeout=60)
        assert "2 packets transmitted, 2 packets received" in out, f"ping B->A: {out}"
        # B learned A's MAC through ARP.
        neigh = b.run("ip neigh show 10.0.0.1")
        assert mac_a in neigh, f"B's neighbour entry for A: {neigh!r}"

        # 50 MiB over TCP. B listens and hashes; A sends a 1 MiB pattern file 50 times (`yes`
        # straight into the pipe is slower than the network under emulation).
        a.run(f"yes rvisor-net-test | head -c {CHUNK} >/tmp/chunk")
        b.send('nc -l -p 5000 | sha256sum | sed "s/^/RECV /"\n')
        time.sleep(2)  # let nc bind before A connects
        t0 = time.monotonic()
        a.run(f"for i in $(seq {SIZE // CHUNK}); do cat /tmp/chunk; done | nc 10.0.0.2 5000",
              timeout=500)
        m = b.expect(rb"RECV ([0-9a-f]{64})", timeout=300)
        seconds = time.monotonic() - t0
        chunk = (PATTERN * (CHUNK // len(PATTERN) + 1))[:CHUNK]
        want = hashlib.sha256(chunk * (SIZE // CHUNK)).hexdigest()
        got = m.group(1).decode()
        assert got == want, f"50 MB over TCP: guest sum {got}, want {want}"
        print(f"50 MB over TCP between two VMs in {seconds:.1f} s "
              f"({SIZE / seconds / 1e6:.1f} MB/s including the guest's hashing)")
        b.expect(PROMPT, timeout=60)
        for vm in (a, b):
            vm.send("poweroff\n")
            assert vm.wait_exit(timeout=60) == 0, "rvisor exit code after poweroff"
    finally:
        a.close()
        b.close()


class Page(http.server.BaseHTTPRequestHandler):
    body = b"hello from the host loopback\n"

    def do_GET(self):  # noqa: N802 (http.server's naming)
        if self.path != "/hello.txt":
            self.send_error(404)
            return
        self.send_response(200)
        self.send_header("Content-Length", str(len(self.body)))
        self.end_headers()
        self.wfile.write(self.body)

    def log_message(self, *args):
        pass


# udhcpc hands the lease to this script ($1 = bound/renew/deconfig, values in the environment).
DHCP_SCRIPT = r"""#!/bin/sh
case "$1" in
bound|renew)
  ip addr add $ip/$mask dev $interface
  ip route add default via $router dev $interface
  echo "nameserver $dns" >/etc/resolv.conf
  echo "LEASE ip=$ip mask=$mask router=$router dns=$dns"
  ;;
deconfig) ip link set $interface up ;;
esac
"""


def user_test(rvisor):
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Page)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    http_port = server.server_address[1]
    fwd_port = free_port()
    vm = boot(rvisor, ["--net", f"user,hostfwd=tcp:127.0.0.1:{fwd_port}-:8080"])
    try:
        ready(vm)
        vm.run("mkdir -p /etc /www && cat >/etc/dhcp.sh <<'EOF'\n" + DHCP_SCRIPT +
               "EOF\nchmod +x /etc/dhcp.sh")
        out = vm.run("udhcpc -i eth0 -s /etc/dhcp.sh -q -n -t 5 2>&1", timeout=120)
        assert "LEASE ip=10.0.2.15 mask=24 router=10.0.2.2 dns=10.0.2.3" in out, f"udhcpc: {out}"

        out = vm.run(f"wget -q -O - http://10.0.2.2:{http_port}/hello.txt", timeout=60)
        assert out.strip() == Page.body.decode().strip(), f"wget from the host: {out!r}"

        # Host -> guest: busybox httpd in the guest behind the forward.
        vm.run("echo 'hello from the guest' >/www/index.html && httpd -p 8080 -h /www")
        body = b""
        for _ in range(30):
            try:
                with socket.create_connection(("127.0.0.1", fwd_port), timeout=10) as s:
                    s.sendall(b"GET /index.html HTTP/1.0\r\nHost: guest\r\n\r\n")
                    while chunk := s.recv(4096):
                        body += chunk
                if body:
                    break
            except OSError:
                pass
            time.sleep(0.5)
        assert body.startswith(b"HTTP/1.") and b" 200 " in body.split(b"\r\n")[0], \
            f"forwarded request: {body[:200]!r}"
        assert body.endswith(b"hello from the guest\n"), f"forwarded body: {body[-100:]!r}"

        vm.send("poweroff\n")
        assert vm.wait_exit(timeout=60) == 0, "rvisor exit code after poweroff"
    finally:
        vm.close()
        server.shutdown()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("rvisor")
    ap.add_argument("mode", choices=["switch", "user"])
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as run_dir:
        # Switch sockets go here instead of the user's runtime directory.
        os.environ["RVISOR_RUN_DIR"] = run_dir
        try:
            if args.mode == "switch":
                switch_test(args.rvisor)
            else:
                user_test(args.rvisor)
        except (AssertionError, ConsoleError) as e:
            print(f"FAIL: {e}", file=sys.stderr)
            return 1
    print(f"net test ({args.mode}) passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
