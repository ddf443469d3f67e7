#!/usr/bin/env bash
# reconnect_kill.sh - a 512 MiB file is read (sha256sum) through a mount with
# the default options; while the read is running, every smbd child serving
# the mount is killed with SIGKILL (all of the mount's connections drop at
# once).  smbfuse must reconnect and retry the reads in flight: the checksum
# equals the source's, the log shows the drop and the reconnect, and the
# stats xattr counts it.
if [ -z "${BASH_VERSION:-}" ]; then exec bash "$0" "$@"; fi
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source-path=SCRIPTDIR source=reconnect_lib.sh
. "$(dirname "$0")/reconnect_lib.sh"

require_prereqs
smb_start
S=$SHARE_DIR

rc_big_file "$S/big.bin" 512
want=$(sha256_of "$S/big.bin")
printf 'small file\n' >"$S/small.txt"

mnt=$(new_mountpoint kill)
rc_mount "$mnt"
log=$SMBFUSE_LOG
check_file_eq "small.txt before the kill" "$S/small.txt" "$mnt/small.txt"
note "connections before the read: $(rc_conn_ports | wc -l) (ports $(rc_conn_ports | tr '\n' ' '))"

sha256sum "$mnt/big.bin" >"$T_ROOT/sha.out" 2>"$T_ROOT/sha.err" &
reader=$!
register_helper "$reader"

# Kill once the read is under way: ~1 s, or as soon as 32 MiB have been read
# (reads are fast on loopback: the whole file may take only ~2 s).
for i in $(seq 100); do
	rchar=$(awk '$1 == "rchar:" { print $2 }' "/proc/$reader/io" 2>/dev/null)
	[ -n "$rchar" ] && [ "$rchar" -ge $((32 * 1024 * 1024)) ] && break
	_t_alive "$reader" || break
	sleep 0.01
done
_t_alive "$reader" || fail "sha256sum ended before the connections could be killed (too fast? $(cat "$T_ROOT/sha.out" "$T_ROOT/sha.err"))"
rc_kill_serving
killed_at=${rchar:-0}
note "killed $RC_KILLED connection(s) after $((killed_at / 1024 / 1024)) MiB of 512 had been read"
_t_alive "$reader" || warn "sha256sum ended right as the connections were killed"

rc_wait_pid "sha256sum through the mount" "$reader" 120
[ "$RC_RC" = 0 ] || { show_file "$T_ROOT/sha.err"; fail "sha256sum through the mount exited $RC_RC after the kill"; }
got=$(cut -d' ' -f1 "$T_ROOT/sha.out")
check_eq "sha256 of big.bin read across the kill" "$want" "$got"
note "sha256 ok across the kill"

rc_wait_log "drop logged" "$log" 'connection to .* lost' 1 30
rc_wait_log "reconnect logged" "$log" 'reconnected' 1 30
rc_wait_stat "reconnects counted" "$mnt" reconnects 1 30
note "log: $(rc_log_count "$log" 'connection to .* lost') 'lost', $(rc_log_count "$log" reconnected) 'reconnected'; stats reconnects: $(rc_stat_value "$mnt" reconnects)"

# the mount keeps working on the new connections
check_file_eq "small.txt after the reconnect" "$S/small.txt" "$mnt/small.txt"
check_file_eq "big.bin read again after the reconnect" "$S/big.bin" "$mnt/big.bin"
[ "$(rc_smbd_serving | wc -l)" -ge 1 ] || fail "no smbd child serves the mount after the reconnect"

smbfuse_umount "$mnt"
_t_check_stderr "$log"
exit 0
