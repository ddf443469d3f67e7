#!/usr/bin/env bash
# lifecycle_multistep.sh - issue 10, case 5: operations made of several SMB
# requests (rename over an existing name goes through a temporary name or an
# open + set-info + close; mknod; exclusive create; mkdir) when a request's
# fate is unknown.  Operations:
#   xrename  os.rename(d1/a, d2/b), d2/b existing (cross-directory replace)
#   rename   os.rename(a, b) in one directory, b existing
#   mkdir    os.mkdir(newdir)
#   mkfifo   os.mkfifo(p)            (only with UNIX extensions)
#   excl     os.open(p, O_CREAT|O_EXCL)
#   mknod    os.mknod(p, S_IFREG)    (FUSE MKNOD: create + close)
# Verdict for each: pass iff EITHER the call reported success and the server
# holds what one successful call makes (b has a's content and a is gone /
# the directory, fifo or file exists), OR the call failed with an errno
# other than EEXIST and the server state is unchanged -- or a connection
# error (ETIMEDOUT, ECONNRESET: "the outcome is unknown") when the server did
# the work but its answer never reached the mount.  Never allowed:
# EEXIST for an object the mount itself made, a "smbfuse-rename-*.tmp" left
# anywhere in the share, a half-done state.
#
# Part 1, stall (mounts conns=1,timeout=2,actimeo=60, with UNIX extensions
# and with nounix): the smbd child serving the mount is SIGSTOPped, the
# operation starts, its first attempt times out, the child is CONTed after
# 3 s.  Passes today: the FUSE kernel sends a fresh LOOKUP before every
# create and for every rename target, so the request that stalls is that
# LOOKUP and the whole operation then runs on the fresh child (a regression
# test for the redesign).
# Part 2, lost reply (mount conns=1,timeout=2 through smbproxy.py): the
# server executes one chosen step, its reply is withheld ("hold": the
# client times out) or the connection is closed right after it ("drop").
# Also "mkdir lock": another client makes the directory between this
# mount's LOOKUP and its mkdir, whose EEXIST reply is withheld: the mount
# must not report success (two clients would both own the lock).  Fails
# today (5 of the 7 lost-reply cases):
#   xrename (hold the 2nd RENAME, a -> tmp): ETIMEDOUT, tmp file left;
#   rename (hold the CLOSE after the rename): ETIMEDOUT, but renamed;
#   mkfifo (hold the SET_PATH_INFO that makes it): ETIMEDOUT, but made;
#   excl (hold the POSIX open): ETIMEDOUT, but the file was made;
#   mkdir lock: OK (a retried mkdir turns EEXIST into success).
# These pass today: mkdir with its own reply withheld (retried, EEXIST taken
# as done); mknod S_IFREG with the connection dropped right after the
# create's reply (libfuse turns it into create + release, and the failed
# close is ignored) -- the issue's "EEXIST for a file the mount itself
# created" did not reproduce here.
if [ -z "${BASH_VERSION:-}" ]; then exec bash "$0" "$@"; fi
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source-path=SCRIPTDIR source=reconnect_lib.sh
. "$(dirname "$0")/reconnect_lib.sh"
# shellcheck source-path=SCRIPTDIR source=lifecycle_lib.sh
. "$(dirname "$0")/lifecycle_lib.sh"

require_prereqs
smb_start 'aio read size = 0' 'aio write size = 0'
S=$SHARE_DIR
bad=()
echo '(none)' >"$T_ROOT/tmp.seen" # temporary files already reported

# judge WHAT DONE UNCHANGED: DONE / UNCHANGED are strings of b2i results,
# all 1s if the server state is that of one successful call / of no call
judge() {
	local what=$1 done=0 same=0 tmp state=other
	[[ $2 =~ ^1+$ ]] && { done=1; state='done'; }
	[[ $3 =~ ^1+$ ]] && same=1 state=unchanged
	tmp=$(find "$S" -name 'smbfuse-rename-*' | sed "s|^$S/||" | grep -vxF -f "$T_ROOT/tmp.seen" | tr '\n' ' ')
	[ -z "$tmp" ] || bad+=("$what: temporary file(s) left in the share: $tmp")
	find "$S" -name 'smbfuse-rename-*' | sed "s|^$S/||" >>"$T_ROOT/tmp.seen"
	case $LC_OP_RES in
	HUNG | KILLED) bad+=("$what: did not end within 60 s") ;;
	OK) [ "$done" = 1 ] || bad+=("$what: reported success but the server does not hold the result of one successful call") ;;
	EEXIST) bad+=("$what: EEXIST (the mount's own first attempt made the object; server state: $state)") ;;
	# A connection error says "outcome unknown" (README): allowed when the
	# server did the work but no answer of it reached the mount.
	ETIMEDOUT | ECONNRESET | ECONNABORTED) [ "$same" = 1 ] || [ "$done" = 1 ] ||
		bad+=("$what: failed with $LC_OP_RES and the server state is neither before nor after ($state)") ;;
	*) [ "$same" = 1 ] || bad+=("$what: failed with $LC_OP_RES but the server state changed ($state)") ;;
	esac
	note "$what: $LC_OP_RES; server state: $state${tmp:+; left: $tmp}"
}

