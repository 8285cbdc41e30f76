#!/usr/bin/env bash
# Determinism on a many-CU input built here: the output bytes must not depend
# on -j, on the queue capacity or on the reorder window.
. "$(dirname "$0")/lib.sh"

# 25 CUs: the fixtures compiled several times under different names, linked.
build_many_elf "$TMP/many.elf" || skip_all "gcc cannot build the input"

"$BTFSTREAM" -j1 "$TMP/many.elf" -o "$TMP/j1.btf"; ok $? "-j1 converts"
for variant in "-j2" "-j4" "-j8" "-j3 --queue-capacity 2 --window 1" "-j2 --queue-capacity 4" "-j2 --memory-limit 1M" "-j4 --memory-limit 64M" "-j2 --batch-records 1" "-j2 --batch-records 300" "-j1 --batch-records 5000"; do
	f="$TMP/v.btf"
	"$BTFSTREAM" $variant "$TMP/many.elf" -o "$f" && cmp -s "$TMP/j1.btf" "$f"
	ok $? "$variant: byte-identical to -j1"
done
# batches handed to libbpf with their strings (it then hashes every string
# reference itself), or with them on a strings-only base (as for a libbpf
# that checks names), instead of behind a bare "" (stages/dedup/merge.c):
# same bytes
for variant in "-j2 --batch-records 1" "-j2"; do
	BTFSTREAM_HASH_BATCH_STRINGS=1 "$BTFSTREAM" $variant "$TMP/many.elf" -o "$TMP/m.btf" && cmp -s "$TMP/j1.btf" "$TMP/m.btf"
	ok $? "$variant, batch strings hashed by libbpf: byte-identical"
	BTFSTREAM_BATCH_STRINGS=base "$BTFSTREAM" $variant --stats "$TMP/many.elf" -o "$TMP/m.btf" > "$TMP/m.stats" &&
		cmp -s "$TMP/j1.btf" "$TMP/m.btf" && grep -q '^batch strings: 0 set aside behind a bare "", [1-9]' "$TMP/m.stats"
	ok $? "$variant, batch strings on a strings-only base: byte-identical"
done
# batches naming their types by offsets into strings of their own instead
# of by strtab ids (stages/dedup/batch_names.h; the default where libbpf
# does not check names, which --stats says): same bytes
"$BTFSTREAM" -j2 --stats "$TMP/many.elf" -o "$TMP/n.btf" > "$TMP/n.stats" && cmp -s "$TMP/j1.btf" "$TMP/n.btf"
ok $? "-j2 --stats: byte-identical"
if grep -q '^batch strings: .*(libbpf does not check names' "$TMP/n.stats"; then
	grep -q '^batch strings: .*; names as strtab ids' "$TMP/n.stats"
	ok $? "names as strtab ids where libbpf does not check them ($(grep '^batch strings' "$TMP/n.stats"))"
else
	grep -q '^batch strings: .*; names as offsets' "$TMP/n.stats"
	ok $? "names as offsets where libbpf checks them ($(grep '^batch strings' "$TMP/n.stats"))"
fi
for variant in "-j2 --batch-records 1" "-j2" "-j1 --memory-limit 1M"; do
	BTFSTREAM_BATCH_NAME_OFFSETS=1 "$BTFSTREAM" $variant --stats "$TMP/many.elf" -o "$TMP/n.btf" > "$TMP/n.stats" &&
		cmp -s "$TMP/j1.btf" "$TMP/n.btf" && grep -q '^batch strings: .*; names as offsets' "$TMP/n.stats"
	ok $? "$variant, batch names as offsets (BTFSTREAM_BATCH_NAME_OFFSETS=1): byte-identical"
done
# the final string compaction done by libbpf (btf__add_btf) instead of
# stages/dedup/str_compact.c: same bytes
BTFSTREAM_LIBBPF_COMPACT=1 "$BTFSTREAM" -j2 "$TMP/many.elf" -o "$TMP/c.btf" && cmp -s "$TMP/j1.btf" "$TMP/c.btf"
ok $? "string compaction by libbpf: byte-identical"
# each reader's Dwarf begun again before every CU, or every third
# (pipeline.c: it frees what libdw kept of the CUs read): same bytes
for n in 1 3; do
	BTFSTREAM_READER_DWARF_CUS=$n "$BTFSTREAM" -j2 "$TMP/many.elf" -o "$TMP/d.btf" && cmp -s "$TMP/j1.btf" "$TMP/d.btf"
	ok $? "a fresh Dwarf every $n CUs per reader: byte-identical"
