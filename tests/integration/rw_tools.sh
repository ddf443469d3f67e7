#!/usr/bin/env bash
# rw_tools.sh - real programs working inside the mount:
#   build: smbfuse's own distribution (make distdir) extracted onto the mount
#     with tar, ./configure && make -j2 run there, the built binary's
#     --version; the tree tarred back and its file list compared (falls back
#     to a small Makefile + 3 .c files project when make distdir is not
#     available);
#   git: init, add, commit, log, branch, checkout, merge, status clean, fsck,
#     gc, clone from the mount;
#   sqlite3: 10,000 rows in one transaction, count / checksum /
#     integrity_check, the database read back from the backing directory;
#     with -o nounix too (LOCKING_ANDX locks).
# Each part skips itself (with a note) when its tool is missing; the test
# skips when none can run.
if [ -z "${BASH_VERSION:-}" ]; then exec bash "$0" "$@"; fi
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source-path=SCRIPTDIR source=rw_lib.sh
. "$(dirname "$0")/rw_lib.sh"

require_prereqs
have() { command -v "$1" >/dev/null 2>&1; }
have_build=1 have_git=1 have_sqlite=1
for c in make cc tar; do have "$c" || have_build=0; done
have git || have_git=0
have sqlite3 || have_sqlite=0
[ $((have_build + have_git + have_sqlite)) -gt 0 ] || skip "none of make/cc/tar, git, sqlite3 is installed"
smb_start 'share:create mask = 0777' 'share:directory mask = 0777'
S=$SHARE_DIR

mnt=$(new_mountpoint tools)
mount_rw "$mnt"
M=$mnt

# run_logged WHAT LOG CMD...: run CMD (bounded), show LOG and fail if it fails.
run_logged() {
	local what=$1 log=$2
	shift 2
	timeout 300 "$@" >"$log" 2>&1 || { show_file "$log" 60; fail "$what failed (status $?)"; }
}
# The builds below are independent of any make that runs this test.
unset MAKEFLAGS MFLAGS MAKELEVEL

# ---------------------------------------------------------------- build
build_small_project() { # DIR: a Makefile and three C files
	mkdir -p "$1/src" || fail "mkdir $1/src"
	cat >"$1/Makefile" <<'EOF'
CFLAGS ?= -O1 -Wall
OBJS = src/main.o src/util.o src/version.o
hello: $(OBJS)
	$(CC) $(CFLAGS) -o $@ $(OBJS)
src/%.o: src/%.c src/util.h
	$(CC) $(CFLAGS) -c -o $@ $<
clean:
	rm -f hello $(OBJS)
EOF
	cat >"$1/src/util.h" <<'EOF'
int add(int a, int b);
const char *version(void);
EOF
	cat >"$1/src/main.c" <<'EOF'
#include <stdio.h>
#include <string.h>
#include "util.h"
int main(int argc, char **argv)
{
	if (argc > 1 && strcmp(argv[1], "--version") == 0) {
		printf("hello %s\n", version());
		return 0;
	}
	printf("%d\n", add(40, 2));
	return 0;
}
EOF
	printf '#include "util.h"\nint add(int a, int b) { return a + b; }\n' >"$1/src/util.c"
	printf '#include "util.h"\nconst char *version(void) { return "1.2.3"; }\n' >"$1/src/version.c"
}

