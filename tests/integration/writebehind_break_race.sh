#!/usr/bin/env bash
# writebehind_break_race.sh - a write(2) that returned before our answer to
# an oplock break must be on the server before another client's open
# completes.  The holder streams 1 MiB writes through a 20 ms delay proxy
# (so queued writes take a while to land) and, after each, reads
# oplock_breaks over the stats ioctl; once it sees the break it writes on
# for HOLD_MS and stops.  smbfuse's debug log gives the time it answered the
# break (CLOCK_MONOTONIC, as the holder's clock); smbclient, whose open
# caused the break and completed after that answer, must have read every
# byte that write(2) had returned for before it.  Before wb_stop the break
# handler drained only the writes queued before it started, while the
# oplock still looked exclusive to writers: writes that returned during the
# drain landed after the answer, and smbclient read megabytes less.
if [ -z "${BASH_VERSION:-}" ]; then exec bash "$0" "$@"; fi
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source-path=SCRIPTDIR source=reconnect_lib.sh
. "$(dirname "$0")/reconnect_lib.sh"

require_prereqs
smb_start
mnt=$(new_mountpoint wbr)
HOLD_MS=1500
rc_delay_start "$SMB_PORT" 20
SMB_UNC=//127.0.0.1:$DELAY_PORT/share smbfuse_mount "$mnt" -d -o "username=$SMB_USER,password=$SMB_PASS"

cat >"$T_ROOT/holder.py" <<'PY'
import os, sys, fcntl, struct, time, re
path, mnt, ctl, hold = sys.argv[1:5]
# The stats ioctl itself (stats_ioctl.h), not `smbfuse --stats`: a process
# per look would let the queue drain between writes, and the race go.
SZ = 16380
IOC = (3 << 30) | (SZ << 16) | (ord('S') << 8) | 0xb5
dfd = os.open(mnt, os.O_RDONLY | os.O_DIRECTORY)
def breaks():
    text, off = b"", 0
    while True:
        buf = bytearray(SZ)
        struct.pack_into("<I", buf, 0, off)
        fcntl.ioctl(dfd, IOC, buf, True)
        total, ln = struct.unpack_from("<II", buf, 8)
        text += bytes(buf[16:16 + ln])
        off += ln
        if ln == 0 or off >= total:
            break
    return int(re.search(rb"^oplock_breaks: (\d+)", text, re.M).group(1))
base = breaks()
log = open(os.path.join(ctl, "returns"), "w")
fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
done, i = 0, 0
while done < (192 << 20):
    os.write(fd, bytes([i % 251]) * (1 << 20))
    done += 1 << 20
    i += 1
    log.write("%d %d\n" % (int(time.monotonic() * 1e6), done))
    if done == (8 << 20):
        open(os.path.join(ctl, "streaming"), "w").close()
    if breaks() != base:
        # keep writing HOLD_MS (less than the demo delay) after the break
        # was seen: all of these return before the downgrade and the ack
        stop = time.monotonic() + int(hold) / 1000
        while time.monotonic() < stop:
            os.write(fd, bytes([i % 251]) * (1 << 20))
            done += 1 << 20
            i += 1
            log.write("%d %d\n" % (int(time.monotonic() * 1e6), done))
        break
log.close()
open(os.path.join(ctl, "P"), "w").close()
end = time.time() + 120
while not os.path.exists(os.path.join(ctl, "done")) and time.time() < end:
    time.sleep(0.02)
os.close(fd)
PY

cat >"$T_ROOT/check.py" <<'PY'
import sys, re
got, returns, log = sys.argv[1], sys.argv[2], sys.argv[3]
downs = [int(m.group(1)) for m in
         re.finditer(r"oplock break on \S+ answered at (\d+) us", open(log, errors="replace").read())]
if not downs:
    sys.exit("no oplock break answered in the log")
t_down = downs[-1]
P = 0
for line in open(returns):
    t, d = map(int, line.split())
    if t < t_down:
        P = d
print("write(2) had returned %d bytes before the answer" % P)
d = open(got, "rb").read()
if len(d) < P:
    sys.exit("smbclient read %d bytes; write(2) had returned %d before the break "
             "(%d MiB acknowledged to the writer, not on the server at the oplock ack)"
             % (len(d), P, (P - len(d)) >> 20))
for i in range(P >> 20):
    if d[i << 20:(i + 1) << 20] != bytes([i % 251]) * (1 << 20):
        sys.exit("chunk %d wrong" % i)
print("ok: read %d >= %d" % (len(d), P))
PY

for round in 1 2 3; do
	C=$T_ROOT/ctl$round
	mkdir -p "$C"
	python3 "$T_ROOT/holder.py" "$mnt/f$round.bin" "$mnt" "$C" "$HOLD_MS" >"$T_ROOT/holder$round.out" 2>&1 &
	holder=$!
	register_helper "$holder"
	wait_file "$C/streaming" 30 "$holder" || { show_file "$T_ROOT/holder$round.out"; fail "holder did not start"; }
	smb_client //127.0.0.1/share -U "$SMB_USER%$SMB_PASS" -c "get f$round.bin $T_ROOT/got$round" \
		>"$T_ROOT/get$round.out" 2>&1 || { show_file "$T_ROOT/get$round.out"; fail "smbclient get"; }
	wait_file "$C/P" 30 || fail "holder never saw the oplock break"
	touch "$C/done"
	wait "$holder" || true
	python3 "$T_ROOT/check.py" "$T_ROOT/got$round" "$C/returns" "$SMBFUSE_LOG" >"$T_ROOT/check$round.out" 2>&1 ||
		{ show_file "$T_ROOT/check$round.out"; grep 'answered at' "$SMBFUSE_LOG" | tail -1; fail "round $round: writes returned before the oplock break were not on the server"; }
	note "round $round: $(tr '\n' ' ' <"$T_ROOT/check$round.out")"
	rm -f "$mnt/f$round.bin" "$T_ROOT/got$round"
done
smbfuse_umount "$mnt"
exit 0
