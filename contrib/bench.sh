#!/bin/bash
# bench.sh - compare smbfuse with smbclient and smbnetfs on a throwaway SMB1 server.
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Run as root on Debian 12:   contrib/bench.sh [--signing] [--runs N] [--big-mib N]
#
# What it does, in order:
#   1. installs what is missing (samba smbclient smbnetfs fuse3 iproute2 procps),
#      with one apt-get update, without letting the samba package start the
#      system's own smbd;
#   2. makes a temp dir holding an SMB1-only smbd (recipe of
#      shared/reference/samba-smb1.md) on 127.0.0.1 and a free port in
#      4450-4549, plus the test data in its share: a 512 MiB random file,
#      a directory of 10,000 small files, a directory of 1,000 files of 4 KiB;
#   3. measures each work RUNS times (default 3) with smbclient, smbnetfs and
#      smbfuse, each FUSE run on a fresh mount (no page cache), and prints the
#      medians as a Markdown table, with the machine and the date.
#
# smbnetfs goes through libsmbclient, which connects to port 445 (then 139)
# and ignores "smb ports" in the client's smb.conf, and smbnetfs has no port
# option.  So when 127.0.0.1:445 is free the same smbd also listens there,
# for smbnetfs only; when it is not, the smbnetfs column says so.
#
# smbfuse is read-only for now: the write row runs only on a mount that is
# mounted rw and accepts a new file, and says "n/a (read-only)" otherwise.
#
# Invariants: all traffic goes to 127.0.0.1; every command that may hang runs
# under timeout(1); every wait loop is bounded; the EXIT trap unmounts what
# this script mounted, stops the processes it started (by PID) and removes
# its temp dir, also on Ctrl-C and on failure.

set -euo pipefail
export LC_ALL=C