# isfile PATH CONTENT: PATH is a regular file holding CONTENT
# shellcheck disable=SC2317 # (called through b2i)
isfile() { [ -f "$1" ] && [ "$(cat "$1")" = "$2" ]; }
# b2i CMD...: 1 if CMD succeeds, else 0
b2i() { if "$@"; then echo 1; else echo 0; fi; }

# setup P: the objects of pass P in the share
setup() {
	mkdir -p "$S/$1/d1" "$S/$1/d2" "$S/$1/r"
	echo ready >"$S/$1/ready.txt"
	echo A >"$S/$1/d1/a"
	echo B >"$S/$1/d2/b"
	echo A >"$S/$1/r/a"
	echo B >"$S/$1/r/b"
}

# prime: the mount works and has looked up every existing name
prime() {
	rc_retry "$1: mount usable" 20 stat "$M/ready.txt"
	find "$M" -exec stat {} + >/dev/null || fail "$1: stat of every name"
}

# the checks, by operation (P = pass directory in the share)
j_xrename() {
	judge "$1" "$(b2i isfile "$S/$P/d2/b" A)$(b2i test ! -e "$S/$P/d1/a")" \
		"$(b2i isfile "$S/$P/d2/b" B)$(b2i isfile "$S/$P/d1/a" A)"
}
j_rename() {
	judge "$1" "$(b2i isfile "$S/$P/r/b" A)$(b2i test ! -e "$S/$P/r/a")" \
		"$(b2i isfile "$S/$P/r/b" B)$(b2i isfile "$S/$P/r/a" A)"
}
j_new() { judge "$1" "$(b2i test "$2" "$S/$P/$3")" "$(b2i test ! -e "$S/$P/$3")"; }

# stall NAME OP ARGS...: stop the child, run the op, CONT after 3 s
stall() {
	local name=$1
	shift
	prime "$name"
	lc_stop_child
	lc_op_start "$name" "$@"
	lc_resume "$name"
}

stall_pass() {
	local opts=$2 fifo=$3 log
	P=$1
	setup "$P"
	M=$(new_mountpoint "$P")
	rc_mount "$M" "conns=1,timeout=2,reconnect_timeout=10,$opts"
	log=$SMBFUSE_LOG
	M=$M/$P
	stall "$P xrename" rename "$M/d1/a" "$M/d2/b"
	j_xrename "$P xrename d1/a -> d2/b (existing), stall"
	stall "$P rename" rename "$M/r/a" "$M/r/b"
	j_rename "$P rename a -> b (existing, same directory), stall"
	stall "$P mkdir" mkdir "$M/newdir"
	j_new "$P mkdir newdir, stall" -d newdir
	if [ "$fifo" = 1 ]; then
		stall "$P mkfifo" mkfifo "$M/fifo"
		j_new "$P mkfifo, stall" -p fifo
	fi
	stall "$P excl" creat_excl "$M/excl.txt"
	j_new "$P O_CREAT|O_EXCL, stall" -f excl.txt
	stall "$P mknod" mknod_reg "$M/mknod.txt"
	j_new "$P mknod S_IFREG, stall" -f mknod.txt
	rc_retry "$P: mount usable at the end" 20 stat "$M/ready.txt"
	smbfuse_umount "${M%/*}"
	_t_check_stderr "$log"
}

