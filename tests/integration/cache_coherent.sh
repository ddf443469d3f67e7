#!/usr/bin/env bash
# cache_coherent.sh - long-lived caches kept honest by the server (issue:
# coherent caching).  smbclient is the other client.
#   A  actimeo=3600: files created, rewritten longer and shorter, renamed and
#      deleted by smbclient, in the root and in a subdirectory listed before,
#      show on the mount (ls, stat, cat) within WAIT_MS; a file open and read
#      on the mount, then overwritten by smbclient, reads smbclient's data on
#      a new open; a file written on the mount and still open (no fsync)
#      reads back exactly through smbclient, and smbclient's open of it
#      (which breaks our oplock) is not held up; no reconnect; the stats
#      count notifications, oplock breaks and cache hits.
#   B  cached work costs no round trip: a second `ls -l` of an unchanged
#      2,000-entry directory and a second read of an unchanged 16 MiB file
#      send (almost) no requests (counted by the stats, not timed).
#   C  a Samba with `change notify = no` and `oplocks = no`: the mount still
#      works, says it is on TTL caching, and is as fresh as actimeo=2 says.
if [ -z "${BASH_VERSION:-}" ]; then exec bash "$0" "$@"; fi
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source-path=SCRIPTDIR source=reconnect_lib.sh
. "$(dirname "$0")/reconnect_lib.sh"
# shellcheck source-path=SCRIPTDIR source=cache_lib.sh
. "$(dirname "$0")/cache_lib.sh"
require_prereqs
requests() { # total requests sent by the mount MNT
	rc_stats "$1" | awk -F': ' '/^connection\.[0-9]+\.requests:/ { n += $2 } END { print n + 0 }'
}

# ---------------------------------------------------------------- A
smb_start
S=$SHARE_DIR
mkdir "$S/sub"
printf 'first\n' >"$S/keep.txt"
printf 'sub file\n' >"$S/sub/old.txt"
mnt=$(new_mountpoint A)
rc_mount "$mnt" actimeo=3600
ls -l "$mnt" "$mnt/sub" >/dev/null
cat "$mnt/keep.txt" "$mnt/sub/old.txt" >/dev/null
rc_wait_stat "A: change notification armed" "$mnt" notify.arms 1 10

for d in "" sub/; do
	printf 'created\n' >"$T_ROOT/c.txt"
	sc "put $T_ROOT/c.txt ${d}new.txt"
	within "A: ${d}new.txt created by smbclient is listed" listed "$mnt/${d}new.txt"
	within "A: ${d}new.txt reads" has_content "$mnt/${d}new.txt" created
	printf 'rewritten, and longer than before\n' >"$T_ROOT/c.txt"
	sc "put $T_ROOT/c.txt ${d}new.txt"
	within "A: ${d}new.txt rewritten longer: size" size_is "$mnt/${d}new.txt" 34
	within "A: ${d}new.txt rewritten longer: content" has_content "$mnt/${d}new.txt" \
		'rewritten, and longer than before'
	printf 'short\n' >"$T_ROOT/c.txt"
	sc "put $T_ROOT/c.txt ${d}new.txt"
	within "A: ${d}new.txt rewritten shorter" has_content "$mnt/${d}new.txt" short
	sc "rename ${d}new.txt ${d}moved.txt"
	within "A: ${d}new.txt renamed: new name" has_content "$mnt/${d}moved.txt" short
	within "A: ${d}new.txt renamed: old name gone" gone "$mnt/${d}new.txt"
	sc "del ${d}moved.txt"
	within "A: ${d}moved.txt deleted" gone "$mnt/${d}moved.txt"
done

# Read on the mount and kept open; smbclient overwrites; a new open reads
# the new data.
exec 7<"$mnt/keep.txt"
cat <&7 >/dev/null
printf 'from smbclient\n' >"$T_ROOT/k.txt"
t0=$(date +%s%N)
sc "put $T_ROOT/k.txt keep.txt"
ms=$((($(date +%s%N) - t0) / 1000000))
note "A: smbclient's put of a file the mount holds open took $ms ms"
[ "$ms" -lt 10000 ] || fail "A: smbclient's open waited $ms ms (our oplock break answer came late)"
within "A: a new open reads smbclient's data" has_content "$mnt/keep.txt" 'from smbclient'
exec 7<&-

# Written on the mount, still open, no fsync: smbclient reads exactly that.
python3 - "$mnt/written.bin" "$T_ROOT/written.bin" <<'PY' &
import os, sys, time
data = os.urandom(300000)
open(sys.argv[2], "wb").write(data)
f = open(sys.argv[1], "wb")
f.write(data)
f.flush()                       # to the kernel, and through it to the server
open(sys.argv[2] + ".ready", "w").close()
time.sleep(8)                   # still open while smbclient reads
f.close()
PY
writer=$!
register_helper "$writer"
for _ in $(seq 100); do [ -e "$T_ROOT/written.bin.ready" ] && break; sleep 0.05; done
[ -e "$T_ROOT/written.bin.ready" ] || fail "A: the writer did not get going"
sc "get written.bin $T_ROOT/got.bin"
check_file_eq "A: smbclient reads what the mount wrote (file still open)" \
	"$T_ROOT/written.bin" "$T_ROOT/got.bin"
