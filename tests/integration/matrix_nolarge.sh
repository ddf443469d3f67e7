#!/usr/bin/env bash
# matrix_nolarge.sh - the server matrix (see matrix_lib.sh): the read-write
# workload against Samba without large reads and
# writes (`large readwrite = no`).  server_io_sizes.sh checks the I/O sizes;
# this runs the rest of the workload there.
if [ -z "${BASH_VERSION:-}" ]; then exec bash "$0" "$@"; fi
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source-path=SCRIPTDIR source=rw_lib.sh
. "$(dirname "$0")/rw_lib.sh"
# shellcheck source-path=SCRIPTDIR source=matrix_lib.sh
. "$(dirname "$0")/matrix_lib.sh"

mx_samba '' 'large readwrite = no'
mx_workload
mx_finish
exit 0
