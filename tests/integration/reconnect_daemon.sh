#!/usr/bin/env bash
# reconnect_daemon.sh - a mount started the usual way (no -f: smbfuse
# detaches, and logs to syslog from then on) rides through killed server
# processes like a foreground one: every smbd child serving it is killed,
# and a read and a write through the mount then succeed on new connections.
# The other reconnect tests all run in the foreground (-f); this one covers
# the detached daemon, whose sanitizer reports the fixture still collects
# (configure --enable-tsan or --enable-asan, see README).
if [ -z "${BASH_VERSION:-}" ]; then exec bash "$0" "$@"; fi
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source-path=SCRIPTDIR source=reconnect_lib.sh
. "$(dirname "$0")/reconnect_lib.sh"

require_prereqs
smb_start
S=$SHARE_DIR
head -c 2000000 /dev/urandom >"$S/data.bin"

mnt=$(new_mountpoint daemon)
smbfuse_mount_daemon "$mnt" -o "username=$SMB_USER,password=$SMB_PASS"
check_file_eq "data.bin before the drop" "$S/data.bin" "$mnt/data.bin"

rc_kill_serving
rc_timed "$T_ROOT/cat.out" timeout 60 cat "$mnt/data.bin"
[ "$RC_RC" = 0 ] || fail "cat through the mount after the drop exited $RC_RC"
check_file_eq "data.bin after the drop" "$S/data.bin" "$T_ROOT/cat.out"
echo "written after the drop" >"$mnt/after.txt" || fail "write through the mount after the drop"
check_eq "backing copy of after.txt" "written after the drop" "$(cat "$S/after.txt")"
rc_wait_stat "reconnects counted" "$mnt" reconnects 1 30
note "read and write ok after the drop ($(rc_stat_value "$mnt" reconnects) reconnects)"

smbfuse_umount "$mnt"
