#!/usr/bin/env bash
# matrix_impacket_user.sh - the server matrix (see matrix_lib.sh): the read-write
# workload against Impacket's smbserver
# (a second SMB1 implementation) with a user and password.  Impacket cannot
# shrink a file and ignores byte-range locks.
if [ -z "${BASH_VERSION:-}" ]; then exec bash "$0" "$@"; fi
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source-path=SCRIPTDIR source=rw_lib.sh
. "$(dirname "$0")/rw_lib.sh"
# shellcheck source-path=SCRIPTDIR source=matrix_lib.sh
. "$(dirname "$0")/matrix_lib.sh"

MX_SHRINK=0 MX_LOCKS=0
mx_impacket user
mx_workload
mx_finish
exit 0
