#!/usr/bin/env bash
# oplock_break_early.sh - an oplock break that reaches the mount before the
# handle of the open that got the oplock is listed (another client opened
# the file at once; the break is handled on the event thread while the
# open's own thread is still on its way) is answered once the handle is
# listed.  It used to be dropped as "closed meanwhile": the mount went on
# as if it held the oplock (write-behind, cached data) while the server,
# after its break timeout, let the other client in.
# smbproxy.py makes the race certain: it sends the break of the FID an
# NT_CREATE_ANDX reply grants (nounix opens use NT_CREATE_ANDX) just before
# that reply.  Then a write through the descriptor must not be queued
# (write-behind needs an exclusive oplock), and the break is answered (the
# mount's debug log).
#   B  A break that crosses the close of its FID (the proxy sends it as the
#      CLOSE's reply arrives, and holds that reply 4 s) is answered at
#      once.  The closing thread held the handle's lock until the reply,
#      and the break's handler waited for that lock, while Samba held the
#      close until the break was answered: opens of one file from several
#      threads of one mount took up to 9 s each.
if [ -z "${BASH_VERSION:-}" ]; then exec bash "$0" "$@"; fi
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source-path=SCRIPTDIR source=reconnect_lib.sh
. "$(dirname "$0")/reconnect_lib.sh"
# shellcheck source-path=SCRIPTDIR source=lifecycle_lib.sh
. "$(dirname "$0")/lifecycle_lib.sh"
require_prereqs

smb_start
lc_proxy_start "$SMB_PORT"
mnt=$(new_mountpoint A)
SMB_UNC=//127.0.0.1:$PROXY_PORT/share smbfuse_mount "$mnt" -d \
	-o "username=$SMB_USER,password=$SMB_PASS,nounix,conns=1"
echo before >"$SHARE_DIR/f"
stat "$mnt/f" >/dev/null || fail "stat"
q0=$(rc_stat_value "$mnt" writebehind.queued)
lc_proxy_arm 'prebreak a2'
exec 5>>"$mnt/f" || fail "open for appending"
grep -q '^smbproxy: prebreak fid' "$PROXY_LOG" || { show_file "$PROXY_LOG" 20; fail "the proxy sent no break before the open's reply"; }
head -c 65536 /dev/zero >&5 || fail "write"
q1=$(rc_stat_value "$mnt" writebehind.queued)
exec 5>&-
[ "$q1" = "$q0" ] ||
	fail "a write was queued ($((q1 - q0))) under an oplock the server had broken before the open's handle was listed"
grep -q "oplock on /f broken to none" "$SMBFUSE_LOG" ||
	{ grep -i oplock "$SMBFUSE_LOG" | tail -5; fail "the early break was not answered"; }
[ "$(stat -c %s "$SHARE_DIR/f")" = $((7 + 65536)) ] || fail "the file on the server has $(stat -c %s "$SHARE_DIR/f") bytes"
note "a break that came before the open's handle was listed was answered, and nothing was queued under it"

# ---------------------------------------------------------------- B
answered() { grep -c "oplock on /f broken to none" "$SMBFUSE_LOG"; }
exec 6<"$mnt/f" || fail "B: open"
before=$(answered)
lc_proxy_arm 'closebreak 04 1 4'
exec 6<&-
for ((i = 0; i < 50; i++)); do
	grep -q '^smbproxy: closebreak fid' "$PROXY_LOG" && break
	sleep 0.1
done
grep -q '^smbproxy: closebreak fid' "$PROXY_LOG" || { show_file "$PROXY_LOG" 20; fail "B: the proxy sent no break with the close's reply"; }
for ((i = 0; i < 25; i++)); do
	[ "$(answered)" -gt "$before" ] && break
	sleep 0.1
done
[ "$(answered)" -gt "$before" ] ||
	{ grep -i oplock "$SMBFUSE_LOG" | tail -5; fail "B: a break crossing the close was not answered within 2.5 s (the close's reply comes after 4 s)"; }
note "B: a break that crossed the close of its FID was answered at once"
smbfuse_umount "$mnt"
note "PASS"
