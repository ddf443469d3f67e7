#!/bin/bash
# bench.sh - smbfuse side by side with smbclient and smbnetfs, on a throwaway
# SMB1 server: every row of the performance table in README, with its goal.
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Run as root on Debian 12:
#     contrib/bench.sh [--runs N] [--only ROW[,ROW...]] [--big-mib N]
#                      [--smbfuse PATH] [--keep] [--delayproxy FILE.c]
#                      [--server-option 'KEY = VALUE']...
# A benchmark, not a test: it exits 0 when it could set up and measure,
# whatever the figures say (a failed measurement prints "failed" in its
# cell), and CI never runs it.
#
# What it does, in order:
#   1. installs what is missing (samba smbclient smbnetfs fuse3 attr ...),
#      without letting the samba package start the system's own smbd, and
#      builds smbfuse (autoreconf, configure, make) if src/smbfuse is missing;
#   2. makes a temp dir holding an SMB1-only smbd (recipe of
#      shared/reference/samba-smb1.md) on 127.0.0.1 and a free port in
#      4450-4549, and the test data in its share: a random file of --big-mib
#      MiB (512), one of half that size for the latency rows, a directory of
#      10,000 files, and a tree of 5,000 files of 4 KiB in 110 directories
#      (also as a tar archive outside the share, for the untar row);
#   3. runs every row RUNS times (default 3), alternating the tools run by
#      run (smbclient, smbnetfs, smbfuse, smbclient, ...), each FUSE run on a
#      fresh mount connected before the clock starts, checks what each run
#      read or wrote (outside the clock), and prints the medians, the ratios
#      and whether each goal is met as a Markdown table, with the date, the
#      machine and this command line.
#
# Rows (--only names): read write ls find untar tarc lat latls signed; the
# daemon's peak RSS and CPU per GiB come from the rows that ran.
#
# The latency rows go through contrib/delayproxy.c (built here with cc into
# the temp dir), which adds 0 or 20 ms of round-trip time on loopback; without
# it they say "not run".  smbclient and smbfuse go through the same proxy.
#
# smbnetfs goes through libsmbclient, which connects to port 445 (then 139)
# and ignores "smb ports" in the client's smb.conf, and smbnetfs has no port
# option.  So when 127.0.0.1:445 is free the same smbd also listens there,
# for smbnetfs only; when it is not, the smbnetfs column says so.  For the
# same reason smbnetfs has no latency figures.
#
# Requests per file: the mount's request counters (`smbfuse --stats MNT`, or
# the user.smbfuse.stats attribute of older trees) after the run minus
# before, divided by the number of files; the change watcher's and the
# keepalive's requests are left out when the counters tell them apart.
#
# Invariants: all traffic goes to 127.0.0.1; every command that may hang runs
# under timeout(1); every wait loop is bounded; the EXIT trap unmounts what
# this script mounted, stops the processes it started (by PID) and removes
# its temp dir (unless --keep), also on Ctrl-C and on failure.

set -euo pipefail
export LC_ALL=C

