#!/usr/bin/env bash
# rw_rename_atomic.sh - rename(2) over an existing target is atomic or fails
# without touching the target (issue 8, defect 7):
# - a source that another client removed: ENOENT, and the target is still
#   there with its bytes (same directory, across directories, dot files,
#   with and without the UNIX extensions);
# - replacing a dot-file target by a dot-file source (Samba marks dot files
#   hidden, and its SMB1 FILE_RENAME_INFORMATION refuses hidden sources):
#   an inotify watch on the server's directory must never see the target
#   deleted, only moved over.
if [ -z "${BASH_VERSION:-}" ]; then exec bash "$0" "$@"; fi
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source-path=SCRIPTDIR source=rw_lib.sh
. "$(dirname "$0")/rw_lib.sh"

require_prereqs

# watch.py DIR READY STOP OUT: inotify events of DIR, "EVENT NAME" a line,
# until STOP exists (at most 60 s).
cat >"$T_ROOT/watch.py" <<'PY'
import ctypes, os, struct, sys, time
d, ready, stop, out = sys.argv[1:5]
IN_MOVED_FROM, IN_MOVED_TO, IN_CREATE, IN_DELETE = 0x40, 0x80, 0x100, 0x200
libc = ctypes.CDLL(None, use_errno=True)
fd = libc.inotify_init1(os.O_NONBLOCK)
if fd < 0 or libc.inotify_add_watch(fd, os.fsencode(d),
                                    IN_MOVED_FROM | IN_MOVED_TO | IN_CREATE | IN_DELETE) < 0:
    sys.exit("inotify: " + os.strerror(ctypes.get_errno()))
names = {IN_MOVED_FROM: "MOVED_FROM", IN_MOVED_TO: "MOVED_TO", IN_CREATE: "CREATE",
         IN_DELETE: "DELETE"}
open(ready, "w").close()
end = time.time() + 60
with open(out, "w") as f:
    while time.time() < end:
        done = os.path.exists(stop)
        try:
            buf = os.read(fd, 65536)
        except BlockingIOError:
            buf = b""
        while buf:
            _, mask, _, n = struct.unpack_from("iIII", buf)
            name = buf[16:16 + n].rstrip(b"\0").decode()
            buf = buf[16 + n:]
            for bit, label in names.items():
                if mask & bit:
                    print(label, name, file=f, flush=True)
        if done:
            break
        time.sleep(0.05)
PY

# vanished_source LABEL MNT SRC DST: SRC and DST exist, SRC is removed on the
# server behind the mount's back, rename SRC DST must fail with ENOENT and
# leave DST alone.
vanished_source() {
	local label=$1 m=$2 src=$3 dst=$4 got
	mkdir -p "$(dirname "$S/$src")" "$(dirname "$S/$dst")"
	echo source >"$S/$src"
	echo target >"$S/$dst"
	stat "$m/$src" "$m/$dst" >/dev/null || fail "$label: stat through the mount"
	rm -f "$S/$src"
	got=$(fsop rename "$m/$src" "$m/$dst")
	[ "$got" = ENOENT ] || problem "$label: rename of a vanished source: expected ENOENT, got $got"
	if [ -f "$S/$dst" ]; then
		check_eq "$label: the target after a failed rename" target "$(cat "$S/$dst")"
	else
		problem "$label: a failed rename deleted the target $dst on the server"
	fi
	rm -f "$S/$dst"
}

# replace_watched LABEL MNT SRC DST: rename over an existing target in one
# directory; the server must never see the target deleted.
replace_watched() {
	local label=$1 m=$2 src=$3 dst=$4 w=$T_ROOT/watch.$RANDOM i
	echo new >"$S/$src"
	echo old >"$S/$dst"
	stat "$m/$src" "$m/$dst" >/dev/null || fail "$label: stat through the mount"
	python3 "$T_ROOT/watch.py" "$S" "$w.ready" "$w.stop" "$w.out" 2>"$w.err" &
	local watcher=$!
	register_helper "$watcher"
	for ((i = 0; i < 100; i++)); do [ -e "$w.ready" ] && break; sleep 0.05; done
	[ -e "$w.ready" ] || { show_file "$w.err"; fail "inotify watcher did not start"; }
	expect_errno "$label: rename $src over $dst" OK rename "$m/$src" "$m/$dst"
	: >"$w.stop"
	wait "$watcher" || { show_file "$w.err"; fail "inotify watcher failed"; }
	[ -e "$S/$src" ] && problem "$label: $src still on the server after the rename"
	check_eq "$label: $dst after the rename" new "$(cat "$S/$dst")"
	check_eq "$label: $dst through the mount" new "$(cat "$m/$dst")"
	if grep -qx "DELETE $dst" "$w.out" || grep -qx "MOVED_FROM $dst" "$w.out"; then
		show_file "$w.out"
		problem "$label: the target $dst was removed before being replaced (not atomic)"
	fi
	rm -f "$S/$dst"
}

# variant LABEL [MOUNT_OPTS]: the checks on the running server.
variant() {
	local variant=$1 opts=${2:-} m
	m=$(new_mountpoint "${variant// /-}")
	mount_rw "$m" "$opts"
	vanished_source "$variant: same directory" "$m" a b
	vanished_source "$variant: dot files" "$m" .a .b
	vanished_source "$variant: across directories" "$m" d1/a d2/b
	vanished_source "$variant: dot files across directories" "$m" d1/.a d2/.b
	replace_watched "$variant: plain names" "$m" a b
	replace_watched "$variant: dot files" "$m" .a .b
	replace_watched "$variant: dot file over a plain name" "$m" .a b
	smbfuse_umount "$m"
	note "$variant: done"
}

smb_start
S=$SHARE_DIR
variant unix
variant nounix nounix
smb_stop
smb_start "unix extensions = no"
S=$SHARE_DIR
variant "server without UNIX extensions"
problems_check
exit 0
