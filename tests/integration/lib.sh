# shellcheck shell=bash disable=SC2034 # (variables set here are read by the tests)
# tests/integration/lib.sh - the fixture every integration test sources.
#
# A test is a bash script run by automake's parallel harness (exit 0 pass,
# 1 fail, 77 skip).  It sources this file, calls require_prereqs, starts a
# private SMB1-only Samba on a free loopback port (smb_start), mounts it with
# the freshly built smbfuse (smbfuse_mount / smbfuse_mount_daemon), compares
# what it sees through the mount with the backing directory, and unmounts.
#
# Invariants:
# - Everything a test creates lives under one directory, T_ROOT, made with
#   mktemp under ${TMPDIR:-/tmp}; the EXIT trap removes it.
# - Every mount and every process the test starts is registered (in shell
#   arrays and, for the watchdog, in files under T_ROOT); the EXIT/INT/TERM
#   trap unmounts each mount (lazily if it must) and kills only those PIDs /
#   the process groups of the smbd instances it started.  Nothing is found
#   or killed by name.
# - "Is it mounted?" is answered from /proc/self/mountinfo, which cannot hang
#   on a stuck FUSE daemon; every wait is a bounded loop.
# - A watchdog (SMBFUSE_TEST_TIMEOUT seconds, default 600) kills the test's
#   smbfuse processes, detaches its mounts and terminates the test if it
#   hangs, so a deadlocked filesystem cannot stall CI.
# - Network traffic goes to 127.0.0.1 only.
#
# Functions (each described where it is defined):
#   require_prereqs                         skip unless root, FUSE, Samba, binary
#   smb_start ['key = value'|'share:k = v'...]   SMB_PORT SMB_CONF SMB_DIR ...
#   smb_stop [PID]   smb_client ARGS...   smb_log_count REGEX   port_open PORT
#   new_mountpoint NAME                     prints a fresh empty directory
#   smbfuse_mount MNT [ARGS...]             -f in the background; SMBFUSE_PID
#   smbfuse_mount_daemon MNT [ARGS...]      the usual way; finds the daemon
#   smbfuse_umount MNT                      fusermount3 -u; the process must exit
#   smbfuse_stats MNT                       the counters (smbfuse --stats), or fail
#   wait_file FILE SECONDS [PID]            FILE exists in time (status)
#   stat_in FILE KEY   requests_in FILE [REGEX]   stat_count MNT KEY
#                                           one counter / requests summed
#   smbfuse_try OUT MNT [ARGS...]           may fail: status in TRY_RC
#     (SMB_UNC=//host:port/share before any of these three picks the share)
#   is_mounted PATH   pids_for_mount MNT   register_helper PID
#   fail MSG   skip MSG   note MSG   check_eq WHAT WANT GOT   check_ne
#   check_contains WHAT FILE REGEX   check_file_eq WHAT WANT_FILE GOT_FILE
#   check_lists_eq WHAT WANT_FILE GOT_FILE   tree_listing DIR   sha256_of FILE
#   show_file FILE [MAXLINES]
#
# Environment:
#   top_builddir, top_srcdir  exported by automake; default: this checkout
#   SMBFUSE                   binary to test (default $top_builddir/src/smbfuse)
#   SMBFUSE_TEST_TIMEOUT      watchdog in seconds (default 600)
#   SMBFUSE_NO_SKIP=1         a missing prerequisite fails instead of skipping
#   SMBFUSE_KEEP=1            keep T_ROOT (smb.conf, logs) after the test
#   TSAN_OPTIONS, ASAN_OPTIONS, UBSAN_OPTIONS  passed on; log_path is set
#                             to T_ROOT/sanitizer, whose reports fail the test
#   TMPDIR                    where T_ROOT is made (default /tmp)

if [ -z "${BASH_VERSION:-}" ]; then
	echo "lib.sh: must be sourced by bash" >&2
	exit 1
fi

set -u
set -o pipefail
umask 022
export LC_ALL=C

TEST_NAME=$(basename "$0" .sh)
: "${top_srcdir:=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}"
: "${top_builddir:=$top_srcdir}"
SMBFUSE=${SMBFUSE:-$top_builddir/src/smbfuse}

SMB_USER=root
SMB_PASS=secret

# ---------------------------------------------------------------- reporting

