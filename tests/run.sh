#!/usr/bin/env bash
# tests/run.sh - the one command that builds smbfuse and runs every test.
#
#   sudo bash tests/run.sh
#
# On a fresh Debian 12 machine: installs the Debian packages it needs (only
# when one is missing, or always when CI=true), runs
# autoreconf -fi && ./configure && make, then make check (unit tests, fuzz
# corpus replay, integration tests against a private SMB1 Samba), with
# CI=true or RUN_DISTCHECK=1 also make distcheck (counted as one more test,
# "distcheck"), prints the logs of failing tests, and ends with one line:
#
#   N passed, N failed[, N skipped]
#
# Exit status: 0 when nothing failed, 1 otherwise.  Safe to run again and
# again in the same tree.
#
# Environment: CI=true (always apt-get install, and make distcheck),
# RUN_DISTCHECK=1 (make distcheck), CONFIGURE_FLAGS (extra
# ./configure arguments, e.g. --enable-asan or --enable-tsan), MAKE_JOBS (default 2),
# CHECK_JOBS (parallel tests, default 2), and what the tests read
# (SMBFUSE_TEST_TIMEOUT, SMBFUSE_NO_SKIP, SMBFUSE_KEEP: tests/integration/lib.sh).

set -u -o pipefail
cd "$(dirname "$0")/.." || exit 1
export LC_ALL=C

PKGS=(build-essential autoconf automake pkg-config libfuse3-dev fuse3
	libglib2.0-dev libssl-dev samba smbclient python3 procps util-linux coreutils
	mount rsync git sqlite3 tar attr man-db python3-impacket fio)

summary() { # passed failed skipped
	local line="$1 passed, $2 failed"
	[ "$3" -gt 0 ] && line="$line, $3 skipped"
	echo "$line"
}

die_before_tests() {
	echo "run.sh: $*" >&2
	summary 0 1 0
	exit 1
}

# ---- 1. packages
missing=()
for p in "${PKGS[@]}"; do
	[ "$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null)" = installed ] || missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ] || [ "${CI:-}" = true ]; then
	if [ "$(id -u)" != 0 ]; then
		die_before_tests "missing packages (${missing[*]}); run as root: sudo bash tests/run.sh"
	fi
	echo "run.sh: installing packages${missing[*]:+ (missing: ${missing[*]})}"
	export DEBIAN_FRONTEND=noninteractive
	# Keep the samba package from starting the system's smbd (0.0.0.0:445):
	# the tests start their own on loopback.
	policy=
	if [ ! -e /usr/sbin/policy-rc.d ]; then
		policy=/usr/sbin/policy-rc.d
		printf '#!/bin/sh\nexit 101\n' >"$policy" && chmod 755 "$policy"
	fi
	apt_rc=0
	apt-get update -q || apt_rc=$?
	[ "$apt_rc" = 0 ] && { apt-get install -y -q "${PKGS[@]}" || apt_rc=$?; }
	[ -n "$policy" ] && rm -f "$policy"
	[ "$apt_rc" = 0 ] || die_before_tests "apt-get failed ($apt_rc)"
fi

# ---- 2. build
mkdir -p m4 # ACLOCAL_AMFLAGS = -I m4; git does not keep empty directories
echo "run.sh: autoreconf -fi"
autoreconf -fi || die_before_tests "autoreconf failed"
echo "run.sh: ./configure ${CONFIGURE_FLAGS:-}"
# shellcheck disable=SC2086 # CONFIGURE_FLAGS is a list of words
./configure -q ${CONFIGURE_FLAGS:-} || die_before_tests "./configure failed (see config.log)"
echo "run.sh: make -j${MAKE_JOBS:-2}"
make -j"${MAKE_JOBS:-2}" || die_before_tests "make failed"

# ---- 3. test
stamp=$(mktemp)
dc_log=$(mktemp)
trap 'rm -f "$stamp" "$dc_log"' EXIT
sleep 1 # .trs files written in the same second as the stamp still count as newer
echo "run.sh: make -j${CHECK_JOBS:-2} check"
make -j"${CHECK_JOBS:-2}" check
check_rc=$?

# ---- 4. summary from this run's .trs files
passed=0 failed=0 skipped=0
failing=() skipped_logs=()
while IFS= read -r -d '' trs; do
	bad=0 skip=0
	while read -r _ res; do
		case $res in
		PASS | XFAIL) passed=$((passed + 1)) ;;
		SKIP) skipped=$((skipped + 1)) skip=1 ;;
		FAIL | XPASS | ERROR) failed=$((failed + 1)) bad=1 ;;
		*) failed=$((failed + 1)) bad=1 ;;
		esac
	done < <(grep -h '^:test-result:' "$trs")
	log=${trs%.trs}.log
	[ "$bad" = 1 ] && failing+=("$log")
	[ "$skip" = 1 ] && skipped_logs+=("$log")
done < <(find . -path ./.git -prune -o -name '*.trs' -newer "$stamp" -print0 | sort -z)

# ---- 5. make distcheck (after the scan above: a failed distcheck leaves
# its dist tree, with .trs files of its own, behind)
# The tarball must build, pass its unit tests, install and uninstall cleanly
# outside the source tree.  TESTS= on the command line reaches the `make
# check` that distcheck runs in the dist tree (through MAKEFLAGS): the
# integration tests have just run against this very build, so only the unit
# tests and the fuzz corpus run again there.
if [ "${CI:-}" = true ] || [ "${RUN_DISTCHECK:-0}" = 1 ]; then
	echo "run.sh: make -j${MAKE_JOBS:-2} distcheck"
	# shellcheck disable=SC2016 # $(UNIT_TESTS) is for make to expand
	if make -j"${MAKE_JOBS:-2}" distcheck TESTS='$(UNIT_TESTS) tests/fuzz/run_corpus.sh' >"$dc_log" 2>&1; then
		passed=$((passed + 1))
		grep -A2 'archives ready for distribution' "$dc_log"
	else
		failed=$((failed + 1))
		failing+=("$dc_log")
	fi
fi

for log in "${failing[@]}"; do
	echo
	if [ "$log" = "$dc_log" ]; then
		echo "================ FAILED: make distcheck ================"
	else
		echo "================ FAILED: ${log#./} ================"
	fi
	if [ -f "$log" ]; then
		n=$(wc -l <"$log")
		[ "$n" -gt 400 ] && echo "(last 400 of $n lines)"
		tail -n 400 "$log"
	else
		echo "(no log file)"
	fi
done
if [ "${#skipped_logs[@]}" -gt 0 ]; then
	echo
	echo "Skipped:"
	for log in "${skipped_logs[@]}"; do
		echo "  ${log#./}: $(grep -h -m1 'SKIP' "$log" 2>/dev/null || echo '(no reason given)')"
	done
fi
if [ "$check_rc" != 0 ] && [ "$failed" = 0 ]; then
	echo "run.sh: make check exited $check_rc without a failing test result (a test program did not build?)" >&2
	failed=1
fi
if [ $((passed + failed + skipped)) = 0 ]; then
	echo "run.sh: no test ran" >&2
	failed=1
fi
echo
summary "$passed" "$failed" "$skipped"
[ "$failed" = 0 ]
