#!/usr/bin/env bash
# rw_tree.sh - a 500+ file tree (nested directories, empty ones, symlinks,
# odd names: spaces, accents, CJK, emoji, leading dash, quotes, wildcards, a
# backslash, 200-byte names; sizes 0..300 KiB) copied onto the mount and
# back with cp -a, GNU tar and rsync -a; every copy is compared with the
# source (diff -r for contents, a listing of type/mode/size/mtime/link target
# for metadata), on the mount and in the backing directory.  rsync run a
# second time finds nothing to do.  Then two writers write distinct large
# files at the same time.
if [ -z "${BASH_VERSION:-}" ]; then exec bash "$0" "$@"; fi
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source-path=SCRIPTDIR source=rw_lib.sh
. "$(dirname "$0")/rw_lib.sh"

require_prereqs
for c in tar diff; do
	command -v "$c" >/dev/null 2>&1 || skip "'$c' not installed"
done
tar --version 2>/dev/null | grep -q 'GNU tar' || skip "tar is not GNU tar"
smb_start 'share:create mask = 0777' 'share:directory mask = 0777'
S=$SHARE_DIR
SRC=$T_ROOT/src

# ---- the source tree (fixed seed: the same tree every run)
python3 - "$SRC" <<'EOF' || fail "generating the source tree failed"
import os, random, sys

root = os.fsencode(sys.argv[1])
rnd = random.Random(20261125)
odd = ["with space", "  two  spaces ", "accents éèàçüöß ñ", "日本語", "中文目录",
       "한국어", "emoji 😀🚀", "-leading-dash", "--double", "'single quotes'",
       "it's", "back\\slash", "semi;colon", "dollar $x", "#hash", "a:colon",
       "pipe|", "percent %s", "tilde~", "[brackets]", "{braces}", "trailing.dot.",
       '"double quotes"', "star*", "what?", "<angle>"]
long_name = "long-" + "x" * 191 + ".txt"
assert len(long_name.encode()) == 200
long_utf8 = "é" * 99 + "-6"  # 200 bytes
assert len(long_utf8.encode()) == 200

dirs = [b""]
files = 0
def name(i):
    base = rnd.choice(odd) if rnd.random() < 0.4 else "f%04d" % i
    ext = rnd.choice(["", ".txt", ".bin", ".c", ".tar.gz"])
    return ("%s %d%s" % (base, i, ext)).encode()

os.makedirs(root)
for i in range(60):
    parent = rnd.choice(dirs)
    if parent.count(b"/") >= 6:
        parent = b""
    d = os.path.join(parent, (rnd.choice(odd) + " d%d" % i).encode() if rnd.random() < 0.5 else b"dir%02d" % i)
    os.makedirs(os.path.join(root, d))
    dirs.append(d)
for i in range(520):
    d = rnd.choice(dirs)
    if i == 7:
        fn = long_name.encode()
    elif i == 8:
        fn = long_utf8.encode()
    else:
        fn = name(i)
    size = int(300 * 1024 * rnd.random() ** 3) if i % 10 else rnd.choice([0, 1, 4095, 4096, 65536, 300 * 1024])
    p = os.path.join(root, d, fn)
    with open(p, "wb") as f:
        f.write(rnd.randbytes(size))
    os.chmod(p, rnd.choice([0o644, 0o644, 0o755, 0o600, 0o640, 0o444]))
    t = rnd.randrange(946684800, 2000000000)
    os.utime(p, (t, t))
    files += 1
# symlinks: relative, absolute-but-dangling, to a directory
os.symlink(b"../" + os.path.basename(dirs[1]), os.path.join(root, dirs[1], "link to own dir ☃".encode()))
os.symlink(b"/nonexistent/target", os.path.join(root, b"dangling link"))
os.symlink(b"dir00", os.path.join(root, b"-link-to-dir"))
for i in range(3):
    os.makedirs(os.path.join(root, b"empty dir %d" % i, b"nested empty"))
for d in sorted(dirs, key=len, reverse=True):
    t = rnd.randrange(946684800, 2000000000)
    os.utime(os.path.join(root, d), (t, t))
print(files, "files", len(dirs), "dirs", file=sys.stderr)
EOF
nfiles=$(find "$SRC" -type f | wc -l)
((nfiles >= 500)) || fail "self-check: only $nfiles files generated"
note "source tree: $nfiles files, $(find "$SRC" -type d | wc -l) directories, $(du -sh "$SRC" | cut -f1)"

