#!/usr/bin/env bash
# cache_names.sh - the whole set of names of a directory made through the
# mount, kept while change notification watches the tree (cache.h,
# cache_names_created): the lookup of a name about to be created (before
# every create: tar, cp) is answered without a round trip, and the set
# follows every change, the mount's own and other clients'.
#   A  in a directory made through the mount, 100 lookups of absent names
#      send no request, and say ENOENT; the mount's own creates, mkdirs,
#      symlinks, hard links, renames and unlinks show at once.
#   B  another client (smbclient) creates a file and a directory in it, in a
#      subdirectory made through the mount, and with a name holding a
#      backslash; removes one of the mount's files; renames the
#      subdirectory: the mount sees each (within WAIT_MS), and an O_EXCL
#      create of a name the other client made says EEXIST at once.  A file
#      made on the server's own disk in a subdirectory (no notification:
#      Samba's inotify watches the root only) shows within actimeo.
#   C  nothing is answered from a set with actimeo=0 or without change
#      notification (Samba `change notify = no`): lookups ask the server.
if [ -z "${BASH_VERSION:-}" ]; then exec bash "$0" "$@"; fi
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source-path=SCRIPTDIR source=reconnect_lib.sh
. "$(dirname "$0")/reconnect_lib.sh"
# shellcheck source-path=SCRIPTDIR source=cache_lib.sh
. "$(dirname "$0")/cache_lib.sh"
require_prereqs

qpi() { stat_count "$1" requests.TRANS2_QUERY_PATH_INFORMATION; }
absent() { rc_stat_value "$1" cache.absent_names; }
# lookups DIR N: stat N names that do not exist in DIR; all must fail.
lookups() {
	python3 - "$1" "$2" <<'PY' || fail "a lookup of an absent name did not say ENOENT"
import errno, os, sys
for i in range(int(sys.argv[2])):
    try:
        os.stat(os.path.join(sys.argv[1], "absent%d" % i))
        sys.exit("absent%d exists" % i)
    except OSError as e:
        if e.errno != errno.ENOENT:
            sys.exit("absent%d: %s" % (i, e))
PY
}

smb_start
S=$SHARE_DIR
mnt=$(new_mountpoint A)
rc_mount "$mnt" actimeo=3600
rc_wait_stat "change notification armed" "$mnt" notify.arms 1 10

# ---------------------------------------------------------------- A
mkdir "$mnt/d" || fail "mkdir"
q0=$(qpi "$mnt")
lookups "$mnt/d" 100
q1=$(qpi "$mnt")
note "A: 100 lookups of absent names: $((q1 - q0)) QUERY_PATH_INFORMATION, $(absent "$mnt") answered from the set"
[ $((q1 - q0)) -le 2 ] || fail "A: 100 lookups of absent names sent $((q1 - q0)) queries"
echo a >"$mnt/d/a" && echo b >"$mnt/d/b" && mkdir "$mnt/d/sub" && ln -s a "$mnt/d/sym" &&
	ln "$mnt/d/b" "$mnt/d/hard" || fail "A: creating in d"
for n in a b sub sym hard; do
	stat "$mnt/d/$n" >/dev/null || fail "A: d/$n, made through the mount, not found"
done
mv "$mnt/d/a" "$mnt/d/moved" || fail "A: rename"
stat "$mnt/d/moved" >/dev/null || fail "A: the renamed file not found under its new name"
gone "$mnt/d/a" || fail "A: the renamed file still found under its old name"
rm "$mnt/d/b" || fail "A: unlink"
gone "$mnt/d/b" || fail "A: an unlinked file still found"
echo again >"$mnt/d/b" || fail "A: re-create"
check_eq "A: re-created file" again "$(cat "$mnt/d/b")"
lookups "$mnt/d/sub" 10

# ---------------------------------------------------------------- B
sc "put /etc/hostname d\\sub\\theirs"
within "B: a file another client created in a set directory" stat "$mnt/d/sub/theirs"
sc "mkdir d\\sub\\theirdir"
within "B: a directory another client created" stat "$mnt/d/sub/theirdir"
# A name the other client made, created O_EXCL by us before the
# notification came, if it did not: the server's EEXIST.
sc "put /etc/hostname d\\sub\\race"
python3 - "$mnt/d/sub/race" <<'PY' || fail "B: O_EXCL create of a name another client made"
import errno, os, sys
try:
    os.close(os.open(sys.argv[1], os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644))
    sys.exit("created")
except OSError as e:
    if e.errno != errno.EEXIST:
        sys.exit(str(e))
PY
sc "del d\\moved"
within "B: a file another client removed" gone "$mnt/d/moved"
sc "rename d\\sub d\\sub2"
within "B: a directory another client renamed, under its new name" stat "$mnt/d/sub2/theirs"
within "B: ... gone under its old name" gone "$mnt/d/sub"
# A name with a backslash (POSIX pathnames: an ordinary character).
echo bs >"$mnt/d/back\\slash" || fail "B: a name with a backslash"
check_eq "B: a name with a backslash" bs "$(cat "$mnt/d/back\\slash")"
smbfuse_umount "$mnt"
# Made on the server's own disk, not through SMB: Samba's notification
# (inotify) covers the watched root only, so in a subdirectory nothing
# tells us: like every cached answer there, it lasts actimeo (1 s here).
m=$(new_mountpoint B1)
rc_mount "$m"
mkdir "$m/nest" "$m/nest/deeper" && echo n >"$S/nest/deeper/local"
within "B: a file made on the server's own disk (actimeo=1)" stat "$m/nest/deeper/local"
smbfuse_umount "$m"

# ---------------------------------------------------------------- C
m=$(new_mountpoint "C0")
rc_mount "$m" actimeo=0
mkdir "$m/c" || fail "C: mkdir"
lookups "$m/c" 5
check_eq "C (actimeo=0): lookups answered from a set" 0 "$(absent "$m")"
smbfuse_umount "$m"
smb_stop
smb_start 'change notify = no'
S=$SHARE_DIR
m=$(new_mountpoint C1)
rc_mount "$m" actimeo=3600
mkdir "$m/c" || fail "C: mkdir"
echo x >"$S/c/local" # on the server's disk: no notification tells us
lookups "$m/c" 5
stat "$m/c/local" >/dev/null || fail "C: without change notification, a file made elsewhere was not found"
check_eq "C (change notify = no): lookups answered from a set" 0 "$(absent "$m")"
smbfuse_umount "$m"
note "PASS"
