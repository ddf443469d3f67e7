#!/usr/bin/env bash
# lifecycle_signature.sh - issue 10: a reply whose signature does not verify
# drops the connection, the pool reconnects, and the data is still right.
# Samba with 'server signing = mandatory'; the mount goes through
# smbproxy.py, which flips the last byte (file data) of ONE READ_ANDX reply
# (command 0x2e) while armed.  A 1 MiB file is read with the flip armed:
#   - the read returns the right data (sha256 matches);
#   - the proxy did flip a reply; the smbfuse log has a bad-signature line
#     and a reconnect;
#   - later operations (read another file, write one, list, stat) succeed.
# The same again with the flip in the signature field itself (flipsig), and
# once more on a mount with the attribute cache on (chained opens).
# Today this already passes (the bad signature drops the connection and the
# read is retried on the new one): a regression test for the redesign.
if [ -z "${BASH_VERSION:-}" ]; then exec bash "$0" "$@"; fi
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source-path=SCRIPTDIR source=reconnect_lib.sh
. "$(dirname "$0")/reconnect_lib.sh"
# shellcheck source-path=SCRIPTDIR source=lifecycle_lib.sh
. "$(dirname "$0")/lifecycle_lib.sh"

require_prereqs
smb_start 'server signing = mandatory'
S=$SHARE_DIR
rc_big_file "$S/one.bin" 1
rc_big_file "$S/two.bin" 1
rc_big_file "$S/after1.bin" 1
rc_big_file "$S/after2.bin" 1
echo hello >"$S/small.txt"
lc_proxy_start "$SMB_PORT"
mnt=$(new_mountpoint sig)
SMB_UNC=//127.0.0.1:$PROXY_PORT/share rc_mount "$mnt" conns=1,actimeo=0
log=$SMBFUSE_LOG
check_eq "small.txt through the proxy" hello "$(cat "$mnt/small.txt")"
grep -q '^signing: yes' <(rc_stats "$mnt") || { rc_stats "$mnt" >"$T_ROOT/stats"; show_file "$T_ROOT/stats"; fail "the mount does not sign"; }

# tamper_round ACTION FILE LATER N: read FILE with one READ_ANDX reply
# tampered (the N-th on this mount's log), then check the mount still works.
tamper_round() {
	local action=$1 file=$2 later=$3 n=$4 hits
	hits=$(lc_proxy_hits)
	lc_proxy_arm "$action 2e 1"
	rc_timed "$T_ROOT/read.out" timeout 60 sha256sum "$mnt/$file"
	[ "$RC_RC" = 0 ] || { show_file "$T_ROOT/read.out"; fail "$action: reading $file failed ($RC_RC) after a reply was tampered with"; }
	check_eq "$action: sha256 of $file read while one READ_ANDX reply was tampered with" \
		"$(sha256_of "$S/$file")" "$(cut -d' ' -f1 "$T_ROOT/read.out")"
	note "$action: $file read right in $RC_MS ms"
	[ "$(lc_proxy_hits)" -gt "$hits" ] || fail "$action: the proxy tampered with no reply (not armed in time?)"
	rc_wait_log "$action: bad signature logged" "$log" 'bad signature' "$n" 10
	rc_wait_log "$action: reconnect logged" "$log" 'reconnected' "$n" 20
	# later operations all work
	check_file_eq "$action: $later read after the reconnect" "$S/$later" "$mnt/$later"
	echo "written $n" >"$mnt/w$n.txt" || fail "$action: write after the reconnect"
	check_eq "$action: w$n.txt on the server" "written $n" "$(cat "$S/w$n.txt")"
	ls "$mnt" >/dev/null || fail "$action: ls after the reconnect"
	stat "$mnt/small.txt" >/dev/null || fail "$action: stat after the reconnect"
}

n=0
for how in flip:one.bin:after1.bin flipsig:two.bin:after2.bin; do
	IFS=: read -r action file later <<<"$how"
	n=$((n + 1))
	tamper_round "$action" "$file" "$later" "$n"
done
check_eq "bad-signature lines in the log" 2 "$(rc_log_count "$log" 'bad signature')"
smbfuse_umount "$mnt"
_t_check_stderr "$log"

# With the attribute cache on (default options), an open for reading is
# chained with its first read (NT_CREATE_ANDX, which gives no inode); the
# handle must still know its file by inode, not by Samba's made-up create
# time, which the read itself moves: the re-open after the reconnect must
# find the same file, not fail with ESTALE.
rc_big_file "$S/three.bin" 1
rc_big_file "$S/after3.bin" 1
mnt=$(new_mountpoint sigc)
SMB_UNC=//127.0.0.1:$PROXY_PORT/share rc_mount "$mnt" conns=1
log=$SMBFUSE_LOG
tamper_round flip three.bin after3.bin 1
grep -q '^requests.NT_CREATE_ANDX: [1-9]' <(rc_stats "$mnt") ||
	{ rc_stats "$mnt" >"$T_ROOT/stats"; show_file "$T_ROOT/stats"; fail "no open was chained (NT_CREATE_ANDX)"; }
smbfuse_umount "$mnt"
_t_check_stderr "$log"
exit 0
