#!/usr/bin/env bash
# install_mount.sh - smbfuse mounted like a system file system:
#  1. `make install` into a temporary --prefix installs the binary, the
#     mount(8) helper, both man pages (which man renders) and the examples;
#     `make uninstall` leaves no file behind;
#  2. `mount -t smbfuse` through /sbin/mount.smbfuse (a temporary link to the
#     installed helper) with credentials=,uid=; `umount` ends the daemon;
#  3. `mount -T FSTAB DIR` with fstab lines of type smbfuse (carrying mount
#     and systemd options, which must be ignored) and fuse.smbfuse (through
#     mount.fuse3, which finds smbfuse in /usr/local/bin: a temporary link);
#  4. credentials files (mount.cifs format): mode 0600 silent, 0644 warns
#     naming the file; the password never shows in the daemon's
#     /proc/PID/cmdline, its -f/-d log or an error message;
#  5. $PASSWD and $USER; the password prompt on a tty;
#  6. smbfuse --stats MOUNTPOINT (and the user.smbfuse.stats attribute of
#     -o stats_xattr; without it getxattr is not answered at all);
#  7. option errors, --version, --help.
# Outside T_ROOT this test only makes the links /sbin/mount.smbfuse and
# /usr/local/bin/smbfuse (each only where nothing of that name exists; the
# part that needs it is skipped otherwise), which its EXIT trap removes even
# on failure, and mounts, which it unmounts.
if [ -z "${BASH_VERSION:-}" ]; then exec bash "$0" "$@"; fi
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"

require_prereqs
for c in make cc mount umount python3; do
	command -v "$c" >/dev/null 2>&1 || skip "'$c' not installed"
done

# A password found nowhere else, so that a leak is unmistakable (lib.sh's
# "secret" is a common word); smb_start gives it to the samba user root.
SMB_PASS="pw-$RANDOM$RANDOM-Smbfuse-Marker"
WRONG_PASS="wrong-$RANDOM$RANDOM-Smbfuse-Marker"
smb_start
S=$SHARE_DIR
printf 'Hello from smbfuse tests.\nSecond line.\n' >"$S/hello.txt"
mkdir -p "$S/dir1"
printf 'one\n' >"$S/dir1/one.txt"
printf 'readonly share\n' >"$SHARE2_DIR/ro.txt"
UNC=//127.0.0.1:$SMB_PORT/share

# ------------------------------------------------------------ bookkeeping
# What this test makes outside T_ROOT: symbolic links (/sbin/mount.smbfuse,
# /usr/local/bin/smbfuse), each only where nothing of that name exists, and
# the mounts made through mount(8) (unmounted with umount(8) on failure, so
# that libmount forgets them too; lib.sh's trap then does the rest).
_IM_LINKS=() _IM_M8=()
# shellcheck disable=SC2317 # called from the EXIT trap
_im_cleanup() {
	local rc=$1 m l
	if [ "$rc" != 0 ]; then
		for m in "${_IM_M8[@]}"; do
			is_mounted "$m" && timeout 15 umount -- "$m" >/dev/null 2>&1
		done
	fi
	for l in "${_IM_LINKS[@]}"; do
		# Only our link: the name, still a link, to the target we gave it.
		if [ -L "${l%%=*}" ] && [ "$(readlink -- "${l%%=*}")" = "${l#*=}" ]; then
			rm -f -- "${l%%=*}" || echo "$TEST_NAME: cleanup: could not remove ${l%%=*}" >&2
		fi
	done
}
# _t_cleanup takes the test's status from $?: hand it on.
# shellcheck disable=SC2154 # _im_rc is set in the trap itself
trap '_im_rc=$?; _im_cleanup "$_im_rc"; (exit "$_im_rc"); _t_cleanup' EXIT

# temp_link LINK TARGET: make the symbolic link LINK -> TARGET for the rest
# of the test; fails (status 1, a note) if LINK exists already or its
# directory does not.
temp_link() {
	if [ ! -d "${1%/*}" ]; then
		note "${1%/*} does not exist: no link $1"
		return 1
	fi
	if [ -e "$1" ] || [ -L "$1" ]; then
		note "$1 exists already: left alone"
		return 1
	fi
	# No -f: never replace what someone made in the meantime.
	ln -s -- "$2" "$1" 2>"$T_ROOT/ln.out" || { show_file "$T_ROOT/ln.out"; fail "ln -s $2 $1"; }
	_IM_LINKS+=("$1=$2")
}

