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
# shellcheck source-path=SCRIPTDIR source=fio_lib.sh
. "$(dirname "$0")/fio_lib.sh"

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

# run_fio WHAT DIR JOBFILE [ARGS...]: fio_verify, failing the test.
run_fio() {
	local what=$1
	shift
	fio_verify "$T_ROOT/fio.$((++_FIO_SEQ)).out" "$@" || fail "$what: fio found an error"
}
_FIO_SEQ=0

for v in strict none small; do
	fio_jobs 16m "$v" >"$T_ROOT/$v.fio"
	run_fio "write+verify through -o ${OPTS[$v]:-defaults}" "${MNT[$v]}/$v" "$T_ROOT/$v.fio"
done
for v in strict none small; do
	run_fio "verify_only of the $v files in the backing directory" "$S/$v" "$T_ROOT/$v.fio" --verify_only
done
# Another mount reads what one wrote: strict's files through none and so on.
fio_jobs 16m strict none >"$T_ROOT/strict-none.fio"
run_fio "verify_only of the strict files through cache=none" "${MNT[none]}/strict" "$T_ROOT/strict-none.fio" --verify_only
run_fio "verify_only of the none files through small I/O" "${MNT[small]}/none" "$T_ROOT/none.fio" --verify_only
run_fio "verify_only of the small files through the default mount" "${MNT[strict]}/small" "$T_ROOT/small.fio" --verify_only

for v in strict none small; do smbfuse_umount "${MNT[$v]}"; done
note "fio verify: all jobs passed on 3 mounts, on the server's disk and across mounts"
exit 0
