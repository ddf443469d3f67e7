#!/usr/bin/env bash
# cache_notify_dirs.sh - a server that refuses recursive change notification
# (played by notifyproxy.py in front of Samba): the mount watches the root
# and each directory it lists instead, and changes by another client
# (smbclient, straight to Samba) in those directories still show within
# WAIT_MS with actimeo=3600; the stats say so.
if [ -z "${BASH_VERSION:-}" ]; then exec bash "$0" "$@"; fi
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source-path=SCRIPTDIR source=reconnect_lib.sh
. "$(dirname "$0")/reconnect_lib.sh"
# shellcheck source-path=SCRIPTDIR source=cache_lib.sh
. "$(dirname "$0")/cache_lib.sh"
require_prereqs
smb_start
S=$SHARE_DIR
mkdir -p "$S/a/deep" "$S/b"
printf 'x\n' >"$S/a/deep/f.txt"

rc_proxy_run "$(dirname "$0")/notifyproxy.py" "$T_ROOT/nproxy.port" "$SMB_PORT"
mnt=$(new_mountpoint D)
SMB_UNC=//127.0.0.1:$PROXY_PORT/share rc_mount "$mnt" actimeo=3600
ls "$mnt" "$mnt/a" "$mnt/a/deep" "$mnt/b" >/dev/null
rc_wait_stat "per-directory watches armed" "$mnt" notify.dirs_watched 3 10
grep -q "refused a WatchTree" "$T_ROOT/nproxy.log" || fail "the proxy saw no WatchTree request"
mode=$(rc_stats "$mnt" | sed -n 's/^cache_coherence: //p')
note "coherence: $mode"
case $mode in *"listed directories"*) ;; *) fail "coherence mode: $mode" ;; esac

printf 'one\n' >"$T_ROOT/c.txt"
sc "put $T_ROOT/c.txt top.txt"
within "root: new file listed" listed "$mnt/top.txt"
sc "put $T_ROOT/c.txt a/deep/new.txt"
within "a/deep: new file listed" listed "$mnt/a/deep/new.txt"
printf 'two, longer\n' >"$T_ROOT/c.txt"
sc "put $T_ROOT/c.txt a/deep/f.txt"
within "a/deep: rewritten file" has_content "$mnt/a/deep/f.txt" 'two, longer'
sc "del top.txt"
sc "put $T_ROOT/c.txt b/g.txt"
within "b: new file listed" listed "$mnt/b/g.txt"
check_eq "reconnects" 0 "$(rc_stat_value "$mnt" reconnects)"
smbfuse_umount "$mnt"
note "PASS"
