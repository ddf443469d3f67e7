#!/usr/bin/env bash
# mount_signing_classic.sh - SMB signing after a classic NTLMv2 logon
# (-o sec=ntlmv2, no extended security): MAC key = NTLMv2 session base key
# followed by the whole NT response, the session setup reply signed with
# sequence 1, the next request with 2 (MS-CIFS 3.1.5.1, 3.2.5.3; MS-NLMP
# 3.3.2).
#
# Samba 4.x never signs such a session (no session key after a classic
# logon), so the server that signs is signproxy.py in front of a Samba with
# signing off: it checks every request signature (a bad one drops the
# connection) and signs every reply (smbfuse drops the connection on a bad
# one), so data that arrives intact proves both directions.  Covered: the
# server requiring signing, '-o sign' against a server that only allows it,
# no UNIX extensions, multi-megabyte reads and writes, and a wrong key being
# refused.
if [ -z "${BASH_VERSION:-}" ]; then exec bash "$0" "$@"; fi
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"

require_prereqs
command -v python3 >/dev/null 2>&1 || skip "python3 not installed"
command -v pdbedit >/dev/null 2>&1 || skip "pdbedit not installed"
auth="username=$SMB_USER,password=$SMB_PASS,sec=ntlmv2"
SIGNPROXY=$(dirname "$0")/signproxy.py

# proxy_start [--require] [--bad-key]: signproxy.py in front of the latest
# smbd; sets PROXY_PORT and PROXY_LOG.
_np=0
proxy_start() {
	local pf nt i
	_np=$((_np + 1))
	pf=$T_ROOT/signproxy.$_np.port PROXY_LOG=$T_ROOT/signproxy.$_np.log
	nt=$(pdbedit -s "$SMB_CONF" -L -w 2>/dev/null | awk -F: -v u="$SMB_USER" '$1 == u { print $4 }')
	[ "${#nt}" = 32 ] || fail "no NT hash for $SMB_USER from pdbedit"
	python3 "$SIGNPROXY" "$pf" "$SMB_PORT" "$nt" "$@" 2>"$PROXY_LOG" </dev/null &
	register_helper $!
	for i in $(seq 100); do
		[ -s "$pf" ] && break
		sleep 0.1
	done
	[ -s "$pf" ] || { show_file "$PROXY_LOG"; fail "signproxy.py did not start"; }
	PROXY_PORT=$(cat "$pf")
}

# rw_round NAME MNT: a 5 MB file each way, compared on the other side, and a
# listing; the proxy must have verified requests and seen no bad signature.
rw_round() {
	local name=$1 mnt=$2
	head -c 5000000 /dev/urandom >"$SHARE_DIR/$name.srv"
	check_eq "$name: read" "$(sha256_of "$SHARE_DIR/$name.srv")" "$(sha256_of "$mnt/$name.srv")"
	head -c 5300000 /dev/urandom >"$T_ROOT/$name.local"
	cp "$T_ROOT/$name.local" "$mnt/$name.new" || fail "$name: cp to the mount"
	check_eq "$name: write" "$(sha256_of "$T_ROOT/$name.local")" "$(sha256_of "$SHARE_DIR/$name.new")"
	mkdir -p "$SHARE_DIR/$name.dir"
	for i in $(seq 1 150); do : >"$SHARE_DIR/$name.dir/f$i"; done
	check_eq "$name: listing" 150 "$(ls "$mnt/$name.dir" | wc -l)"
	grep -q '^signproxy: key ' "$PROXY_LOG" || { show_file "$PROXY_LOG"; fail "$name: signing never started"; }
	grep -q '^signproxy: good ' "$PROXY_LOG" || { show_file "$PROXY_LOG"; fail "$name: no verified request"; }
	! grep -q 'BAD SIG\|bad proof' "$PROXY_LOG" || { show_file "$PROXY_LOG"; fail "$name: proxy saw a bad signature"; }
}

# signed_round NAME PROXY_FLAG MOUNT_OPTS: mount through a new proxy, rw_round.
signed_round() {
	local mnt
	proxy_start ${2:+"$2"}
	mnt=$(new_mountpoint "$1")
	SMB_UNC=//127.0.0.1:$PROXY_PORT/share smbfuse_mount "$mnt" -o "$3"
	rw_round "$1" "$mnt"
	smbfuse_umount "$mnt"
}

# 1. The server requires signing; smbfuse did not ask.
smb_start 'server signing = disabled' 'raw NTLMv2 auth = yes'
signed_round required --require "$auth"
note "signing required by the server after a classic logon ok"

# 2. The server allows signing; -o sign asks for it.
signed_round asked "" "$auth,sign"
note "-o sign after a classic logon ok"

# 3. A wrong key: smbfuse must refuse the session setup reply.
proxy_start --require --bad-key
mnt=$(new_mountpoint badkey)
SMB_UNC=//127.0.0.1:$PROXY_PORT/share smbfuse_try "$T_ROOT/badkey.out" "$mnt" -o "$auth"
[ "$TRY_RC" = 32 ] || { show_file "$T_ROOT/badkey.out"; fail "wrong MAC key: exit $TRY_RC, want 32"; }
grep -q 'bad signature' "$T_ROOT/badkey.out" || { show_file "$T_ROOT/badkey.out"; fail "wrong MAC key: unclear message"; }
note "wrong MAC key refused"
smb_stop

# 4. Signing required, no UNIX extensions (a Windows-like server).
smb_start 'server signing = disabled' 'raw NTLMv2 auth = yes' 'unix extensions = no'
signed_round nounix --require "$auth"
note "signing without UNIX extensions ok"
exit 0
