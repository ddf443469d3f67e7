#!/usr/bin/env bash
# cache_stale_create.sh - open(O_CREAT) of a name the kernel still holds but
# that is gone on the server (another client removed it, and its
# notification has not come, or never comes: Samba's inotify watches the
# share's root only) creates the file, as on a local disk; it used to fail
# with ENOENT.  The mount answers the open's "not found" with ESTALE, so the
# kernel looks the name up again and creates it (fs_open).
#   A  in a subdirectory, the file removed on the server's disk: `>` and
#      `>>` create it, with what they write.
#   B  in the root, removed by another client (smbclient) just before:
#      `>` creates it, whether the notification came first or not.
#   C  an open without O_CREAT of such a name says ENOENT, never ESTALE;
#      a directory removed the same way: ENOENT to ls, and mkdir makes it;
#      an open of the working directory removed so says ENOENT too (the
#      kernel cannot look "." up again, so a directory's open never says
#      ESTALE).
if [ -z "${BASH_VERSION:-}" ]; then exec bash "$0" "$@"; fi
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source-path=SCRIPTDIR source=reconnect_lib.sh
. "$(dirname "$0")/reconnect_lib.sh"
require_prereqs

smb_start
S=$SHARE_DIR
mnt=$(new_mountpoint A)
rc_mount "$mnt" actimeo=3600
rc_wait_stat "change notification armed" "$mnt" notify.arms 1 10

# ---------------------------------------------------------------- A
mkdir "$mnt/d" && echo old >"$mnt/d/f" && echo old >"$mnt/d/g" || fail "A: setup"
stat "$mnt/d/f" "$mnt/d/g" >/dev/null || fail "A: stat"
rm "$S/d/f" "$S/d/g"
(echo new >"$mnt/d/f") 2>"$T_ROOT/a.err" || fail "A: > of a name removed on the server: $(cat "$T_ROOT/a.err")"
(echo more >>"$mnt/d/g") 2>"$T_ROOT/a.err" || fail "A: >> of a name removed on the server: $(cat "$T_ROOT/a.err")"
check_eq "A: d/f on the server" new "$(cat "$S/d/f")"
check_eq "A: d/g on the server" more "$(cat "$S/d/g")"
check_eq "A: d/f through the mount" new "$(cat "$mnt/d/f")"
note "A: > and >> recreated two names removed on the server"

# ---------------------------------------------------------------- B
echo old >"$mnt/h" && stat "$mnt/h" >/dev/null || fail "B: setup"
smb_client "//127.0.0.1/share" -U "$SMB_USER%$SMB_PASS" -c "rm h" >/dev/null || fail "B: smbclient rm"
(echo new >"$mnt/h") 2>"$T_ROOT/b.err" || fail "B: > after another client's rm: $(cat "$T_ROOT/b.err")"
check_eq "B: h on the server" new "$(cat "$S/h")"
note "B: > recreated a name another client had just removed"

# ---------------------------------------------------------------- C
echo old >"$mnt/d/k" && stat "$mnt/d/k" >/dev/null || fail "C: setup"
mkdir "$mnt/d/sub" && stat "$mnt/d/sub" >/dev/null || fail "C: setup sub"
rm "$S/d/k" && rmdir "$S/d/sub"
if cat "$mnt/d/k" >/dev/null 2>"$T_ROOT/c.err"; then fail "C: cat of a removed file worked"; fi
check_contains "C: cat's error" "$T_ROOT/c.err" "No such file or directory"
if ls "$mnt/d/sub" >/dev/null 2>"$T_ROOT/c.err"; then fail "C: ls of a removed directory worked"; fi
check_contains "C: ls's error" "$T_ROOT/c.err" "No such file or directory"
mkdir "$mnt/d/sub" 2>"$T_ROOT/c.err" || fail "C: mkdir of a removed directory: $(cat "$T_ROOT/c.err")"
[ -d "$S/d/sub" ] || fail "C: mkdir made nothing on the server"
mkdir "$mnt/d/cwd" && stat "$mnt/d/cwd" >/dev/null || fail "C: setup cwd"
if (cd "$mnt/d/cwd" && rmdir "$S/d/cwd" && exec 5<.) 2>"$T_ROOT/c.err"; then
	fail "C: an open of a removed working directory worked"
fi
check_contains "C: the open's error" "$T_ROOT/c.err" "No such file or directory"
note "C: without O_CREAT: ENOENT; mkdir remade the directory"

smbfuse_umount "$mnt"
note "PASS"
