#!/usr/bin/env python3
"""dropproxy.py - a loopback TCP proxy that drops connections, for the
reconnect tests (tests/integration/reconnect_*.sh).

    dropproxy.py PORTFILE TARGET_PORT [IDLE_SECONDS] [--reset]

Listens on 127.0.0.1 on a free port, writes that port to PORTFILE (atomically,
once it accepts connections), and forwards every connection to
127.0.0.1:TARGET_PORT, bytes unchanged in both directions.

- IDLE_SECONDS (default 0 = never): a connection that has carried no byte in
  either direction for that long is closed (both sides).
- SIGUSR1: close every open connection now.
- --reset: close with a TCP RST (SO_LINGER 0) instead of a FIN.
- SIGTERM / SIGINT: close everything and exit 0.

Each event is one line on stderr (flushed), e.g.
    dropproxy: accept 3 from 127.0.0.1:40112
    dropproxy: close 3 idle (2.0 s)
    dropproxy: close 3 signal
    dropproxy: close 3 eof-client
so that a test can count what happened ("close N idle", "close N signal").
"""

import os
import select
import signal
import socket
import sys
import threading
import time

BUF = 256 * 1024


def log(msg):
    sys.stderr.write("dropproxy: %s\n" % msg)
    sys.stderr.flush()


class Proxy:
    def __init__(self, target_port, idle, reset):
        self.target_port = target_port
        self.idle = idle
        self.reset = reset
        self.lock = threading.Lock()
        self.drop_gen = 0
        self.stopping = False
        self.seq = 0

    def drop_all(self):
        with self.lock:
            self.drop_gen += 1

    def _close(self, n, socks, why):
        for s in socks:
            try:
                if self.reset:
                    s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                                 b"\x01\x00\x00\x00\x00\x00\x00\x00")
                else:
                    s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            try:
                s.close()
            except OSError:
                pass
        log("close %d %s" % (n, why))

    def pair(self, n, client):
        try:
            server = socket.create_connection(("127.0.0.1", self.target_port), timeout=10)
        except OSError as e:
            self._close(n, [client], "connect-failed (%s)" % e.strerror)
            return
        # A peer that stops reading (SIGSTOPped) must not wedge us forever.
        for s in (client, server):
            s.settimeout(30)
            s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        other = {client: server, server: client}
        name = {client: "client", server: "server"}
        with self.lock:
            gen = self.drop_gen
        last = time.monotonic()
        why = None
        while why is None:
            try:
                r, _, _ = select.select([client, server], [], [], 0.1)
            except (OSError, ValueError):
                why = "select-error"
                break
            now = time.monotonic()
            for s in r:
                try:
                    data = s.recv(BUF)
                except OSError as e:
                    why = "error-%s (%s)" % (name[s], e.strerror)
                    break
                if not data:
                    why = "eof-%s" % name[s]
                    break
                try:
                    other[s].sendall(data)
                except (OSError, socket.timeout) as e:
                    why = "error-%s (%s)" % (name[other[s]], e)
                    break
                last = now
            if why:
                break
            with self.lock:
                if self.drop_gen != gen:
                    why = "signal"
                elif self.stopping:
                    why = "exit"
            if why is None and self.idle > 0 and now - last >= self.idle:
                why = "idle (%.1f s)" % (now - last)
        self._close(n, [client, server], why)

    def serve(self, portfile):
        ls = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        ls.bind(("127.0.0.1", 0))
        ls.listen(64)
        ls.settimeout(0.2)
        tmp = portfile + ".tmp"
        with open(tmp, "w") as f:
            f.write("%d\n" % ls.getsockname()[1])
        os.rename(tmp, portfile)
        log("listening on 127.0.0.1:%d -> 127.0.0.1:%d, idle %s s%s"
            % (ls.getsockname()[1], self.target_port, self.idle or "-",
               ", reset" if self.reset else ""))
        while not self.stopping:
            try:
                c, addr = ls.accept()
            except socket.timeout:
                continue
            except InterruptedError:
                continue
            self.seq += 1
            log("accept %d from %s:%d" % (self.seq, addr[0], addr[1]))
            t = threading.Thread(target=self.pair, args=(self.seq, c), daemon=True)
            t.start()
        ls.close()


def main():
    args = [a for a in sys.argv[1:] if a != "--reset"]
    reset = "--reset" in sys.argv[1:]
    if len(args) not in (2, 3):
        sys.exit(__doc__)
    portfile, target = args[0], int(args[1])
    idle = float(args[2]) if len(args) == 3 else 0.0
    p = Proxy(target, idle, reset)

    def on_usr1(*_):
        log("SIGUSR1: dropping every connection")
        p.drop_all()

    def on_term(*_):
        p.stopping = True

    signal.signal(signal.SIGUSR1, on_usr1)
    signal.signal(signal.SIGTERM, on_term)
    signal.signal(signal.SIGINT, on_term)
    p.serve(portfile)
    time.sleep(0.3)  # let the pair threads close their sockets
    log("exit")


if __name__ == "__main__":
    main()
