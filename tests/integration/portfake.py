#!/usr/bin/env python3
"""Listeners on a chosen loopback address and port, for the port tests.

    portfake.py forward ADDR PORT TARGET_PORT [TIMEOUT]
        accept on ADDR:PORT and forward each connection, bytes unchanged,
        to 127.0.0.1:TARGET_PORT; log "accept N first=0xXX" per
        connection (0x81: a NetBIOS session request came first, RFC 1002
        4.3.2; 0x00: a session message, i.e. direct TCP).
    portfake.py blackhole ADDR PORT [TIMEOUT]
        listen with a full backlog and never accept: the kernel drops
        further SYNs, so connecting times out, as to a host that is down.

Prints "ready" on stdout once listening; logs events on stdout, flushed.
Exits after TIMEOUT seconds (default 300) or on SIGTERM.
"""
import signal
import socket
import sys
import threading
import time


def log(msg):
    print(msg, flush=True)


def pump(src, dst):
    try:
        while True:
            b = src.recv(65536)
            if not b:
                break
            dst.sendall(b)
    except OSError:
        pass
    for s in (src, dst):
        try:
            s.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass


def forward(addr, port, target):
    srv = socket.socket()
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.bind((addr, port))
    srv.listen(16)
    log("ready")
    n = 0
    while True:
        c, _ = srv.accept()
        n += 1
        first = c.recv(1, socket.MSG_PEEK)
        log("accept %d first=0x%02x" % (n, first[0] if first else 0xff))
        u = socket.create_connection(("127.0.0.1", target))
        for a, b in ((c, u), (u, c)):
            threading.Thread(target=pump, args=(a, b), daemon=True).start()


def blackhole(addr, port):
    srv = socket.socket()
    srv.bind((addr, port))
    srv.listen(0)
    held = []
    # Fill the accept queue (backlog 0 still takes one) with connections
    # nobody accepts; later SYNs are dropped.
    for _ in range(3):
        s = socket.socket()
        s.setblocking(False)
        try:
            s.connect((addr, port))
        except BlockingIOError:
            pass
        held.append(s)
    time.sleep(0.3)
    log("ready")
    while True:
        time.sleep(60)


def main():
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    mode, addr, port = sys.argv[1], sys.argv[2], int(sys.argv[3])
    rest = sys.argv[4:]
    if mode == "forward":
        target = int(rest.pop(0))
        fn = lambda: forward(addr, port, target)
    else:
        fn = lambda: blackhole(addr, port)
    timeout = float(rest[0]) if rest else 300
    threading.Thread(target=fn, daemon=True).start()
    time.sleep(timeout)


if __name__ == "__main__":
    main()
