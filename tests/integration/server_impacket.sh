#!/usr/bin/env bash
# server_impacket.sh - a second SMB1 implementation: Impacket's smbserver
# (python3-impacket), with a user and password, then as guest.
#
# A read-write workload through the mount, checked against the server's
# directory: create, write, append, read back (sha256 on both sides), a
# 5 MiB file both ways, mkdir -p, rename (in place, across directories, a
# directory, onto an existing file), unlink, rmdir, rm -rf, ls -l, stat,
# times, truncate (growing; shrinking Impacket cannot do, and says so with
# EOPNOTSUPP), a directory of 1500 entries (FIND_NEXT2), the errno of
# failing calls, a wrong password, and the share name in any case.
#
# Impacket's own bugs, which smbfuse works around or reports (see the
# commits): share names matched case-sensitively upper-case, the share name
# as tree connect service, bare-header error replies, FIND_NEXT2 framing,
# SET_PATH_INFORMATION refusing every path, END_OF_FILE only growing, a
# write starting past the end of file dropped with a success reply (sparse
# writes: matrix_impacket_*.sh).  Not worked around (documented in README):
# locks are no-ops.
if [ -z "${BASH_VERSION:-}" ]; then exec bash "$0" "$@"; fi
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source-path=SCRIPTDIR source=rw_lib.sh
. "$(dirname "$0")/rw_lib.sh"

# What a mount needs (require_prereqs without Samba, which this test does
# not use); a missing one fails under SMBFUSE_NO_SKIP=1 like any skip.
[ "$(id -u)" = 0 ] || skip "must run as root (mounting)"
if [ ! -c /dev/fuse ] || [ ! -r /dev/fuse ] || [ ! -w /dev/fuse ]; then skip "/dev/fuse is missing or not accessible"; fi
command -v fusermount3 >/dev/null 2>&1 || skip "'fusermount3' not installed"
[ -x "$SMBFUSE" ] || skip "smbfuse binary not built: $SMBFUSE"
# The python3 on PATH may not be the system one that has python3-impacket.
IMPACKET_PY=
for py in python3 /usr/bin/python3; do
	if command -v "$py" >/dev/null 2>&1 && "$py" -c 'import impacket.smbserver' 2>/dev/null; then
		IMPACKET_PY=$py
		break
	fi
done
[ -n "$IMPACKET_PY" ] || skip "impacket cannot be imported (apt-get install python3-impacket)"

IMP_USER=alice
IMP_PASS='s3cret pw'

# imp_start NAME [--user U --password P]: an Impacket server on 127.0.0.1 and
# a free port, sharing a fresh directory as SHARE.  Sets IMP_PORT, IMP_DIR,
# IMP_LOG.
imp_start() {
	local name=$1 pid i
	shift
	IMP_DIR=$T_ROOT/imp-$name
	IMP_LOG=$T_ROOT/imp-$name.log
	mkdir -p "$IMP_DIR"
	"$IMPACKET_PY" "$(dirname "$0")/impacket_server.py" "$IMP_DIR" "$@" --timeout 900 \
		>"$T_ROOT/imp-$name.out" 2>"$IMP_LOG" &
	pid=$!
	register_helper "$pid"
	IMP_PORT=
	for i in $(seq 100); do
		IMP_PORT=$(awk '$1 == "port" { print $2 }' "$T_ROOT/imp-$name.out")
		[ -n "$IMP_PORT" ] && port_open "$IMP_PORT" && return 0
		_t_alive "$pid" || break
		sleep 0.1
	done
	show_file "$IMP_LOG"
	fail "Impacket server $name did not start"
}

# ---- 1. with a user and password
imp_start user --user "$IMP_USER" --password "$IMP_PASS"
S=$IMP_DIR
L=$T_ROOT/local
mkdir -p "$L"
auth="username=$IMP_USER,password=$IMP_PASS"

# a wrong password is refused, clearly
mnt=$(new_mountpoint badpw)
SMB_UNC=//127.0.0.1:$IMP_PORT/share smbfuse_try "$T_ROOT/badpw.out" "$mnt" -o "username=$IMP_USER,password=wrong"
[ "$TRY_RC" = 32 ] || { show_file "$T_ROOT/badpw.out"; fail "wrong password: exit $TRY_RC, want 32"; }
grep -qi 'authentication failed' "$T_ROOT/badpw.out" || { show_file "$T_ROOT/badpw.out"; fail "wrong password: unclear message"; }
is_mounted "$mnt" && fail "wrong password: mounted"

# the share name in lower case (Impacket knows it as SHARE)
M=$(new_mountpoint user)
SMB_UNC=//127.0.0.1:$IMP_PORT/share smbfuse_mount "$M" -o "$auth"
note "mounted //127.0.0.1:$IMP_PORT/share as $IMP_USER"

