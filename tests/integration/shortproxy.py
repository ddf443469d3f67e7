#!/usr/bin/env python3
"""shortproxy.py - a loopback SMB1 proxy that makes the server answer reads
and writes short, for server_io_sizes.sh.

    shortproxy.py PORTFILE TARGET_PORT CAP
    shortproxy.py PORTFILE TARGET_PORT refuse:CAP

Listens on 127.0.0.1 on a free port, writes that port to PORTFILE (atomically,
once it accepts connections), and forwards every connection to
127.0.0.1:TARGET_PORT.  Replies pass unchanged; in requests going to the
server:

- READ_ANDX: MaxCountOfBytesToReturn (with MaxCountHigh) is lowered to CAP,
  so the server answers at most CAP bytes where the client asked for more
  (a short read that is not end of file);
- WRITE_ANDX: DataLength (with DataLengthHigh) is lowered to CAP, so the
  server writes and acknowledges only the first CAP bytes (a short write).

With refuse:CAP the proxy instead answers such a request itself with
STATUS_INVALID_PARAMETER, as Windows 98 does for a read beyond its buffer.

Every other request passes unchanged.  Signing must be off (the proxy
changes signed bytes).  One line on stderr per connection when it ends:
    shortproxy: close 1: capped 123 reads, 45 writes
(with refuse:, "refused" instead of "capped").
"""

import os
import socket
import struct
import sys
import threading

SMB_COM_READ_ANDX = 0x2E
SMB_COM_WRITE_ANDX = 0x2F
WORDS = 4 + 33  # NetBIOS header, SMB header, WordCount


def log(msg):
    sys.stderr.write("shortproxy: %s\n" % msg)
    sys.stderr.flush()


def recv_exact(s, n):
    buf = b""
    while len(buf) < n:
        part = s.recv(n - len(buf))
        if not part:
            return None
        buf += part
    return buf


def lower(msg, lo_at, hi_at, cap):
    """Lowers the 32-bit count split in 16-bit halves at lo_at/hi_at to
    cap; returns True if it changed."""
    lo, = struct.unpack_from("<H", msg, lo_at)
    hi, = struct.unpack_from("<H", msg, hi_at)
    count = hi << 16 | lo
    if count <= cap:
        return False
    struct.pack_into("<H", msg, lo_at, cap & 0xFFFF)
    struct.pack_into("<H", msg, hi_at, cap >> 16)
    return True


def rewrite(msg, cap, counts):
    """Caps the count of a READ_ANDX or WRITE_ANDX in msg; returns the
    index in counts of the kind of request it capped, or None."""
    if len(msg) < WORDS or msg[4:8] != b"\xffSMB":
        return None
    cmd, wct = msg[8], msg[36]
    if cmd == SMB_COM_READ_ANDX and wct in (10, 12) and len(msg) >= WORDS + 16:
        # MS-CIFS 2.2.4.42.1: MaxCount at word 5, MaxCountHigh at word 7
        if lower(msg, WORDS + 10, WORDS + 14, cap):
            counts[0] += 1
            return 0
    elif cmd == SMB_COM_WRITE_ANDX and wct in (12, 14) and len(msg) >= WORDS + 22:
        # 2.2.4.43.1: DataLengthHigh at word 9, DataLength at word 10
        if lower(msg, WORDS + 20, WORDS + 18, cap):
            counts[1] += 1
            return 1
    return None


def error_reply(msg):
    """The request's header turned into a reply with
    STATUS_INVALID_PARAMETER, no words, no bytes (MS-CIFS 2.2.3.1)."""
    hdr = bytearray(msg[4:36])
    hdr[5:9] = struct.pack("<I", 0xC000000D)
    hdr[9] |= 0x80  # SMB_FLAGS_REPLY
    body = bytes(hdr) + b"\x00\x00\x00"  # WordCount 0, ByteCount 0
    return b"\x00" + len(body).to_bytes(3, "big") + body


def client_to_server(client, server, cap, refuse, counts, lock):
    while True:
        hdr = recv_exact(client, 4)
        if hdr is None:
            return
        length = int.from_bytes(hdr[1:4], "big")  # 24-bit: Samba's large frames
        body = recv_exact(client, length)
        if body is None:
            return
        msg = bytearray(hdr + body)
        if rewrite(msg, cap, counts) is not None and refuse:
            with lock:
                client.sendall(error_reply(msg))
            continue
        server.sendall(msg)


def server_to_client(server, client, lock):
    """Whole NetBIOS frames, so that the proxy's own replies never land
    inside one of the server's."""
    while True:
        hdr = recv_exact(server, 4)
        if hdr is None:
            return
        body = recv_exact(server, int.from_bytes(hdr[1:4], "big"))
        if body is None:
            return
        with lock:
            client.sendall(hdr + body)


def pair(n, client, target_port, cap, refuse):
    counts = [0, 0]
    lock = threading.Lock()
    try:
        server = socket.create_connection(("127.0.0.1", target_port), timeout=10)
    except OSError as e:
        log("close %d: connect failed (%s)" % (n, e.strerror))
        client.close()
        return
    for s in (client, server):
        s.settimeout(60)
        s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    back = threading.Thread(target=lambda: _run(server_to_client, server, client, lock),
                            daemon=True)
    back.start()
    _run(client_to_server, client, server, cap, refuse, counts, lock)
    for s in (client, server):
        try:
            s.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
    back.join(5)
    client.close()
    server.close()
    log("close %d: %s %d reads, %d writes"
        % (n, "refused" if refuse else "capped", counts[0], counts[1]))


def _run(fn, *args):
    try:
        fn(*args)
    except (OSError, socket.timeout):
        pass


def main():
    if len(sys.argv) != 4:
        sys.exit(__doc__)
    portfile, target, cap = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    refuse = cap.startswith("refuse:")
    cap = int(cap[len("refuse:"):] if refuse else cap)
    ls = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind(("127.0.0.1", 0))
    ls.listen(16)
    tmp = portfile + ".tmp"
    with open(tmp, "w") as f:
        f.write("%d\n" % ls.getsockname()[1])
    os.rename(tmp, portfile)
    n = 0
    while True:
        c, _ = ls.accept()
        n += 1
        threading.Thread(target=pair, args=(n, c, target, cap, refuse), daemon=True).start()


if __name__ == "__main__":
    main()
