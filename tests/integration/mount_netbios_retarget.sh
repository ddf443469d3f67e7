#!/usr/bin/env bash
# mount_netbios_retarget.sh - NetBIOS session service edge cases Samba never
# produces: a negative session response for the called name derived from
# the host (the client must retry as "*SMBSERVER"), then a retarget response
# pointing at the real server (the client must follow it).  nbfake.py plays
# that server and logs the called names it saw.
if [ -z "${BASH_VERSION:-}" ]; then exec bash "$0" "$@"; fi
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"

require_prereqs
command -v python3 >/dev/null || skip "python3 not installed"
smb_start 'disable netbios = no'
printf 'retargeted\n' >"$SHARE_DIR/t.txt"

port=$(_t_pick_port) || fail "no free port"
python3 "$top_srcdir/tests/integration/nbfake.py" "$port" "$SMB_PORT" 10 60 >"$T_ROOT/nbfake.out" 2>&1 &
fake_pid=$!
_t_register_pid "$fake_pid"
for i in $(seq 50); do grep -q listening "$T_ROOT/nbfake.out" && break; sleep 0.1; done

mnt=$(new_mountpoint retarget)
SMB_UNC=//localhost:$port/share smbfuse_mount "$mnt" -o "netbios,conns=1,username=$SMB_USER,password=$SMB_PASS"
check_file_eq "cat after refusal + retarget" "$SHARE_DIR/t.txt" <(cat "$mnt/t.txt")
smbfuse_umount "$mnt"
check_eq "called names seen by the fake" "called LOCALHOST
called *SMBSERVER" "$(grep '^called' "$T_ROOT/nbfake.out")"

# With servern= the name is the user's word: no silent fallback.
mnt=$(new_mountpoint refused)
SMB_UNC=//localhost:$port/share smbfuse_try "$T_ROOT/refused.out" "$mnt" -o "netbios,servern=NOSUCH,username=$SMB_USER,password=$SMB_PASS"
[ "$TRY_RC" = 32 ] || { show_file "$T_ROOT/refused.out"; fail "refused servern: exit $TRY_RC, want 32"; }
grep -qi 'refused NetBIOS session for NOSUCH' "$T_ROOT/refused.out" || { show_file "$T_ROOT/refused.out"; fail "refused servern: unclear message"; }
note "refusal: $(head -n1 "$T_ROOT/refused.out")"
kill "$fake_pid" 2>/dev/null
wait "$fake_pid" 2>/dev/null
exit 0
