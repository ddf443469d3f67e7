#!/usr/bin/env bash
# mount_netbios.sh - '-o netbios': the NetBIOS session service exchange
# (RFC 1002 session request, then SMB) against an smbd with
# 'disable netbios = no'; also the called name from '-o servern=', and the
# port from the UNC or from '-o port='.
#
# Samba 4.17 answers a session request on any port and also accepts SMB
# without one, so success alone proves little: at 'log level = 2' smbd logs
# "netbios connect: name1=<called name> ..." for each session request, and
# that line is what this test counts.
if [ -z "${BASH_VERSION:-}" ]; then exec bash "$0" "$@"; fi
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"

require_prereqs
smb_start 'disable netbios = no' 'log level = 2'

S=$SHARE_DIR
printf 'over netbios\n' >"$S/nb.txt"
mkdir -p "$S/d"
head -c 200000 /dev/urandom >"$S/d/blob.bin"
auth="username=$SMB_USER,password=$SMB_PASS"

# expect_more WHAT REGEX BEFORE: the smbd logs now have more REGEX lines.
expect_more() {
	local now
	now=$(smb_log_count "$2")
	((now > $3)) || { cat "$SMB_LOG_DIR"/log.* | grep -a -i 'netbios' | tail -n 5; fail "$1: smbd logged no /$2/ (before $3, now $now)"; }
}

# 1. -o netbios, port in the UNC
before=$(smb_log_count 'netbios connect:')
mnt=$(new_mountpoint netbios)
smbfuse_mount "$mnt" -o "netbios,$auth"
expect_more "-o netbios" 'netbios connect:' "$before"
check_file_eq "cat nb.txt over netbios" "$S/nb.txt" <(cat "$mnt/nb.txt")
check_file_eq "cat d/blob.bin over netbios" "$S/d/blob.bin" <(cat "$mnt/d/blob.bin")
smbfuse_umount "$mnt"
note "-o netbios ok"

# 2. -o netbios,servern=SOMENAME, port from -o port=
before=$(smb_log_count 'netbios connect: name1=SOMENAME ')
mnt=$(new_mountpoint servern)
SMB_UNC=//127.0.0.1/share smbfuse_mount "$mnt" -o "netbios,servern=SOMENAME,port=$SMB_PORT,$auth"
expect_more "-o netbios,servern=SOMENAME" 'netbios connect: name1=SOMENAME ' "$before"
check_file_eq "cat nb.txt (servern)" "$S/nb.txt" <(cat "$mnt/nb.txt")
smbfuse_umount "$mnt"
note "-o netbios,servern=SOMENAME,port= ok"

# 3. without -o netbios the same server is reached by direct TCP: no
#    session request is sent.
before=$(smb_log_count 'netbios connect:')
mnt=$(new_mountpoint direct)
smbfuse_mount "$mnt" -o "$auth"
check_file_eq "cat nb.txt (direct)" "$S/nb.txt" <(cat "$mnt/nb.txt")
smbfuse_umount "$mnt"
check_eq "session requests sent without -o netbios" "$before" "$(smb_log_count 'netbios connect:')"
exit 0