# meta DIR: type, mode, size, mtime and link target of everything below DIR.
# Directory sizes mean nothing over SMB; symlink times are not compared.
meta() {
	(cd -- "$1" && find . -mindepth 1 -printf '%y %m %s %Ts %p -> %l\n') |
		awk '$1 == "d" { $3 = "-" } $1 == "l" { $4 = "-"; $2 = "-" } { print }' | sort
}
meta "$SRC" >"$T_ROOT/src.meta"

# same_tree WHAT DIR [NO_DIR_TIMES]: DIR equals the source in contents and
# metadata.
same_tree() {
	local what=$1 dir=$2
	diff -r --no-dereference -- "$SRC" "$dir" >"$T_ROOT/diff.out" 2>&1 ||
		{ show_file "$T_ROOT/diff.out" 30; fail "$what: diff -r with the source finds differences"; }
	meta "$dir" >"$T_ROOT/got.meta"
	if [ "${3:-}" = no_dir_times ]; then
		awk '$1 == "d" { $4 = "-" } { print }' "$T_ROOT/src.meta" >"$T_ROOT/want.meta"
		awk '$1 == "d" { $4 = "-" } { print }' "$T_ROOT/got.meta" >"$T_ROOT/got2.meta"
		check_lists_eq "$what: type/mode/size/mtime listing" "$T_ROOT/want.meta" "$T_ROOT/got2.meta"
	else
		check_lists_eq "$what: type/mode/size/mtime listing" "$T_ROOT/src.meta" "$T_ROOT/got.meta"
	fi
}

mnt=$(new_mountpoint tree)
mount_rw "$mnt"
M=$mnt

# ---- cp -a in and out
t0=$SECONDS
cp -a "$SRC" "$M/cp" || fail "cp -a into the mount failed"
note "cp -a in: $((SECONDS - t0)) s"
same_tree "cp -a into the mount (through the mount)" "$M/cp"
same_tree "cp -a into the mount (backing directory)" "$S/cp"
t0=$SECONDS
cp -a "$M/cp" "$T_ROOT/cp-back" || fail "cp -a out of the mount failed"
note "cp -a out: $((SECONDS - t0)) s"
same_tree "cp -a out of the mount" "$T_ROOT/cp-back"
rm -rf "$T_ROOT/cp-back"
note "cp -a in / out: identical"

# ---- tar onto the mount and back
mkdir "$M/tar" || fail "mkdir tar"
t0=$SECONDS
(cd "$SRC" && tar -cf - .) | (cd "$M/tar" && tar --warning=no-timestamp -xpf -) || fail "tar -x onto the mount failed"
note "tar x onto the mount: $((SECONDS - t0)) s"
same_tree "tar onto the mount (through the mount)" "$M/tar"
same_tree "tar onto the mount (backing directory)" "$S/tar"
(cd "$SRC" && tar -cf - .) | tar -tvf - | sort >"$T_ROOT/tar-src.lst"
(cd "$M/tar" && tar -cf "$T_ROOT/back.tar" .) || fail "tar -c of the mounted tree failed"
tar -tvf "$T_ROOT/back.tar" | sort >"$T_ROOT/tar-back.lst"
# the root entry ./ carries the extraction time; symlink times cannot be set
# over SMB
tarlist() { grep -v ' \./$' "$1" | awk '$1 ~ /^l/ { $4 = "-"; $5 = "-" } { print }'; }
tarlist "$T_ROOT/tar-src.lst" >"$T_ROOT/a.lst"
tarlist "$T_ROOT/tar-back.lst" >"$T_ROOT/b.lst"
check_lists_eq "tar -tv of the source vs of the mounted copy" "$T_ROOT/a.lst" "$T_ROOT/b.lst"
mkdir "$T_ROOT/tar-back"
tar --warning=no-timestamp -xpf "$T_ROOT/back.tar" -C "$T_ROOT/tar-back" || fail "extracting the tar made from the mount"
same_tree "tar back from the mount" "$T_ROOT/tar-back"
rm -rf "$T_ROOT/tar-back" "$T_ROOT/back.tar"
note "tar in / out: identical"

