#!/usr/bin/env bash
# reconnect_idle_lock.sh - a lock whose holder sleeps is taken again as soon
# as the mount has reconnected, not when the holder next uses its
# descriptor: the server let it go with the dead connection, and would give
# it to another client meanwhile (a single-instance lock file would let two
# daemons run).  It used to stay lost until the holder's next call.
#   For an fcntl lock and for a flock: process P on mount A locks a file
#   and sleeps; mount B's attempt is refused.  Every smbd process serving A
#   is killed; once A has reconnected (its counter says so) and a moment
#   more, B's attempt is still refused.  P then writes, fsyncs and closes
#   without an error.
if [ -z "${BASH_VERSION:-}" ]; then exec bash "$0" "$@"; fi
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source-path=SCRIPTDIR source=reconnect_lib.sh
. "$(dirname "$0")/reconnect_lib.sh"
require_prereqs

smb_start
S=$SHARE_DIR
mntA=$(new_mountpoint A)
rc_mount "$mntA"
pidA=$SMBFUSE_PID
mntB=$(new_mountpoint B)
rc_mount "$mntB"

cat >"$T_ROOT/hold.py" <<'PY'
import fcntl, os, sys, time
path, kind, ctl = sys.argv[1:4]
fd = os.open(path, os.O_RDWR)
if kind == "flock":
    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
else:
    fcntl.lockf(fd, fcntl.LOCK_EX | fcntl.LOCK_NB, 0, 0)
open(ctl + "/held", "w").close()
for _ in range(1200):
    if os.path.exists(ctl + "/release"):
        break
    time.sleep(0.05)
os.write(fd, b"P was here\n")
os.fsync(fd)
os.close(fd)
print("P: write, fsync and close ok")
PY

for kind in fcntl flock; do
	ctl=$T_ROOT/$kind
	mkdir "$ctl"
	: >"$S/lock.$kind"
	python3 "$T_ROOT/hold.py" "$mntA/lock.$kind" "$kind" "$ctl" >"$ctl/p.out" 2>&1 &
	holder=$!
	register_helper "$holder"
	wait_file "$ctl/held" 20 "$holder" || fail "$kind: P could not lock: $(cat "$ctl/p.out")"
	check_eq "$kind: B's attempt before the drop" refused "$(rc_try_lock "$mntB/lock.$kind" "$kind")"
	before=$(rc_stat_value "$mntA" reconnects)
	rc_kill_serving "$pidA"
	rc_wait_stat "$kind: A reconnected" "$mntA" reconnects $((${before:-0} + 1)) 30
	sleep 1
	check_eq "$kind: B's attempt after A reconnected, P asleep" refused \
		"$(rc_try_lock "$mntB/lock.$kind" "$kind")"
	touch "$ctl/release"
	rc_wait_pid "$kind: P" "$holder" 30
	[ "$RC_RC" = 0 ] || fail "$kind: P failed after the drop: $(cat "$ctl/p.out")"
	note "$kind: the lock was taken again at the reconnect; P's descriptor works"
done

smbfuse_umount "$mntB"
smbfuse_umount "$mntA"
note "PASS"
