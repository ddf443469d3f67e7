#!/usr/bin/env python3
"""smbproxy.py - a loopback TCP proxy that understands SMB1 framing on the
server->client side and can tamper with ONE reply, for the request
lifecycle tests (tests/integration/lifecycle_*.sh).

    smbproxy.py PORTFILE TARGET_PORT

Listens on 127.0.0.1 on a free port, writes that port to PORTFILE (atomically,
once it accepts connections) and forwards every connection to
127.0.0.1:TARGET_PORT.  Client->server bytes pass unchanged; server->client
bytes are cut into NetBIOS session messages (4-byte header, RFC 1002) and
passed on whole.

SIGUSR2 arms the actions read from the file PORTFILE.arm, one a line:
    ACTION CMD [N [SECONDS]]
CMD is the SMB command byte in hex (offset 8 of the SMB header, after the
4-byte NetBIOS header), N (default 1) says which matching reply, counted
from the arming, is hit; a hit action is used up.  A reply is counted by
the first armed action with its command only.  ACTION:
    flip   flip (xor 0xff) the last byte of that reply (data of a READ_ANDX
           reply; its signature no longer verifies)
    flipsig flip one byte of the SMB signature field (header offset 14)
    hold   never deliver that reply (the server did the work; the client
           sees no answer); later replies pass
    drop   deliver that reply, then close the connection (both sides)
    delay  deliver that reply SECONDS late (and everything after it)
    prebreak  (an NT_CREATE_ANDX reply that grants an oplock) send an
           oplock break of its FID to none first, then the reply: the
           client hears of the break before it knows the FID, as when a
           real break overtakes the handling of the open's answer
    closebreak  (a CLOSE reply) send an oplock break to none of the FID of
           the last NT_CREATE_ANDX reply that granted an oplock, then the
           reply SECONDS later: a break that crosses the client's close
    off    disarm everything (CMD is ignored)
SIGTERM / SIGINT: exit.

Each event is one line on stderr (flushed), e.g.
    smbproxy: accept 1 from 127.0.0.1:40112
    smbproxy: armed flip 2e 1
    smbproxy: flip reply 0x2e mid 1234 (65604 bytes) on 1
    smbproxy: close 1 eof-server
"""

import os
import signal
import socket
import struct
import sys
import threading
import time

BUF = 256 * 1024


def log(msg):
    sys.stderr.write("smbproxy: %s\n" % msg)
    sys.stderr.flush()