prog=${0##*/}
repo=$(cd "$(dirname "$0")/.." && pwd)

RUNS=3
BIG_MIB=512
SIGNING=0
SMBFUSE=$repo/src/smbfuse
PASS=secret
SMALL_N=1000
SMALL_SIZE=4096
DIR_N=10000

T=                      # temp dir, removed by cleanup
PORT=                   # smbd port for smbclient and smbfuse
SNFS_OK=0               # 1: smbd also listens on 127.0.0.1:445 for smbnetfs
SMBD_PID=
CUR_MNT=                # the one FUSE mount alive at a time
CUR_PID=                # its daemon, run with -f so that $! is its PID
POLICY_RC=              # /usr/sbin/policy-rc.d if this script created it
declare -A RES=()       # results: KEY.TOOL -> median seconds / kB, or a note
RUN_SECS=
RUN_RSS_KB=

say() { printf '%s: %s\n' "$prog" "$*" >&2; }
die() { say "$*"; exit 1; }

usage() {
	cat <<EOF
usage: $prog [--signing] [--runs N] [--big-mib N] [--smbfuse PATH]

Benchmarks smbclient, smbnetfs and smbfuse against a throwaway SMB1-only
smbd on 127.0.0.1 and prints a Markdown table. Run as root (Debian 12).

  --signing      also read the big file with "server signing = mandatory"
  --runs N       runs per measurement, median reported (default 3, 1-9)
  --big-mib N    size of the big file in MiB (default 512)
  --smbfuse PATH smbfuse binary (default: $repo/src/smbfuse)
EOF
}

# Commands that may block on the network or a FUSE mount.  --foreground keeps
# the command in our process group so that Ctrl-C reaches it at once.
tmo() { timeout --foreground -k 5 "$@"; }

# ---------------------------------------------------------------- setup

install_missing() {
	local pkgs=() rc=0
	command -v smbd >/dev/null || pkgs+=(samba)
	command -v smbpasswd >/dev/null || pkgs+=(samba-common-bin)
	command -v smbclient >/dev/null || pkgs+=(smbclient)
	command -v smbnetfs >/dev/null || pkgs+=(smbnetfs)
	command -v fusermount3 >/dev/null || pkgs+=(fuse3)
	command -v ss >/dev/null || pkgs+=(iproute2)
	command -v ps >/dev/null || pkgs+=(procps)
	((${#pkgs[@]})) || return 0
	say "installing ${pkgs[*]}"
	# The samba package would start the system's smbd on 0.0.0.0:445.
	if [[ ! -e /usr/sbin/policy-rc.d ]]; then
		POLICY_RC=/usr/sbin/policy-rc.d
		printf '#!/bin/sh\nexit 101\n' >"$POLICY_RC"
		chmod 755 "$POLICY_RC"
	fi
	tmo 300 apt-get update -qq || rc=$?
	((rc == 0)) && { DEBIAN_FRONTEND=noninteractive tmo 600 \
		apt-get install -y -qq "${pkgs[@]}" >/dev/null || rc=$?; }
	if [[ -n $POLICY_RC ]]; then
		rm -f "$POLICY_RC"
		POLICY_RC=
	fi
	((rc == 0)) || die "apt-get failed ($rc)"
}

port_free() { [[ -z $(ss -Hltn "sport = :$1") ]]; }

pick_port() {
	local p
	for ((p = 4450; p < 4550; p++)); do
		if port_free "$p"; then
			PORT=$p
			return 0
		fi
	done
	die "no free port in 4450-4549"
}

make_data() {
	local s=$T/share
	say "creating test data in $s"
	mkdir -p "$s/dir10k" "$s/small1k" "$T/mget"
	head -c $((BIG_MIB * 1048576)) /dev/urandom >"$s/big.bin"
	# split(1) names the pieces e00000, e00001, ...
	head -c $((DIR_N * 16)) /dev/urandom | (cd "$s/dir10k" && split -b 16 -a 5 -d - e)
	head -c $((SMALL_N * SMALL_SIZE)) /dev/urandom |
		(cd "$s/small1k" && split -b "$SMALL_SIZE" -a 4 -d - f)
	[[ $(find "$s/dir10k" -type f | wc -l) == "$DIR_N" ]] || die "bad dir10k"
	[[ $(find "$s/small1k" -type f | wc -l) == "$SMALL_N" ]] || die "bad small1k"
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

listening_pid() { # PORT -> is SMBD_PID listening on 127.0.0.1:PORT
	ss -Hltnp "sport = :$1" | grep -q "pid=$SMBD_PID,"
}

start_smbd() { # SIGNING(0/1)
	local i
	write_configs "$1"
	# -F without --no-process-group: smbd makes its own process group and
	# signals that group when it stops, which must not include this script.
	smbd -s "$T/smb.conf" -F </dev/null >>"$T/log/smbd.out" 2>&1 &
	SMBD_PID=$!
	for ((i = 0; i < 100; i++)); do
		listening_pid "$PORT" && break
		alive "$SMBD_PID" || break
		sleep 0.1
	done
	listening_pid "$PORT" || { tail -n 5 "$T/log/smbd.out" >&2; die "smbd did not start"; }
	if ((SNFS_OK)) && ! listening_pid 445; then
		say "smbd could not bind 127.0.0.1:445: no smbnetfs figures"
		SNFS_OK=0
	fi
	smbc 20 ls || { tail -n 5 "$T/log/smbclient.log" >&2; die "smbclient cannot log on"; }
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

# ---------------------------------------------------------------- clients

# smbclient TIMEOUT COMMANDS: one connection running COMMANDS (-c).
smbc() {
	local out=$T/log/smbclient.out rc=0
	tmo "$1" smbclient -s "$T/client.conf" -A "$T/auth" -p "$PORT" \
		--option='client min protocol=NT1' --option='client max protocol=NT1' \
		//127.0.0.1/share -c "$2" >"$out" 2>&1 || rc=$?
	cat "$out" >>"$T/log/smbclient.log"
	((rc == 0)) && ! grep -q 'NT_STATUS_' "$out"
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

fuse_mount() { # TOOL [EXTRA_SMBFUSE_OPTS]
	local i
	if [[ $1 == smbnetfs ]]; then
		HOME=$T/snhome smbnetfs "$T/mnt" -f -o "config=$T/snhome/.smb/smbnetfs.conf" \
			</dev/null >>"$T/log/smbnetfs.log" 2>&1 &
	else
		"$SMBFUSE" "//127.0.0.1:$PORT/share" "$T/mnt" -f \
			-o "username=root,password=$PASS${2:+,$2}" \
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

fuse_writable() { # DIR: mounted rw and a new file can be created
	local opts probe=$1/.bench-probe.$$
	opts=$(awk -v m="$CUR_MNT" '$5 == m { print $6 }' /proc/self/mountinfo)
	[[ ,$opts, == *,rw,* ]] || return 1
	(: >"$probe") 2>/dev/null || return 1
	rm -f "$probe"
}

timed() { # CMD...: run it, RUN_SECS = wall time
	local t0 t1
	t0=$EPOCHREALTIME
	"$@" || return 1
	t1=$EPOCHREALTIME
	RUN_SECS=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.6f", b - a }')
}

# DIR N: cat the N files of DIR (a child bash, so that timeout(1) can run it)
cat_all() {
	# shellcheck disable=SC2016 # expanded by the child
	tmo 120 bash -c 'files=("$1"/*); ((${#files[@]} == $2)) && cat -- "${files[@]}"' cat_all "$@"
}

commas() { sed ':a; s/\B[0-9]\{3\}\>/,&/; ta' <<<"$1"; }

# ---------------------------------------------------------------- one run each
# Each sets RUN_SECS (and RUN_RSS_KB); returns 0, 1 on failure, 2 when the
# work does not apply (read-only mount).

big_smbclient() { timed smbc 300 "get big.bin /dev/null"; }

big_fuse() { # TOOL [SMBFUSE_OPTS]
	local f rc=0
	fuse_mount "$@" || return 1
	f=$(share_dir "$1")/big.bin
	timed tmo 300 cat -- "$f" >/dev/null || rc=1
	[[ $1 == smbfuse ]] && RUN_RSS_KB=$(awk '/^VmHWM:/ { print $2 }' "/proc/$CUR_PID/status")
	fuse_umount
	return "$rc"
}

write_smbclient() {
	local rc=0
	timed smbc 300 "lcd $T/share; put big.bin wbench.bin" || rc=1
	[[ $(stat -c %s "$T/share/wbench.bin" 2>/dev/null) == $((BIG_MIB * 1048576)) ]] || rc=1
	rm -f "$T/share/wbench.bin"
	return "$rc"
}

write_fuse() { # TOOL
	local d rc=0
	fuse_mount "$1" || return 1
	d=$(share_dir "$1")
	if ! fuse_writable "$d"; then
		fuse_umount
		return 2
	fi
	timed tmo 300 dd if="$T/share/big.bin" of="$d/wbench.bin" bs=1M conv=fsync status=none || rc=1
	fuse_umount
	cmp -s "$T/share/big.bin" "$T/share/wbench.bin" || rc=1
	rm -f "$T/share/wbench.bin"
	return "$rc"
}

ls_smbclient() { timed smbc 120 "cd dir10k; ls"; }

ls_fuse() { # TOOL
	local rc=0
	fuse_mount "$1" || return 1
	timed tmo 120 ls -l -- "$(share_dir "$1")/dir10k" >"$T/ls.out" || rc=1
	fuse_umount
	# "total N" and one line per entry
	[[ $(wc -l <"$T/ls.out") == $((DIR_N + 1)) ]] || rc=1
	return "$rc"
}

small_smbclient() {
	local rc=0
	timed smbc 120 "lcd $T/mget; cd small1k; prompt off; mget *" || rc=1
	[[ $(find "$T/mget" -type f | wc -l) == "$SMALL_N" ]] || rc=1
	find "$T/mget" -mindepth 1 -delete
	return "$rc"
}

small_fuse() { # TOOL
	local rc=0
	fuse_mount "$1" || return 1
	timed cat_all "$(share_dir "$1")/small1k" "$SMALL_N" >/dev/null || rc=1
	fuse_umount
	return "$rc"
}

# Once per FUSE client, outside the clock: does the big file read back right?
verify_fuse() { # TOOL
	local rc=0
	fuse_mount "$1" || return 1
	tmo 300 cmp -s "$T/share/big.bin" "$(share_dir "$1")/big.bin" || rc=1
	fuse_umount
	return "$rc"
}

# ---------------------------------------------------------------- driver

median() { printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END {
	print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

# measure KEY TOOL FUNC ARGS...: RUNS runs of FUNC, medians into RES.
measure() {
	local key=$1.$2 i rc secs=() rss=()
	shift 2
	if [[ $key == *.smbnetfs ]] && ((!SNFS_OK)); then
		RES[$key]="n/a (port 445 busy)"
		return 0
	fi
	for ((i = 1; i <= RUNS; i++)); do
		RUN_SECS='' RUN_RSS_KB=''
		rc=0
		"$@" || rc=$?
		if ((rc == 2)); then
			RES[$key]="n/a (read-only)"
			say "$key: n/a (read-only mount)"
			return 0
		fi
		if ((rc != 0)) || [[ -z $RUN_SECS ]]; then
			RES[$key]=failed
			say "$key: run $i failed; last log lines:"
			tail -n 3 "$T/log/${key##*.}.log" >&2 2>/dev/null || true
			return 0
		fi
		secs+=("$RUN_SECS")
		[[ -n $RUN_RSS_KB ]] && rss+=("$RUN_RSS_KB")
	done
	RES[$key]=$(median "${secs[@]}")
	((${#rss[@]})) && RES[$key.rss]=$(median "${rss[@]}")
	say "$key: ${secs[*]} s"
}

# cell KEY TOOL KIND METHOD: one table cell
cell() {
	local v=${RES[$1.$2]:-not run} kind=$3 method=$4
	if [[ ! $v =~ ^[0-9.]+$ ]]; then
		printf '%s' "$v"
	elif [[ $kind == gbps ]]; then
		awk -v s="$v" -v b=$((BIG_MIB * 1048576)) -v m="$method" \
			'BEGIN { printf "%.2f (`%s`)", b / 1e9 / s, m }'
	else
		awk -v s="$v" -v m="$method" 'BEGIN { printf "%.2f (`%s`)", s, m }'
	fi
}

row() { # LABEL KEY KIND METHOD_SMBCLIENT METHOD_FUSE
	printf '| %s | %s | %s | %s |\n' "$1" "$(cell "$2" smbclient "$3" "$4")" \
		"$(cell "$2" smbnetfs "$3" "$5")" "$(cell "$2" smbfuse "$3" "$5")"
}

report() {
	local peak=${RES[big.smbfuse.rss]:-} rev
	rev=$(git -C "$repo" describe --always --dirty 2>/dev/null || echo "uncommitted tree")
	echo
	echo "## smbfuse benchmark, SMB1 over loopback"
	echo
	echo "| work | smbclient | smbnetfs | smbfuse |"
	echo "|---|---|---|---|"
	row "read $BIG_MIB MiB sequentially (GB/s)" big gbps get cat
	row "write $BIG_MIB MiB sequentially (GB/s)" write gbps put "dd bs=1M"
	row "list a $(commas "$DIR_N")-entry directory (s)" ls secs ls "ls -l"
	row "read $(commas "$SMALL_N") files of 4 KiB (s)" small secs mget cat
	row "read $BIG_MIB MiB, server signing = mandatory (GB/s)" sign gbps get cat
	if [[ -n $peak ]]; then
		peak=$(awk -v k="$peak" 'BEGIN { printf "%.1f", k / 1024 }')
	else
		peak=${RES[big.smbfuse]:-not run}
	fi
	echo "| smbfuse peak RSS during the $BIG_MIB MiB read (MiB, VmHWM) | - | - | $peak |"
	echo
	echo "- median of $RUNS runs; each FUSE run on a fresh mount (connected before the"
	echo "  clock starts), each smbclient run one invocation (connect and logon included)"
	echo "- server: Samba $(smbd --version | sed 's/^Version //'), SMB1 only (NT1), 127.0.0.1:$PORT;"
	if ((SNFS_OK)); then
		echo "  smbnetfs $(dpkg-query -W -f='${Version}' smbnetfs) talks to the same smbd on 127.0.0.1:445"
		echo "  (libsmbclient connects to 445/139 only and smbnetfs has no port option)"
	else
		echo "  smbnetfs skipped: it can only reach port 445, which was busy"
	fi
	echo "- big-file read back through each FUSE client and compared: ${RES[verify]:-not run}"
	echo "- machine: nproc $(nproc) ($(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo)," \
		"$(awk '/^MemTotal/ { printf "%.0f GiB", $2 / 1048576 }' /proc/meminfo)), kernel $(uname -r)"
	echo "- smbfuse: $rev; date: $(date -u '+%Y-%m-%d %H:%M UTC')"
}

cleanup() {
	local rc=$?
	trap - EXIT INT TERM HUP
	set +e
	((rc == 0)) || say "stopping (exit status $rc); cleaning up"
	fuse_umount
	stop_smbd
	[[ -n $POLICY_RC ]] && rm -f "$POLICY_RC"
	if [[ -n $T && -d $T ]]; then
		if grep -qF " $T/" /proc/self/mountinfo; then
			say "something is still mounted under $T: left in place"
		else
			rm -rf --one-file-system -- "$T"
		fi
	fi
	exit "$rc"
}

main() {
	local t0=$SECONDS v
	while (($#)); do
		case $1 in
		--signing) SIGNING=1 ;;
		--runs) RUNS=${2:-}; shift ;;
		--big-mib) BIG_MIB=${2:-}; shift ;;
		--smbfuse) SMBFUSE=${2:-}; shift ;;
		-h | --help) usage; exit 0 ;;
		*) usage >&2; exit 1 ;;
		esac
		shift
	done
	[[ $RUNS =~ ^[1-9]$ ]] || die "--runs wants 1 to 9"
	[[ $BIG_MIB =~ ^[1-9][0-9]{0,4}$ ]] || die "--big-mib wants 1 to 99999"
	((EUID == 0)) || die "run me as root"

	trap cleanup EXIT
	trap 'exit 130' INT
	trap 'exit 143' TERM
	trap 'exit 129' HUP

	install_missing
	if [[ ! -x $SMBFUSE ]]; then
		say "building $SMBFUSE"
		tmo 600 make -C "$repo" -s src/smbfuse
	fi
	[[ -x $SMBFUSE ]] || die "no smbfuse binary at $SMBFUSE"

	T=$(mktemp -d /tmp/smbfuse-bench.XXXXXX)
	chmod 755 "$T"
	mkdir -p "$T"/{priv,lock,state,cache,pid,log,share,mnt}
	pick_port
	if port_free 445; then
		SNFS_OK=1
	else
		say "127.0.0.1:445 is busy: smbnetfs (libsmbclient, port 445 only) is skipped"
	fi
	make_data
	write_configs 0
	(echo "$PASS"; echo "$PASS") | smbpasswd -c "$T/smb.conf" -a -s root >/dev/null
	start_smbd 0
	say "smbd pid $SMBD_PID on 127.0.0.1:$PORT$( ((SNFS_OK)) && echo ' and :445')"

	measure big smbclient big_smbclient
	measure big smbnetfs big_fuse smbnetfs
	measure big smbfuse big_fuse smbfuse
	measure write smbclient write_smbclient
	measure write smbnetfs write_fuse smbnetfs
	measure write smbfuse write_fuse smbfuse
	measure ls smbclient ls_smbclient
	measure ls smbnetfs ls_fuse smbnetfs
	measure ls smbfuse ls_fuse smbfuse
	measure small smbclient small_smbclient
	measure small smbnetfs small_fuse smbnetfs
	measure small smbfuse small_fuse smbfuse

	RES[verify]=""
	for v in smbnetfs smbfuse; do
		[[ $v == smbnetfs ]] && ((!SNFS_OK)) && continue
		if verify_fuse "$v"; then
			RES[verify]+="$v ok; "
		else
			RES[verify]+="$v MISMATCH OR ERROR; "
		fi
	done
	RES[verify]=${RES[verify]%; }

	if ((SIGNING)); then
		say "restarting smbd with server signing = mandatory"
		stop_smbd
		start_smbd 1
		measure sign smbclient big_smbclient
		measure sign smbnetfs big_fuse smbnetfs
		measure sign smbfuse big_fuse smbfuse
	else
		for v in smbclient smbnetfs smbfuse; do RES[sign.$v]="not run (--signing)"; done
	fi

	report
	say "done in $((SECONDS - t0)) s"
}

main "$@"
