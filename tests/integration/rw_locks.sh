#!/usr/bin/env bash
# rw_locks.sh - fcntl (POSIX) byte-range locks and flock through smbfuse:
# two processes on one mount, and two mounts of the same share (two SMB
# clients), with the UNIX extensions (SMB POSIX locks) and with -o nounix
# (LOCKING_ANDX).  A conflicting F_SETLK fails with EAGAIN while the holder
# has the lock and succeeds after release; F_SETLKW blocks until the release;
# non-overlapping ranges and shared locks coexist; flock LOCK_EX is
# exclusive; one owner's POSIX locks merge, split and upgrade; a signal
# interrupts F_SETLKW; a killed holder's locks go away.
if [ -z "${BASH_VERSION:-}" ]; then exec bash "$0" "$@"; fi
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source-path=SCRIPTDIR source=rw_lib.sh
. "$(dirname "$0")/rw_lib.sh"

require_prereqs
smb_start
S=$SHARE_DIR

# locker.py OP PATH KIND MODE START LEN [ARGS]
#   KIND posix (fcntl.lockf: F_SETLK/F_SETLKW) or flock; MODE ex or sh;
#   LEN 0 = to the end of the file and beyond (flock ignores START/LEN).
#   try                  non-blocking; prints OK or the errno name
#   wait TIMEOUT         blocking; prints "OK SECONDS" or the errno name
#                        (EINTR: SIGALRM after TIMEOUT seconds interrupted it)
#   hold READY RELEASE   lock, create READY, wait (at most 60 s) for RELEASE
#                        to exist, unlock; prints OK or the errno name
cat >"$T_ROOT/locker.py" <<'EOF'
import errno, fcntl, os, signal, sys, time

op, path, kind, mode, start, length = sys.argv[1:7]
start, length = int(start), int(length)
rest = sys.argv[7:]
class Interrupted(Exception):
    pass


def on_alarm(*a):
    # raise: after a handler that returns, Python retries the interrupted
    # call (PEP 475) and would never report EINTR
    raise Interrupted()


signal.signal(signal.SIGALRM, on_alarm)


def lock(fd, blocking):
    how = fcntl.LOCK_EX if mode == "ex" else fcntl.LOCK_SH
    if not blocking:
        how |= fcntl.LOCK_NB
    if kind == "flock":
        fcntl.flock(fd, how)
    else:
        fcntl.lockf(fd, how, length, start)


def unlock(fd):
    if kind == "flock":
        fcntl.flock(fd, fcntl.LOCK_UN)
    else:
        fcntl.lockf(fd, fcntl.LOCK_UN, length, start)


fd = os.open(path, os.O_RDWR)
try:
    if op == "try":
        lock(fd, False)
        print("OK")
    elif op == "wait":
        t = time.time()
        signal.alarm(int(rest[0]))
        lock(fd, True)
        signal.alarm(0)
        print("OK %.1f" % (time.time() - t))
    elif op == "hold":
        lock(fd, False)
        open(rest[0], "w").close()
        end = time.time() + 60
        while not os.path.exists(rest[1]) and time.time() < end:
            time.sleep(0.05)
        unlock(fd)
        print("OK")
except Interrupted:
    print("EINTR", flush=True)
except OSError as e:
    print(errno.errorcode.get(e.errno, str(e.errno)), flush=True)
    sys.exit(0 if op != "hold" else 1)
EOF

# posix_owner.py PATH_A PATH_B: what POSIX promises one lock owner - locks
# merge, split and upgrade, an unlock may cover several locks or part of
# one, re-locking a range one holds never conflicts - checked with
# non-blocking calls (no hang if it breaks) and a second process on PATH_B.
# Prints one problem per line.
cat >"$T_ROOT/posix_owner.py" <<'EOF'
import fcntl, os, subprocess, sys

A, B = sys.argv[1:3]
fd = -1
problems = []


def mine(what, how, start, length):
    try:
        fcntl.lockf(fd, how | (fcntl.LOCK_NB if how != fcntl.LOCK_UN else 0), length, start)
    except OSError as e:
        problems.append("%s: %s" % (what, e))


