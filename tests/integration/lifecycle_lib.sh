# shellcheck shell=bash disable=SC2034 # (variables set here are read by the tests)
# tests/integration/lifecycle_lib.sh - helpers shared by the request
# lifecycle tests (lifecycle_*.sh, issue 10).  Sourced after lib.sh and
# reconnect_lib.sh.
#
#   lc_stop_child [PID]       SIGSTOP the smbd child(ren) serving PID's
#                             (default $SMBFUSE_PID) connection(s); the rest
#                             of the instance keeps serving, so a reconnect
#                             reaches a fresh child.  LC_STOPPED = their PIDs.
#                             The cleanup SIGCONTs the instance's whole group.
#   lc_cont_child             SIGCONT the LC_STOPPED children
#   lc_wait_gone WHAT SECONDS wait for every LC_STOPPED child to exit (it
#                             sees its connection closed once it runs);
#                             warns (does not fail) if one is still there
#   lc_op_start NAME [--pre] OP ARGS...   lcop.py OP ARGS... in the
#                             background (timeout 60); output in
#                             $T_ROOT/op.NAME.out; LC_OP_PID.  --pre: the op
#                             does its preparation (pwrite: the open), then
#                             waits for lc_op_go (lc_op_start returns once
#                             it is ready)
#   lc_op_go                  let the prepared op run; LC_OP_T0 = now
#   lc_op_wait WHAT SECONDS   wait for it (bounded); LC_OP_RES = OK, an
#                             errno name, KILLED (timeout 60 hit) or HUNG
#                             (still running after SECONDS; not reaped);
#                             LC_OP_MS = how long the op itself took
#   lc_resume WHAT            the op runs with the child stopped: CONT it
#                             after 3 s, wait for the op (lc_op_wait, 60 s),
#                             then 1 s more (the CONTed child has run what
#                             it had queued)
#   lc_bad_check MSG          print every problem in the array bad, then
#                             fail with MSG (nothing when it is empty)
#   lc_ready LABEL PATH       the mount answers a stat of PATH (within 20 s)
#   lc_proxy_start TARGET_PORT   smbproxy.py (an SMB-aware proxy that can
#                             tamper with one reply); sets PROXY_PORT,
#                             PROXY_PID, PROXY_LOG
#   lc_proxy_arm 'ACTION CMD [N [SECONDS]]'...  arm it (see smbproxy.py),
#                             one argument per action: e.g. 'flip 2e'
#   lc_proxy_hits             how many replies it has tampered with
#   lc_backing_write PATH DATA   another client: write DATA at offset 0 of
#                             the backing file PATH in place (same inode,
#                             no truncation), fsync

LC_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
LC_OP=$LC_DIR/lcop.py
LC_SMBPROXY=$LC_DIR/smbproxy.py
LC_STOPPED=()
_LC_SEQ=0

lc_stop_child() {
	mapfile -t LC_STOPPED < <(rc_smbd_serving "$@")
	[ "${#LC_STOPPED[@]}" -gt 0 ] || fail "no smbd child found serving smbfuse (pid ${1:-$SMBFUSE_PID})"
	# the cleanup CONTs the whole process group: stopped children included
	_RC_STOPPED+=("$SMB_PID")
	kill -STOP "${LC_STOPPED[@]}" || fail "kill -STOP ${LC_STOPPED[*]}"
	note "stopped smbd child(ren) ${LC_STOPPED[*]} serving smbfuse pid ${1:-$SMBFUSE_PID}"
}

lc_cont_child() {
	[ "${#LC_STOPPED[@]}" -gt 0 ] || return 0
	kill -CONT "${LC_STOPPED[@]}" 2>/dev/null
	note "SIGCONT to smbd child(ren) ${LC_STOPPED[*]}"
}

lc_wait_gone() {
	local what=$1 s=$2 i p left
	for ((i = 0; i < s * 10; i++)); do
		left=0
		for p in "${LC_STOPPED[@]}"; do _t_alive "$p" && left=1; done
		[ "$left" = 0 ] && return 0
		sleep 0.1
	done
	warn "$what: smbd child(ren) ${LC_STOPPED[*]} still running $s s after SIGCONT"
}