prog=${0##*/}
repo=$(cd "$(dirname "$0")/.." && pwd)
CMDLINE=$0
for a in "$@"; do
	[[ $a =~ ^[][A-Za-z0-9_./=,:+-]+$ ]] || a=$(printf '%q' "$a")
	CMDLINE+=" $a"
done

ALL_ROWS="read write ls find untar tarc lat latls signed"
RUNS=3
BIG_MIB=512
ONLY=$ALL_ROWS
KEEP=0
SERVER_OPTS=()          # --server-option lines for smb.conf's [global]
SMBFUSE=$repo/src/smbfuse
DPROXY_SRC=$repo/contrib/delayproxy.c
PASS=secret
DIR_N=10000             # files in dir10k (ls rows)
TREE_DIRS=110           # directories in tree/ (find, untar, tarc rows)
TREE_N=5000             # files in tree/
TREE_SIZE=4096          # bytes per file in tree/
SNFS_WRITE_MIB=64       # at most this much written through smbnetfs
RTT_MS=20               # round-trip time the latency rows add
CLK=$(getconf CLK_TCK)
LOAD0=''                # load average when the measurements start

T=                      # temp dir, removed by cleanup
PORT=                   # smbd port for smbclient and smbfuse
SNFS_OK=0               # 1: smbd also listens on 127.0.0.1:445 for smbnetfs
SMBD_PID=
CUR_MNT=                # the one FUSE mount alive at a time
CUR_PID=                # its daemon, run with -f so that $! is its PID
PROXY_PIDS=()           # delay proxies
PROXY_PORT0='' PROXY_PORT1='' PROXY_LAST=''
TREE_SUM=''              # checksum of tree/, to check untar runs
DPROXY_NOTE=            # why the latency rows did not run
POLICY_RC=              # /usr/sbin/policy-rc.d if this script created it
STATS_HOW=              # cmd | xattr | none: how to read smbfuse's counters
declare -A RES=()       # ROW.TOOL[.secs|.cpu|.req|.rss] -> median, or ROW.TOOL -> note
declare -A SAMP=()      # ROW.TOOL.FIELD -> samples of the runs so far
declare -A RETRIED=()   # ROW.TOOL -> the run that failed once, and why
PEAK_RSS_KB=0 PEAK_RSS_ROW=
SNFS_RSS_KB=0
# Set by each run: wall seconds, CPU seconds (smbclient: the process; FUSE:
# the daemon), smbfuse requests, daemon VmHWM in kB.
RUN_SECS='' RUN_CPU='' RUN_REQ='' RUN_RSS_KB=''

say() { printf '%s: %s\n' "$prog" "$*" >&2; }
die() { say "$*"; exit 1; }

usage() {
	cat <<EOF
usage: $prog [--runs N] [--only ROW[,ROW...]] [--big-mib N] [--smbfuse PATH] [--keep]
          [--delayproxy FILE.c] [--server-option 'KEY = VALUE']...

Runs smbclient, smbnetfs and smbfuse side by side against a throwaway
SMB1-only smbd on 127.0.0.1 and prints a Markdown table of medians, ratios
and goals. Run as root (Debian 12). A benchmark, not a test: exits 0.

  --runs N        runs per measurement, median reported (default 3, 1-9)
  --only ROWS     comma-separated subset of: ${ALL_ROWS// /,}
  --big-mib N     size of the big file in MiB (default 512; the latency
                  rows read half of it)
  --smbfuse PATH  smbfuse binary (default: $repo/src/smbfuse, built if missing)
  --keep          keep the temp dir (data, logs) for debugging
  --delayproxy C  source of the delay proxy (default: $repo/contrib/delayproxy.c)
  --server-option 'KEY = VALUE'
                  an extra line for the server's [global] section, for all
                  three tools (what a server setting costs, e.g.
                  'change notify = no'); may be repeated
EOF
}

# Commands that may block on the network or a FUSE mount.  --foreground keeps
# the command in our process group so that Ctrl-C reaches it at once.
tmo() { timeout --foreground -k 5 "$@"; }

want() { [[ $1 == any || " $ONLY " == *" $1 "* ]]; }

# ---------------------------------------------------------------- setup

install_missing() {
	local pkgs=() rc=0
	command -v smbd >/dev/null || pkgs+=(samba)
	command -v smbpasswd >/dev/null || pkgs+=(samba-common-bin)
	command -v smbclient >/dev/null || pkgs+=(smbclient)
	command -v smbnetfs >/dev/null || pkgs+=(smbnetfs)
	command -v fusermount3 >/dev/null || pkgs+=(fuse3)
	command -v getfattr >/dev/null || pkgs+=(attr)
	command -v ss >/dev/null || pkgs+=(iproute2)
	command -v ps >/dev/null || pkgs+=(procps)
	if [[ -e $DPROXY_SRC ]] && ! command -v cc >/dev/null; then
		pkgs+=(gcc libc6-dev)
	fi
	if [[ ! -x $SMBFUSE && $SMBFUSE == "$repo/src/smbfuse" ]]; then
		command -v autoreconf >/dev/null || pkgs+=(autoconf automake)
		command -v pkg-config >/dev/null || pkgs+=(pkg-config)
		command -v make >/dev/null || pkgs+=(make)
		command -v cc >/dev/null || pkgs+=(gcc libc6-dev)
		pkg-config --exists fuse3 2>/dev/null || pkgs+=(libfuse3-dev)
		pkg-config --exists glib-2.0 2>/dev/null || pkgs+=(libglib2.0-dev)
		pkg-config --exists libcrypto 2>/dev/null || pkgs+=(libssl-dev)
	fi
	((${#pkgs[@]})) || return 0
	say "installing ${pkgs[*]}"
	# The samba package would start the system's smbd on 0.0.0.0:445.
	if [[ ! -e /usr/sbin/policy-rc.d ]]; then
		POLICY_RC=/usr/sbin/policy-rc.d
		printf '#!/bin/sh\nexit 101\n' >"$POLICY_RC"
		chmod 755 "$POLICY_RC"
	fi
	tmo 300 apt-get update -qq || rc=$?
	if ((rc == 0)); then
		DEBIAN_FRONTEND=noninteractive tmo 900 \
			apt-get install -y -qq "${pkgs[@]}" >/dev/null || rc=$?
	fi
	if [[ -n $POLICY_RC ]]; then
		rm -f "$POLICY_RC"
		POLICY_RC=
	fi
	((rc == 0)) || die "apt-get failed ($rc)"
}

build_smbfuse() {
	[[ -x $SMBFUSE ]] && return 0
	[[ $SMBFUSE == "$repo/src/smbfuse" ]] || die "no smbfuse binary at $SMBFUSE"
	say "building smbfuse in $repo"
	(
		cd "$repo"
		if [[ ! -f Makefile ]]; then
			mkdir -p m4
			tmo 600 autoreconf -fi
			tmo 600 ./configure -q
		fi
		tmo 1800 make -s -j"$(nproc)"
	) >"${TMPDIR:-/tmp}/smbfuse-bench-build.log" 2>&1 ||
		die "build failed: see ${TMPDIR:-/tmp}/smbfuse-bench-build.log"
	[[ -x $SMBFUSE ]] || die "no smbfuse binary at $SMBFUSE after make"
	rm -f "${TMPDIR:-/tmp}/smbfuse-bench-build.log"
}

port_free() { [[ -z $(ss -Hltn "sport = :$1") ]]; }

free_port() { # -> first free port in 4450-4549
	local p
	for ((p = 4450; p < 4550; p++)); do
		if port_free "$p"; then
			echo "$p"
			return 0
		fi
	done
	return 1
}

make_data() {
	local s=$T/share i j k n dirs=()
	say "creating test data in $s"
	mkdir -p "$s/dir10k" "$s/tree" "$T/work"
	head -c $((BIG_MIB * 1048576)) /dev/urandom >"$s/big.bin"
	head -c $((BIG_MIB * 1048576 / 2)) "$s/big.bin" >"$s/lat.bin"
	# split(1) names the pieces e00000, e00001, ...
	head -c $((DIR_N * 16)) /dev/urandom | (cd "$s/dir10k" && split -b 16 -a 5 -d - e)
	# tree/dI and tree/dI/sJ: 10 + 100 = 110 directories, each with 45 or
	# 46 files.
	for ((i = 0; i < 10; i++)); do
		dirs+=("tree/d$i")
		for ((j = 0; j < 10; j++)); do dirs+=("tree/d$i/s$j"); done
	done
	for ((k = 0; k < TREE_DIRS; k++)); do
		n=$((TREE_N / TREE_DIRS + (k < TREE_N % TREE_DIRS)))
		mkdir -p "$s/${dirs[k]}"
		head -c $((n * TREE_SIZE)) /dev/urandom |
			(cd "$s/${dirs[k]}" && split -b "$TREE_SIZE" -a 3 -d - f)
	done
	[[ $(find "$s/dir10k" -type f | wc -l) == "$DIR_N" ]] || die "bad dir10k"
	[[ $(find "$s/tree" -type f | wc -l) == "$TREE_N" ]] || die "bad tree (files)"
	[[ $(find "$s/tree" -mindepth 1 -type d | wc -l) == "$TREE_DIRS" ]] || die "bad tree (dirs)"
	tar -cf "$T/tree.tar" -C "$s" tree
	TREE_SUM=$(tree_sum "$s/tree")
	sync
}

tree_sum() { # DIR -> checksum of the names and contents of its files
	(cd "$1" && find . -type f -print0 | sort -z | xargs -0 md5sum | md5sum | cut -d' ' -f1)
}

write_configs() {
	local signing=$1 ports=$PORT
	((SNFS_OK)) && ports+=" 445"
	cat >"$T/smb.conf" <<EOF
[global]
  server min protocol = NT1
  server max protocol = NT1
  ntlm auth = yes
  interfaces = 127.0.0.1
  bind interfaces only = yes
  smb ports = $ports
  disable netbios = yes
  private dir = $T/priv
  lock directory = $T/lock
  state directory = $T/state
  cache directory = $T/cache
  pid directory = $T/pid
  log file = $T/log/log.%m
  passdb backend = tdbsam:$T/priv/passdb.tdb
  map to guest = Bad User
  load printers = no
  printing = bsd
  printcap name = /dev/null
  disable spoolss = yes
$( ((signing)) && echo '  server signing = mandatory')
$(for o in ${SERVER_OPTS[@]+"${SERVER_OPTS[@]}"}; do printf '  %s\n' "$o"; done)
[share]
  path = $T/share
  read only = no
  guest ok = yes
EOF
	# Client side: smbclient (-s) and libsmbclient for smbnetfs ($HOME/.smb).
	cat >"$T/client.conf" <<EOF
[global]
  client min protocol = NT1
  client max protocol = NT1
  disable netbios = yes
EOF
	mkdir -p "$T/snhome/.smb"
	cp "$T/client.conf" "$T/snhome/.smb/smb.conf"
	cat >"$T/snhome/.smb/smbnetfs.conf" <<EOF
auth "127.0.0.1" "root" "$PASS"
smb_query_browsers "false"
use_libsecret "false"
EOF
	printf 'username = root\npassword = %s\n' "$PASS" >"$T/auth"
	chmod 600 "$T/auth" "$T/snhome/.smb/"*
}

listening_pid() { # PORT PID -> is PID listening on 127.0.0.1:PORT
	ss -Hltnp "sport = :$1" | grep -q "pid=$2,"
}

start_smbd() { # SIGNING(0/1)
	local i
	write_configs "$1"
	# -F without --no-process-group: smbd makes its own process group and
	# signals that group when it stops, which must not include this script.
	smbd -s "$T/smb.conf" -F </dev/null >>"$T/log/smbd.out" 2>&1 &
	SMBD_PID=$!
	for ((i = 0; i < 100; i++)); do
		listening_pid "$PORT" "$SMBD_PID" && break
		alive "$SMBD_PID" || break
		sleep 0.1
	done
	listening_pid "$PORT" "$SMBD_PID" || { tail -n 5 "$T/log/smbd.out" >&2; die "smbd did not start"; }
	if ((SNFS_OK)) && ! listening_pid 445 "$SMBD_PID"; then
		say "smbd could not bind 127.0.0.1:445: no smbnetfs figures"
		SNFS_OK=0
	fi
	smbc 20 "$PORT" -c ls || { tail -n 5 "$T/log/smbclient.log" >&2; die "smbclient cannot log on"; }
}

alive() { # PID -> running and not a zombie
	local st
	st=$(ps -o stat= -p "$1" 2>/dev/null) || return 1
	[[ $st != Z* ]]
}

stop_pid() { # PID [GRACE]: wait GRACE tenths of a second (30) for it to exit,
	# then TERM, then KILL; reap it
	local pid=$1 grace=${2:-30} i
	[[ -n $pid ]] || return 0
	for ((i = 0; i < grace; i++)); do
		alive "$pid" || break
		sleep 0.1
	done
	if alive "$pid"; then
		kill -TERM "$pid" 2>/dev/null || true
		for ((i = 0; i < 50; i++)); do
			alive "$pid" || break
			sleep 0.1
		done
		alive "$pid" && kill -KILL "$pid" 2>/dev/null
	fi
	wait "$pid" 2>/dev/null || true
}

stop_smbd() {
	local i
	[[ -n $SMBD_PID ]] || return 0
	stop_pid "$SMBD_PID" 0
	# Children serving connections share its process group; they follow it.
	for ((i = 0; i < 50; i++)); do
		pgrep -g "$SMBD_PID" >/dev/null || break
		sleep 0.1
	done
	pgrep -g "$SMBD_PID" >/dev/null && kill -KILL -- "-$SMBD_PID" 2>/dev/null
	SMBD_PID=
}

# ---------------------------------------------------------------- delay proxy

build_dproxy() {
	if [[ ! -e $DPROXY_SRC ]]; then
		DPROXY_NOTE="not run (no contrib/delayproxy.c)"
		return 1
	fi
	if ! tmo 120 cc -O2 -Wall -pthread -o "$T/delayproxy" "$DPROXY_SRC" \
		>"$T/log/delayproxy-build.log" 2>&1; then
		DPROXY_NOTE="not run (delayproxy.c does not build)"
		return 1
	fi
}

start_proxy() { # RTT_MS: a delay proxy to smbd on a free port, PROXY_LAST
	local port i pid
	port=$(free_port) || return 1
	"$T/delayproxy" "$port" "$PORT" "$1" </dev/null >"$T/log/proxy$1.out" 2>&1 &
	pid=$!
	PROXY_PIDS+=("$pid")
	for ((i = 0; i < 100; i++)); do
		grep -qx ready "$T/log/proxy$1.out" && break
		alive "$pid" || break
		sleep 0.1
	done
	grep -qx ready "$T/log/proxy$1.out" && listening_pid "$port" "$pid" || return 1
	PROXY_LAST=$port
}

start_proxies() {
	build_dproxy || return 1
	if ! start_proxy 0 || ! PROXY_PORT0=$PROXY_LAST || ! start_proxy "$RTT_MS" ||
		! PROXY_PORT1=$PROXY_LAST || ! smbc 30 "$PROXY_PORT1" -c ls; then
		DPROXY_NOTE="not run (delayproxy did not start)"
		stop_proxies
		return 1
	fi
	say "delay proxies: :$PROXY_PORT0 (0 ms), :$PROXY_PORT1 ($RTT_MS ms) -> :$PORT"
}

stop_proxies() {
	local p
	for p in "${PROXY_PIDS[@]}"; do
		kill -TERM "$p" 2>/dev/null || true
		stop_pid "$p" 0
	done
	PROXY_PIDS=()
}

# ---------------------------------------------------------------- clients

# CPU seconds (user + sys) of this shell's reaped children, from
# /proc/PID/stat (cutime and cstime, fields 16 and 17).
children_cpu() { awk -v t="$CLK" '{ sub(/^.*\) /, ""); printf "%.3f", ($14 + $15) / t }' "/proc/$$/stat"; }

# CPU seconds of a running process (utime + stime, fields 14 and 15).
pid_cpu() { awk -v t="$CLK" '{ sub(/^.*\) /, ""); printf "%.3f", ($12 + $13) / t }' "/proc/$1/stat"; }

# smbc TIMEOUT PORT ARGS...: one smbclient connection to //127.0.0.1/share.
smbc() {
	local tm=$1 port=$2 out=$T/log/smbclient.out rc=0
	shift 2
	# -t: smbclient's own per-request timeout (20 s) is no help on a busy
	# machine; timeout(1) bounds the whole run.
	tmo "$tm" smbclient -s "$T/client.conf" -A "$T/auth" -p "$port" -t "$tm" \
		--option='client min protocol=NT1' --option='client max protocol=NT1' \
		//127.0.0.1/share "$@" >"$out" 2>&1 || rc=$?
	cat "$out" >>"$T/log/smbclient.log"
	((rc == 0)) && ! grep -q 'NT_STATUS_' "$out"
}

# smbc_run TIMEOUT PORT ARGS...: smbc, timed, with its CPU time.
smbc_run() {
	local c0 t0 t1 c1
	c0=$(children_cpu)
	t0=$EPOCHREALTIME
	smbc "$@" || return 1
	t1=$EPOCHREALTIME
	c1=$(children_cpu)
	RUN_SECS=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.6f", b - a }')
	RUN_CPU=$(awk -v a="$c0" -v b="$c1" 'BEGIN { printf "%.3f", b - a }')
}

is_mounted() { awk -v m="$1" '$5 == m { f = 1 } END { exit !f }' /proc/self/mountinfo; }

# Directory of the share inside the current mount of TOOL.
share_dir() {
	if [[ $1 == smbnetfs ]]; then
		echo "$T/mnt/127.0.0.1/share"
	else
		echo "$T/mnt"
	fi
}

fuse_mount() { # TOOL PORT
	local i
	if [[ $1 == smbnetfs ]]; then
		HOME=$T/snhome smbnetfs "$T/mnt" -f -o "config=$T/snhome/.smb/smbnetfs.conf" \
			</dev/null >>"$T/log/smbnetfs.log" 2>&1 &
	else
		"$SMBFUSE" "//127.0.0.1:$2/share" "$T/mnt" -f -o "username=root,password=$PASS" \
			</dev/null >>"$T/log/smbfuse.log" 2>&1 &
	fi
	CUR_PID=$! CUR_MNT=$T/mnt
	for ((i = 0; i < 150; i++)); do
		is_mounted "$CUR_MNT" && break
		alive "$CUR_PID" || break
		sleep 0.1
	done
	is_mounted "$CUR_MNT" || { fuse_umount; return 1; }
	# smbnetfs connects on first use, smbfuse at mount time: connect both
	# before the clock starts.
	tmo 30 stat "$(share_dir "$1")" >/dev/null || { fuse_umount; return 1; }
}

fuse_umount() {
	if [[ -n $CUR_MNT ]] && is_mounted "$CUR_MNT"; then
		tmo 20 fusermount3 -u "$CUR_MNT" 2>/dev/null ||
			tmo 20 fusermount3 -uz "$CUR_MNT" || true
	fi
	stop_pid "$CUR_PID"
	CUR_PID='' CUR_MNT=''
}

# The mount's counters as "key: value" lines, the way this smbfuse offers
# them: `smbfuse --stats MNT`, or the stats attribute of older trees.
smbfuse_stats() {
	case $STATS_HOW in
	cmd) tmo 10 "$SMBFUSE" --stats "$CUR_MNT" 2>/dev/null ;;
	xattr) tmo 10 getfattr -n user.smbfuse.stats --only-values "$CUR_MNT" 2>/dev/null ;;
	*) return 1 ;;
	esac
}

stats_probe() { # on the first smbfuse mount: sets STATS_HOW
	local how
	for how in cmd xattr; do
		STATS_HOW=$how
		[[ $(smbfuse_stats) == *requests:* ]] && return 0
	done
	STATS_HOW=none
	say "smbfuse offers no request counters: no requests per file"
}

# The requests the mount has sent: by command (requests.NAME lines) without
# the change watcher's NT_TRANSACT and the keepalive ECHO, which no file
# operation sends; a tree without those lines: its per-connection totals.
stats_how() {
	case $STATS_HOW in
	cmd) echo "\`smbfuse --stats\`" ;;
	xattr) echo "the user.smbfuse.stats attribute" ;;
	none) echo "none offered" ;;
	*) echo "not read" ;;
	esac
}

