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
#   E  With -o hard and smbd stopped (SIGSTOP), a writer waits for room in
#      its write-behind window; SIGKILL ends it within 5 s (it sat in state
#      D until the server answered: write-behind's waits were never given
#      up).  Once smbd is continued the queue is sent: the file on the
#      server holds every write(2) that returned, and the mount unmounts.
#   F  The same with a writer that queues 2 MiB and exits without closing
#      (the flush of its close at exit waits for the queue): it ends once
#      nothing has been answered for 5 s, within 15 s, and its data reaches
#      the server once smbd is continued (it sat in state S, unkillable as
#      it was exiting, until then).
#   G  But a server that is only slow (2 s round trip, through
#      contrib/delayproxy.c) keeps answering: a writer that exits without
#      closing, 4 MiB still queued, ends with its data on the server, as
#      after close(2) (the first version of F's fix gave up after 1 s).
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

# ---------------------------------------------------------------- E, F
head -c 262144 /dev/urandom >"$T_ROOT/chunk"
for _ in $(seq 64); do cat "$T_ROOT/chunk"; done >"$T_ROOT/expected"

# queued_writer PART MNT CHUNKS: a writer on a fresh hard mount MNT writes
# one chunk of 256 KiB to MNT/PART (fsync'ed: on the server), then stops
# smbd, and writes CHUNKS more as fast as it can (write-behind queues them
# and, past its window, the writer waits for room); then exits without
# closing.  Each write(2) that returned is a line in T_ROOT/PART.done.
# Sets WRITER.
queued_writer() {
	local part=$1 mnt=$2 i
	rc_mount "$mnt" hard
	start_writer "$T_ROOT/chunk" "$mnt/$part" "$T_ROOT/$part" "$3"
	for ((i = 0; i < 100; i++)); do
		[ "$(stat -c %s "$SHARE_DIR/$part" 2>/dev/null)" = 262144 ] && break
		_t_alive "$WRITER" || break
		sleep 0.1
	done
	[ "$(stat -c %s "$SHARE_DIR/$part" 2>/dev/null)" = 262144 ] ||
		fail "$part: the first chunk did not reach the server: $(cat "$T_ROOT/$part.err")"
	rc_smb_sigstop
	touch "$T_ROOT/$part.go"
}

# start_writer CHUNK FILE STEM CHUNKS: the writer of queued_writer; it
# starts its CHUNKS writes once STEM.go exists.
start_writer() {
	python3 -c '
import os, sys, time
chunk = open(sys.argv[1], "rb").read()
fd = os.open(sys.argv[2], os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
os.write(fd, chunk)
os.fsync(fd)
while not os.path.exists(sys.argv[3] + ".go"):
    time.sleep(0.05)
done = open(sys.argv[3] + ".done", "w", buffering=1)
for _ in range(int(sys.argv[4])):
    os.write(fd, chunk)
    done.write("1\n")
os._exit(0)
' "$@" 2>"$3.err" &
	WRITER=$!
	register_helper "$WRITER"
}

# writer_ends PART WHAT SECONDS: WRITER ends within SECONDS, or smbd is
# continued and the test fails.
writer_ends() {
	local i state
	for ((i = 0; i < $3 * 10; i++)); do
		_t_alive "$WRITER" || break
		sleep 0.1
	done
	if _t_alive "$WRITER"; then
		state=$(awk '{print $3}' "/proc/$WRITER/stat" 2>/dev/null)
		rc_smb_sigcont
		fail "$1: $2 still runs $3 s later (state $state)"
	fi
	wait "$WRITER" 2>/dev/null
	note "$1: $2 ended"
}

# server_has PART MNT: once smbd is continued, the queue is sent (a stat
# waits for it) and the mount unmounts; sets SIZE, the size on the server.
server_has() {
	rc_smb_sigcont
	timeout 90 stat "$2/$1" >/dev/null || fail "$1: stat after smbd was continued"
	smbfuse_umount "$2"
	SIZE=$(stat -c %s "$SHARE_DIR/$1")
}

mntE=$(new_mountpoint E)
queued_writer e "$mntE" 63
sleep 3
_t_alive "$WRITER" || fail "e: the writer ended with the server stopped and a hard mount: $(cat "$T_ROOT/e.err")"
kill -KILL "$WRITER"
writer_ends e "the writer waiting for write-behind, after SIGKILL," 5
server_has e "$mntE"
returned=$((262144 * (1 + $(wc -l <"$T_ROOT/e.done"))))
[ "$SIZE" -ge "$returned" ] ||
	fail "E: $SIZE bytes on the server, where the write(2) calls that returned made $returned"
cmp -s -n "$SIZE" "$SHARE_DIR/e" "$T_ROOT/expected" ||
	fail "E: the $SIZE bytes on the server are not what was written"
note "E: once smbd answered again, the server had the $SIZE bytes written ($returned returned)"

mntF=$(new_mountpoint F)
queued_writer f "$mntF" 7
writer_ends f "the writer exiting with writes queued" 15
server_has f "$mntF"
cmp -s "$SHARE_DIR/f" <(head -c $((8 * 262144)) "$T_ROOT/expected") ||
	fail "F: the server does not have the 2 MiB written before the exit ($SIZE bytes)"
note "F: the 2 MiB written before the exit reached the server once smbd was continued"

# ---------------------------------------------------------------- G
rc_delay_start "$SMB_PORT" 2000
mntG=$(new_mountpoint G)
# (daemon mode: mounting takes over 15 s at this round-trip time)
SMB_UNC=//127.0.0.1:$DELAY_PORT/share smbfuse_mount_daemon "$mntG" -o "username=$SMB_USER,password=$SMB_PASS"
touch "$T_ROOT/g.go"
start_writer "$T_ROOT/chunk" "$mntG/g" "$T_ROOT/g" 23
rc_wait_pid "G: the writer" "$WRITER" 120
[ "$RC_RC" = 0 ] || fail "G: the writer failed: $(cat "$T_ROOT/g.err")"
cmp -s "$SHARE_DIR/g" <(head -c $((24 * 262144)) "$T_ROOT/expected") ||
	fail "G: when the writer had exited, the server had $(stat -c %s "$SHARE_DIR/g") of its $((24 * 262144)) bytes"
smbfuse_umount "$mntG"
note "G: a writer exiting without closing, on a slow server, ended with its 6 MiB on the server"
note "PASS"
