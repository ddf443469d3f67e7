#!/usr/bin/env bash
# reconnect_idle_drop.sh - a middlebox drops idle connections: smbfuse
# mounts through dropproxy.py, which closes any connection idle for 2 s,
# with echo_interval=60 (so its echoes cannot keep the connections alive).
# After 4 s idle the next ls / cat works, and the log shows the drop and the
# reconnect.  Then the proxy drops every connection at once (SIGUSR1) and ls /
# cat right after work as well.
if [ -z "${BASH_VERSION:-}" ]; then exec bash "$0" "$@"; fi
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source-path=SCRIPTDIR source=reconnect_lib.sh
. "$(dirname "$0")/reconnect_lib.sh"

require_prereqs
smb_start
S=$SHARE_DIR

printf 'hello through the proxy\n' >"$S/hello.txt"
head -c 3000000 /dev/urandom >"$S/random.bin"
mkdir -p "$S/dir"
for i in $(seq 10); do echo "file $i" >"$S/dir/f$i.txt"; done

rc_proxy_start "$SMB_PORT" 2
note "dropproxy on port $PROXY_PORT -> $SMB_PORT, idle limit 2 s"

mnt=$(new_mountpoint idle)
SMB_UNC=//127.0.0.1:$PROXY_PORT/share rc_mount "$mnt" echo_interval=60
log=$SMBFUSE_LOG
check_file_eq "hello.txt through the proxy" "$S/hello.txt" "$mnt/hello.txt"

sleep 4
idle_closes=$(rc_log_count "$PROXY_LOG" ' idle \(')
[ "$idle_closes" -ge 1 ] || { show_file "$PROXY_LOG"; fail "the proxy closed no idle connection in 4 s (smbfuse kept them busy? echo_interval=60 should not)"; }
note "the proxy closed $idle_closes idle connection(s)"

# the next operations work (they may wait for the reconnect)
mkdir -p "$T_ROOT/out"
rc_timed "$T_ROOT/out/ls" timeout 60 ls "$mnt/dir"
[ "$RC_RC" = 0 ] || { show_file "$T_ROOT/out/ls"; fail "ls after the idle drop exited $RC_RC"; }
note "ls after the idle drop took $RC_MS ms"
(cd "$S/dir" && ls) >"$T_ROOT/want.ls"
check_lists_eq "ls dir after the idle drop" "$T_ROOT/want.ls" "$T_ROOT/out/ls"
rc_timed "$T_ROOT/out/cat" timeout 60 cat "$mnt/random.bin"
[ "$RC_RC" = 0 ] || { head -c 500 "$T_ROOT/out/cat"; fail "cat after the idle drop exited $RC_RC"; }
check_file_eq "random.bin after the idle drop" "$S/random.bin" "$T_ROOT/out/cat"
check_file_eq "hello.txt after the idle drop" "$S/hello.txt" "$mnt/hello.txt"
rc_wait_log "idle drop logged" "$log" 'connection to .* lost' 1 20
rc_wait_log "reconnect logged" "$log" 'reconnected' 1 20
rc_wait_stat "reconnects counted" "$mnt" reconnects 1 10
note "idle drop: ok (log: $(rc_log_count "$log" 'connection to .* lost') 'lost', $(rc_log_count "$log" reconnected) 'reconnected')"

# drop everything at once, then use the mount at once
for round in 1 2 3; do
	lost_before=$(rc_log_count "$log" 'connection to .* lost')
	rc_proxy_drop
	rc_timed "$T_ROOT/out/cat" timeout 60 cat "$mnt/random.bin"
	[ "$RC_RC" = 0 ] || { head -c 500 "$T_ROOT/out/cat"; fail "cat right after a forced drop (round $round) exited $RC_RC"; }
	check_file_eq "random.bin right after a forced drop (round $round)" "$S/random.bin" "$T_ROOT/out/cat"
	rc_timed "$T_ROOT/out/ls" timeout 60 ls "$mnt/dir"
	[ "$RC_RC" = 0 ] || { show_file "$T_ROOT/out/ls"; fail "ls right after a forced drop (round $round) exited $RC_RC"; }
	check_lists_eq "ls dir right after a forced drop (round $round)" "$T_ROOT/want.ls" "$T_ROOT/out/ls"
	rc_wait_log "forced drop $round logged" "$log" 'connection to .* lost' $((lost_before + 1)) 20
done
note "forced drops: ok"

smbfuse_umount "$mnt"
_t_check_stderr "$log"
exit 0
