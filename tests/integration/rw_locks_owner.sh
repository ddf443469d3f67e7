#!/usr/bin/env bash
# rw_locks_owner.sh - what the holder of an fcntl lock may do (issue 8,
# defect 8), with the UNIX extensions (SMB POSIX locks) and without them
# (LOCKING_ANDX, as on every Windows server):
# - read and write its own locked range;
# - F_GETLK over its own lock reports no conflict and leaves the lock held
#   (another process, on this mount and on a second one, still finds it
#   locked and F_GETLK there reports it);
# - a forked child (another POSIX lock owner sharing the open file) is
#   refused an overlapping lock and F_GETLK shows it the parent's lock.
if [ -z "${BASH_VERSION:-}" ]; then exec bash "$0" "$@"; fi
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source-path=SCRIPTDIR source=rw_lib.sh
. "$(dirname "$0")/rw_lib.sh"

require_prereqs

# owner.py PATH OTHER_PATH: prints one problem per line.
cat >"$T_ROOT/owner.py" <<'PY'
import fcntl, os, struct, subprocess, sys

path, other_path = sys.argv[1:3]
FMT = "hhqqi4x"  # struct flock on Linux x86-64 / aarch64
NAMES = {fcntl.F_RDLCK: "F_RDLCK", fcntl.F_WRLCK: "F_WRLCK", fcntl.F_UNLCK: "F_UNLCK"}
problems = []


def getlk(fd, typ, start, length):
    r = fcntl.fcntl(fd, fcntl.F_GETLK, struct.pack(FMT, typ, 0, start, length, 0))
    return NAMES.get(struct.unpack(FMT, r)[0], "?")


OTHER = r"""
import fcntl, os, struct, sys
fd = os.open(sys.argv[1], os.O_RDWR)
r = fcntl.fcntl(fd, fcntl.F_GETLK, struct.pack("hhqqi4x", fcntl.F_WRLCK, 0, 0, 100, 0))
t = struct.unpack("hhqqi4x", r)[0]
try:
    fcntl.lockf(fd, fcntl.LOCK_EX | fcntl.LOCK_NB, 100, 0)
    print("free", t == fcntl.F_WRLCK)
except BlockingIOError:
    print("busy", t == fcntl.F_WRLCK)
"""


def other(where, p):
    got = subprocess.run([sys.executable, "-c", OTHER, p], capture_output=True, text=True,
                         timeout=30).stdout.split()
    if got[:1] != ["busy"]:
        problems.append("another process (%s) finds the held range %s" % (where, got))
    elif got[1] != "True":
        problems.append("F_GETLK in another process (%s) does not report the F_WRLCK" % where)


fd = os.open(path, os.O_RDWR)
fcntl.lockf(fd, fcntl.LOCK_EX | fcntl.LOCK_NB, 8192, 0)
try:
    os.pwrite(fd, b"w" * 16, 0)
except OSError as e:
    problems.append("write by the holder inside its own lock: %s" % e)
try:
    if os.pread(fd, 16, 4096) != b"r" * 16:
        problems.append("read by the holder inside its own lock: wrong bytes")
except OSError as e:
    problems.append("read by the holder inside its own lock: %s" % e)
got = getlk(fd, fcntl.F_WRLCK, 0, 100)
if got != "F_UNLCK":
    problems.append("F_GETLK by the holder over its own write lock: %s (expected F_UNLCK)" % got)
got = getlk(fd, fcntl.F_RDLCK, 50, 0)
if got != "F_UNLCK":
    problems.append("F_GETLK by the holder (read, 50-EOF): %s (expected F_UNLCK)" % got)
other("this mount", path)
other("second mount", other_path)

r, w = os.pipe()
pid = os.fork()
if pid == 0:
    os.close(r)
    out = []
    try:
        fcntl.lockf(fd, fcntl.LOCK_EX | fcntl.LOCK_NB, 10, 20)
        out.append("a forked child (another lock owner) got a lock inside the parent's")
    except BlockingIOError:
        pass
    except OSError as e:
        out.append("forked child's F_SETLK: %s (expected EAGAIN)" % e)
    got = getlk(fd, fcntl.F_RDLCK, 20, 10)
    if got != "F_WRLCK":
        out.append("F_GETLK in a forked child: %s (expected F_WRLCK)" % got)
    try:
        fcntl.lockf(fd, fcntl.LOCK_EX | fcntl.LOCK_NB, 100, 9000)
        fcntl.lockf(fd, fcntl.LOCK_UN, 100, 9000)
    except OSError as e:
        out.append("forked child's lock outside the parent's: %s" % e)
    os.write(w, "\n".join(out).encode())
    os._exit(0)
os.close(w)
child = b""
while True:
    b = os.read(r, 4096)
    if not b:
        break
    child += b
os.waitpid(pid, 0)
problems += [l for l in child.decode().split("\n") if l]
other("this mount, after the child", path)
fcntl.lockf(fd, fcntl.LOCK_UN, 0, 0)
os.close(fd)
for p in problems:
    print(p)
PY

# variant LABEL [MOUNT_OPTS]: the checks on the running server.
variant() {
	local variant=$1 opts=${2:-} ma mb got
	python3 -c 'import sys; sys.stdout.buffer.write(b"r" * 16384)' >"$S/own.dat"
	ma=$(new_mountpoint "${variant// /-}-a")
	mb=$(new_mountpoint "${variant// /-}-b")
	mount_rw "$ma" "$opts"
	mount_rw "$mb" "$opts"
	python3 "$T_ROOT/owner.py" "$ma/own.dat" "$mb/own.dat" >"$T_ROOT/owner.out" 2>&1 ||
		{ show_file "$T_ROOT/owner.out"; fail "$variant: owner.py crashed"; }
	while IFS= read -r got; do problem "$variant: $got"; done <"$T_ROOT/owner.out"
	[ -s "$T_ROOT/owner.out" ] || note "$variant: the lock holder's I/O and F_GETLK ok"
	smbfuse_umount "$mb"
	smbfuse_umount "$ma"
}

smb_start
S=$SHARE_DIR
variant unix
variant nounix nounix
# A server without the UNIX extensions at all, as every Windows server.
smb_stop
smb_start "unix extensions = no"
S=$SHARE_DIR
variant "server without UNIX extensions"
problems_check
exit 0
