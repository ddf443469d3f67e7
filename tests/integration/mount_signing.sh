#!/usr/bin/env bash
# mount_signing.sh - SMB message signing (MS-CIFS 3.1.5.1): against a Samba
# with 'server signing = mandatory' every request is signed and every reply
# verified (a bad reply signature drops the connection, so a correct read
# proves both directions); '-o sign' asks for it from a server that would
# not insist.  After a classic NTLMv2 logon (sec=ntlmv2) Samba 4.x has no
# session key and never signs, even with signing mandatory: the mount goes on
# unsigned as the server does (with a warning), and '-o sign' is refused
# clearly.  A server that does sign such a session: mount_signing_classic.sh.
if [ -z "${BASH_VERSION:-}" ]; then exec bash "$0" "$@"; fi
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"

require_prereqs
auth="username=$SMB_USER,password=$SMB_PASS"

# write_check WHAT MNT: a 2.5 MB file written through MNT lands intact.
write_check() {
	head -c 2500000 /dev/urandom >"$T_ROOT/w.local"
	cp "$T_ROOT/w.local" "$2/w.new" || fail "$1: cp to the mount"
	check_file_eq "$1" "$T_ROOT/w.local" "$SHARE_DIR/w.new"
}

smb_start 'server signing = mandatory' 'raw NTLMv2 auth = yes'
head -c 3000000 /dev/urandom >"$SHARE_DIR/signed.bin"
mkdir -p "$SHARE_DIR/dir"
for i in $(seq 1 300); do : >"$SHARE_DIR/dir/f$i"; done
mnt=$(new_mountpoint mandatory)
smbfuse_mount "$mnt" -o "$auth"
check_file_eq "read under mandatory signing" "$SHARE_DIR/signed.bin" <(cat "$mnt/signed.bin")
check_eq "listing under mandatory signing" 300 "$(ls "$mnt/dir" | wc -l)"
smbfuse_umount "$mnt"
note "mandatory signing ok"

mnt=$(new_mountpoint classic)
smbfuse_mount "$mnt" -o "$auth,sec=ntlmv2"
check_file_eq "read, sec=ntlmv2, signing mandatory" "$SHARE_DIR/signed.bin" <(cat "$mnt/signed.bin")
write_check "write, sec=ntlmv2, signing mandatory" "$mnt"
smbfuse_umount "$mnt"
grep -q 'does not sign this session' "$SMBFUSE_LOG" || { show_file "$SMBFUSE_LOG"; fail "sec=ntlmv2: no warning that the session is unsigned"; }
note "sec=ntlmv2 against mandatory signing ok (unsigned, as Samba does)"

# A guest session has no key: the server lets it through unsigned.
mnt=$(new_mountpoint guest)
smbfuse_mount "$mnt" -o guest
check_file_eq "guest read with signing mandatory" "$SHARE_DIR/signed.bin" <(cat "$mnt/signed.bin")
smbfuse_umount "$mnt"
smb_stop

# 'auto': the server can sign but does not insist; -o sign asks for it.
smb_start 'server signing = auto' 'raw NTLMv2 auth = yes'
head -c 3000000 /dev/urandom >"$SHARE_DIR/signed.bin"
mnt=$(new_mountpoint asked)
smbfuse_mount "$mnt" -o "$auth,sign"
check_file_eq "read with -o sign" "$SHARE_DIR/signed.bin" <(cat "$mnt/signed.bin")
smbfuse_umount "$mnt"
note "-o sign ok"

# Samba does not sign a classic logon's session: -o sign must say so.
mnt=$(new_mountpoint classicsign)
smbfuse_try "$T_ROOT/classicsign.out" "$mnt" -o "$auth,sec=ntlmv2,sign"
[ "$TRY_RC" = 32 ] || { show_file "$T_ROOT/classicsign.out"; fail "sec=ntlmv2,sign vs Samba: exit $TRY_RC, want 32"; }
grep -q 'does not sign this session.*sec=ntlmssp' "$T_ROOT/classicsign.out" || { show_file "$T_ROOT/classicsign.out"; fail "sec=ntlmv2,sign vs Samba: unclear message"; }
smb_stop

# Signing required without UNIX extensions (a Windows-like server).
smb_start 'server signing = mandatory' 'unix extensions = no'
mnt=$(new_mountpoint nounix)
smbfuse_mount "$mnt" -o "$auth"
write_check "write, signing mandatory, no UNIX extensions" "$mnt"
check_file_eq "read back, no UNIX extensions" "$SHARE_DIR/w.new" <(cat "$mnt/w.new")
smbfuse_umount "$mnt"
note "mandatory signing without UNIX extensions ok"
smb_stop

# Samba's default for SMB1 does not sign: -o sign must refuse, not pretend.
smb_start
mnt=$(new_mountpoint nosign)
smbfuse_try "$T_ROOT/nosign.out" "$mnt" -o "$auth,sign"
[ "$TRY_RC" = 32 ] || { show_file "$T_ROOT/nosign.out"; fail "sign vs non-signing server: exit $TRY_RC, want 32"; }
grep -q 'does not sign' "$T_ROOT/nosign.out" || { show_file "$T_ROOT/nosign.out"; fail "sign vs non-signing server: unclear message"; }

# Asking for signing as a guest is refused clearly.
mnt=$(new_mountpoint guestsign)
smbfuse_try "$T_ROOT/gs.out" "$mnt" -o guest,sign
[ "$TRY_RC" = 32 ] || { show_file "$T_ROOT/gs.out"; fail "guest,sign: exit $TRY_RC, want 32"; }
grep -q 'signing' "$T_ROOT/gs.out" || { show_file "$T_ROOT/gs.out"; fail "guest,sign: message does not mention signing"; }
exit 0
