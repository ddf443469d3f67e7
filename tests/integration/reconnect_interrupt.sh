#!/usr/bin/env bash
# reconnect_interrupt.sh - a process waiting for a server that is away can
# be killed, as on an NFS hard mount: the wait for a new connection ends
# with EINTR when FUSE says the request was interrupted.  It used to ignore
# SIGINT and sit in state D after SIGKILL until reconnect_timeout, and for
# ever with -o hard (where unmounting then failed with EBUSY).
#   A  With -o hard and smbd killed, a cat waiting for the server exits
#      within 5 s of SIGKILL, SIGTERM, and SIGKILL again.
#   B  A waiting cat stopped and continued (SIGSTOP, SIGCONT: not fatal)
#      keeps waiting, and reads the file once smbd is back, as on an NFS
#      hard mount (an interrupt is only taken for a fatal signal).
#   C  With change notification on (its watch thread waits for the server
#      too) and a file deleted while open (the kernel's hidden file, whose
#      close waits for the server), smbd killed again for 8 s: the hard
#      mount unmounts, and the daemon exits 0 within 15 s.
#   D  SIGTERM to the daemon while a hidden file is open and another file
#      open for writing holds write-behind data, the server up: it exits by
#      itself (it crashed in its exit-time clean-up, asking libfuse whether
#      a request that was gone had been interrupted), the data written is on
#      the server (what write-behind still holds is sent at exit), and
#      nothing leaks (ThreadSanitizer saw the connections' threads of the
#      files never released left running).
if [ -z "${BASH_VERSION:-}" ]; then exec bash "$0" "$@"; fi
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source-path=SCRIPTDIR source=reconnect_lib.sh
. "$(dirname "$0")/reconnect_lib.sh"
require_prereqs

smb_start
S=$SHARE_DIR
echo hello >"$S/f"
mnt=$(new_mountpoint A)
rc_mount "$mnt" hard,cache=none
check_eq "cat before" hello "$(cat "$mnt/f")"
rc_smb_kill_now

# waiter SIGNAL: a cat through the mount, waiting for the server, then SIGNAL.
waiter() {
	local sig=$1 pid i state=""
	cat "$mnt/f" >/dev/null 2>&1 &
	pid=$!
	register_helper "$pid"
	sleep 2
	_t_alive "$pid" || fail "$sig: the cat ended with the server away and a hard mount"
	kill "-$sig" "$pid"
	for ((i = 0; i < 50; i++)); do
		_t_alive "$pid" || break
		sleep 0.1
	done
	if _t_alive "$pid"; then
		state=$(awk '{print $3}' "/proc/$pid/stat" 2>/dev/null)
		fail "$sig: the cat waiting for the server still runs 5 s later (state $state)"
	fi
	wait "$pid" 2>/dev/null
	note "$sig: the waiting cat ended"
}
waiter KILL
waiter TERM
waiter KILL

# ---------------------------------------------------------------- B
cat "$mnt/f" >"$T_ROOT/b.out" 2>"$T_ROOT/b.err" &
reader=$!
register_helper "$reader"
sleep 2
kill -STOP "$reader"
sleep 1
kill -CONT "$reader"
sleep 2
_t_alive "$reader" || fail "B: the waiting cat ended after SIGSTOP/SIGCONT: $(cat "$T_ROOT/b.err")"
rc_smb_restart
rc_wait_pid "B: the cat" "$reader" 60
[ "$RC_RC" = 0 ] || fail "B: the cat failed once smbd was back: $(cat "$T_ROOT/b.err")"
check_eq "B: what the cat read" hello "$(cat "$T_ROOT/b.out")"
note "B: a stopped and continued reader kept waiting and read the file"
smbfuse_umount "$mnt"

# ---------------------------------------------------------------- C
mntC=$(new_mountpoint C)
rc_mount "$mntC" hard
rc_wait_stat "C: change notification armed" "$mntC" notify.arms 1 10
exec 4<"$mntC/f" || fail "C: open"
rm "$mntC/f" || fail "C: rm of the open file"
rc_smb_kill_now
exec 4<&-
sleep 8
smbfuse_umount "$mntC"
note "C: the hard mount unmounted with the server away"

# ---------------------------------------------------------------- D
rc_smb_restart
mntD=$(new_mountpoint D)
rc_mount "$mntD"
daemon=$SMBFUSE_PID
echo gone >"$S/g"
exec 4<"$mntD/g" || fail "D: open"
rm "$mntD/g" || fail "D: rm of the open file"
exec 5>"$mntD/w" || fail "D: open for writing"
printf 'written before SIGTERM\n' >&5 || fail "D: write"
kill -TERM "$daemon"
for _ in $(seq 150); do _t_alive "$daemon" || break; sleep 0.1; done
_t_alive "$daemon" && fail "D: smbfuse still running 15 s after SIGTERM"
wait "$daemon"
rc=$?
exec 4<&- 5>&-
check_eq "D: the file written before SIGTERM, on the server" "written before SIGTERM" "$(cat "$S/w")"
# 32 (a loop ended by a signal, as before); not a death by a signal (> 128).
[ "$rc" -lt 128 ] || { show_file "$SMBFUSE_LOG"; fail "D: smbfuse died with status $rc after SIGTERM"; }
is_mounted "$mntD" && fail "D: still mounted after SIGTERM"
unset "_T_MOUNT_PID[$mntD]" # exited and unmounted: nothing for the cleanup
note "D: SIGTERM with a hidden file open: exit status $rc, no crash"
note "PASS"
