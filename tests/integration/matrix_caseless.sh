#!/usr/bin/env bash
# matrix_caseless.sh - the server matrix (see matrix_lib.sh): the read-write
# workload against Samba with case-insensitive
# names even with the UNIX extensions (`case sensitive = no`), as Windows and
# most NAS boxes.
if [ -z "${BASH_VERSION:-}" ]; then exec bash "$0" "$@"; fi
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source-path=SCRIPTDIR source=rw_lib.sh
. "$(dirname "$0")/rw_lib.sh"
# shellcheck source-path=SCRIPTDIR source=matrix_lib.sh
. "$(dirname "$0")/matrix_lib.sh"

mx_samba '' 'share:case sensitive = no'
mx_workload
mx_finish
exit 0
