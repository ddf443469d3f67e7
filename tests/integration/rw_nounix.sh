#!/usr/bin/env bash
# rw_nounix.sh - read-write operations with -o nounix (no CIFS UNIX
# extensions, as against a Windows server): create, write, append, truncate,
# times, mkdir/rmdir, rename, unlink, hard links; modes come from
# file_mode/dir_mode; times set before close (cp -p, tar -x) survive the
# close; chmod a-w / u+w set and clear the DOS read-only
# attribute; chown, symlink and mknod fail with EPERM; a name with a
# backslash is EINVAL.  Everything is compared with the backing directory,
# and a few files with what smbclient reads.
if [ -z "${BASH_VERSION:-}" ]; then exec bash "$0" "$@"; fi
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source-path=SCRIPTDIR source=rw_lib.sh
. "$(dirname "$0")/rw_lib.sh"

require_prereqs
smb_start
S=$SHARE_DIR
L=$T_ROOT/local
mkdir -p "$L"

mnt=$(new_mountpoint nounix)
mount_rw "$mnt" nounix,file_mode=0640,dir_mode=0750
M=$mnt
log1=$SMBFUSE_LOG
grep -qi 'unix extensions' "$log1" && { show_file "$log1"; fail "the nounix mount says it uses the UNIX extensions"; }
# the same share, nounix, no attribute cache
mnt2=$(new_mountpoint nounix2)
mount_rw "$mnt2" nounix,file_mode=0640,dir_mode=0750,actimeo=0
M2=$mnt2

# ---- create, write, append, read back
echo hello >"$M/new.txt" || fail "echo > new.txt"
echo "more text" >>"$M/new.txt" || fail "echo >> new.txt"
printf 'hello\nmore text\n' >"$L/new.txt"
check_file_eq "cat new.txt" "$L/new.txt" <(cat "$M/new.txt")
check_backing new.txt "$M"
check_file_eq "new.txt through the second mount" "$L/new.txt" "$M2/new.txt"
head -c $((3 * 1024 * 1024 + 999)) /dev/urandom >"$L/big.bin"
cp "$L/big.bin" "$M/big.bin" || fail "cp 3 MiB into the mount"
head -c 50000 /dev/urandom >"$L/patch.bin"
for f in "$L/big.bin" "$M/big.bin"; do
	dd if="$L/patch.bin" of="$f" bs=5000 seek=77 conv=notrunc status=none || fail "dd conv=notrunc into $f"
done
check_backing big.bin "$M"
check_file_eq "big.bin read back" "$L/big.bin" "$M/big.bin"
cp "$L/new.txt" "$L/trunc.txt"
cp "$L/new.txt" "$M/trunc.txt" || fail "cp trunc.txt into the mount"
for size in 70000 5 0 1234; do
	truncate -s "$size" "$L/trunc.txt"
	truncate -s "$size" "$M/trunc.txt" || fail "truncate -s $size"
	check_eq "size after truncate -s $size" "$size" "$(stat -c %s "$M/trunc.txt")"
	check_backing trunc.txt "$M"
done
touch -d '2001-02-03 04:05:06 UTC' "$M/new.txt" || fail "touch -d"
check_eq "mtime after touch -d" 981173106 "$(stat -c %Y "$M/new.txt")"
check_eq "backing mtime after touch -d" 981173106 "$(stat -c %Y "$S/new.txt")"
note "create / write / append / truncate / utimens ok"

