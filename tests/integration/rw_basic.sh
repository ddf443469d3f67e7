#!/usr/bin/env bash
# rw_basic.sh - read-write operations through a mount with the CIFS UNIX
# extensions: create, write, append, truncate (path and held fd), times,
# mkdir -p, rename (across directories, replacing a target atomically,
# RENAME_NOREPLACE), rm -rf, chmod, chown, symlinks, hard links, fifos, the
# errno of failing calls, and a read-only mount.  Everything written through
# the mount is compared with the share's backing directory, and a few files
# also with what a second client (smbclient) reads.
if [ -z "${BASH_VERSION:-}" ]; then exec bash "$0" "$@"; fi
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source-path=SCRIPTDIR source=rw_lib.sh
. "$(dirname "$0")/rw_lib.sh"

require_prereqs
# Samba masks modes set over the UNIX extensions with these (defaults 0744 /
# 0755): open them up so that chmod can be checked bit for bit.
smb_start 'share:create mask = 0777' 'share:directory mask = 0777'
S=$SHARE_DIR
L=$T_ROOT/local # expected contents, built with the same commands locally
mkdir -p "$L"

mnt=$(new_mountpoint rw)
mount_rw "$mnt"
M=$mnt
# A second mount (its own SMB connection) without attribute caching: sees
# what the first one did at once.
mnt2=$(new_mountpoint rw2)
mount_rw "$mnt2" actimeo=0
M2=$mnt2

# ---- create, write, append, read back
echo hello >"$M/new.txt" || fail "echo > new.txt through the mount"
echo "more text" >>"$M/new.txt" || fail "echo >> new.txt through the mount"
printf 'hello\nmore text\n' >"$L/new.txt"
check_file_eq "cat new.txt" "$L/new.txt" <(cat "$M/new.txt")
check_backing new.txt "$M"
check_file_eq "new.txt through the second mount" "$L/new.txt" "$M2/new.txt"
: >"$M/empty.txt" || fail "create an empty file"
check_eq "size of empty.txt" 0 "$(stat -c %s "$M/empty.txt")"
[ -f "$S/empty.txt" ] || fail "empty.txt is not a file in the backing directory"
check_eq "backing size of empty.txt" 0 "$(stat -c %s "$S/empty.txt")"
check_eq "mode of a new file (umask 022)" 644 "$(stat -c %a "$M/new.txt")"
check_eq "mode of new.txt in the backing directory" 644 "$(stat -c %a "$S/new.txt")"
# several appends, each through a fresh open
for i in $(seq 20); do echo "line $i" >>"$M/append.txt" || fail "append $i"; done
seq 20 | sed 's/^/line /' >"$L/append.txt"
check_backing append.txt "$M"
check_file_eq "append.txt read back" "$L/append.txt" "$M/append.txt"

# a 5 MiB random file (many write requests), then overwrites in the middle
head -c $((5 * 1024 * 1024 + 4321)) /dev/urandom >"$L/big.bin"
cp "$L/big.bin" "$M/big.bin" || fail "cp of 5 MiB into the mount"
check_backing big.bin "$M"
head -c 70000 /dev/urandom >"$L/patch.bin"
for f in "$L/big.bin" "$M/big.bin"; do
	dd if="$L/patch.bin" of="$f" bs=7000 seek=300 conv=notrunc status=none ||
		fail "dd conv=notrunc into $f"
done
check_backing big.bin "$M"
check_file_eq "big.bin after an overwrite in the middle" "$L/big.bin" "$M/big.bin"
check_file_eq "big.bin through the second mount" "$L/big.bin" "$M2/big.bin"
note "create / write / append / overwrite ok"

# ---- truncate: grow (zeros) and shrink
cp "$L/new.txt" "$L/trunc.txt"
cp "$L/new.txt" "$M/trunc.txt" || fail "cp trunc.txt into the mount"
for size in 100000 3 0 4097; do
	truncate -s "$size" "$L/trunc.txt"
	truncate -s "$size" "$M/trunc.txt" || fail "truncate -s $size through the mount"
	check_eq "size after truncate -s $size" "$size" "$(stat -c %s "$M/trunc.txt")"
	check_eq "backing size after truncate -s $size" "$size" "$(stat -c %s "$S/trunc.txt")"
	check_backing trunc.txt "$M"
	check_file_eq "trunc.txt after truncate -s $size" "$L/trunc.txt" "$M/trunc.txt"