# m8_mount MNT OUT CMD...: run a mount(8) command that must mount MNT:
# status 0 within 30 s, MNT a FUSE mount of type fuse.smbfuse with source
# UNC, one smbfuse daemon for it.  Sets M8_PID.
m8_mount() {
	local mnt=$1 out=$2 rc p pids=()
	shift 2
	_t_register_mount "$mnt"
	_IM_M8+=("$mnt")
	echo "+ $*" >"$out.cmd"
	timeout 30 "$@" >"$out" 2>&1 </dev/null
	rc=$?
	mapfile -t pids < <(pids_for_mount "$mnt")
	for p in "${pids[@]}"; do _t_register_pid "$p"; done
	if [ "$rc" != 0 ]; then
		cat "$out.cmd"
		show_file "$out"
		fail "'$*' exited with status $rc"
	fi
	is_mounted "$mnt" || { cat "$out.cmd"; show_file "$out"; fail "'$*' exited 0 but $mnt is not mounted"; }
	[ "${#pids[@]}" = 1 ] || fail "expected one smbfuse daemon for $mnt, found: ${pids[*]:-none}"
	M8_PID=${pids[0]}
	_t_check_stderr "$out"
	local fstype src
	read -r fstype src < <(awk -v m="$mnt" '$5 == m { for (i = 7; i <= NF; i++) if ($i == "-") { print $(i + 1), $(i + 2); exit } }' /proc/self/mountinfo)
	check_eq "file system type of $mnt in mountinfo" fuse.smbfuse "$fstype"
	check_eq "source of $mnt in mountinfo" "$UNC" "$src"
}

# m8_umount MNT PID: umount(8) unmounts MNT and the daemon PID exits.
m8_umount() {
	local mnt=$1 pid=$2
	timeout 30 umount -- "$mnt" >"$T_ROOT/umount.out" 2>&1 ||
		{ show_file "$T_ROOT/umount.out"; fail "umount $mnt failed"; }
	is_mounted "$mnt" && fail "$mnt still mounted after umount"
	for _ in $(seq 150); do _t_alive "$pid" || break; sleep 0.1; done
	_t_alive "$pid" && fail "smbfuse daemon $pid still running 15 s after 'umount $mnt'"
	return 0
}

# check_reads MNT WHAT: hello.txt and dir1/one.txt read the same as the share.
check_reads() {
	ls "$1" >"$T_ROOT/ls.out" 2>&1 || { show_file "$T_ROOT/ls.out"; fail "$2: ls failed"; }
	check_contains "$2: ls" "$T_ROOT/ls.out" '^hello\.txt$'
	check_file_eq "$2: cat hello.txt" "$S/hello.txt" <(cat "$1/hello.txt")
	check_file_eq "$2: cat dir1/one.txt" "$S/dir1/one.txt" <(cat "$1/dir1/one.txt")
}

# no_password FILE WHAT: neither password appears in FILE.
no_password() {
	if grep -aqF -e "$SMB_PASS" -e "$WRONG_PASS" -- "$1"; then
		show_file "$1"
		fail "$2: the password appears in it"
	fi
}

# cmdline_of PID: its /proc/PID/cmdline with the NULs as spaces.
cmdline_of() { tr '\0' ' ' <"/proc/$1/cmdline"; }

# getxattr PATH NAME / listxattr PATH: through python3, so that the test
# does not need getfattr (package attr), which it uses when it is there.
getxattr() { python3 -c 'import os, sys; sys.stdout.write(os.getxattr(sys.argv[1], sys.argv[2]).decode())' "$1" "$2"; }
listxattr() { python3 -c 'import os, sys; print("\n".join(os.listxattr(sys.argv[1])))' "$1"; }
# stat_val KEY_REGEX FILE: the value of the line "KEY: VALUE" of the stats.
stat_val() { sed -n "s/^$1: //p" "$2" | head -n 1; }

# ================================================= 1. make install / uninstall
VERSION=$(sed -n 's/^VERSION = //p' "$top_builddir/Makefile")
[ -n "$VERSION" ] || fail "no VERSION in $top_builddir/Makefile"
# Sub-makes must not inherit the make check that runs us (jobserver,
# command-line variables such as TESTS=) nor a DESTDIR.
mk() { env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL -u MAKEOVERRIDES -u DESTDIR make "$@"; }

# configure refuses a VPATH build from a source tree configured in place:
# build from a copy of the distribution's files then (make distdir).
srcdir=$top_srcdir
if [ -f "$top_srcdir/config.status" ]; then
	srcdir=$T_ROOT/srccopy
	mk -C "$top_builddir" distdir distdir="$srcdir" >"$T_ROOT/distdir.out" 2>&1 ||
		{ show_file "$T_ROOT/distdir.out"; fail "make distdir (a clean copy of the sources) failed"; }
fi
PREFIX=$T_ROOT/prefix
mkdir "$T_ROOT/build" || fail "mkdir build"
(
	cd "$T_ROOT/build" &&
		"$srcdir/configure" -q --prefix="$PREFIX" &&
		mk -j2 &&
		mk install
) >"$T_ROOT/build.out" 2>&1 || { show_file "$T_ROOT/build.out" 200; fail "configure && make && make install failed"; }
note "built and installed into $PREFIX"

