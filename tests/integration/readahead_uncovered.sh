#!/usr/bin/env bash
# readahead_uncovered.sh - read-ahead is a cache, so it follows the rules of
# the kernel's cached pages: nothing is served from it when nothing would
# tell the mount of another client's change (a server that grants no
# oplocks and sends no change notifications), nor with cache=none; a
# sequential read then goes to the server read by read, and another
# client's write in the middle of it is seen at once.  (With an oplock or
# notification, readahead.sh covers it.)
if [ -z "${BASH_VERSION:-}" ]; then exec bash "$0" "$@"; fi
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source-path=SCRIPTDIR source=reconnect_lib.sh
. "$(dirname "$0")/reconnect_lib.sh"

require_prereqs
smb_start 'oplocks = no' 'level2 oplocks = no' 'change notify = no'
S=$SHARE_DIR

# read_with_change MNT: reads f.bin in 128 KiB pieces; at 8 MiB another
# writer (on the server's disk) puts 1 MiB of 0xff at 10 MiB; prints the
# first byte read at 10 MiB.
read_with_change() {
	python3 - "$1/f.bin" "$S/f.bin" <<'PY'
import os, sys
r = os.open(sys.argv[1], os.O_RDONLY)
got = None
for off in range(0, 16 << 20, 128 << 10):
    if off == 8 << 20:
        w = os.open(sys.argv[2], os.O_WRONLY)
        os.pwrite(w, b"\xff" * (1 << 20), 10 << 20)
        os.close(w)
    b = os.pread(r, 128 << 10, off)
    if off == 10 << 20:
        got = b[0]
os.close(r)
print(got)
PY
}

for opts in "" cache=none; do
	head -c $((16 << 20)) /dev/zero >"$S/f.bin"
	m=$(new_mountpoint "ra${opts:+-$opts}")
	# direct_io (cache=none) or a fresh open: each read reaches the daemon
	rc_mount "$m" "${opts:-actimeo=0}"
	got=$(read_with_change "$m")
	check_eq "${opts:-default}: byte at 10 MiB after another client's write" 255 "$got"
	check_eq "${opts:-default}: bytes served from read-ahead" 0 "$(rc_stat_value "$m" readahead.served)"
	smbfuse_umount "$m"
done
exit 0