done
# ftruncate through an fd held open while writing around it
# ftrunc PATH: the same writes and ftruncates on PATH; prints fstat sizes.
ftrunc() {
	python3 - "$1" <<'EOF'
import os, sys
fd = os.open(sys.argv[1], os.O_RDWR | os.O_CREAT | os.O_TRUNC, 0o644)
os.write(fd, b"A" * 10000)
os.ftruncate(fd, 4096)
s1 = os.fstat(fd).st_size
os.lseek(fd, 8192, os.SEEK_SET)
os.write(fd, b"tail")
os.ftruncate(fd, 20000)
s2 = os.fstat(fd).st_size
os.lseek(fd, 0, os.SEEK_SET)
head = os.read(fd, 5)
os.ftruncate(fd, 8194)
os.close(fd)
print(s1, s2, head.decode())
EOF
}
want=$(ftrunc "$L/ftrunc.bin")
got=$(ftrunc "$M/ftrunc.bin") || fail "ftruncate through a held fd: python failed: $got"
check_eq "fstat sizes around ftruncate" "$want" "$got"
check_backing ftrunc.bin "$M"
check_file_eq "ftrunc.bin" "$L/ftrunc.bin" "$M/ftrunc.bin"
note "truncate / ftruncate ok"

# ---- times
touch -d '2001-02-03 04:05:06 UTC' "$M/new.txt" || fail "touch -d through the mount"
check_eq "mtime after touch -d" 981173106 "$(stat -c %Y "$M/new.txt")"
check_eq "backing mtime after touch -d" 981173106 "$(stat -c %Y "$S/new.txt")"
touch -m -d '2040-06-07 08:09:10 UTC' "$M/append.txt" || fail "touch -m -d 2040"
check_eq "mtime 2040 (past 2^31)" 2222669350 "$(stat -c %Y "$M/append.txt")"
check_eq "backing mtime 2040" 2222669350 "$(stat -c %Y "$S/append.txt")"
touch -a -d '2005-05-05 05:05:05 UTC' "$M/append.txt" || fail "touch -a -d"
check_eq "backing atime after touch -a" 1115269505 "$(stat -c %X "$S/append.txt")"
check_eq "mtime unchanged by touch -a" 2222669350 "$(stat -c %Y "$S/append.txt")"
# times set while the file is still open after a write must survive the
# close (rsync, and anything that sets times by path before the kernel's
# asynchronous release reaches the server, does this); by path and by fd
# utime_open PATH HOW: write, set mtime 10^9 by HOW (path or fd), close.
utime_open() {
	python3 - "$1" "$2" <<'EOF'
import os, sys
p, how = sys.argv[1:3]
fd = os.open(p, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
os.write(fd, b"x" * 70000)
os.utime(fd if how == "fd" else p, (1000000000, 1000000000))
os.close(fd)
EOF
}
for how in fd path; do
	utime_open "$M/utime-$how.bin" "$how" || fail "utime_open $how"
	sleep 0.5
	got=$(stat -c %Y "$S/utime-$how.bin")
	[ "$got" = 1000000000 ] ||
		problem "mtime set by $how while the written file was open: after close the server has $got ($(date -u -d "@$got")), not 1000000000"
done
# write, close, set the time by path at once (git clone, cp, rsync...):
# the kernel's release of the handle may still be on its way
python3 - "$M" "$S" >"$T_ROOT/after-close.out" 2>&1 <<'EOF' ||
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
before=$(date +%s)
touch "$M/empty.txt" || fail "touch (now) through the mount"
t=$(stat -c %Y "$S/empty.txt")
((t >= before - 2 && t <= before + 5)) || fail "touch (now): backing mtime $t, now $before"
note "utimens done"

# ---- mkdir -p, files deep down
deep=d1/d2/d3/d4/d5/d6/d7/d8
mkdir -p "$M/$deep" || fail "mkdir -p $deep"
[ -d "$S/$deep" ] || fail "$deep is not a directory in the backing directory"
check_eq "mode of a new directory" 755 "$(stat -c %a "$M/$deep")"
echo deep >"$M/$deep/deep.txt" || fail "write in $deep"
echo deep >"$L/deep.txt"
check_backing "$deep/deep.txt" "$M"
mkdir "$M/d1/d2/empty" || fail "mkdir d1/d2/empty"
[ -d "$S/d1/d2/empty" ] || fail "d1/d2/empty missing in the backing directory"
note "mkdir -p ok"

# ---- mv across directories: a file, then a directory with contents
mkdir -p "$M/dst" || fail "mkdir dst"
mv "$M/$deep/deep.txt" "$M/dst/moved.txt" || fail "mv a file across directories"
[ -e "$M/$deep/deep.txt" ] && fail "source still exists after mv"
[ -e "$S/$deep/deep.txt" ] && fail "source still exists in the backing directory after mv"
check_backing dst/moved.txt "$M"
check_file_eq "moved.txt" "$L/deep.txt" "$M/dst/moved.txt"
mv "$M/d1/d2/d3" "$M/dst/d3-moved" || fail "mv a directory tree across directories"
[ -d "$S/dst/d3-moved/d4/d5/d6/d7/d8" ] || fail "moved directory tree incomplete in the backing directory"
[ -e "$S/d1/d2/d3" ] && fail "d1/d2/d3 still in the backing directory after mv"
tree_listing "$S" >"$T_ROOT/want.lst"
tree_listing "$M" >"$T_ROOT/got.lst"
check_lists_eq "tree after the moves (backing vs mount)" "$T_ROOT/want.lst" "$T_ROOT/got.lst"
mv "$M/dst/moved.txt" "$M/dst/renamed in place.txt" || fail "rename within a directory"
check_backing "dst/renamed in place.txt" "$M"
note "mv across directories ok"

# ---- rename onto an existing file replaces it
echo source >"$M/src.txt" || fail "write src.txt"
echo target >"$M/tgt.txt" || fail "write tgt.txt"
fsop rename "$M/src.txt" "$M/tgt.txt" >"$T_ROOT/rename.out"
check_eq "rename(2) onto an existing file" OK "$(cat "$T_ROOT/rename.out")"
check_eq "target content after rename" source "$(cat "$M/tgt.txt")"
check_eq "backing target content after rename" source "$(cat "$S/tgt.txt")"
[ -e "$M/src.txt" ] && fail "rename source still visible through the mount"
[ -e "$S/src.txt" ] && fail "rename source still in the backing directory"
# atomic: a reader of the server's disk never finds the target missing while
# it is replaced 60 times (so no unlink + rename).  Not a reader through
# another SMB client: Samba 4.17 itself answers OBJECT_NAME_NOT_FOUND now
# and then to a path query racing with an atomic rename(2) on its disk
# (smbclient's allinfo shows it too), whoever renames.
echo gen0 >"$M/atomic.txt"
python3 - "$S/atomic.txt" "$T_ROOT/reader.stop" >"$T_ROOT/reader.out" 2>&1 <<'EOF' &
import os, sys, time
path, stop = sys.argv[1], sys.argv[2]
n = missing = 0
end = time.time() + 60
while not os.path.exists(stop) and time.time() < end:
    try:
        os.stat(path)
    except FileNotFoundError:
        missing += 1
    n += 1
print(n, missing)
EOF
reader=$!
register_helper "$reader"
for i in $(seq 60); do
	echo "gen$i" >"$M/atomic.tmp" || fail "write atomic.tmp ($i)"
	mv -f "$M/atomic.tmp" "$M/atomic.txt" || fail "mv -f atomic.tmp atomic.txt ($i)"
done
: >"$T_ROOT/reader.stop"
wait "$reader" || { show_file "$T_ROOT/reader.out"; fail "stat loop failed"; }
read -r nstat nmissing <"$T_ROOT/reader.out"
check_eq "stats that found the target missing during 60 replacing renames ($nstat stats)" 0 "$nmissing"
check_eq "atomic.txt after 60 renames" gen60 "$(cat "$M2/atomic.txt")"
note "rename replaces the target ($nstat concurrent stats never missed it)"

# ---- RENAME_NOREPLACE / mv -n
echo keep >"$M/keep.txt" || fail "write keep.txt"
echo other >"$M/other.txt" || fail "write other.txt"
expect_errno "renameat2(RENAME_NOREPLACE) onto an existing file" EEXIST rename_noreplace "$M/other.txt" "$M/keep.txt"
check_eq "target unchanged after RENAME_NOREPLACE" keep "$(cat "$S/keep.txt")"
check_eq "source unchanged after RENAME_NOREPLACE" other "$(cat "$S/other.txt")"
mv -n "$M/other.txt" "$M/keep.txt" 2>"$T_ROOT/mvn.err" # exit status differs between coreutils versions
check_eq "target unchanged after mv -n" keep "$(cat "$M/keep.txt")"
check_eq "source still there after mv -n" other "$(cat "$M/other.txt")"
expect_errno "renameat2(RENAME_NOREPLACE) to a new name" OK rename_noreplace "$M/other.txt" "$M/other2.txt"
check_eq "RENAME_NOREPLACE to a new name moved the file" other "$(cat "$S/other2.txt")"
[ -e "$S/other.txt" ] && fail "other.txt still in the backing directory after RENAME_NOREPLACE"
note "RENAME_NOREPLACE ok"

# ---- rm -rf
mkdir -p "$M/rmme/a/b" "$M/rmme/c" || fail "mkdir -p rmme/..."
echo x >"$M/rmme/a/b/f" || fail "write rmme/a/b/f"
echo y >"$M/rmme/c/g" || fail "write rmme/c/g"
ln -s f "$M/rmme/a/b/lnk" || fail "ln -s in rmme"
rm -rf "$M/rmme" || fail "rm -rf rmme"
[ -e "$M/rmme" ] && fail "rmme still visible after rm -rf"
[ -e "$S/rmme" ] && fail "rmme still in the backing directory after rm -rf"
rm "$M/empty.txt" || fail "rm empty.txt"
[ -e "$S/empty.txt" ] && fail "empty.txt still in the backing directory after rm"
note "rm -rf ok"

# ---- chmod
echo mode >"$M/mode.txt"
for m in 600 640 755 700 444 604 777 644; do
	chmod "$m" "$M/mode.txt" || fail "chmod $m"
	check_eq "mode after chmod $m" "$m" "$(stat -c %a "$M/mode.txt")"
	check_eq "backing mode after chmod $m" "$m" "$(stat -c %a "$S/mode.txt")"
done
chmod 700 "$M/dst" || fail "chmod 700 on a directory"
check_eq "directory mode after chmod 700" 700 "$(stat -c %a "$M/dst")"
check_eq "backing directory mode after chmod 700" 700 "$(stat -c %a "$S/dst")"
chmod u+x,g+w "$M/mode.txt" || fail "chmod u+x,g+w"
check_eq "mode after chmod u+x,g+w" 764 "$(stat -c %a "$S/mode.txt")"
note "chmod ok"

# ---- chown (root may give a file away)
chown 1234:1234 "$M/mode.txt" || fail "chown 1234:1234 through the mount"
check_eq "owner through the mount" 1234:1234 "$(stat -c %u:%g "$M/mode.txt")"
check_eq "owner in the backing directory" 1234:1234 "$(stat -c %u:%g "$S/mode.txt")"
chgrp 4321 "$M/mode.txt" || fail "chgrp 4321"
check_eq "owner after chgrp" 1234:4321 "$(stat -c %u:%g "$S/mode.txt")"
chown 0:0 "$M/mode.txt" || fail "chown back to root"
check_eq "owner after chown 0:0" 0:0 "$(stat -c %u:%g "$S/mode.txt")"
note "chown ok"

# ---- symlinks
ln -s new.txt "$M/link.txt" || fail "ln -s"
check_eq "readlink through the mount" new.txt "$(readlink "$M/link.txt")"
check_eq "readlink in the backing directory" new.txt "$(readlink "$S/link.txt")"
[ -L "$S/link.txt" ] || fail "link.txt is not a symlink in the backing directory"
check_eq "type of link.txt" "symbolic link" "$(stat -c %F "$M/link.txt")"
ls -l "$M/link.txt" >"$T_ROOT/ls.out" 2>&1 || fail "ls -l link.txt"
check_contains "ls -l of a symlink" "$T_ROOT/ls.out" '^l.*/link\.txt -> new\.txt$'
check_file_eq "reading through a symlink" "$S/new.txt" "$M/link.txt"
ln -s "d1/d2" "$M/dirlink" || fail "ln -s to a directory"
[ -d "$M/dirlink/empty" ] || fail "path through a symlink to a directory"
long=$(printf 'x%.0s' $(seq 300))/../../nowhere
ln -s "$long" "$M/dangling" || fail "ln -s with a 300+ byte dangling target"
check_eq "readlink of a long dangling symlink" "$long" "$(readlink "$M/dangling")"
check_eq "backing readlink of the dangling symlink" "$long" "$(readlink "$S/dangling")"
# a symlink's own times: Samba 4.17 accepts SET_PATH_INFO times on a
# symlink and changes nothing, so smbfuse reports success without effect
# (rsync needs --omit-link-times).  What must hold: the target is untouched.
touch -d @1500000000 "$M/d1/d2"
touch -h -d @1000000000 "$M/dirlink" 2>/dev/null
check_eq "mtime of a symlink's target after touch -h on the link" 1500000000 "$(stat -c %Y "$S/d1/d2")"
[ "$(stat -c %Y "$S/dirlink")" = 1000000000 ] || note "touch -h on a symlink: no effect (server limitation)"
rm "$M/dangling" || fail "rm a dangling symlink"
[ -L "$S/dangling" ] && fail "dangling symlink still in the backing directory"
note "symlinks done"

# ---- hard links (second mount: no attribute cache)
echo linked >"$M/hl.txt" || fail "write hl.txt"
ln "$M/hl.txt" "$M/hl2.txt" || fail "ln (hard link)"
check_eq "link count in the backing directory" 2 "$(stat -c %h "$S/hl.txt")"
check_eq "same inode in the backing directory" "$(stat -c %i "$S/hl.txt")" "$(stat -c %i "$S/hl2.txt")"
check_eq "stat -c %h hl.txt (actimeo=0)" 2 "$(stat -c %h "$M2/hl.txt")"
check_eq "stat -c %h hl2.txt (actimeo=0)" 2 "$(stat -c %h "$M2/hl2.txt")"
echo appended >>"$M2/hl2.txt" || fail "append through the second name"
check_eq "first name sees the append" "$(printf 'linked\nappended')" "$(cat "$M2/hl.txt")"
rm "$M/hl.txt" || fail "rm first hard link"
check_eq "link count after rm" 1 "$(stat -c %h "$M2/hl2.txt")"
note "hard links ok"

# ---- fifo
mkfifo "$M/fifo" || fail "mkfifo through the mount"
check_eq "type through the mount" fifo "$(stat -c %F "$M/fifo")"
check_eq "type in the backing directory" fifo "$(stat -c %F "$S/fifo")"
rm "$M/fifo" || fail "rm fifo"
note "mkfifo ok"

# ---- errno
expect_errno "unlink a missing file" ENOENT unlink "$M/no-such-file"
expect_errno "unlink in a missing directory" ENOENT unlink "$M/no-such-dir/f"
expect_errno "mkdir an existing directory" EEXIST mkdir "$M/dst"
expect_errno "mkdir over an existing file" EEXIST mkdir "$M/new.txt"
expect_errno "rmdir a non-empty directory" ENOTEMPTY rmdir "$M/d1"
expect_errno "rmdir a file" ENOTDIR rmdir "$M/new.txt"
expect_errno "unlink a directory" EISDIR unlink "$M/d1"
expect_errno "open a directory for writing" EISDIR open_w "$M/d1"
expect_errno "O_CREAT|O_EXCL on an existing file" EEXIST create_excl "$M/new.txt"
expect_errno "rename a missing file" ENOENT rename "$M/no-such-file" "$M/x"
expect_errno "rename a directory onto a non-empty one" ENOTEMPTY rename "$M/d1/d2/empty" "$M/d1/d2"
# made behind the mount's back: the server, not the kernel, says EEXIST
mkdir "$S/made-on-server"
expect_errno "mkdir of a directory made on the server" EEXIST mkdir "$M2/made-on-server"
note "errno checks ok"

# ---- a second client reads what we wrote
check_smbclient new.txt "$L/new.txt"
check_smbclient big.bin "$L/big.bin"
check_smbclient ftrunc.bin "$L/ftrunc.bin"
check_smbclient "dst/renamed in place.txt" "$L/deep.txt"
note "smbclient reads the same bytes"

smbfuse_umount "$mnt2"
smbfuse_umount "$mnt"

# ---- read-only mount
mnt3=$(new_mountpoint ro)
mount_rw "$mnt3" ro
check_file_eq "reading on a ro mount" "$L/new.txt" "$mnt3/new.txt"
expect_errno "create on a ro mount" EROFS create "$mnt3/ro-new.txt"
expect_errno "open for writing on a ro mount" EROFS open_w "$mnt3/new.txt"
expect_errno "unlink on a ro mount" EROFS unlink "$mnt3/new.txt"
expect_errno "mkdir on a ro mount" EROFS mkdir "$mnt3/ro-dir"
expect_errno "rmdir on a ro mount" EROFS rmdir "$mnt3/d1/d2/empty"
expect_errno "rename on a ro mount" EROFS rename "$mnt3/new.txt" "$mnt3/x"
expect_errno "chmod on a ro mount" EROFS chmod "$mnt3/new.txt" 600
expect_errno "truncate on a ro mount" EROFS truncate "$mnt3/new.txt" 0
[ -e "$S/ro-new.txt" ] || [ -e "$S/ro-dir" ] && fail "the ro mount created something on the server"
check_file_eq "new.txt untouched by the ro mount" "$L/new.txt" "$S/new.txt"
smbfuse_umount "$mnt3"
note "ro mount: EROFS ok"
problems_check
exit 0