requests_of() { # STATS_FILE -> the requests it counts
	awk -F': *' '
		$1 ~ /^requests\./ { by++; if ($1 !~ /NT_TRANSACT|ECHO/) own += $2 }
		$1 ~ /^connection\.[0-9]+\.requests$/ { conn += $2; n++ }
		END { if (by) print own; else if (n) print conn; else exit 1 }' "$1"
}

# by_command ROW N: the requests by command of the row's last smbfuse run,
# divided by N, most frequent first ("" when the counters have no commands).
by_command() {
	local f=$T/work/stats.$1
	[[ -f $f.0 && -f $f.1 ]] || return 0
	awk -F': *' -v n="$2" 'FNR == NR { b[$1] = $2; next }
		$1 ~ /^requests\./ && $1 !~ /NT_TRANSACT|ECHO/ && $2 - b[$1] > 0 {
			d = $2 - b[$1]; sub(/^requests\./, "", $1)
			printf "%s %s\n", d / n, $1 }' "$f.0" "$f.1" |
		sort -k1,1gr | awk '{ printf "%s%s %s", (NR > 1 ? ", " : ""), $2, $1 + 0 }'
}

# fuse_run TOOL PORT ROW CMD...: CMD timed on a fresh mount of TOOL (CMD runs
# in a child bash with $M the share's directory), daemon CPU, VmHWM and
# (smbfuse) requests sampled before the unmount.
fuse_run() {
	local tool=$1 port=$2 row=$3 rc=0 r0='' r1='' t0 t1
	shift 3
	fuse_mount "$tool" "$port" || return 1
	if [[ $tool == smbfuse ]]; then
		[[ -n $STATS_HOW ]] || stats_probe
		smbfuse_stats >"$T/work/stats0" || :
	fi
	t0=$EPOCHREALTIME
	M=$(share_dir "$tool") tmo "$FUSE_TMO" bash -c "$1" || rc=1
	t1=$EPOCHREALTIME
	RUN_SECS=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.6f", b - a }')
	RUN_CPU=$(pid_cpu "$CUR_PID")
	RUN_RSS_KB=$(awk '/^VmHWM:/ { print $2 }' "/proc/$CUR_PID/status")
	if [[ $tool == smbfuse ]]; then
		if smbfuse_stats >"$T/work/stats1" && r0=$(requests_of "$T/work/stats0") &&
			r1=$(requests_of "$T/work/stats1"); then
			RUN_REQ=$((r1 - r0))
			mv "$T/work/stats0" "$T/work/stats.$row.0"
			mv "$T/work/stats1" "$T/work/stats.$row.1"
		fi
		if ((RUN_RSS_KB > PEAK_RSS_KB)); then
			PEAK_RSS_KB=$RUN_RSS_KB PEAK_RSS_ROW=$row
		fi
	elif ((RUN_RSS_KB > SNFS_RSS_KB)); then
		SNFS_RSS_KB=$RUN_RSS_KB
	fi
	fuse_umount
	return "$rc"
}
export M

