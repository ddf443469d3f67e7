#!/usr/bin/env bash
# reconnect_outage.sh - the server goes away for 10 s in the middle of a cp
# of a 200 MiB file onto the mount: the whole smbd instance is killed (every
# connection drops, the port refuses), and 10 s later a new smbd is started
# on the same port with the same share.  With reconnect_timeout=60 the
# writes wait out the outage: cp exits 0, and the file on the server has the
# source's bytes (the re-open after the outage must not truncate what was
# already written).
if [ -z "${BASH_VERSION:-}" ]; then exec bash "$0" "$@"; fi
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source-path=SCRIPTDIR source=reconnect_lib.sh
. "$(dirname "$0")/reconnect_lib.sh"

require_prereqs
smb_start
S=$SHARE_DIR

rc_big_file "$T_ROOT/src.bin" 200
want=$(sha256_of "$T_ROOT/src.bin")

mnt=$(new_mountpoint outage)
rc_mount "$mnt" reconnect_timeout=60
log=$SMBFUSE_LOG
echo warm >"$mnt/warm.txt" || fail "write through the mount before the outage"

cp "$T_ROOT/src.bin" "$mnt/dst.bin" >"$T_ROOT/cp.out" 2>&1 &
cpid=$!
register_helper "$cpid"

# The outage starts once cp is under way: ~1 s, or as soon as 16 MiB have
# reached the server (cp onto the mount can take less than a second here).
for i in $(seq 100); do
	size=$(stat -c %s "$S/dst.bin" 2>/dev/null || echo 0)
	[ "$size" -ge $((16 * 1024 * 1024)) ] && break
	_t_alive "$cpid" || break
	sleep 0.01
done
_t_alive "$cpid" || fail "cp ended before the outage could start (too fast?): $(cat "$T_ROOT/cp.out")"
rc_smb_kill_now
t_down=$SECONDS
note "smbd killed with $((size / 1024 / 1024)) MiB of 200 on the server; cp still running: $(_t_alive "$cpid" && echo yes || echo no)"
sleep 10
if _t_alive "$cpid"; then
	note "cp is waiting during the outage (as it should)"
else
	wait "$cpid"
	rc=$?
	show_file "$T_ROOT/cp.out"
	fail "cp ended during the outage with status $rc (it should wait: reconnect_timeout=60)"
fi
rc_smb_restart
note "outage lasted $((SECONDS - t_down)) s"

rc_wait_pid "cp after the outage" "$cpid" 120
[ "$RC_RC" = 0 ] || { show_file "$T_ROOT/cp.out"; fail "cp across the outage exited $RC_RC"; }
check_eq "size of dst.bin on the server" "$(stat -c %s "$T_ROOT/src.bin")" "$(stat -c %s "$S/dst.bin")"
check_eq "sha256 of dst.bin on the server" "$want" "$(sha256_of "$S/dst.bin")"
check_eq "sha256 of dst.bin through the mount" "$want" "$(sha256_of "$mnt/dst.bin")"
note "cp across a 10 s outage: ok"

rc_wait_log "drop logged" "$log" 'connection to .* lost' 1 20
rc_wait_log "reconnect logged" "$log" 'reconnected' 1 30
rc_wait_stat "reconnects counted" "$mnt" reconnects 1 10
check_eq "warm.txt after the outage" warm "$(cat "$mnt/warm.txt")"

smbfuse_umount "$mnt"
_t_check_stderr "$log"
exit 0
