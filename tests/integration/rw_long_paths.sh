#!/usr/bin/env bash
# rw_long_paths.sh - what Linux allows, the mount allows: paths of about
# 4000 bytes (nested directories) and symlink targets of 4000 bytes, and
# truncate(2) by path.  With and without UNIX extensions: mkdir -p, create,
# write, stat, ls, rename, unlink and rmdir of a file 19 directories down,
# compared with the backing directory; a symlink whose target is 4000 bytes
# reads back the same (UNIX extensions); truncate(2) by name (no open file)
# shortens and lengthens a file, and says ENOENT / EISDIR where it must.
# All of it against a default Samba and one with `max xmit = 1024`.  Last,
# which request removes a name: the POSIX unlink with UNIX extensions,
# DELETE / DELETE_DIRECTORY without (counted in Samba's log).
if [ -z "${BASH_VERSION:-}" ]; then exec bash "$0" "$@"; fi
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source-path=SCRIPTDIR source=rw_lib.sh
. "$(dirname "$0")/rw_lib.sh"

require_prereqs
smb_start
S=$SHARE_DIR

# A relative path of 4000 bytes: 19 directories of 199 bytes, a file name
# of 200.  Everything below works relative to the mount and the backing
# directory (their own paths would push absolute paths past PATH_MAX).
comp() { printf "$1%.0s" $(seq "$2"); }
DEEP=
for i in $(seq 10 28); do DEEP=$DEEP$i$(comp d 197)/; done
DEEP=${DEEP%/}
FILE=$DEEP/$(comp f 200)
check_eq "length of the long path" 4000 "${#FILE}"

# long_paths WHAT MNT: the file-tree operations on the long path.
long_paths() {
	local what=$1 m=$2 top=${DEEP%%/*} base=${FILE##*/}
	(cd "$m" && mkdir -p "$DEEP") || fail "$what: mkdir -p of a 3799-byte path"
	(cd "$S" && [ -d "$DEEP" ]) || fail "$what: the directories are not on the server"
	(cd "$m" && echo hello >"$FILE") || fail "$what: create at a 4000-byte path"
	head -c 300000 /dev/urandom >"$T_ROOT/data.bin"
	(cd "$m" && dd if="$T_ROOT/data.bin" of="$FILE" bs=65536 status=none) || fail "$what: write at a 4000-byte path"
	check_eq "$what: size through the mount" 300000 "$(cd "$m" && stat -c %s "$FILE")"
	check_eq "$what: server copy" "$(sha256_of "$T_ROOT/data.bin")" "$(cd "$S" && sha256_of "$FILE")"
	check_eq "$what: read back" "$(sha256_of "$T_ROOT/data.bin")" "$(cd "$m" && sha256_of "$FILE")"
	check_eq "$what: ls of the deepest directory" "$base" "$(cd "$m" && ls "$DEEP")"
	(cd "$m" && mv "$FILE" "$DEEP/g") || fail "$what: rename within the deepest directory"
	(cd "$S" && [ -f "$DEEP/g" ] && [ ! -e "$FILE" ]) || fail "$what: rename not seen on the server"
	(cd "$m" && mv "$DEEP/g" "$FILE") || fail "$what: rename back"
	check_eq "$what: unlink at a 4000-byte path" OK "$(cd "$m" && fsop unlink "$FILE")"
	(cd "$S" && [ ! -e "$FILE" ]) || fail "$what: the unlinked file is still on the server"
	check_eq "$what: rmdir of the deepest directory" OK "$(cd "$m" && fsop rmdir "$DEEP")"
	(cd "$S" && [ ! -e "$DEEP" ]) || fail "$what: the removed directory is still on the server"
	(cd "$m" && rm -r "$top") || fail "$what: rm -r of the rest"
	[ ! -e "$S/$top" ] || fail "$what: rm -r left $top on the server"
	note "$what: 4000-byte path: mkdir -p, create, write, stat, ls, rename, unlink, rmdir ok"
}

