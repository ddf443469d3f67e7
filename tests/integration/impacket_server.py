#!/usr/bin/env python3
"""Impacket's SMB server (a second SMB1 implementation) for the tests.

Starts impacket.smbserver.SimpleSMBServer on 127.0.0.1 with one disk share
named SHARE (Impacket keeps share names upper-cased and looks them up
case-sensitively) backed by DIR, SMB1 only (SMB2 support off).  With a
user and password, only that user may log in (NTLM, by the NT hash);
without, the server takes any user, guest and anonymous logons alike.

Binds port PORT (0: any free port) and prints "port N" on stdout once it
listens, then serves until killed or for TIMEOUT seconds.  Impacket logs
every request at INFO level to stderr.

usage: impacket_server.py DIR [--port PORT] [--user USER --password PASS]
                          [--timeout SECONDS]
exit status 3: impacket cannot be imported (the test skips).
"""
import argparse
import logging
import sys
import threading

try:
    from impacket import ntlm, smbserver
except ImportError as e:
    print("impacket not importable: %s" % e, file=sys.stderr)
    sys.exit(3)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("dir")
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--user")
    ap.add_argument("--password", default="")
    ap.add_argument("--timeout", type=float, default=900)
    a = ap.parse_args()

    logging.basicConfig(stream=sys.stderr, level=logging.INFO,
                        format="%(asctime)s %(levelname)s %(message)s")
    srv = smbserver.SimpleSMBServer(listenAddress="127.0.0.1", listenPort=a.port)
    srv.setSMB2Support(False)
    srv.addShare("SHARE", a.dir, "smbfuse test share")
    if a.user:
        nthash = ntlm.compute_nthash(a.password).hex()
        srv.addCredential(a.user, 0, "", nthash)
    # SimpleSMBServer does not expose its socket; the port the kernel chose
    # for port 0 is on the inner TCPServer.
    port = srv._SimpleSMBServer__server.server_address[1]
    print("port %d" % port, flush=True)
    t = threading.Thread(target=srv.start, daemon=True)
    t.start()
    t.join(a.timeout)


if __name__ == "__main__":
    main()