# create, write, append, read back
echo hello >"$M/new.txt" || fail "echo > new.txt"
echo "more text" >>"$M/new.txt" || fail "echo >> new.txt"
printf 'hello\nmore text\n' >"$L/new.txt"
check_file_eq "new.txt on the server" "$L/new.txt" "$S/new.txt"
check_file_eq "new.txt read back" "$L/new.txt" "$M/new.txt"
: >"$M/empty" || fail "create an empty file"
[ -f "$S/empty" ] || fail "empty file missing on the server"
check_eq "size of the empty file" 0 "$(stat -c %s "$M/empty")"
for i in $(seq 20); do echo "line $i" >>"$M/append.txt" || fail "append $i"; done
seq 20 | sed 's/^/line /' >"$L/append.txt"
check_file_eq "append.txt on the server" "$L/append.txt" "$S/append.txt"
# O_TRUNC on an existing file
echo "short" >"$M/append.txt" || fail "> append.txt (O_TRUNC)"
check_eq "append.txt after O_TRUNC" short "$(cat "$S/append.txt")"
note "create / write / append / O_TRUNC ok"

# 5 MiB both ways, checksums on both sides
head -c $((5 * 1024 * 1024 + 4321)) /dev/urandom >"$L/big.bin"
cp "$L/big.bin" "$M/big.bin" || fail "cp 5 MiB into the mount"
check_eq "sha256 of big.bin on the server" "$(sha256_of "$L/big.bin")" "$(sha256_of "$S/big.bin")"
check_eq "sha256 of big.bin read back" "$(sha256_of "$L/big.bin")" "$(sha256_of "$M/big.bin")"
head -c $((3 * 1024 * 1024 + 77)) /dev/urandom >"$S/from-server.bin"
check_eq "sha256 of a file written on the server" "$(sha256_of "$S/from-server.bin")" "$(sha256_of "$M/from-server.bin")"
# overwrite in the middle
head -c 70000 /dev/urandom >"$L/patch.bin"
for f in "$L/big.bin" "$M/big.bin"; do
	dd if="$L/patch.bin" of="$f" bs=7000 seek=300 conv=notrunc status=none || fail "dd conv=notrunc into $f"
done
check_eq "sha256 of big.bin after an overwrite" "$(sha256_of "$L/big.bin")" "$(sha256_of "$S/big.bin")"
note "5 MiB each way ok"

# stat, ls -l, times
check_eq "size through stat" "$(stat -c %s "$S/big.bin")" "$(stat -c %s "$M/big.bin")"
check_eq "type of a file" "regular file" "$(stat -c %F "$M/big.bin")"
ls -l "$M" >"$T_ROOT/ls.out" 2>&1 || { show_file "$T_ROOT/ls.out"; fail "ls -l"; }
check_contains "ls -l lists big.bin" "$T_ROOT/ls.out" '^-.* 5247201 .* big\.bin$'
touch -d '2001-02-03 04:05:06 UTC' "$M/new.txt" || fail "touch -d"
check_eq "mtime on the server after touch -d" 981173106 "$(stat -c %Y "$S/new.txt")"
fsop utime "$M/empty" 1000000000 >"$T_ROOT/utime.out"
check_eq "utime by path" OK "$(cat "$T_ROOT/utime.out")"
check_eq "mtime on the server after utime by path" 1000000000 "$(stat -c %Y "$S/empty")"
chmod 600 "$M/new.txt" || fail "chmod 600"
check_eq "mtime kept by chmod" 981173106 "$(stat -c %Y "$S/new.txt")"
note "stat / ls -l / times ok"

# truncate: growing works; shrinking is refused, not faked
printf 'abcdefghij' >"$M/trunc.bin" || fail "write trunc.bin"
truncate -s 100000 "$M/trunc.bin" || fail "truncate -s 100000 (grow)"
check_eq "server size after growing" 100000 "$(stat -c %s "$S/trunc.bin")"
{ printf 'abcdefghij'; head -c 99990 /dev/zero; } >"$L/trunc.bin"
check_file_eq "trunc.bin after growing" "$L/trunc.bin" "$M/trunc.bin"
expect_errno "truncate by path (grow)" OK truncate "$M/trunc.bin" 200000
check_eq "server size after truncate by path" 200000 "$(stat -c %s "$S/trunc.bin")"
expect_errno "shrinking truncate (Impacket cannot)" ENOTSUP truncate "$M/trunc.bin" 4
check_eq "size through the mount after the refused shrink" "$(stat -c %s "$S/trunc.bin")" "$(stat -c %s "$M/trunc.bin")"
note "truncate ok (shrinking: EOPNOTSUPP)"

