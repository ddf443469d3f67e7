# shellcheck shell=bash
# tests/integration/matrix_lib.sh - the read-write workload of the server
# matrix (matrix_*.sh): one personality of an old or other SMB1 server per
# test script, the same workload against each, so that a failure names the
# personality.  Sourced after lib.sh and rw_lib.sh.
#
#   mx_samba MOUNT_OPTS SMB_CONF_LINES...   Samba playing the personality
#   mx_impacket user|guest                  Impacket's smbserver
#   mx_workload                             the workload against $M, checked
#                                           in the server's directory $S
#
# The workload, everything checked on the server's side (its directory):
# write (5 MiB with cp, odd dd block sizes, an overwrite in the middle, an
# append, sparse writes past the end of the file with pwrite and dd seek=),
# read back (sha256), create / O_EXCL, mkdir / mkdir -p, rename (in place,
# across directories, a directory, onto an existing file, a change of case
# only), unlink, rmdir, truncate (grow, shrink), fcntl locks between two
# processes, and the errno of the usual failures (ENOENT, EEXIST, ENOTEMPTY,
# ENOTDIR, EISDIR).  Problems are recorded and the test fails at the end
# (problems_check), so one run lists everything a personality breaks.
#
# What the personality cannot do is said by variables set before
# mx_workload: MX_SHRINK=0 (shrinking truncate refused: EOPNOTSUPP and the
# data left as it was), MX_LOCKS=0 (the server ignores byte-range locks).

MX_SHRINK=${MX_SHRINK:-1}
MX_LOCKS=${MX_LOCKS:-1}

# mx_samba MOUNT_OPTS SMB_CONF_LINES...: a private Samba with those extra
# lines, mounted at $M as the fixture's user; S is its share directory.
mx_samba() {
	local opts=$1
	shift
	require_prereqs
	smb_start "$@"
	S=$SHARE_DIR
	M=$(new_mountpoint mx)
	mount_rw "$M" "$opts"
	# [share2] is read-only: where the server says "access denied"
	echo ro >"$SHARE2_DIR/ro.txt"
	MX_RO=$(new_mountpoint mx-ro)
	SMB_UNC=//127.0.0.1:$SMB_PORT/share2 mount_rw "$MX_RO" "$opts"
}

# mx_impacket user|guest: Impacket's smbserver with a user (alice) or
# taking guests, mounted at $M; S is its share directory.
mx_impacket() {
	local how=$1 py pid out auth
	[ "$(id -u)" = 0 ] || skip "must run as root (mounting)"
	if [ ! -c /dev/fuse ] || [ ! -r /dev/fuse ] || [ ! -w /dev/fuse ]; then skip "/dev/fuse is missing or not accessible"; fi
	command -v fusermount3 >/dev/null 2>&1 || skip "'fusermount3' not installed"
	[ -x "$SMBFUSE" ] || skip "smbfuse binary not built: $SMBFUSE"
	# The python3 on PATH may not be the system one with python3-impacket.
	MX_PY=
	for py in python3 /usr/bin/python3; do
		if command -v "$py" >/dev/null 2>&1 && "$py" -c 'import impacket.smbserver' 2>/dev/null; then
			MX_PY=$py
			break
		fi
	done
	[ -n "$MX_PY" ] || skip "impacket cannot be imported (apt-get install python3-impacket)"
	S=$T_ROOT/imp
	mkdir -p "$S"
	out=$T_ROOT/imp.out
	MX_IMP_LOG=$T_ROOT/imp.log
	if [ "$how" = user ]; then
		"$MX_PY" "$(dirname "$0")/impacket_server.py" "$S" --user alice --password 'pw 1' \
			--timeout 900 >"$out" 2>"$MX_IMP_LOG" &
		auth="username=alice,password=pw 1"
	else
		"$MX_PY" "$(dirname "$0")/impacket_server.py" "$S" --timeout 900 >"$out" 2>"$MX_IMP_LOG" &
		auth=guest
	fi
	pid=$!
	register_helper "$pid"
	MX_IMP_PORT=
	for _ in $(seq 100); do
		MX_IMP_PORT=$(awk '$1 == "port" { print $2 }' "$out")
		[ -n "$MX_IMP_PORT" ] && port_open "$MX_IMP_PORT" && break
		_t_alive "$pid" || break
		MX_IMP_PORT=
		sleep 0.1
	done
	[ -n "$MX_IMP_PORT" ] || { show_file "$MX_IMP_LOG"; fail "Impacket server did not start"; }
	M=$(new_mountpoint mx)
	SMB_UNC=//127.0.0.1:$MX_IMP_PORT/share smbfuse_mount "$M" -o "$auth"
}

