#!/usr/bin/env python3
"""A NetBIOS session service that refuses and retargets, for tests.

Samba answers every called name, so the client's "*SMBSERVER" fallback and
its retarget handling (RFC 1002 4.3.2, 4.3.5) need a peer that does not.
This one listens on 127.0.0.1:PORT and, per connection:
  - a session request for any name but *SMBSERVER: negative response 0x82
    (called name not present), then close;
  - for *SMBSERVER: retarget response to 127.0.0.1:TARGET_PORT, then close.
It logs each called name to stdout and stops after MAX_CONNS connections or
TIMEOUT seconds, whichever comes first.

usage: nbfake.py PORT TARGET_PORT [MAX_CONNS] [TIMEOUT]
"""
import socket
import struct
import sys


def decode_name(encoded):
    """First-level decoding of a 32-byte half-ASCII name (RFC 1001 14.1)."""
    raw = bytes(((encoded[i] - 0x41) << 4) | (encoded[i + 1] - 0x41)
                for i in range(0, 32, 2))
    return raw[:15].decode('ascii', 'replace').rstrip(' ').rstrip('\0')


def main():
    port, target = int(sys.argv[1]), int(sys.argv[2])
    max_conns = int(sys.argv[3]) if len(sys.argv) > 3 else 20
    timeout = float(sys.argv[4]) if len(sys.argv) > 4 else 120
    srv = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.bind(('127.0.0.1', port))
    srv.listen(8)
    srv.settimeout(timeout)
    print('listening', flush=True)
    for _ in range(max_conns):
        try:
            conn, _ = srv.accept()
        except socket.timeout:
            break
        with conn:
            conn.settimeout(10)
            hdr = conn.recv(4, socket.MSG_WAITALL)
            if len(hdr) < 4 or hdr[0] != 0x81:
                continue
            length = struct.unpack('>I', b'\0' + hdr[1:])[0]
            body = conn.recv(length, socket.MSG_WAITALL)
            called = decode_name(body[1:33])
            print('called', called, flush=True)
            if called == '*SMBSERVER':
                conn.sendall(bytes([0x84, 0, 0, 6]) +
                             socket.inet_aton('127.0.0.1') + struct.pack('>H', target))
            else:
                conn.sendall(bytes([0x83, 0, 0, 1, 0x82]))


if __name__ == '__main__':
    main()