wait "$writer"

check_eq "A: reconnects" 0 "$(rc_stat_value "$mnt" reconnects)"
rc_stats "$mnt" >"$T_ROOT/statsA"
stat_of() { awk -v k="$1:" '$1 == k { print $2 }' "$T_ROOT/statsA"; }
for k in notify.notifications oplock_breaks; do
	note "A: $k = $(stat_of "$k")"
	[ "$(stat_of "$k")" -gt 0 ] 2>/dev/null || { show_file "$T_ROOT/statsA"; fail "A: stats $k is $(stat_of "$k")"; }
done
# The kernel answers most repeats itself; ours count what reaches us.
hits=$(($(stat_of cache.attr_hits) + $(stat_of cache.dir_hits) + $(stat_of cache.kept_file_data)))
note "A: cache hits in user space (attributes, listings, kept file data): $hits"
[ "$hits" -gt 0 ] || { show_file "$T_ROOT/statsA"; fail "A: no cache hit counted"; }
check_eq "A: coherence mode" "change notify and oplocks" \
	"$(sed -n 's/^cache_coherence: //p' "$T_ROOT/statsA")"

# ---------------------------------------------------------------- B
mkdir "$S/many"
python3 - "$S/many" <<'PY'
import os, sys
for i in range(2000):
    open(os.path.join(sys.argv[1], "f%05d" % i), "w").write("x" * (i % 7))
PY
head -c $((16 * 1024 * 1024)) /dev/urandom >"$S/big.bin"
want=$(sha256_of "$S/big.bin")
# Let the server's notifications of those writes arrive before measuring:
# each one rightly drops what is cached of the file.  On a busy machine
# they may take longer than a second: wait until none has come for half a
# second (at most 15 s).
quiet() {
	local last now i
	last=$(rc_stat_value "$1" notify.changes)
	for i in $(seq 30); do
		sleep 0.5
		now=$(rc_stat_value "$1" notify.changes)
		[ "$now" = "$last" ] && [ "$i" -ge 2 ] && return 0
		last=$now
	done
}
quiet "$mnt"
r0=$(requests "$mnt")
ls -l "$mnt/many" >/dev/null
r1=$(requests "$mnt")
ls -l "$mnt/many" >/dev/null
r2=$(requests "$mnt")
note "B: ls -l of 2,000 entries: $((r1 - r0)) requests the first time, $((r2 - r1)) the second"
[ $((r2 - r1)) -le $(((r1 - r0) / 4)) ] || fail "B: the second ls -l sent $((r2 - r1)) requests (first: $((r1 - r0)))"
check_eq "B: first read" "$want" "$(sha256_of "$mnt/big.bin")"
quiet "$mnt"
r3=$(requests "$mnt")
k3=$(rc_stat_value "$mnt" cache.kept_file_data)
check_eq "B: second read" "$want" "$(sha256_of "$mnt/big.bin")"
r4=$(requests "$mnt")
k4=$(rc_stat_value "$mnt" cache.kept_file_data)
note "B: 16 MiB read: $((r3 - r2)) requests the first time, $((r4 - r3)) the second"
# The mount's part is to let the kernel keep the file's pages (counted);
# whether they are all still there is the kernel's: a machine reclaiming
# idle page cache (DAMON) drops some, and the second read fetches those.
[ $((k4 - k3)) = 1 ] || fail "B: the second open did not keep the kernel's cached data ($((r4 - r3)) requests, first: $((r3 - r2)))"
# ... and a change is still seen after all that caching
printf 'changed\n' >"$T_ROOT/c.txt"
sc "put $T_ROOT/c.txt many/f00001"
within "B: a cached listing's file changed by smbclient" has_content "$mnt/many/f00001" changed
smbfuse_umount "$mnt"

# ---------------------------------------------------------------- C
smb_start 'change notify = no' 'oplocks = no' 'level2 oplocks = no'
S=$SHARE_DIR
printf 'one\n' >"$S/t.txt"
mnt=$(new_mountpoint C)
rc_mount "$mnt" actimeo=2
check_eq "C: reads" one "$(cat "$mnt/t.txt")"
rc_stats "$mnt" >"$T_ROOT/statsC"
mode=$(sed -n 's/^cache_coherence: //p' "$T_ROOT/statsC")
note "C: coherence mode: $mode"
[ "$mode" != "change notify and oplocks" ] || fail "C: claims coherence without change notify"
printf 'two, longer\n' >"$T_ROOT/c.txt"
sc "put $T_ROOT/c.txt t.txt"
sc "put $T_ROOT/c.txt added.txt"
sleep 3 # actimeo=2, and a second for the clock
check_eq "C: rewritten file after actimeo" 'two, longer' "$(cat "$mnt/t.txt")"
listed "$mnt/added.txt" || fail "C: new file not listed after actimeo"
check_eq "C: reconnects" 0 "$(rc_stat_value "$mnt" reconnects)"
smbfuse_umount "$mnt"
note "PASS"
