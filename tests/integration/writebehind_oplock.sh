#!/usr/bin/env bash
# writebehind_oplock.sh - writes held back by write-behind are on the server
# before another client can see the file: a program writes 6 MiB through the
# mount and, with the file still open (no fsync, no close), tells us; then
# smbclient (another SMB client) reads the file.  Its open breaks our oplock,
# our answer waits for the queued writes, so it must get all 6 MiB.  Then the
# holder writes more (no oplock now: each write goes out before write(2)
# returns) and smbclient must see that at once too.
if [ -z "${BASH_VERSION:-}" ]; then exec bash "$0" "$@"; fi
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"

require_prereqs
command -v python3 >/dev/null || skip "python3 not installed"
smb_start
mnt=$(new_mountpoint wbo)
smbfuse_mount "$mnt" -o "username=$SMB_USER,password=$SMB_PASS"
C=$T_ROOT/ctl
mkdir -p "$C"
head -c $((6 << 20)) /dev/urandom >"$T_ROOT/part1"
head -c $((2 << 20)) /dev/urandom >"$T_ROOT/part2"

cat >"$T_ROOT/holder.py" <<'PY'
import os, sys, time
path, ctl, p1, p2 = sys.argv[1:5]

def wait_for(name):
    end = time.time() + 120
    while not os.path.exists(os.path.join(ctl, name)):
        if time.time() > end:
            sys.exit("no " + name)
        time.sleep(0.02)

fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
data = open(p1, "rb").read()
for i in range(0, len(data), 1 << 20):
    os.write(fd, data[i:i + (1 << 20)])
open(os.path.join(ctl, "written1"), "w").close()
wait_for("read1")
data = open(p2, "rb").read()
for i in range(0, len(data), 1 << 20):
    os.write(fd, data[i:i + (1 << 20)])
open(os.path.join(ctl, "written2"), "w").close()
wait_for("read2")
os.close(fd)
PY

python3 "$T_ROOT/holder.py" "$mnt/f.bin" "$C" "$T_ROOT/part1" "$T_ROOT/part2" >"$T_ROOT/holder.out" 2>&1 &
holder=$!
register_helper "$holder"
wait_step() {
	wait_file "$C/$1" 120 "$holder" && return 0
	show_file "$T_ROOT/holder.out"
	fail "holder did not reach $1"
}

wait_step written1
smb_client //127.0.0.1/share -U "$SMB_USER%$SMB_PASS" -c "get f.bin $T_ROOT/got1" >"$T_ROOT/get1.out" 2>&1 ||
	{ show_file "$T_ROOT/get1.out"; fail "smbclient get while the file is open"; }
check_file_eq "another client's read while our writes were held back" "$T_ROOT/part1" "$T_ROOT/got1"
touch "$C/read1"

wait_step written2
cat "$T_ROOT/part1" "$T_ROOT/part2" >"$T_ROOT/want2"
smb_client //127.0.0.1/share -U "$SMB_USER%$SMB_PASS" -c "get f.bin $T_ROOT/got2" >"$T_ROOT/get2.out" 2>&1 ||
	{ show_file "$T_ROOT/get2.out"; fail "second smbclient get"; }
check_file_eq "another client's read after writes without the oplock" "$T_ROOT/want2" "$T_ROOT/got2"
touch "$C/read2"
rc_rc=0
wait "$holder" || rc_rc=$?
[ "$rc_rc" = 0 ] || { show_file "$T_ROOT/holder.out"; fail "holder exited $rc_rc"; }
timeout 30 "$SMBFUSE" --stats "$mnt" >"$T_ROOT/stats"
check_contains "oplock broken" "$T_ROOT/stats" '^oplock_breaks: [1-9]'
check_contains "writes were held back" "$T_ROOT/stats" '^writebehind.queued: [1-9]'
smbfuse_umount "$mnt"
exit 0
