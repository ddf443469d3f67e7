#!/usr/bin/env bash
# lifecycle_credit.sh - issue 10, case 4: a request waiting for a MaxMpxCount
# credit waits a bounded time.  Samba 'max mux = 4'; mounts
# rsize=16384,timeout=3,reconnect_timeout=5,conns=1; a 4 MiB file (256 reads
# of 16 KiB, far more than 4 credits, so readers queue for credits).
# A process opens the file, then the server side stops, then it reads the
# whole file in 1 MiB read() calls (each FUSE read of 128 KiB is 8 SMB reads
# submitted before any is waited for).
#   child:    only the smbd child serving mount A is SIGSTOPped; the read
#             must end within 40 s: the right sha256 (through a reconnect to
#             a fresh child) or an error.
#   instance: the whole smbd instance is SIGSTOPped; the read on mount B must
#             end with an error within 40 s (not hang), then
#             `fusermount3 -u` of B must succeed within 20 s (while the server
#             is still stopped; SIGCONT after that).
# Today both parts fail: every request holding one of the 4 credits belongs
# to a reader that is itself blocked submitting its 5th chunk, so nobody
# waits for a reply, no timeout fires, the credit wait never ends (and a
# busy connection sends no keepalive): the read is still running after
# 40 s and the unmount fails with EBUSY.
if [ -z "${BASH_VERSION:-}" ]; then exec bash "$0" "$@"; fi
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source-path=SCRIPTDIR source=reconnect_lib.sh
. "$(dirname "$0")/reconnect_lib.sh"
# shellcheck source-path=SCRIPTDIR source=lifecycle_lib.sh
. "$(dirname "$0")/lifecycle_lib.sh"

require_prereqs
smb_start 'max mux = 4'
S=$SHARE_DIR
rc_big_file "$S/a.bin" 4
rc_big_file "$S/b.bin" 4
echo hello >"$S/small.txt"
want_a=$(sha256_of "$S/a.bin")
opts=rsize=16384,timeout=3,reconnect_timeout=5,conns=1
bad=()

# ---- child: only the serving child stops
mntA=$(new_mountpoint child)
rc_mount "$mntA" "$opts"
logA=$SMBFUSE_LOG
check_eq "small.txt through A" hello "$(cat "$mntA/small.txt")"
lc_op_start child --pre readsha "$mntA/a.bin"
lc_stop_child
lc_op_go
lc_op_wait "child stopped: read of a.bin" 40
got=$(sed -n 's/^sha256 //p' "$LC_OP_OUT")
case $LC_OP_RES in
HUNG | KILLED) bad+=("child stopped: the read of a 4 MiB file (max mux 4, rsize 16384; fd opened before the stop) still running after 40 s: a wait for a credit is not bounded") ;;
OK) [ "$got" = "$want_a" ] && note "child stopped: read the right data (through a reconnect)" ||
	bad+=("child stopped: the read reported OK but returned WRONG DATA (sha256 $got)") ;;
*) note "child stopped: the read failed with $LC_OP_RES (accepted: bounded)" ;;
esac
lc_cont_child
[ "$LC_OP_RES" = HUNG ] && lc_op_wait "child: after SIGCONT" 30
rc_retry "A usable after SIGCONT" 30 cat "$mntA/small.txt"

# ---- instance: the whole smbd instance stops
mntB=$(new_mountpoint instance)
rc_mount "$mntB" "$opts"
pidB=$SMBFUSE_PID
check_eq "small.txt through B" hello "$(cat "$mntB/small.txt")"
lc_op_start instance --pre readsha "$mntB/b.bin"
rc_smb_sigstop
note "smbd instance (process group $SMB_PID) stopped"
lc_op_go
lc_op_wait "instance stopped: read of b.bin" 40
case $LC_OP_RES in
HUNG | KILLED) bad+=("instance stopped: the read still running after 40 s (timeout=3, reconnect_timeout=5): a wait for a credit is not bounded") ;;
OK) bad+=("instance stopped: the read reported OK with the server stopped") ;;
*) note "instance stopped: the read failed with $LC_OP_RES (bounded)" ;;
esac
t0=$SECONDS
ok=0
while [ $((SECONDS - t0)) -lt 20 ]; do
	if timeout 10 fusermount3 -u -- "$mntB" >"$T_ROOT/fusermount.out" 2>&1; then
		ok=1
		break
	fi
	sleep 1
done
if [ "$ok" = 1 ]; then
	note "instance stopped: fusermount3 -u succeeded after $((SECONDS - t0)) s"
else
	bad+=("instance stopped: fusermount3 -u still failing after 20 s ($(tr '\n' ' ' <"$T_ROOT/fusermount.out"))")
fi
rc_smb_sigcont
[ "$LC_OP_RES" = HUNG ] && lc_op_wait "instance: after SIGCONT" 30
for ((i = 0; i < 150; i++)); do _t_alive "$pidB" || break; sleep 0.1; done
_t_alive "$pidB" && bad+=("instance: smbfuse (pid $pidB) still running 15 s after SIGCONT although B was unmounted")
lc_bad_check "a wait for a credit is not bounded"
smbfuse_umount "$mntA"
_t_check_stderr "$logA"
exit 0
