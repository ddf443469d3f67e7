#!/usr/bin/env bash
# mount_user.sh - mount as samba user root/secret and compare what the mount
# shows (names, types, sizes, mtimes, contents, statfs) with the share's
# backing directory; names with spaces, accents, CJK and emoji; nested
# directories; daemon mode; password from $PASSWD.
# automake runs tests with $(SHELL), which may be dash: re-exec under bash.
if [ -z "${BASH_VERSION:-}" ]; then exec bash "$0" "$@"; fi
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"

require_prereqs
smb_start

# ---- the share's contents
S=$SHARE_DIR
printf 'Hello from smbfuse tests.\nSecond line.\n' >"$S/hello.txt"
: >"$S/empty.txt"
head -c 100013 /dev/urandom >"$S/random.bin"
mkdir -p "$S/dir1/dir2/dir3" "$S/empty dir"
printf 'deep\n' >"$S/dir1/dir2/dir3/deep.txt"
printf 'one\n' >"$S/dir1/one.txt"
printf 'spaces\n' >"$S/name with  spaces .txt"
printf 'accents\n' >"$S/accents éèàçüöß ñ.txt"
printf 'cjk\n' >"$S/日本語のファイル.txt"
printf 'emoji\n' >"$S/emoji 😀🚀.txt" # outside the BMP: UTF-16 surrogate pairs
mkdir -p "$S/Ünïcødé 目录"
printf 'in unicode dir\n' >"$S/Ünïcødé 目录/fïlé ☃.txt"
printf 'old\n' >"$S/old.txt"
touch -d '2001-02-03 04:05:06 UTC' "$S/old.txt"
printf 'future\n' >"$S/y2040.txt"
touch -d '2040-06-07 08:09:10 UTC' "$S/y2040.txt" # past 2^31 s
touch -d '2010-01-01 00:00:00 UTC' "$S/dir1/dir2"

# check_tree MNT: the mount matches the backing directory.
check_tree() {
	local mnt=$1 rel b m bt mt bs ms bm mm mp d
	tree_listing "$S" >"$T_ROOT/tree.expected"
	tree_listing "$mnt" >"$T_ROOT/tree.actual" || fail "find through the mount failed"
	check_lists_eq "tree (type size path) through the mount" "$T_ROOT/tree.expected" "$T_ROOT/tree.actual"
	ls -l "$mnt" >"$T_ROOT/ls.out" 2>&1 || { show_file "$T_ROOT/ls.out"; fail "ls -l failed"; }
	ls -la "$mnt/dir1" >"$T_ROOT/ls.out" 2>&1 || { show_file "$T_ROOT/ls.out"; fail "ls -la dir1 failed"; }
	while IFS= read -r -d '' rel; do
		b=$S/$rel m=$mnt/$rel
		IFS='|' read -r bt bs bm < <(stat -c '%F|%s|%Y' -- "$b")
		IFS='|' read -r mt ms mm mp < <(stat -c '%F|%s|%Y|%a' -- "$m") || fail "stat '$rel' through the mount failed"
		check_eq "type of '$rel'" "$bt" "$mt"
		if [ "$bt" = directory ]; then
			[ $((8#$mp & 8#500)) = $((8#500)) ] || fail "directory '$rel' has mode $mp (owner needs r-x)"
		else
			check_eq "size of '$rel'" "$bs" "$ms"
			[ $((8#$mp & 8#400)) = $((8#400)) ] || fail "file '$rel' has mode $mp (owner needs r)"
			[ $((8#$mp & 8#7000)) = 0 ] || fail "file '$rel' has mode $mp (setuid/setgid/sticky)"
			check_file_eq "contents of '$rel'" "$b" "$m"
		fi
		[ "$bt" = directory ] && [ "$rel" != dir1/dir2 ] && continue # dirs change when listed/created
		d=$((mm - bm))
		[ "${d#-}" -le 2 ] || fail "mtime of '$rel': backing $bm ($(date -u -d "@$bm")), mount $mm ($(date -u -d "@$mm"))"
	done < <(cd "$S" && find . -mindepth 1 -printf '%P\0')
	# type of a few by name
	[ -d "$mnt/dir1/dir2/dir3" ] || fail "dir1/dir2/dir3 is not a directory through the mount"
	[ -f "$mnt/dir1/dir2/dir3/deep.txt" ] || fail "deep.txt is not a regular file through the mount"
	if stat -- "$mnt/does-not-exist" >"$T_ROOT/stat.out" 2>&1; then
		fail "stat of a missing file succeeded"
	fi
	check_contains "stat of a missing file" "$T_ROOT/stat.out" 'No such file or directory'
}

# check_statfs MNT: df / stat -f give sane numbers, close to the backing fs.
check_statfs() {
	local mnt=$1 bs blocks avail free bbs bblocks total btotal
	df -P "$mnt" >"$T_ROOT/df.out" 2>&1 || { show_file "$T_ROOT/df.out"; fail "df failed on the mount"; }
	read -r bs blocks avail free < <(stat -f -c '%S %b %a %f' -- "$mnt") || fail "stat -f failed on the mount"
	read -r bbs bblocks < <(stat -f -c '%S %b' -- "$S")
	((bs > 0 && blocks > 0)) || fail "statfs: block size $bs, blocks $blocks"
	((avail <= blocks && free <= blocks)) || fail "statfs: avail $avail / free $free > total $blocks"
	total=$((bs * blocks)) btotal=$((bbs * bblocks))
	# Samba reports the backing filesystem's size; allow 10% for rounding.
	((total * 10 >= btotal * 9 && total * 10 <= btotal * 11)) ||
		fail "statfs: mount says $total bytes in all, backing filesystem $btotal"
}

# ---- 1. foreground mount, username/password options
mnt=$(new_mountpoint user)
smbfuse_mount "$mnt" -o "username=$SMB_USER,password=$SMB_PASS"
note "mounted //127.0.0.1:$SMB_PORT/share (user $SMB_USER)"
check_tree "$mnt"
check_file_eq "cat hello.txt" "$S/hello.txt" <(cat "$mnt/hello.txt")
check_statfs "$mnt"
log=$SMBFUSE_LOG
smbfuse_umount "$mnt"
if grep -Eiq 'error|fail' "$log"; then
	show_file "$log"
	fail "smbfuse printed errors during a clean run"
fi

# ---- 2. daemon mode: returns once mounted; the daemon exits on unmount
mnt2=$(new_mountpoint daemon)
smbfuse_mount_daemon "$mnt2" -o "username=$SMB_USER,password=$SMB_PASS"
dpid=$SMBFUSE_PID
check_file_eq "cat hello.txt (daemon mode)" "$S/hello.txt" <(cat "$mnt2/hello.txt")
check_file_eq "cat deep.txt (daemon mode)" "$S/dir1/dir2/dir3/deep.txt" <(cat "$mnt2/dir1/dir2/dir3/deep.txt")
smbfuse_umount "$mnt2"
_t_alive "$dpid" && fail "daemon $dpid still running after unmount"
note "daemon mode ok (pid $dpid exited after unmount)"

# ---- 3. password from $PASSWD instead of -o password=
mnt3=$(new_mountpoint passwd-env)
PASSWD=$SMB_PASS smbfuse_mount "$mnt3" -o "username=$SMB_USER"
check_file_eq "cat hello.txt (PASSWD)" "$S/hello.txt" <(cat "$mnt3/hello.txt")
smbfuse_umount "$mnt3"
note "PASSWD from the environment ok"
exit 0
