# shellcheck shell=bash disable=SC2034 # (variables set here are read by the tests)
# tests/integration/reconnect_lib.sh - helpers shared by the session pool /
# reconnect tests (reconnect_*.sh, pool_conns.sh).  Sourced after lib.sh;
# uses its T_ROOT, SMB_*, SMBFUSE_*, fail, note, show_file, register_helper.
#
#   rc_mount MNT [OPTS]          smbfuse_mount as the fixture's user, -o OPTS
#   rc_conn_ports [PID]          local ports of PID's (default $SMBFUSE_PID)
#                                established TCP connections to $SMB_PORT
#   rc_smbd_serving [PID]        the smbd children (of the instance $SMB_PID)
#                                holding the server end of those connections
#   rc_kill_serving [PID]        kill -9 them; RC_KILLED = how many
#   rc_smbstatus_ports           client ports smbstatus -p lists (one a line)
#   rc_stats MNT                 smbfuse --stats MNT
#   rc_stat_value MNT KEY        the value of the line "KEY: value" ('' if none)
#   rc_log_count LOG REGEX       lines matching REGEX (extended, -i) in LOG
#   rc_wait_log WHAT LOG REGEX N SECONDS   wait for >= N such lines, else fail
#   rc_wait_stat WHAT MNT KEY MIN SECONDS  wait for KEY >= MIN, else fail
#   rc_smb_kill_now              kill -9 the whole smbd instance at once (port
#                                refuses from then on), reap it
#   rc_smb_restart               a new smbd with the same smb.conf (same port,
#                                same share directory); waits until it serves;
#                                sets SMB_PID
#   rc_smb_sigstop / rc_smb_sigcont   SIGSTOP / SIGCONT the whole instance
#                                (parent and children); cleanup always CONTs
#   rc_proxy_start TARGET_PORT [IDLE] [--reset]   dropproxy.py; sets PROXY_PORT,
#                                PROXY_PID, PROXY_LOG
#   rc_proxy_drop                SIGUSR1: the proxy closes every connection
#   rc_delay_start TARGET_PORT RTT_MS   contrib/delayproxy.c adding RTT_MS of
#                                round-trip time; sets DELAY_PORT
#   rc_timed OUT CMD...          run CMD (stdout+stderr to OUT); RC_RC = its
#                                status, RC_MS = how long it took (ms)
#   rc_retry WHAT SECONDS CMD... run CMD until it succeeds (bounded), else fail
#   rc_wait_pid WHAT PID SECONDS wait for a child of ours to end (bounded, else
#                                fail); RC_RC = its exit status
#   rc_big_file PATH MIB         PATH gets MIB MiB of random bytes
#   rc_try_lock FILE [flock]     an exclusive lock without waiting: got/refused
#
# On failure the EXIT trap installed here also prints the tail of every
# smbfuse log of the test (the lead wants to see the reconnect lines).

command -v python3 >/dev/null 2>&1 || skip "python3 not installed"
command -v smbstatus >/dev/null 2>&1 || skip "'smbstatus' not installed"

RC_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
RC_DROPPROXY=$RC_DIR/dropproxy.py

# ------------------------------------------------------------ cleanup

_RC_STOPPED=()   # process groups we SIGSTOPped and have not CONTed yet

_rc_cleanup() {
	local rc=$? g f
	for g in "${_RC_STOPPED[@]}"; do
		kill -CONT -- "-$g" 2>/dev/null
	done
	if [ "$rc" != 0 ] && [ -d "${T_ROOT:-/nonexistent}" ]; then
		for f in "$T_ROOT"/smbfuse.*.log; do
			[ -f "$f" ] || continue
			echo "    --- smbfuse log $f (last 40 lines; command: $(cat "$f.cmd" 2>/dev/null)) ---"
			tail -n 40 "$f" | sed 's/^/    /'
		done
		[ -n "${PROXY_LOG:-}" ] && [ -f "$PROXY_LOG" ] && show_file "$PROXY_LOG" 40
	fi
	(exit "$rc")
	_t_cleanup
}
trap _rc_cleanup EXIT

# ------------------------------------------------------------ mounting

# rc_mount MNT [OPTS]
rc_mount() {
	local mnt=$1 opts="username=$SMB_USER,password=$SMB_PASS"
	[ -n "${2:-}" ] && opts="$opts,$2"
	smbfuse_mount "$mnt" -o "$opts"
}

