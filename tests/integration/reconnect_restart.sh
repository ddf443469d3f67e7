#!/usr/bin/env bash
# reconnect_restart.sh - an idle mount survives a server restart: smbd is
# stopped entirely (every connection of the mount closes, the port refuses),
# then a new smbd is started with the same smb.conf (same port, same share
# directory).  ls, cat and a write through the mount then succeed (they may
# wait for the background reconnect), and see what the new server serves.
if [ -z "${BASH_VERSION:-}" ]; then exec bash "$0" "$@"; fi
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source-path=SCRIPTDIR source=reconnect_lib.sh
. "$(dirname "$0")/reconnect_lib.sh"

require_prereqs
smb_start
S=$SHARE_DIR

printf 'hello before the restart\n' >"$S/hello.txt"
mkdir -p "$S/dir"
for i in $(seq 20); do echo "file $i" >"$S/dir/f$i.txt"; done
head -c 300000 /dev/urandom >"$S/random.bin"

mnt=$(new_mountpoint restart)
rc_mount "$mnt"
log=$SMBFUSE_LOG
check_file_eq "hello.txt before the restart" "$S/hello.txt" "$mnt/hello.txt"
tree_listing "$S" >"$T_ROOT/want.lst"
tree_listing "$mnt" >"$T_ROOT/got.lst" || fail "find through the mount failed"
check_lists_eq "tree before the restart" "$T_ROOT/want.lst" "$T_ROOT/got.lst"
sleep 1 # idle

old_pid=$SMB_PID
smb_stop
port_open "$SMB_PORT" && fail "port $SMB_PORT still open after smb_stop"
note "smbd $old_pid stopped; port $SMB_PORT refuses"
rc_wait_log "drop logged while the server is down" "$log" 'connection to .* lost' 1 20
sleep 2 # the server stays away a little longer: reconnect attempts are refused

# changes made while the server was down: the mount must show the new server's view
printf 'written while the server was down\n' >"$S/new-after-restart.txt"
echo "file 1 changed" >"$S/dir/f1.txt"
rc_smb_restart

rc_timed "$T_ROOT/ls.out" timeout 90 ls -la "$mnt"
[ "$RC_RC" = 0 ] || { show_file "$T_ROOT/ls.out"; fail "ls -la through the mount after the restart exited $RC_RC"; }
note "first ls after the restart took $RC_MS ms"
grep -q 'new-after-restart\.txt' "$T_ROOT/ls.out" ||
	{ show_file "$T_ROOT/ls.out"; fail "ls after the restart does not show the file created meanwhile"; }
rc_timed "$T_ROOT/cat.out" timeout 60 cat "$mnt/new-after-restart.txt"
[ "$RC_RC" = 0 ] || { show_file "$T_ROOT/cat.out"; fail "cat through the mount after the restart exited $RC_RC"; }
check_file_eq "new-after-restart.txt" "$S/new-after-restart.txt" "$T_ROOT/cat.out"
check_file_eq "hello.txt after the restart" "$S/hello.txt" "$mnt/hello.txt"
check_file_eq "random.bin after the restart" "$S/random.bin" "$mnt/random.bin"
check_file_eq "dir/f1.txt (changed while down) after the restart" "$S/dir/f1.txt" "$mnt/dir/f1.txt"
tree_listing "$S" >"$T_ROOT/want.lst"
tree_listing "$mnt" >"$T_ROOT/got.lst" || fail "find through the mount after the restart failed"
check_lists_eq "tree after the restart" "$T_ROOT/want.lst" "$T_ROOT/got.lst"
echo "written after the restart" >"$mnt/written.txt" || fail "write through the mount after the restart"
check_eq "backing copy of written.txt" "written after the restart" "$(cat "$S/written.txt")"
note "ls / cat / write ok after the restart"

rc_wait_log "reconnect logged" "$log" 'reconnected' 1 30
rc_wait_stat "reconnects counted" "$mnt" reconnects 1 10
note "log: $(rc_log_count "$log" 'connection to .* lost') 'lost', $(rc_log_count "$log" reconnected) 'reconnected'; stats reconnects: $(rc_stat_value "$mnt" reconnects)"
[ "$(rc_smbd_serving | wc -l)" -ge 1 ] || fail "no child of the new smbd serves the mount"

smbfuse_umount "$mnt"
_t_check_stderr "$log"
exit 0
