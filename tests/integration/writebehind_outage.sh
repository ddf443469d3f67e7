#!/usr/bin/env bash
# writebehind_outage.sh - a write made while the server is away is not
# queued behind the writer's back: the batch oplock that allowed
# write-behind died with its connection, so the write waits for the server
# like any other and, once the mount knows the server is unreachable (past
# reconnect_timeout), fails at once with ETIMEDOUT.  It used to be queued,
# answered with success, then lost, and every later write, fsync and close
# of the descriptor failed even after the server was back.
#   A process holds a file open for writing and writes "before" (queued
#   under the oplock, sent); smbd is killed; an ls fails after
#   reconnect_timeout=5; the process writes "during": ETIMEDOUT.  smbd is
#   started again; the process writes "after1" and "after2", fsyncs and
#   closes: all succeed, and the server's file is before, after1, after2.
if [ -z "${BASH_VERSION:-}" ]; then exec bash "$0" "$@"; fi
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source-path=SCRIPTDIR source=reconnect_lib.sh
. "$(dirname "$0")/reconnect_lib.sh"
require_prereqs

smb_start
S=$SHARE_DIR
mnt=$(new_mountpoint A)
rc_mount "$mnt" reconnect_timeout=5

# The writer does one step per control file CTL/NAME, and says how it went
# in CTL/NAME.done.
cat >"$T_ROOT/writer.py" <<'PY'
import os, sys, time
mnt, ctl = sys.argv[1:3]
fd = os.open(mnt + "/kept", os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
os.write(fd, b"before\n")
os.fsync(fd)
open(ctl + "/opened", "w").close()
def step(name, f):
    for _ in range(1800):
        if os.path.exists(ctl + "/" + name):
            break
        time.sleep(0.05)
    else:
        sys.exit("no go for " + name)
    try:
        f()
        res = "ok"
    except OSError as e:
        res = "error %d" % e.errno
    with open(ctl + "/" + name + ".done", "w") as out:
        out.write(res)
step("during", lambda: os.write(fd, b"during\n"))
step("after1", lambda: os.write(fd, b"after1\n"))
step("after2", lambda: os.write(fd, b"after2\n"))
step("fsync", lambda: os.fsync(fd))
step("close", lambda: os.close(fd))
PY
python3 "$T_ROOT/writer.py" "$mnt" "$T_ROOT" >"$T_ROOT/writer.out" 2>&1 &
writer=$!
register_helper "$writer"
wait_file "$T_ROOT/opened" 20 "$writer" || fail "the writer could not start: $(cat "$T_ROOT/writer.out")"

# step NAME: let the writer do NAME; prints how it went.
step() {
	touch "$T_ROOT/$1"
	wait_file "$T_ROOT/$1.done" 90 "$writer" || fail "$1: the writer did not answer: $(cat "$T_ROOT/writer.out")"
	cat "$T_ROOT/$1.done"
}

rc_smb_kill_now
if ls "$mnt" >/dev/null 2>"$T_ROOT/ls.err"; then fail "ls worked with the server gone"; fi
note "ls with the server gone: $(cat "$T_ROOT/ls.err")"
got=$(step during)
check_eq "a write while the server is known unreachable" "error $(python3 -c 'import errno; print(errno.ETIMEDOUT)')" "$got"

rc_smb_restart
back=0
for _ in $(seq 30); do
	if ls "$mnt" >/dev/null 2>&1; then back=1; break; fi
	sleep 1
done
[ "$back" = 1 ] || fail "the mount did not come back within 30 s of the server"
for s in after1 after2 fsync close; do
	check_eq "$s once the server is back" ok "$(step "$s")"
done
rc_wait_pid "the writer" "$writer" 30
check_eq "the server's file" "$(printf 'before\nafter1\nafter2')" "$(cat "$S/kept")"
note "a write during the outage failed at once; the descriptor worked again after it"

smbfuse_umount "$mnt"
note "PASS"
