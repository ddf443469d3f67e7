#!/usr/bin/env bash
# reconnect_sigstop.sh - a server that stops answering (the whole smbd
# instance SIGSTOPped: TCP still accepts, nothing replies).
#   mount A  conns=1,timeout=3,reconnect_timeout=5,actimeo=0
#     - the first operation fails with ETIMEDOUT after about timeout +
#       reconnect_timeout (bounded: 20 s), not hanging;
#     - the next operations fail with ETIMEDOUT at once (< 2 s);
#     - the stats xattr answers and shows the connection not up;
#     - after SIGCONT, operations succeed again within 15 s.
#   mount B  timeout=3,reconnect_timeout=5,actimeo=0 (default pool): the
#     first operation fails with ETIMEDOUT within 20 s too; then B is
#     unmounted while the server is still stopped.
#   mount C  default options, idle: unmounted while the server is stopped
#     (fusermount3 -u works, smbfuse exits within 15 s with status 0).
# The cleanup SIGCONTs the server whatever happens.
if [ -z "${BASH_VERSION:-}" ]; then exec bash "$0" "$@"; fi
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source-path=SCRIPTDIR source=reconnect_lib.sh
. "$(dirname "$0")/reconnect_lib.sh"

require_prereqs
smb_start
S=$SHARE_DIR

printf 'hello\n' >"$S/a.txt"
for i in 1 2 3 4 5 6; do echo "file $i" >"$S/f$i.txt"; done

cat >"$T_ROOT/op.py" <<'EOF'
# op.py stat|read PATH: prints OK or the errno name.
import errno, os, sys
try:
    if sys.argv[1] == "stat":
        os.stat(sys.argv[2])
    else:
        with open(sys.argv[2], "rb") as f:
            f.read()
    print("OK")
except OSError as e:
    print(errno.errorcode.get(e.errno, str(e.errno)))
EOF
# op WHAT OP PATH: RC_OUT = what op.py printed ('KILLED' if timeout 30 hit),
# RC_MS = how long it took.
op() {
	rc_timed "$T_ROOT/op.out" timeout 30 python3 "$T_ROOT/op.py" "$2" "$3"
	RC_OUT=$(tail -n 1 "$T_ROOT/op.out")
	[ "$RC_RC" = 124 ] && RC_OUT=KILLED
	note "$1: $RC_OUT after $RC_MS ms"
}

mntA=$(new_mountpoint A)
rc_mount "$mntA" conns=1,timeout=3,reconnect_timeout=5,actimeo=0
logA=$SMBFUSE_LOG
mntB=$(new_mountpoint B)
rc_mount "$mntB" timeout=3,reconnect_timeout=5,actimeo=0
mntC=$(new_mountpoint C)
rc_mount "$mntC"
for m in "$mntA" "$mntB" "$mntC"; do
	check_file_eq "a.txt through $(basename "$m") before the stop" "$S/a.txt" "$m/a.txt"
done

rc_smb_sigstop
note "smbd instance (process group $SMB_PID) stopped"

# ---- A: the first operation times out, bounded
op "A: stat of a name not looked up yet" stat "$mntA/f1.txt"
[ "$RC_OUT" = KILLED ] && fail "A: stat hung for 30 s with the server stopped (timeout=3,reconnect_timeout=5)"
check_eq "A: errno of the first operation with the server stopped" ETIMEDOUT "$RC_OUT"
[ "$RC_MS" -le 20000 ] || fail "A: the first operation took $RC_MS ms to fail (timeout=3 + reconnect_timeout=5: want <= 20 s)"
[ "$RC_MS" -ge 2500 ] || warn "A: the first operation failed after only $RC_MS ms (expected about 3 + 5 s)"
# ---- the next ones fail at once
op "A: read right after" read "$mntA/f2.txt"
check_eq "A: errno of the second operation" ETIMEDOUT "$RC_OUT"
[ "$RC_MS" -lt 2000 ] || fail "A: the second operation took $RC_MS ms to fail (want < 2 s: fail at once while reconnecting)"
op "A: stat right after" stat "$mntA/f3.txt"
check_eq "A: errno of the third operation" ETIMEDOUT "$RC_OUT"
[ "$RC_MS" -lt 2000 ] || fail "A: the third operation took $RC_MS ms to fail (want < 2 s)"
# ---- stats answer without the server, and say so
rc_timed "$T_ROOT/statsA" rc_stats "$mntA"
[ "$RC_RC" = 0 ] || { show_file "$T_ROOT/statsA"; fail "A: reading the stats xattr with the server stopped failed ($RC_RC)"; }
[ "$RC_MS" -lt 2000 ] || fail "A: the stats xattr took $RC_MS ms with the server stopped"
grep -Eq '^connection\.0\.state: ' "$T_ROOT/statsA" || { show_file "$T_ROOT/statsA"; fail "A: no connection.0.state line in the stats"; }
grep -Eq '^connection\.0\.state: up$' "$T_ROOT/statsA" && { show_file "$T_ROOT/statsA"; fail "A: stats say connection.0 is up while the server is stopped and requests time out"; }
check_contains "A: drop logged" "$logA" 'connection to .* lost'

# ---- B (a pool of 2): the first operation times out, bounded
op "B: stat of a name not looked up yet" stat "$mntB/f4.txt"
[ "$RC_OUT" = KILLED ] && fail "B: stat hung for 30 s with the server stopped (timeout=3,reconnect_timeout=5)"
check_eq "B: errno of the first operation with the server stopped" ETIMEDOUT "$RC_OUT"
[ "$RC_MS" -le 20000 ] || fail "B: the first operation took $RC_MS ms to fail (want <= 20 s)"

# ---- unmount while the server is stopped: B (after a timeout), C (idle)
# (smbfuse_umount fails the test if fusermount3 -u fails, needs a lazy
# unmount, or smbfuse does not exit with status 0 within 15 s)
t0=$(date +%s%N)
smbfuse_umount "$mntB"
note "B unmounted with the server stopped ($((($(date +%s%N) - t0) / 1000000)) ms)"
t0=$(date +%s%N)
smbfuse_umount "$mntC"
note "C (default options, idle) unmounted with the server stopped ($((($(date +%s%N) - t0) / 1000000)) ms)"

# ---- SIGCONT: A recovers
rc_smb_sigcont
t0=$SECONDS
rc_retry "A: stat after SIGCONT" 15 python3 -c 'import os, sys; os.stat(sys.argv[1])' "$mntA/f5.txt"
rc_retry "A: read after SIGCONT" 15 cat "$mntA/f6.txt"
note "A works again $((SECONDS - t0)) s after SIGCONT"
check_file_eq "A: a.txt after SIGCONT" "$S/a.txt" "$mntA/a.txt"
check_file_eq "A: f1.txt after SIGCONT" "$S/f1.txt" "$mntA/f1.txt"
echo written >"$mntA/new.txt" || fail "A: write after SIGCONT"
check_eq "A: backing new.txt" written "$(cat "$S/new.txt")"
rc_wait_log "A: reconnect logged" "$logA" 'reconnected' 1 15
grep -Eq '^connection\.0\.state: up$' <(rc_stats "$mntA") || fail "A: connection.0 not up again after recovery"

smbfuse_umount "$mntA"
_t_check_stderr "$logA"
exit 0