DOCDIR=$PREFIX/share/doc/smbfuse
INSTALLED=(
	bin/smbfuse
	sbin/mount.smbfuse
	share/man/man1/smbfuse.1
	share/man/man8/mount.smbfuse.8
	share/doc/smbfuse/examples/fstab.example
	share/doc/smbfuse/examples/credentials.example
	share/doc/smbfuse/examples/systemd/mnt-share.mount
	share/doc/smbfuse/examples/systemd/mnt-share.automount
)
check_installed() {
	local f
	for f in "${INSTALLED[@]}"; do
		[ -f "$PREFIX/$f" ] || { (cd "$PREFIX" && find . | sort); fail "make install did not install $f"; }
	done
	[ -x "$PREFIX/bin/smbfuse" ] || fail "bin/smbfuse is not executable"
	[ -x "$PREFIX/sbin/mount.smbfuse" ] || fail "sbin/mount.smbfuse is not executable"
	grep -qxF "bindir='$PREFIX/bin'" "$PREFIX/sbin/mount.smbfuse" ||
		{ grep -n bindir= "$PREFIX/sbin/mount.smbfuse"; fail "installed mount.smbfuse does not name bindir $PREFIX/bin"; }
	sh -n "$PREFIX/sbin/mount.smbfuse" || fail "installed mount.smbfuse: sh -n reports a syntax error"
}
check_installed
[ -d "$DOCDIR/examples" ] || fail "no $DOCDIR/examples"
"$PREFIX/bin/smbfuse" --version >"$T_ROOT/version.out" 2>&1 || { show_file "$T_ROOT/version.out"; fail "installed smbfuse --version failed"; }
check_contains "installed smbfuse --version" "$T_ROOT/version.out" "^smbfuse $(_t_re_escape "$VERSION")\$"

# The man pages render, without groff warnings, by file and from the prefix.
if command -v man >/dev/null 2>&1 && man --version >/dev/null 2>&1; then
	for f in share/man/man1/smbfuse.1:SMBFUSE share/man/man8/mount.smbfuse.8:MOUNT.SMBFUSE; do
		page=$PREFIX/${f%%:*}
		MANPAGER=cat PAGER=cat MANWIDTH=80 man --warnings -l "$page" >"$T_ROOT/man.out" 2>"$T_ROOT/man.err" ||
			{ show_file "$T_ROOT/man.err"; fail "man -l $page failed"; }
		[ -s "$T_ROOT/man.err" ] && { show_file "$T_ROOT/man.err"; fail "man -l $page: warnings"; }
		check_contains "man -l $page" "$T_ROOT/man.out" "^${f##*:}\("
		check_contains "man -l $page" "$T_ROOT/man.out" '^NAME$'
	done
	MANPAGER=cat PAGER=cat MANWIDTH=80 man -M "$PREFIX/share/man" 8 mount.smbfuse >"$T_ROOT/man.out" 2>&1 ||
		{ show_file "$T_ROOT/man.out"; fail "man -M PREFIX/share/man 8 mount.smbfuse failed"; }
	check_contains "man 8 mount.smbfuse from the prefix" "$T_ROOT/man.out" '^MOUNT\.SMBFUSE\(8\)'
	note "man pages render"
else
	note "man is not installed: man pages not rendered"
fi

# make uninstall: only (empty) directories stay.
(cd "$T_ROOT/build" && mk uninstall) >"$T_ROOT/uninstall.out" 2>&1 ||
	{ show_file "$T_ROOT/uninstall.out"; fail "make uninstall failed"; }
(cd "$PREFIX" && find . ! -type d) >"$T_ROOT/left.out"
[ -s "$T_ROOT/left.out" ] && { show_file "$T_ROOT/left.out"; fail "make uninstall left files behind"; }
note "make uninstall removed every file"
# Installed again for the rest of the test.
(cd "$T_ROOT/build" && mk install) >"$T_ROOT/build.out" 2>&1 || { show_file "$T_ROOT/build.out"; fail "make install (again) failed"; }
check_installed

# The helper itself: -fv prints the command with the password masked.
"$PREFIX/sbin/mount.smbfuse" "$UNC" /nonexistent -fv -o "username=root,password=$SMB_PASS,user=x%$SMB_PASS" \
	>"$T_ROOT/fake.out" 2>&1 || { show_file "$T_ROOT/fake.out"; fail "mount.smbfuse -fv failed"; }
check_contains "mount.smbfuse -fv" "$T_ROOT/fake.out" "$(_t_re_escape "$PREFIX/bin/smbfuse $UNC /nonexistent -o username=root,password=")"
no_password "$T_ROOT/fake.out" "mount.smbfuse -fv output"

# ============================================ credentials files, fixture user
CRED=$T_ROOT/share.cred
CRED644=$T_ROOT/world-readable.cred
printf '# smbfuse test\nusername=%s\npassword=%s\ndomain=WORKGROUP\n' "$SMB_USER" "$SMB_PASS" >"$CRED"
cp "$CRED" "$CRED644"
chmod 600 "$CRED"
chmod 644 "$CRED644"

# ================================================ 2. mount -t smbfuse, umount
# mount(8) looks for helpers in /sbin only.
HAVE_HELPER=0
if temp_link /sbin/mount.smbfuse "$PREFIX/sbin/mount.smbfuse"; then
	HAVE_HELPER=1
