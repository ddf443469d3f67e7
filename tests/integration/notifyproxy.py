#!/usr/bin/env python3
"""notifyproxy.py - a loopback TCP proxy playing a server that refuses
recursive change notification (NT_TRANSACT_NOTIFY_CHANGE with WatchTree,
MS-CIFS 2.2.7.4.1), for tests/integration/cache_notify_dirs.sh.

    notifyproxy.py PORTFILE TARGET_PORT

Listens on a free 127.0.0.1 port (written to PORTFILE once it accepts) and
forwards every connection to 127.0.0.1:TARGET_PORT, cutting the client's
bytes into NetBIOS messages: a NOTIFY_CHANGE request with WatchTree set is
not forwarded but answered at once with STATUS_NOT_SUPPORTED.  Unsigned
sessions only.  SIGTERM ends it.
"""

import os
import signal
import socket
import struct
import sys
import threading

NT_TRANSACT = 0xA0
NOTIFY_CHANGE = 4
NOT_SUPPORTED = 0xC00000BB


def read_full(sock, n):
    buf = b""
    while len(buf) < n:
        chunk = sock.recv(n - len(buf))
        if not chunk:
            return None
        buf += chunk
    return buf


def refusal(smb):
    """The reply to request smb: its header, REPLY set, NOT_SUPPORTED."""
    hdr = bytearray(smb[:32])
    struct.pack_into("<I", hdr, 5, NOT_SUPPORTED)
    hdr[9] |= 0x80
    body = bytes(hdr) + b"\x00\x00\x00"  # WordCount 0, ByteCount 0
    return struct.pack(">I", len(body)) + body


def wants_tree(smb):
    # words start at 33; Function at 33+36, WatchTree at 33+44
    return (len(smb) >= 78 and smb[4] == NT_TRANSACT and
            struct.unpack_from("<H", smb, 69)[0] == NOTIFY_CHANGE and smb[77] != 0)


def up(client, server, lock):
    while True:
        hdr = read_full(client, 4)
        if hdr is None:
            break
        n = struct.unpack(">I", hdr)[0] & 0xFFFFFF
        smb = read_full(client, n) if n else b""
        if smb is None:
            break
        if n and wants_tree(smb):
            sys.stderr.write("notifyproxy: refused a WatchTree notify\n")
            sys.stderr.flush()
            with lock:
                client.sendall(refusal(smb))
            continue
        server.sendall(hdr + smb)
    for s in (client, server):
        try:
            s.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass


def down(client, server, lock):
    # whole messages, so that a refusal never lands inside one
    while True:
        hdr = read_full(server, 4)
        if hdr is None:
            break
        n = struct.unpack(">I", hdr)[0] & 0xFFFFFF
        body = read_full(server, n) if n else b""
        if body is None:
            break
        with lock:
            client.sendall(hdr + body)
    try:
        client.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass


def main():
    portfile, target = sys.argv[1], int(sys.argv[2])
    signal.signal(signal.SIGTERM, lambda *_: os._exit(0))
    ls = socket.socket()
    ls.bind(("127.0.0.1", 0))
    ls.listen(16)
    tmp = portfile + ".tmp"
    with open(tmp, "w") as f:
        f.write("%d\n" % ls.getsockname()[1])
    os.rename(tmp, portfile)
    while True:
        client, _ = ls.accept()
        server = socket.create_connection(("127.0.0.1", target))
        lock = threading.Lock()  # whole messages to the client, one at a time
        threading.Thread(target=up, args=(client, server, lock), daemon=True).start()
        threading.Thread(target=down, args=(client, server, lock), daemon=True).start()


if __name__ == "__main__":
    main()
