#!/usr/bin/env bash
# rw_owner.sh - objects made through an allow_other,default_permissions
# mount belong to the local user who made them, as on a local disk (issue 8,
# defect 11), with the UNIX extensions: mkdir, open(O_CREAT), mkfifo
# (mknod) and symlink by uid/gid 65534 give 65534:65534 on the server; under
# a setgid directory the group is the directory's and a new directory
# keeps the setgid bit; the creator can then chmod its file; a symlink's
# target keeps its owner.
if [ -z "${BASH_VERSION:-}" ]; then exec bash "$0" "$@"; fi
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source-path=SCRIPTDIR source=rw_lib.sh
. "$(dirname "$0")/rw_lib.sh"

require_prereqs
command -v setpriv >/dev/null 2>&1 || skip "setpriv (util-linux) not installed"
# A python3 the unprivileged user can run (not a shim under /root).
SYS_PY=/usr/bin/python3
[ -x "$SYS_PY" ] || skip "/usr/bin/python3 not installed"
smb_start
S=$SHARE_DIR
# The mount point and the helpers must be reachable by the unprivileged user.
chmod 755 "$T_ROOT"
chmod 644 "$_RW_FSOP"
m=$(new_mountpoint owner)
mount_rw "$m" allow_other,default_permissions

mkdir "$S/pub" "$S/sg"
chmod 1777 "$S/pub"
chown 0:4321 "$S/sg"
chmod 2777 "$S/sg"
echo root >"$S/pub/rootfile"
# as_nobody CMD...: run CMD as uid/gid 65534 without supplementary groups.
as_nobody() {
	setpriv --reuid=65534 --regid=65534 --clear-groups "$@"
}
# owner_is WHAT WANT PATH: WANT is "uid:gid" of PATH on the server (lstat).
owner_is() {
	local got
	got=$(stat -c %u:%g "$3")
	[ "$got" = "$2" ] || problem "$1: owner $got on the server, expected $2"
}

as_nobody mkdir "$m/pub/dir" || fail "mkdir as nobody"
as_nobody sh -c ": >'$m/pub/file'" || fail "create as nobody"
as_nobody "$SYS_PY" -c 'import os, sys; os.close(os.open(sys.argv[1], os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600))' \
	"$m/pub/excl" || fail "O_EXCL create as nobody"
as_nobody mkfifo "$m/pub/fifo" || fail "mkfifo as nobody"
as_nobody ln -s rootfile "$m/pub/link" || fail "symlink as nobody"
for f in dir file excl fifo link; do
	owner_is "$f made by nobody" 65534:65534 "$S/pub/$f"
done
owner_is "the target of nobody's symlink" 0:0 "$S/pub/rootfile"
check_eq "mode of nobody's O_EXCL file" 600 "$(stat -c %a "$S/pub/excl")"
# the creator owns it, so these work through the mount
got=$(as_nobody "$SYS_PY" "$_RW_FSOP" chmod "$m/pub/file" 600)
[ "$got" = OK ] || problem "chmod by the creator of a file: $got"
got=$(as_nobody sh -c "echo data >'$m/pub/file' && echo OK" 2>&1)
[ "$got" = OK ] || problem "write by the creator of a 0600 file: $got"

# setgid directory: the group is the directory's, a new directory is setgid
as_nobody mkdir "$m/sg/dir" || fail "mkdir as nobody in a setgid directory"
as_nobody sh -c ": >'$m/sg/file'" || fail "create as nobody in a setgid directory"
owner_is "file made by nobody in a setgid directory" 65534:4321 "$S/sg/file"
owner_is "directory made by nobody in a setgid directory" 65534:4321 "$S/sg/dir"
[ -g "$S/sg/dir" ] || problem "a directory made in a setgid directory lost the setgid bit"

# root's objects stay root's
{ mkdir "$m/pub/rootdir" && : >"$m/pub/rootnew"; } || fail "create as root"
owner_is "file made by root" 0:0 "$S/pub/rootnew"
owner_is "directory made by root" 0:0 "$S/pub/rootdir"
mkdir "$m/sg/rootdir" || fail "mkdir as root in a setgid directory"
owner_is "directory made by root in a setgid directory" 0:4321 "$S/sg/rootdir"
[ -g "$S/sg/rootdir" ] || problem "root's directory in a setgid directory lost the setgid bit"

smbfuse_umount "$m"
problems_check
note "new objects belong to their creator"
exit 0