# ---------------------------------------------------------------- the rows
# One run each: smbclient_ROW PORT / fuse_ROW TOOL PORT; 0 or 1 (failed).

FUSE_TMO=300

read_smbclient() { smbc_run 300 "$1" -c "get ${2:-big.bin} /dev/null"; }
read_fuse() { fuse_run "$1" "$2" "$ROW" "cat -- \"\$M/${3:-big.bin}\" >/dev/null"; }

write_check() { # [MIB]: the file written, outside the clock
	local rc=0 n=$((${1:-$BIG_MIB} * 1048576))
	[[ $(stat -c %s "$T/share/wbench.bin" 2>/dev/null) == "$n" ]] || rc=1
	cmp -s -n "$n" "$T/share/big.bin" "$T/share/wbench.bin" || rc=1
	rm -f "$T/share/wbench.bin"
	return "$rc"
}

write_smbclient() {
	smbc_run 300 "$1" -c "lcd $T/share; put big.bin wbench.bin" || { write_check; return 1; }
	write_check
}

write_fuse() { # TOOL PORT [DD_EXTRA]
	# smbnetfs writes at a few MB/s: it writes less, to keep the run short.
	local mib=$BIG_MIB
	[[ $1 == smbnetfs ]] && ((mib > SNFS_WRITE_MIB)) && mib=$SNFS_WRITE_MIB
	fuse_run "$1" "$2" "$ROW" "dd if=$T/share/big.bin of=\"\$M/wbench.bin\" bs=1M \
		count=$mib status=none ${3:-}" || { write_check "$mib"; return 1; }
	write_check "$mib"
}