else
	note "mount(8) parts for type smbfuse skipped"
fi

if [ "$HAVE_HELPER" = 1 ]; then
	mnt=$(new_mountpoint m8)
	m8_mount "$mnt" "$T_ROOT/m8.out" mount -t smbfuse "$UNC" "$mnt" -o "credentials=$CRED,uid=1000"
	[ -s "$T_ROOT/m8.out" ] && { show_file "$T_ROOT/m8.out"; fail "mount -t smbfuse (credentials file mode 0600) printed something"; }
	check_eq "daemon started by mount -t smbfuse" "$PREFIX/bin/smbfuse" "$(readlink "/proc/$M8_PID/exe")"
	check_reads "$mnt" "mount -t smbfuse"
	for f in hello.txt dir1 dir1/one.txt; do
		check_eq "owner of $f with uid=1000" 1000 "$(stat -c %u -- "$mnt/$f")"
	done
	cmdline_of "$M8_PID" >"$T_ROOT/cmdline"
	no_password "$T_ROOT/cmdline" "cmdline of the daemon started by mount -t smbfuse"
	m8_umount "$mnt" "$M8_PID"
	note "mount -t smbfuse -o credentials=,uid=1000 and umount ok"

	# password= through mount(8): scrubbed from the daemon's command line.
	mnt=$(new_mountpoint m8pw)
	m8_mount "$mnt" "$T_ROOT/m8pw.out" mount -t smbfuse "$UNC" "$mnt" -o "username=$SMB_USER,password=$SMB_PASS"
	cmdline_of "$M8_PID" >"$T_ROOT/cmdline"
	no_password "$T_ROOT/cmdline" "cmdline of the daemon started by mount -t smbfuse -o password="
	check_contains "cmdline of the daemon (password masked)" "$T_ROOT/cmdline" 'password=\*+'
	check_reads "$mnt" "mount -t smbfuse -o password="
	m8_umount "$mnt" "$M8_PID"
fi

# =================================================== 3. mount -T FSTAB DIR
FSTAB=$T_ROOT/fstab
mnt_a=$(new_mountpoint fstab-smbfuse)
mnt_b=$(new_mountpoint fstab-fuse)
{
	echo "# smbfuse test fstab"
	echo "$UNC $mnt_a smbfuse credentials=$CRED,uid=1000,_netdev,nofail,noauto,x-systemd.automount,x-systemd.idle-timeout=600,user 0 0"
	echo "$UNC $mnt_b fuse.smbfuse credentials=$CRED,nosuid,nodev,_netdev,nofail,noauto,x-systemd.automount 0 0"
} >"$FSTAB"
if [ "$HAVE_HELPER" = 1 ]; then
	m8_mount "$mnt_a" "$T_ROOT/fstab-a.out" mount -T "$FSTAB" "$mnt_a"
	[ -s "$T_ROOT/fstab-a.out" ] && { show_file "$T_ROOT/fstab-a.out"; fail "mount -T (type smbfuse) printed something"; }
	check_reads "$mnt_a" "fstab type smbfuse"
	check_eq "owner with uid=1000 (fstab)" 1000 "$(stat -c %u -- "$mnt_a/hello.txt")"
	m8_umount "$mnt_a" "$M8_PID"
	note "fstab line of type smbfuse (with _netdev,nofail,noauto,x-systemd.*,user) ok"
fi
# Type fuse.smbfuse: mount.fuse3 runs "smbfuse SPEC DIR -o OPTS" through
# /bin/sh; mount(8) removes PATH from the helpers' environment (even for
# root), so the shell's default PATH applies: smbfuse must be in
# /usr/local/bin or the like.
if ! [ -x /sbin/mount.fuse3 ]; then
	note "/sbin/mount.fuse3 not installed: type fuse.smbfuse not tested"
elif ! temp_link /usr/local/bin/smbfuse "$PREFIX/bin/smbfuse"; then
	note "type fuse.smbfuse not tested"
else
	m8_mount "$mnt_b" "$T_ROOT/fstab-b.out" mount -T "$FSTAB" "$mnt_b"
	[ -s "$T_ROOT/fstab-b.out" ] && { show_file "$T_ROOT/fstab-b.out"; fail "mount -T (type fuse.smbfuse) printed something"; }
	check_eq "daemon started through mount.fuse3" "$PREFIX/bin/smbfuse" "$(readlink "/proc/$M8_PID/exe")"
	check_reads "$mnt_b" "fstab type fuse.smbfuse"
	m8_umount "$mnt_b" "$M8_PID"
	note "fstab line of type fuse.smbfuse (mount.fuse3) ok"
fi