# directories, renames, removal
mkdir -p "$M/d1/d2/d3" || fail "mkdir -p"
[ -d "$S/d1/d2/d3" ] || fail "d1/d2/d3 is not a directory on the server"
check_eq "type of a directory" directory "$(stat -c %F "$M/d1/d2")"
echo deep >"$M/d1/d2/d3/deep.txt" || fail "write deep.txt"
mv "$M/d1/d2/d3/deep.txt" "$M/d1/moved.txt" || fail "mv across directories"
[ -e "$S/d1/d2/d3/deep.txt" ] && fail "source still on the server after mv"
check_eq "moved.txt on the server" deep "$(cat "$S/d1/moved.txt")"
mv "$M/d1/moved.txt" "$M/d1/renamed in place.txt" || fail "rename in place"
check_eq "renamed file on the server" deep "$(cat "$S/d1/renamed in place.txt")"
mv "$M/d1/d2" "$M/d2-moved" || fail "mv a directory"
[ -d "$S/d2-moved/d3" ] || fail "moved directory incomplete on the server"
echo source >"$M/src.txt" || fail "write src.txt"
echo target >"$M/tgt.txt" || fail "write tgt.txt"
expect_errno "rename onto an existing file" OK rename "$M/src.txt" "$M/tgt.txt"
check_eq "target after rename" source "$(cat "$S/tgt.txt")"
[ -e "$S/src.txt" ] && fail "rename source still on the server"
rm "$M/tgt.txt" || fail "rm tgt.txt"
[ -e "$S/tgt.txt" ] && fail "tgt.txt still on the server after rm"
rmdir "$M/d2-moved/d3" || fail "rmdir"
[ -e "$S/d2-moved/d3" ] && fail "d3 still on the server after rmdir"
mkdir -p "$M/rmme/a/b" || fail "mkdir -p rmme/a/b"
echo x >"$M/rmme/a/b/f" || fail "write rmme/a/b/f"
rm -rf "$M/rmme" || fail "rm -rf"
[ -e "$S/rmme" ] && fail "rmme still on the server after rm -rf"
tree_listing "$S" >"$T_ROOT/want.lst"
tree_listing "$M" >"$T_ROOT/got.lst"
check_lists_eq "tree (server vs mount)" "$T_ROOT/want.lst" "$T_ROOT/got.lst"
note "mkdir / rename / unlink / rmdir / rm -rf ok"

# errno
expect_errno "stat a missing file" ENOENT stat "$M/no-such-file"
expect_errno "unlink a missing file" ENOENT unlink "$M/no-such-file"
expect_errno "open in a missing directory" ENOENT create "$M/no-such-dir/f"
expect_errno "rename a missing file" ENOENT rename "$M/no-such-file" "$M/x"
expect_errno "mkdir an existing directory" EEXIST mkdir "$M/d1"
expect_errno "O_EXCL on an existing file" EEXIST create_excl "$M/new.txt"
expect_errno "rmdir a non-empty directory" ENOTEMPTY rmdir "$M/d1"
expect_errno "rmdir a file" ENOTDIR rmdir "$M/new.txt"
expect_errno "unlink a directory" EISDIR unlink "$M/d1"
expect_errno "open a directory for writing" EISDIR open_w "$M/d1"
note "errno ok"

# a directory of 1500 entries, made on the server: several FIND_NEXT2
mkdir "$S/many"
for i in $(seq 1500); do : >"$S/many/file-$i.txt"; done
ls "$M/many" >"$T_ROOT/many.got" || fail "ls many"
(cd "$S/many" && ls) >"$T_ROOT/many.want"
check_lists_eq "1500-entry directory" "$T_ROOT/many.want" "$T_ROOT/many.got"
# and 300 made through the mount
mkdir "$M/made" || fail "mkdir made"
for i in $(seq 300); do echo "$i" >"$M/made/f$i" || fail "create made/f$i"; done
check_eq "entries made through the mount, on the server" 300 "$(find "$S/made" -type f | wc -l)"
check_eq "entries made through the mount, listed" 300 "$(find "$M/made" -type f | wc -l)"
rm -rf "$M/made" || fail "rm -rf made"
[ -e "$S/made" ] && fail "made still on the server"
note "large directories ok"

smbfuse_umount "$M"
grep -a 'Traceback' "$IMP_LOG" >/dev/null && { show_file "$IMP_LOG" 40; fail "the Impacket server crashed in a request"; }

# ---- 2. as guest: a server without credentials takes anonymous logons
imp_start guest
S=$IMP_DIR
M=$(new_mountpoint guest)
SMB_UNC=//127.0.0.1:$IMP_PORT/SHARE smbfuse_mount "$M" -o guest
echo "guest data" >"$M/g.txt" || fail "guest: write"
check_eq "guest: file on the server" "guest data" "$(cat "$S/g.txt")"
head -c 1000000 /dev/urandom >"$L/g.bin"
cp "$L/g.bin" "$M/g.bin" || fail "guest: cp"
check_eq "guest: sha256 on the server" "$(sha256_of "$L/g.bin")" "$(sha256_of "$S/g.bin")"
check_eq "guest: sha256 read back" "$(sha256_of "$L/g.bin")" "$(sha256_of "$M/g.bin")"
mkdir "$M/gd" || fail "guest: mkdir"
mv "$M/g.txt" "$M/gd/g.txt" || fail "guest: mv"
ls -l "$M/gd" >"$T_ROOT/gls.out" || fail "guest: ls -l"
check_contains "guest: ls -l" "$T_ROOT/gls.out" ' g\.txt$'
rm "$M/gd/g.txt" "$M/g.bin" || fail "guest: rm"
rmdir "$M/gd" || fail "guest: rmdir"
check_eq "guest: server directory empty again" "" "$(ls -A "$S")"
expect_errno "guest: stat a missing file" ENOENT stat "$M/nope"
smbfuse_umount "$M"
note "guest ok"
exit 0
