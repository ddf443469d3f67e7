#!/bin/sh
# Replays the fuzz corpus with deterministic mutations (see fuzz_replay.c).
exec "${top_builddir:-.}/tests/fuzz/fuzz_replay" "${top_srcdir:-.}/tests/fuzz/corpus" 20000
