#!/usr/bin/env bash
# matrix_mux1.sh - the server matrix (see matrix_lib.sh): the read-write
# workload against Samba taking one request at a
# time (`max mux = 1`), as small appliances and printers do.
if [ -z "${BASH_VERSION:-}" ]; then exec bash "$0" "$@"; fi
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source-path=SCRIPTDIR source=rw_lib.sh
. "$(dirname "$0")/rw_lib.sh"
# shellcheck source-path=SCRIPTDIR source=matrix_lib.sh
. "$(dirname "$0")/matrix_lib.sh"

mx_samba '' 'max mux = 1'
mx_workload
mx_finish
exit 0