# mx_sha WHAT WANT_FILE REL: REL on the server has the bytes of WANT_FILE.
mx_sha() {
	local got want
	want=$(sha256_of "$2")
	if [ ! -f "$S/$3" ]; then
		problem "$1: '$3' is not a file on the server"
		return
	fi
	got=$(sha256_of "$S/$3")
	[ "$got" = "$want" ] && return
	problem "$1: '$3' on the server: $(stat -c %s "$S/$3") bytes, sha256 differs from the $(stat -c %s "$2") bytes written"
}

# mx_sparse_pwrite PATH SIZE OFFSET: a SIZE-byte file of 'a', then
# "sparse" written by pwrite at OFFSET (past the end).
mx_sparse_pwrite() {
	python3 - "$@" <<'EOF'
import os, sys
p, size, off = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
fd = os.open(p, os.O_RDWR | os.O_CREAT | os.O_TRUNC, 0o644)
os.write(fd, b"a" * size)
n = os.pwrite(fd, b"sparse", off)
os.close(fd)
if n != 6:
    sys.exit("pwrite wrote %d of 6 bytes" % n)
EOF
}

# mx_shuffled_write PATH WANT: 4 MiB of random data written to PATH (new)
# in 64 KiB blocks in random order by four threads; WANT gets the data.
mx_shuffled_write() {
	python3 - "$@" <<'EOF'
import os, random, sys, threading
data = os.urandom(4 * 1024 * 1024)
with open(sys.argv[2], "wb") as f:
    f.write(data)
fd = os.open(sys.argv[1], os.O_RDWR | os.O_CREAT | os.O_TRUNC, 0o644)
blocks = list(range(0, len(data), 65536))
random.shuffle(blocks)
errors = []
def writer(part):
    try:
        for off in part:
            if os.pwrite(fd, data[off:off + 65536], off) != 65536:
                errors.append("short pwrite at %d" % off)
    except OSError as e:
        errors.append(str(e))
threads = [threading.Thread(target=writer, args=(blocks[i::4],)) for i in range(4)]
for t in threads:
    t.start()
for t in threads:
    t.join()
os.close(fd)
if errors:
    sys.exit("; ".join(errors[:3]))
EOF
}

# mx_wronly_ftruncate PATH SIZE: ftruncate through a descriptor open
# write-only (as truncate(1) does); false if it failed.
mx_wronly_ftruncate() {
	python3 -c 'import os, sys
fd = os.open(sys.argv[1], os.O_WRONLY)
try:
    os.ftruncate(fd, int(sys.argv[2]))
except OSError as e:
    sys.exit(e.strerror)
finally:
    os.close(fd)' "$@" 2>/dev/null
}

# mx_lock OP PATH START LEN [READY RELEASE]: fcntl.lockf exclusive on
# PATH (opened O_RDWR) without blocking.  try: prints OK or the errno name;
# hold: lock, create READY, wait (at most 60 s) for RELEASE, unlock.
mx_lock() {
	python3 - "$@" <<'EOF'
import errno, fcntl, os, sys, time
op, path, start, length = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
fd = os.open(path, os.O_RDWR)
try:
    fcntl.lockf(fd, fcntl.LOCK_EX | fcntl.LOCK_NB, length, start)
except OSError as e:
    print(errno.errorcode.get(e.errno, str(e.errno)), flush=True)
    sys.exit(0)
if op == "hold":
    # the holder reads and writes its own locked range
    os.pwrite(fd, b"L", start)
    os.pread(fd, 1, start)
    open(sys.argv[5], "w").close()
    end = time.time() + 60
    while not os.path.exists(sys.argv[6]) and time.time() < end:
        time.sleep(0.05)
    fcntl.lockf(fd, fcntl.LOCK_UN, length, start)
print("OK", flush=True)
EOF
}

