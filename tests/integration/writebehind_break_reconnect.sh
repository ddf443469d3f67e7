#!/usr/bin/env bash
# writebehind_break_reconnect.sh - an oplock break that arrives while
# writes are queued, and the connection dropping while the break handler
# waits for them (wb_drain in fs_server_event, on the connection's event
# thread).  The queue's worker re-opens the handle (fs_handle_bind -> reopen,
# under h->lock) and lets go of the old session, the last reference: its
# conn_unref waits for the old connection's event thread
# (g_thread_pool_free(..., TRUE)), which gives up waiting once the connection
# is dead and then takes h->lock, held by that worker: neither moves again,
# the queue never drains, and every operation that calls wb_drain_all hangs.
# smbfuse -> dropproxy -> delayproxy (100 ms) -> smbd.
if [ -z "${BASH_VERSION:-}" ]; then exec bash "$0" "$@"; fi
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source-path=SCRIPTDIR source=reconnect_lib.sh
. "$(dirname "$0")/reconnect_lib.sh"

require_prereqs
smb_start
rc_delay_start "$SMB_PORT" 100
rc_proxy_start "$DELAY_PORT"
mnt=$(new_mountpoint wbh)
SMB_UNC=//127.0.0.1:$PROXY_PORT/share rc_mount "$mnt"
C=$T_ROOT/ctl
mkdir -p "$C"

cat >"$T_ROOT/holder.py" <<'PY'
import os, sys, time, re, signal, subprocess
path, mnt, ctl, proxy, smbfuse = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), sys.argv[5]
def breaks():
    out = subprocess.run([smbfuse, "--stats", mnt], capture_output=True, check=True).stdout
    return int(re.search(rb"^oplock_breaks: (\d+)", out, re.M).group(1))
base = breaks()
fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
n = 0
while n < 400:
    os.write(fd, b"x" * (1 << 20))
    n += 1
    if n == 8:
        open(os.path.join(ctl, "streaming"), "w").close()
    if breaks() != base:
        os.kill(proxy, signal.SIGUSR1)   # drop the connection mid-drain
        open(os.path.join(ctl, "dropped"), "w").close()
        break
t0 = time.time()
os.close(fd)                              # flush: waits for the queue
print("close returned after %.1f s" % (time.time() - t0))
PY

python3 "$T_ROOT/holder.py" "$mnt/f.bin" "$mnt" "$C" "$PROXY_PID" "$SMBFUSE" >"$T_ROOT/holder.out" 2>&1 &
holder=$!
register_helper "$holder"
wait_file "$C/streaming" 60 "$holder" || { show_file "$T_ROOT/holder.out"; fail "holder did not start"; }
smb_client //127.0.0.1/share -U "$SMB_USER%$SMB_PASS" -c "get f.bin $T_ROOT/got" >"$T_ROOT/get.out" 2>&1 &
register_helper $!
wait_file "$C/dropped" 30 || fail "holder never saw the oplock break"
for _ in $(seq 600); do _t_alive "$holder" || break; sleep 0.1; done
if _t_alive "$holder"; then
	timeout 5 stat "$mnt/f.bin" >/dev/null 2>&1 && st=answered || st="hung too"
	note "after 60 s: close(2) has not returned; stat of the file $st"
	for t in /proc/"$SMBFUSE_PID"/task/*; do
		printf '%s %s\n' "$(cat "$t/comm")" "$(head -c 300 "$t/stack" 2>/dev/null | head -2 | tr '\n' ' ')"
	done >"$T_ROOT/threads" 2>/dev/null
	command -v gdb >/dev/null && timeout 60 gdb -p "$SMBFUSE_PID" -batch -ex "thread apply all bt 8" >"$T_ROOT/gdb.out" 2>&1 &&
		grep -E "^#[0-9].* in (wb_drain|drain_locked|fs_server_event|conn_unref|g_thread_pool_free|reopen|fs_handle_bind|worker|wb_send|g_mutex_lock)" "$T_ROOT/gdb.out" | head -30
	fail "deadlock: close(2) after an oplock break raced by a reconnect never returns"
fi
show_file "$T_ROOT/holder.out"
smbfuse_umount "$mnt"
exit 0
