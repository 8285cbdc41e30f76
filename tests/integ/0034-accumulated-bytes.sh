#!/usr/bin/env bash
# The accumulated BTF kept as bytes (stages/dedup/acc_btf.h; the default
# where batch names are strtab ids and there is no base): the deduped
# batches are appended as bytes, names placed once, and handed to libbpf
# at the end as split BTF on a strings-only base. It must never change the
# output: on a many-CU ELF with 1-CU batches, on the Debian vmlinux at -j2
# and -j1, and when a compaction under a budget hands the bytes to libbpf
# part way, the bytes are those of a run that appends to libbpf's BTF
# (BTFSTREAM_ACC_LIBBPF=1); --stats says which way each run went.
. "$(dirname "$0")/lib.sh"

echo "# 0034: the accumulated BTF as bytes against libbpf's (about a minute)" >&2
build_many_elf "$TMP/many.elf"; ok $? "a 25-CU ELF from the fixtures"
BTFSTREAM_ACC_LIBBPF=1 "$BTFSTREAM" --batch-records 1 "$TMP/many.elf" -o "$TMP/many-ref.btf"
ok $? "reference: 1-CU batches appended to libbpf's BTF"
"$BTFSTREAM" --batch-records 1 --stats "$TMP/many.elf" -o "$TMP/many.btf" > "$TMP/many.stats"
ok $? "the default, 1-CU batches"
if ! grep -q '^batch strings: .*; names as strtab ids' "$TMP/many.stats"; then
	skip "batch names stay offsets here (this libbpf checks names): no bytes to keep"
	done_testing
	exit 0
fi
grep -q '^accumulated BTF: .*kept as bytes (' "$TMP/many.stats"; ok $? "--stats: kept as bytes" ||
	grep '^accumulated' "$TMP/many.stats" | sed 's/^/# /'
cmp -s "$TMP/many-ref.btf" "$TMP/many.btf"; ok $? "the same bytes"
# no type but void: nothing appended, the functions added after the hand-over
echo 'void f(void) {}' > "$TMP/f.c" && gcc -g -c "$TMP/f.c" -o "$TMP/f.o" &&
	"$BTFSTREAM" "$TMP/f.o" -o "$TMP/f.btf" && BTFSTREAM_ACC_LIBBPF=1 "$BTFSTREAM" "$TMP/f.o" -o "$TMP/f-ref.btf" &&
	cmp -s "$TMP/f.btf" "$TMP/f-ref.btf" &&
	{ ! command -v bpftool > /dev/null || [ "$(bpftool btf dump file "$TMP/f.btf" | grep -c "^\[")" = 2 ]; }
ok $? "an object with one function and no types: its FUNC_PROTO and FUNC, the same bytes"

[ -n "${BTFSTREAM_SKIP_KERNEL:-}" ] && { skip "BTFSTREAM_SKIP_KERNEL is set"; done_testing; exit 0; }
vmlinux=$(cd "$TOP" && scripts/fetch-kernel.sh) || { skip "cannot fetch the Debian kernel debug package"; done_testing; exit 0; }
BTFSTREAM_ACC_LIBBPF=1 "$BTFSTREAM" -j2 --stats "$vmlinux" -o "$TMP/ref.btf" > "$TMP/ref.stats"
ok $? "reference: the vmlinux, appended to libbpf's BTF"
grep -q "^accumulated BTF: .*kept as libbpf's BTF (" "$TMP/ref.stats"; ok $? "--stats: libbpf's BTF"
"$BTFSTREAM" -j2 --stats "$vmlinux" -o "$TMP/d.btf" > "$TMP/d.stats"; ok $? "the default converts the vmlinux"
grep -q '^accumulated BTF: .*kept as bytes (' "$TMP/d.stats"; ok $? "--stats: kept as bytes"
cmp -s "$TMP/ref.btf" "$TMP/d.btf"; ok $? "the same bytes"
"$BTFSTREAM" -j1 "$vmlinux" -o "$TMP/j1.btf" && cmp -s "$TMP/ref.btf" "$TMP/j1.btf"; ok $? "-j1: the same bytes"
BTFSTREAM_COMPACT_TYPES=50000 "$BTFSTREAM" -j2 --stats "$vmlinux" -o "$TMP/c.btf" > "$TMP/c.stats"
ok $? "with compactions on the way"
grep -q "^accumulated BTF: .*deduped again [1-9][0-9]* times.*kept as bytes, then libbpf's BTF (" "$TMP/c.stats"
ok $? "--stats: bytes until the first compaction, then libbpf's BTF"
cmp -s "$TMP/ref.btf" "$TMP/c.btf"; ok $? "the same bytes"

done_testing
