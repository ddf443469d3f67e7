#!/usr/bin/env bash
# writebehind_enospc.sh - writes that fail on the server (its disk is full)
# must reach the writer although write(2) returned before the data left
# (write-behind): the file's next write, fsync or close fails with ENOSPC,
# never a silent success.  The share lives on an 8 MiB tmpfs; 32 MiB are
# written through the mount by dd (with and without conv=fsync) and by a
# program that reports where the error surfaced.  With nowritebehind the
# write itself fails, as a reference.
if [ -z "${BASH_VERSION:-}" ]; then exec bash "$0" "$@"; fi
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"

require_prereqs
command -v python3 >/dev/null || skip "python3 not installed"

smb_start
full=$SHARE_DIR
mount -t tmpfs -o size=8m,mode=0777 smbfuse-test-full "$full" || skip "cannot mount a tmpfs"
# Our tmpfs goes after the mounts and smbd (lazily: smbd may still hold it).
_wb_cleanup() {
	local rc=$?
	umount -l "$full" 2>/dev/null
	(exit "$rc")
	_t_cleanup
}
trap _wb_cleanup EXIT

cat >"$T_ROOT/writer.py" <<'PY'
import errno, os, sys
path, mib, sync = sys.argv[1], int(sys.argv[2]), sys.argv[3] == "fsync"
chunk = b"\xa5" * (1 << 20)
where = "none"
err = 0
fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
try:
    for i in range(mib):
        os.write(fd, chunk)
    if sync:
        where = "fsync"
        os.fsync(fd)
    where = "close"
    os.close(fd)
    fd = -1
except OSError as e:
    err = e.errno
    if where == "none":
        where = "write"
finally:
    if fd >= 0:
        try:
            os.close(fd)
        except OSError:
            pass
print(where, errno.errorcode.get(err, str(err)))
PY

# run_case WHAT MNT NAME MODE [MIB]: the error must come as ENOSPC somewhere.
run_case() {
	local what=$1 mnt=$2 name=$3 mode=$4 mib=${5:-32} out
	out=$(timeout 120 python3 "$T_ROOT/writer.py" "$mnt/$name" "$mib" "$mode") ||
		fail "$what: writer exited $?"
	note "$what: error at $out"
	case $out in
	"none "*) fail "$what: $mib MiB written to an 8 MiB disk without an error" ;;
	*" ENOSPC") ;;
	*) fail "$what: wrong error: $out" ;;
	esac
	rm -f "$mnt/$name" "$full/$name"
}

mnt=$(new_mountpoint wb)
smbfuse_mount "$mnt" -o "username=$SMB_USER,password=$SMB_PASS"
run_case "close reports it" "$mnt" a.bin close
run_case "fsync reports it" "$mnt" b.bin fsync
# Just over the disk: the failing writes are the last ones, still queued
# when the writer is done, so close or fsync is where it hears of them.
run_case "9 MiB, close" "$mnt" c.bin close 9
run_case "9 MiB, fsync" "$mnt" d.bin fsync 9

# dd: the failure must show in its exit status, with or without fsync.
for flags in "" conv=fsync; do
	if timeout 120 dd if=/dev/zero of="$mnt/dd.bin" bs=1M count=32 $flags 2>"$T_ROOT/dd.err"; then
		fail "dd $flags: 32 MiB written to an 8 MiB disk, exit 0"
	fi
	check_contains "dd $flags error" "$T_ROOT/dd.err" "No space left on device"
	rm -f "$mnt/dd.bin" "$full/dd.bin"
done

# The mount is fine afterwards: a file that fits lands whole.
head -c 3000000 /dev/urandom >"$T_ROOT/fits"
cp "$T_ROOT/fits" "$mnt/fits" || fail "cp of a file that fits, after the failures"
check_file_eq "a file that fits" "$T_ROOT/fits" "$full/fits"
rm -f "$mnt/fits"
smbfuse_umount "$mnt"
grep -q "delayed write .* failed" "$SMBFUSE_LOG" || { show_file "$SMBFUSE_LOG"; fail "no log line for the failed delayed write"; }

# Reference: without write-behind the write itself fails.
mnt=$(new_mountpoint sync)
smbfuse_mount "$mnt" -o "username=$SMB_USER,password=$SMB_PASS,nowritebehind"
out=$(timeout 120 python3 "$T_ROOT/writer.py" "$mnt/c.bin" 32 close) || fail "writer exited $?"
check_eq "nowritebehind: where the error comes" "write ENOSPC" "$out"
smbfuse_umount "$mnt"
exit 0