note() { printf '%s: %s\n' "$TEST_NAME" "$*"; }
warn() { printf '%s: warning: %s\n' "$TEST_NAME" "$*" >&2; }

# fail MSG...: report and end the test as failed (the EXIT trap cleans up).
fail() {
	printf '%s: FAIL: %s\n' "$TEST_NAME" "$*" >&2
	exit 1
}

# skip MSG...: a prerequisite is really absent.
skip() {
	if [ "${SMBFUSE_NO_SKIP:-0}" = 1 ]; then
		fail "prerequisite missing (SMBFUSE_NO_SKIP=1): $*"
	fi
	printf '%s: SKIP: %s\n' "$TEST_NAME" "$*"
	exit 77
}

# show_file FILE [MAXLINES]: print a log file, indented, at most MAXLINES.
show_file() {
	local f=$1 max=${2:-60}
	[ -f "$f" ] || { echo "    ($f: no such file)"; return 0; }
	local n; n=$(wc -l <"$f")
	echo "    --- $f ($n lines) ---"
	if [ "$n" -gt "$max" ]; then
		head -n "$max" "$f" | sed 's/^/    /'
		echo "    ... ($((n - max)) more lines)"
	else
		sed 's/^/    /' "$f"
	fi
}

# check_eq WHAT EXPECTED ACTUAL
check_eq() {
	[ "$2" = "$3" ] || fail "$1: expected '$2', got '$3'"
}

# check_ne WHAT UNEXPECTED ACTUAL
check_ne() {
	[ "$2" != "$3" ] || fail "$1: got '$3', which it must not be"
}

# check_contains WHAT FILE REGEX (extended, case-insensitive)
check_contains() {
	grep -Eqi -- "$3" "$2" || { show_file "$2"; fail "$1: no line matching /$3/"; }
}

# check_file_eq WHAT EXPECTED_FILE ACTUAL_FILE: same bytes.
check_file_eq() {
	local what=$1 a=$2 b=$3
	cmp -s -- "$a" "$b" && return 0
	echo "    expected: $a ($(stat -c %s -- "$a" 2>&1) bytes)"
	echo "    actual:   $b ($(stat -c %s -- "$b" 2>&1) bytes)"
	cmp -- "$a" "$b" 2>&1 | head -n 5 | sed 's/^/    /'
	cmp -l -- "$a" "$b" 2>/dev/null | head -n 10 | sed 's/^/    byte (1-based) expected(oct) actual(oct): /'
	fail "$what: contents differ"
}

# check_lists_eq WHAT EXPECTED_FILE ACTUAL_FILE: line lists equal (diff shown).
check_lists_eq() {
	local what=$1 a=$2 b=$3
	diff -q -- "$a" "$b" >/dev/null && return 0
	echo "    diff -u expected actual (first 40 lines):"
	diff -u -- "$a" "$b" | head -n 40 | sed 's/^/    /'
	fail "$what: lists differ ($(wc -l <"$a") expected, $(wc -l <"$b") actual lines)"
}

# sha256_of FILE
sha256_of() { sha256sum -- "$1" | cut -d' ' -f1; }

# tree_listing DIR: "type size path" of everything below DIR, sorted.
# Directory sizes mean nothing over SMB, so they are printed as '-'.
tree_listing() {
	(cd -- "$1" && find . -mindepth 1 -printf '%y %s %p\n') |
		awk '$1 == "d" { $2 = "-" } { print }' | sort
}

# ------------------------------------------------------------ bookkeeping

# T_ROOT holds everything this test makes.  realpath: mountinfo shows
# canonical paths.
T_ROOT=$(mktemp -d "${TMPDIR:-/tmp}/smbfuse-test.XXXXXX") ||
	{ echo "$TEST_NAME: FAIL: mktemp -d failed" >&2; exit 1; }
T_ROOT=$(realpath "$T_ROOT")
# guest maps to 'nobody', which must be able to reach the share dirs.
chmod 755 "$T_ROOT"
: >"$T_ROOT/.pids"
: >"$T_ROOT/.mounts"
: >"$T_ROOT/.smbd"