if [ "$have_build" = 1 ]; then
	dist=$T_ROOT/dist
	mkdir -p "$dist"
	kind=
	# smbfuse's own distribution, when this is a configured build tree
	if [ -f "$top_builddir/Makefile" ] &&
		timeout 120 make -s -C "$top_builddir" distdir distdir="$dist/smbfuse-dist" >"$T_ROOT/distdir.out" 2>&1 &&
		[ -x "$dist/smbfuse-dist/configure" ]; then
		kind=smbfuse
	else
		note "make distdir is not available here (no configured build tree or it failed): building a small project instead"
		[ -f "$T_ROOT/distdir.out" ] && show_file "$T_ROOT/distdir.out" 10
		rm -rf "${dist:?}"/*
		build_small_project "$dist/smbfuse-dist"
		kind=small
	fi
	(cd "$dist" && tar -cf "$T_ROOT/dist.tar" smbfuse-dist) || fail "tar of the distribution"
	(cd "$M" && tar --warning=no-timestamp -xf "$T_ROOT/dist.tar") || fail "tar -x of the distribution onto the mount"
	diff -r "$dist/smbfuse-dist" "$M/smbfuse-dist" >"$T_ROOT/diff.out" 2>&1 ||
		{ show_file "$T_ROOT/diff.out" 20; fail "the extracted distribution differs from the tarball's"; }
	t0=$SECONDS
	if [ "$kind" = smbfuse ]; then
		# shellcheck disable=SC2016 # $1 is expanded by the inner bash
		run_logged "./configure on the mount" "$T_ROOT/configure.out" \
			bash -c 'cd "$1" && ./configure' _ "$M/smbfuse-dist"
		note "./configure on the mount: $((SECONDS - t0)) s"
		t0=$SECONDS
		run_logged "make -j2 on the mount" "$T_ROOT/make.out" make -C "$M/smbfuse-dist" -j2
		bin=$M/smbfuse-dist/src/smbfuse want='^smbfuse [0-9]'
	else
		run_logged "make -j2 on the mount" "$T_ROOT/make.out" make -C "$M/smbfuse-dist" -j2
		bin=$M/smbfuse-dist/hello want='^hello 1\.2\.3$'
	fi
	note "make -j2 on the mount: $((SECONDS - t0)) s"
	[ -x "$bin" ] || fail "make did not produce $bin"
	"$bin" --version >"$T_ROOT/version.out" 2>&1 || { show_file "$T_ROOT/version.out"; fail "$bin --version failed"; }
	check_contains "$(basename "$bin") --version (built on the mount)" "$T_ROOT/version.out" "$want"
	check_file_eq "built binary: backing directory vs mount" "$S/smbfuse-dist/${bin#"$M/smbfuse-dist/"}" "$bin"
	# make again: nothing to do (timestamps survived the round trip)
	make -C "$M/smbfuse-dist" -q >/dev/null 2>&1 ||
		{ make -C "$M/smbfuse-dist" -n 2>&1 | head -n 20 | sed 's/^/    /'; fail "make -q: the tree built on the mount is not up to date"; }
	# tar the built tree back; its file list is the mount's
	(cd "$M" && tar -cf "$T_ROOT/built.tar" smbfuse-dist) || fail "tar -c of the built tree on the mount"
	tar -tf "$T_ROOT/built.tar" | sed 's,/$,,' | sort >"$T_ROOT/built.lst"
	(cd "$M" && find smbfuse-dist) | sort >"$T_ROOT/mount.lst"
	(cd "$S" && find smbfuse-dist) | sort >"$T_ROOT/backing.lst"
	check_lists_eq "tar -t of the built tree vs find on the mount" "$T_ROOT/mount.lst" "$T_ROOT/built.lst"
	check_lists_eq "find on the mount vs the backing directory" "$T_ROOT/backing.lst" "$T_ROOT/mount.lst"
	mkdir "$T_ROOT/built" || fail "mkdir built"
	tar -xf "$T_ROOT/built.tar" -C "$T_ROOT/built" || fail "extracting built.tar"
	diff -r --no-dereference "$S/smbfuse-dist" "$T_ROOT/built/smbfuse-dist" >"$T_ROOT/diff.out" 2>&1 ||
		{ show_file "$T_ROOT/diff.out" 20; fail "the tarred-back tree differs from the backing directory"; }
	rm -rf "$T_ROOT/built" "$T_ROOT/built.tar" "$T_ROOT/dist.tar"
	note "build ($kind): configure / make / --version / tar back ok"
else
	part_skip "make, cc or tar not installed"
fi

# ------------------------------------------------------------------ git
if [ "$have_git" = 1 ]; then
	export GIT_CONFIG_NOSYSTEM=1 HOME=$T_ROOT/home GIT_TERMINAL_PROMPT=0
	mkdir -p "$HOME"
	git config --global safe.directory '*'
	g=$M/repo
	gitc() { git -C "$g" "$@" >>"$T_ROOT/git.out" 2>&1 || { show_file "$T_ROOT/git.out" 40; fail "git $* on the mount failed"; }; }
	mkdir "$g" || fail "mkdir repo"
	gitc init -q -b main
	gitc config user.name "smbfuse test"
	gitc config user.email "test@example.invalid"
	for i in 1 2 3; do printf 'line %s\n' "$i" >"$g/file$i.txt"; done
	mkdir -p "$g/sub dir/é"
	head -c 200000 /dev/urandom >"$g/sub dir/é/blob.bin"
	gitc add -A
	gitc commit -q -m "first commit"
	gitc checkout -q -b feature
	echo "feature work" >>"$g/file1.txt"
	git -C "$g" mv file2.txt "sub dir/moved.txt" >>"$T_ROOT/git.out" 2>&1 || fail "git mv"
	gitc commit -q -am "feature commit"
	gitc checkout -q main
	check_eq "file1.txt back on main" "line 1" "$(cat "$g/file1.txt")"
	[ -f "$g/file2.txt" ] || fail "file2.txt missing after checkout main"
	echo "main work" >"$g/file3.txt"
	gitc commit -q -am "main commit"
	gitc merge -q --no-edit feature
	check_eq "file1.txt after the merge" "$(printf 'line 1\nfeature work')" "$(cat "$g/file1.txt")"
	check_eq "git log --oneline | wc -l" 4 "$(git -C "$g" log --oneline | wc -l)"
	check_eq "git branch" "feature main" "$(git -C "$g" branch --format='%(refname:short)' | sort | xargs)"
	check_eq "git status --porcelain" "" "$(git -C "$g" status --porcelain)"
	gitc fsck --strict --no-progress
	gitc gc -q
	check_eq "git status --porcelain after gc" "" "$(git -C "$g" status --porcelain)"
	# the repository as the server stores it, and cloned out of the mount
	check_eq "git log in the backing directory" "$(git -C "$g" rev-parse HEAD)" "$(git -C "$S/repo" rev-parse HEAD)"
	git -C "$S/repo" fsck --strict --no-progress >>"$T_ROOT/git.out" 2>&1 || { show_file "$T_ROOT/git.out"; fail "git fsck in the backing directory"; }
	git clone -q "$g" "$T_ROOT/clone" >>"$T_ROOT/git.out" 2>&1 || { show_file "$T_ROOT/git.out"; fail "git clone from the mount"; }
	diff -r -x .git "$g" "$T_ROOT/clone" >"$T_ROOT/diff.out" 2>&1 || { show_file "$T_ROOT/diff.out"; fail "clone differs from the work tree"; }
	# and a clone onto the mount
	git clone -q "$T_ROOT/clone" "$M/clone2" >>"$T_ROOT/git.out" 2>&1 || { show_file "$T_ROOT/git.out"; fail "git clone onto the mount"; }
	check_eq "git status in a clone on the mount" "" "$(git -C "$M/clone2" status --porcelain)"
	note "git: init / commit / branch / checkout / merge / status / fsck / gc / clone ok"
else
	part_skip "git not installed"
fi

# --------------------------------------------------------------- sqlite3
# sqlite_check LABEL MNT MNT2 NAME: 10,000 rows in one transaction into
# MNT/NAME, then count, checksum and integrity; the database is also opened
# straight from the backing directory; while a write transaction is open
# through MNT, a writer through MNT2 (another SMB client) is refused.
sqlite_check() {
	local label=$1 db=$2/$4 db2=$3/$4 name=$4 want got n0=${#_RW_PROBLEMS[@]}
	cat >"$T_ROOT/fill.sql" <<'EOF'
PRAGMA journal_mode=DELETE;
CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT, v INTEGER, pad BLOB);
BEGIN;
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 10000)
INSERT INTO t SELECT i, 'row-' || i, (i * 7919) % 100003, zeroblob(i % 300) FROM n;
COMMIT;
CREATE INDEX t_v ON t(v);
UPDATE t SET name = name || '-updated' WHERE id % 10 = 0;
DELETE FROM t WHERE id % 97 = 0;
EOF
	cat >"$T_ROOT/query.sql" <<'EOF'
SELECT count(*), sum(v), sum(length(pad)) FROM t;
SELECT sum(length(name)), max(name) FROM t;
PRAGMA integrity_check;
EOF
	rm -f "$T_ROOT/ref.db"
	sqlite3 "$T_ROOT/ref.db" <"$T_ROOT/fill.sql" >/dev/null || fail "sqlite3 on a local database"
	want=$(sqlite3 "$T_ROOT/ref.db" <"$T_ROOT/query.sql")
	timeout 120 sqlite3 "$db" <"$T_ROOT/fill.sql" >"$T_ROOT/sqlite.out" 2>&1 ||
		{ show_file "$T_ROOT/sqlite.out"; problem "$label: sqlite3 filling a database on the mount failed"; return 0; }
	got=$(timeout 60 sqlite3 "$db" <"$T_ROOT/query.sql" 2>&1)
	[ "$got" = "$want" ] || { problem "$label: sqlite3 results on the mount: expected '$want', got '$got'"; return 0; }
	[ -e "$db-journal" ] && problem "$label: a hot journal is left next to the database"
	got=$(sqlite3 "file:$S/$name?immutable=1" <"$T_ROOT/query.sql" 2>&1)
	[ "$got" = "$want" ] || { problem "$label: the database in the backing directory: expected '$want', got '$got'"; return 0; }
	# two processes at once: a writer holds a write transaction, a reader
	# is told the database is locked (busy_timeout 0), then succeeds
	rm -f "$T_ROOT/in-transaction"
	printf '%s\n' "BEGIN IMMEDIATE;" "INSERT INTO t(name) VALUES ('held');" \
		".shell touch '$T_ROOT/in-transaction'; sleep 2" "COMMIT;" |
		sqlite3 "$db" >"$T_ROOT/writer.out" 2>&1 &
	local writer=$! i
	register_helper "$writer"
	for ((i = 0; i < 100; i++)); do [ -e "$T_ROOT/in-transaction" ] && break; sleep 0.05; done
	[ -e "$T_ROOT/in-transaction" ] || { show_file "$T_ROOT/writer.out"; fail "$label: the sqlite3 writer did not start its transaction"; }
	got=$(sqlite3 "$db2" "BEGIN IMMEDIATE; SELECT 'got the write lock'; COMMIT;" 2>&1)
	case $got in
	*"database is locked"*) ;;
	*) problem "$label: a second writer was not refused while a write transaction was open: '$got'" ;;
	esac
	got=$(sqlite3 "$db2" "SELECT count(*) FROM t WHERE name = 'held';" 2>&1)
	[ "$got" = 0 ] || problem "$label: a reader during the write transaction: expected 0 rows 'held', got '$got'"
	wait "$writer" || { show_file "$T_ROOT/writer.out"; problem "$label: the writer transaction failed"; }
	got=$(sqlite3 "$db2" "SELECT count(*) FROM t WHERE name = 'held';" 2>&1)
	[ "$got" = 1 ] || problem "$label: the committed row through the other mount: expected 1, got '$got'"
	[ "${#_RW_PROBLEMS[@]}" = "$n0" ] &&
		note "$label: sqlite3 10,000 rows / checksum / integrity_check / locking between two mounts ok"
	return 0
}
if [ "$have_sqlite" = 1 ]; then
	mnt2=$(new_mountpoint tools2)
	mount_rw "$mnt2"
	sqlite_check "UNIX extensions" "$M" "$mnt2" test.db
	smbfuse_umount "$mnt2"
	mnt3=$(new_mountpoint tools-nounix)
	mnt4=$(new_mountpoint tools-nounix2)
	mount_rw "$mnt3" nounix
	mount_rw "$mnt4" nounix
	sqlite_check "nounix" "$mnt3" "$mnt4" test-nounix.db
	smbfuse_umount "$mnt4"
	smbfuse_umount "$mnt3"
else
	part_skip "sqlite3 not installed"
fi

smbfuse_umount "$mnt"
problems_check
exit 0