lc_op_start() {
	local name=$1 pre=0
	shift
	[ "$1" = --pre ] && { pre=1; shift; }
	_LC_SEQ=$((_LC_SEQ + 1))
	LC_OP_OUT=$T_ROOT/op.$name.out
	LC_OP_CTL=$T_ROOT/op.$_LC_SEQ
	rm -f "$LC_OP_CTL".ready "$LC_OP_CTL".go
	if [ "$pre" = 1 ]; then
		timeout -k 5 60 python3 "$LC_OP" --ready "$LC_OP_CTL.ready" --go "$LC_OP_CTL.go" "$@" >"$LC_OP_OUT" 2>&1 &
		LC_OP_PID=$!
		register_helper "$LC_OP_PID"
		wait_file "$LC_OP_CTL.ready" 30 "$LC_OP_PID" && return 0
		show_file "$LC_OP_OUT"
		fail "$name: lcop.py $* did not get ready (30 s, or it exited)"
	fi
	LC_OP_T0=$(date +%s%N)
	timeout -k 5 60 python3 "$LC_OP" "$@" >"$LC_OP_OUT" 2>&1 &
	LC_OP_PID=$!
	register_helper "$LC_OP_PID"
}

lc_op_go() {
	LC_OP_T0=$(date +%s%N)
	: >"$LC_OP_CTL.go"
}

lc_op_wait() {
	local what=$1 s=$2 i rc
	for ((i = 0; i < s * 10; i++)); do
		_t_alive "$LC_OP_PID" || break
		sleep 0.1
	done
	LC_OP_MS=$((($(date +%s%N) - LC_OP_T0) / 1000000))
	if _t_alive "$LC_OP_PID"; then
		LC_OP_RES=HUNG
	else
		wait "$LC_OP_PID"
		rc=$?
		LC_OP_RES=$(tail -n 1 "$LC_OP_OUT")
		case $rc in 124 | 137) LC_OP_RES=KILLED ;; esac
		[ -n "$LC_OP_RES" ] || LC_OP_RES="EXIT-$rc"
		i=$(sed -n 's/^ms //p' "$LC_OP_OUT")
		[ -n "$i" ] && LC_OP_MS=$i
	fi
	note "$what: $LC_OP_RES after $LC_OP_MS ms"
}

lc_resume() {
	sleep 3
	lc_cont_child
	lc_op_wait "$1" 60
	sleep 1
}

lc_proxy_start() {
	_LC_PROXY_PF=$T_ROOT/smbproxy.port
	rc_proxy_run "$LC_SMBPROXY" "$_LC_PROXY_PF" "$1"
}

lc_proxy_arm() {
	local before i
	before=$(rc_log_count "$PROXY_LOG" '^smbproxy: armed ')
	printf '%s\n' "$@" >"$_LC_PROXY_PF.arm"
	kill -USR2 "$PROXY_PID" || fail "kill -USR2 smbproxy"
	for i in $(seq 50); do
		[ "$(rc_log_count "$PROXY_LOG" '^smbproxy: armed ')" -gt "$before" ] && return 0
		sleep 0.1
	done
	show_file "$PROXY_LOG" 20
	fail "smbproxy did not arm '$*' within 5 s"
}

lc_proxy_hits() {
	rc_log_count "$PROXY_LOG" '^smbproxy: (flip|flipsig|hold|drop|delay) reply'
}

lc_backing_write() {
	python3 - "$1" "$2" <<'PY' || fail "writing '$2' into $1 as another client"
import os, sys
fd = os.open(sys.argv[1], os.O_WRONLY)
os.pwrite(fd, sys.argv[2].encode(), 0)
os.fsync(fd)
os.close(fd)
PY
}

# lc_bad_check MSG: when the test collected problems in the array bad,
# prints each, then fails with MSG (all are shown, not only the first).
lc_bad_check() {
	local b
	[ "${#bad[@]}" -eq 0 ] && return 0
	for b in "${bad[@]}"; do echo "$TEST_NAME: FAIL: $b" >&2; done
	fail "$1"
}

# lc_ready LABEL PATH: the mount answers a stat of PATH again (within 20 s).
lc_ready() { rc_retry "$1: mount usable" 20 stat "$2"; }