mx_workload() {
	local L=$T_ROOT/local f got holder
	mkdir -p "$L"

	# ---- write, read back, checksums on the server
	echo hello >"$M/new.txt" || problem "echo > new.txt"
	echo "more text" >>"$M/new.txt" || problem "echo >> new.txt"
	printf 'hello\nmore text\n' >"$L/new.txt"
	mx_sha "write + append" "$L/new.txt" new.txt
	head -c $((5 * 1024 * 1024 + 4321)) /dev/urandom >"$L/big.bin"
	cp "$L/big.bin" "$M/big.bin" || problem "cp 5 MiB into the mount"
	mx_sha "cp 5 MiB" "$L/big.bin" big.bin
	dd if="$L/big.bin" of="$M/dd.bin" bs=77777 status=none || problem "dd bs=77777 into the mount"
	mx_sha "dd bs=77777" "$L/big.bin" dd.bin
	head -c 70000 /dev/urandom >"$L/patch.bin"
	for f in "$L/big.bin" "$M/big.bin"; do
		dd if="$L/patch.bin" of="$f" bs=7000 seek=300 conv=notrunc status=none ||
			problem "dd conv=notrunc into $f"
	done
	mx_sha "overwrite in the middle" "$L/big.bin" big.bin
	got=$(sha256_of "$M/big.bin") || problem "read big.bin back"
	[ "$got" = "$(sha256_of "$L/big.bin")" ] || problem "big.bin read back through the mount differs"
	dd if="$M/big.bin" of="$T_ROOT/dd-read.bin" bs=100003 status=none || problem "dd bs=100003 from the mount"
	cmp -s "$T_ROOT/dd-read.bin" "$L/big.bin" || problem "big.bin read with dd bs=100003 differs"
	rm -f "$T_ROOT/dd-read.bin"
	head -c $((3 * 1024 * 1024 + 77)) /dev/urandom >"$S/from-server.bin"
	[ "$(sha256_of "$M/from-server.bin")" = "$(sha256_of "$S/from-server.bin")" ] ||
		problem "a file written on the server reads differently through the mount"
	check_eq "size through stat" "$(stat -c %s "$S/big.bin")" "$(stat -c %s "$M/big.bin")"
	note "write / read / checksums done"

	# ---- writes starting past the end of the file (sparse files)
	mx_sparse_pwrite "$L/sparse.bin" 100 $((1024 * 1024))
	if mx_sparse_pwrite "$M/sparse.bin" 100 $((1024 * 1024)); then
		mx_sha "pwrite at 1 MiB into a 100-byte file" "$L/sparse.bin" sparse.bin
	else
		problem "pwrite at 1 MiB into a 100-byte file failed"
	fi
	head -c 5000 /dev/urandom >"$L/seek.src"
	for f in "$L/seek.bin" "$M/seek.bin"; do
		printf 'head' >"$f"
		dd if="$L/seek.src" of="$f" bs=1000 seek=300 conv=notrunc status=none 2>"$T_ROOT/dd.err" ||
			problem "dd seek=300 bs=1000 into $f: $(cat "$T_ROOT/dd.err")"
	done
	mx_sha "dd seek= past the end" "$L/seek.bin" seek.bin
	[ "$(sha256_of "$M/seek.bin")" = "$(sha256_of "$L/seek.bin")" ] ||
		problem "seek.bin read back through the mount differs"
	# 64 KiB blocks of 4 MiB written in random order by four threads: most
	# start past the end of the file, and race with writes into the gap
	mx_shuffled_write "$M/shuffled.bin" "$L/shuffled.bin" ||
		problem "random-order writes by four threads failed"
	mx_sha "random-order writes by four threads" "$L/shuffled.bin" shuffled.bin
	note "sparse writes done"

	# ---- create, O_EXCL, truncate
	soft_errno "create a new file" OK create "$M/created"
	[ -f "$S/created" ] || problem "created: not on the server"
	soft_errno "O_EXCL on an existing file" EEXIST create_excl "$M/new.txt"
	soft_errno "O_EXCL on a new file" OK create_excl "$M/excl"
	cp "$L/new.txt" "$M/trunc.bin" || problem "cp trunc.bin"
	cp "$L/new.txt" "$L/trunc.bin"
	soft_errno "truncate by path (grow)" OK truncate "$M/trunc.bin" 100000
	truncate -s 100000 "$L/trunc.bin"
	mx_sha "truncate (grow)" "$L/trunc.bin" trunc.bin
	if [ "$MX_SHRINK" = 1 ]; then
		soft_errno "truncate by path (shrink)" OK truncate "$M/trunc.bin" 7
		truncate -s 7 "$L/trunc.bin"
		mx_sha "truncate (shrink)" "$L/trunc.bin" trunc.bin
		mx_wronly_ftruncate "$M/trunc.bin" 3 || problem "ftruncate through a write-only descriptor (shrink) failed"
		truncate -s 3 "$L/trunc.bin"
		mx_sha "ftruncate through a write-only descriptor (shrink)" "$L/trunc.bin" trunc.bin
		soft_errno "truncate to 0" OK truncate "$M/trunc.bin" 0
		[ "$(stat -c %s "$S/trunc.bin")" = 0 ] || problem "truncate to 0: server size $(stat -c %s "$S/trunc.bin")"
	else
		cp "$S/trunc.bin" "$L/trunc-before.bin"
		soft_errno "shrinking truncate (server cannot)" ENOTSUP truncate "$M/trunc.bin" 7
		mx_sha "data after a refused shrinking truncate" "$L/trunc-before.bin" trunc.bin
		# through a write-only descriptor (the byte cannot be read back),
		# maybe on the mount's other connection: refused untouched too
		mx_wronly_ftruncate "$M/trunc.bin" 2 && problem "ftruncate through a write-only descriptor (shrink) succeeded"
		mx_sha "data after a refused ftruncate through a write-only descriptor" "$L/trunc-before.bin" trunc.bin
		[ "$(stat -c %s "$M/trunc.bin")" = "$(stat -c %s "$S/trunc.bin")" ] ||
			problem "size through the mount after the refused shrink differs from the server's"
	fi
	echo short >"$M/new.txt" || problem "> new.txt (O_TRUNC)"
	[ "$(cat "$S/new.txt")" = short ] || problem "O_TRUNC: server has '$(head -c 40 "$S/new.txt")'"
	note "create / truncate done"

	# ---- directories, renames, removal
	mkdir "$M/d" || problem "mkdir d"
	[ -d "$S/d" ] || problem "d is not a directory on the server"
	mkdir -p "$M/d1/d2/d3" || problem "mkdir -p d1/d2/d3"
	[ -d "$S/d1/d2/d3" ] || problem "d1/d2/d3 is not a directory on the server"
	echo deep >"$M/d1/d2/d3/deep.txt" || problem "write d1/d2/d3/deep.txt"
	soft_errno "rename across directories" OK rename "$M/d1/d2/d3/deep.txt" "$M/d/moved.txt"
	[ -e "$S/d1/d2/d3/deep.txt" ] && problem "rename source still on the server"
	[ "$(cat "$S/d/moved.txt" 2>&1)" = deep ] || problem "moved.txt on the server: $(cat "$S/d/moved.txt" 2>&1)"
	soft_errno "rename in place" OK rename "$M/d/moved.txt" "$M/d/renamed in place.txt"
	[ -f "$S/d/renamed in place.txt" ] || problem "renamed in place.txt not on the server"
	soft_errno "rename a directory" OK rename "$M/d1/d2" "$M/d2-moved"
	[ -d "$S/d2-moved/d3" ] || problem "moved directory incomplete on the server"
	echo source >"$M/src.txt" || problem "write src.txt"
	echo target >"$M/tgt.txt" || problem "write tgt.txt"
	soft_errno "rename onto an existing file" OK rename "$M/src.txt" "$M/tgt.txt"
	[ "$(cat "$S/tgt.txt" 2>&1)" = source ] || problem "target after a replacing rename: $(cat "$S/tgt.txt" 2>&1)"
	[ -e "$S/src.txt" ] && problem "replacing rename left its source on the server"
	# a change of case only: on a case-insensitive server source and target
	# are one file, which must not be deleted as "the existing target"
	echo case >"$M/Case.txt" || problem "write Case.txt"
	soft_errno "rename changing only the case" OK rename "$M/Case.txt" "$M/case.txt"
	got=$(find "$S" -maxdepth 1 -iname case.txt -printf '%f ')
	[ "$got" = "case.txt " ] || problem "after rename Case.txt -> case.txt the server has: '$got'"
	[ "$(cat "$M/case.txt" 2>&1)" = case ] || problem "case.txt through the mount: $(cat "$M/case.txt" 2>&1)"
	soft_errno "unlink" OK unlink "$M/tgt.txt"
	[ -e "$S/tgt.txt" ] && problem "tgt.txt still on the server after unlink"
	soft_errno "rmdir" OK rmdir "$M/d2-moved/d3"
	[ -e "$S/d2-moved/d3" ] && problem "d3 still on the server after rmdir"
	{ mkdir -p "$M/rmme/a/b" && echo x >"$M/rmme/a/b/f"; } || problem "populate rmme"
	rm -rf "$M/rmme" || problem "rm -rf rmme"
	[ -e "$S/rmme" ] && problem "rmme still on the server after rm -rf"
	tree_listing "$S" >"$T_ROOT/want.lst"
	tree_listing "$M" >"$T_ROOT/got.lst"
	diff -q "$T_ROOT/want.lst" "$T_ROOT/got.lst" >/dev/null ||
		problem "tree through the mount differs from the server's: $(diff "$T_ROOT/want.lst" "$T_ROOT/got.lst" | head -n 6 | tr '\n' ' ')"
	note "mkdir / rename / unlink / rmdir done"

	# ---- names beyond ASCII: the same name on the server, or a clean
	# refusal (a server without Unicode may not store them), never another
	# name
	local name got_rc
	for name in "café-ü.txt" "日本語.txt"; do
		got_rc=$(fsop create "$M/$name")
		if [ "$got_rc" = OK ]; then
			[ -f "$S/$name" ] || problem "'$name' created through the mount is not on the server: $(find "$S" -maxdepth 1 -newer "$M/new.txt" -printf '%f ')"
			soft_errno "stat '$name'" OK stat "$M/$name"
			find "$M" -maxdepth 1 -printf '%f\n' | grep -qxF "$name" || problem "'$name' not listed through the mount"
			soft_errno "unlink '$name'" OK unlink "$M/$name"
		else
			case $got_rc in
			EILSEQ | EINVAL | ENOENT) note "'$name': refused with $got_rc" ;;
			*) problem "create '$name': $got_rc" ;;
			esac
		fi
		[ -e "$S/$name" ] && problem "'$name' still on the server after unlink"
	done
	(cd "$S" && find . -mindepth 1 -printf '%P\n' | LC_ALL=C grep -v '^[ -~]*$') >"$T_ROOT/odd.lst"
	[ -s "$T_ROOT/odd.lst" ] && problem "names on the server that were not made: $(tr '\n' ' ' <"$T_ROOT/odd.lst")"
	note "non-ASCII names done"

	# ---- errno
	soft_errno "stat a missing file" ENOENT stat "$M/no-such-file"
	soft_errno "stat in a missing directory" ENOENT stat "$M/no-such-dir/f"
	soft_errno "open a missing file" ENOENT open_r "$M/no-such-file"
	soft_errno "unlink a missing file" ENOENT unlink "$M/no-such-file"
	soft_errno "create in a missing directory" ENOENT create "$M/no-such-dir/f"
	soft_errno "mkdir in a missing directory" ENOENT mkdir "$M/no-such-dir/d"
	soft_errno "rename a missing file" ENOENT rename "$M/no-such-file" "$M/x"
	soft_errno "rmdir a missing directory" ENOENT rmdir "$M/no-such-dir"
	soft_errno "mkdir an existing directory" EEXIST mkdir "$M/d"
	soft_errno "mkdir over an existing file" EEXIST mkdir "$M/new.txt"
	soft_errno "rmdir a non-empty directory" ENOTEMPTY rmdir "$M/d"
	soft_errno "rmdir a file" ENOTDIR rmdir "$M/new.txt"
	soft_errno "stat through a file" ENOTDIR stat "$M/new.txt/x"
	soft_errno "unlink a directory" EISDIR unlink "$M/d"
	soft_errno "open a directory for writing" EISDIR open_w "$M/d"
	soft_errno "rename a directory onto a file" ENOTDIR rename "$M/d" "$M/new.txt"
	{ [ -d "$S/d" ] && [ -f "$S/new.txt" ]; } || problem "a refused rename changed the server"
	if [ -n "${MX_RO:-}" ]; then
		[ "$(cat "$MX_RO/ro.txt" 2>&1)" = ro ] || problem "read on a read-only share: $(cat "$MX_RO/ro.txt" 2>&1)"
		soft_errno "create on a read-only share" "EACCES|EROFS" create "$MX_RO/new"
		soft_errno "mkdir on a read-only share" "EACCES|EROFS" mkdir "$MX_RO/d"
		soft_errno "unlink on a read-only share" "EACCES|EROFS" unlink "$MX_RO/ro.txt"
		soft_errno "open for writing on a read-only share" "EACCES|EROFS" open_w "$MX_RO/ro.txt"
		soft_errno "rename on a read-only share" "EACCES|EROFS" rename "$MX_RO/ro.txt" "$MX_RO/x"
		[ "$(find "$SHARE2_DIR" -mindepth 1 -printf '%P ')" = "ro.txt " ] ||
			problem "the read-only share changed: $(find "$SHARE2_DIR" -mindepth 1 -printf '%P ')"
	fi
	note "errno done"

	# ---- locks: two processes on the mount
	if [ "$MX_LOCKS" = 1 ]; then
		head -c 10000 /dev/zero >"$M/lock.bin" || problem "write lock.bin"
		rm -f "$T_ROOT/lk.ready" "$T_ROOT/lk.release"
		mx_lock hold "$M/lock.bin" 100 200 "$T_ROOT/lk.ready" "$T_ROOT/lk.release" >"$T_ROOT/lk.out" 2>&1 &
		holder=$!
		register_helper "$holder"
		for _ in $(seq 150); do [ -e "$T_ROOT/lk.ready" ] && break; _t_alive "$holder" || break; sleep 0.1; done
		if [ -e "$T_ROOT/lk.ready" ]; then
			soft_lock "F_SETLK over another process's lock" "EAGAIN|EACCES" 150 10
			soft_lock "F_SETLK next to another process's lock" OK 300 10
			: >"$T_ROOT/lk.release"
			wait "$holder"
			got=$(cat "$T_ROOT/lk.out")
			[ "$got" = OK ] || problem "lock holder: $got"
			soft_lock "F_SETLK after the release" OK 150 10
		else
			problem "lock holder did not get its lock: $(cat "$T_ROOT/lk.out")"
		fi
		[ "$(head -c 101 "$S/lock.bin" | tail -c 1)" = L ] || problem "the lock holder's write in its range is not on the server"
		note "locks done"
	fi
}

