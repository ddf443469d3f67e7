#!/usr/bin/env bash
# reconnect_interrupt.sh - a process waiting for a server that is away can
# be killed, as on an NFS hard mount: the wait for a new connection ends
# with EINTR when FUSE says the request was interrupted.  It used to ignore
# SIGINT and sit in state D after SIGKILL until reconnect_timeout, and for
# ever with -o hard (where unmounting then failed with EBUSY).
#   With -o hard and smbd killed, a cat waiting for the server exits within
#   5 s of SIGKILL, SIGTERM, and SIGKILL again; then the mount unmounts
#   normally.
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
smbfuse_umount "$mnt"
note "PASS"
