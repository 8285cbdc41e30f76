#!/usr/bin/env bash
# Batch names as strtab ids (stages/dedup/batch_names.h; the default where
# libbpf does not check names): the writer puts each name's strtab id where
# its offset goes and the merge thread makes strings only for the types its
# dedup keeps. It must never change the output: on the Debian vmlinux at
# -j2, at -j1 under --memory-limit (small batches, compactions on the way)
# and on the modules the tests fetch (batch mode, split BTF), the bytes are
# those of a run with names as offsets (BTFSTREAM_BATCH_NAME_OFFSETS=1);
# --stats says which way each run went, so the two runs differ.
. "$(dirname "$0")/lib.sh"

[ -n "${BTFSTREAM_SKIP_KERNEL:-}" ] && skip_all "BTFSTREAM_SKIP_KERNEL is set"
vmlinux=$(cd "$TOP" && scripts/fetch-kernel.sh) || skip_all "cannot fetch the Debian kernel debug package"
echo "# 0033: batch names as ids against offsets, vmlinux and modules (about a minute)" >&2

BTFSTREAM_BATCH_NAME_OFFSETS=1 "$BTFSTREAM" -j2 --stats "$vmlinux" -o "$TMP/ref.btf" > "$TMP/ref.stats"
ok $? "reference: names as offsets"
grep -q '^batch strings: .*; names as offsets' "$TMP/ref.stats"; ok $? "--stats: names as offsets"
"$BTFSTREAM" -j2 --stats "$vmlinux" -o "$TMP/d.btf" > "$TMP/d.stats"; ok $? "the default converts the vmlinux"
if ! grep -q '^batch strings: .*(libbpf does not check names' "$TMP/d.stats"; then
	skip "this libbpf checks names: batches keep offsets ($(grep '^batch strings' "$TMP/d.stats"))"
	done_testing
	exit 0
fi
grep -q '^batch strings: .*; names as strtab ids' "$TMP/d.stats"; ok $? "--stats: names as strtab ids"
cmp -s "$TMP/ref.btf" "$TMP/d.btf"; ok $? "the same bytes"
"$BTFSTREAM" -j1 --memory-limit 16M "$vmlinux" -o "$TMP/v.btf" && cmp -s "$TMP/ref.btf" "$TMP/v.btf"
ok $? "-j1 --memory-limit 16M: the same bytes"

same_modules "$TMP/ref.btf" BTFSTREAM_BATCH_NAME_OFFSETS=1 ""

done_testing
