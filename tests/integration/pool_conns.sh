#!/usr/bin/env bash
# pool_conns.sh - a mount with conns=3 has three sessions, each its own TCP
# connection and smbd child: the stats xattr lists connection.0/1/2, the
# server (smbstatus -p) lists three sessions from the mount's ports, and 8
# files read in parallel are correct.  Then one of the three smbd children is
# killed: parallel reads right after are still correct, the pool reconnects
# that session (three connections again, all up), and reads stay correct.
if [ -z "${BASH_VERSION:-}" ]; then exec bash "$0" "$@"; fi
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source-path=SCRIPTDIR source=reconnect_lib.sh
. "$(dirname "$0")/reconnect_lib.sh"

require_prereqs
smb_start
S=$SHARE_DIR

declare -A want=()
for i in 0 1 2 3 4 5 6 7; do
	head -c $((2 * 1024 * 1024 + i * 413417 + 17)) /dev/urandom >"$S/p$i.bin"
	want[$i]=$(sha256_of "$S/p$i.bin")
done

mnt=$(new_mountpoint pool)
rc_mount "$mnt" conns=3
log=$SMBFUSE_LOG
mkdir -p "$T_ROOT/out"

# round NAME: cat all 8 files at once through the mount; check every copy.
round() {
	local r=$1 i rc bad=0 pids=()
	for i in 0 1 2 3 4 5 6 7; do
		timeout 90 cat "$mnt/p$i.bin" >"$T_ROOT/out/p$i.$r" 2>"$T_ROOT/out/p$i.$r.err" &
		pids[i]=$!
	done
	for i in 0 1 2 3 4 5 6 7; do
		wait "${pids[i]}"
		rc=$?
		if [ "$rc" != 0 ]; then
			echo "    p$i.bin: cat exited $rc: $(head -c 300 "$T_ROOT/out/p$i.$r.err")"
			bad=1
		elif [ "$(sha256_of "$T_ROOT/out/p$i.$r")" != "${want[$i]}" ]; then
			echo "    p$i.bin: sha256 differs ($(stat -c %s "$T_ROOT/out/p$i.$r") of $(stat -c %s "$S/p$i.bin") bytes)"
			bad=1
		fi
	done
	[ "$bad" = 0 ] || fail "parallel reads, round '$r': some copies are wrong"
	rm -f "$T_ROOT/out/"*".$r" "$T_ROOT/out/"*".$r.err"
	note "round '$r': 8 parallel cat ok"
}

# pool_up N SECONDS: wait until the mount has N established connections to
# the server and the stats show connection.0..N-1 all up.
pool_up() {
	local n=$1 s=$2 i k ok
	for ((i = 0; i < s * 5; i++)); do
		ok=1
		[ "$(rc_conn_ports | wc -l)" = "$n" ] || ok=0
		rc_stats "$mnt" >"$T_ROOT/stats.out" 2>&1 || ok=0
		for ((k = 0; k < n; k++)); do
			grep -qx "connection\.$k\.state: up" "$T_ROOT/stats.out" || ok=0
		done
		[ "$ok" = 1 ] && return 0
		sleep 0.2
	done
	show_file "$T_ROOT/stats.out" 30
	fail "after $s s: $(rc_conn_ports | wc -l) TCP connection(s) from smbfuse to port $SMB_PORT (want $n), or not all of connection.0..$((n - 1)) up in the stats"
}

round first
pool_up 3 10
rc_stats "$mnt" >"$T_ROOT/stats.out"
grep -q '^connection\.3\.' "$T_ROOT/stats.out" && { show_file "$T_ROOT/stats.out" 30; fail "stats list a 4th connection with conns=3"; }
grep -Eq '^connections: 3$' "$T_ROOT/stats.out" || warn "stats: no 'connections: 3' line ($(grep '^connections:' "$T_ROOT/stats.out"))"

# the server's view: three sessions, from the mount's three ports
rc_conn_ports >"$T_ROOT/ports.mine"
rc_smbstatus_ports >"$T_ROOT/ports.server"
check_eq "smbstatus sessions from the mount's ports" 3 "$(comm -12 "$T_ROOT/ports.mine" "$T_ROOT/ports.server" | wc -l)"
mapfile -t children < <(rc_smbd_serving)
check_eq "distinct smbd children serving the mount" 3 "${#children[@]}"
note "pool of 3: ports $(tr '\n' ' ' <"$T_ROOT/ports.mine"), smbd children ${children[*]}"

# ---- kill one of the three
kill -KILL "${children[1]}" || fail "kill -9 ${children[1]}"
note "killed smbd child ${children[1]} (one of three)"
round after-kill
rc_wait_log "drop logged" "$log" 'connection to .* lost' 1 20
rc_wait_log "reconnect logged" "$log" 'reconnected' 1 30
rc_wait_stat "reconnects counted" "$mnt" reconnects 1 10
pool_up 3 20
mapfile -t children2 < <(rc_smbd_serving)
check_eq "distinct smbd children serving the mount after the reconnect" 3 "${#children2[@]}"
for p in "${children2[@]}"; do
	[ "$p" != "${children[1]}" ] || fail "the killed child ${children[1]} still serves the mount"
done
# the two survivors were not disturbed
for k in 0 2; do
	printf '%s\n' "${children2[@]}" | grep -qx "${children[k]}" ||
		warn "smbd child ${children[k]} (not killed) no longer serves the mount"
done
round reconnected
note "log: $(rc_log_count "$log" 'connection to .* lost') 'lost', $(rc_log_count "$log" reconnected) 'reconnected'; stats reconnects: $(rc_stat_value "$mnt" reconnects)"

smbfuse_umount "$mnt"
_t_check_stderr "$log"
exit 0
