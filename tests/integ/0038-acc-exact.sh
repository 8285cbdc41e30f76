#!/usr/bin/env bash
# As each deduped batch is appended to the accumulated BTF, a type that is
# byte for byte, its refs resolved, a type accumulated from an earlier batch
# is left out, that type standing for it (stages/dedup/acc_exact.h). It must
# never change the output against keeping them all (BTFSTREAM_ACC_EXACT=0):
# a 25-CU ELF in small batches at -j1/-j3, on 2 merge threads, with the
# batch's own exact copies kept (BTFSTREAM_EXACT=0), under a memory budget
# that compacts the accumulated BTF on the way, the fixtures, and the Debian
# vmlinux (-j1, -j2, --memory-limit 16M). --stats and its JSON say how many
# were left out; where the accumulated BTF is libbpf's (names as offsets,
# a base) none are.
. "$(dirname "$0")/lib.sh"

echo "# 0038: copies of accumulated types left out against all appended (about a minute)" >&2
same() { same_with BTFSTREAM_ACC_EXACT=0 "$@"; }	# the default and BTFSTREAM_ACC_EXACT=0 give the same bytes
left_out() {	# left_out STATS_FILE: the count on the --stats line
	sed -n 's/^accumulated BTF: [0-9]* types before the final dedup, \([0-9]*\) exact copies.*/\1/p' "$1"
}
accumulated() {	# accumulated STATS_FILE: the types accumulated
	sed -n 's/^accumulated BTF: \([0-9]*\) types before the final dedup.*/\1/p' "$1"
}

build_many_elf "$TMP/many.elf"; ok $? "a 25-CU ELF from the fixtures"
"$BTFSTREAM" --batch-records 200 --stats "$TMP/many.elf" -o "$TMP/s.btf" > "$TMP/s.stats"
n=$(left_out "$TMP/s.stats")
[ -n "$n" ] && [ "$n" -gt 0 ]; ok $? "--stats: copies of accumulated types left out in 200-record batches ($n)"
BTFSTREAM_ACC_EXACT=0 "$BTFSTREAM" --batch-records 200 --stats "$TMP/many.elf" -o "$TMP/a.btf" > "$TMP/a.stats"
[ "$(left_out "$TMP/a.stats")" = 0 ] && [ "$(accumulated "$TMP/a.stats")" -eq $(($(accumulated "$TMP/s.stats") + n)) ] &&
	cmp -s "$TMP/s.btf" "$TMP/a.btf"
ok $? "BTFSTREAM_ACC_EXACT=0: none left out, as many more types accumulated, the same bytes"
"$BTFSTREAM" --batch-records 200 --stats=json "$TMP/many.elf" -o "$TMP/j.btf" | tail -1 > "$TMP/s.json"
grep -q "\"acc_dropped\":$n," "$TMP/s.json"; ok $? "--stats=json: acc_dropped"
"$BTFSTREAM" --stats "$TMP/many.elf" -o "$TMP/one.btf" > "$TMP/one.stats" && cmp -s "$TMP/s.btf" "$TMP/one.btf"
ok $? "one batch: the same bytes as 200-record batches"
same "25 CUs, 200-record batches, -j3" -j3 --batch-records 200 "$TMP/many.elf"
BTFSTREAM_MERGE_THREADS=2 "$BTFSTREAM" -j3 --batch-records 200 "$TMP/many.elf" -o "$TMP/m2.btf" &&
	cmp -s "$TMP/s.btf" "$TMP/m2.btf"
ok $? "2 merge threads, 200-record batches: the same bytes"
BTFSTREAM_EXACT=0 "$BTFSTREAM" --batch-records 200 --stats "$TMP/many.elf" -o "$TMP/e.btf" > "$TMP/e.stats" &&
	cmp -s "$TMP/s.btf" "$TMP/e.btf" && [ "$(left_out "$TMP/e.stats")" -gt 0 ]
ok $? "the batches' own exact copies kept (BTFSTREAM_EXACT=0): copies of accumulated types still left out, the same bytes"
BTFSTREAM_COMPACT_TYPES=100 "$BTFSTREAM" --batch-records 200 --stats "$TMP/many.elf" -o "$TMP/c.btf" > "$TMP/c.stats" &&
	grep -q "deduped again [1-9][0-9]* time" "$TMP/c.stats" && cmp -s "$TMP/s.btf" "$TMP/c.btf"
ok $? "the accumulated BTF compacted on the way (libbpf's from then on): the same bytes"
BTFSTREAM_BATCH_NAME_OFFSETS=1 "$BTFSTREAM" --batch-records 200 --stats "$TMP/many.elf" -o "$TMP/o.btf" > "$TMP/o.stats" &&
	[ "$(left_out "$TMP/o.stats")" = 0 ] && cmp -s "$TMP/s.btf" "$TMP/o.btf"
ok $? "names as offsets (the accumulated BTF is libbpf's): none left out, the same bytes"
same_on_fixtures
same "25 CUs, 1-CU batches, -j2" -j2 --batch-records 1 "$TMP/many.elf"

kernel_or_done
same "the vmlinux, -j2" -j2 "$vmlinux"
cp "$TMP/default.out" "$TMP/vmlinux.btf"
"$BTFSTREAM" -j1 --stats "$vmlinux" -o "$TMP/j1.btf" > "$TMP/v.stats" && cmp -s "$TMP/vmlinux.btf" "$TMP/j1.btf"
ok $? "the vmlinux at -j1: the same bytes"
n=$(left_out "$TMP/v.stats")
[ -n "$n" ] && [ "$n" -gt 10000 ]; ok $? "the vmlinux: over 10,000 copies of accumulated types left out ($n)"
same "the vmlinux under --memory-limit 16M" -j2 --memory-limit 16M "$vmlinux"

done_testing