# The same mount and systemd options given to smbfuse itself.
mnt=$(new_mountpoint ignored-opts)
smbfuse_mount_daemon "$mnt" -o "credentials=$CRED,_netdev,nofail,noauto,auto,user,users,nouser,owner,group,defaults,comment=x,x-systemd.automount,x-systemd.mount-timeout=60,x-gvfs-hide"
[ -s "$SMBFUSE_LOG" ] && { show_file "$SMBFUSE_LOG"; fail "smbfuse printed something for mount/systemd options"; }
check_reads "$mnt" "mount/systemd options"
smbfuse_umount "$mnt"

# ============================================ 4. credentials and the password
# Mode 0644: a warning naming the file, and the mount still works.
mnt=$(new_mountpoint cred644)
smbfuse_mount_daemon "$mnt" -o "credentials=$CRED644"
check_contains "stderr with a credentials file of mode 0644" "$SMBFUSE_LOG" "$(_t_re_escape "$CRED644")"
check_contains "stderr with a credentials file of mode 0644" "$SMBFUSE_LOG" 'warn|readable'
check_reads "$mnt" "credentials file mode 0644"
smbfuse_umount "$mnt"
if [ "$HAVE_HELPER" = 1 ]; then
	mnt=$(new_mountpoint m8cred644)
	m8_mount "$mnt" "$T_ROOT/m8cred644.out" mount -t smbfuse "$UNC" "$mnt" -o "credentials=$CRED644"
	check_contains "mount -t smbfuse with a credentials file of mode 0644" "$T_ROOT/m8cred644.out" "$(_t_re_escape "$CRED644")"
	m8_umount "$mnt" "$M8_PID"
fi
# Mode 0600: nothing at all on stderr.
mnt=$(new_mountpoint cred600)
smbfuse_mount_daemon "$mnt" -o "credentials=$CRED"
[ -s "$SMBFUSE_LOG" ] && { show_file "$SMBFUSE_LOG"; fail "smbfuse printed something with a credentials file of mode 0600"; }
check_reads "$mnt" "credentials file mode 0600"
smbfuse_umount "$mnt"
note "credentials file: 0600 silent, 0644 warns naming the file"

# password= and user=NAME%PASS: not in /proc/PID/cmdline of the daemon.
for opt in "username=$SMB_USER,password=$SMB_PASS" "password=$SMB_PASS,username=$SMB_USER" \
	"user=$SMB_USER%$SMB_PASS" "username=$SMB_USER,pass=$SMB_PASS"; do
	mnt=$(new_mountpoint "pwopt-${opt%%[=%]*}-$RANDOM")
	smbfuse_mount_daemon "$mnt" -o "$opt"
	cmdline_of "$SMBFUSE_PID" >"$T_ROOT/cmdline"
	no_password "$T_ROOT/cmdline" "cmdline of the daemon (-o ${opt//$SMB_PASS/PASS})"
	check_reads "$mnt" "-o ${opt//$SMB_PASS/PASS}"
	smbfuse_umount "$mnt"
	no_password "$SMBFUSE_LOG" "smbfuse's output (-o ${opt//$SMB_PASS/PASS})"
done
# Nor in the foreground log, even with -d (debug), nor in its command line.
mnt=$(new_mountpoint fg-debug)
smbfuse_mount "$mnt" -d -o "username=$SMB_USER,password=$SMB_PASS"
cmdline_of "$SMBFUSE_PID" >"$T_ROOT/cmdline"
no_password "$T_ROOT/cmdline" "cmdline of smbfuse -f -d"
check_reads "$mnt" "-f -d"
fglog=$SMBFUSE_LOG
smbfuse_umount "$mnt"
[ -s "$fglog" ] || fail "smbfuse -f -d logged nothing"
no_password "$fglog" "the log of smbfuse -f -d"
# Nor in the error message of a failed logon (password=, credentials file).
mnt=$(new_mountpoint wrongpw)
smbfuse_try "$T_ROOT/wrong.out" "$mnt" -o "username=$SMB_USER,password=$WRONG_PASS"
check_eq "exit status with a wrong password" 32 "$TRY_RC"
check_contains "wrong password" "$T_ROOT/wrong.out" 'authentication failed'
no_password "$T_ROOT/wrong.out" "the error message for a wrong password"
mnt=$(new_mountpoint wrongpw-f)
smbfuse_try "$T_ROOT/wrong-f.out" "$mnt" -f -d -o "username=$SMB_USER,password=$WRONG_PASS"
check_ne "exit status with a wrong password (-f -d)" 0 "$TRY_RC"
check_contains "wrong password (-f -d)" "$T_ROOT/wrong-f.out" 'authentication failed'
no_password "$T_ROOT/wrong-f.out" "the -f -d log of a wrong password"
printf 'username=%s\npassword=%s\n' "$SMB_USER" "$WRONG_PASS" >"$T_ROOT/wrong.cred"
chmod 600 "$T_ROOT/wrong.cred"
mnt=$(new_mountpoint wrongcred)
smbfuse_try "$T_ROOT/wrongcred.out" "$mnt" -o "credentials=$T_ROOT/wrong.cred"
check_eq "exit status with a wrong password in the credentials file" 32 "$TRY_RC"
check_contains "wrong password (credentials file)" "$T_ROOT/wrongcred.out" 'authentication failed'
no_password "$T_ROOT/wrongcred.out" "the error message for a wrong password in a credentials file"
is_mounted "$mnt" && fail "mounted with a wrong password"
note "the password is in no command line, log or error message"