ls_smbclient() {
	smbc_run 120 "$1" -c "cd dir10k; ls" || return 1
	# one line per entry, plus . and ..
	(($(grep -c ' e[0-9]\{5\} ' "$T/log/smbclient.out") == DIR_N))
}

ls_fuse() {
	fuse_run "$1" "$2" "$ROW" "ls -l -- \"\$M/dir10k\" >$T/work/ls.out" || return 1
	# "total N" and one line per entry
	(($(wc -l <"$T/work/ls.out") == DIR_N + 1))
}

find_smbclient() {
	smbc_run 120 "$1" -c "cd tree; recurse; ls" || return 1
	(($(grep -c ' f[0-9]\{3\} ' "$T/log/smbclient.out") == TREE_N))
}

find_fuse() {
	fuse_run "$1" "$2" "$ROW" "find \"\$M/tree\" >$T/work/find.out" || return 1
	# tree itself, its directories and its files
	(($(wc -l <"$T/work/find.out") == TREE_N + TREE_DIRS + 1))
}

untar_check() { # what was extracted into share/ux, outside the clock
	local rc=0
	[[ $(tree_sum "$T/share/ux/tree" 2>/dev/null) == "$TREE_SUM" ]] || rc=1
	rm -rf "$T/share/ux"
	mkdir "$T/share/ux"
	return "$rc"
}

untar_smbclient() {
	smbc_run 300 "$1" -D ux -Tx "$T/tree.tar" || { untar_check; return 1; }
	untar_check
}

untar_fuse() {
	# tar's status says nothing here: as root it fails when smbnetfs
	# refuses a chown; the check after the run compares every file.
	fuse_run "$1" "$2" "$ROW" "tar -xf $T/tree.tar -C \"\$M/ux\" 2>>$T/log/tar.log || :" ||
		{ untar_check; return 1; }
	untar_check
}

tarc_smbclient() {
	local rc=0
	smbc_run 300 "$1" -Tc "$T/work/tc.tar" tree || rc=1
	(($(tar -tf "$T/work/tc.tar" 2>/dev/null | grep -c '/f[0-9]\{3\}$') == TREE_N)) || rc=1
	rm -f "$T/work/tc.tar"
	return "$rc"
}

tarc_fuse() {
	local rc=0
	# Into a file, not /dev/null: GNU tar skips reading when writing there.
	fuse_run "$1" "$2" "$ROW" "tar -cf $T/work/tc.tar -C \"\$M\" tree" || rc=1
	(($(tar -tf "$T/work/tc.tar" 2>/dev/null | grep -c '/f[0-9]\{3\}$') == TREE_N)) || rc=1
	rm -f "$T/work/tc.tar"
	return "$rc"
}

# ---------------------------------------------------------------- driver

median() { printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END {
	print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

# row KEY SPEC...: RUNS rounds; in each, one run of every SPEC in turn
# ("TOOL FUNC ARGS..."), so the tools alternate.  Medians into RES.
row() {
	local key=$1 spec tool f run rc v
	local -a a
	shift
	ROW=$key
	for spec in "$@"; do
		read -ra a <<<"$spec"
		if [[ ${a[0]} == smbnetfs ]] && ((!SNFS_OK)); then
			RES[$key.smbnetfs]="n/a (port 445 busy)"
		fi
	done
	for ((run = 1; run <= RUNS; run++)); do
		for spec in "$@"; do
			read -ra a <<<"$spec"
			tool=${a[0]}
			[[ -n ${RES[$key.$tool]:-} ]] && continue
			RUN_SECS='' RUN_CPU='' RUN_REQ='' RUN_RSS_KB=''
			rc=0
			"${a[@]:1}" || rc=$?
			if ((rc != 0)) || [[ -z $RUN_SECS ]]; then
				# One retry per row and tool, named under the table: a
				# single stall on this shared machine should not cost a
				# row its figures, and a real failure fails twice.
				f=$(grep -v '^[[:space:]]*$' "$T/log/${tool/smbfusefs/smbfuse}.log" \
					2>/dev/null | tail -n 3) || f=''
				say "$key.$tool: run $run failed; last log lines:"
				printf '%s\n' "$f" >&2
				if [[ -z ${RETRIED[$key.$tool]:-} ]]; then
					RETRIED[$key.$tool]="run $run: $(tail -n 1 <<<"$f")"
					RUN_SECS='' RUN_CPU='' RUN_REQ='' RUN_RSS_KB=''
					rc=0
					"${a[@]:1}" || rc=$?
				fi
			fi
			if ((rc != 0)) || [[ -z $RUN_SECS ]]; then
				RES[$key.$tool]=failed
				say "$key.$tool: run $run failed"
				continue
			fi
			for f in secs cpu req rss; do
				case $f in
				secs) v=$RUN_SECS ;; cpu) v=$RUN_CPU ;;
				req) v=$RUN_REQ ;; rss) v=$RUN_RSS_KB ;;
				esac
				[[ -n $v ]] && SAMP[$key.$tool.$f]+=" $v"
			done
		done
	done
	for spec in "$@"; do
		read -ra a <<<"$spec"
		tool=${a[0]}
		[[ -n ${RES[$key.$tool]:-} ]] && continue
		for f in secs cpu req rss; do
			v=${SAMP[$key.$tool.$f]:-}
			# shellcheck disable=SC2086 # a list of numbers
			[[ -n $v ]] && RES[$key.$tool.$f]=$(median $v)
		done
		say "$key.$tool: ${SAMP[$key.$tool.secs]# } s${SAMP[$key.$tool.req]:+, requests${SAMP[$key.$tool.req]}}"
	done
}

not_run() { # KEY NOTE TOOL...
	local key=$1 note=$2 t
	shift 2
	for t in "$@"; do RES[$key.$t]=$note; done
}

# ---------------------------------------------------------------- report

num() { [[ ${1:-} =~ ^[0-9.]+$ ]]; }
fmt() { awk -v v="$1" -v f="$2" 'BEGIN { printf f, v }'; }
div() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "inf" }'; }

