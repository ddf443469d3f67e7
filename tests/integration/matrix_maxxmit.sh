#!/usr/bin/env bash
# matrix_maxxmit.sh - the server matrix (see matrix_lib.sh): the read-write
# workload against Samba with a tiny buffer
# (`max xmit = 1024`, the smallest MS-CIFS allows).  server_io_sizes.sh checks
# big reads and writes there; this runs everything else too.
if [ -z "${BASH_VERSION:-}" ]; then exec bash "$0" "$@"; fi
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source-path=SCRIPTDIR source=rw_lib.sh
. "$(dirname "$0")/rw_lib.sh"
# shellcheck source-path=SCRIPTDIR source=matrix_lib.sh
. "$(dirname "$0")/matrix_lib.sh"

mx_samba '' 'max xmit = 1024'
mx_workload
mx_finish
exit 0
