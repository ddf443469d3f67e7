#!/usr/bin/env bash
# Coverage-guided fuzzing of every wire parser with libFuzzer + ASan/UBSan.
#   bash contrib/fuzz.sh [SECONDS]      (default 60)
# Builds tests/fuzz/fuzz_targets.c against the codec sources with clang,
# starts from tests/fuzz/corpus (replies captured from Samba), and writes new
# inputs to a scratch corpus; crashes land in ./crash-* for replay with
# tests/fuzz/fuzz_replay.
set -euo pipefail
cd "$(dirname "$0")/.."
secs=${1:-60}
if ! command -v clang >/dev/null; then
	apt-get install -y clang libclang-rt-dev >/dev/null || apt-get install -y clang
fi
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
srcs=(src/buf.c src/log.c src/netbios.c src/smb_hdr.c src/smb_time.c src/smb_negotiate.c
	src/smb_session.c src/smb_tree.c src/smb_open.c src/smb_rw.c src/smb_trans2.c
	src/smb_misc.c src/ntstatus.c src/crypto.c src/ntlmssp.c)
# shellcheck disable=SC2046
clang -g -O1 -fsanitize=fuzzer,address,undefined -DFUZZ_LIBFUZZER -D_GNU_SOURCE \
	-Isrc $(pkg-config --cflags glib-2.0 libcrypto) tests/fuzz/fuzz_targets.c "${srcs[@]}" \
	$(pkg-config --libs glib-2.0 libcrypto) -o "$out/fuzz"
mkdir -p "$out/corpus"
"$out/fuzz" -max_total_time="$secs" -max_len=70000 "$out/corpus" tests/fuzz/corpus