# Sanitizer reports from smbfuse go to files under T_ROOT/sanitizer (a
# daemon's stderr is /dev/null), named <tool>.<pid>; any of them fails the
# test (_t_sanitizer_reports, at each unmount and at cleanup).  Only instrumented binaries (configure
# --enable-asan / --enable-tsan) read these variables.  The caller's own
# options come first; log_path is ours.
_T_SAN_DIR=$T_ROOT/sanitizer
mkdir -p "$_T_SAN_DIR"
export TSAN_OPTIONS="halt_on_error=0 second_deadlock_stack=1 ${TSAN_OPTIONS:-} log_path=$_T_SAN_DIR/tsan"
export ASAN_OPTIONS="${ASAN_OPTIONS:-} log_path=$_T_SAN_DIR/asan"
export UBSAN_OPTIONS="print_stacktrace=1 ${UBSAN_OPTIONS:-} log_path=$_T_SAN_DIR/ubsan"
# glib's slice allocator hands memory between threads behind the
# sanitizers' back (TSan false positives, ASan blind spots): plain malloc.
export G_SLICE=always-malloc

_T_PIDS=()          # every PID this test started (smbfuse; smbd are in _T_SMBD)
_T_MOUNTS=()        # every mountpoint this test may have mounted
_T_SMBD=()          # smbd PIDs (each the leader of its own process group)
_T_HELPERS=()       # other processes the test started (see register_helper)
_T_SEQ=0
declare -A _T_MOUNT_PID=() _T_MOUNT_LOG=() _T_MOUNT_CHILD=() _T_SAN_SHOWN=()

_t_register_pid() {
	_T_PIDS+=("$1")
	echo "$1" >>"$T_ROOT/.pids"
}

# register_helper PID: a helper process the test started (a fake server...);
# cleanup kills it without complaint.
register_helper() {
	_T_HELPERS+=("$1")
	echo "$1" >>"$T_ROOT/.pids"
}

_t_register_mount() {
	local m
	for m in "${_T_MOUNTS[@]}"; do [ "$m" = "$1" ] && return 0; done
	_T_MOUNTS+=("$1")
	echo "$1" >>"$T_ROOT/.mounts"
}

# _t_alive PID: running and not a zombie.
_t_alive() {
	local st
	kill -0 "$1" 2>/dev/null || return 1
	st=$(awk '{ print $3 }' "/proc/$1/stat" 2>/dev/null) || return 1
	[ -n "$st" ] && [ "$st" != Z ] && [ "$st" != X ]
}

# _t_group_alive PGID: some non-zombie process is in that process group.
_t_group_alive() {
	ps -e -o pgid=,stat= | awk -v g="$1" '$1 == g && $2 !~ /^[ZX]/ { f = 1 } END { exit !f }'
}

# is_mounted PATH: PATH is the mountpoint of a FUSE filesystem right now.
# Read from mountinfo rather than stat()ing the path: cannot hang.
is_mounted() {
	awk -v m="$1" '
		{ t = ""; for (i = 7; i <= NF; i++) if ($i == "-") { t = $(i + 1); break } }
		$5 == m && t ~ /^fuse/ { f = 1 }
		END { exit !f }' /proc/self/mountinfo
}

# _t_re_escape STRING: STRING as a literal extended regex.
_t_re_escape() { printf '%s' "$1" | sed 's/[][\.*^$?+(){}|/]/\\&/g'; }

# pids_for_mount MNT: PIDs whose command line names MNT as an argument.
pids_for_mount() {
	pgrep -f -- "(^| )$(_t_re_escape "$1")( |\$)" || true
}

# new_mountpoint NAME: make and print an empty directory for a mount.
new_mountpoint() {
	local d="$T_ROOT/mnt-$1"
	mkdir -p -- "$d" || fail "mkdir $d"
	printf '%s\n' "$d"
}

# _t_unmount_hard MNT: unmount however we can (used by cleanup / watchdog).
_t_unmount_hard() {
	local m=$1 i
	is_mounted "$m" || return 0
	for i in 1 2 3; do
		fusermount3 -u -- "$m" 2>/dev/null && return 0
		is_mounted "$m" || return 0
		sleep 0.3
	done
	fusermount3 -uz -- "$m" 2>/dev/null || umount -l -- "$m" 2>/dev/null
	is_mounted "$m" && { echo "$TEST_NAME: could not unmount $m" >&2; return 1; }
	return 0
}

# _t_kill PID: TERM, wait up to 5 s, then KILL.
_t_kill() {
	local p=$1 i
	_t_alive "$p" || return 0
	kill -TERM "$p" 2>/dev/null
	for i in $(seq 50); do _t_alive "$p" || return 0; sleep 0.1; done
	kill -KILL "$p" 2>/dev/null
	return 0
}