# ---- rsync -a in (twice) and out
# --omit-link-times: the server cannot set a symlink's own times (see
# rw_basic.sh), so rsync would otherwise "fix" every symlink on every run.
if ! command -v rsync >/dev/null 2>&1; then
	part_skip "rsync not installed"
else
	t0=$SECONDS
	rsync -a "$SRC/" "$M/rsync/" >"$T_ROOT/rsync.out" 2>&1 || { show_file "$T_ROOT/rsync.out"; fail "rsync -a into the mount failed"; }
	note "rsync -a in: $((SECONDS - t0)) s"
	same_tree "rsync -a into the mount" "$M/rsync"
	same_tree "rsync -a into the mount (backing directory)" "$S/rsync"
	rsync -a --omit-link-times --itemize-changes "$SRC/" "$M/rsync/" >"$T_ROOT/rsync2.out" 2>&1 ||
		{ show_file "$T_ROOT/rsync2.out"; fail "second rsync -a failed"; }
	if [ -s "$T_ROOT/rsync2.out" ]; then
		show_file "$T_ROOT/rsync2.out" 20
		fail "a second rsync -a into the mount still transfers or changes things"
	fi
	# and after the attribute cache has expired (fresh attributes from the server)
	sleep 1.2
	rsync -a --omit-link-times --itemize-changes "$SRC/" "$M/rsync/" >"$T_ROOT/rsync3.out" 2>&1 ||
		{ show_file "$T_ROOT/rsync3.out"; fail "third rsync -a failed"; }
	[ -s "$T_ROOT/rsync3.out" ] && { show_file "$T_ROOT/rsync3.out" 20; fail "rsync -a after actimeo still finds changes"; }
	rsync -a "$M/rsync/" "$T_ROOT/rsync-back/" >"$T_ROOT/rsync.out" 2>&1 || { show_file "$T_ROOT/rsync.out"; fail "rsync -a out of the mount failed"; }
	same_tree "rsync -a out of the mount" "$T_ROOT/rsync-back"
	rm -rf "$T_ROOT/rsync-back"
	# rsync --delete: a file removed at the source goes from the mount too
	victim=$(cd "$SRC" && find . -type f -name '*.bin' | sort | head -n 1)
	rm -f "$SRC/$victim"
	meta "$SRC" >"$T_ROOT/src.meta"
	rsync -a --delete "$SRC/" "$M/rsync/" >"$T_ROOT/rsync.out" 2>&1 || { show_file "$T_ROOT/rsync.out"; fail "rsync -a --delete failed"; }
	[ -e "$S/rsync/$victim" ] && fail "rsync --delete left '$victim' in the backing directory"
	# the directory that lost a file has a new mtime at the source: compare
	# everything but directory times
	same_tree "rsync -a --delete" "$M/rsync" no_dir_times
	note "rsync in (twice: nothing to do) / out / --delete: identical"
fi

# ---- two writers, two large files, at the same time
head -c $((48 * 1024 * 1024)) /dev/urandom >"$T_ROOT/w1" || fail "making w1"
head -c $((40 * 1024 * 1024 + 12345)) /dev/urandom >"$T_ROOT/w2" || fail "making w2"
t0=$SECONDS
dd if="$T_ROOT/w1" of="$M/w1.bin" bs=1M status=none 2>"$T_ROOT/dd1.err" &
p1=$!
dd if="$T_ROOT/w2" of="$M/w2.bin" bs=1M status=none 2>"$T_ROOT/dd2.err" &
p2=$!
wait "$p1" || { show_file "$T_ROOT/dd1.err"; fail "dd of w1 failed"; }
wait "$p2" || { show_file "$T_ROOT/dd2.err"; fail "dd of w2 failed"; }
note "two concurrent dd bs=1M (88 MiB): $((SECONDS - t0)) s"
for f in w1 w2; do
	want=$(sha256_of "$T_ROOT/$f")
	[ "$(sha256_of "$S/$f.bin")" = "$want" ] || check_file_eq "$f.bin in the backing directory" "$T_ROOT/$f" "$S/$f.bin"
	[ "$(sha256_of "$M/$f.bin")" = "$want" ] || check_file_eq "$f.bin read back" "$T_ROOT/$f" "$M/$f.bin"
done
note "concurrent writers: sha256 ok"

smbfuse_umount "$mnt"
exit 0