# truncate_by_path WHAT MNT: os.truncate on a name, no open file.
truncate_by_path() {
	local what=$1 m=$2 size
	printf 'hello world\n' >"$m/t.txt" || fail "$what: create t.txt"
	printf 'hello world\n' >"$T_ROOT/t.txt"
	for size in 5 70000 0 1234; do
		check_eq "$what: truncate(2) to $size" OK "$(fsop truncate "$m/t.txt" "$size")"
		truncate -s "$size" "$T_ROOT/t.txt"
		check_eq "$what: size after truncate to $size" "$size" "$(stat -c %s "$m/t.txt")"
		check_file_eq "$what: server copy after truncate to $size" "$T_ROOT/t.txt" "$S/t.txt"
	done
	check_eq "$what: truncate(2) of a missing file" ENOENT "$(fsop truncate "$m/missing" 0)"
	mkdir "$m/tdir" || fail "$what: mkdir tdir"
	check_eq "$what: truncate(2) of a directory" EISDIR "$(fsop truncate "$m/tdir" 0)"
	rmdir "$m/tdir" || fail "$what: rmdir tdir"
	rm "$m/t.txt" || fail "$what: rm t.txt"
	note "$what: truncate(2) by path ok"
}

# all_checks WHAT TAG: both mounts (UNIX extensions or not) on the latest smbd.
all_checks() {
	local w=$1 tag=$2 mnt
	mnt=$(new_mountpoint "unix$tag")
	mount_rw "$mnt" actimeo=0
	truncate_by_path "$w, UNIX extensions" "$mnt"
	long_paths "$w, UNIX extensions" "$mnt"
	# A symlink target of 4000 bytes (the data of SET_FILE_UNIX_LINK).
	TARGET=$(comp t 1000)/$(comp u 999)/$(comp v 999)/$(comp w 999)
	check_eq "length of the symlink target" 4000 "${#TARGET}"
	ln -s "$TARGET" "$mnt/longlink" || fail "$w: symlink with a 4000-byte target"
	check_eq "$w: readlink through the mount" "$TARGET" "$(readlink "$mnt/longlink")"
	check_eq "$w: readlink on the server" "$TARGET" "$(readlink "$S/longlink")"
	rm "$mnt/longlink" || fail "$w: unlink of the long symlink"
	note "$w, UNIX extensions: symlink with a 4000-byte target ok"
	smbfuse_umount "$mnt"

	mnt=$(new_mountpoint "nounix$tag")
	mount_rw "$mnt" nounix,actimeo=0
	truncate_by_path "$w, no UNIX extensions" "$mnt"
	long_paths "$w, no UNIX extensions" "$mnt"
	smbfuse_umount "$mnt"
}

all_checks "default" 1
smb_stop
# A server with a tiny buffer: the 8 KiB requests and replies of a long
# path or link target go in one oversized request and come back in parts.
smb_start "max xmit = 1024"
S=$SHARE_DIR
all_checks "max xmit = 1024" 2
smb_stop

# Which request removes a name: with UNIX extensions the POSIX unlink
# (SET_PATH_INFORMATION level 0x20A = 522), which takes the name literally
# and removes open files as unlink(2) does; without them SMB_COM_DELETE and
# DELETE_DIRECTORY.  Samba logs each at log level 3.
smb_start "log level = 3"
S=$SHARE_DIR
for opts in actimeo=0 nounix,actimeo=0; do
	mnt=$(new_mountpoint "rm-${opts%%,*}")
	mount_rw "$mnt" "$opts"
	(cd "$mnt" && mkdir -p "$DEEP" && echo x >"$FILE") || fail "$opts: create at a 4000-byte path"
	check_eq "$opts: unlink at a 4000-byte path" OK "$(cd "$mnt" && fsop unlink "$FILE")"
	check_eq "$opts: rmdir at a 3799-byte path" OK "$(cd "$mnt" && fsop rmdir "$DEEP")"
	(cd "$S" && [ ! -e "$DEEP" ]) || fail "$opts: the removed directory is still on the server"
	rm -r "${mnt:?}/${DEEP%%/*}" || fail "$opts: rm -r"
	smbfuse_umount "$mnt"
done
posix=$(smb_log_count 'info_level=522')
delete=$(smb_log_count 'reply_unlink : ')
rmdirs=$(smb_log_count '\(reply_rmdir\)')
# UNIX extensions: the file, the deepest directory and the 18 above it;
# without them, the file and the directory with the old requests.
if [ "$posix" -lt 20 ] || [ "$delete" != 1 ] || [ "$rmdirs" != 19 ]; then
	fail "removals: $posix POSIX unlinks (want >= 20), $delete DELETE (want 1), $rmdirs DELETE_DIRECTORY (want 19)"
fi
note "unlink/rmdir: POSIX unlink with UNIX extensions, DELETE / DELETE_DIRECTORY without"
exit 0