_t_cleanup() {
	local rc=$? m p i
	trap - EXIT INT TERM
	set +e
	[ -n "${_T_WATCHDOG:-}" ] && kill "$_T_WATCHDOG" 2>/dev/null
	# Unmount newest first, then the processes serving the mounts exit.
	for ((i = ${#_T_MOUNTS[@]} - 1; i >= 0; i--)); do
		m=${_T_MOUNTS[i]}
		if is_mounted "$m"; then
			[ "$rc" = 0 ] && { echo "$TEST_NAME: cleanup: $m was still mounted" >&2; rc=1; }
			_t_unmount_hard "$m"
		fi
	done
	for p in "${_T_PIDS[@]}"; do
		if _t_alive "$p"; then
			for i in $(seq 50); do _t_alive "$p" || break; sleep 0.1; done
			if _t_alive "$p"; then
				echo "$TEST_NAME: cleanup: killing leftover process $p" >&2
				[ "$rc" = 0 ] && rc=1
				_t_kill "$p"
			fi
		fi
	done
	for p in "${_T_HELPERS[@]}"; do
		_t_kill "$p"
		wait "$p" 2>/dev/null
	done
	for p in "${_T_SMBD[@]}"; do
		_t_smbd_kill "$p"
	done
	if ! _t_sanitizer_reports; then
		[ "$rc" = 0 ] && echo "$TEST_NAME: FAIL: smbfuse wrote a sanitizer report" >&2
		rc=1
	fi
	if [ "${SMBFUSE_KEEP:-0}" = 1 ]; then
		echo "$TEST_NAME: kept $T_ROOT" >&2
	else
		# --one-file-system: never descend into something still mounted.
		rm -rf --one-file-system -- "$T_ROOT"
	fi
	exit "$rc"
}
trap _t_cleanup EXIT
trap 'echo "$TEST_NAME: interrupted" >&2; exit 1' INT TERM

# The watchdog: a subshell polling once a second; it exits by itself when
# the test has gone.  On timeout it kills our smbfuse processes (which aborts
# any request stuck in the kernel), detaches our mounts, then TERMs the test.
_t_start_watchdog() {
	local limit=${SMBFUSE_TEST_TIMEOUT:-600} me=$$
	(
		trap - EXIT INT TERM
		i=0
		while [ "$i" -lt "$limit" ]; do
			sleep 1
			kill -0 "$me" 2>/dev/null || exit 0
			i=$((i + 1))
		done
		echo "$TEST_NAME: FAIL: watchdog: test still running after ${limit}s" >&2
		while read -r p; do kill -KILL "$p" 2>/dev/null; done <"$T_ROOT/.pids"
		while read -r m; do _t_unmount_hard "$m"; done <"$T_ROOT/.mounts"
		kill -TERM "$me" 2>/dev/null
		# bash runs the TERM trap only once its foreground command ends:
		# end that command too (a direct child of the test that is neither
		# an smbd of ours nor this watchdog).
		for p in $(pgrep -P "$me"); do
			[ "$p" = "$BASHPID" ] && continue
			grep -qx "$p" "$T_ROOT/.smbd" && continue
			kill -TERM "$p" 2>/dev/null
		done
		for i in $(seq 30); do
			sleep 1
			kill -0 "$me" 2>/dev/null || exit 0
		done
		echo "$TEST_NAME: watchdog: test ignored TERM; killing it and cleaning up" >&2
		kill -KILL "$me" 2>/dev/null
		while read -r m; do _t_unmount_hard "$m"; done <"$T_ROOT/.mounts"
		while read -r p; do _t_smbd_kill "$p"; done <"$T_ROOT/.smbd"
		[ "${SMBFUSE_KEEP:-0}" = 1 ] || rm -rf --one-file-system -- "$T_ROOT"
	) &
	_T_WATCHDOG=$!
}
_t_start_watchdog

# ------------------------------------------------------------ prerequisites

# require_prereqs: skip (77) unless everything a mount test needs is here.
require_prereqs() {
	local c
	[ "$(id -u)" = 0 ] || skip "must run as root (smbpasswd, mounting)"
	[ -c /dev/fuse ] || skip "/dev/fuse is missing (no FUSE in this kernel/container)"
	if [ ! -r /dev/fuse ] || [ ! -w /dev/fuse ]; then skip "/dev/fuse is not accessible"; fi
	grep -qw fuse /proc/filesystems || skip "kernel has no fuse filesystem"
	for c in smbd smbpasswd smbclient fusermount3 pgrep setsid timeout; do
		command -v "$c" >/dev/null 2>&1 || skip "'$c' not installed (run tests/run.sh, which installs it)"
	done
	[ -x "$SMBFUSE" ] || skip "smbfuse binary not built: $SMBFUSE"
}

# ------------------------------------------------------------------- samba

# _t_pick_port: print a TCP port on 127.0.0.1 that nothing listens on.
# Drawn below the kernel's ephemeral range so that outgoing connections do
# not take it between the check and smbd's bind; smb_start retries anyway.
_t_pick_port() {
	local lo=20000 hi=32000 p i
	for i in $(seq 50); do
		p=$((lo + (RANDOM * 32768 + RANDOM) % (hi - lo)))
		if command -v python3 >/dev/null 2>&1; then
			python3 - "$p" <<'EOF' 2>/dev/null && { echo "$p"; return 0; }
import socket, sys
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", int(sys.argv[1])))
EOF
		elif ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then
			echo "$p"
			return 0
		fi
	done
	return 1
}

# port_open PORT: something accepts TCP connections on 127.0.0.1:PORT.
port_open() {
	# shellcheck disable=SC2016 # $1 is expanded by the inner bash
	timeout 5 bash -c 'exec 3<>"/dev/tcp/127.0.0.1/$1"' _ "$1" 2>/dev/null
}

# smb_client ARGS...: smbclient against the current instance, SMB1 only.
# Found on Samba 4.17: `smbclient -p PORT` uses direct TCP (no NetBIOS
# session request) on any port but 139, although at -d10 it still logs
# "session request ok".  smbd accepts both direct TCP and a session request
# first, on any port, whatever 'disable netbios' says; at 'log level = 2' it
# logs each session request as "netbios connect: name1=CALLED ...".
smb_client() {
	timeout 30 smbclient -s "$SMB_CONF" -p "$SMB_PORT" \
		--option='client min protocol=NT1' --option='client max protocol=NT1' "$@"
}

# smb_start ['key = value'...]: start a private SMB1-only smbd.
#   Arguments are extra [global] lines; 'share:key = value' goes to [share].
#   Shares: [share] (read-write, guest ok) at SHARE_DIR and [share2]
#   (read-only, no guests) at SHARE2_DIR; samba user root, password secret.
#   Sets and exports SMB_DIR SMB_CONF SMB_PORT SMB_PID SHARE_DIR SHARE2_DIR
#   SMB_LOG_DIR.  May be called more than once: each instance has its own
#   directory, port and process group; the variables name the latest.
#   Ready when `smbclient ... -c ls` (SMB1, as root) works, or with
#   SMB_READY=port set for the call, as soon as the port accepts connections
#   (for servers smbclient cannot talk SMB1 to; implied by
#   'nt status support = no').
smb_start() {
	local globals=() shares=() a d port attempt pid ok i ready=${SMB_READY:-smbclient}
	for a in "$@"; do
		case $a in
		share:*) shares+=("${a#share:}") ;;
		*) globals+=("$a") ;;
		esac
		# smbclient 4.17 cannot log on to a server answering with DOS error
		# codes (it reads the DOS form of MORE_PROCESSING_REQUIRED as "NT
		# code 0xf116c000"): the port is the only readiness it can show.
		[[ $a =~ ^nt\ *status\ *support\ *=\ *(no|false|0)$ ]] && ready=port
	done
	d=$(mktemp -d "$T_ROOT/smb.XXXXXX") || fail "mktemp smb dir"
	chmod 755 "$d"
	mkdir -p "$d"/{priv,lock,state,cache,pid,log,share,share2} || fail "mkdir in $d"
	chmod 700 "$d/priv"
	for attempt in 1 2 3; do
		port=$(_t_pick_port) || fail "no free loopback port found"
		{
			echo "[global]"
			echo "  server min protocol = NT1"
			echo "  server max protocol = NT1"
			echo "  ntlm auth = yes"
			echo "  interfaces = 127.0.0.1"
			echo "  bind interfaces only = yes"
			echo "  smb ports = $port"
			echo "  disable netbios = yes"
			echo "  private dir = $d/priv"
			echo "  lock directory = $d/lock"
			echo "  state directory = $d/state"
			echo "  cache directory = $d/cache"
			echo "  pid directory = $d/pid"
			echo "  log file = $d/log/log.%m"
			echo "  passdb backend = tdbsam:$d/priv/passdb.tdb"
			echo "  map to guest = Bad User"
			echo "  load printers = no"
			echo "  printing = bsd"
			echo "  printcap name = /dev/null"
			echo "  disable spoolss = yes"
			for a in "${globals[@]}"; do echo "  $a"; done
			echo "[share]"
			echo "  path = $d/share"
			echo "  read only = no"
			echo "  guest ok = yes"
			for a in "${shares[@]}"; do echo "  $a"; done
			echo "[share2]"
			echo "  path = $d/share2"
			echo "  read only = yes"
			echo "  guest ok = no"
		} >"$d/smb.conf"
		if [ ! -s "$d/priv/passdb.tdb" ]; then
			printf '%s\n%s\n' "$SMB_PASS" "$SMB_PASS" |
				smbpasswd -c "$d/smb.conf" -a -s "$SMB_USER" >"$d/smbpasswd.out" 2>&1 ||
				{ show_file "$d/smbpasswd.out"; fail "smbpasswd -a $SMB_USER failed"; }
		fi
		# setsid: smbd and its children get a process group of their own,
		# which smb_stop can signal without touching anything else.
		setsid smbd -s "$d/smb.conf" -F --no-process-group >>"$d/smbd.out" 2>&1 </dev/null &
		pid=$!
		_T_SMBD+=("$pid")
		echo "$pid" >>"$T_ROOT/.smbd"
		SMB_DIR=$d SMB_CONF=$d/smb.conf SMB_PORT=$port SMB_PID=$pid
		ok=0
		for i in $(seq 200); do # 20 s
			_t_alive "$pid" || break
			if port_open "$port" && { [ "$ready" = port ] ||
				smb_client //127.0.0.1/share -U "$SMB_USER%$SMB_PASS" -c ls >"$d/smbclient.out" 2>&1; }; then
				ok=1
				break
			fi
			sleep 0.1
		done
		[ "$ok" = 1 ] && break
		if _t_alive "$pid"; then
			show_file "$d/smbd.out"
			show_file "$d/smbclient.out"
			fail "smbd on port $port did not answer within 20 s"
		fi
		warn "smbd exited during start-up on port $port (attempt $attempt)"
		show_file "$d/smbd.out" 20 >&2
		_t_smbd_kill "$pid"
	done
	[ "$ok" = 1 ] || fail "smbd did not start (3 attempts)"
	SHARE_DIR=$d/share SHARE2_DIR=$d/share2 SMB_LOG_DIR=$d/log
	export SMB_DIR SMB_CONF SMB_PORT SMB_PID SHARE_DIR SHARE2_DIR SMB_LOG_DIR
}

# _t_smbd_kill PID: stop an smbd we started and its whole process group.
_t_smbd_kill() {
	local p=$1 i
	if _t_alive "$p"; then
		kill -TERM "$p" 2>/dev/null
		for i in $(seq 100); do _t_alive "$p" || break; sleep 0.1; done
	fi
	# Children (notifyd, cleanupd, one per client) normally follow the
	# parent; make sure, but only within the group setsid gave it.
	if _t_group_alive "$p"; then
		for i in $(seq 30); do _t_group_alive "$p" || break; sleep 0.1; done
		_t_group_alive "$p" && kill -TERM -- "-$p" 2>/dev/null
		for i in $(seq 30); do _t_group_alive "$p" || break; sleep 0.1; done
		_t_group_alive "$p" && kill -KILL -- "-$p" 2>/dev/null
	fi
	_t_alive "$p" && kill -KILL "$p" 2>/dev/null
	wait "$p" 2>/dev/null
	return 0
}

# smb_stop [PID]: stop the smbd started last (or the one with PID).
smb_stop() {
	_t_smbd_kill "${1:-$SMB_PID}"
}

# smb_log_count REGEX: count lines matching REGEX (extended,
# case-insensitive) in the logs of the latest instance.  What smbd logs
# depends on 'log level' (pass e.g. 'log level = 3' to smb_start).
smb_log_count() {
	cat "$SMB_LOG_DIR"/log.* 2>/dev/null | grep -a -c -i -E -- "$1"
}

# ----------------------------------------------------------------- smbfuse

# _t_sanitizer_reports: print the sanitizer reports written so far (see
# _T_SAN_DIR); false if there are any.
_t_sanitizer_reports() {
	local f found=0
	for f in "$_T_SAN_DIR"/*; do
		[ -s "$f" ] || continue
		found=1
		[ -n "${_T_SAN_SHOWN[$f]:-}" ] && continue
		_T_SAN_SHOWN[$f]=1
		echo "$TEST_NAME: sanitizer report ${f##*/}:" >&2
		show_file "$f" 300 >&2
	done
	[ "$found" = 0 ]
}

# _t_check_stderr LOG: no sanitizer / valgrind / crash reports in it, nor
# in the sanitizer log files.
_t_check_stderr() {
	if grep -Eq 'AddressSanitizer|LeakSanitizer|UndefinedBehaviorSanitizer|ThreadSanitizer|runtime error:|==[0-9]+== *(ERROR|Invalid|Conditional)|Segmentation fault|double free|stack smashing' "$1"; then
		show_file "$1" 200
		fail "smbfuse printed a sanitizer/crash report"
	fi
	_t_sanitizer_reports || fail "smbfuse wrote a sanitizer report"
}

# smbfuse_mount MNT [ARGS...]: mount in the foreground (-f) in the
# background; wait up to 15 s for the mount.  The share is
# ${SMB_UNC:-//127.0.0.1:$SMB_PORT/share} (set SMB_UNC=... for one call to
# change it).  Sets SMBFUSE_PID and SMBFUSE_LOG.
smbfuse_mount() {
	local mnt=$1 unc pid log i rc
	shift
	unc=${SMB_UNC:-//127.0.0.1:$SMB_PORT/share}
	_T_SEQ=$((_T_SEQ + 1))
	log=$T_ROOT/smbfuse.$_T_SEQ.log
	_t_register_mount "$mnt"
	echo "+ smbfuse $unc $mnt -f $*" >"$log.cmd"
	"$SMBFUSE" "$unc" "$mnt" -f "$@" >"$log" 2>&1 </dev/null &
	pid=$!
	_t_register_pid "$pid"
	for i in $(seq 150); do
		if is_mounted "$mnt"; then
			_T_MOUNT_PID[$mnt]=$pid _T_MOUNT_LOG[$mnt]=$log _T_MOUNT_CHILD[$mnt]=1
			SMBFUSE_PID=$pid SMBFUSE_LOG=$log
			return 0
		fi
		if ! _t_alive "$pid"; then
			wait "$pid"
			rc=$?
			cat "$log.cmd"
			show_file "$log"
			fail "smbfuse exited with status $rc without mounting $mnt"
		fi
		sleep 0.1
	done
	_t_kill "$pid"
	cat "$log.cmd"
	show_file "$log"
	fail "smbfuse did not mount $mnt within 15 s"
}

# smbfuse_mount_daemon MNT [ARGS...]: mount the usual way (no -f): the
# command must exit 0 within 30 s with MNT already mounted; the daemon is
# then found by its command line (pgrep -f on the unique MNT).  Sets
# SMBFUSE_PID and SMBFUSE_LOG.
smbfuse_mount_daemon() {
	local mnt=$1 unc log rc p pids=()
	shift
	unc=${SMB_UNC:-//127.0.0.1:$SMB_PORT/share}
	_T_SEQ=$((_T_SEQ + 1))
	log=$T_ROOT/smbfuse.$_T_SEQ.log
	_t_register_mount "$mnt"
	echo "+ smbfuse $unc $mnt $*" >"$log.cmd"
	# A file, not $(...): a daemon that kept our stdout would block a pipe.
	timeout 30 "$SMBFUSE" "$unc" "$mnt" "$@" >"$log" 2>&1 </dev/null
	rc=$?
	mapfile -t pids < <(pids_for_mount "$mnt")
	for p in "${pids[@]}"; do _t_register_pid "$p"; done
	if [ "$rc" != 0 ]; then
		cat "$log.cmd"
		show_file "$log"
		[ "$rc" = 124 ] && fail "smbfuse (daemon mode) did not return within 30 s"
		fail "smbfuse (daemon mode) exited with status $rc"
	fi
	is_mounted "$mnt" || { cat "$log.cmd"; show_file "$log"; fail "smbfuse exited 0 but $mnt is not mounted"; }
	[ "${#pids[@]}" = 1 ] || fail "expected one smbfuse daemon for $mnt, found: ${pids[*]:-none}"
	_T_MOUNT_PID[$mnt]=${pids[0]} _T_MOUNT_LOG[$mnt]=$log _T_MOUNT_CHILD[$mnt]=0
	SMBFUSE_PID=${pids[0]} SMBFUSE_LOG=$log
}

# wait_file FILE SECONDS [PID]: wait for FILE to exist (bounded; gives up
# early if PID has ended); status 1 if it does not.
wait_file() {
	local i
	for ((i = 0; i < $2 * 10; i++)); do
		[ -e "$1" ] && return 0
		[ -n "${3:-}" ] && ! _t_alive "$3" && break
		sleep 0.1
	done
	[ -e "$1" ]
}

# smbfuse_stats MNT: the mount's counters (smbfuse --stats), or fail.
smbfuse_stats() {
	timeout 30 "$SMBFUSE" --stats "$1" || fail "cannot read the counters of $1"
}
# stat_in FILE KEY: KEY's value in FILE (what smbfuse_stats printed; - for
# standard input), 0 when absent (counters show once non-zero).
stat_in() { awk -F': ' -v k="$2" '$1 == k { v = $2 } END { print v + 0 }' "$1"; }
# requests_in FILE [REGEX]: the requests.* counters in FILE summed, without
# those whose name matches REGEX.
requests_in() {
	awk -F': ' -v skip="${2:-^$}" '/^requests\./ && $1 !~ skip { n += $2 } END { print n + 0 }' "$1"
}
# stat_count MNT KEY: KEY's value among MNT's counters now.
stat_count() { smbfuse_stats "$1" | stat_in - "$2"; }

# smbfuse_umount MNT: fusermount3 -u (lazy as a last resort, which fails the
# test); the smbfuse process must then exit within 15 s, and if we started
# it with -f, with status 0.
smbfuse_umount() {
	local mnt=$1 pid log i rc lazy=0
	pid=${_T_MOUNT_PID[$mnt]:-}
	log=${_T_MOUNT_LOG[$mnt]:-/dev/null}
	is_mounted "$mnt" || fail "smbfuse_umount: $mnt is not mounted"
	for i in 1 2 3 4 5; do
		fusermount3 -u -- "$mnt" >"$T_ROOT/fusermount.out" 2>&1 && break
		sleep 0.5
	done
	if is_mounted "$mnt"; then
		show_file "$T_ROOT/fusermount.out"
		fusermount3 -uz -- "$mnt"
		lazy=1
	fi
	if [ -n "$pid" ]; then
		for i in $(seq 150); do _t_alive "$pid" || break; sleep 0.1; done
		if _t_alive "$pid"; then
			show_file "$log"
			fail "smbfuse (pid $pid) still running 15 s after unmounting $mnt"
		fi
		if [ "${_T_MOUNT_CHILD[$mnt]}" = 1 ]; then
			wait "$pid"
			rc=$?
			[ "$rc" = 0 ] || { show_file "$log"; fail "smbfuse exited with status $rc after unmount"; }
		fi
	fi
	_t_check_stderr "$log"
	[ "$lazy" = 0 ] || fail "plain 'fusermount3 -u $mnt' failed; needed a lazy unmount"
	unset "_T_MOUNT_PID[$mnt]"
	return 0
}

# smbfuse_try OUTFILE MNT [ARGS...]: run smbfuse (daemon mode) expecting it
# may fail; stdout+stderr to OUTFILE, exit status in TRY_RC.  Bounded by
# timeout 30 (status 124).  MNT is registered so that an unexpected success
# is still cleaned up.
smbfuse_try() {
	local out=$1 mnt=$2 unc p
	shift 2
	unc=${SMB_UNC:-//127.0.0.1:${SMB_PORT:-445}/share}
	_t_register_mount "$mnt"
	timeout 30 "$SMBFUSE" "$unc" "$mnt" "$@" >"$out" 2>&1 </dev/null
	TRY_RC=$?
	for p in $(pids_for_mount "$mnt"); do _t_register_pid "$p"; done
}