# ==================================================== 5. $PASSWD, $USER, tty
mnt=$(new_mountpoint passwd-env)
PASSWD=$SMB_PASS smbfuse_mount_daemon "$mnt" -o "username=$SMB_USER"
check_reads "$mnt" "PASSWD"
smbfuse_umount "$mnt"

# $USER names the user when no username= is given.  A second samba user
# ('daemon', a system account Debian always has) on [share2], which takes
# no guests: with another name smbd would refuse the password (existing
# user) or make a guest of it (unknown user), and [share2] refuses guests.
if getent passwd daemon >/dev/null 2>&1; then
	PASS2="pw2-$RANDOM$RANDOM"
	printf '%s\n%s\n' "$PASS2" "$PASS2" | smbpasswd -c "$SMB_CONF" -a -s daemon >"$T_ROOT/smbpasswd2.out" 2>&1 ||
		{ show_file "$T_ROOT/smbpasswd2.out"; fail "smbpasswd -a daemon failed"; }
	mnt=$(new_mountpoint user-env)
	USER=daemon PASSWD=$PASS2 SMB_UNC=//127.0.0.1:$SMB_PORT/share2 smbfuse_mount_daemon "$mnt"
	check_file_eq "USER=daemon: cat ro.txt on [share2]" "$SHARE2_DIR/ro.txt" <(cat "$mnt/ro.txt")
	"$SMBFUSE" --stats "$mnt" >"$T_ROOT/stats-user" 2>&1
	check_contains "user in the stats of a USER=daemon mount" "$T_ROOT/stats-user" '^user: (.*[\\/])?daemon$'
	smbfuse_umount "$mnt"
	# The same with the password of root: daemon's logon fails.
	mnt=$(new_mountpoint user-env-bad)
	USER=daemon PASSWD=$SMB_PASS SMB_UNC=//127.0.0.1:$SMB_PORT/share2 smbfuse_try "$T_ROOT/user-bad.out" "$mnt"
	check_ne "USER=daemon with root's password" 0 "$TRY_RC"
	note "USER from the environment ok"
else
	note "no system account 'daemon': USER not tested"
fi

# The password prompt on a tty: python3 runs smbfuse (daemon mode) under a
# pseudo-terminal and answers "Password for ...".  No PASSWD, no password=.
cat >"$T_ROOT/tty_answer.py" <<'PY'
import os, pty, select, signal, sys, termios, time
answer, out = sys.argv[1].encode() + b"\n", sys.argv[2]
pid, fd = pty.fork()
if pid == 0:
    os.execv(sys.argv[3], sys.argv[3:])
buf, sent, status = b"", False, None
deadline = time.time() + 40
while time.time() < deadline:
    r, _, _ = select.select([fd], [], [], 0.2)
    if r:
        try:
            data = os.read(fd, 4096)
        except OSError:  # EIO: no process has the terminal open any more
            data = b""
        if not data:
            break
        buf += data
        if not sent and b"Password for" in buf:
            # getpass turns echo off (flushing pending input) after printing
            # the prompt: answer only once echo is off, or the answer can be
            # thrown away on a loaded machine.
            for _ in range(100):
                if not termios.tcgetattr(fd)[3] & termios.ECHO:
                    break
                time.sleep(0.05)
            time.sleep(0.05)
            os.write(fd, answer)
            sent = True
    elif status is None:
        p, st = os.waitpid(pid, os.WNOHANG)
        if p:
            status = st
            deadline = min(deadline, time.time() + 2)  # drain what is left
# The terminal closes a moment before the process is reaped: give it time.
end = time.time() + 10
while status is None and time.time() < end:
    p, st = os.waitpid(pid, os.WNOHANG)
    if p:
        status = st
    else:
        time.sleep(0.05)
if status is None:
    p, st = os.waitpid(pid, os.WNOHANG)
    if p:
        status = st
    else:
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
        buf += b"\n[tty_answer.py: killed smbfuse after 40 s]\n"
        status = 124 << 8
with open(out, "wb") as f:
    f.write(buf)
