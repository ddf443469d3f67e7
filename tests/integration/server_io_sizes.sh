#!/usr/bin/env bash
# server_io_sizes.sh - reads and writes stay whole whatever read/write sizes
# the server honours.  Against a Samba playing servers with small or odd
# limits (`large readwrite = no`, which still offers the UNIX large
# read/write capabilities but caps every READ_ANDX reply at the client's
# buffer; `max xmit` of 1024 and 1080, below the WRITE_ANDX header plus
# 1 KiB; mandatory signing; with and without UNIX extensions) a file of 8 MiB
# and a bit is read through the mount with cat and with an odd dd block size,
# stats at its size, and copies written through the mount have the server's
# checksum.
# Then through shortproxy.py, which lowers the count of every READ_ANDX and
# WRITE_ANDX to a cap on its way to the server, so that the answers are short
# without being at end of file: the same checks must pass, and with a cap
# above the server's buffer the mount must learn to ask for less; and in
# front of a server that refuses large requests outright.
if [ -z "${BASH_VERSION:-}" ]; then exec bash "$0" "$@"; fi
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"

require_prereqs

SIZE=$((8 * 1024 * 1024 + 4321))
head -c "$SIZE" /dev/urandom >"$T_ROOT/src.bin" || fail "cannot make the source file"
WANT=$(sha256_of "$T_ROOT/src.bin")

# proxy_start CAP: shortproxy.py in front of the latest smbd; sets
# PROXY_PORT and PROXY_LOG.
proxy_start() {
	local pf=$T_ROOT/proxy.port i pid
	PROXY_LOG=$T_ROOT/proxy.$1.log
	rm -f "$pf"
	python3 "$(dirname "$0")/shortproxy.py" "$pf" "$SMB_PORT" "$1" 2>"$PROXY_LOG" </dev/null &
	pid=$!
	register_helper "$pid"
	for i in $(seq 100); do
		[ -s "$pf" ] && break
		_t_alive "$pid" || { show_file "$PROXY_LOG"; fail "shortproxy.py exited"; }
		sleep 0.1
	done
	[ -s "$pf" ] || fail "shortproxy.py did not start within 10 s"
	PROXY_PORT=$(cat "$pf")
}

# io_round WHAT MOUNT_OPTS SMB_CONF_LINES...: one server, one mount, the
# whole read/write check.  With CAP=N in the environment the mount goes
# through shortproxy.py capping reads and writes at N bytes.
io_round() {
	local what=$1 opts=$2 mnt got unc=
	shift 2
	smb_start "$@"
	cp "$T_ROOT/src.bin" "$SHARE_DIR/big.bin" || fail "$what: cannot place big.bin"
	mnt=$(new_mountpoint io)
	if [ -n "${CAP:-}" ]; then
		proxy_start "$CAP"
		unc=//127.0.0.1:$PROXY_PORT/share
	fi
	SMB_UNC=$unc smbfuse_mount "$mnt" -o "username=$SMB_USER,password=$SMB_PASS${opts:+,$opts}"
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

# proxy_check WHAT: the proxy really made reads and writes short.
proxy_check() {
	local reads writes
	reads=$(awk '/capped|refused/ { n += $5 } END { print n + 0 }' "$PROXY_LOG")
	writes=$(awk '/capped|refused/ { n += $7 } END { print n + 0 }' "$PROXY_LOG")
	if [ "$reads" = 0 ] || [ "$writes" = 0 ]; then
		show_file "$PROXY_LOG"
		fail "$1: the proxy capped $reads reads, $writes writes"
	fi
	note "$1: $reads reads and $writes writes answered short or refused"
}

io_round "large readwrite = no" "" "large readwrite = no"
io_round "large readwrite = no, nounix" "nounix" "large readwrite = no"
io_round "max xmit = 1024, large readwrite = no" "" "max xmit = 1024" "large readwrite = no"
io_round "max xmit = 1080, large readwrite = no, nounix" "nounix" "max xmit = 1080" "large readwrite = no"
io_round "max xmit = 1024" "" "max xmit = 1024"
io_round "signing mandatory, large readwrite = no, nounix" "nounix" "server signing = mandatory" "large readwrite = no"

# Short answers from a server that offers large reads and writes: above its
# buffer (16644 bytes) the mount learns the cap; below it, it cannot learn
# (MS-CIFS promises that much) and just asks for the rest each time.
CAP=40000 io_round "short answers (40000 bytes)" ""
proxy_check "short answers (40000 bytes)"
log=$SMBFUSE_LOG
check_contains "the mount learns the read size" "$log" "took 40000 bytes of a larger read; using 39936-byte"
check_contains "the mount learns the write size" "$log" "took 40000 bytes of a larger write; using 39936-byte"
CAP=5001 io_round "short answers (5001 bytes), nounix" "nounix"
proxy_check "short answers (5001 bytes), nounix"
# A server that refuses reads and writes above 20000 bytes with
# INVALID_PARAMETER (Windows 98 does for reads beyond its buffer): the mount
# falls back to its buffer's size (16644 - header).
CAP=refuse:20000 io_round "refused above 20000 bytes" ""
proxy_check "refused above 20000 bytes"
check_contains "the mount falls back for reads" "$SMBFUSE_LOG" "refused a large read; using 16584-byte"
check_contains "the mount falls back for writes" "$SMBFUSE_LOG" "refused a large write; using 16580-byte"
exit 0
