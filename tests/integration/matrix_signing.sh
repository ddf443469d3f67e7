#!/usr/bin/env bash
# matrix_signing.sh - the server matrix (see matrix_lib.sh): the read-write
# workload against Samba requiring signing
# without the UNIX extensions (`server signing = mandatory`), as a Windows
# domain controller or a hardened NAS.
if [ -z "${BASH_VERSION:-}" ]; then exec bash "$0" "$@"; fi
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source-path=SCRIPTDIR source=rw_lib.sh
. "$(dirname "$0")/rw_lib.sh"
# shellcheck source-path=SCRIPTDIR source=matrix_lib.sh
. "$(dirname "$0")/matrix_lib.sh"

mx_samba '' 'server signing = mandatory' 'unix extensions = no'
mx_workload
mx_finish
exit 0