def oplock_break(reply):
    """A server's oplock break (MS-CIFS 2.2.4.32.1: LOCKING_ANDX from the
    server, OPLOCK_RELEASE, no ranges) of the FID an NT_CREATE_ANDX reply
    grants an oplock on, to none; None if it grants none."""
    status = struct.unpack_from("<I", reply, 4 + 5)[0]
    if reply[8] != 0xa2 or status or len(reply) < 44 or reply[4 + 32] < 3 or not reply[41]:
        return None
    hdr = bytearray(reply[4:4 + 32])
    hdr[4] = 0x24                       # LOCKING_ANDX
    hdr[5:9] = b"\0\0\0\0"              # status
    hdr[9] = 0                          # flags: a request
    hdr[26:28] = b"\xff\xff"            # PID
    hdr[30:32] = b"\xff\xff"            # MID
    words = struct.pack("<BBHHBBIHH", 0xff, 0, 0, struct.unpack_from("<H", reply, 42)[0],
                        0x02, 0, 0, 0, 0)
    body = bytes(hdr) + bytes([len(words) // 2]) + words + b"\0\0"
    return struct.pack(">I", len(body)) + body


class Proxy:
    def __init__(self, portfile, target_port):
        self.portfile = portfile
        self.target_port = target_port
        self.lock = threading.Lock()
        self.armed = []  # [action, cmd, n, seconds], in order
        self.stopping = False
        self.seq = 0
        self.last_open = None  # the last NT_CREATE_ANDX reply granting an oplock

    def arm(self):
        armed = []
        try:
            with open(self.portfile + ".arm") as f:
                for line in f:
                    w = line.split()
                    if not w:
                        continue
                    action, cmd = w[0], int(w[1], 16)
                    n = int(w[2]) if len(w) > 2 else 1
                    secs = float(w[3]) if len(w) > 3 else 0.0
                    if action not in ("flip", "flipsig", "hold", "drop", "delay", "prebreak", "closebreak",
                                      "off"):
                        raise ValueError(action)
                    if action != "off":
                        armed.append([action, cmd, n, secs])
        except (OSError, ValueError, IndexError) as e:
            log("bad arm file: %s" % e)
            return
        with self.lock:
            self.armed = armed
        log("armed %s" % ("; ".join("%s %02x %d %g" % tuple(a) for a in armed) or "off"))

    def hit(self, frame):
        """(action, seconds) for this server->client frame, or None."""
        if len(frame) < 4 + 32 or frame[0] != 0 or frame[4:8] != b"\xffSMB":
            return None
        with self.lock:
            for a in self.armed:
                if a[1] == frame[8]:
                    a[2] -= 1
                    if a[2] > 0:
                        return None
                    self.armed.remove(a)
                    return a[0], a[3]
            return None

    def close(self, n, socks, why):
        for s in socks:
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            try:
                s.close()
            except OSError:
                pass
        log("close %d %s" % (n, why))

    def up(self, n, client, server, done):
        """client -> server, unchanged."""
        why = "eof-client"
        try:
            while True:
                data = client.recv(BUF)
                if not data:
                    break
                server.sendall(data)
        except OSError as e:
            why = "error (%s)" % e
        if not done.is_set():
            done.set()
            self.close(n, [client, server], why)

    def down(self, n, client, server, done):
        """server -> client, one NetBIOS message at a time."""
        buf = b""
        why = "eof-server"
        try:
            while True:
                data = server.recv(BUF)
                if not data:
                    break
                buf += data
                while len(buf) >= 4:
                    ln = ((buf[1] & 1) << 16) | (buf[2] << 8) | buf[3]
                    if len(buf) < 4 + ln:
                        break
                    frame, buf = bytearray(buf[:4 + ln]), buf[4 + ln:]
                    action, secs = self.hit(frame) or (None, 0)
                    if oplock_break(frame):
                        self.last_open = bytes(frame)
                    if action:
                        mid = struct.unpack_from("<H", frame, 4 + 30)[0]
                        log("%s reply 0x%02x mid %d (%d bytes) on %d"
                            % (action, frame[8], mid, len(frame), n))
                    if action == "flip":
                        frame[-1] ^= 0xff
                    elif action == "flipsig":
                        frame[4 + 14] ^= 0xff
                    elif action == "hold":
                        continue
                    elif action == "delay":
                        time.sleep(secs)
                    elif action == "closebreak" and self.last_open:
                        log("closebreak fid %d" % struct.unpack_from("<H", self.last_open, 42)[0])
                        client.sendall(oplock_break(self.last_open))
                        time.sleep(secs)
                    elif action == "prebreak":
                        brk = oplock_break(frame)
                        if brk:
                            log("prebreak fid %d" % struct.unpack_from("<H", frame, 42)[0])
                            client.sendall(brk)
                    client.sendall(bytes(frame))
                    if action == "drop":
                        why = "drop"
                        raise EOFError
        except EOFError:
            pass
        except OSError as e:
            why = "error (%s)" % e
        if not done.is_set():
            done.set()
            self.close(n, [client, server], why)

    def pair(self, n, client):
        try:
            server = socket.create_connection(("127.0.0.1", self.target_port), timeout=10)
        except OSError as e:
            self.close(n, [client], "connect-failed (%s)" % e.strerror)
            return
        for s in (client, server):
            s.settimeout(None)
            s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        done = threading.Event()
        threading.Thread(target=self.up, args=(n, client, server, done), daemon=True).start()
        self.down(n, client, server, done)

    def serve(self):
        ls = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        ls.bind(("127.0.0.1", 0))
        ls.listen(64)
        ls.settimeout(0.2)
        tmp = self.portfile + ".tmp"
        with open(tmp, "w") as f:
            f.write("%d\n" % ls.getsockname()[1])
        os.rename(tmp, self.portfile)
        log("listening on 127.0.0.1:%d -> 127.0.0.1:%d" % (ls.getsockname()[1], self.target_port))
        while not self.stopping:
            try:
                c, addr = ls.accept()
            except (socket.timeout, InterruptedError):
                continue
            self.seq += 1
            log("accept %d from %s:%d" % (self.seq, addr[0], addr[1]))
            threading.Thread(target=self.pair, args=(self.seq, c), daemon=True).start()
        ls.close()


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    p = Proxy(sys.argv[1], int(sys.argv[2]))

    def on_term(*_):
        p.stopping = True

    signal.signal(signal.SIGUSR2, lambda *_: p.arm())
    signal.signal(signal.SIGTERM, on_term)
    signal.signal(signal.SIGINT, on_term)
    p.serve()
    log("exit")


if __name__ == "__main__":
    main()