# ------------------------------------------------------------ connections

_RC_PROCNET=$T_ROOT/procnet.py
cat >"$_RC_PROCNET" <<'EOF'
# procnet.py ports PID PORT | serving PID PORT PGID
#   ports:   local ports of PID's ESTABLISHED TCP sockets whose peer port is PORT
#   serving: PIDs in process group PGID (but not PGID itself) holding an
#            ESTABLISHED socket with local port PORT whose peer port is one of
#            the above
import os, sys


def tcp_table():
    res = {}
    for fn in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            with open(fn) as f:
                lines = f.read().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            f = line.split()
            if len(f) < 10 or f[3] != "01":  # ESTABLISHED
                continue
            lport = int(f[1].rsplit(":", 1)[1], 16)
            rport = int(f[2].rsplit(":", 1)[1], 16)
            res[int(f[9])] = (lport, rport)
    return res


def sock_inodes(pid):
    out = set()
    try:
        fds = os.listdir("/proc/%s/fd" % pid)
    except OSError:
        return out
    for fd in fds:
        try:
            t = os.readlink("/proc/%s/fd/%s" % (pid, fd))
        except OSError:
            continue
        if t.startswith("socket:["):
            out.add(int(t[8:-1]))
    return out


def pgid_of(pid):
    try:
        with open("/proc/%s/stat" % pid) as f:
            s = f.read()
    except OSError:
        return None
    fields = s[s.rindex(")") + 2:].split()
    return int(fields[2]) if fields[0] not in ("Z", "X") else None


tab = tcp_table()
op, pid, port = sys.argv[1], sys.argv[2], int(sys.argv[3])
ports = sorted({tab[i][0] for i in sock_inodes(pid) if i in tab and tab[i][1] == port})
if op == "ports":
    for p in ports:
        print(p)
    sys.exit(0)
pgid = int(sys.argv[4])
found = set()
for d in os.listdir("/proc"):
    if not d.isdigit() or int(d) == pgid or pgid_of(d) != pgid:
        continue
    for i in sock_inodes(d):
        if i in tab and tab[i][0] == port and tab[i][1] in ports:
            found.add(int(d))
for p in sorted(found):
    print(p)
EOF

# rc_conn_ports [PID]
rc_conn_ports() {
	python3 "$_RC_PROCNET" ports "${1:-$SMBFUSE_PID}" "$SMB_PORT"
}

# rc_smbd_serving [PID]: only processes of our own smbd instance (its
# process group) are ever considered.
rc_smbd_serving() {
	python3 "$_RC_PROCNET" serving "${1:-$SMBFUSE_PID}" "$SMB_PORT" "$SMB_PID"
}

