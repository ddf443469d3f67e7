#!/usr/bin/env bash
# readahead.sh - the daemon's read-ahead (src/readahead.c) serves sequential
# reads, and only with data that is current (issue 11, latency).  Functional
# only: nothing here is timed.
#   A  large files read sequentially through contrib/delayproxy.c (10 ms
#      round trip) and through the direct port match the backing files;
#      the read-ahead served the delayed mount.
#   B  a reader part-way through a file on the delayed mount; another client
#      (a second mount, direct) writes into the region just ahead of it:
#      once the server has broken our oplock the reader reads the new bytes.
#   C  the same with the write made by the reader itself (same descriptor,
#      O_RDWR, so no other open breaks an oplock): it reads the new bytes.
#   D  random reads (every one far from the last) are right and fetch
#      nothing ahead.
#   E  the connection is dropped (tests' dropproxy) while read-ahead is in
#      flight: the reader still gets exactly the file, after a reconnect.
#   F  with direct_io (each read(2) reaches the daemon as it is): reads of
#      256 KiB, each block fetched ahead handed over whole; now and then one
#      read again, or one that straddles blocks already handed over, or a
#      small one.  Every byte right, and the daemon still up (before, a
#      read of a block already handed over crashed it).
if [ -z "${BASH_VERSION:-}" ]; then exec bash "$0" "$@"; fi
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source-path=SCRIPTDIR source=reconnect_lib.sh
. "$(dirname "$0")/reconnect_lib.sh"
require_prereqs
served() { rc_stat_value "$1" readahead.served; }

# seq_read FILE [MARK GO]: sha256 of FILE read front to back in 128 KiB
# read(2) calls; with MARK and GO, at 6 MiB it creates MARK and waits for GO
# to exist before reading on.
seq_read() {
	python3 - "$@" <<'PY'
import hashlib, os, sys, time
h, n = hashlib.sha256(), 0
with open(sys.argv[1], "rb", buffering=0) as f:
    while True:
        b = f.read(131072)
        if not b:
            break
        h.update(b)
        n += len(b)
        if n == 6 << 20 and len(sys.argv) > 3:
            open(sys.argv[2], "w").close()
            for _ in range(300):
                if os.path.exists(sys.argv[3]):
                    break
                time.sleep(0.05)
print(h.hexdigest())
PY
}

# No change notification: B is left to the oplock break, C to the write
# itself (Samba would also report our own write back to us).
smb_start 'change notify = no'
S=$SHARE_DIR
rc_big_file "$S/a.bin" 40
rc_big_file "$S/b.bin" 24
rc_big_file "$S/B.bin" 24 # B and C read files the kernel has not cached
rc_big_file "$S/C.bin" 24
head -c 1234567 /dev/urandom >>"$S/b.bin" # an end that is no multiple of anything
rc_delay_start "$SMB_PORT" 10
slow=$(new_mountpoint slow)
SMB_UNC=//127.0.0.1:$DELAY_PORT/share rc_mount "$slow"
direct=$(new_mountpoint direct)
rc_mount "$direct"

# ---------------------------------------------------------------- A
for f in a.bin b.bin; do
	want=$(sha256_of "$S/$f")
	check_eq "A: $f through the delay proxy" "$want" "$(seq_read "$slow/$f")"
	check_eq "A: $f direct" "$want" "$(seq_read "$direct/$f")"
done
note "A: read-ahead served $(served "$slow") bytes on the delayed mount, $(served "$direct") direct"
[ "$(served "$slow")" -gt $((32 << 20)) ] || { rc_stats "$slow"; fail "A: the read-ahead served too little"; }

# ---------------------------------------------------------------- B, C
# reader.py FILE MARKFILE GO OFF LEN [FROM]: reads FILE in 128 KiB read(2)
# calls up to 4 MiB, creates MARKFILE, waits for GO to exist (with FROM:
# first writes FROM's bytes at OFF through its own descriptor), reads on to
# the end and prints the sha256 of the LEN bytes at OFF as it read them.
cat >"$T_ROOT/reader.py" <<'PY'
import hashlib, os, sys, time
path, mark, go, off, ln = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), int(sys.argv[5])
data = bytearray()
with open(path, "r+b" if len(sys.argv) > 6 else "rb", buffering=0) as f:
    while len(data) < 4 << 20:
        data += f.read(131072)
    open(mark, "w").close()
    if len(sys.argv) > 6:
        time.sleep(0.1)  # the read-ahead is sent
        os.pwrite(f.fileno(), open(sys.argv[6], "rb").read(), off)
    for _ in range(300):
        if os.path.exists(go):
            break
        time.sleep(0.05)
    else:
        sys.exit("no go")
    while True:
        b = f.read(131072)
        if not b:
            break
        data += b
print(hashlib.sha256(data[off:off + ln]).hexdigest())
PY
# pwrite.py FILE OFF FROM: FROM's bytes into FILE at OFF
cat >"$T_ROOT/pwrite.py" <<'PY'
import os, sys
fd = os.open(sys.argv[1], os.O_WRONLY)
os.pwrite(fd, open(sys.argv[3], "rb").read(), int(sys.argv[2]))
os.close(fd)
PY

