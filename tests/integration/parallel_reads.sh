#!/usr/bin/env bash
# parallel_reads.sh - 8 distinct files read at the same time through one
# mount (many requests in flight, replies matched by MID); each copy is
# byte-identical.
if [ -z "${BASH_VERSION:-}" ]; then exec bash "$0" "$@"; fi
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"

require_prereqs
smb_start

declare -A want=()
for i in 0 1 2 3 4 5 6 7; do
	# 2-5 MiB, odd sizes
	head -c $((2 * 1024 * 1024 + i * 413417 + 17)) /dev/urandom >"$SHARE_DIR/p$i.bin"
	want[$i]=$(sha256_of "$SHARE_DIR/p$i.bin")
done
[ "${want[0]}" != "${want[1]}" ] || fail "self-check: files are not distinct"

mnt=$(new_mountpoint parallel)
smbfuse_mount "$mnt" -o "username=$SMB_USER,password=$SMB_PASS"
mkdir -p "$T_ROOT/out"

# round ROUND CMD...: run CMD on all 8 files at once; check every copy.
round() {
	local r=$1 i rc bad=0
	shift
	local pids=()
	for i in 0 1 2 3 4 5 6 7; do
		"$@" "$mnt/p$i.bin" >"$T_ROOT/out/p$i.$r" 2>"$T_ROOT/out/p$i.$r.err" &
		pids[i]=$!
	done
	for i in 0 1 2 3 4 5 6 7; do
		wait "${pids[i]}"
		rc=$?
		if [ "$rc" != 0 ]; then
			echo "    p$i.bin: '$*' exited $rc: $(head -c 300 "$T_ROOT/out/p$i.$r.err")"
			bad=1
		elif [ "$(sha256_of "$T_ROOT/out/p$i.$r")" != "${want[$i]}" ]; then
			echo "    p$i.bin: sha256 differs ($(stat -c %s "$T_ROOT/out/p$i.$r") of $(stat -c %s "$SHARE_DIR/p$i.bin") bytes)"
			cmp "$SHARE_DIR/p$i.bin" "$T_ROOT/out/p$i.$r" 2>&1 | head -n 1 | sed 's/^/      /'
			bad=1
		fi
	done
	[ "$bad" = 0 ] || fail "parallel reads, round '$r': some copies are wrong"
	rm -f "$T_ROOT/out/"*".$r"
}
# shellcheck disable=SC2317 # called through round
dd_odd() { dd if="$1" bs=12345 status=none; }
round cat cat
note "8 parallel cat: all sha256 ok"
round dd dd_odd
note "8 parallel dd bs=12345: all sha256 ok"

smbfuse_umount "$mnt"
exit 0
