#!/usr/bin/env bash
# writebehind_reconnect.sh - data written with write-behind survives a
# dropped connection: dd streams 256 MiB through the mount (bs=1M, several
# writes queued at any time) and, once 32 MiB have gone in, every smbd child
# serving the mount is killed.  The queued writes are sent again on a new
# connection through the re-opened handle (the same rules as a synchronous
# write): dd exits 0 and the server's file is byte for byte the source.  A
# second round does the same with conv=fsync.
if [ -z "${BASH_VERSION:-}" ]; then exec bash "$0" "$@"; fi
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source-path=SCRIPTDIR source=reconnect_lib.sh
. "$(dirname "$0")/reconnect_lib.sh"

require_prereqs
smb_start
S=$SHARE_DIR

rc_big_file "$T_ROOT/src.bin" 256
want=$(sha256_of "$T_ROOT/src.bin")

mnt=$(new_mountpoint wbr)
rc_mount "$mnt"
log=$SMBFUSE_LOG

for flags in "" conv=fsync; do
	rm -f "$S/big.bin"
	dd if="$T_ROOT/src.bin" of="$mnt/big.bin" bs=1M $flags 2>"$T_ROOT/dd.err" &
	writer=$!
	register_helper "$writer"
	for i in $(seq 300); do
		wchar=$(awk '$1 == "wchar:" { print $2 }' "/proc/$writer/io" 2>/dev/null)
		[ -n "$wchar" ] && [ "$wchar" -ge $((32 * 1024 * 1024)) ] && break
		_t_alive "$writer" || break
		sleep 0.01
	done
	_t_alive "$writer" || fail "dd $flags ended before the connections could be killed"
	rc_kill_serving
	note "dd $flags: killed $RC_KILLED connection(s) after $((${wchar:-0} / 1024 / 1024)) MiB"
	rc_wait_pid "dd $flags through the mount" "$writer" 180
	[ "$RC_RC" = 0 ] || { show_file "$T_ROOT/dd.err"; fail "dd $flags exited $RC_RC across the kill"; }
	check_eq "size of big.bin written across the kill ($flags)" $((256 * 1024 * 1024)) "$(stat -c %s "$S/big.bin")"
	check_eq "sha256 of big.bin written across the kill ($flags)" "$want" "$(sha256_of "$S/big.bin")"
	note "dd $flags: the server's copy is whole"
done

rc_wait_log "reconnect logged" "$log" 'reconnected' 1 30
smbfuse_umount "$mnt"
_t_check_stderr "$log"
exit 0