# region: 6 MiB + 4 KiB + 100, ahead of a reader at 4 MiB by more than the
# kernel reads ahead itself, within what the daemon has fetched ahead
# (checked before writing); not page aligned, so that the kernel has to ask
# for the pages the write covers in part (whole pages written through the
# mount it keeps itself).
off=$(((6 << 20) + 4096 + 100))
for case in B C; do
	head -c 32768 /dev/urandom >"$T_ROOT/new.bin"
	want=$(sha256_of "$T_ROOT/new.bin")
	rm -f "$T_ROOT/mark" "$T_ROOT/go"
	from=
	[ "$case" = C ] && from=$T_ROOT/new.bin
	python3 "$T_ROOT/reader.py" "$slow/$case.bin" "$T_ROOT/mark" "$T_ROOT/go" "$off" 32768 \
		${from:+"$from"} >"$T_ROOT/reader.out" 2>&1 &
	reader=$!
	register_helper "$reader"
	wait_file "$T_ROOT/mark" 15 || fail "$case: the reader did not get to 4 MiB"
	sleep 0.1 # the read-ahead is sent
	held=$(rc_stat_value "$slow" readahead.bytes)
	note "$case: $held bytes fetched ahead of the reader"
	[ "$held" -ge $((4 << 20)) ] || fail "$case: the read-ahead is not 4 MiB ahead: $held bytes"
	before=$(rc_stat_value "$slow" oplock_breaks)
	if [ "$case" = B ]; then
		python3 "$T_ROOT/pwrite.py" "$direct/B.bin" "$off" "$T_ROOT/new.bin" || fail "B: write by the other client"
		rc_wait_stat "B: our oplock broken by the other client's write" "$slow" oplock_breaks \
			$((before + 1)) 10
		sleep 0.1
	fi
	touch "$T_ROOT/go"
	rc_wait_pid "$case: the reader" "$reader" 60
	[ "$RC_RC" = 0 ] || { show_file "$T_ROOT/reader.out"; fail "$case: the reader failed"; }
	check_eq "$case: the backing file has the bytes written" "$want" \
		"$(tail -c +$((off + 1)) "$S/$case.bin" | head -c 32768 | sha256sum | cut -c1-64)"
	check_eq "$case: the reader reads the bytes written ahead of it" "$want" "$(cat "$T_ROOT/reader.out")"
done
note "B, C: read-ahead dropped $(rc_stat_value "$slow" readahead.dropped) segments unread"

# ---------------------------------------------------------------- D
r0=$(served "$slow")
python3 - "$slow/b.bin" "$S/b.bin" <<'PY' || fail "D: random reads differ"
import os, random, sys
size = os.path.getsize(sys.argv[2])
rnd = random.Random(11)
# Every read at least 2 MiB from the one before: nothing sequential here.
offs, last = [], -(8 << 20)
while len(offs) < 200:
    o = rnd.randrange(0, size - 65536)
    if abs(o - last) >= 2 << 20:
        offs.append(o)
        last = o
a = os.open(sys.argv[1], os.O_RDONLY)
b = os.open(sys.argv[2], os.O_RDONLY)
for o in offs:
    n = rnd.choice([1, 4096, 65536])
    if os.pread(a, n, o) != os.pread(b, n, o):
        sys.exit("differs at %d (+%d)" % (o, n))
PY
check_eq "D: bytes served by read-ahead during random reads" 0 $(($(served "$slow") - r0))

# ---------------------------------------------------------------- E
smbfuse_umount "$slow"
rc_proxy_start "$DELAY_PORT"
drop=$(new_mountpoint drop)
SMB_UNC=//127.0.0.1:$PROXY_PORT/share rc_mount "$drop"
rm -f "$T_ROOT/mark" "$T_ROOT/go"
seq_read "$drop/b.bin" "$T_ROOT/mark" "$T_ROOT/go" >"$T_ROOT/e.out" 2>&1 &
reader=$!
register_helper "$reader"
wait_file "$T_ROOT/mark" 15 || fail "E: the reader did not get to 6 MiB"
rc_proxy_drop
touch "$T_ROOT/go"
rc_wait_pid "E: the reader" "$reader" 120
[ "$RC_RC" = 0 ] || { show_file "$T_ROOT/e.out"; fail "E: the reader failed"; }
check_eq "E: read across a dropped connection" "$(sha256_of "$S/b.bin")" "$(cat "$T_ROOT/e.out")"
[ "$(rc_stat_value "$drop" reconnects)" -ge 1 ] || fail "E: no reconnect counted"
[ "$(served "$drop")" -gt 0 ] || fail "E: the read-ahead served nothing"
smbfuse_umount "$drop"

# ---------------------------------------------------------------- F
dio=$(new_mountpoint dio)
rc_mount "$dio" direct_io
python3 - "$dio/b.bin" "$S/b.bin" <<'PY' || fail "F: reads differ"
import os, sys
size = os.path.getsize(sys.argv[2])
a = os.open(sys.argv[1], os.O_RDONLY)
b = os.open(sys.argv[2], os.O_RDONLY)
K = 256 << 10
def check(o, n):
    if os.pread(a, n, o) != os.pread(b, n, o):
        sys.exit("differs at %d (+%d)" % (o, n))
o, i = 0, 0
while o < size:
    check(o, K)
    if i % 4 == 3:
        check(o, K)                      # the same block again
    if i % 5 == 4:
        check(o - K // 2, K)             # across two handed-over blocks
    if i % 7 == 6:
        check(o + 4096, 4096)            # a small one, ahead
    o, i = o + K, i + 1
PY
is_mounted "$dio" || fail "F: the daemon is gone"
[ "$(served "$dio")" -gt 0 ] || fail "F: the read-ahead served nothing"
smbfuse_umount "$dio"
smbfuse_umount "$direct"
note "PASS"
