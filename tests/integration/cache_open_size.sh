#!/usr/bin/env bash
# cache_open_size.sh - an open tells the file's size and write time as the
# server has them (another client's writes are there before the server
# lets the open in: it breaks that client's oplock first), and what the
# mount had cached of them gives way to it.  Two mounts of one share, as
# two clients (found by an exploratory test):
#   A  the other client writes 1000 bytes into a file this mount last saw
#      empty, and keeps it open: a new descriptor here read 0 bytes (the
#      kernel kept the size it had, the open's answer was not looked at),
#      every time, until the change notification came.
#   B  (actimeo=3600) this mount truncates a file to 0, the other writes
#      500 bytes, and this mount opens it over and over meanwhile: it went
#      on reading 0 bytes for good in about one round in three (the late
#      notification came while this mount held an exclusive oplock, and was
#      taken for an echo of its own change), and an append then wrote at
#      offset 0 over the other client's data.
if [ -z "${BASH_VERSION:-}" ]; then exec bash "$0" "$@"; fi
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source-path=SCRIPTDIR source=reconnect_lib.sh
. "$(dirname "$0")/reconnect_lib.sh"
require_prereqs

smb_start
S=$SHARE_DIR
m1=$(new_mountpoint one)
m2=$(new_mountpoint two)
rc_mount "$m1" actimeo=3600
rc_mount "$m2" actimeo=3600
rc_wait_stat "one: change notification armed" "$m1" notify.arms 1 10
rc_wait_stat "two: change notification armed" "$m2" notify.arms 1 10

# ---------------------------------------------------------------- A
python3 - "$m1" "$m2" >"$T_ROOT/a.out" 2>&1 <<'PY' || { cat "$T_ROOT/a.out"; fail "A: a new descriptor read a stale size"; }
import os, sys
m1, m2 = sys.argv[1:3]
bad = 0
for k in range(6):
    n = "a%d" % k
    open(os.path.join(m1, n), "wb").close()
    os.stat(os.path.join(m2, n))                  # size 0, cached here
    fd = os.open(os.path.join(m1, n), os.O_WRONLY | (os.O_APPEND if k % 2 else 0))
    os.write(fd, b"c" * 1000)                     # and kept open
    with open(os.path.join(m2, n), "rb") as f:
        got = len(f.read())
        st = os.fstat(f.fileno()).st_size
    os.close(fd)
    if got != 1000 or st != 1000:
        print("round %d: read %d bytes, fstat %d, where the file has 1000" % (k, got, st))
        bad += 1
sys.exit(1 if bad else 0)
PY
note "A: a descriptor opened after the other client's write read all of it"

# ---------------------------------------------------------------- B
python3 - "$m1" "$m2" "$S" >"$T_ROOT/b.out" 2>&1 <<'PY' || { cat "$T_ROOT/b.out"; fail "B: a stale size outlived the other client's write"; }
import os, sys, time
m1, m2, s = sys.argv[1:4]
bad = 0
for k in range(20):
    n = "b%d" % k
    open(os.path.join(m1, n), "wb").write(b"x" * 10000)
    time.sleep(0.3)
    os.truncate(os.path.join(m2, n), 0)
    with open(os.path.join(m1, n), "r+b") as f:
        f.write(b"y" * 500)
    t0 = time.time()
    while time.time() - t0 < 3:
        with open(os.path.join(m2, n), "rb") as f:
            if len(f.read()) == 500:
                break
        time.sleep(0.002)
    else:
        print("round %d: 0 bytes read for 3 s; the server has %d" %
              (k, os.stat(os.path.join(s, n)).st_size))
        bad += 1
        continue
    with open(os.path.join(m2, n), "ab") as f:
        f.write(b"Z\n")
    data = open(os.path.join(s, n), "rb").read()
    if data != b"y" * 500 + b"Z\n":
        print("round %d: after an append the server has %d bytes, starting %r" % (k, len(data), data[:8]))
        bad += 1
sys.exit(1 if bad else 0)
PY
note "B: after a truncate here and the other client's write, opens here read the new size"
smbfuse_umount "$m1"
smbfuse_umount "$m2"
note "PASS"
