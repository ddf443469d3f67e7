#!/usr/bin/env python3
"""signproxy.py - an SMB1 proxy that plays a server which signs after a
classic (non-extended-security) NTLMv2 logon, for mount_signing_classic.sh.

    signproxy.py PORTFILE TARGET_PORT NT_HASH_HEX [--require] [--bad-key]

Samba 4.x has no session key after a classic logon, so it never signs such a
session (whatever 'server signing' says).  Old Windows servers and NAS
firmware do sign it.  This proxy sits in front of a Samba with signing off
and does the server's part of SMB1 signing (MS-CIFS 3.1.5.1, 3.3.5.2):

- NEGOTIATE reply: sets NEGOTIATE_SECURITY_SIGNATURES_ENABLED (and _REQUIRED
  with --require) in SecurityMode; remembers the 8-byte challenge.
- SESSION_SETUP_ANDX (13 words, no extended security): takes the account,
  domain and NTLMv2 response from the request and checks NTProofStr against
  NT_HASH_HEX (the account's NT hash, from pdbedit -w).  On success the MAC
  key is SessionBaseKey = HMAC_MD5(NTOWFv2, NTProofStr) (MS-NLMP 3.3.2)
  followed by the whole NT response; the reply is signed with sequence 1.
- Afterwards every request must carry a good signature, sequence numbers
  counted in arrival order from 2 in steps of 2; each reply is signed with
  its request's number + 1.  A bad signature closes the connection.
- --bad-key: flip one bit of the MAC key (the client must then refuse).

Listens on a free loopback port, written to PORTFILE once it accepts.  One
line per event on stderr: "signproxy: good N" is written for every tenth
verified request, "signproxy: key" when signing starts, "signproxy: BAD SIG"
on a bad request signature, "signproxy: bad proof" if NTProofStr is wrong.
"""

import hashlib
import hmac
import os
import signal
import socket
import struct
import sys
import threading

SIG_OFF = 14


def log(msg):
    sys.stderr.write("signproxy: %s\n" % msg)
    sys.stderr.flush()


def hmac_md5(key, data):
    return hmac.new(key, data, hashlib.md5).digest()


def mac(key, msg, seq):
    m = bytearray(msg)
    m[SIG_OFF:SIG_OFF + 8] = struct.pack("<II", seq, 0)
    return hashlib.md5(key + bytes(m)).digest()[:8]


def utf16z(msg, off):
    """A NUL-terminated UTF-16LE string at off; returns (str, next offset)."""
    end = off
    while end + 1 < len(msg) and msg[end:end + 2] != b"\0\0":
        end += 2
    return msg[off:end].decode("utf-16le"), end + 2


def read_frame(sock):
    hdr = b""
    while len(hdr) < 4:
        d = sock.recv(4 - len(hdr))
        if not d:
            return None, None
        hdr += d
    n = (hdr[1] & 1) << 16 | hdr[2] << 8 | hdr[3]
    body = bytearray()
    while len(body) < n:
        d = sock.recv(min(n - len(body), 1 << 20))
        if not d:
            return None, None
        body += d
    return hdr, body


