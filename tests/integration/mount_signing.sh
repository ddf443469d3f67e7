#!/usr/bin/env bash
# mount_signing.sh - SMB message signing (MS-CIFS 3.1.5.1): against a Samba
# with 'server signing = mandatory' every request is signed and every reply
# verified (a bad reply signature drops the connection, so a correct read
# proves both directions); '-o sign' asks for it from a server that would
# not insist.  Signing after a classic NTLMv2 logon (sec=ntlmv2) is not
# supported yet: that mount must fail with a clear message.
if [ -z "${BASH_VERSION:-}" ]; then exec bash "$0" "$@"; fi
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"

require_prereqs
auth="username=$SMB_USER,password=$SMB_PASS"

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
smbfuse_try "$T_ROOT/classic.out" "$mnt" -o "$auth,sec=ntlmv2"
[ "$TRY_RC" = 32 ] || { show_file "$T_ROOT/classic.out"; fail "sec=ntlmv2 + mandatory signing: exit $TRY_RC, want 32"; }
grep -q 'only with sec=ntlmssp' "$T_ROOT/classic.out" || { show_file "$T_ROOT/classic.out"; fail "sec=ntlmv2 + signing: unclear message"; }

# A guest session has no key: the server lets it through unsigned.
mnt=$(new_mountpoint guest)
smbfuse_mount "$mnt" -o guest
check_file_eq "guest read with signing mandatory" "$SHARE_DIR/signed.bin" <(cat "$mnt/signed.bin")
smbfuse_umount "$mnt"
smb_stop

# 'auto': the server can sign but does not insist; -o sign asks for it.
smb_start 'server signing = auto'
head -c 3000000 /dev/urandom >"$SHARE_DIR/signed.bin"
mnt=$(new_mountpoint asked)
smbfuse_mount "$mnt" -o "$auth,sign"
check_file_eq "read with -o sign" "$SHARE_DIR/signed.bin" <(cat "$mnt/signed.bin")
smbfuse_umount "$mnt"
note "-o sign ok"
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
