#!/usr/bin/env bash
# rw_names.sh - file names made through the mount reach the server byte for
# byte and list back unchanged: UTF-8 in every plane (accents, CJK, Hangul,
# RTL scripts, emoji with surrogate pairs, ZWJ sequences), NFC and NFD
# spellings of the same text as two distinct names, names that differ only
# in case, punctuation (Windows wildcards * ? < > " too: only a POSIX open
# creates those), leading dash / spaces, 255-byte names in 1-, 2-, 3-
# and 4-byte characters.  A 256-byte name is ENAMETOOLONG.  With -o nounix a
# backslash in a name is EINVAL (to the server it is a separator: it must
# not reach a different file).
if [ -z "${BASH_VERSION:-}" ]; then exec bash "$0" "$@"; fi
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source-path=SCRIPTDIR source=rw_lib.sh
. "$(dirname "$0")/rw_lib.sh"

require_prereqs
smb_start
S=$SHARE_DIR

mnt=$(new_mountpoint names)
mount_rw "$mnt"
M=$mnt
mnt2=$(new_mountpoint names-nounix)
mount_rw "$mnt2" nounix,actimeo=0
M2=$mnt2

# names.py MOUNT BACKING WIN_MOUNT: create every name through MOUNT (files
# hold their own name; directories hold a file 'inside'), then compare the
# listings of MOUNT and BACKING as byte strings, read every file through
# MOUNT and BACKING, and read the names Windows also allows through
# WIN_MOUNT (nounix).  Prints one problem per line; nothing means success.
cat >"$T_ROOT/names.py" <<'EOF'
import os, sys, unicodedata

mnt, back, win = (os.fsencode(p) for p in sys.argv[1:4])
nfc = lambda s: unicodedata.normalize("NFC", s)
nfd = lambda s: unicodedata.normalize("NFD", s)
texts = [
    "café", "Ångström", "naïve façade", "Ünïcødé ☃", "한국어 파일", "Ελληνικά ά",
    "\u212b sign",
]
names = ["\u212b sign"]  # as is: neither NFC nor NFD
for t in texts:
    assert nfc(t) != nfd(t), t
    names += [nfc(t), nfd(t)]
names += [
    "Кириллица", "مرحبا بالعالم", "שלום", "ﬁ ligature", "日本語のファイル.txt", "中文文件名",
    "emoji 😀🚀🎉", "flag 🇫🇷", "family 👨‍👩‍👧", "math 𝔘𝔫𝔦𝔠𝔬𝔡𝔢", "music 𝄞",
    " leading space", "trailing space ", "two  spaces", "-leading-dash", "--",
    "'single'", "semi;colon", "a:colon", "pipe|", "trailing.dot.", "UPPER", "upper",
    "Upper", "tab\there", "percent %20 %s", "#hash", "~tilde", "dollar $HOME",
    "back\\slash", "a" * 255, "é" * 127 + "x", "日" * 85, "😀" * 63 + "abc",
]
# Windows wildcards: legal POSIX names, but only a POSIX open creates them
wild = ['"double"', "star*", "what?", "<angle>", "a>b"]
names += wild
dirs = ["dir 目录 😀", nfd("répertoire"), nfc("répertoire"), "dir*wild?"]
# names Windows forbids: only the UNIX extensions carry them
bad_win = set('\\:*?"<>|\t')

problems = []
def fail(msg, name):
    problems.append("%s: %r" % (msg, name))

want = set()
for n in names + dirs:
    b = n.encode()
    if b in want:
        problems.append("self-check: %r is in the list twice" % n)
    want.add(b)
    step = "create"
    try:
        if n in dirs:
            step = "mkdir"
            os.mkdir(os.path.join(mnt, b))
            step = "create a file inside"
            b = os.path.join(b, "inside ✓".encode())
        with open(os.path.join(mnt, b), "wb") as f:
            f.write(n.encode())
    except OSError as e:
        fail("%s failed (%s)" % (step, e.strerror), n)
        want.discard(n.encode())

got_m = set(os.listdir(mnt))
got_b = set(os.listdir(back))
for b in sorted(want - got_b):
    fail("missing in the backing directory", b)
for b in sorted(got_b ^ got_m):
    fail("listing differs between mount and backing directory", b)
for b in sorted(want & got_b):
    p = os.path.join(back, b)
    inner = os.path.join(p, "inside ✓".encode()) if os.path.isdir(p) else p
    for root in (mnt, back):
        try:
            with open(root + inner[len(back):], "rb") as f:
                if f.read() != b:
                    fail("wrong content through %s" % root.decode(), b)
        except OSError as e:
            fail("cannot read through %s (%s)" % (root.decode(), e.strerror), b)
    if set(b.decode()) & bad_win or b.decode().endswith((" ", ".")):
        continue
    if len(b.decode().encode("utf-16-le")) > 510:
        continue
    try:
        with open(win + inner[len(back):], "rb") as f:
            if f.read() != b:
                fail("wrong content through the nounix mount", b)
    except OSError as e:
        fail("cannot read through the nounix mount (%s)" % e.strerror, b)