sys.exit(os.waitstatus_to_exitcode(status) if hasattr(os, "waitstatus_to_exitcode") else status >> 8)
PY
# tty_mount ANSWER OUT MNT: prints nothing; status in TTY_RC.
tty_mount() {
	local p
	_t_register_mount "$3"
	env -u PASSWD python3 "$T_ROOT/tty_answer.py" "$1" "$2" "$SMBFUSE" "$UNC" "$3" -o "username=$SMB_USER" </dev/null
	TTY_RC=$?
	for p in $(pids_for_mount "$3"); do _t_register_pid "$p"; done
}
mnt=$(new_mountpoint tty)
tty_mount "$SMB_PASS" "$T_ROOT/tty.out" "$mnt"
[ "$TTY_RC" = 0 ] || { show_file "$T_ROOT/tty.out"; fail "mount with the password typed at the prompt: exit status $TTY_RC"; }
check_contains "prompt on the tty" "$T_ROOT/tty.out" "Password for $SMB_USER@$(_t_re_escape "$UNC")"
no_password "$T_ROOT/tty.out" "the terminal (the password must not be echoed)"
is_mounted "$mnt" || fail "prompted mount: not mounted"
pid=$(pids_for_mount "$mnt")
[ -n "$pid" ] || fail "prompted mount: no daemon"
_T_MOUNT_PID[$mnt]=$pid _T_MOUNT_LOG[$mnt]=$T_ROOT/tty.out _T_MOUNT_CHILD[$mnt]=0
check_reads "$mnt" "password from the prompt"
smbfuse_umount "$mnt"
mnt=$(new_mountpoint tty-wrong)
tty_mount "$WRONG_PASS" "$T_ROOT/tty-wrong.out" "$mnt"
[ "$TTY_RC" = 32 ] || { show_file "$T_ROOT/tty-wrong.out"; fail "wrong password typed at the prompt: exit status $TTY_RC, expected 32"; }
check_contains "wrong password typed at the prompt" "$T_ROOT/tty-wrong.out" 'authentication failed'
no_password "$T_ROOT/tty-wrong.out" "the terminal after a wrong password"
is_mounted "$mnt" && fail "mounted with a wrong password typed at the prompt"
note "password prompt on a tty ok"

# ================================================= 6. smbfuse --stats
mnt=$(new_mountpoint stats)
smbfuse_mount_daemon "$mnt" -o "credentials=$CRED"
check_reads "$mnt" "stats mount"
"$SMBFUSE" --stats "$mnt" >"$T_ROOT/stats" 2>&1 || { show_file "$T_ROOT/stats"; fail "smbfuse --stats on the mount point failed"; }
# getxattr is not answered by default (ls -l would pay for it per entry).
getxattr "$mnt" user.smbfuse.stats >"$T_ROOT/xattr-default" 2>&1 && fail "getxattr user.smbfuse.stats answered without -o stats_xattr"
check_contains "getxattr without stats_xattr" "$T_ROOT/xattr-default" 'not supported'
show_file "$T_ROOT/stats" 80
for k in server share user dialect capabilities unix_extensions signing connections connection.0.state \
	reconnects bytes_sent bytes_received op.read.count op.read.avg_us op.read.max_us; do
	grep -q "^$(_t_re_escape "$k"): ." "$T_ROOT/stats" || fail "stats: no line '$k: VALUE'"
done
check_contains "stats: server" "$T_ROOT/stats" "^server: 127\.0\.0\.1\b.*\b$SMB_PORT\b"
check_contains "stats: share" "$T_ROOT/stats" '^share: .*[\/]share$'
check_contains "stats: unix_extensions" "$T_ROOT/stats" '^unix_extensions: (yes|no)$'
check_contains "stats: signing" "$T_ROOT/stats" '^signing: '
check_contains "stats: connection.0.state" "$T_ROOT/stats" '^connection\.0\.state: up$'
check_contains "stats: user" "$T_ROOT/stats" "^user: (.*[\\/])?$SMB_USER\$"
check_contains "stats: dialect" "$T_ROOT/stats" '^dialect: .*NT LM 0\.12'
for k in connections reconnects bytes_sent bytes_received op.read.count op.read.avg_us op.read.max_us; do
	v=$(stat_val "$(_t_re_escape "$k")" "$T_ROOT/stats")
	[[ $v =~ ^[0-9]+$ ]] || fail "stats: $k is '$v', not a number"
done
(($(stat_val connections "$T_ROOT/stats") >= 1)) || fail "stats: connections < 1"
(($(stat_val reconnects "$T_ROOT/stats") == 0)) || fail "stats: reconnects on a fresh mount"
(($(stat_val bytes_received "$T_ROOT/stats") > 0)) || fail "stats: bytes_received is 0 after reading files"
(($(stat_val bytes_sent "$T_ROOT/stats") > 0)) || fail "stats: bytes_sent is 0 after reading files"
(($(stat_val op.read.count "$T_ROOT/stats") > 0)) || fail "stats: op.read.count is 0 after reading files"
(($(stat_val 'op\.read\.max_us' "$T_ROOT/stats") >= $(stat_val 'op\.read\.avg_us' "$T_ROOT/stats"))) ||
	fail "stats: op.read.max_us < op.read.avg_us"
# The counters move: read a new file, the byte count and read count grow.
b0=$(stat_val bytes_received "$T_ROOT/stats") r0=$(stat_val op.read.count "$T_ROOT/stats")
head -c 300000 /dev/urandom >"$S/more.bin"
check_file_eq "cat more.bin" "$S/more.bin" <(cat "$mnt/more.bin")
"$SMBFUSE" --stats "$mnt" >"$T_ROOT/stats2" 2>&1 || fail "smbfuse --stats (again) failed"
(($(stat_val bytes_received "$T_ROOT/stats2") >= b0 + 300000)) ||
	fail "stats: bytes_received went from $b0 to $(stat_val bytes_received "$T_ROOT/stats2") after reading 300000 bytes"
