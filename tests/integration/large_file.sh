#!/usr/bin/env bash
# large_file.sh - a 64 MiB random file reads back identically through the
# mount: sequentially with cat, and with an odd block size (dd bs=65537) so
# that reads straddle every boundary the client might split on.
if [ -z "${BASH_VERSION:-}" ]; then exec bash "$0" "$@"; fi
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"

require_prereqs
smb_start

F=$SHARE_DIR/big.bin
head -c $((64 * 1024 * 1024)) /dev/urandom >"$F" || fail "cannot write the 64 MiB source file"
want=$(sha256_of "$F")

mnt=$(new_mountpoint large)
smbfuse_mount "$mnt" -o "username=$SMB_USER,password=$SMB_PASS"

check_eq "size of big.bin through the mount" "$(stat -c %s "$F")" "$(stat -c %s "$mnt/big.bin")"
start=$(date +%s.%N)
cat "$mnt/big.bin" >"$T_ROOT/copy.bin" || fail "cat of big.bin through the mount failed"
end=$(date +%s.%N)
got=$(sha256_of "$T_ROOT/copy.bin")
[ "$got" = "$want" ] || check_file_eq "big.bin read with cat" "$F" "$T_ROOT/copy.bin"
note "64 MiB read with cat: sha256 ok ($(awk -v s="$start" -v e="$end" 'BEGIN { t = e - s; if (t <= 0) t = 0.001; printf "%.2f s, %.0f MiB/s", t, 64 / t }'))"
rm -f "$T_ROOT/copy.bin"

dd if="$mnt/big.bin" of="$T_ROOT/copy2.bin" bs=65537 status=none || fail "dd bs=65537 through the mount failed"
got=$(sha256_of "$T_ROOT/copy2.bin")
[ "$got" = "$want" ] || check_file_eq "big.bin read with dd bs=65537" "$F" "$T_ROOT/copy2.bin"
rm -f "$T_ROOT/copy2.bin"
note "64 MiB read with dd bs=65537: sha256 ok"

smbfuse_umount "$mnt"
exit 0