# lost NAME OP ARGS...: the proxy, armed with the actions in ARMS (see
# smbproxy.py), withholds / drops after / delays the chosen replies while
# the op runs; DURING (if set) runs 0.5 s after the op started
lost() {
	local name=$1 hits
	shift
	prime "$name"
	hits=$(lc_proxy_hits)
	lc_proxy_arm "${ARMS[@]}"
	lc_op_start "$name" "$@"
	if [ -n "${DURING:-}" ]; then
		sleep 0.5
		$DURING
	fi
	lc_op_wait "$name" 60
	lc_proxy_arm 'off 0'
	sleep 0.5
	[ "$(lc_proxy_hits)" -ge $((hits + ${#ARMS[@]})) ] || [ -n "${ALLOW_UNMET:-}" ] ||
		bad+=("$name: the proxy did not meet every reply of '${ARMS[*]}' (test out of date with the request sequence?)")
}

# (run by lost as DURING)
# shellcheck disable=SC2317
other_mkdir() { mkdir "$S/$P/lockdir"; }

# In the FUSE kernel a create (mkdir, mknod, O_CREAT|O_EXCL open) and a
# rename target always get a fresh LOOKUP first (a TRANSACTION2 query), so
# the TRANSACTION2 (0x32) that makes a fifo or POSIX-opens a file is the
# 2nd one of the operation.
lost_pass() {
	local log
	P=lost
	setup "$P"
	lc_proxy_start "$SMB_PORT"
	M=$(new_mountpoint "$P")
	# cache=none: no user-space cache or oplock traffic reorders the
	# requests the proxy counts
	SMB_UNC=//127.0.0.1:$PROXY_PORT/share rc_mount "$M" "conns=1,timeout=2,reconnect_timeout=10,actimeo=60,cache=none"
	log=$SMBFUSE_LOG
	M=$M/$P
	ARMS=('hold 07 2')
	lost "xrename, 2nd RENAME reply withheld" rename "$M/d1/a" "$M/d2/b"
	j_xrename "lost xrename d1/a -> d2/b (existing), 2nd RENAME (to the temporary name) reply withheld"
	ARMS=('hold 04 1')
	lost "rename, CLOSE reply withheld" rename "$M/r/a" "$M/r/b"
	j_rename "lost rename a -> b (existing, same directory), CLOSE reply withheld"
	ARMS=('hold 00 1')
	lost "mkdir, CREATE_DIRECTORY reply withheld" mkdir "$M/newdir"
	j_new "lost mkdir newdir, CREATE_DIRECTORY reply withheld" -d newdir
	ARMS=('hold 32 2')
	lost "mkfifo, SET_PATH_INFO reply withheld" mkfifo "$M/fifo"
	j_new "lost mkfifo, SET_PATH_INFO (the create) reply withheld" -p fifo
	ARMS=('hold 32 2')
	lost "excl, POSIX open reply withheld" creat_excl "$M/excl.txt"
	j_new "lost O_CREAT|O_EXCL, TRANS2 POSIX open (the create) reply withheld" -f excl.txt
	ARMS=('drop 32 2')
	lost "mknod, dropped after the POSIX open reply" mknod_reg "$M/mknod.txt"
	j_new "lost mknod S_IFREG, connection dropped after the create's reply" -f mknod.txt
	# the mkdir "lock": the LOOKUP's reply (no such name) is delayed 1.5 s;
	# meanwhile another client makes lockdir; the mkdir's EEXIST reply is
	# withheld.  This mount did not make lockdir: it must not say it did.
	ARMS=('delay 32 1 1.5' 'hold 00 1')
	# (If the mount looked the name up only after the other client made it,
	# the kernel says EEXIST without a mkdir: the hold is not met, and that
	# is as right.)
	ALLOW_UNMET=1 DURING=other_mkdir lost "mkdir lock, EEXIST reply withheld" mkdir "$M/lockdir"
	note "mkdir of a directory another client made meanwhile, reply withheld: $LC_OP_RES"
	[ "$LC_OP_RES" != OK ] || bad+=("mkdir lock: mkdir of a directory another client had made reported success after its EEXIST reply was lost (a retried mkdir turns EEXIST into success: two clients both 'win' the lock)")
	rc_retry "$P: mount usable at the end" 20 stat "$M/ready.txt"
	smbfuse_umount "${M%/*}"
	_t_check_stderr "$log"
}

lost_pass
stall_pass u60 actimeo=60 1
stall_pass n60 actimeo=60,nounix 0
lc_bad_check "${#bad[@]} multi-step operation(s) went wrong when a request's fate was unknown"
exit 0
