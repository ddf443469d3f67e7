# shellcheck shell=bash
# tests/integration/fio_lib.sh - fio jobs with block checksums, shared by
# integrity_fio.sh and contrib/conformance.sh (sourced after lib.sh).
#
#   fio_jobs SIZE WRITER [READER]   print a job file (to stdout)
#   fio_verify LOG DIR JOBFILE [FIO ARGS...]
#                                   run it with FIODIR=DIR; false on failure

# fio_jobs SIZE WRITER [READER]: the jobs writing the files of the mount
# kind WRITER (strict, none, small), to be read back through READER
# (default WRITER): sequential and random writes of odd sizes, small
# overwrites checked while writing, several jobs at once, O_DIRECT through
# libaio with requests queued, pvsync2 with fsync, mmap.  Each writes a file
# of SIZE in ${FIODIR} and verifies it (crc32c, md5 for one), so that
# --verify_only can check the same files again from anywhere.  Every block
# size divides SIZE (fio lays out again, with zeros, a file shorter than
# size=).  mmap needs the page cache, which -o cache=none (FOPEN_DIRECT_IO)
# does not give -- shared mappings fail with ENODEV on every FUSE direct-I/O
# file -- so that mount neither writes nor reads through mmap.
fio_jobs() {
	local size=$1 writer=$2 reader=${3:-$2}
	cat <<EOF
[global]
directory=\${FIODIR}
size=$size
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
[vec]
ioengine=pvsync2
rw=write
bs=1m
verify=md5
fsync=2
EOF
	[ "$writer" = none ] && return 0
	printf '[mmap]\nrw=randwrite\nbsrange=1k-64k\nioengine=%s\n' \
		"$([ "$reader" = none ] && echo psync || echo mmap)"
}

# fio_verify LOG DIR JOBFILE [FIO ARGS...]: fio with FIODIR=DIR, terse
# output in LOG.  False (the reason shown) on a non-zero status, a job with
# an error (terse field 5: fio itself exits 0 after a verify failure under
# --verify_only) or a verify message.
fio_verify() {
	local log=$1 dir=$2 jobs=$3 rc
	shift 3
	FIODIR=$dir timeout 1800 fio --output-format=terse --terse-version=3 --verify_state_save=0 "$@" "$jobs" >"$log" 2>&1
	rc=$?
	if [ "$rc" != 0 ] || [ "$(grep -c '^3;' "$log")" = 0 ] ||
		awk -F';' '$1 == 3 && $5 != 0 { bad = 1 } END { exit !bad }' "$log" ||
		grep -Eq 'verify failed|bad magic|err=' "$log"; then
		echo "    fio status $rc; $(grep -c '^3;' "$log") jobs reported; first messages:"
		grep -v '^3;' "$log" | head -n 5 | sed 's/^/      /'
		return 1
	fi
	return 0
}