# soft_lock WHAT WANT START LEN: mx_lock try on lock.bin prints WANT.
soft_lock() {
	local got
	got=$(mx_lock try "$M/lock.bin" "$3" "$4" 2>&1)
	case "|$2|" in
	*"|$got|"*) ;;
	*) problem "$1: expected $2, got $got" ;;
	esac
}

# mx_finish: unmount, then fail if any problem was recorded.
mx_finish() {
	[ -n "${MX_RO:-}" ] && smbfuse_umount "$MX_RO"
	smbfuse_umount "$M"
	# an error code smbfuse could not map is an errno guessed as EIO
	if cat "$T_ROOT"/smbfuse.*.log | grep -Ei 'unknown (NT status|DOS error)' >"$T_ROOT/unknown.out"; then
		problem "unmapped server error codes: $(sort -u "$T_ROOT/unknown.out" | head -n 5 | tr '\n' ';')"
	fi
	# nothing here gives a server reason to drop the connection (Samba does
	# on a bad signature); a reconnect loses locks and oplocks
	if cat "$T_ROOT"/smbfuse.*.log | grep -Ei 'connection .* lost|reconnecting' >"$T_ROOT/lost.out"; then
		problem "the server dropped a connection: $(head -n 3 "$T_ROOT/lost.out" | tr '\n' ';')"
	fi
	if [ -n "${MX_IMP_LOG:-}" ] && grep -a -q Traceback "$MX_IMP_LOG"; then
		show_file "$MX_IMP_LOG" 40
		problem "the Impacket server crashed in a request"
	fi
	problems_check
}
