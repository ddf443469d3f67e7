#!/usr/bin/env bash
# contrib/demo.sh - try smbfuse in one command, on a throwaway SMB1 Samba.
#
#   sudo bash contrib/demo.sh        install what is missing, build, start
#                                    Samba on 127.0.0.1:4450, mount its share
#                                    at /tmp/smbfuse-demo/mnt, show it
#   sudo bash contrib/demo.sh stop   unmount and stop that Samba
#
# Everything lives under /tmp/smbfuse-demo (smb.conf, Samba's state, the
# share, the mountpoint).  Running it again restarts cleanly: the old mount
# is unmounted and the old smbd (found by its pid file) stopped first.
# The system's own Samba configuration is not touched; nothing listens
# anywhere but 127.0.0.1.  DEMO_PORT=N picks another port.

set -u -o pipefail
export LC_ALL=C.UTF-8

prog=${0##*/}
repo=$(cd "$(dirname "$0")/.." && pwd)
D=/tmp/smbfuse-demo
MNT=$D/mnt
CONF=$D/smb.conf
PIDFILE=$D/pid/smbd.pid
PORT=${DEMO_PORT:-4450}
USER_NAME=root
PASS=secret
SMBFUSE=${SMBFUSE:-$repo/src/smbfuse}

say() { printf '%s: %s\n' "$prog" "$*"; }
die() { printf '%s: error: %s\n' "$prog" "$*" >&2; exit 1; }

is_mounted() { # PATH: a mount right now (from mountinfo: cannot hang)
	awk -v m="$1" '$5 == m { f = 1 } END { exit !f }' /proc/self/mountinfo
}

# our_smbd: print the PID of the demo's smbd if it is running.
our_smbd() {
	local pid
	[ -f "$PIDFILE" ] || return 1
	pid=$(tr -dc 0-9 <"$PIDFILE")
	[ -n "$pid" ] && kill -0 "$pid" 2>/dev/null || return 1
	# make sure the PID is still an smbd using our config
	tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -q -- "$CONF" || return 1
	echo "$pid"
}

# ---------------------------------------------------------------- stop

do_stop() {
	local pid daemons=
	if is_mounted "$MNT"; then
		say "unmounting $MNT"
		fusermount3 -u "$MNT" 2>/dev/null || { sleep 1; fusermount3 -u "$MNT" 2>/dev/null; } ||
			{ say "busy; detaching it lazily"; fusermount3 -uz "$MNT"; }
	fi
	# the smbfuse daemon exits once unmounted
	for _ in $(seq 50); do
		daemons=$(pgrep -f -- " $MNT( |\$)" || true)
		[ -z "$daemons" ] && break
		sleep 0.2
	done
	[ -z "$daemons" ] || say "warning: smbfuse still running for $MNT: $daemons"
	if pid=$(our_smbd); then
		say "stopping smbd (pid $pid)"
		kill -TERM "$pid" 2>/dev/null
		for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
		kill -0 "$pid" 2>/dev/null && kill -KILL "$pid" 2>/dev/null
		# smbd -D runs in a process group of its own; take its children too
		if [ "$(ps -o pgid= -p "$pid" 2>/dev/null | tr -d ' ')" = "$pid" ]; then
			kill -TERM -- "-$pid" 2>/dev/null
		fi
	fi
	if is_mounted "$MNT"; then
		say "warning: $MNT is still mounted; leaving $D in place"
	else
		rm -rf --one-file-system "$D"
	fi
}

# ---------------------------------------------------------------- start

install_missing() {
	local pkgs=() policy=
	command -v smbd >/dev/null || pkgs+=(samba)
	command -v smbpasswd >/dev/null || pkgs+=(samba-common-bin)
	command -v smbclient >/dev/null || pkgs+=(smbclient)
	command -v fusermount3 >/dev/null || pkgs+=(fuse3)
	command -v cc >/dev/null && command -v make >/dev/null || pkgs+=(build-essential)
	command -v autoreconf >/dev/null || pkgs+=(autoconf)
	command -v automake >/dev/null || pkgs+=(automake)
	command -v pkg-config >/dev/null || pkgs+=(pkg-config)
	command -v pgrep >/dev/null || pkgs+=(procps)
	if command -v pkg-config >/dev/null; then
		pkg-config --exists fuse3 || pkgs+=(libfuse3-dev)
		pkg-config --exists glib-2.0 || pkgs+=(libglib2.0-dev)
		pkg-config --exists libcrypto || pkgs+=(libssl-dev)
	else
		pkgs+=(libfuse3-dev libglib2.0-dev libssl-dev)
	fi
	[ "${#pkgs[@]}" = 0 ] && return 0
	say "installing ${pkgs[*]}"
	# Keep the samba package from starting the system's smbd on 0.0.0.0:445.
	if [ ! -e /usr/sbin/policy-rc.d ]; then
		policy=/usr/sbin/policy-rc.d
		printf '#!/bin/sh\nexit 101\n' >"$policy"
		chmod 755 "$policy"
	fi
	local rc=0
	DEBIAN_FRONTEND=noninteractive apt-get update -q || rc=$?
	[ "$rc" = 0 ] && { DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${pkgs[@]}" || rc=$?; }
	[ -n "$policy" ] && rm -f "$policy"
	[ "$rc" = 0 ] || die "apt-get failed"
}

build_if_needed() {
	if [ -x "$SMBFUSE" ] && [ "$SMBFUSE" != "$repo/src/smbfuse" ]; then
		return 0 # SMBFUSE=... given: use it as it is
	fi
	if [ -x "$repo/src/smbfuse" ] &&
		[ -z "$(find "$repo/src" "$repo/configure.ac" "$repo/Makefile.am" \
			\( -name '*.[ch]' -o -name configure.ac -o -name Makefile.am \) \
			-newer "$repo/src/smbfuse" -print -quit)" ]; then
		return 0
	fi
	say "building smbfuse"
	(
		cd "$repo" || exit 1
		if [ ! -f Makefile ]; then
			mkdir -p m4
			autoreconf -fi && ./configure -q || exit 1
		fi
		make -j2 src/smbfuse
	) || die "build failed"
}

write_conf() {
	mkdir -p "$D"/{priv,lock,state,cache,pid,log,share,mnt}
	chmod 755 "$D" "$D/share"
	chmod 700 "$D/priv"
	cat >"$CONF" <<EOF
# smbfuse demo: an SMB1-only Samba on 127.0.0.1 (contrib/demo.sh)
[global]
  server min protocol = NT1
  server max protocol = NT1
  ntlm auth = yes
  interfaces = 127.0.0.1
  bind interfaces only = yes
  smb ports = $PORT
  disable netbios = yes
  private dir = $D/priv
  lock directory = $D/lock
  state directory = $D/state
  cache directory = $D/cache
  pid directory = $D/pid
  log file = $D/log/log.%m
  passdb backend = tdbsam:$D/priv/passdb.tdb
  map to guest = Bad User
  load printers = no
  printing = bsd
  printcap name = /dev/null
  disable spoolss = yes
[share]
  path = $D/share
  read only = no
  guest ok = yes
EOF
	printf '%s\n%s\n' "$PASS" "$PASS" | smbpasswd -c "$CONF" -a -s "$USER_NAME" >/dev/null ||
		die "smbpasswd failed"
}

fill_share() {
	local s=$D/share
	cat >"$s/hello.txt" <<'EOF'
Hello from an SMB1 share, mounted with smbfuse.
This file lives in /tmp/smbfuse-demo/share on the Samba side.
EOF
	printf 'smbfuse demo share\n\nhello.txt     a greeting\nnotes/        a subdirectory\n' >"$s/README.txt"
	mkdir -p "$s/notes/2024"
	printf 'buy milk\nfix the printer\n' >"$s/notes/todo.txt"
	printf 'older notes\n' >"$s/notes/2024/archive.txt"
	printf 'Grüße, こんにちは, 😀\n' >"$s/Grüße 日本 😀.txt"
	head -c 1048576 /dev/urandom >"$s/random-1MiB.bin"
}

start_smbd() {
	if ! { exec 3<>"/dev/tcp/127.0.0.1/$PORT"; } 2>/dev/null; then
		:
	else
		exec 3<&- 3>&-
		die "127.0.0.1:$PORT is already in use by something else (set DEMO_PORT=...)"
	fi
	say "starting smbd on 127.0.0.1:$PORT (SMB1 only; config $CONF)"
	smbd -s "$CONF" -D || die "smbd failed to start (see $D/log)"
	for _ in $(seq 100); do
		if timeout 10 smbclient -s "$CONF" -p "$PORT" --option='client min protocol=NT1' \
			--option='client max protocol=NT1' //127.0.0.1/share -U "$USER_NAME%$PASS" -c ls \
			>"$D/smbclient.out" 2>&1; then
			return 0
		fi
		sleep 0.2
	done
	cat "$D/smbclient.out" >&2
	die "smbd does not answer on 127.0.0.1:$PORT (logs in $D/log)"
}

mount_share() {
	local unc=//127.0.0.1:$PORT/share
	say "mounting: $SMBFUSE $unc $MNT -o username=$USER_NAME,password=$PASS"
	if ! timeout 30 "$SMBFUSE" "$unc" "$MNT" -o "username=$USER_NAME,password=$PASS" \
		>"$D/smbfuse.out" 2>&1 </dev/null; then
		cat "$D/smbfuse.out" >&2
		die "mount failed (Samba logs: $D/log; try again with -f -d for a trace)"
	fi
	is_mounted "$MNT" || die "smbfuse returned but $MNT is not mounted"
}

do_start() {
	install_missing
	build_if_needed
	[ -x "$SMBFUSE" ] || die "no smbfuse binary at $SMBFUSE"
	if is_mounted "$MNT" || our_smbd >/dev/null; then
		say "a previous demo is running: restarting it"
	fi
	do_stop >/dev/null
	is_mounted "$MNT" && die "$MNT is still mounted; unmount it first"
	write_conf
	fill_share
	start_smbd
	mount_share
	echo
	echo "\$ ls -l $MNT"
	ls -l "$MNT"
	echo
	echo "\$ ls -l $MNT/notes"
	ls -l "$MNT/notes"
	echo
	echo "\$ cat $MNT/hello.txt"
	cat "$MNT/hello.txt"
	echo
	echo "\$ cat '$MNT/Grüße 日本 😀.txt'"
	cat "$MNT/Grüße 日本 😀.txt"
	echo
	echo "\$ echo 'written through smbfuse' > $MNT/notes/new.txt; cat $D/share/notes/new.txt"
	echo 'written through smbfuse' >"$MNT/notes/new.txt"
	cat "$D/share/notes/new.txt"
	echo
	echo "\$ df -h $MNT"
	df -h "$MNT"
	cat <<EOF

The share is mounted at $MNT (Samba's side of it: $D/share).
Look around:      ls -la $MNT;  cat $MNT/README.txt
Unmount:          fusermount3 -u $MNT
Stop Samba:       kill \$(cat $PIDFILE)
Both at once:     sudo bash contrib/demo.sh stop
EOF
}

[ "$(id -u)" = 0 ] || die "run as root: sudo bash contrib/demo.sh ${1:-}"
case ${1:-start} in
start) do_start ;;
stop) do_stop; say "stopped" ;;
-h | --help | help) sed -n '2,13p' "$0" | sed 's/^# \{0,1\}//' ;;
*) die "usage: $prog [start|stop]" ;;
esac
