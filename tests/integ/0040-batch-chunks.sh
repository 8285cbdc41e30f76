#!/usr/bin/env bash
# A batch handed on in chunks (stages/record/batch.h): the writer cuts its
# types at CU boundaries every BTFSTREAM_CHUNK_BYTES bytes, and the merge
# thread makes each chunk final as it comes (stages/dedup/batch_exact.h),
# the batch deduped with its last. It must never change the output against
# whole batches (BTFSTREAM_CHUNK_BYTES=0): chunks of one CU each (1 byte),
# of a few (4 KiB), at -j1 and -j3, in 1-CU batches, a module on a base,
# the Debian vmlinux and three of its modules. --stats and its JSON count
# the chunks; with two merge threads no batch is cut.
. "$(dirname "$0")/lib.sh"

echo "# 0040: batches in chunks against whole batches (about a minute)" >&2
same() {	# same WHAT ARGS...: chunks of 1 byte and of 4 KiB, and whole batches, give the same bytes
	local what=$1
	shift
	BTFSTREAM_CHUNK_BYTES=0 "$BTFSTREAM" "$@" -o "$TMP/whole.out" &&
		BTFSTREAM_CHUNK_BYTES=1 "$BTFSTREAM" "$@" -o "$TMP/c1.out" && cmp -s "$TMP/c1.out" "$TMP/whole.out" &&
		BTFSTREAM_CHUNK_BYTES=4096 "$BTFSTREAM" "$@" -o "$TMP/c4k.out" && cmp -s "$TMP/c4k.out" "$TMP/whole.out"
	ok $? "$what: chunks of a CU, of 4 KiB and whole batches give the same bytes"
}
chunks() {	# chunks JSON_LINE: the chunks the run counted
	sed -n 's/.*"batch_chunks":{"chunks":\([0-9]*\),.*/\1/p' "$1"
}

build_many_elf "$TMP/many.elf"; ok $? "a 25-CU ELF from the fixtures"
same_on_fixtures

BTFSTREAM_CHUNK_BYTES=1 "$BTFSTREAM" -j2 --stats "$TMP/many.elf" -o "$TMP/m.btf" > "$TMP/c.stats" &&
	grep -q '^batch chunks: [0-9]* of ~0 KiB, cut at CU boundaries' "$TMP/c.stats"
ok $? "--stats: the batch chunks"
BTFSTREAM_CHUNK_BYTES=1 "$BTFSTREAM" -j2 --stats=json "$TMP/many.elf" -o "$TMP/m.btf" | tail -1 > "$TMP/c.json"
n=$(chunks "$TMP/c.json")
[ "${n:-0}" -gt 20 ]; ok $? "--stats=json: a chunk for (nearly) every CU of 25 ($n)"
BTFSTREAM_CHUNK_BYTES=0 "$BTFSTREAM" -j2 --stats=json "$TMP/many.elf" -o "$TMP/m0.btf" | tail -1 > "$TMP/w.json"
[ "$(chunks "$TMP/w.json")" = 0 ] && grep -q '"batch_chunks":{"chunks":0,"bytes":0}' "$TMP/w.json"
ok $? "BTFSTREAM_CHUNK_BYTES=0: whole batches, none counted"
BTFSTREAM_MERGE_THREADS=2 BTFSTREAM_CHUNK_BYTES=1 "$BTFSTREAM" -j2 --stats=json "$TMP/many.elf" -o "$TMP/m2.btf" |
	tail -1 > "$TMP/t2.json" && [ "$(chunks "$TMP/t2.json")" = 0 ] && cmp -s "$TMP/m2.btf" "$TMP/m0.btf"
ok $? "two merge threads: no batch cut in chunks, the same bytes"
BTFSTREAM_CHUNK_BYTES=1 BTFSTREAM_RECORDS=1 "$BTFSTREAM" -j2 "$TMP/many.elf" -o "$TMP/r.btf" && cmp -s "$TMP/r.btf" "$TMP/m0.btf"
ok $? "records the writer encodes (no listed CUs): the same bytes"

kernel_or_done
same "the vmlinux, -j2" -j2 "$vmlinux"
BTFSTREAM_CHUNK_BYTES=65536 "$BTFSTREAM" -j1 --btf-features=all "$vmlinux" -o "$TMP/v64k.btf" &&
	BTFSTREAM_CHUNK_BYTES=0 "$BTFSTREAM" -j1 --btf-features=all "$vmlinux" -o "$TMP/v0.btf" && cmp -s "$TMP/v64k.btf" "$TMP/v0.btf"
ok $? "the vmlinux, -j1, every feature, chunks of 64 KiB: the same bytes"
"$BTFSTREAM" -j2 "$vmlinux" -o "$TMP/vmlinux.btf"; ok $? "the vmlinux's BTF, as the modules' base"
for m in "${mods[@]}"; do
	same "$(basename "$m")" --base "$TMP/vmlinux.btf" "$m"
done
done_testing