# rc_kill_serving [PID]: kill -9 the smbd children serving the mount's
# connections; RC_KILLED = how many; fails if there are none.
rc_kill_serving() {
	local p pids=()
	mapfile -t pids < <(rc_smbd_serving "$@")
	[ "${#pids[@]}" -gt 0 ] || fail "no smbd child found serving smbfuse (pid ${1:-$SMBFUSE_PID}; its ports to $SMB_PORT: $(rc_conn_ports "$@" | tr '\n' ' '))"
	for p in "${pids[@]}"; do kill -KILL "$p" 2>/dev/null; done
	RC_KILLED=${#pids[@]}
	note "killed smbd child(ren) ${pids[*]} serving smbfuse pid ${1:-$SMBFUSE_PID}"
}

# rc_smbstatus_ports: client ports of the sessions smbstatus lists, from
# "127.0.0.1 (ipv4:127.0.0.1:PORT)".
rc_smbstatus_ports() {
	timeout 20 smbstatus -s "$SMB_CONF" -p 2>/dev/null |
		sed -n 's/.*(ipv[46]:.*:\([0-9][0-9]*\)).*/\1/p' | sort -n
}

# ------------------------------------------------------------ stats / logs

# rc_stats MNT: the mount's counters (bounded: a hung mount must not hang
# us; smbfuse --stats gives up after 10 s by itself).
rc_stats() {
	timeout 30 "$SMBFUSE" --stats "$1"
}

# rc_stat_value MNT KEY
rc_stat_value() {
	rc_stats "$1" 2>/dev/null | awk -v k="$2:" '$1 == k { print $2; exit }'
}

# rc_log_count LOG REGEX
rc_log_count() {
	grep -a -c -i -E -- "$2" "$1" 2>/dev/null
	return 0
}

# rc_wait_log WHAT LOG REGEX N SECONDS
rc_wait_log() {
	local what=$1 log=$2 re=$3 n=$4 s=$5 i
	for ((i = 0; i < s * 10; i++)); do
		[ "$(rc_log_count "$log" "$re")" -ge "$n" ] && return 0
		sleep 0.1
	done
	show_file "$log" 80
	fail "$what: fewer than $n line(s) matching /$re/ in the smbfuse log after $s s"
}

# rc_wait_stat WHAT MNT KEY MIN SECONDS
rc_wait_stat() {
	local what=$1 mnt=$2 key=$3 min=$4 s=$5 i v=
	for ((i = 0; i < s * 5; i++)); do
		v=$(rc_stat_value "$mnt" "$key")
		[ -n "$v" ] && [ "$v" -ge "$min" ] 2>/dev/null && return 0
		sleep 0.2
	done
	rc_stats "$mnt" >"$T_ROOT/stats.out" 2>&1
	show_file "$T_ROOT/stats.out" 40
	fail "$what: stats '$key' is '${v:-missing}', want >= $min (waited $s s)"
}

# ------------------------------------------------------------ the server

# rc_smb_kill_now: the whole instance dies at once (kill -9 on its process
# group: parent and every child), then is reaped; the port refuses.
rc_smb_kill_now() {
	kill -KILL -- "-$SMB_PID" 2>/dev/null
	smb_stop "$SMB_PID" 2>/dev/null # (no "Killed" job notice)
	port_open "$SMB_PORT" && fail "port $SMB_PORT still accepts connections after killing smbd"
	return 0
}

# rc_smb_restart: start smbd again with the same smb.conf: same port, same
# share directory, same passdb.  Registered like smb_start's instances (the
# lib's cleanup stops its whole process group).
rc_smb_restart() {
	local pid i ok=0
	setsid smbd -s "$SMB_CONF" -F --no-process-group >>"$SMB_DIR/smbd.out" 2>&1 </dev/null &
	pid=$!
	_T_SMBD+=("$pid")
	echo "$pid" >>"$T_ROOT/.smbd"
	SMB_PID=$pid
	export SMB_PID
	for i in $(seq 300); do # 30 s: the port may still be held for a moment
		_t_alive "$pid" || break
		if port_open "$SMB_PORT" &&
			smb_client //127.0.0.1/share -U "$SMB_USER%$SMB_PASS" -c ls >"$SMB_DIR/smbclient.out" 2>&1; then
			ok=1
			break
		fi
		sleep 0.1
	done
	if [ "$ok" != 1 ]; then
		show_file "$SMB_DIR/smbd.out" 30
		show_file "$SMB_DIR/smbclient.out" 20
		fail "restarted smbd (pid $pid) does not serve port $SMB_PORT"
	fi
	note "smbd restarted on port $SMB_PORT (pid $pid)"
}

# rc_smb_sigstop / rc_smb_sigcont: the whole instance.
rc_smb_sigstop() {
	_RC_STOPPED+=("$SMB_PID")
	kill -STOP -- "-$SMB_PID" || fail "kill -STOP -$SMB_PID"
}
rc_smb_sigcont() {
	local g keep=()
	kill -CONT -- "-$SMB_PID" || fail "kill -CONT -$SMB_PID"
	for g in "${_RC_STOPPED[@]}"; do [ "$g" = "$SMB_PID" ] || keep+=("$g"); done
	_RC_STOPPED=("${keep[@]}")
}

# ------------------------------------------------------------ the proxy

# rc_proxy_start TARGET_PORT [IDLE] [--reset]
rc_proxy_start() {
	rc_proxy_run "$RC_DROPPROXY" "$T_ROOT/proxy.port" "$@"
}

# rc_proxy_run SCRIPT PORTFILE ARGS...: one of the tests' Python proxies
# (they all take PORTFILE first and write their port there once they
# accept); sets PROXY_PORT, PROXY_PID, PROXY_LOG.
rc_proxy_run() {
	local script=$1 pf=$2 name i
	shift 2
	name=$(basename "$script")
	PROXY_LOG=${pf%.port}.log
	rm -f "$pf"
	python3 "$script" "$pf" "$@" 2>"$PROXY_LOG" </dev/null &
	PROXY_PID=$!
	register_helper "$PROXY_PID"
	for i in $(seq 100); do
		[ -s "$pf" ] && break
		_t_alive "$PROXY_PID" || { show_file "$PROXY_LOG"; fail "$name exited"; }
		sleep 0.1
	done
	[ -s "$pf" ] || { show_file "$PROXY_LOG"; fail "$name did not start within 10 s"; }
	PROXY_PORT=$(cat "$pf")
	port_open "$PROXY_PORT" || fail "$name does not accept connections on $PROXY_PORT"
}

# rc_proxy_drop: close every connection through the proxy now; returns once
# the proxy has logged the closes (or after 5 s).
rc_proxy_drop() {
	local before i
	before=$(rc_log_count "$PROXY_LOG" ' signal$')
	kill -USR1 "$PROXY_PID" || fail "kill -USR1 dropproxy"
	for i in $(seq 50); do
		[ "$(rc_log_count "$PROXY_LOG" ' signal$')" -gt "$before" ] && return 0
		sleep 0.1
	done
	warn "dropproxy logged no 'signal' close within 5 s (no connection open?)"
}

# ------------------------------------------------------------ timing

# rc_timed OUT CMD...
rc_timed() {
	local out=$1 t0 t1
	shift
	t0=$(date +%s%N)
	"$@" >"$out" 2>&1
	RC_RC=$?
	t1=$(date +%s%N)
	RC_MS=$(((t1 - t0) / 1000000))
}

# rc_retry WHAT SECONDS CMD...: CMD's output goes to $T_ROOT/retry.out.
rc_retry() {
	local what=$1 s=$2 end
	shift 2
	end=$((SECONDS + s))
	while :; do
		"$@" >"$T_ROOT/retry.out" 2>&1 && return 0
		[ "$SECONDS" -ge "$end" ] && break
		sleep 0.25
	done
	show_file "$T_ROOT/retry.out" 20
	fail "$what: still failing after $s s"
}

# rc_wait_pid WHAT PID SECONDS
rc_wait_pid() {
	local what=$1 pid=$2 s=$3 i
	for ((i = 0; i < s * 10; i++)); do
		_t_alive "$pid" || break
		sleep 0.1
	done
	_t_alive "$pid" && fail "$what: still running after $s s"
	wait "$pid"
	RC_RC=$?
}

# rc_big_file PATH MIB
rc_big_file() {
	if command -v openssl >/dev/null 2>&1; then
		openssl rand -out "$1" $(($2 * 1024 * 1024)) 2>/dev/null && return 0
	fi
	head -c $(($2 * 1024 * 1024)) /dev/urandom >"$1" || fail "cannot write $2 MiB to $1"
}

# rc_delay_start TARGET_PORT RTT_MS: contrib/delayproxy.c (built once per
# test) in front of 127.0.0.1:TARGET_PORT, adding RTT_MS of round-trip
# time; sets DELAY_PORT.
rc_delay_start() {
	local i out=$T_ROOT/delay.$1.$2.out
	CC=${CC:-cc}
	if [ ! -x "$T_ROOT/delayproxy" ]; then
		command -v "$CC" >/dev/null 2>&1 || skip "no C compiler ($CC) for contrib/delayproxy.c"
		"$CC" -O2 -Wall -pthread -o "$T_ROOT/delayproxy" "$top_srcdir/contrib/delayproxy.c" \
			>"$T_ROOT/cc.out" 2>&1 || { show_file "$T_ROOT/cc.out"; fail "building delayproxy"; }
	fi
	"$T_ROOT/delayproxy" 0 "$1" "$2" >"$out" 2>&1 </dev/null &
	register_helper $!
	for i in $(seq 100); do
		grep -q '^ready$' "$out" && break
		sleep 0.1
	done
	grep -q '^ready$' "$out" || { show_file "$out"; fail "delayproxy not ready"; }
	DELAY_PORT=$(sed -n 's/^port //p' "$out")
}

# rc_try_lock FILE [fcntl|flock]: tries an exclusive lock of all of FILE
# without waiting (and lets it go); prints "got" or "refused".
rc_try_lock() {
	python3 - "$1" "${2:-fcntl}" <<'PY'
import fcntl, os, sys
fd = os.open(sys.argv[1], os.O_RDWR)
try:
    if sys.argv[2] == "flock":
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    else:
        fcntl.lockf(fd, fcntl.LOCK_EX | fcntl.LOCK_NB, 0, 0)
    print("got")
except OSError:
    print("refused")
os.close(fd)
PY
}
