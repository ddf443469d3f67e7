# shellcheck shell=bash
# tests/integration/cache_lib.sh - helpers shared by the coherent caching
# tests (cache_*.sh).  Sourced after lib.sh and reconnect_lib.sh.
#
#   within WHAT CMD...     CMD succeeds within WAIT_MS (polled), else fail
#   has_content PATH TEXT  PATH holds TEXT
#   size_is PATH N         PATH is N bytes
#   listed PATH            PATH's name is in its directory's listing
#   gone PATH              neither stat nor the listing knows PATH
#   sc CMD                 smbclient CMD on the share, straight to Samba

WAIT_MS=${SMBFUSE_COHERENCE_WAIT_MS:-2000}

within() {
	local what=$1 t0 ms
	shift
	t0=$(date +%s%N)
	until "$@" >/dev/null 2>&1; do
		ms=$((($(date +%s%N) - t0) / 1000000))
		[ "$ms" -le "$WAIT_MS" ] || fail "$what: not seen on the mount within $WAIT_MS ms"
		sleep 0.05
	done
	note "$what: after $((($(date +%s%N) - t0) / 1000000)) ms"
}
has_content() { [ "$(cat "$1" 2>/dev/null)" = "$2" ]; }
size_is() { [ "$(stat -c %s "$1" 2>/dev/null)" = "$2" ]; }
listed() { ls "$(dirname "$1")" | grep -qx "$(basename "$1")"; }
gone() { ! stat "$1" >/dev/null 2>&1 && ! listed "$1"; }
sc() { smb_client -U "$SMB_USER%$SMB_PASS" //127.0.0.1/share -c "$1" >/dev/null 2>&1 || fail "smbclient: $1"; }
