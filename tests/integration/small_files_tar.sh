#!/usr/bin/env bash
# small_files_tar.sh - many small files through the mount with GNU tar, and
# what each file costs on the wire.
#   tar -x of a tarball of 400 small files (0-12,000 bytes, modes 600/640/
#     644/755, distinct mtimes, 8 directories) plus 4 files of 100 KB onto a
#     fresh mount, as root (tar also sets owners, modes and times); every
#     file compared with the source (bytes, size, mode, mtime) in the
#     backing directory and through the mount;
#   tar -c of the tree from a second fresh mount, extracted locally and
#     compared the same way;
#   the SMB requests each direction sent (the mount's requests.* counters),
#     per file, below a bound that follows from the requests each FUSE
#     operation costs (see the bounds below); before attributes came from
#     the open's reply and setattr's own values, and before an open for
#     reading was chained with its first read, both bounds were exceeded.
if [ -z "${BASH_VERSION:-}" ]; then exec bash "$0" "$@"; fi
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"

require_prereqs
command -v python3 >/dev/null 2>&1 || skip "python3 not installed"
tar --version 2>/dev/null | grep -q 'GNU tar' || skip "GNU tar not installed"
smb_start 'share:create mask = 0777' 'share:directory mask = 0777'

N_SMALL=400 N_BIG=4 N=404
src=$T_ROOT/src.tar
python3 - "$src" "$N_SMALL" "$N_BIG" <<'EOF' || fail "making the tarball"
import io, random, sys, tarfile
out, n_small, n_big = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
rng = random.Random(11)
with tarfile.open(out, "w", format=tarfile.GNU_FORMAT) as t:
    def add_dir(name):
        ti = tarfile.TarInfo(name)
        ti.type, ti.mode, ti.mtime = tarfile.DIRTYPE, 0o755, 1700000000
        t.addfile(ti)
    add_dir("dst")
    dirs = ["dst/d%d" % i for i in range(8)]
    for d in dirs:
        add_dir(d)
    for i in range(n_small + n_big):
        size = rng.randint(0, 12000) if i < n_small else 100000 + i
        ti = tarfile.TarInfo("%s/f%04d" % (dirs[i % 8], i))
        ti.size, ti.mode = size, rng.choice([0o600, 0o640, 0o644, 0o755])
        ti.mtime = 1600000000 + i * 3607
        ti.uname = ti.gname = "root"
        t.addfile(ti, io.BytesIO(rng.randbytes(size)))
EOF
ref=$T_ROOT/ref
mkdir -p "$ref" && tar -xf "$src" -C "$ref" || fail "tar -x into a local directory"

# files DIR: "path size mode mtime" of every regular file below DIR/dst.
files() { (cd "$1" && find dst -type f -printf '%p %s %m %T@\n' | sort); }
# same_files WHAT DIR: DIR/dst holds what the tarball does, byte for byte.
same_files() {
	files "$ref" >"$T_ROOT/want"
	files "$2" >"$T_ROOT/got"
	check_lists_eq "$1: names, sizes, modes, mtimes" "$T_ROOT/want" "$T_ROOT/got"
	diff -r "$ref/dst" "$2/dst" >"$T_ROOT/diff" 2>&1 || { show_file "$T_ROOT/diff"; fail "$1: contents differ"; }
}

# actimeo=60: on a slow machine (sanitizers, valgrind) a file's steps may
# take longer than the default second, and the counts must not depend on
# timing.
# ------------------------------------------------------------ tar -x
mnt=$(new_mountpoint x)
smbfuse_mount_daemon "$mnt" -o "username=$SMB_USER,password=$SMB_PASS,actimeo=60"
smbfuse_stats "$mnt" >"$T_ROOT/x.before"
tar -xf "$src" -C "$mnt" 2>"$T_ROOT/tar-x.err" || { show_file "$T_ROOT/tar-x.err"; fail "tar -x onto the mount"; }
[ -s "$T_ROOT/tar-x.err" ] && { show_file "$T_ROOT/tar-x.err"; fail "tar -x complained"; }
smbfuse_stats "$mnt" >"$T_ROOT/x.after"
same_files "tar -x, through the mount" "$mnt"
smbfuse_umount "$mnt"
same_files "tar -x, in the share" "$SHARE_DIR"

