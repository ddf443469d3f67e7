#!/usr/bin/env bash
# big_directory.sh - 20,000 entries in one directory: every name comes back
# exactly once through the mount (FIND_FIRST2 / FIND_NEXT2 continuation,
# MS-CIFS 2.2.6.2-3), and ls -f counts 20,002 with . and ..
if [ -z "${BASH_VERSION:-}" ]; then exec bash "$0" "$@"; fi
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"

require_prereqs
smb_start

N=20000
D=$SHARE_DIR/big
mkdir -p "$D"
# Mostly short names, some long ones (varying entry sizes, so continuation
# points fall at different places), a few non-ASCII.
long=$(printf 'L%.0s' $(seq 180))
for ((i = 0; i < N; i++)); do
	if ((i % 997 == 0)); then
		: >"$D/$long-$i"
	elif ((i % 1499 == 0)); then
		: >"$D/fïlé-ñ-$i"
	else
		: >"$D/f$i"
	fi
done
find "$D" -mindepth 1 -maxdepth 1 -printf '%f\n' | sort >"$T_ROOT/names.expected"
check_eq "self-check: entries in the backing directory" "$N" "$(wc -l <"$T_ROOT/names.expected")"

mnt=$(new_mountpoint bigdir)
smbfuse_mount "$mnt" -o "username=$SMB_USER,password=$SMB_PASS"

for pass in 1 2; do
	start=$(date +%s.%N)
	ls -f "$mnt/big" >"$T_ROOT/ls-f.out" || fail "ls -f through the mount failed (pass $pass)"
	end=$(date +%s.%N)
	check_eq "ls -f | wc -l (pass $pass)" "$((N + 2))" "$(wc -l <"$T_ROOT/ls-f.out")"
	grep -vxE '\.|\.\.' "$T_ROOT/ls-f.out" | sort >"$T_ROOT/names.actual"
	dups=$(uniq -d "$T_ROOT/names.actual" | head -n 5)
	[ -z "$dups" ] || fail "names listed more than once (pass $pass), e.g.: $dups"
	check_lists_eq "sorted names (pass $pass)" "$T_ROOT/names.expected" "$T_ROOT/names.actual"
	note "listing $N entries, pass $pass: $(awk -v s="$start" -v e="$end" 'BEGIN { printf "%.2f s", e - s }')"
done
# a stat on a late entry by name
[ -f "$mnt/big/f19999" ] || fail "big/f19999 not found by name"

smbfuse_umount "$mnt"
exit 0