done
# by default a reader begins its Dwarf again only after 256 CUs during which
# it asked libdw about a DIE (the readers decode DIEs themselves; libdw's
# handle grows only with those CUs); --stats=json counts both
json_num() { sed -n "s/.*\"$1\":\([0-9]*\).*/\1/p" "$2"; }
"$BTFSTREAM" -j2 --stats=json "$TMP/many.elf" -o "$TMP/d.btf" > "$TMP/d.json" && cmp -s "$TMP/j1.btf" "$TMP/d.btf"
ok $? "--stats=json run: byte-identical"
cus=$(json_num cus_read "$TMP/d.json"); asked=$(json_num libdw_cus "$TMP/d.json")
renewed=$(json_num dwarf_renewals "$TMP/d.json")
[ "$cus" = 25 ] && [ -n "$asked" ] && [ "$asked" -le "$cus" ] && [ "$renewed" = 0 ]
ok $? "25 CUs read, $asked asked libdw, the handles kept ($renewed begun again)"
BTFSTREAM_READER_DWARF_CUS=1 "$BTFSTREAM" -j1 --stats=json "$TMP/many.elf" -o "$TMP/d.btf" > "$TMP/d.json"
[ "$(json_num dwarf_renewals "$TMP/d.json")" = 24 ]
ok $? "a fixed period of 1 CU, one reader: begun again before each of the 24 CUs after its first"
# 70 CUs: with a global variable each (its size is libdw's dwarf_aggregate_size),
# every CU asks libdw and, under a tight budget (a renewal after 64 such CUs),
# the handle is begun again once; without variables no CU asks and it is kept
mkdir -p "$TMP/cus"
for k in $(seq 70); do
	printf 'struct s%d { int a; long b; };\nstruct s%d v%d = { %d, 0 };\n' $k $k $k $k > "$TMP/cus/c$k.c"
	printf 'struct t%d { int a; long b; };\nint f%d(struct t%d *p) { return p->a; }\n' $k $k $k > "$TMP/cus/d$k.c"
done
if gcc -g -O0 -shared -fPIC -o "$TMP/vars.so" "$TMP"/cus/c*.c 2> /dev/null &&
   gcc -g -O0 -shared -fPIC -o "$TMP/novars.so" "$TMP"/cus/d*.c 2> /dev/null; then
	"$BTFSTREAM" -j1 --memory-limit 16M --btf-features default,global_var --stats=json "$TMP/vars.so" -o "$TMP/v1.btf" \
		> "$TMP/v.json" 2> /dev/null
	[ "$(json_num libdw_cus "$TMP/v.json")" -ge 64 ] && [ "$(json_num dwarf_renewals "$TMP/v.json")" -ge 1 ]
	ok $? "70 CUs whose variables ask libdw: begun again ($(json_num libdw_cus "$TMP/v.json") asked, $(json_num dwarf_renewals "$TMP/v.json") renewals)"
	BTFSTREAM_READER_DWARF_CUS=1 "$BTFSTREAM" -j1 --btf-features default,global_var "$TMP/vars.so" -o "$TMP/v2.btf" &&
		cmp -s "$TMP/v1.btf" "$TMP/v2.btf"
	ok $? "... byte-identical to a renewal before every CU"
	"$BTFSTREAM" -j1 --memory-limit 16M --stats=json "$TMP/novars.so" -o "$TMP/n.btf" > "$TMP/n.json" 2> /dev/null
	[ "$(json_num cus_read "$TMP/n.json")" -ge 70 ] && [ "$(json_num libdw_cus "$TMP/n.json")" -lt 64 ] &&
		[ "$(json_num dwarf_renewals "$TMP/n.json")" = 0 ]
	ok $? "70 CUs that do not ask libdw: the handle kept ($(json_num libdw_cus "$TMP/n.json") asked)"
else
	skip "gcc cannot build the 70-CU inputs"
	skip "gcc cannot build the 70-CU inputs"
	skip "gcc cannot build the 70-CU inputs"
fi
# several merge threads dedup batches at once and append them in turn
# (stages/dedup/merge.h); -j16 picks its own count (four with 16 CPUs)
for variant in "2 --batch-records 1" "3 --batch-records 7" "16 --batch-records 1" "0 -j16 --batch-records 3"; do
	set -- $variant
	m=$1; shift
	BTFSTREAM_MERGE_THREADS=$m "$BTFSTREAM" -j2 "$@" "$TMP/many.elf" -o "$TMP/mt.btf" && cmp -s "$TMP/j1.btf" "$TMP/mt.btf"
	ok $? "merge threads ${m/#0/default}, $*: byte-identical"
done
for run in 1 2 3; do
	"$BTFSTREAM" -j4 --queue-capacity 2 "$TMP/many.elf" -o "$TMP/r.btf" && cmp -s "$TMP/j1.btf" "$TMP/r.btf"
	ok $? "repeat $run of -j4 with a tiny queue: byte-identical"
done
done_testing
