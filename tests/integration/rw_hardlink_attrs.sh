#!/usr/bin/env bash
# rw_hardlink_attrs.sh - every name of a hard-linked file shows the same,
# current attributes right after a change through another name (issue 8,
# defect 13), with the default attribute cache (actimeo=1): link raises the
# link count the old name shows, chmod/chown/truncate/write/utime through one
# name show through the other, unlink lowers the count again.
if [ -z "${BASH_VERSION:-}" ]; then exec bash "$0" "$@"; fi
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source-path=SCRIPTDIR source=rw_lib.sh
. "$(dirname "$0")/rw_lib.sh"

require_prereqs
smb_start
m=$(new_mountpoint links)
mount_rw "$m"

# same WHAT FORMAT WANT: stat FORMAT of a (through the mount) is WANT.
same() {
	local got
	got=$(stat -c "$2" "$m/a")
	[ "$got" = "$3" ] || problem "$1: the other name shows '$got', expected '$3'"
}
echo data >"$m/a"
chmod 644 "$m/a"
stat "$m/a" >/dev/null # cached from here on
ln "$m/a" "$m/b" || fail "link"
same "after link a b" %h 2
chmod 600 "$m/b"
same "after chmod 600 b" %a 600
chown 12:34 "$m/b"
same "after chown 12:34 b" %u:%g 12:34
echo more >>"$m/b"
same "after appending 5 bytes to b" %s 10
truncate -s 3 "$m/b"
same "after truncate -s 3 b" %s 3
touch -d @1000000000 "$m/b"
same "after touch -d @1000000000 b" %Y 1000000000
{ mkdir "$m/d" && ln "$m/a" "$m/d/c"; } || fail "second link"
same "after link a d/c" %h 3
rm "$m/b"
same "after unlink b" %h 2
mv "$m/d/c" "$m/c"
chmod 640 "$m/c"
same "after chmod 640 c (renamed from d/c)" %a 640
check_eq "content through the remaining names" "$(cat "$m/a")" "$(cat "$m/c")"
smbfuse_umount "$m"
problems_check
note "hard links show current attributes"
exit 0