# ---- times set before the close of a written file survive the close
# (Windows semantics: the server stamps the last write time on close unless
# told otherwise).  cp -p and tar -x set times through the open descriptor;
# rsync by path, possibly before the kernel's asynchronous release.
head -c 100000 /dev/urandom >"$L/old.bin"
touch -d @1000000000 "$L/old.bin"
mkdir "$M/times" || fail "mkdir times"
cp -p "$L/old.bin" "$M/times/cp-p.bin" || fail "cp -p into the mount"
mkdir "$L/tar"
cp -p "$L/old.bin" "$L/tar/tar-x.bin"
# --no-same-owner: see the chown checks below
tar -C "$L/tar" -cf - tar-x.bin | tar -C "$M/times" --no-same-owner -xf - || fail "tar -x into the mount"
python3 - "$M/times" <<'EOF' || fail "utime before close (python)"
import os, sys
for how in ("fd", "path"):
    p = os.path.join(sys.argv[1], "utime-%s.bin" % how)
    fd = os.open(p, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
    os.write(fd, b"x" * 70000)
    os.utime(fd if how == "fd" else p, (1000000000, 1000000000))
    os.close(fd)
EOF
sleep 0.5
for f in cp-p.bin tar-x.bin utime-fd.bin utime-path.bin; do
	got=$(stat -c %Y "$S/times/$f")
	[ "$got" = 1000000000 ] || problem "mtime of $f (times set before close): server has $got ($(date -u -d "@$got" +%FT%TZ)), not 1000000000"
done
# write, close, set the time by path at once (git clone, cp, rsync...):
# the kernel's release of the handle may still be on its way
python3 - "$M/times" "$S/times" >"$T_ROOT/after-close.out" 2>&1 <<'EOF' ||
import os, sys
m, b = sys.argv[1:3]
errors, wrong = {}, 0
for i in range(50):
    p = os.path.join(m, "after-close-%d" % i)
    fd = os.open(p, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
    os.write(fd, b"x" * 1172)
    os.close(fd)
    try:
        os.utime(p, (1000000000 + i, 1000000000 + i))
    except OSError as e:
        errors[e.strerror] = errors.get(e.strerror, 0) + 1
for i in range(50):
    if os.stat(os.path.join(b, "after-close-%d" % i)).st_mtime != 1000000000 + i:
        wrong += 1
    os.unlink(os.path.join(m, "after-close-%d" % i))
if errors:
    print("utime by path just after close failed:", errors)
if wrong:
    print("%d of 50 files lost the mtime set just after close" % wrong)
EOF
	{ show_file "$T_ROOT/after-close.out"; fail "after-close check crashed"; }
while IFS= read -r line; do problem "$line"; done <"$T_ROOT/after-close.out"
rm -rf "$M/times" || fail "rm -rf times"

# ---- modes and owner come from the mount options
check_eq "file mode (file_mode=0640)" "640 regular file" "$(stat -c '%a %F' "$M/new.txt")"
mkdir "$M/dir" || fail "mkdir dir"
[ -d "$S/dir" ] || fail "dir is not a directory in the backing directory"
check_eq "directory mode (dir_mode=0750)" "750 directory" "$(stat -c '%a %F' "$M/dir")"
check_eq "owner (the mounting user)" 0:0 "$(stat -c %u:%g "$M/new.txt")"
chmod 600 "$M/new.txt" || fail "chmod 600 (keeps the write bit) must succeed"
check_eq "mode after chmod 600 (still file_mode)" 640 "$(stat -c %a "$M2/new.txt")"

# ---- DOS read-only attribute
echo ro >"$M/ro.txt"
chmod a-w "$M/ro.txt" || fail "chmod a-w"
check_eq "mode after chmod a-w (actimeo=0 mount)" 440 "$(stat -c %a "$M2/ro.txt")"
# shellcheck disable=SC2317 # called through wait_for
mode_is() { [ "$(stat -c %a "$1")" = "$2" ]; }
wait_for "mode 440 through the first mount after actimeo" 3 mode_is "$M/ro.txt" 440
smb_client //127.0.0.1/share -U "$SMB_USER%$SMB_PASS" -c 'allinfo ro.txt' >"$T_ROOT/allinfo.out" 2>&1 ||
	{ show_file "$T_ROOT/allinfo.out"; fail "smbclient allinfo ro.txt"; }
check_contains "DOS attributes of ro.txt after chmod a-w (smbclient)" "$T_ROOT/allinfo.out" '^attributes: .*R'
expect_errno "open a read-only file for writing" EACCES open_w "$M2/ro.txt"
chmod u+w "$M/ro.txt" || fail "chmod u+w"
check_eq "mode after chmod u+w (actimeo=0 mount)" 640 "$(stat -c %a "$M2/ro.txt")"
wait_for "mode 640 through the first mount after actimeo" 3 mode_is "$M/ro.txt" 640
smb_client //127.0.0.1/share -U "$SMB_USER%$SMB_PASS" -c 'allinfo ro.txt' >"$T_ROOT/allinfo.out" 2>&1 ||
	{ show_file "$T_ROOT/allinfo.out"; fail "smbclient allinfo ro.txt"; }
grep -Eq '^attributes: [^(]*R' "$T_ROOT/allinfo.out" && { show_file "$T_ROOT/allinfo.out"; fail "ro.txt still read-only after chmod u+w"; }
echo writable >"$M/ro.txt" || fail "write after chmod u+w"
check_eq "backing content after chmod u+w and write" writable "$(cat "$S/ro.txt")"
note "chmod a-w / u+w <-> DOS read-only ok"

# ---- what needs the UNIX extensions: EPERM
expect_errno "chown without UNIX extensions" EPERM chown "$M/new.txt" 1234 1234
check_eq "backing owner after the failed chown" 0:0 "$(stat -c %u:%g "$S/new.txt")"
# chown to the owner the mount already shows changes nothing: it should
# succeed, or root's cp -a and tar -x fail on every file
soft_errno "chown to the owner already shown (0:0)" OK chown "$M/new.txt" 0 0
soft_errno "chown -1:-1" OK chown "$M/new.txt" -1 -1
expect_errno "symlink without UNIX extensions" EPERM symlink new.txt "$M/link"
expect_errno "mkfifo without UNIX extensions" EPERM mkfifo "$M/fifo"
[ -e "$S/link" ] || [ -e "$S/fifo" ] && fail "a failed symlink/mkfifo left something on the server"
note "chown / symlink / mkfifo: EPERM ok"

# ---- hard links (NT_RENAME with the link information level)
echo linked >"$M/hl.txt"
expect_errno "link without UNIX extensions" OK link "$M/hl.txt" "$M/hl2.txt"
check_eq "same inode in the backing directory" "$(stat -c %i "$S/hl.txt")" "$(stat -c %i "$S/hl2.txt")"
check_eq "link count (actimeo=0)" 2 "$(stat -c %h "$M2/hl.txt")"
echo more >>"$M2/hl2.txt"
check_eq "other name sees the append" "$(printf 'linked\nmore')" "$(cat "$M2/hl.txt")"
note "hard links ok"

# ---- mkdir / rmdir / rename / unlink
mkdir -p "$M/a/b/c" "$M/x" || fail "mkdir -p a/b/c x"
[ -d "$S/a/b/c" ] || fail "a/b/c missing in the backing directory"
echo moved >"$M/a/b/c/f.txt"
mv "$M/a/b/c/f.txt" "$M/x/f.txt" || fail "mv a file across directories"
[ -e "$S/a/b/c/f.txt" ] && fail "source still in the backing directory after mv"
check_eq "moved file" moved "$(cat "$S/x/f.txt")"
mv "$M/a/b" "$M/x/b" || fail "mv a directory across directories"
[ -d "$S/x/b/c" ] || fail "moved directory missing in the backing directory"
echo src >"$M/src.txt"
echo tgt >"$M/tgt.txt"
expect_errno "rename onto an existing file" OK rename "$M/src.txt" "$M/tgt.txt"
check_eq "target after rename" src "$(cat "$S/tgt.txt")"
[ -e "$S/src.txt" ] && fail "source still there after a replacing rename"
echo other >"$M/other.txt"
expect_errno "RENAME_NOREPLACE onto an existing file" EEXIST rename_noreplace "$M/other.txt" "$M/tgt.txt"
check_eq "target after RENAME_NOREPLACE" src "$(cat "$S/tgt.txt")"
expect_errno "rmdir a non-empty directory" ENOTEMPTY rmdir "$M/x"
expect_errno "rmdir an empty directory" OK rmdir "$M/x/b/c"
[ -e "$S/x/b/c" ] && fail "x/b/c still in the backing directory after rmdir"
expect_errno "unlink" OK unlink "$M/other.txt"
[ -e "$S/other.txt" ] && fail "other.txt still in the backing directory after unlink"
expect_errno "unlink a missing file" ENOENT unlink "$M/other.txt"
expect_errno "mkdir an existing directory" EEXIST mkdir "$M/x"
expect_errno "open a directory for writing" EISDIR open_w "$M/x"
rm -rf "$M/x" "$M/a" || fail "rm -rf"
[ -e "$S/x" ] || [ -e "$S/a" ] && fail "rm -rf left directories in the backing directory"
note "mkdir / rmdir / rename / unlink ok"

# ---- a backslash is a path separator to the server: EINVAL, not another file
expect_errno "create 'a\\b' without UNIX extensions" EINVAL create "$M/a\\b"
expect_errno "mkdir 'd\\e' without UNIX extensions" EINVAL mkdir "$M/d\\e"
expect_errno "rename to 'r\\s' without UNIX extensions" EINVAL rename "$M/tgt.txt" "$M/r\\s"
(cd "$S" && find . -mindepth 1 -printf '%P\n' | sort) >"$T_ROOT/after.lst"
printf '%s\n' big.bin hl.txt hl2.txt new.txt ro.txt tgt.txt trunc.txt dir | sort >"$T_ROOT/want.lst"
check_lists_eq "backing directory after the EINVAL calls" "$T_ROOT/want.lst" "$T_ROOT/after.lst"
note "backslash names: EINVAL ok"

# ---- a second client
check_smbclient new.txt "$L/new.txt"
check_smbclient big.bin "$L/big.bin"
check_smbclient trunc.txt "$L/trunc.txt"
note "smbclient reads the same bytes"

smbfuse_umount "$mnt2"
smbfuse_umount "$mnt"
problems_check
exit 0
