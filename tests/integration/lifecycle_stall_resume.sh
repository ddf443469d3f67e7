#!/usr/bin/env bash
# lifecycle_stall_resume.sh - issue 10, case 1, the server comes back: the
# smbd child serving the mount is SIGSTOPped, an operation starts, its first
# attempt times out (timeout=2), and the child is CONTed after 3 s (the
# redesigned mount keeps the old connection draining and takes the late
# answer).  Mounts conns=1,timeout=2,reconnect_timeout=10 with actimeo=60
# and actimeo=0; Samba with 'aio read size = 0' and 'aio write size = 0'.
# Operations as in lifecycle_stall_late.sh: trunc ("OLD" file), unlink,
# pwrite "AAAA" + fsync on an fd opened before the stop ("0000" file).
# Checks:
#   - the operation ends within 30 s (its result is printed; OK is what the
#     redesign should give, an error is accepted with a warning);
#   - if it reported OK: the file is empty / gone / holds "AAAA";
#   - another client then makes a newer state ("NEW" / recreated "NEW" /
#     "BBBB"); 3 s later it is still intact (no late copy ran after it).
# Today this passes (each operation reports OK; the replay and the late
# first copy both run before the newer state is made): a regression test
# for the redesign, which must not break it.
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

# stall WHAT: the op started by the caller (child already stopped) gets its
# child back after 3 s; then wait for the op (bounded)
stall() {
	lc_resume "$1"
	case $LC_OP_RES in
	HUNG | KILLED) fail "$1: did not end within 60 s (child stopped for 3 s)" ;;
	OK) ;;
	*) warn "$1: reported $LC_OP_RES (the redesign should give OK: the late answer arrives)" ;;
	esac
	[ "$LC_OP_MS" -le 30000 ] || bad+=("$1: took $LC_OP_MS ms (> 30 s) with the child stopped for 3 s")
}

# after WHAT FILE WANT: FILE (or '(no file)') is WANT
after() {
	local got
	got=$(cat "$2" 2>/dev/null || echo '(no file)')
	note "$1: $(basename "$2") is '$got'"
	[ "$got" = "$3" ] || bad+=("$1: $(basename "$2") is '$got', want '$3'")
}

resume_pass() {
	local a=$1 mnt log
	printf OLD >"$S/t$a.txt"
	printf OLD >"$S/u$a.txt"
	printf 0000 >"$S/w$a.txt"
	mnt=$(new_mountpoint "resume$a")
	rc_mount "$mnt" "conns=1,timeout=2,reconnect_timeout=10,actimeo=$a"
	log=$SMBFUSE_LOG
	for f in "t$a.txt" "u$a.txt" "w$a.txt"; do
		check_file_eq "$f through the mount before the stop" "$S/$f" "$mnt/$f"
	done

	lc_ready "actimeo=$a trunc" "$mnt/w$a.txt"
	lc_stop_child
	lc_op_start "trunc$a" trunc "$mnt/t$a.txt"
	stall "actimeo=$a trunc"
	[ "$LC_OP_RES" = OK ] && after "actimeo=$a trunc, right after" "$S/t$a.txt" ""
	printf NEW >"$S/t$a.txt"
	sleep 3
	after "actimeo=$a trunc, 3 s after another client wrote NEW" "$S/t$a.txt" NEW

	lc_ready "actimeo=$a unlink" "$mnt/w$a.txt"
	lc_stop_child
	lc_op_start "unlink$a" unlink "$mnt/u$a.txt"
	stall "actimeo=$a unlink"
	[ "$LC_OP_RES" = OK ] && after "actimeo=$a unlink, right after" "$S/u$a.txt" "(no file)"
	rm -f "$S/u$a.txt"
	printf NEW >"$S/u$a.txt"
	sleep 3
	after "actimeo=$a unlink, 3 s after another client recreated it" "$S/u$a.txt" NEW

	lc_ready "actimeo=$a pwrite" "$mnt/w$a.txt"
	lc_op_start "pwrite$a" --pre pwrite "$mnt/w$a.txt" AAAA
	lc_stop_child
	lc_op_go
	stall "actimeo=$a pwrite+fsync"
	[ "$LC_OP_RES" = OK ] && after "actimeo=$a pwrite, right after" "$S/w$a.txt" AAAA
	lc_backing_write "$S/w$a.txt" BBBB
	sleep 3
	after "actimeo=$a pwrite, 3 s after another client wrote BBBB" "$S/w$a.txt" BBBB

	lc_ready "actimeo=$a at the end" "$mnt/w$a.txt"
	[ "$a" = 0 ] && check_file_eq "w$a.txt through the mount at the end" "$S/w$a.txt" "$mnt/w$a.txt"
	smbfuse_umount "$mnt"
	_t_check_stderr "$log"
}

resume_pass 60
resume_pass 0
lc_bad_check "${#bad[@]} wrong state(s) after a 3 s stall"
exit 0
