#!/usr/bin/env bash
# rw_read_growing.sh - reading a file that another client keeps appending to
# (a reader following a log), through -o cache=none so that every read goes
# to the server.  A read answered short at the end of file and then continued
# by the next answer (the file grew in between) is not a server that caps
# reads: the mount must not lower its read size for the rest of the session
# (found by fio/fsx runs of contrib/conformance.sh: it fell to the 16 KiB
# every server honours).  And the bytes read must be the file's.
if [ -z "${BASH_VERSION:-}" ]; then exec bash "$0" "$@"; fi
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source-path=SCRIPTDIR source=rw_lib.sh
. "$(dirname "$0")/rw_lib.sh"

require_prereqs
smb_start
mnt=$(new_mountpoint grow)
mount_rw "$mnt" cache=none

# The other client: appends on the server's disk, 3001 random bytes at a
# time, for about 6 s.
: >"$SHARE_DIR/log"
(
	for _ in $(seq 3000); do
		head -c 3001 /dev/urandom >>"$SHARE_DIR/log" || exit 1
	done
	: >"$T_ROOT/writer.done"
) &
writer=$!
register_helper "$writer"

# The reader: 1 MiB preads from where it is, until the writer is done and a
# read finds the end; then what it read must be the whole file.
timeout 120 python3 - "$mnt/log" "$T_ROOT/writer.done" "$T_ROOT/read.out" <<'EOF' ||
import os, sys
fd = os.open(sys.argv[1], os.O_RDONLY)
out = open(sys.argv[3], "wb")
off = 0
while True:
    done = os.path.exists(sys.argv[2])
    b = os.pread(fd, 1 << 20, off)
    out.write(b)
    off += len(b)
    if not b and done:
        break
EOF
	fail "the reader failed"
wait "$writer" || fail "the writer failed"
check_file_eq "what the reader read of the growing file" "$SHARE_DIR/log" "$T_ROOT/read.out"
note "read $(stat -c %s "$T_ROOT/read.out") bytes while the file grew"

if grep -E 'server took [0-9]+ bytes of a larger read' "$SMBFUSE_LOG"; then
	fail "a file growing under the reader lowered the read size for the whole session"
fi
# A server that really caps reads is still learned: server_io_sizes.sh.
smbfuse_umount "$mnt"
exit 0
