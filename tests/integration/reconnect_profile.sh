#!/usr/bin/env bash
# reconnect_profile.sh - a server that comes back different (issue: request
# lifecycle, "a reconnected session may have different capabilities").
# The mount was set up with the CIFS UNIX extensions (POSIX paths, '/'
# separators, inode numbers); the server restarts without them.  The pool
# must refuse the new session, say why in the log, and fail operations with
# a clear errno (ETIMEDOUT after reconnect_timeout) rather than send
# '/'-separated paths to a server that reads '\\'; once the server is as it
# was, the mount works again.
if [ -z "${BASH_VERSION:-}" ]; then exec bash "$0" "$@"; fi
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source-path=SCRIPTDIR source=reconnect_lib.sh
. "$(dirname "$0")/reconnect_lib.sh"

require_prereqs
smb_start
S=$SHARE_DIR
mkdir "$S/dir"
printf 'inside\n' >"$S/dir/f.txt"
mnt=$(new_mountpoint P)
rc_mount "$mnt" conns=1,actimeo=0,reconnect_timeout=3
log=$SMBFUSE_LOG
check_eq "read before the restart" inside "$(cat "$mnt/dir/f.txt")"

# The same server, now without UNIX extensions.
rc_smb_kill_now
cp "$SMB_CONF" "$T_ROOT/smb.conf.orig"
sed -i 's/^\[global\]$/[global]\n  unix extensions = no/' "$SMB_CONF"
grep -q 'unix extensions = no' "$SMB_CONF" || fail "could not edit $SMB_CONF"
rc_smb_restart
rc_wait_log "refused session logged" "$log" "now lacks the CIFS UNIX extensions" 1 20
out=$(timeout 30 cat "$mnt/dir/f.txt" 2>&1)
note "read with the changed server: $out"
case $out in
*"timed out"*) ;;
*) fail "read with a server that lost its UNIX extensions: want ETIMEDOUT, got: $out" ;;
esac

# Back as it was: the mount recovers.
rc_smb_kill_now
cp "$T_ROOT/smb.conf.orig" "$SMB_CONF"
rc_smb_restart
rc_retry "read after the server is back as it was" 30 cat "$mnt/dir/f.txt"
check_eq "read after the server is back" inside "$(cat "$mnt/dir/f.txt")"
smbfuse_umount "$mnt"
note "PASS"