def other(what, want, mode, start, length):
    code = ("import fcntl, os\nfd = os.open(%r, os.O_RDWR)\ntry:\n"
            "    fcntl.lockf(fd, %d | fcntl.LOCK_NB, %d, %d)\n    print('free')\n"
            "except BlockingIOError:\n    print('busy')\n"
            "except OSError as e:\n    print(e)\n") % (B, mode, length, start)
    got = subprocess.run([sys.executable, "-c", code], capture_output=True,
                         text=True, timeout=30).stdout.strip()
    if got != want:
        problems.append("%s: another process finds the range %s, expected %s" % (what, got, want))


EX, SH, UN = fcntl.LOCK_EX, fcntl.LOCK_SH, fcntl.LOCK_UN
# Each scenario on a fresh descriptor: closing it drops what a failure left.
scenarios = [
    ("two adjacent locks, one unlock", [
        ("lock 0-99", EX, 0, 100), ("lock 100-199", EX, 100, 100),
        ("0-99 and 100-199 held", "busy", EX, 150, 1),
        ("unlock 0-199 (covers both)", UN, 0, 200),
        ("after unlocking 0-199", "free", EX, 0, 200)]),
    ("unlock the middle of a lock", [
        ("lock 0-199", EX, 0, 200), ("unlock 50-149", UN, 50, 100),
        ("after unlocking 50-149", "free", EX, 60, 10),
        ("10-19 after unlocking 50-149", "busy", EX, 10, 10),
        ("160-169 after unlocking 50-149", "busy", EX, 160, 10)]),
    ("unlock to EOF and beyond", [
        ("lock 0-99", EX, 0, 100), ("lock 1000-1099", EX, 1000, 100),
        ("unlock everything (len 0)", UN, 0, 0),
        ("after unlocking everything", "free", EX, 0, 0)]),
    ("upgrade a shared lock", [
        ("shared lock 0-99", SH, 0, 100), ("exclusive lock 0-99 (upgrade)", EX, 0, 100),
        ("after the upgrade", "busy", SH, 0, 100),
        ("unlock 0-99", UN, 0, 100), ("after unlocking the upgraded lock", "free", EX, 0, 100)]),
    ("re-lock a held range", [
        ("lock 0-99", EX, 0, 100), ("lock 0-99 again", EX, 0, 100),
        ("unlock 0-99 once", UN, 0, 100), ("after one unlock", "free", EX, 0, 100)]),
    ("grow a held lock", [
        ("lock 0-99", EX, 0, 100), ("lock 0-299 over it", EX, 0, 300),
        ("0-299 held", "busy", EX, 250, 10),
        ("unlock 0-299", UN, 0, 300), ("after unlocking 0-299", "free", EX, 0, 0)]),
]
for name, steps in scenarios:
    fd = os.open(A, os.O_RDWR)
    for step in steps:
        what = "%s: %s" % (name, step[0])
        if isinstance(step[1], str):
            other(what, *step[1:])
        else:
            mine(what, *step[1:])
    os.close(fd)
for p in problems:
    print(p)
EOF

_SEQ=0
# hold_lock PATH KIND MODE START LEN: start a holder; sets HOLDER (pid) and
# HOLD (a name for its files); returns once the lock is held.
hold_lock() {
	_SEQ=$((_SEQ + 1))
	HOLD=$T_ROOT/hold.$_SEQ
	python3 "$T_ROOT/locker.py" hold "$@" "$HOLD.ready" "$HOLD.release" >"$HOLD.out" 2>&1 &
	HOLDER=$!
	register_helper "$HOLDER"
	local i
	for ((i = 0; i < 150; i++)); do
		[ -e "$HOLD.ready" ] && return 0
		_t_alive "$HOLDER" || break
		sleep 0.1
	done
	show_file "$HOLD.out"
	fail "could not take the lock: locker.py hold $*"
}
# release_lock: let the holder unlock and exit.
release_lock() {
	: >"$HOLD.release"
	wait "$HOLDER" || { show_file "$HOLD.out"; fail "the lock holder failed to unlock"; }
}
# try_lock WHAT WANT PATH KIND MODE START LEN (WANT: OK or "EAGAIN|EACCES")
try_lock() {
	local what=$1 want=$2 got
	shift 2
	got=$(python3 "$T_ROOT/locker.py" try "$@" 2>&1)
	case "|$want|" in
	*"|$got|"*) ;;
	*) fail "$what: expected $want, got $got" ;;
	esac
}
BUSY="EAGAIN|EACCES"