class Conn:
    def __init__(self, n, client, server, nt_hash, require, bad_key):
        self.n, self.client, self.server = n, client, server
        self.nt_hash, self.require, self.bad_key = nt_hash, require, bad_key
        self.lock = threading.Lock()
        self.challenge = None
        self.pending = {}  # MID -> (user, domain, nt response) of a session setup
        self.key = None
        self.next_seq = 0
        self.seqs = {}  # (PID, MID) -> sequence number of the request
        self.good = 0
        self.closed = False

    def close(self, why):
        with self.lock:
            if self.closed:
                return
            self.closed = True
        for s in (self.client, self.server):
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
        log("close %d %s (good %d)" % (self.n, why, self.good))

    @staticmethod
    def ids(msg):
        pid, = struct.unpack_from("<H", msg, 26)
        mid, = struct.unpack_from("<H", msg, 30)
        return pid, mid

    def on_request(self, msg):
        """Returns False to drop the connection."""
        if len(msg) < 33 or msg[:4] != b"\xffSMB":
            return True
        with self.lock:
            if self.key is not None:
                seq = self.next_seq
                self.next_seq += 2
                if msg[SIG_OFF:SIG_OFF + 8] != mac(self.key, msg, seq):
                    log("BAD SIG cmd 0x%02x seq %d" % (msg[4], seq))
                    return False
                self.good += 1
                if self.good % 10 == 1:
                    log("good %d" % self.good)
                self.seqs[self.ids(msg)] = seq
            elif msg[4] == 0x73 and msg[32] == 13:
                oem_len, uni_len = struct.unpack_from("<HH", msg, 33 + 14)
                p = 33 + 26 + 2 + oem_len
                ntresp = bytes(msg[p:p + uni_len])
                p += uni_len
                if p % 2:
                    p += 1
                user, p = utf16z(msg, p)
                domain, p = utf16z(msg, p)
                # MS-CIFS 3.3.5.43: signing starts if the client asks for
                # it in Flags2 or the server requires it.
                flags2, = struct.unpack_from("<H", msg, 10)
                if len(ntresp) > 24 and (self.require or flags2 & 0x0004):
                    self.pending[self.ids(msg)[1]] = (user, domain, ntresp)
        return True

    def start_key(self, user, domain, ntresp):
        v2hash = hmac_md5(self.nt_hash, (user.upper() + domain).encode("utf-16le"))
        proof = ntresp[:16]
        if self.challenge is None or hmac_md5(v2hash, self.challenge + ntresp[16:]) != proof:
            log("bad proof for %s\\%s: not signing" % (domain, user))
            return
        key = bytearray(hmac_md5(v2hash, proof) + ntresp)
        if self.bad_key:
            key[0] ^= 1
        self.key = bytes(key)
        log("key %d bytes for %s\\%s" % (len(key), domain, user))

    def on_reply(self, msg):
        if len(msg) < 33 or msg[:4] != b"\xffSMB":
            return
        with self.lock:
            cmd = msg[4]
            status, = struct.unpack_from("<I", msg, 5)
            if cmd == 0x72 and msg[32] == 17:
                msg[35] |= 0x04 | (0x08 if self.require else 0)
                clen = msg[33 + 33]
                if clen == 8:
                    self.challenge = bytes(msg[33 + 34 + 2:33 + 34 + 2 + 8])
                return
            pid, mid = self.ids(msg)
            if cmd == 0x73 and self.key is None:
                creds = self.pending.pop(mid, None)
                if status != 0 or creds is None:
                    return
                self.start_key(*creds)
                if self.key is None:
                    return
                seq = 0
                self.next_seq = 2
            elif self.key is not None and (pid, mid) in self.seqs:
                seq = self.seqs[(pid, mid)]
            else:
                return
            msg[10] |= 0x04  # FLAGS2_SMB_SECURITY_SIGNATURE
            msg[SIG_OFF:SIG_OFF + 8] = mac(self.key, msg, seq + 1)

    def pump(self, src, dst, is_request):
        why = "eof"
        try:
            while True:
                hdr, body = read_frame(src)
                if hdr is None:
                    why = "eof-" + ("client" if is_request else "server")
                    break
                if hdr[0] == 0:
                    if is_request:
                        if not self.on_request(body):
                            why = "bad-signature"
                            break
                    else:
                        self.on_reply(body)
                dst.sendall(hdr + bytes(body))
        except OSError as e:
            why = "error (%s)" % e
        self.close(why)


def serve(portfile, target, nt_hash, require, bad_key):
    ls = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind(("127.0.0.1", 0))
    ls.listen(16)
    tmp = portfile + ".tmp"
    with open(tmp, "w") as f:
        f.write("%d\n" % ls.getsockname()[1])
    os.rename(tmp, portfile)
    log("listening on %d -> %d%s%s" % (ls.getsockname()[1], target,
                                       ", require" if require else "",
                                       ", bad key" if bad_key else ""))
    n = 0
    while True:
        c, _ = ls.accept()
        n += 1
        try:
            s = socket.create_connection(("127.0.0.1", target), timeout=10)
        except OSError as e:
            log("connect failed: %s" % e)
            c.close()
            continue
        s.settimeout(None)
        conn = Conn(n, c, s, nt_hash, require, bad_key)
        log("accept %d" % n)
        threading.Thread(target=conn.pump, args=(c, s, True), daemon=True).start()
        threading.Thread(target=conn.pump, args=(s, c, False), daemon=True).start()


def main():
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    if len(args) != 3:
        sys.exit(__doc__)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    serve(args[0], int(args[1]), bytes.fromhex(args[2]),
          "--require" in sys.argv, "--bad-key" in sys.argv)


if __name__ == "__main__":
    main()
