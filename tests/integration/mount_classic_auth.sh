#!/usr/bin/env bash
# mount_classic_auth.sh - '-o sec=ntlmv2': NT LM 0.12 session setup without
# extended security, the NTLMv2 response in the password field (MS-CIFS
# 2.2.4.53, "raw" NTLMv2 in Samba's words); and the default sec (NTLMSSP)
# against 'ntlm auth = ntlmv2-only'.
#
# Samba 4.17 rejects raw NTLMv2 ("Rejecting raw NTLMv2 authentication",
# NT_STATUS_INVALID_PARAMETER) unless 'raw NTLMv2 auth = yes' (deprecated,
# warns).  'ntlm auth = ntlmv2-only' makes sure the response is NTLMv2, not
# NTLMv1.  At 'log level = 3' smbd logs "with [NTLMv2] status [NT_STATUS_OK]"
# for each successful NTLMv2 logon and "Got NTLMSSP neg_flags" for each
# NTLMSSP exchange: the test counts both to tell the two paths apart.
if [ -z "${BASH_VERSION:-}" ]; then exec bash "$0" "$@"; fi
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"

require_prereqs
smb_start 'ntlm auth = ntlmv2-only' 'raw NTLMv2 auth = yes' 'log level = 3'

S=$SHARE_DIR
printf 'classic auth\n' >"$S/c.txt"
auth="username=$SMB_USER,password=$SMB_PASS"
V2OK='with \[NTLMv2\] status \[NT_STATUS_OK\]'
NTLMSSP='Got NTLMSSP neg_flags'

# 1. sec=ntlmv2: raw NTLMv2, no NTLMSSP
v2=$(smb_log_count "$V2OK") ssp=$(smb_log_count "$NTLMSSP")
mnt=$(new_mountpoint ntlmv2)
smbfuse_mount "$mnt" -o "sec=ntlmv2,$auth"
check_file_eq "cat c.txt (sec=ntlmv2)" "$S/c.txt" <(cat "$mnt/c.txt")
smbfuse_umount "$mnt"
v2b=$(smb_log_count "$V2OK") sspb=$(smb_log_count "$NTLMSSP")
((v2b > v2)) || fail "sec=ntlmv2: smbd logged no successful NTLMv2 logon"
check_eq "NTLMSSP exchanges during the sec=ntlmv2 mount" "$ssp" "$sspb"
note "sec=ntlmv2 (no extended security) ok"

# 2. default sec against ntlm auth = ntlmv2-only: NTLMSSP with NTLMv2
mnt=$(new_mountpoint default-sec)
smbfuse_mount "$mnt" -o "$auth"
check_file_eq "cat c.txt (default sec)" "$S/c.txt" <(cat "$mnt/c.txt")
smbfuse_umount "$mnt"
((  $(smb_log_count "$V2OK") > v2b )) || fail "default sec: smbd logged no successful NTLMv2 logon"
(( $(smb_log_count "$NTLMSSP") > sspb )) || fail "default sec: smbd logged no NTLMSSP exchange"
note "default sec (NTLMSSP) against 'ntlm auth = ntlmv2-only' ok"

# 3. sec=ntlmssp said explicitly
mnt=$(new_mountpoint ntlmssp)
smbfuse_mount "$mnt" -o "sec=ntlmssp,$auth"
check_file_eq "cat c.txt (sec=ntlmssp)" "$S/c.txt" <(cat "$mnt/c.txt")
smbfuse_umount "$mnt"
exit 0
