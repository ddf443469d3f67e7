#!/usr/bin/env bash
# rw_chmod_mask.sh - chmod on a share with masks: Samba may keep
# (mode & "create mask") | "force create mode" (directories: the directory
# mask and force mode), which a client cannot see, where it was asked mode.
#   Every chmod through the mount shows what the server stored (stat through
#   the mount = stat of the backing file), for files and directories, for
#   modes asked the first time and again, setuid included;
#   once the mount has seen what the masks do to each bit, a chmod costs one
#   request (SET_PATH_INFORMATION): no QUERY_PATH_INFORMATION after it
#   (before: one after every chmod); never so for setuid, setgid and sticky
#   bits, which are asked again.
if [ -z "${BASH_VERSION:-}" ]; then exec bash "$0" "$@"; fi
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"

require_prereqs
smb_start 'share:create mask = 0750' 'share:force create mode = 0004' \
	'share:directory mask = 0770' 'share:force directory mode = 0001'

# actimeo=60: what is shown comes from the cache, not from a refetch after
# a short attribute lifetime.
mnt=$(new_mountpoint m)
smbfuse_mount_daemon "$mnt" -o "username=$SMB_USER,password=$SMB_PASS,actimeo=60"

qpi() { stat_count "$mnt" requests.TRANS2_QUERY_PATH_INFORMATION; }
# check NAME MODE: after chmod MODE, the mount shows what the server stored.
check() {
	chmod "$2" "$mnt/$1" || fail "chmod $2 $1"
	local shown stored
	shown=$(stat -c %a "$mnt/$1") stored=$(stat -c %a "$SHARE_DIR/$1")
	[ "$shown" = "$stored" ] || fail "chmod $2 $1: the mount shows $shown, the server stored $stored"
}

mkdir "$mnt/d1" "$mnt/d2" || fail "mkdir"
for i in $(seq 1 24); do echo "$i" >"$mnt/f$i" || fail "create f$i"; done
stat "$mnt"/f* "$mnt"/d* >/dev/null || fail "stat"

# Learning: modes never asked before, each checked.
i=0
for m in 644 755 600 711 640 4755 2750 1777 000 777 444 4700; do
	i=$((i + 1))
	check "f$i" "$m"
done
for m in 755 700 2775 1777 000 751; do check d1 "$m"; done
# (Samba 4.17 applies the masks to new files only; older ones to every
# chmod too: either way the mount must show what was stored.)
note "stored after chmod 777: f10 $(stat -c %a "$SHARE_DIR/f10"); new file f24: $(stat -c %a "$SHARE_DIR/f24")"

# Known now.  Each file's attributes cached (a listing, after the change
# notifications of the creates and chmods above have come and dropped
# them): a chmod of a known mode is answered from what the server will
# store, with no query.  (A chmod after its own change notification
# dropped the file's attributes asks for them: the getattr that follows
# every chmod needs them; a late notification may still do that to one
# or two here.  Before, every chmod was followed by a query: 12.)
sleep 1
ls -l "$mnt" >/dev/null || fail "ls -l"
q0=$(qpi)
m=(644 600 755 640 664 700 750 000 444 711 777 750)
for i in $(seq 13 24); do check "f$i" "${m[$((i - 13))]}"; done
q1=$(qpi)
note "QUERY_PATH_INFORMATION for 12 chmods of known modes: $((q1 - q0)); $(smbfuse_stats "$mnt" | grep -E "^notify.overflows|^cache.invalidate_all|attr_misses" | tr "\n" " ")"
[ $((q1 - q0)) -le 3 ] || fail "$((q1 - q0)) QUERY_PATH_INFORMATION for 12 chmods of known modes"
# Again and again, whatever the notifications drop meanwhile: still what
# was stored.
for i in $(seq 13 24); do
	for m in 644 600 755 640 4755; do check "f$i" "$m"; done
done
for m in 755 700 775; do check d2 "$m"; done

smbfuse_umount "$mnt"
note "PASS"
