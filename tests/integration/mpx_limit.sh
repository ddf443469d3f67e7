#!/usr/bin/env bash
# mpx_limit.sh - many requests in flight on one connection, never more than
# the server's MaxMpxCount: Samba with 'max mux = 4' advertises 4; eight
# parallel readers of large files through a one-connection mount must pipeline
# (peak in flight > 1) and stay within 4 (the stats attribute records the
# peak), and every byte must be right.
if [ -z "${BASH_VERSION:-}" ]; then exec bash "$0" "$@"; fi
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"

require_prereqs
smb_start 'max mux = 4'
for i in 1 2 3 4 5 6 7 8; do head -c 4000000 /dev/urandom >"$SHARE_DIR/f$i.bin"; done

mnt=$(new_mountpoint mpx)
smbfuse_mount "$mnt" -o "username=$SMB_USER,password=$SMB_PASS,conns=1,rsize=16384"
pids=()
for i in 1 2 3 4 5 6 7 8; do
	sha256sum <"$mnt/f$i.bin" >"$T_ROOT/sum$i" &
	pids+=($!)
done
for p in "${pids[@]}"; do wait "$p" || fail "a parallel reader failed"; done
for i in 1 2 3 4 5 6 7 8; do
	check_eq "sha256 of f$i.bin" "$(sha256sum <"$SHARE_DIR/f$i.bin")" "$(cat "$T_ROOT/sum$i")"
done
stats=$("$SMBFUSE" --stats "$mnt") || fail "smbfuse --stats"
mpx=$(sed -n 's/^max_mpx: //p' <<<"$stats")
peak=$(sed -n 's/^connection\.0\.peak_in_flight: //p' <<<"$stats")
check_eq "MaxMpxCount the server advertised" 4 "$mpx"
((peak >= 2)) || fail "requests were not pipelined (peak in flight $peak)"
((peak <= 4)) || fail "peak in flight $peak exceeds MaxMpxCount 4"
note "peak in flight $peak of MaxMpxCount $mpx"
smbfuse_umount "$mnt"
exit 0
