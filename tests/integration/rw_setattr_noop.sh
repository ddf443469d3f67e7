#!/usr/bin/env bash
# rw_setattr_noop.sh - a chmod or chown that asks for what the (coherent)
# attribute cache already shows costs no request (tar -x, cp -p, rsync -a
# set the mode and owner a new file already has), and nothing else changes:
#   - chmod to the same mode, chown to the same owner: no SET_PATH_INFO;
#   - chmod to another mode, chown to another owner: on the server;
#   - another user's chmod to the same mode: still the server's to answer
#     (allow_other, no default_permissions);
#   - a setuid file's same-owner chown still goes to the server;
#   - a change made on the server meanwhile (the cache hears of it) is not
#     taken for "already so".
if [ -z "${BASH_VERSION:-}" ]; then exec bash "$0" "$@"; fi
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source-path=SCRIPTDIR source=rw_lib.sh
. "$(dirname "$0")/rw_lib.sh"
# shellcheck source-path=SCRIPTDIR source=reconnect_lib.sh
. "$(dirname "$0")/reconnect_lib.sh"

require_prereqs
command -v setpriv >/dev/null 2>&1 || skip "setpriv (util-linux) not installed"
smb_start
S=$SHARE_DIR
chmod 755 "$T_ROOT"
m=$(new_mountpoint noop)
mount_rw "$m" allow_other

sets() { rc_stat_value "$m" requests.TRANS2_SET_PATH_INFORMATION; }

echo data >"$m/f"
chmod 644 "$m/f"
stat "$m/f" >/dev/null
n=$(sets)
chmod 644 "$m/f" || fail "chmod to the same mode"
chown 0:0 "$m/f" || fail "chown to the same owner"
chown -h 0:0 "$m/f" || fail "lchown to the same owner"
check_eq "requests for a chmod and chowns that change nothing" "$n" "$(sets)"

chmod 600 "$m/f" || fail "chmod 600"
check_eq "mode on the server after chmod 600" 600 "$(stat -c %a "$S/f")"
chown 65534:65534 "$m/f" || fail "chown 65534"
check_eq "owner on the server after chown" 65534:65534 "$(stat -c %u:%g "$S/f")"
chown 0:0 "$m/f" || fail "chown back to root"
check_eq "owner on the server after chown back" 0:0 "$(stat -c %u:%g "$S/f")"

# Another user asking for the values the file has: only the server may
# answer that (here, with the session's rights, it allows it), never us.
stat "$m/f" >/dev/null
n=$(sets)
setpriv --reuid=65534 --regid=65534 --clear-groups chmod 600 "$m/f" 2>/dev/null || true
[ "$(sets)" -gt "$n" ] || fail "another user's chmod was answered locally"

# setuid: a chown clears the bit on the server, so it is sent.
chmod 4755 "$m/f" || fail "chmod 4755"
stat "$m/f" >/dev/null
n=$(sets)
chown 0:0 "$m/f" || fail "chown of a setuid file"
[ "$(sets)" -gt "$n" ] || fail "a setuid file's chown was answered locally"

# Changed on the server: the mount hears of it and does not skip.
chmod 644 "$m/f"
stat "$m/f" >/dev/null
chmod 600 "$S/f"
for _ in $(seq 50); do
	[ "$(stat -c %a "$m/f")" = 600 ] && break
	sleep 0.1
done
chmod 644 "$m/f" || fail "chmod after a change on the server"
check_eq "mode on the server after chmod 644 over the server's change" 644 "$(stat -c %a "$S/f")"

smbfuse_umount "$m"
exit 0
