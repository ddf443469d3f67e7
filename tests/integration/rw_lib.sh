# shellcheck shell=bash
# tests/integration/rw_lib.sh - helpers shared by the read-write tests
# (rw_*.sh).  Sourced after lib.sh; uses its T_ROOT, fail, check_* and
# smb_client.
#
#   fsop OP ARGS...            one system call from python3; prints OK or the
#                              errno name (ENOENT...), never fails itself
#   expect_errno WHAT WANT OP ARGS...   fsop must print WANT (OK or ENAME)
#   mount_rw MNT [OPTS]        smbfuse_mount as the fixture's user, -o OPTS
#   check_backing REL MNT      REL has the same bytes through MNT and in
#                              $SHARE_DIR
#   smb_get REL OUT            fetch REL from [share] with smbclient (a
#                              second, independent client) into OUT
#   check_smbclient REL WANT   smbclient's copy of REL has the bytes of WANT
#   wait_for WHAT SECONDS CMD...   poll CMD (every 0.1 s) until it succeeds
#   problem MSG, soft_errno WHAT WANT OP ARGS..., problems_check
#                              record failures and go on; fail at the end
#   part_skip MSG              a part of the test cannot run (a tool is
#                              missing): say so, or fail with SMBFUSE_NO_SKIP=1

command -v python3 >/dev/null 2>&1 || skip "python3 not installed"

_RW_FSOP=$T_ROOT/fsop.py
cat >"$_RW_FSOP" <<'EOF'
# fsop.py OP ARGS...: one file-system call; print OK or the errno name.
import ctypes, errno, os, sys

AT_FDCWD = -100
RENAME_NOREPLACE = 1


def renameat2(old, new, flags):
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.renameat2(AT_FDCWD, os.fsencode(old), AT_FDCWD, os.fsencode(new), flags) != 0:
        e = ctypes.get_errno()
        raise OSError(e, os.strerror(e))


def opclose(path, flags, mode=0o644):
    os.close(os.open(path, flags, mode))


op, a = sys.argv[1], sys.argv[2:]
ops = {
    "unlink": lambda: os.unlink(a[0]),
    "mkdir": lambda: os.mkdir(a[0]),
    "rmdir": lambda: os.rmdir(a[0]),
    "open_r": lambda: opclose(a[0], os.O_RDONLY),
    "open_w": lambda: opclose(a[0], os.O_WRONLY),
    "open_rw": lambda: opclose(a[0], os.O_RDWR),
    "create": lambda: opclose(a[0], os.O_WRONLY | os.O_CREAT | os.O_TRUNC),
    "create_excl": lambda: opclose(a[0], os.O_WRONLY | os.O_CREAT | os.O_EXCL),
    "rename": lambda: os.rename(a[0], a[1]),
    "rename_noreplace": lambda: renameat2(a[0], a[1], RENAME_NOREPLACE),
    "symlink": lambda: os.symlink(a[0], a[1]),
    "link": lambda: os.link(a[0], a[1]),
    "chown": lambda: os.chown(a[0], int(a[1]), int(a[2])),
    "chmod": lambda: os.chmod(a[0], int(a[1], 8)),
    "mkfifo": lambda: os.mkfifo(a[0]),
    "truncate": lambda: os.truncate(a[0], int(a[1])),
    "utime": lambda: os.utime(a[0], (int(a[1]), int(a[1]))),
    "stat": lambda: os.stat(a[0]),
    "lstat": lambda: os.lstat(a[0]),
}
try:
    ops[op]()
except OSError as e:
    print(errno.errorcode.get(e.errno, str(e.errno)))
else:
    print("OK")
EOF

fsop() {
	python3 "$_RW_FSOP" "$@" 2>&1
}

# expect_errno WHAT WANT OP ARGS...
expect_errno() {
	local what=$1 want=$2 got
	shift 2
	got=$(fsop "$@")
	check_eq "$what" "$want" "$got"
}

# mount_rw MNT [OPTS]: mount [share] as the fixture's user.
mount_rw() {
	local mnt=$1 opts="username=$SMB_USER,password=$SMB_PASS"
	[ -n "${2:-}" ] && opts="$opts,$2"
	smbfuse_mount "$mnt" -o "$opts"
}

# check_backing REL MNT: same bytes through the mount and on the server's disk.
check_backing() {
	[ -f "$SHARE_DIR/$1" ] || fail "'$1' written through the mount is not a file in the backing directory"
	check_file_eq "'$1': backing directory vs mount" "$SHARE_DIR/$1" "$2/$1"
}

# smb_get REL OUT: a second client (smbclient) reads REL from [share].
smb_get() {
	local rel=${1//\//\\}
	rm -f -- "$2"
	smb_client //127.0.0.1/share -U "$SMB_USER%$SMB_PASS" \
		-c "get \"$rel\" \"$2\"" >"$T_ROOT/smbget.out" 2>&1 ||
		{ show_file "$T_ROOT/smbget.out"; fail "smbclient get '$1' failed"; }
	[ -f "$2" ] || { show_file "$T_ROOT/smbget.out"; fail "smbclient get '$1' wrote nothing"; }
}

# check_smbclient REL WANT_FILE
check_smbclient() {
	smb_get "$1" "$T_ROOT/smbget.data"
	check_file_eq "'$1' fetched with smbclient" "$2" "$T_ROOT/smbget.data"
}

# wait_for WHAT SECONDS CMD...: poll until CMD succeeds.
wait_for() {
	local what=$1 n=$(($2 * 10)) i
	shift 2
	for ((i = 0; i < n; i++)); do
		"$@" && return 0
		sleep 0.1
	done
	fail "$what: still not true after $((n / 10)) s"
}

# Soft checks: record a problem and go on, so that one run reports every
# broken case; end the test with problems_check.
_RW_PROBLEMS=()
problem() {
	printf '%s: PROBLEM: %s\n' "$TEST_NAME" "$*" >&2
	_RW_PROBLEMS+=("$*")
}
# soft_errno WHAT WANT OP ARGS...: like expect_errno, but only records.
# WANT may list alternatives: EINVAL|ENOENT.
soft_errno() {
	local what=$1 want=$2 got
	shift 2
	got=$(fsop "$@")
	case "|$want|" in
	*"|$got|"*) ;;
	*) problem "$what: expected $want, got $got" ;;
	esac
}
# problems_check: fail if any soft check failed.
problems_check() {
	[ "${#_RW_PROBLEMS[@]}" = 0 ] || fail "${#_RW_PROBLEMS[@]} problem(s), listed above"
}

# part_skip MSG: skip one part of a test (the rest still runs).
part_skip() {
	[ "${SMBFUSE_NO_SKIP:-0}" = 1 ] && fail "prerequisite missing (SMBFUSE_NO_SKIP=1): $*"
	note "SKIP part: $*"
}