# cell KEY TOOL UNIT METHOD: a tool's median of a row, as a table cell
cell() {
	local key=$1 tool=$2 unit=$3 method=$4 bytes s v extra=''
	s=${RES[$key.$tool.secs]:-}
	if ! num "$s"; then
		printf '%s' "${RES[$key.$tool]:-not run}"
		return
	fi
	bytes=$(bytes_of "$key" "$tool")
	((bytes == BIG_MIB * 1048576 || bytes == BIG_MIB * 524288)) ||
		extra=", $((bytes / 1048576)) MiB"
	case $unit in
	GB/s) v=$(awk -v s="$s" -v b="$bytes" 'BEGIN { r = b / 1e9 / s
		printf (r < 0.1 ? "%.3f GB/s" : "%.2f GB/s"), r }') ;;
	MB/s) v=$(awk -v s="$s" -v b="$bytes" 'BEGIN { printf "%.0f MB/s", b / 1e6 / s }') ;;
	s) v=$(fmt "$s" '%.2f s') ;;
	esac
	if [[ $tool == smbfuse ]] && num "${RES[$key.smbfuse.req]:-}"; then
		case $key in
		untar | tarc)
			extra=", $(div "${RES[$key.smbfuse.req]}" "$TREE_N") requests per file" ;;
		*) extra=", $(fmt "${RES[$key.smbfuse.req]}" '%.0f') requests" ;;
		esac
	fi
	# shellcheck disable=SC2016 # Markdown code, not shell
	printf '%s (`%s`%s)' "$v" "$method" "$extra"
}

secs_of() { # KEY TOOL -> median seconds, or fail
	local s=${RES[$1.$2.secs]:-}
	num "$s" && echo "$s"
}

bytes_of() { # KEY TOOL -> bytes one run of the row moved
	local mib=$BIG_MIB
	case $1.$2 in
	lat0.* | lat20.*) mib=$((BIG_MIB / 2)) ;;
	write.smbnetfs | swrite.smbnetfs) ((mib > SNFS_WRITE_MIB)) && mib=$SNFS_WRITE_MIB ;;
	esac
	echo $((mib * 1048576))
}

# Throughput of smbfuse (or TOOL2) relative to REF's.
tput_ratio() { # KEY REF [TOOL2] -> ratio, or nothing
	local a b t2=${3:-smbfuse}
	a=$(secs_of "$1" "$2") && b=$(secs_of "$1" "$t2") &&
		awk -v a="$a" -v b="$b" -v x="$(bytes_of "$1" "$t2")" -v y="$(bytes_of "$1" "$2")" \
			'BEGIN { printf "%.2f", (x / b) / (y / a) }'
	return 0
}

# Time of smbfuse relative to REF.
time_ratio() { # KEY REF -> ratio, or nothing
	local a b
	a=$(secs_of "$1" smbfuse) && b=$(secs_of "$1" "$2") && div "$a" "$b"
	return 0
}

