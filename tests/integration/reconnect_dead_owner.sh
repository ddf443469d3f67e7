#!/usr/bin/env bash
# reconnect_dead_owner.sh - a lock whose owner dies while the server is away
# is not taken again when the mount reconnects.  The unlock libfuse sends
# for the dying process cannot reach the server (nor has it to: the server
# let the handle's locks go with the connection), so only the handle's
# table changes; it used to fail and leave the range in the table, and the
# re-lock after the reconnect took it again for nobody, until the last
# descriptor of the open file closed.
#   Process P on mount A takes an fcntl lock and forks a child that keeps
#   the descriptor (and so the handle) open.  The whole server is stopped;
#   P is killed; the server comes back and A reconnects: mount B gets the
#   lock.
if [ -z "${BASH_VERSION:-}" ]; then exec bash "$0" "$@"; fi
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source-path=SCRIPTDIR source=reconnect_lib.sh
. "$(dirname "$0")/reconnect_lib.sh"
require_prereqs

smb_start
S=$SHARE_DIR
mntA=$(new_mountpoint A)
rc_mount "$mntA" hard
mntB=$(new_mountpoint B)
rc_mount "$mntB"
: >"$S/lockfile"

cat >"$T_ROOT/owner.py" <<'PY'
import fcntl, os, sys, time
path, ctl = sys.argv[1:3]
fd = os.open(path, os.O_RDWR)
fcntl.lockf(fd, fcntl.LOCK_EX | fcntl.LOCK_NB, 0, 0)
if os.fork() == 0:
    # The child keeps the descriptor open, owning no lock.
    for _ in range(1200):
        if os.path.exists(ctl + "/release"):
            break
        time.sleep(0.05)
    os._exit(0)
open(ctl + "/held", "w").close()
time.sleep(600)
PY
python3 "$T_ROOT/owner.py" "$mntA/lockfile" "$T_ROOT" >"$T_ROOT/owner.out" 2>&1 &
owner=$!
register_helper "$owner"
wait_file "$T_ROOT/held" 20 "$owner" || fail "P could not lock: $(cat "$T_ROOT/owner.out")"
check_eq "B's attempt while P holds the lock" refused "$(rc_try_lock "$mntB/lockfile")"

before=$(rc_stat_value "$mntA" reconnects)
rc_smb_kill_now
kill -KILL "$owner"
for _ in $(seq 100); do _t_alive "$owner" || break; sleep 0.1; done
_t_alive "$owner" && fail "P did not die within 10 s of SIGKILL"
rc_smb_restart
rc_wait_stat "A reconnected" "$mntA" reconnects $((${before:-0} + 1)) 60
sleep 2
check_eq "B's attempt after P died and A reconnected" got "$(rc_try_lock "$mntB/lockfile")"
touch "$T_ROOT/release"
note "a lock of a process killed during an outage was not taken again"

smbfuse_umount "$mntB"
sleep 0.5 # the child sees the release file (it looks every 50 ms) and exits
smbfuse_umount "$mntA"
note "PASS"
