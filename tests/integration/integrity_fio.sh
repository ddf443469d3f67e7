#!/usr/bin/env bash
# integrity_fio.sh - data integrity under fio (a third-party I/O generator)
# with block checksums (verify=crc32c / md5): sequential and random writes
# of odd sizes, several jobs writing at once, O_DIRECT through libaio with 8
# requests queued, mmap writes, through three mounts: the default cache, -o
# cache=none (direct I/O) and rsize=/wsize=4096 (every request split).
# Each mount's files are then verified twice more by fio --verify_only: read
# from the server's backing directory (what reached the disk) and through
# another mount (another connection, no cache=none page cache to hide
# behind).  contrib/conformance.sh runs the same kind of jobs longer, with
# fsx and pjdfstest.
if [ -z "${BASH_VERSION:-}" ]; then exec bash "$0" "$@"; fi
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source-path=SCRIPTDIR source=rw_lib.sh
. "$(dirname "$0")/rw_lib.sh"

require_prereqs
command -v fio >/dev/null 2>&1 || skip "fio not installed (tests/run.sh installs it)"
smb_start
S=$SHARE_DIR

declare -A OPTS=([strict]="" [none]="cache=none" [small]="rsize=4096,wsize=4096")
declare -A MNT=()
for v in strict none small; do
	MNT[$v]=$(new_mountpoint "$v")
	mount_rw "${MNT[$v]}" "${OPTS[$v]}"
	mkdir "${MNT[$v]}/$v" || fail "mkdir $v through the mount"
done

# job_file WRITER [READER]: the jobs for the files of mount WRITER, read
# back through mount READER (default WRITER).  The files go to ${FIODIR}, so
# --verify_only can read them back from anywhere; every block size divides
# size= (fio lays out again, with zeros, a file shorter than size=).  mmap
# needs the page cache, which -o cache=none (FOPEN_DIRECT_IO) does not give:
# shared mappings fail with ENODEV there, as on every FUSE direct-I/O file,
# so that mount neither writes nor reads through mmap.
job_file() {
	cat <<'EOF'
[global]
directory=${FIODIR}
size=16m
verify=crc32c
verify_fatal=1
do_verify=1
ioengine=psync
[seq]
rw=write
bs=64k
[rand]
rw=randwrite
bsrange=512-200k
[overwrite]
rw=randwrite
size=4m
bs=4k
verify_backlog=32
[par]
numjobs=3
rw=randwrite
bsrange=1k-256k
[direct]
ioengine=libaio
direct=1
iodepth=8
rw=randwrite
bs=8k
size=8m
[vec]
ioengine=pvsync2
rw=write
bs=1m
verify=md5
fsync=2
EOF
	[ "$1" = none ] && return 0
	printf '[mmap]\nrw=randwrite\nbsrange=1k-64k\nioengine=%s\n' \
		"$([ "${2:-$1}" = none ] && echo psync || echo mmap)"
}

# run_fio WHAT DIR JOBFILE [ARGS...]: fio with FIODIR=DIR; fails on a
# non-zero status or a job with an error (terse field 5).
run_fio() {
	local what=$1 dir=$2 jobs=$3 out
	shift 3
	out=$T_ROOT/fio.$((++_FIO_SEQ)).out
	FIODIR=$dir timeout 240 fio --output-format=terse --terse-version=3 "$@" "$jobs" >"$out" 2>&1 ||
		{ show_file "$out" 40; fail "$what: fio exited with status $?"; }
	if awk -F';' '$1 == 3 && $5 != 0 { bad = 1 } END { exit !bad }' "$out" ||
		grep -q 'verify failed' "$out"; then
		show_file "$out" 40
		fail "$what: a fio job reported an error"
	fi
	# every job ran: one terse line each
	[ "$(grep -c '^3;' "$out")" -ge 7 ] || { show_file "$out" 40; fail "$what: fewer fio jobs than expected"; }
}
_FIO_SEQ=0

for v in strict none small; do
	job_file "$v" >"$T_ROOT/$v.fio"
	run_fio "write+verify through -o ${OPTS[$v]:-defaults}" "${MNT[$v]}/$v" "$T_ROOT/$v.fio"
done
for v in strict none small; do
	run_fio "verify_only of the $v files in the backing directory" "$S/$v" "$T_ROOT/$v.fio" --verify_only
done
# Another mount reads what one wrote: strict's files through none and so on.
job_file strict none >"$T_ROOT/strict-none.fio"
run_fio "verify_only of the strict files through cache=none" "${MNT[none]}/strict" "$T_ROOT/strict-none.fio" --verify_only
run_fio "verify_only of the none files through small I/O" "${MNT[small]}/none" "$T_ROOT/none.fio" --verify_only
run_fio "verify_only of the small files through the default mount" "${MNT[strict]}/small" "$T_ROOT/small.fio" --verify_only

for v in strict none small; do smbfuse_umount "${MNT[$v]}"; done
note "fio verify: all jobs passed on 3 mounts, on the server's disk and across mounts"
exit 0