ratios() { # R1 WHAT1 [R2 WHAT2]: "R1x WHAT1, R2x WHAT2" without the missing ones
	local out=''
	while (($# >= 2)); do
		[[ -n $1 ]] && out+="${out:+, }${1}x $2"
		shift 2
	done
	printf '%s' "${out:--}"
}

MET=0 GOALS=0 UNMET=()
V=
judge() { # LABEL ROW EXPR [A [B]]: V = met / not met / - (a figure is
	# missing) / not run (--only); EXPR is an awk condition over a and b
	local label=$1 expr=$3 v
	if ! want "$2"; then
		V="not run"
		return 0
	fi
	shift 3
	GOALS=$((GOALS + 1))
	for v in "$@"; do
		if ! num "$v"; then
			V=-
			UNMET+=("$label (no figure)")
			return 0
		fi
	done
	if awk -v a="${1:-0}" -v b="${2:-0}" "BEGIN { exit !($expr) }"; then
		V=met
		MET=$((MET + 1))
	else
		V="not met"
		UNMET+=("$label")
	fi
}

# pr CELL x 7: one table line, left out when its row did not run (--only)
pr() {
	[[ $V == "not run" ]] || printf '| %s | %s | %s | %s | %s | %s | %s |\n' "$@"
}

cpu_cell() { # VALUE KEY TOOL WHOSE
	if [[ -n $1 ]]; then
		printf '%s (%s)' "$1" "$4"
	else
		printf '%s' "${RES[$2.$3]:-not run}"
	fi
}

cpu_per_gib() { # KEY TOOL -> CPU seconds per GiB, or nothing
	local c=${RES[$1.$2.cpu]:-}
	num "$c" && awk -v c="$c" -v b="$(bytes_of "$1" "$2")" \
		'BEGIN { printf "%.2f", c / (b / 1073741824) }'
}

report() {
	local rev
	local r1 r2 a b c lbl
	local bigl="$BIG_MIB MiB" latl="$((BIG_MIB / 2)) MiB"
	# The tree the binary was built in, which --smbfuse may have changed.
	rev=$(git -C "$(dirname "$SMBFUSE")" describe --always --dirty 2>/dev/null ||
		echo "not in a git tree")
	echo
	echo "## smbfuse benchmark: SMB1 over loopback"
	echo
	echo "- command: \`$CMDLINE\`"
	echo "- date: $(date -u '+%Y-%m-%d %H:%M UTC'); smbfuse $rev ($SMBFUSE)"
	echo "- machine: nproc $(nproc) ($(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo))," \
		"$(awk '/^MemTotal/ { printf "%.1f GiB RAM", $2 / 1048576 }' /proc/meminfo)," \
		"kernel $(uname -r); load average $LOAD0 at the start, $(cut -d' ' -f1-3 /proc/loadavg) at the end"
	echo "- server: Samba $(smbd --version | sed 's/^Version //'), SMB1 only (NT1) on 127.0.0.1;" \
		"smbclient $(smbclient --version | sed 's/^Version //')"
	if ((SNFS_OK)); then
		echo "- smbnetfs $(dpkg-query -W -f='${Version}' smbnetfs 2>/dev/null) talks to the same smbd" \
			"on 127.0.0.1:445 (libsmbclient connects to 445/139 only; smbnetfs has no port option)"
	else
		echo "- smbnetfs skipped: it can only reach port 445, which was busy"
	fi
	echo "- median of $RUNS runs, the tools alternated run by run; each FUSE run on a fresh mount" \
		"(default options) connected before the clock starts; each smbclient run is one" \
		"invocation, its connect and logon included; requests: smbfuse's own counters" \
		"($(stats_how)); every run's result checked outside the clock"
	echo
	pr work smbclient smbnetfs smbfuse ratio goal met
	echo "|---|---|---|---|---|---|---|"

	lbl="read $bigl cold"
	r1=$(tput_ratio read smbclient) r2=$(tput_ratio read smbnetfs)
	judge "$lbl" read "a >= 0.9 && b >= 3" "$r1" "$r2"
	pr "$lbl" "$(cell read smbclient GB/s get)" "$(cell read smbnetfs GB/s cat)" \
		"$(cell read smbfuse GB/s cat)" "$(ratios "$r1" smbclient "$r2" smbnetfs)" \
		">= 0.9x smbclient, >= 3x smbnetfs" "$V"

	lbl="write $bigl"
	r1=$(tput_ratio write smbclient) r2=$(tput_ratio write smbnetfs)
	judge "$lbl" write "a >= 0.9" "$r1"
	pr "$lbl" "$(cell write smbclient GB/s put)" "$(cell write smbnetfs GB/s "dd bs=1M")" \
		"$(cell write smbfuse GB/s "dd bs=1M")" "$(ratios "$r1" smbclient "$r2" smbnetfs)" \
		">= 0.9x smbclient" "$V"
	r1=$(tput_ratio write smbclient smbfusefs)
	want write && V=- || V="not run"
	pr "write $bigl, then fsync" "(as above)" - \
		"$(cell write smbfusefs GB/s "dd bs=1M conv=fsync")" "$(ratios "$r1" smbclient)" \
		"(for information)" -

	lbl="\`ls -l\` of $(commas "$DIR_N") files"
	r1=$(time_ratio ls smbclient)
	judge "ls -l" ls "a <= 1.0" "$r1"
	pr "$lbl" "$(cell ls smbclient s ls)" "$(cell ls smbnetfs s "ls -l")" \
		"$(cell ls smbfuse s "ls -l")" "$(ratios "$r1" "smbclient's time")" \
		"<= 1.0x smbclient's time" "$V"

	lbl="\`find\` over $(commas "$TREE_N") files in $TREE_DIRS dirs"
	r1=$(time_ratio find smbclient)
	judge find find "a <= 1.0" "$r1"
	pr "$lbl" "$(cell find smbclient s "recurse; ls")" "$(cell find smbnetfs s find)" \
		"$(cell find smbfuse s find)" "$(ratios "$r1" "smbclient's time")" \
		"<= 1.0x smbclient's time" "$V"

	lbl="untar $(commas "$TREE_N") files of $((TREE_SIZE / 1024)) KiB"
	r1=$(tput_ratio untar smbnetfs) r2=$(tput_ratio untar smbclient)
	judge untar untar "a >= 3" "$r1"
	pr "$lbl" "$(cell untar smbclient s "-Tx")" "$(cell untar smbnetfs s "tar -x")" \
		"$(cell untar smbfuse s "tar -x")" \
		"$(ratios "$r1" "faster than smbnetfs" "$r2" "faster than smbclient")" \
		">= 3x faster than smbnetfs" "$V"

	lbl="read them back"
	r1=$(tput_ratio tarc smbnetfs) r2=$(tput_ratio tarc smbclient)
	judge "tar -c" tarc "a >= 3" "$r1"
	pr "$lbl" "$(cell tarc smbclient s "-Tc")" "$(cell tarc smbnetfs s "tar -c")" \
		"$(cell tarc smbfuse s "tar -c")" \
		"$(ratios "$r1" "faster than smbnetfs" "$r2" "faster than smbclient")" \
		">= 3x faster than smbnetfs" "$V"

	r1=$(tput_ratio lat0 smbclient)
	want lat && V=- || V="not run"
	pr "read $latl through the delay proxy at 0 ms" "$(cell lat0 smbclient MB/s get)" \
		"${RES[lat0.smbnetfs]:-not run}" "$(cell lat0 smbfuse MB/s cat)" \
		"$(ratios "$r1" smbclient)" "(reference for the next row)" -

	lbl="read $latl at $RTT_MS ms RTT"
	a=$(secs_of lat0 smbfuse) && b=$(secs_of lat20 smbfuse) && r1=$(div "$a" "$b") || r1=''
	r2=$(tput_ratio lat20 smbclient)
	judge "$lbl" lat "a >= 0.5" "$r1"
	pr "$lbl" "$(cell lat20 smbclient MB/s get)" "${RES[lat20.smbnetfs]:-not run}" \
		"$(cell lat20 smbfuse MB/s cat)" \
		"$(ratios "$r1" "smbfuse at 0 ms" "$r2" smbclient)" ">= 0.5x smbfuse at 0 ms" "$V"

	lbl="\`ls -l\` of $(commas "$DIR_N") files at $RTT_MS ms RTT"
	r1=$(time_ratio latls smbclient)
	judge "ls -l at $RTT_MS ms" latls "a < 1.0" "$(secs_of latls smbfuse)"
	pr "$lbl" "$(cell latls smbclient s ls)" "${RES[latls.smbnetfs]:-not run}" \
		"$(cell latls smbfuse s "ls -l")" "$(ratios "$r1" "smbclient's time")" "< 1.0 s" "$V"

	lbl="signed: read $bigl"
	r1=$(tput_ratio sread smbclient) r2=$(tput_ratio sread smbnetfs)
	judge "$lbl" signed "a >= 0.8" "$r1"
	pr "$lbl" "$(cell sread smbclient GB/s get)" "$(cell sread smbnetfs GB/s cat)" \
		"$(cell sread smbfuse GB/s cat)" "$(ratios "$r1" smbclient "$r2" smbnetfs)" \
		">= 0.8x smbclient" "$V"

	lbl="signed: write $bigl"
	r1=$(tput_ratio swrite smbclient) r2=$(tput_ratio swrite smbnetfs)
	judge "$lbl" signed "a >= 0.8" "$r1"
	pr "$lbl" "$(cell swrite smbclient GB/s put)" \
		"$(cell swrite smbnetfs GB/s "dd bs=1M")" \
		"$(cell swrite smbfuse GB/s "dd bs=1M")" "$(ratios "$r1" smbclient "$r2" smbnetfs)" \
		">= 0.8x smbclient" "$V"

	lbl="daemon peak RSS (VmHWM, all rows)"
	if ((PEAK_RSS_KB)); then
		a=$(awk -v k="$PEAK_RSS_KB" 'BEGIN { printf "%.1f", k / 1024 }')
		b="$a MiB (in $PEAK_RSS_ROW)"
	else
		a='' b="not run"
	fi
	c=-
	((SNFS_RSS_KB)) && c=$(awk -v k="$SNFS_RSS_KB" 'BEGIN { printf "%.1f MiB", k / 1024 }')
	judge "$lbl" any "a < 64" "$a"
	pr "$lbl" - "$c" "$b" - "< 64 MiB" "$V"

	for c in read write; do
		lbl="CPU s per GiB $( [[ $c == read ]] && echo read || echo written) (user+sys)"
		a=$(cpu_per_gib "$c" smbclient) || a=''
		b=$(cpu_per_gib "$c" smbfuse) || b=''
		r2=$(cpu_per_gib "$c" smbnetfs) || r2=''
		r1=''
		[[ -n $a && -n $b ]] && r1=$(div "$b" "$a")
		judge "$lbl" "$c" "a <= 1.0" "$r1"
		pr "$lbl" "$(cpu_cell "$a" "$c" smbclient process)" \
			"$(cpu_cell "$r2" "$c" smbnetfs daemon)" \
			"$(cpu_cell "$b" "$c" smbfuse daemon)" "$(ratios "$r1" smbclient)" \
			"<= 1.0x smbclient" "$V"
	done

	echo
	echo "Goals met: $MET of $GOALS."
	if ((${#UNMET[@]})); then
		a=$(printf '%s; ' "${UNMET[@]}")
		echo "Not met: ${a%; }."
	fi
	a=''
	for c in "ls 1 ls -l" "find 1 find" "untar $TREE_N untar, per file" \
		"tarc $TREE_N tar -c, per file" "latls 1 ls -l at $RTT_MS ms"; do
		read -r r1 r2 lbl <<<"$c"
		want "$r1" || continue
		b=$(by_command "$r1" "$r2") || b=''
		[[ -n $b ]] && a+="- $lbl: $b"$'\n'
	done
	if [[ -n $a ]]; then
		echo
		echo "smbfuse's requests by command (its last run of the row):"
		echo
		printf '%s' "$a"
	fi
	if ((${#RETRIED[@]})); then
		echo
		echo "Failed once and run again (the figures are those of the second try):"
		echo
		for c in "${!RETRIED[@]}"; do echo "- $c ${RETRIED[$c]}"; done | sort
	fi
}

run_rows() {
	local P=$PORT
	if want read; then
		row read "smbclient read_smbclient $P" "smbnetfs read_fuse smbnetfs $P" \
			"smbfuse read_fuse smbfuse $P"
	fi
	if want write; then
		row write "smbclient write_smbclient $P" "smbnetfs write_fuse smbnetfs $P" \
			"smbfuse write_fuse smbfuse $P" "smbfusefs write_fuse smbfuse $P conv=fsync"
	fi
	if want ls; then
		row ls "smbclient ls_smbclient $P" "smbnetfs ls_fuse smbnetfs $P" "smbfuse ls_fuse smbfuse $P"
	fi
	if want find; then
		row find "smbclient find_smbclient $P" "smbnetfs find_fuse smbnetfs $P" \
			"smbfuse find_fuse smbfuse $P"
	fi
	if want untar; then
		row untar "smbclient untar_smbclient $P" "smbnetfs untar_fuse smbnetfs $P" \
			"smbfuse untar_fuse smbfuse $P"
	fi
	if want tarc; then
		row tarc "smbclient tarc_smbclient $P" "smbnetfs tarc_fuse smbnetfs $P" \
			"smbfuse tarc_fuse smbfuse $P"
	fi
	if want lat || want latls; then
		not_run lat0 "- (port 445 only)" smbnetfs
		not_run lat20 "- (port 445 only)" smbnetfs
		not_run latls "- (port 445 only)" smbnetfs
		if start_proxies; then
			if want lat; then
				row lat0 "smbclient read_smbclient $PROXY_PORT0 lat.bin" \
					"smbfuse read_fuse smbfuse $PROXY_PORT0 lat.bin"
				row lat20 "smbclient read_smbclient $PROXY_PORT1 lat.bin" \
					"smbfuse read_fuse smbfuse $PROXY_PORT1 lat.bin"
			fi
			if want latls; then
				row latls "smbclient ls_smbclient $PROXY_PORT1" \
					"smbfuse ls_fuse smbfuse $PROXY_PORT1"
			fi
			stop_proxies
		else
			say "latency rows: $DPROXY_NOTE"
			not_run lat0 "$DPROXY_NOTE" smbclient smbfuse
			not_run lat20 "$DPROXY_NOTE" smbclient smbfuse
			not_run latls "$DPROXY_NOTE" smbclient smbfuse
		fi
	fi
	if want signed; then
		say "restarting smbd with server signing = mandatory"
		stop_smbd
		start_smbd 1
		row sread "smbclient read_smbclient $P" "smbnetfs read_fuse smbnetfs $P" \
			"smbfuse read_fuse smbfuse $P"
		row swrite "smbclient write_smbclient $P" "smbnetfs write_fuse smbnetfs $P" \
			"smbfuse write_fuse smbfuse $P"
	fi
}

commas() { sed ':a; s/\B[0-9]\{3\}\>/,&/; ta' <<<"$1"; }

cleanup() {
	local rc=$?
	trap - EXIT INT TERM HUP
	set +e
	((rc == 0)) || say "stopping (exit status $rc); cleaning up"
	fuse_umount
	stop_proxies
	stop_smbd
	[[ -n $POLICY_RC ]] && rm -f "$POLICY_RC"
	if [[ -n $T && -d $T ]]; then
		if grep -qF " $T/" /proc/self/mountinfo; then
			say "something is still mounted under $T: left in place"
		elif ((KEEP)); then
			say "kept $T"
		else
			rm -rf --one-file-system -- "$T"
		fi
	fi
	exit "$rc"
}

main() {
	local t0=$SECONDS r
	while (($#)); do
		case $1 in
		--runs) RUNS=${2:-}; shift ;;
		--big-mib) BIG_MIB=${2:-}; shift ;;
		--smbfuse) SMBFUSE=${2:-}; shift ;;
		--only) ONLY=${2:-}; ONLY=${ONLY//,/ }; shift ;;
		--keep) KEEP=1 ;;
		--delayproxy) DPROXY_SRC=${2:-}; shift ;;
		--server-option)
			[[ ${2:-} =~ ^[a-z][a-z0-9\ ]*=[^$'\n']*$ ]] || die "--server-option wants 'key = value'"
			SERVER_OPTS+=("$2"); shift ;;
		-h | --help) usage; exit 0 ;;
		*) usage >&2; exit 1 ;;
		esac
		shift
	done
	[[ $RUNS =~ ^[1-9]$ ]] || die "--runs wants 1 to 9"
	[[ $BIG_MIB =~ ^[1-9][0-9]{0,4}$ && $BIG_MIB -ge 2 ]] || die "--big-mib wants 2 to 99999"
	for r in $ONLY; do
		[[ " $ALL_ROWS " == *" $r "* ]] || die "--only: no row '$r' (rows: $ALL_ROWS)"
	done
	((EUID == 0)) || die "run me as root"
	FUSE_TMO=$((120 + BIG_MIB))

	trap cleanup EXIT
	trap 'exit 130' INT
	trap 'exit 143' TERM
	trap 'exit 129' HUP

	install_missing
	build_smbfuse
	LOAD0=$(cut -d' ' -f1-3 /proc/loadavg)

	T=$(mktemp -d /tmp/smbfuse-bench.XXXXXX)
	chmod 755 "$T"
	mkdir -p "$T"/{priv,lock,state,cache,pid,log,share,mnt,work}
	PORT=$(free_port) || die "no free port in 4450-4549"
	if port_free 445; then
		SNFS_OK=1
	else
		say "127.0.0.1:445 is busy: smbnetfs (libsmbclient, port 445 only) is skipped"
	fi
	make_data
	mkdir "$T/share/ux"
	write_configs 0
	(echo "$PASS"; echo "$PASS") | smbpasswd -c "$T/smb.conf" -a -s root >/dev/null
	start_smbd 0
	say "smbd pid $SMBD_PID on 127.0.0.1:$PORT$( ((SNFS_OK)) && echo ' and :445')"

	run_rows
	report
	say "done in $((SECONDS - t0)) s"
}

main "$@"
