#!/usr/bin/env bash
# server_io_sizes.sh - reads and writes stay whole whatever read/write sizes
# the server honours.  Against a Samba playing servers with small or odd
# limits (`large readwrite = no`, which still offers the UNIX large
# read/write capabilities but caps every READ_ANDX reply at the client's
# buffer; `max xmit` of 1024 and 1080, below the WRITE_ANDX header plus
# 1 KiB; with and without UNIX extensions) a file of 8 MiB and a bit is read
# through the mount with cat and with an odd dd block size, stats at its
# size, and a copy written through the mount has the server's checksum.
if [ -z "${BASH_VERSION:-}" ]; then exec bash "$0" "$@"; fi
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"

require_prereqs

SIZE=$((8 * 1024 * 1024 + 4321))
head -c "$SIZE" /dev/urandom >"$T_ROOT/src.bin" || fail "cannot make the source file"
WANT=$(sha256_of "$T_ROOT/src.bin")

# io_round WHAT MOUNT_OPTS SMB_CONF_LINES...: one server, one mount, the
# whole read/write check.
io_round() {
	local what=$1 opts=$2 mnt got
	shift 2
	smb_start "$@"
	cp "$T_ROOT/src.bin" "$SHARE_DIR/big.bin" || fail "$what: cannot place big.bin"
	mnt=$(new_mountpoint io)
	smbfuse_mount "$mnt" -o "username=$SMB_USER,password=$SMB_PASS${opts:+,$opts}"
	check_eq "$what: size of big.bin through the mount" "$SIZE" "$(stat -c %s "$mnt/big.bin")"
	got=$(sha256_of "$mnt/big.bin") || fail "$what: read of big.bin failed"
	[ "$got" = "$WANT" ] || check_file_eq "$what: big.bin read with cat" "$T_ROOT/src.bin" "$mnt/big.bin"
	dd if="$mnt/big.bin" of="$T_ROOT/dd.bin" bs=100003 status=none || fail "$what: dd bs=100003 failed"
	check_eq "$what: big.bin read with dd bs=100003" "$WANT" "$(sha256_of "$T_ROOT/dd.bin")"
	rm -f "$T_ROOT/dd.bin"
	check_eq "$what: size after reading" "$SIZE" "$(stat -c %s "$mnt/big.bin")"
	cp "$T_ROOT/src.bin" "$mnt/copy.bin" || fail "$what: cp into the mount failed"
	check_eq "$what: server copy of copy.bin" "$WANT" "$(sha256_of "$SHARE_DIR/copy.bin")"
	dd if="$T_ROOT/src.bin" of="$mnt/dd.bin" bs=77777 status=none || fail "$what: dd bs=77777 into the mount failed"
	check_eq "$what: server copy of dd.bin" "$WANT" "$(sha256_of "$SHARE_DIR/dd.bin")"
	check_eq "$what: dd.bin read back" "$WANT" "$(sha256_of "$mnt/dd.bin")"
	smbfuse_umount "$mnt"
	smb_stop
	note "$what: 8 MiB read and written, checksums ok"
}

io_round "large readwrite = no" "" "large readwrite = no"
io_round "large readwrite = no, nounix" "nounix" "large readwrite = no"
io_round "max xmit = 1024, large readwrite = no" "" "max xmit = 1024" "large readwrite = no"
io_round "max xmit = 1080, large readwrite = no, nounix" "nounix" "max xmit = 1080" "large readwrite = no"
io_round "max xmit = 1024" "" "max xmit = 1024"
exit 0
