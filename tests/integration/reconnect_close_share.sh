#!/usr/bin/env bash
# reconnect_close_share.sh - the server drops the mount's tree connection but
# keeps the TCP connection (`smbcontrol smbd close-share`, what an
# administrator or a configuration reload does): every later request is
# answered NT_STATUS_NETWORK_NAME_DELETED.  The mount rides through, as it
# does a dropped connection: the request was not run, the connection is
# given up and made again with a new session and tree, and the request
# repeated.  It used to answer ECONNRESET to everything until unmounted (the
# keepalive's ECHO needs no tree, so the connection looked well).
#   A  ls, cat, a new file, and a write through a descriptor opened before
#      (its handle re-opened on the new tree) all work, and the server has
#      what was written.
#   B  the same a second time (the new tree can be dropped too).
#   C  change notification works again: a file another client makes shows
#      in a listing cached with actimeo=3600.
#   E  the same ls, cat and new file on a second mount with nounix,conns=4:
#      opens are NT_CREATE_ANDX, which Samba answers INVALID_HANDLE (not
#      NETWORK_NAME_DELETED) on a dropped tree, and all four connections
#      lost their trees at once (the first refusal replaces them all: the
#      others would each cost an attempt).
#   F  a server without NT status codes (`nt status support = no`) says
#      ERRDOS/ERROR_NETNAME_DELETED: the same.
#   D  dd writes 128 MiB (write-behind queues some of it) and the share is
#      closed after 32 MiB; then cat reads it back and the share is closed
#      again: dd and cat exit 0, the server's copy and the one read back are
#      the source, byte for byte.
if [ -z "${BASH_VERSION:-}" ]; then exec bash "$0" "$@"; fi
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source-path=SCRIPTDIR source=reconnect_lib.sh
. "$(dirname "$0")/reconnect_lib.sh"
require_prereqs
command -v smbcontrol >/dev/null 2>&1 || skip "smbcontrol not installed"

smb_start
S=$SHARE_DIR
mnt=$(new_mountpoint A)
rc_mount "$mnt" actimeo=3600
rc_wait_stat "change notification armed" "$mnt" notify.arms 1 10
echo hello >"$mnt/f" || fail "setup"

close_share() {
	timeout 30 smbcontrol -s "$SMB_CONF" smbd close-share share ||
		fail "smbcontrol close-share failed"
}

for round in A B; do
	exec 3>>"$mnt/kept" || fail "$round: opening kept"
	echo "before $round" >&3 || fail "$round: writing kept"
	close_share
	ls "$mnt" >"$T_ROOT/ls.out" 2>"$T_ROOT/err" || fail "$round: ls after close-share: $(cat "$T_ROOT/err")"
	check_contains "$round: the listing" "$T_ROOT/ls.out" '^f$'
	check_eq "$round: cat after close-share" hello "$(cat "$mnt/f" 2>&1)"
	(echo "new $round" >"$mnt/new$round") 2>"$T_ROOT/err" ||
		fail "$round: a new file after close-share: $(cat "$T_ROOT/err")"
	(echo "after $round" >&3) 2>"$T_ROOT/err" ||
		fail "$round: a write through a descriptor opened before: $(cat "$T_ROOT/err")"
	exec 3>&- || fail "$round: closing kept"
	check_eq "$round: new$round on the server" "new $round" "$(cat "$S/new$round")"
	check_contains "$round: kept on the server" "$S/kept" "^after $round\$"
	note "$round: ls, cat, a new file and an open descriptor rode through close-share"
done
check_eq "kept on the server" "$(printf 'before A\nafter A\nbefore B\nafter B')" "$(cat "$S/kept")"

# ---------------------------------------------------------------- C
ls "$mnt" >/dev/null
smb_client "//127.0.0.1/share" -U "$SMB_USER%$SMB_PASS" -c "put $S/f other" >/dev/null ||
	fail "C: smbclient put"
found=0
for _ in $(seq 100); do
	if ls "$mnt" | grep -qx other; then found=1; break; fi
	sleep 0.1
done
[ "$found" = 1 ] || fail "C: another client's new file not seen in 10 s: no change notification after close-share"
note "C: change notification works again"

# after_close MNT SERVER_DIR WHAT: close the share; ls, cat and a new file
# through MNT work.
after_close() {
	local m=$1 dir=$2 what=$3
	echo hello >"$dir/f2" || fail "$what: setup"
	ls "$m" >/dev/null || fail "$what: ls before"
	close_share
	ls "$m" >"$T_ROOT/ls.out" 2>"$T_ROOT/err" || fail "$what: ls after close-share: $(cat "$T_ROOT/err")"
	check_contains "$what: the listing" "$T_ROOT/ls.out" '^f2$'
	check_eq "$what: cat after close-share" hello "$(cat "$m/f2" 2>&1)"
	(echo new >"$m/new-$what") 2>"$T_ROOT/err" ||
		fail "$what: a new file after close-share: $(cat "$T_ROOT/err")"
	check_eq "$what: the new file on the server" new "$(cat "$dir/new-$what")"
	note "$what: ls, cat and a new file rode through close-share"
}

# ---------------------------------------------------------------- E
mntE=$(new_mountpoint E)
rc_mount "$mntE" nounix,conns=4
after_close "$mntE" "$S" E
smbfuse_umount "$mntE"

# ---------------------------------------------------------------- D
rc_big_file "$T_ROOT/src.bin" 128
want=$(sha256_of "$T_ROOT/src.bin")
dd if="$T_ROOT/src.bin" of="$mnt/big.bin" bs=1M 2>"$T_ROOT/dd.err" &
writer=$!
register_helper "$writer"
for _ in $(seq 300); do
	wchar=$(awk '$1 == "wchar:" { print $2 }' "/proc/$writer/io" 2>/dev/null)
	[ -n "$wchar" ] && [ "$wchar" -ge $((32 * 1024 * 1024)) ] && break
	_t_alive "$writer" || break
	sleep 0.01
done
close_share
rc_wait_pid "D: dd through the mount" "$writer" 120
[ "$RC_RC" = 0 ] || { show_file "$T_ROOT/dd.err"; fail "D: dd exited $RC_RC across close-share"; }
check_eq "D: the server's copy" "$want" "$(sha256_of "$S/big.bin")"
cat "$mnt/big.bin" >"$T_ROOT/back.bin" 2>"$T_ROOT/err" &
reader=$!
register_helper "$reader"
sleep 0.05
close_share
rc_wait_pid "D: cat through the mount" "$reader" 120
[ "$RC_RC" = 0 ] || { show_file "$T_ROOT/err"; fail "D: cat exited $RC_RC across close-share"; }
check_eq "D: what cat read" "$want" "$(sha256_of "$T_ROOT/back.bin")"
note "D: a 128 MiB write and its read-back rode through close-share"

smbfuse_umount "$mnt"

# ---------------------------------------------------------------- F
smb_start 'nt status support = no'
mntF=$(new_mountpoint F)
rc_mount "$mntF"
after_close "$mntF" "$SHARE_DIR" F
smbfuse_umount "$mntF"
note "PASS"
