#!/usr/bin/env bash
# mount_guest.sh - '-o guest' mounts a 'guest ok = yes' share and reads it
# (Samba maps the guest to 'nobody'); a share without 'guest ok' refuses it.
if [ -z "${BASH_VERSION:-}" ]; then exec bash "$0" "$@"; fi
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"

require_prereqs
smb_start

S=$SHARE_DIR
printf 'guest readable\n' >"$S/readme.txt"
mkdir -p "$S/sub"
head -c 300000 /dev/urandom >"$S/sub/data.bin"
printf 'share2\n' >"$SHARE2_DIR/private.txt"

mnt=$(new_mountpoint guest)
smbfuse_mount "$mnt" -o guest
note "guest mount of //127.0.0.1:$SMB_PORT/share"
tree_listing "$S" >"$T_ROOT/tree.expected"
tree_listing "$mnt" >"$T_ROOT/tree.actual" || fail "find through the guest mount failed"
check_lists_eq "tree through the guest mount" "$T_ROOT/tree.expected" "$T_ROOT/tree.actual"
check_file_eq "cat readme.txt as guest" "$S/readme.txt" <(cat "$mnt/readme.txt")
check_file_eq "cat sub/data.bin as guest" "$S/sub/data.bin" <(cat "$mnt/sub/data.bin")
smbfuse_umount "$mnt"

# [share2] has 'guest ok = no': the mount must fail cleanly.
mnt2=$(new_mountpoint guest-denied)
SMB_UNC=//127.0.0.1:$SMB_PORT/share2 smbfuse_try "$T_ROOT/denied.out" "$mnt2" -o guest
[ "$TRY_RC" != 0 ] || fail "guest mount of a share without 'guest ok' succeeded"
[ "$TRY_RC" != 124 ] || fail "guest mount of a share without 'guest ok' did not finish within 30 s"
is_mounted "$mnt2" && fail "refused guest mount left $mnt2 mounted"
[ -s "$T_ROOT/denied.out" ] || fail "refused guest mount printed no reason"
note "guest refused on share2 (exit $TRY_RC): $(head -n 1 "$T_ROOT/denied.out")"
exit 0