(($(stat_val op.read.count "$T_ROOT/stats2") > r0)) || fail "stats: op.read.count did not grow"
smbfuse_umount "$mnt"
# -o stats_xattr: the same report as the mount root's attribute.
mnt=$(new_mountpoint stats-xattr)
smbfuse_mount_daemon "$mnt" -o "credentials=$CRED,stats_xattr"
listxattr "$mnt" >"$T_ROOT/xattrs" 2>&1 || { show_file "$T_ROOT/xattrs"; fail "listxattr on the mount root failed"; }
check_contains "listxattr on the mount root" "$T_ROOT/xattrs" '^user\.smbfuse\.stats$'
getxattr "$mnt" user.smbfuse.stats >"$T_ROOT/stats3" 2>&1 || { show_file "$T_ROOT/stats3"; fail "getxattr user.smbfuse.stats with stats_xattr failed"; }
if command -v getfattr >/dev/null 2>&1; then
	getfattr --only-values -n user.smbfuse.stats "$mnt" >"$T_ROOT/stats.getfattr" 2>&1 ||
		{ show_file "$T_ROOT/stats.getfattr"; fail "getfattr -n user.smbfuse.stats failed"; }
	check_contains "getfattr --only-values" "$T_ROOT/stats.getfattr" '^bytes_received: [0-9]+$'
fi
"$SMBFUSE" --stats "$mnt" >"$T_ROOT/stats4" 2>&1 || fail "smbfuse --stats with stats_xattr failed"
# (counters of operations and commands show once used: not compared)
keys() { cut -d: -f1 "$1" | grep -Ev '^(op|requests)\.'; }
check_eq "keys of --stats and of the attribute" "$(keys "$T_ROOT/stats4")" "$(keys "$T_ROOT/stats3")"
smbfuse_umount "$mnt"
note "smbfuse --stats and -o stats_xattr ok"

# ================================================ 7. options, --version, --help
# expect_usage WHAT REGEX ARGS...: exit status 1, REGEX on the output, no mount.
n_usage=0
expect_usage() {
	local what=$1 re=$2 mnt
	shift 2
	n_usage=$((n_usage + 1))
	mnt=$(new_mountpoint "usage$n_usage")
	smbfuse_try "$T_ROOT/usage.out" "$mnt" "$@"
	[ "$TRY_RC" = 1 ] || { show_file "$T_ROOT/usage.out"; fail "$what: exit status $TRY_RC, expected 1"; }
	check_contains "$what" "$T_ROOT/usage.out" "$re"
	is_mounted "$mnt" && fail "$what: mounted anyway"
	note "$what: $(head -n 1 "$T_ROOT/usage.out")"
}
expect_usage "unknown option" 'bogus=1' -o "credentials=$CRED,bogus=1"
expect_usage "unknown option (own -o)" 'frobnicate' -o "credentials=$CRED" -o frobnicate
expect_usage "malformed number" 'port' -o "credentials=$CRED,port=abc"
expect_usage "out-of-range port" 'port.*(range|65535)|70000' -o "credentials=$CRED,port=70000"
expect_usage "malformed uid" 'uid' -o "credentials=$CRED,uid=notanumber"

"$SMBFUSE" --version >"$T_ROOT/version.out" 2>"$T_ROOT/version.err" ||
	{ show_file "$T_ROOT/version.err"; fail "smbfuse --version failed"; }
# The first line, as "smbfuse --version | head -n 1" shows it.
check_eq "first line of smbfuse --version" "smbfuse $VERSION" "$(head -n 1 "$T_ROOT/version.out")"
"$SMBFUSE" --help >"$T_ROOT/help.out" 2>&1
rc=$?
[ "$rc" = 0 ] || { show_file "$T_ROOT/help.out"; fail "smbfuse --help: exit status $rc"; }
for o in username= password= credentials= domain= guest port= uid= gid= netbios sec=; do
	grep -qF -- "$o" "$T_ROOT/help.out" || { show_file "$T_ROOT/help.out"; fail "smbfuse --help does not list $o"; }
done
check_contains "smbfuse --help" "$T_ROOT/help.out" '^usage: '
check_contains "smbfuse --help" "$T_ROOT/help.out" '--stats MOUNTPOINT'
"$SMBFUSE" -o help >"$T_ROOT/ohelp.out" 2>&1 || { show_file "$T_ROOT/ohelp.out"; fail "smbfuse -o help failed"; }
for o in conns= echo_interval= reconnect_timeout= hard stats_xattr noxattr; do
	grep -qF -- "$o" "$T_ROOT/ohelp.out" || { show_file "$T_ROOT/ohelp.out"; fail "smbfuse -o help does not list $o"; }
done
note "--version, --help and -o help ok"

exit 0
