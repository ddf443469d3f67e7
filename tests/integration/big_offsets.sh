#!/usr/bin/env bash
# big_offsets.sh - a sparse 6 GiB file with distinct markers at offsets
# around and past the 2 GiB and 4 GiB boundaries (32-bit offset fields and
# their high parts, MS-CIFS 2.2.4.42 OffsetHigh); each marker reads back
# exactly through the mount, holes read as zeros, and the size is right.
if [ -z "${BASH_VERSION:-}" ]; then exec bash "$0" "$@"; fi
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"

require_prereqs
smb_start

GiB=$((1024 * 1024 * 1024))
SIZE=$((6 * GiB))
F=$SHARE_DIR/sparse.bin
truncate -s "$SIZE" "$F" || fail "cannot make a sparse 6 GiB file"
# offset marker: distinct text; two straddle the 2 GiB and 4 GiB lines
MARKERS=(
	"$((2 * GiB - 5))" "STRADDLE-2GiB-boundary"
	"$((4 * GiB - 5))" "STRADDLE-4GiB-boundary"
	"$((4 * GiB + 123))" "MARKER-A@4GiB+123"
	"$((5 * GiB + 7))" "MARKER-B@5GiB+7"
	"$((SIZE - 10))" "TAIL-6GiB!"
)
for ((i = 0; i < ${#MARKERS[@]}; i += 2)); do
	printf '%s' "${MARKERS[i + 1]}" |
		dd of="$F" bs=4096 seek="${MARKERS[i]}" oflag=seek_bytes conv=notrunc status=none ||
		fail "cannot write marker at ${MARKERS[i]}"
done
check_eq "backing file size" "$SIZE" "$(stat -c %s "$F")"

# read_at FILE OFFSET LENGTH: the bytes, as hex.
read_at() {
	dd if="$1" bs=65536 skip="$2" count="$3" iflag=skip_bytes,count_bytes status=none | od -An -v -tx1 | tr -d ' \n'
}

mnt=$(new_mountpoint offsets)
smbfuse_mount "$mnt" -o "username=$SMB_USER,password=$SMB_PASS"
M=$mnt/sparse.bin

check_eq "stat -c %s of sparse.bin through the mount" "$SIZE" "$(stat -c %s "$M")"
for ((i = 0; i < ${#MARKERS[@]}; i += 2)); do
	off=${MARKERS[i]} text=${MARKERS[i + 1]}
	want=$(printf '%s' "$text" | od -An -v -tx1 | tr -d ' \n')
	check_eq "self-check: backing bytes at $off" "$want" "$(read_at "$F" "$off" "${#text}")"
	check_eq "bytes at offset $off ('$text')" "$want" "$(read_at "$M" "$off" "${#text}")"
	# the marker with one byte of hole either side
	check_eq "bytes at offset $((off - 1)) (+1 each side)" \
		"$(read_at "$F" $((off - 1)) $((${#text} + 1)))" "$(read_at "$M" $((off - 1)) $((${#text} + 1)))"
done
# classic block addressing: the 4 KiB block holding MARKER-A, and one past 5 GiB
for blk in $((4 * GiB / 4096)) $((5 * GiB / 4096)); do
	a=$(dd if="$F" bs=4096 skip="$blk" count=1 status=none | sha256sum)
	b=$(dd if="$M" bs=4096 skip="$blk" count=1 status=none | sha256sum)
	check_eq "dd bs=4096 skip=$blk count=1" "$a" "$b"
done
# a hole reads as zeros
zeros=$(head -c 65536 /dev/zero | od -An -v -tx1 | tr -d ' \n')
check_eq "64 KiB of hole at 4.5 GiB" "$zeros" "$(read_at "$M" $((9 * GiB / 2)) 65536)"
# the last bytes, found by seeking from the end
check_eq "tail -c 10" "TAIL-6GiB!" "$(tail -c 10 "$M")"
# reading at and past EOF returns nothing
check_eq "read at EOF" "" "$(read_at "$M" "$SIZE" 16)"
note "markers past 2/4/5 GiB and at the end of a 6 GiB file read back exactly"

smbfuse_umount "$mnt"
exit 0