# lock_suite LABEL MNT_A MNT_B: the holder works on MNT_A, the others on
# MNT_B (the same mount or another one).
lock_suite() {
	local label=$1 a=$2/lock.dat b=$3/lock.dat w i got
	# ---- exclusive whole-file POSIX lock
	hold_lock "$a" posix ex 0 0
	try_lock "$label: F_SETLK while another process holds the file" "$BUSY" "$b" posix ex 0 0
	try_lock "$label: shared F_SETLK while another process holds it exclusively" "$BUSY" "$b" posix sh 0 0
	try_lock "$label: F_SETLK of one byte far past EOF" "$BUSY" "$b" posix ex $((1 << 40)) 1
	w=$T_ROOT/waiter.out
	python3 "$T_ROOT/locker.py" wait "$b" posix ex 0 0 30 >"$w" 2>&1 &
	local waiter=$!
	register_helper "$waiter"
	sleep 1.5
	_t_alive "$waiter" || { show_file "$w"; fail "$label: F_SETLKW did not block while the lock was held"; }
	release_lock
	for ((i = 0; i < 150; i++)); do _t_alive "$waiter" || break; sleep 0.1; done
	_t_alive "$waiter" && fail "$label: F_SETLKW still blocked 15 s after the release"
	wait "$waiter"
	got=$(cat "$w")
	case $got in
	"OK "*) ;;
	*) show_file "$w"; fail "$label: F_SETLKW after the release: $got" ;;
	esac
	try_lock "$label: F_SETLK after the release" OK "$b" posix ex 0 0
	note "$label: exclusive POSIX lock, F_SETLK / F_SETLKW ok (waiter waited ${got#OK } s)"

	# ---- byte ranges and shared locks
	hold_lock "$a" posix ex 0 100
	try_lock "$label: lock bytes 100-199 while 0-99 are held" OK "$b" posix ex 100 100
	try_lock "$label: lock bytes 50-149 while 0-99 are held" "$BUSY" "$b" posix ex 50 100
	try_lock "$label: lock byte 99 while 0-99 are held" "$BUSY" "$b" posix ex 99 1
	release_lock
	try_lock "$label: lock bytes 50-149 after the release" OK "$b" posix ex 50 100
	hold_lock "$a" posix sh 0 0
	try_lock "$label: shared lock next to a shared lock" OK "$b" posix sh 0 0
	try_lock "$label: exclusive lock over a shared lock" "$BUSY" "$b" posix ex 0 0
	release_lock
	note "$label: byte ranges and shared locks ok"

	# ---- one owner's locks merge / split / upgrade (soft: listed at the end)
	python3 "$T_ROOT/posix_owner.py" "$a" "$b" >"$T_ROOT/owner.out" 2>&1 ||
		{ show_file "$T_ROOT/owner.out"; fail "$label: posix_owner.py crashed"; }
	while IFS= read -r got; do problem "$label: POSIX lock semantics: $got"; done <"$T_ROOT/owner.out"
	[ -s "$T_ROOT/owner.out" ] || note "$label: POSIX merge / split / upgrade of one owner's locks ok"

	# ---- a signal interrupts F_SETLKW (Ctrl-C on a process waiting for a lock)
	hold_lock "$a" posix ex 0 0
	python3 "$T_ROOT/locker.py" wait "$b" posix ex 0 0 1 >"$w" 2>&1 &
	waiter=$!
	register_helper "$waiter"
	for ((i = 0; i < 50; i++)); do _t_alive "$waiter" || break; sleep 0.1; done
	if _t_alive "$waiter"; then
		problem "$label: F_SETLKW not interrupted by SIGALRM 4 s after the signal"
		release_lock # the waiter then gets the lock and ends
		for ((i = 0; i < 150; i++)); do _t_alive "$waiter" || break; sleep 0.1; done
		_t_alive "$waiter" && fail "$label: F_SETLKW still blocked after the release"
		wait "$waiter"
	else
		wait "$waiter"
		got=$(cat "$w")
		[ "$got" = EINTR ] || problem "$label: F_SETLKW interrupted by SIGALRM: expected EINTR, got '$got'"
		try_lock "$label: lock still held after the interrupted F_SETLKW" "$BUSY" "$b" posix ex 0 0
		# SIGKILL ends a waiter (not left unkillable in the kernel)
		python3 "$T_ROOT/locker.py" wait "$b" posix ex 0 0 60 >"$w" 2>&1 &
		waiter=$!
		register_helper "$waiter"
		sleep 0.5
		kill -KILL "$waiter"
		for ((i = 0; i < 50; i++)); do _t_alive "$waiter" || break; sleep 0.1; done
		_t_alive "$waiter" && problem "$label: a process blocked in F_SETLKW survived SIGKILL for 5 s"
		release_lock
		wait "$waiter" 2>/dev/null
		try_lock "$label: F_SETLK after the release (interrupted waiter)" OK "$b" posix ex 0 0
		note "$label: F_SETLKW interrupted by a signal: EINTR"
	fi

	# ---- flock
	hold_lock "$a" flock ex 0 0
	try_lock "$label: flock LOCK_EX|LOCK_NB while another holds LOCK_EX" "$BUSY" "$b" flock ex 0 0
	try_lock "$label: flock LOCK_SH|LOCK_NB while another holds LOCK_EX" "$BUSY" "$b" flock sh 0 0
	python3 "$T_ROOT/locker.py" wait "$b" flock ex 0 0 30 >"$w" 2>&1 &
	waiter=$!
	register_helper "$waiter"
	sleep 1
	_t_alive "$waiter" || { show_file "$w"; fail "$label: blocking flock did not block"; }
	release_lock
	for ((i = 0; i < 150; i++)); do _t_alive "$waiter" || break; sleep 0.1; done
	_t_alive "$waiter" && fail "$label: blocking flock still blocked 15 s after the release"
	wait "$waiter"
	got=$(cat "$w")
	case $got in
	"OK "*) ;;
	*) show_file "$w"; fail "$label: blocking flock after the release: $got" ;;
	esac
	hold_lock "$a" flock sh 0 0
	try_lock "$label: flock LOCK_SH next to LOCK_SH" OK "$b" flock sh 0 0
	try_lock "$label: flock LOCK_EX over LOCK_SH" "$BUSY" "$b" flock ex 0 0
	release_lock
	note "$label: flock ok"

	# ---- a holder killed with SIGKILL: its locks go when its file is closed
	hold_lock "$a" posix ex 0 0
	kill -KILL "$HOLDER"
	wait "$HOLDER" 2>/dev/null
	for ((i = 0; i < 50; i++)); do
		[ "$(python3 "$T_ROOT/locker.py" try "$b" posix ex 0 0)" = OK ] && break
		sleep 0.1
	done
	((i < 50)) || fail "$label: the lock of a killed process was still held 5 s later"
	hold_lock "$a" flock ex 0 0
	kill -KILL "$HOLDER"
	wait "$HOLDER" 2>/dev/null
	for ((i = 0; i < 50; i++)); do
		[ "$(python3 "$T_ROOT/locker.py" try "$b" flock ex 0 0)" = OK ] && break
		sleep 0.1
	done
	((i < 50)) || fail "$label: the flock of a killed process was still held 5 s later"
	note "$label: locks of a killed holder released"
}

head -c 4096 /dev/urandom >"$S/lock.dat"
for variant in unix nounix; do
	opts=
	[ "$variant" = nounix ] && opts=nounix
	ma=$(new_mountpoint "$variant-a")
	mb=$(new_mountpoint "$variant-b")
	mount_rw "$ma" "$opts"
	mount_rw "$mb" "$opts"
	lock_suite "$variant, one mount" "$ma" "$ma"
	lock_suite "$variant, two mounts" "$ma" "$mb"
	# the data is untouched by all that locking
	check_backing lock.dat "$ma"
	smbfuse_umount "$mb"
	smbfuse_umount "$ma"
done
problems_check
exit 0
