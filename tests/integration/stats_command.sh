#!/usr/bin/env bash
# stats_command.sh - `smbfuse --stats MOUNTPOINT` and a listing's cost:
#  1. --stats prints the mount's key: value report, and reading it asks the
#     server nothing (two reads in a row: same request counters);
#  2. --stats fails with a line saying why and exit status 1 for a
#     directory that is no mount, a subdirectory of the mount, a missing
#     path and a mount whose daemon is gone;
#  3. `ls -l` of a directory of 2,000 files costs its FIND_FIRST2 /
#     FIND_NEXT2 round trips (about 500 entries each: MaxDataCount 0xFFFF)
#     and the directory's own lookup, nothing per entry: no LOOKUP, GETATTR
#     or GETXATTR reaches the daemon (readdirplus gives the attributes, and
#     getxattr is not answered, so the kernel stops asking at once).
if [ -z "${BASH_VERSION:-}" ]; then exec bash "$0" "$@"; fi
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"

require_prereqs
smb_start
N=2000
mkdir -p "$SHARE_DIR/d" "$SHARE_DIR/sub"
(cd "$SHARE_DIR/d" && seq -f 'file%05g' 1 "$N" | xargs touch) || fail "creating $N files"

# own_requests FILE: requests.* summed, but the change watcher's NT_TRANSACT
# and keepalive ECHOs, which run on their own.
own_requests() { requests_in "$1" 'NT_TRANSACT|ECHO'; }
finds() { echo $(($(stat_in "$1" requests.TRANS2_FIND_FIRST2) + $(stat_in "$1" requests.TRANS2_FIND_NEXT2))); }
# expect_refusal WHAT REGEX PATH: --stats fails in time, saying REGEX.
expect_refusal() {
	local start rc
	start=$(date +%s)
	"$SMBFUSE" --stats "$3" >"$T_ROOT/refusal.out" 2>"$T_ROOT/refusal.err"
	rc=$?
	[ "$rc" = 1 ] || { show_file "$T_ROOT/refusal.err"; fail "--stats on $1: exit status $rc, expected 1"; }
	[ -s "$T_ROOT/refusal.out" ] && { show_file "$T_ROOT/refusal.out"; fail "--stats on $1 printed a report"; }
	check_contains "--stats on $1" "$T_ROOT/refusal.err" "$2"
	(($(date +%s) - start <= 12)) || fail "--stats on $1 took more than 12 s"
}

# -d: libfuse logs each request the kernel sends ("opcode: NAME").
mnt=$(new_mountpoint stats)
smbfuse_mount "$mnt" -d -o "username=$SMB_USER,password=$SMB_PASS,actimeo=60"

# 1. the report, and reading it costs the server nothing
"$SMBFUSE" --stats "$mnt" >"$T_ROOT/s0" 2>"$T_ROOT/s0.err" || { show_file "$T_ROOT/s0.err"; fail "smbfuse --stats failed"; }
for k in server share user dialect capabilities unix_extensions signing connections connection.0.state \
	connection.0.requests reconnects bytes_sent bytes_received cache_mode requests.NEGOTIATE; do
	grep -q "^$(_t_re_escape "$k"): ." "$T_ROOT/s0" || { show_file "$T_ROOT/s0" 100; fail "stats: no line '$k: VALUE'"; }
done
check_contains "stats: server" "$T_ROOT/s0" "^server: 127\.0\.0\.1 port $SMB_PORT$"
"$SMBFUSE" --stats "$mnt" >"$T_ROOT/s1" || fail "smbfuse --stats (again) failed"
check_eq "requests sent while reading the stats twice" "$(own_requests "$T_ROOT/s0")" "$(own_requests "$T_ROOT/s1")"
check_eq "directory listings while reading the stats" 0 "$(stat_in "$T_ROOT/s1" op.opendir.count)"
note "--stats ok ($(wc -l <"$T_ROOT/s1") lines), no request to the server"

# 2. refusals
expect_refusal "a directory that is no mount" 'not the mount point of an smbfuse mount' "$T_ROOT"
expect_refusal "a subdirectory of the mount" 'not the mount point of an smbfuse mount' "$mnt/sub"
expect_refusal "a missing path" 'No such file' "$T_ROOT/nonexistent"
note "refusals ok"

# 3. ls -l: listing round trips only
"$SMBFUSE" --stats "$mnt" >"$T_ROOT/before" || fail "--stats before ls -l"
log_before=$(wc -l <"$SMBFUSE_LOG")
ls -l "$mnt/d" >"$T_ROOT/ls.out" || fail "ls -l of $N files failed"
"$SMBFUSE" --stats "$mnt" >"$T_ROOT/after" || fail "--stats after ls -l"
check_eq "entries listed by ls -l" "$N" "$(grep -c ' file[0-9]*$' "$T_ROOT/ls.out")"
tail -n +"$((log_before + 1))" "$SMBFUSE_LOG" | sed -n 's/.*opcode: \([A-Z_]*\).*/\1/p' | sort | uniq -c >"$T_ROOT/opcodes"
show_file "$T_ROOT/opcodes"
opcount() { awk -v op="$1" '$2 == op { n = $1 } END { print n + 0 }' "$T_ROOT/opcodes"; }
for op in LISTXATTR GETATTR; do
	(($(opcount $op) == 0)) || fail "ls -l sent $(opcount $op) $op requests to the daemon"
done
# The first getxattr of the mount's life gets ENOSYS; the kernel asks no more.
(($(opcount GETXATTR) <= 1)) || fail "ls -l sent $(opcount GETXATTR) GETXATTR requests (one at most)"
(($(opcount LOOKUP) <= 1)) || fail "ls -l sent $(opcount LOOKUP) LOOKUP requests (only the directory's own is expected)"
f=$(($(finds "$T_ROOT/after") - $(finds "$T_ROOT/before")))
all=$(($(own_requests "$T_ROOT/after") - $(own_requests "$T_ROOT/before")))
# 2,000 short names fit in 4 replies of 64 KiB; one server buffer (16 KiB)
# per reply would take 18.
((f >= 1 && f <= 5)) || fail "ls -l of $N files took $f FIND_FIRST2/FIND_NEXT2 round trips (expected at most 5)"
((all <= f + 1)) || fail "ls -l of $N files sent $all requests, $f of them FIND (only the directory's lookup may add one)"
note "ls -l of $N files: $f FIND requests, $all requests in all"

# 2. (continued) a mount whose daemon is gone
{
	kill -KILL "$SMBFUSE_PID"
	wait "$SMBFUSE_PID"
} 2>/dev/null
expect_refusal "a mount whose daemon is gone" 'not connected' "$mnt"
fusermount3 -u "$mnt" 2>/dev/null || umount -l "$mnt" 2>/dev/null
is_mounted "$mnt" && fail "could not unmount $mnt after killing its daemon"
note "dead daemon ok"
exit 0
