#!/usr/bin/env bash
# mount_addresses.sh - how the server is reached and what happens when it is
# not an SMB1 server: a host name (localhost), an IPv6 literal ([::1]), an
# SMB2-only Samba ("does not speak SMB1"), a peer that accepts the
# connection but never answers (timeout= bounds the wait), and OPEN_ANDX as
# the open command (opencmd=openandx) against the same share.
if [ -z "${BASH_VERSION:-}" ]; then exec bash "$0" "$@"; fi
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"

require_prereqs
auth="username=$SMB_USER,password=$SMB_PASS"

# 1. host name and IPv6 literal (Samba listening on both loopbacks)
have_v6=0
if grep -q '^00000000000000000000000000000001 ' /proc/net/if_inet6 2>/dev/null; then
	have_v6=1
	smb_start 'interfaces = 127.0.0.1 ::1'
else
	smb_start
fi
printf 'reached\n' >"$SHARE_DIR/r.txt"
mnt=$(new_mountpoint byname)
SMB_UNC=//localhost:$SMB_PORT/share smbfuse_mount "$mnt" -o "$auth"
check_file_eq "cat via localhost" "$SHARE_DIR/r.txt" <(cat "$mnt/r.txt")
smbfuse_umount "$mnt"
if [ "$have_v6" = 1 ]; then
	mnt=$(new_mountpoint v6)
	SMB_UNC="//[::1]:$SMB_PORT/share" smbfuse_mount "$mnt" -o "$auth"
	check_file_eq "cat via [::1]" "$SHARE_DIR/r.txt" <(cat "$mnt/r.txt")
	smbfuse_umount "$mnt"
	note "IPv6 literal ok"
else
	note "no ::1 on this machine: IPv6 literal not tried"
fi

# 2. OPEN_ANDX instead of NT_CREATE_ANDX, with and without UNIX extensions
head -c 300000 /dev/urandom >"$SHARE_DIR/o.bin"
for extra in "" ",nounix"; do
	mnt=$(new_mountpoint openandx)
	smbfuse_mount "$mnt" -o "$auth,opencmd=openandx$extra"
	check_file_eq "cat with opencmd=openandx$extra" "$SHARE_DIR/o.bin" <(cat "$mnt/o.bin")
	smbfuse_umount "$mnt"
done
note "opencmd=openandx ok"
smb_stop

# 3. an SMB2-only server
SMB_READY=port smb_start 'server min protocol = SMB2_02' 'server max protocol = SMB3'
mnt=$(new_mountpoint smb2)
smbfuse_try "$T_ROOT/smb2.out" "$mnt" -o "$auth"
[ "$TRY_RC" = 32 ] || { show_file "$T_ROOT/smb2.out"; fail "SMB2-only server: exit $TRY_RC, want 32"; }
grep -qi 'does not speak SMB1' "$T_ROOT/smb2.out" || { show_file "$T_ROOT/smb2.out"; fail "SMB2-only server: no 'does not speak SMB1'"; }
is_mounted "$mnt" && fail "SMB2-only server: left a mount"
note "SMB2-only server refused clearly: $(head -n1 "$T_ROOT/smb2.out")"
smb_stop

# 4. a peer that accepts and never answers: bounded by timeout=
port=$(_t_pick_port) || fail "no free port"
python3 - "$port" >"$T_ROOT/silent.out" 2>&1 <<'PY' &
import socket, sys, time
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", int(sys.argv[1])))
s.listen(4)
conns = []
end = time.time() + 60
s.settimeout(1)
while time.time() < end:
    try:
        conns.append(s.accept()[0])
    except socket.timeout:
        pass
PY
silent_pid=$!
_t_register_pid "$silent_pid"
for i in $(seq 50); do port_open "$port" && break; sleep 0.1; done
mnt=$(new_mountpoint silent)
start=$(date +%s)
SMB_UNC=//127.0.0.1:$port/share smbfuse_try "$T_ROOT/silent.txt" "$mnt" -o "$auth,timeout=2"
took=$(($(date +%s) - start))
[ "$TRY_RC" = 32 ] || { show_file "$T_ROOT/silent.txt"; fail "silent server: exit $TRY_RC, want 32"; }
((took < 15)) || fail "silent server: took $took s with timeout=2"
grep -qi 'timed out' "$T_ROOT/silent.txt" || { show_file "$T_ROOT/silent.txt"; fail "silent server: no 'timed out' in the message"; }
note "silent server: $(head -n1 "$T_ROOT/silent.txt") after $took s"
kill "$silent_pid" 2>/dev/null
wait "$silent_pid" 2>/dev/null
exit 0