listed_win = set(os.listdir(win))
for b in sorted(want & got_b):
    s = b.decode()
    if set(s) & bad_win or s.endswith((" ", ".")):
        continue
    if b not in listed_win:
        fail("not listed (byte for byte) through the nounix mount", b)
for p in problems:
    print(p)
print("checked %d names" % len(want), file=sys.stderr)
EOF
python3 "$T_ROOT/names.py" "$M" "$S" "$M2" >"$T_ROOT/names.out" 2>"$T_ROOT/names.err" ||
	{ show_file "$T_ROOT/names.err"; fail "names.py crashed"; }
while IFS= read -r line; do problem "$line"; done <"$T_ROOT/names.out"
[ -s "$T_ROOT/names.out" ] ||
	note "$(cat "$T_ROOT/names.err"): byte for byte through the mount, on disk and (where Windows allows) through nounix"

# NFC and NFD are two files with their own contents (bytes spelled out: the
# source file's own normalization must not matter)
cafe_nfc=$(printf 'caf\303\251') cafe_nfd=$(printf 'cafe\314\201')
rep_nfc=$(printf 'r\303\251pertoire') rep_nfd=$(printf 're\314\201pertoire')
check_eq "content of NFC café in the backing directory" "$cafe_nfc" "$(cat "$S/$cafe_nfc")"
check_eq "content of NFD café in the backing directory" "$cafe_nfd" "$(cat "$S/$cafe_nfd")"
check_ne "NFC vs NFD are different inodes" "$(stat -c %i "$S/$cafe_nfc")" "$(stat -c %i "$S/$cafe_nfd")"
# renames to and from such names
mv "$M/emoji 😀🚀🎉" "$M/dir 目录 😀/renamed 🎉 ü" || fail "rename to a unicode name in a unicode directory"
check_eq "renamed file in the backing directory" "emoji 😀🚀🎉" "$(cat "$S/dir 目录 😀/renamed 🎉 ü")"
mv "$M/$rep_nfd" "$M/$rep_nfd 2" || fail "rename the NFD directory"
[ -d "$S/$rep_nfc" ] || fail "renaming the NFD directory touched the NFC one"
[ -d "$S/$rep_nfd 2" ] || fail "renamed NFD directory missing in the backing directory"
check_eq "file inside the renamed NFD directory" "$rep_nfd" "$(cat "$S/$rep_nfd 2/inside ✓")"
soft_errno "rename to a name with wildcards" OK rename "$M/UPPER" "$M/UP*PER?"
soft_errno "rename back from a name with wildcards" OK rename "$M/UP*PER?" "$M/UPPER"
note "unicode renames done"

# ---- name length: 255 bytes is fine (above), 256 is ENAMETOOLONG
n256=$(printf 'b%.0s' $(seq 256))
n256u=$(printf 'é%.0s' $(seq 128)) # 256 bytes, 128 UTF-16 units
for n in "$n256" "$n256u"; do
	what="256-byte name (${n:0:2}...)"
	soft_errno "create a $what" ENAMETOOLONG create "$M/$n"
	soft_errno "mkdir a $what" ENAMETOOLONG mkdir "$M/$n"
	soft_errno "stat a $what" ENAMETOOLONG stat "$M/$n"
	soft_errno "rename to a $what" ENAMETOOLONG rename "$M/UPPER" "$M/$n"
	soft_errno "symlink named with a $what" ENAMETOOLONG symlink UPPER "$M/$n"
	soft_errno "create a $what (nounix)" ENAMETOOLONG create "$M2/$n"
done
[ -e "$S/UPPER" ] || fail "UPPER vanished after failed renames"
note "256-byte names done"

# ---- a backslash: a plain character with UNIX extensions, EINVAL without
mkdir "$S/a" || fail "mkdir a"
echo 'not me' >"$S/a/b" || fail "write a/b"
soft_errno "create 'a\\b' (UNIX extensions)" OK create "$M/a\\b"
[ -f "$S/a\\b" ] || problem "'a\\b' is not a file in the backing directory"
check_eq "'a/b' untouched" 'not me' "$(cat "$S/a/b")"
rm -f "$S/a\\b"
soft_errno "create 'a\\b' (nounix)" EINVAL create "$M2/a\\b"
# a lookup may also say the name does not exist (it cannot, on this server)
soft_errno "open 'a\\b' for reading (nounix)" "EINVAL|ENOENT" open_r "$M2/a\\b"
soft_errno "stat 'a\\b' (nounix)" "EINVAL|ENOENT" stat "$M2/a\\b"
soft_errno "mkdir 'a\\c' (nounix)" EINVAL mkdir "$M2/a\\c"
soft_errno "rename to 'a\\c' (nounix)" EINVAL rename "$M2/UPPER" "$M2/a\\c"
check_eq "'a/b' untouched by the nounix calls" 'not me' "$(cat "$S/a/b")"
for f in "a\\b" a/c "a\\c"; do
	[ -e "$S/$f" ] && problem "a nounix call with a backslash created '$f'"
done
note "backslash names done"

smbfuse_umount "$mnt2"
smbfuse_umount "$mnt"
problems_check
exit 0
