#!/usr/bin/env bash
# matrix_dos.sh - the server matrix (see matrix_lib.sh): the read-write
# workload against Samba answering with DOS error
# codes instead of NT status (`nt status support = no`), as OS/2, Windows 9x
# and old NAS firmware do.
if [ -z "${BASH_VERSION:-}" ]; then exec bash "$0" "$@"; fi
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source-path=SCRIPTDIR source=rw_lib.sh
. "$(dirname "$0")/rw_lib.sh"
# shellcheck source-path=SCRIPTDIR source=matrix_lib.sh
. "$(dirname "$0")/matrix_lib.sh"

mx_samba '' 'nt status support = no'
mx_workload
mx_finish
exit 0
