#!/usr/bin/env bash
# rw_written_attrs.sh - the attributes shown after writing through the
# mount and setting the times (tar, cp -p), which the mount keeps across
# its own writes under an exclusive oplock (cache_update_written) instead
# of asking again: each case compared, through the mount, with the file on
# the server's disk.
#   new file written and its times set (as tar): size and mtime known;
#   cp -p of a small file over a large one (an O_TRUNC open): the new size,
#     not the old one (before: the old size, kept across the write);
#   a setuid file appended to and its times set: the mode the server shows;
#   one byte written 1 GiB into a new file (a hole): the blocks the server
#     allocated, not 2 million made up from the size;
#   appending after the times were set: the server's times again.
if [ -z "${BASH_VERSION:-}" ]; then exec bash "$0" "$@"; fi
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"

require_prereqs
command -v python3 >/dev/null 2>&1 || skip "python3 not installed"
smb_start 'share:create mask = 0777'
S=$SHARE_DIR
mnt=$(new_mountpoint m)
smbfuse_mount_daemon "$mnt" -o "username=$SMB_USER,password=$SMB_PASS,actimeo=60"

# same WHAT NAME [blocks]: size, mode and mtime through the mount are the
# server's; with "blocks", the blocks too (elsewhere they may be the size
# in 512-byte units until the server's notification of the change comes,
# as the Linux client shows them).
same() {
	local f='%s %a %Y' a b
	[ "${3:-}" = blocks ] && f='%s %a %Y %b'
	a=$(stat -c "$f" "$mnt/$2") b=$(stat -c "$f" "$S/$2")
	[ "$a" = "$b" ] || fail "$1: the mount shows '$a' ($f), the server has '$b'"
}
# write_set NAME OFFSET BYTES MTIME [FLAGS]: one open, a write of BYTES at
# OFFSET, the times set through the handle (futimens), the close.
write_set() {
	python3 - "$mnt/$1" "$2" "$3" "$4" "${5:-}" <<'PY' || fail "writing $1"
import os, sys
path, off, n, mtime, flags = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), sys.argv[5]
# (cp opens an existing target O_WRONLY | O_TRUNC, without O_CREAT.)
f = os.O_WRONLY | (os.O_TRUNC if "trunc" in flags else os.O_CREAT) | (os.O_APPEND if "append" in flags else 0)
fd = os.open(path, f, 0o644)
os.pwrite(fd, b"x" * n, off) if "append" not in flags else os.write(fd, b"x" * n)
os.utime(fd, ns=(mtime * 10**9, mtime * 10**9))
os.close(fd)
PY
}

write_set new 0 5000 1600000000
same "a new file written, its times set" new
note "new file: $(stat -c '%s %Y %b' "$mnt/new")"

head -c 20000 /dev/urandom >"$S/big"
stat "$mnt/big" >/dev/null
write_set big 0 100 1600000100 trunc
same "an O_TRUNC open over a larger file, written, its times set" big

echo abc >"$S/suid" && chmod 4755 "$S/suid"
stat "$mnt/suid" >/dev/null
write_set suid 0 10 1600000200 append
same "a setuid file appended to, its times set" suid

write_set hole $((1 << 30)) 1 1600000300
same "one byte written 1 GiB into a new file" hole blocks

write_set new 0 10 1600000400 append
python3 -c 'import os, sys; fd = os.open(sys.argv[1], os.O_WRONLY | os.O_APPEND); os.write(fd, b"more"); os.close(fd)' "$mnt/new" ||
	fail "appending"
sleep 0.2 # the server's notification of the change
same "appended to after the times were set" new

smbfuse_umount "$mnt"
note "PASS"
