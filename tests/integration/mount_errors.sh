#!/usr/bin/env bash
# mount_errors.sh - failed mounts fail fast and say why: wrong password,
# missing share, closed port, a server without SMB1, a peer that hangs up,
# an unknown option.  In daemon mode (the usual way to mount) smbfuse must
# exit non-zero (32 for mount failures) with one line on stderr naming the
# cause, within 30 s, leaving no mount and no process behind.
if [ -z "${BASH_VERSION:-}" ]; then exec bash "$0" "$@"; fi
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"

require_prereqs
smb_start
printf 'x\n' >"$SHARE_DIR/x.txt"
GOOD=//127.0.0.1:$SMB_PORT/share
auth="username=$SMB_USER,password=$SMB_PASS"
n=0

# expect_failure WHAT WANT_RC REGEX UNC [ARGS...]: run smbfuse (daemon mode)
# on a fresh mountpoint; WANT_RC is an exact status or 'nonzero'; REGEX
# (case-insensitive) must match stderr, which must be exactly one line
# (stdout is empty); nothing stays mounted or running.
expect_failure() {
	local what=$1 want=$2 re=$3 unc=$4 mnt out rc t0 t1 lines i
	shift 4
	n=$((n + 1))
	mnt=$(new_mountpoint "err$n")
	out=$T_ROOT/err$n.out
	t0=$(date +%s)
	SMB_UNC=$unc smbfuse_try "$out" "$mnt" "$@"
	rc=$TRY_RC
	t1=$(date +%s)
	echo "+ smbfuse $unc $mnt $* -> exit $rc after $((t1 - t0)) s" >"$out.cmd"
	[ "$rc" != 124 ] || { cat "$out.cmd"; show_file "$out"; fail "$what: smbfuse did not finish within 30 s"; }
	[ "$rc" != 0 ] || { cat "$out.cmd"; fail "$what: smbfuse exited 0"; }
	((rc < 128)) || { cat "$out.cmd"; show_file "$out"; fail "$what: smbfuse died of signal $((rc - 128))"; }
	if [ "$want" != nonzero ] && [ "$rc" != "$want" ]; then
		cat "$out.cmd"
		show_file "$out"
		fail "$what: exit status $rc, expected $want"
	fi
	_t_check_stderr "$out"
	grep -Eqi -- "$re" "$out" || { cat "$out.cmd"; show_file "$out"; fail "$what: stderr does not match /$re/"; }
	lines=$(grep -c . "$out")
	[ "$lines" = 1 ] || { cat "$out.cmd"; show_file "$out"; fail "$what: expected one line on stderr, got $lines"; }
	is_mounted "$mnt" && fail "$what: $mnt is mounted after a failed mount"
	for i in $(seq 50); do
		[ -z "$(pids_for_mount "$mnt")" ] && break
		sleep 0.1
	done
	[ -z "$(pids_for_mount "$mnt")" ] || fail "$what: smbfuse process(es) left behind: $(pids_for_mount "$mnt")"
	note "$what: exit $rc in $((t1 - t0)) s: $(head -n 1 "$out")"
}

expect_failure "wrong password" 32 'authentication failed' "$GOOD" \
	-o "username=$SMB_USER,password=wrong-$SMB_PASS"
# The phrases are the ones the README documents: "share not found: \\H\S"
# and "connection refused by H port N".
# (An unknown user name is no failure here: 'map to guest = Bad User' makes
# it a guest logon.)
expect_failure "missing share" 32 'share not found: ' "//127.0.0.1:$SMB_PORT/missing" -o "$auth"
closed=$(_t_pick_port) || fail "no free port for the closed-port case"
expect_failure "closed port" 32 'connection refused by ' "//127.0.0.1:$closed/share" -o "$auth"
expect_failure "closed port (-o port=)" 32 'connection refused by ' "//127.0.0.1/share" -o "port=$closed" -o "$auth"
expect_failure "unknown option" nonzero 'unknown option' "$GOOD" -o "$auth,bogus=1"

# -f changes nothing about reporting a failure.
expect_failure "wrong password (-f)" nonzero 'authentication failed' "$GOOD" \
	-f -o "username=$SMB_USER,password=wrong"

# A server that negotiates SMB2 or later only (answers the SMB1 NEGOTIATE
# with dialect index 0xFFFF).
SMB_READY=port smb_start 'server min protocol = SMB2_02' 'server max protocol = SMB3'
expect_failure "SMB2-only server" 32 'does not speak SMB1' "//127.0.0.1:$SMB_PORT/share" -o "$auth"

# A peer that accepts and hangs up at once: any reason, but quickly.
if command -v python3 >/dev/null 2>&1; then
	hup=$(_t_pick_port) || fail "no free port for the hang-up case"
	timeout 60 python3 - "$hup" <<'PY' >"$T_ROOT/hangup.out" 2>&1 &
import socket, sys
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", int(sys.argv[1])))
s.listen(8)
print("listening", flush=True)
while True:
    c, _ = s.accept()
    c.close()
PY
	register_helper $!
	for i in $(seq 50); do port_open "$hup" && break; sleep 0.1; done
	expect_failure "peer hangs up" 32 '.' "//127.0.0.1:$hup/share" -o "$auth"
fi
exit 0