# Per file, with the UNIX extensions, tar -x costs at most: the lookup that
# finds no such name (none: the directory was made through the mount while
# change notification watches the tree, so its set of names is known:
# cache_names_created), the create (one POSIX open whose
# reply has the attributes: no QUERY_PATH_INFO after it), its writes (under
# the batch oplock the size they make is kept), the times through the
# handle (SET_FILE_INFORMATION, whose getattr is answered from the size kept
# and the times set), the chown (answered from the cache: the owner is
# already root), the chmod (SET_PATH_INFORMATION) and its getattr (a mode
# Samba may have masked is asked again, until the mount has seen what the
# share's masks do to each bit: modemask.c), and the close: 5 besides the
# writes.  Directories, the watcher (NT_TRANSACT) and a getattr or two again
# after a change notification dropped an entry add a few; before, every
# setattr and the create were followed by a QUERY_PATH_INFO (about 9.7 per
# file), the getattr after the times was asked (8), and every lookup of a
# new name (7).
x_all=$(( $(requests_in "$T_ROOT/x.after" 'NT_TRANSACT') - $(requests_in "$T_ROOT/x.before" 'NT_TRANSACT') ))
x_w=$(stat_in "$T_ROOT/x.after" requests.WRITE_ANDX)
x_other=$((x_all - x_w))
x_q=$(( $(stat_in "$T_ROOT/x.after" requests.TRANS2_QUERY_PATH_INFORMATION) -
	 $(stat_in "$T_ROOT/x.before" requests.TRANS2_QUERY_PATH_INFORMATION) ))
note "tar -x: $x_all requests for $N files ($x_w WRITE_ANDX, $x_q QUERY_PATH_INFORMATION, $x_other others)"
# Of those, a QUERY_PATH_INFORMATION is the re-query after a chmod of a mode
# not yet learnt, and a getattr after a notification dropped an entry: none
# for the lookups of new names, none after the times (before: 2-3 a file).
[ "$x_q" -le $((N / 2 + 40)) ] ||
	{ show_file "$T_ROOT/x.after" 80; fail "tar -x: $x_q QUERY_PATH_INFORMATION for $N files (bound $((N / 2 + 40)))"; }
[ "$x_other" -le $((5 * N + 40)) ] ||
	{ show_file "$T_ROOT/x.after" 80; fail "tar -x: $x_other requests besides writes for $N files (bound $((5 * N + 40)))"; }

# ------------------------------------------------------------ tar -c
mnt=$(new_mountpoint c)
smbfuse_mount_daemon "$mnt" -o "username=$SMB_USER,password=$SMB_PASS,actimeo=60"
smbfuse_stats "$mnt" >"$T_ROOT/c.before"
tar -cf "$T_ROOT/back.tar" -C "$mnt" dst 2>"$T_ROOT/tar-c.err" || { show_file "$T_ROOT/tar-c.err"; fail "tar -c from the mount"; }
smbfuse_stats "$mnt" >"$T_ROOT/c.after"
same_files "the mount, as it shows the files" "$mnt"
smbfuse_umount "$mnt"
back=$T_ROOT/back
mkdir -p "$back" && tar -xf "$T_ROOT/back.tar" -C "$back" || fail "extracting what tar -c read"
same_files "tar -c, read back" "$back"

# Per file tar -c costs one message for the open and its first read
# (NT_CREATE_ANDX + READ_ANDX, the whole of a file below the server's
# buffer) and the close; each 100 KB file a READ_ANDX or two more for the
# rest; the listings a few FIND_FIRST2/NEXT2, and a getattr may come again
# when the kernel's attributes expire.  Before: a POSIX open, a READ_ANDX
# and a CLOSE for every file (3 per file).
c_all=$(( $(requests_in "$T_ROOT/c.after" 'NT_TRANSACT') - $(requests_in "$T_ROOT/c.before" 'NT_TRANSACT') ))
note "tar -c: $c_all requests for $N files"
bound=$((2 * N + 3 * N_BIG + N / 4 + 20))
[ "$c_all" -le "$bound" ] ||
	{ show_file "$T_ROOT/c.after" 80; fail "tar -c: $c_all requests for $N files (bound $bound)"; }
exit 0
