#!/usr/bin/env bash
# mount_port_fallback.sh - the port, as mount.cifs and the kernel client
# choose it: port 139 means the NetBIOS session service (a session request
# first, with or without -o netbios); no port means 445, then 139 with
# NetBIOS when 445 refuses; a host that does not answer on 445 is not waited
# for a second time on 139; an explicit port=445 does not fall back.
#
# Real ports on other loopback addresses: portfake.py forwards
# 127.0.0.2:139 (nothing on 127.0.0.2:445) to a private smbd, and
# 127.0.0.3:445 is a listener with a full backlog (connects time out).
# smbd, at 'log level = 2' with 'disable netbios = no', logs each session
# request as "netbios connect:"; the forwarder logs the first byte of each
# connection (0x81: session request).
if [ -z "${BASH_VERSION:-}" ]; then exec bash "$0" "$@"; fi
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"

require_prereqs
command -v python3 >/dev/null 2>&1 || skip "python3 not installed"

# addr_port_open ADDR PORT: something accepts connections there.
addr_port_open() {
	# shellcheck disable=SC2016 # expanded by the inner bash
	timeout 5 bash -c 'exec 3<>"/dev/tcp/$1/$2"' _ "$1" "$2" 2>/dev/null
}
for ap in 127.0.0.2:139 127.0.0.2:445 127.0.0.3:139 127.0.0.3:445; do
	addr_port_open "${ap%:*}" "${ap#*:}" && skip "$ap is in use on this machine"
done

smb_start 'disable netbios = no' 'log level = 2'
S=$SHARE_DIR
printf 'over port 139\n' >"$S/p.txt"
auth="username=$SMB_USER,password=$SMB_PASS"

# start_fake NAME MODE ADDR PORT [TARGET]: portfake.py in the background,
# its log in $T_ROOT/NAME.log; waits until it listens.
start_fake() {
	local name=$1
	shift
	python3 "$(dirname "$0")/portfake.py" "$@" 600 >"$T_ROOT/$name.log" 2>&1 &
	register_helper $!
	for _ in $(seq 50); do
		grep -q ready "$T_ROOT/$name.log" && return 0
		sleep 0.1
	done
	show_file "$T_ROOT/$name.log"
	fail "portfake $* did not start"
}
start_fake fwd2 forward 127.0.0.2 139 "$SMB_PORT"

# expect_nb WHAT BEFORE_SMBD BEFORE_FWD: one more session request at smbd,
# and the forwarder's last connection started with one (0x81).
expect_nb() {
	local now
	now=$(smb_log_count 'netbios connect:')
	((now > $2)) || fail "$1: smbd logged no NetBIOS session request (before $2, now $now)"
	now=$(grep -c '^accept' "$T_ROOT/fwd2.log")
	((now > $3)) || fail "$1: nothing connected to 127.0.0.2:139"
	grep '^accept' "$T_ROOT/fwd2.log" | tail -n 1 | grep -q 'first=0x81' ||
		{ show_file "$T_ROOT/fwd2.log"; fail "$1: the connection to port 139 began without a session request"; }
}
counts() { echo "$(smb_log_count 'netbios connect:') $(grep -c '^accept' "$T_ROOT/fwd2.log")"; }

# nb_mount NAME UNC OPTS: mounts UNC (port 139 one way or another), expects
# a session request, reads a file, unmounts.
nb_mount() {
	local b_smbd b_fwd mnt
	read -r b_smbd b_fwd < <(counts)
	mnt=$(new_mountpoint "$1")
	SMB_UNC=$2 smbfuse_mount "$mnt" -o "$3"
	expect_nb "$2 -o ${3%%,*}" "$b_smbd" "$b_fwd"
	check_file_eq "p.txt over $2 -o ${3%%,*}" "$S/p.txt" <(cat "$mnt/p.txt")
	smbfuse_umount "$mnt"
	note "$2 -o ${3%%,*}: a session request came first"
}
# 1. -o port=139 without -o netbios; 2. port 139 in the UNC
nb_mount port139 //127.0.0.2/share "port=139,$auth"
nb_mount unc139 //127.0.0.2:139/share "$auth"

# 3. no port: 445 refuses, 139 with NetBIOS answers, at once
read -r b_smbd b_fwd < <(counts)
mnt=$(new_mountpoint noport)
start=$(date +%s%N)
SMB_UNC=//127.0.0.2/share smbfuse_mount "$mnt" -o "$auth"
took=$((($(date +%s%N) - start) / 1000000))
expect_nb "no port (445 refused)" "$b_smbd" "$b_fwd"
((took < 5000)) || fail "no port: the fall back from a refused 445 took $took ms"
check_file_eq "p.txt after the fall back to 139" "$S/p.txt" <(cat "$mnt/p.txt")
stats=$("$SMBFUSE" --stats "$mnt") || fail "smbfuse --stats"
grep -q '^server: 127\.0\.0\.2 port 139$' <<<"$stats" ||
	fail "stats do not say port 139: $(grep '^server:' <<<"$stats")"
smbfuse_umount "$mnt"
note "no port: 445 refused, mounted over 139 with NetBIOS (${took} ms)"

# 4. explicit port=445: no fall back
read -r b_smbd b_fwd < <(counts)
mnt=$(new_mountpoint port445)
SMB_UNC=//127.0.0.2/share smbfuse_try "$T_ROOT/p445.out" "$mnt" -o "port=445,$auth"
[ "$TRY_RC" = 32 ] || { show_file "$T_ROOT/p445.out"; fail "port=445 refused: exit $TRY_RC, want 32"; }
grep -qi 'refused' "$T_ROOT/p445.out" || { show_file "$T_ROOT/p445.out"; fail "port=445: no 'refused' in the message"; }
check_eq "connections to 139 with an explicit port=445" "$b_fwd" "$(grep -c '^accept' "$T_ROOT/fwd2.log")"
is_mounted "$mnt" && fail "port=445 refused, yet mounted"
note "port=445: $(head -n1 "$T_ROOT/p445.out")"

# 5. a host that does not answer on 445: one timeout, not two; 139 untried
start_fake hole3 blackhole 127.0.0.3 445
start_fake fwd3 forward 127.0.0.3 139 "$SMB_PORT"
mnt=$(new_mountpoint dead)
start=$(date +%s%N)
SMB_UNC=//127.0.0.3/share smbfuse_try "$T_ROOT/dead.out" "$mnt" -o "$auth,conn_timeout=3"
took=$((($(date +%s%N) - start) / 1000000))
[ "$TRY_RC" = 32 ] || { show_file "$T_ROOT/dead.out"; fail "dead 445: exit $TRY_RC, want 32"; }
grep -qi 'timed out' "$T_ROOT/dead.out" || { show_file "$T_ROOT/dead.out"; fail "dead 445: no 'timed out' in the message"; }
((took >= 2500 && took < 5500)) || fail "dead 445 with conn_timeout=3: failed after $took ms (want one timeout, about 3000)"
check_eq "connections to 127.0.0.3:139 after 445 timed out" 0 "$(grep -c '^accept' "$T_ROOT/fwd3.log")"
is_mounted "$mnt" && fail "dead 445: mounted"
note "dead 445: $(head -n1 "$T_ROOT/dead.out") after $took ms; 139 not tried"
exit 0
