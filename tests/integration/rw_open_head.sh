#!/usr/bin/env bash
# rw_open_head.sh - the first bytes an open for reading gets with it
# (NT_CREATE_ANDX + READ_ANDX in one message) are served to reads only while
# they are certainly current:
#   1. a read-only descriptor opened, then the file rewritten through another
#      descriptor of the same mount and closed: the first descriptor reads
#      the new bytes (the server's break of our oplock may come after the
#      write's answer, so the mount must know by itself);
#   2. the same with an ftruncate and with an O_TRUNC open through the mount;
#   3. a read-only descriptor opened, the file rewritten by another SMB
#      client (smbclient): once the server has broken our oplock, the
#      descriptor reads the new bytes;
#   4. an open that reads a whole small file in one round trip: the mount's
#      counters show no READ_ANDX for it, and the bytes are right.
# Default caching: each open below drops what the kernel cached of the file
# (or the file is new), so the reads reach the file system.
if [ -z "${BASH_VERSION:-}" ]; then exec bash "$0" "$@"; fi
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source-path=SCRIPTDIR source=rw_lib.sh
. "$(dirname "$0")/rw_lib.sh"

require_prereqs
smb_start
S=$SHARE_DIR
mnt=$(new_mountpoint head)
mount_rw "$mnt"
M=$mnt

# ---- 1, 2: changes through the mount itself
python3 - "$M" >"$T_ROOT/local.out" 2>&1 <<'EOF' || { show_file "$T_ROOT/local.out"; fail "changes through the mount"; }
import os, sys
m = sys.argv[1]
bad = []
for i in range(20):
    for how in ("write", "ftruncate", "otrunc"):
        p = os.path.join(m, "f-%s-%d" % (how, i))
        with open(p, "wb") as f:
            f.write(b"old " * 100)
        r = os.open(p, os.O_RDONLY)  # reads the first bytes with the open
        if how == "write":
            w = os.open(p, os.O_WRONLY)
            os.write(w, b"NEW!")
            os.close(w)
            want = b"NEW!" + (b"old " * 100)[4:]
        elif how == "ftruncate":
            w = os.open(p, os.O_WRONLY)
            os.ftruncate(w, 8)
            os.close(w)
            want = b"old old "
        else:
            w = os.open(p, os.O_WRONLY | os.O_TRUNC)
            os.write(w, b"short")
            os.close(w)
            want = b"short"
        got = os.pread(r, 4096, 0)
        os.close(r)
        if got != want:
            bad.append("%s %d: read %r..., want %r..." % (how, i, got[:12], want[:12]))
if bad:
    print("\n".join(bad[:10]))
    print("%d stale reads" % len(bad))
    sys.exit(1)
EOF
note "reads after a write, ftruncate or O_TRUNC through the same mount see it"

# ---- 3: another client
printf 'first version of the file\n' >"$T_ROOT/v1"
printf 'SECOND version, from smbclient\n' >"$T_ROOT/v2"
stale=0
for i in 1 2 3 4 5; do
	cp "$T_ROOT/v1" "$S/other-$i" || fail "cp into the share"
	exec 7<"$M/other-$i" || fail "open other-$i"
	smbfuse_stats "$M" >"$T_ROOT/s.before"
	smb_client -U "$SMB_USER%$SMB_PASS" //127.0.0.1/share -c "put $T_ROOT/v2 other-$i" >"$T_ROOT/put.out" 2>&1 ||
		{ show_file "$T_ROOT/put.out"; fail "smbclient put other-$i"; }
	# The server breaks the oplock of our open before its write goes on
	# (a batch one) or as it does (level II, MS-CIFS 3.3.4.2): wait for
	# the break to have arrived, at most 10 s.
	b0=$(stat_in "$T_ROOT/s.before" oplock_breaks)
	for _ in $(seq 100); do
		smbfuse_stats "$M" >"$T_ROOT/s.after"
		[ "$(stat_in "$T_ROOT/s.after" oplock_breaks)" -gt "$b0" ] && break
		sleep 0.1
	done
	got=$(python3 -c 'import os; print(os.pread(7, 4096, 0).decode(), end="")')
	exec 7<&-
	[ "$got" = "$(cat "$T_ROOT/v2")" ] || { stale=$((stale + 1)); note "other-$i: read '$got'"; }
done
[ "$stale" = 0 ] || fail "$stale of 5 reads after another client's write returned the old bytes"
note "reads after another client's write (and our oplock's break) see it"

# ---- 4: one round trip for a small file
head -c 3000 /dev/urandom >"$S/small.bin"
smbfuse_stats "$M" >"$T_ROOT/s.before"
cmp -s "$S/small.bin" "$M/small.bin" || fail "small.bin read through the mount differs"
smbfuse_stats "$M" >"$T_ROOT/s.after"
r0=$(stat_in "$T_ROOT/s.before" requests.READ_ANDX)
r1=$(stat_in "$T_ROOT/s.after" requests.READ_ANDX)
check_eq "READ_ANDX requests for a 3000-byte file read whole" 0 "$((r1 - r0))"
note "a small file read whole with its open: no READ_ANDX"
smbfuse_umount "$M"
exit 0
