#!/usr/bin/env bash
# The merge thread that dedups a batch first leaves out each record whose
# bytes, its refs resolved, equal a type already in the batch
# (stages/dedup/batch_exact.h), deciding a CU's records in the order its
# reader sent or the merge thread makes (stages/record/rec_order.h). It
# must never change the output against keeping them all (BTFSTREAM_EXACT=0):
# a 25-CU ELF at -j1/-j3, in 1-CU batches and with every feature, on 2 and
# 3 merge threads, variables, a module as split BTF, the Debian vmlinux
# (-j1, -j2, --memory-limit 16M, 2 merge threads) and some of its modules in
# batch mode. --stats, its JSON and --trace say how many were left out and
# where; names as offsets (BTFSTREAM_BATCH_NAME_OFFSETS=1) turn it off, with
# the same bytes. Records on cycles are left out a component at a time (an
# earlier CU's exact copy standing for it); BTFSTREAM_EXACT_CYCLES=0 keeps
# them, with the same bytes.
. "$(dirname "$0")/lib.sh"

echo "# 0036: exact copies left out against all written (about a minute)" >&2
same() { same_with BTFSTREAM_EXACT=0 "$@"; }	# the default and BTFSTREAM_EXACT=0 give the same bytes
left_out() {	# left_out STATS_FILE: the count on the --stats line
	sed -n 's/^exact copies: \([0-9]*\) of [0-9]* records left out.*/\1/p' "$1"
}
on_cycles() {	# on_cycles STATS_FILE: how many of them were on cycles
	sed -n 's/^exact copies: .*, \([0-9]*\) of them on cycles.*/\1/p' "$1"
}

build_many_elf "$TMP/many.elf"; ok $? "a 25-CU ELF from the fixtures"
"$BTFSTREAM" --stats "$TMP/many.elf" -o "$TMP/s.btf" > "$TMP/s.stats"
n=$(left_out "$TMP/s.stats")
[ -n "$n" ] && [ "$n" -gt 0 ]; ok $? "--stats: records left out ($n)"
"$BTFSTREAM" --stats=json "$TMP/many.elf" -o "$TMP/s.btf" | tail -1 > "$TMP/s.json"
grep -q '"exact":true' "$TMP/s.json" && grep -q "\"exact_dropped\":$n," "$TMP/s.json"
ok $? "--stats=json: exact and exact_dropped"
c=$(on_cycles "$TMP/s.stats")
[ -n "$c" ] && [ "$c" -gt 0 ] && [ "$c" -lt "$n" ] && grep -q "\"exact_cyclic\":$c," "$TMP/s.json"
ok $? "--stats and its JSON: records on cycles among them ($c)"
BTFSTREAM_EXACT_CYCLES=0 "$BTFSTREAM" --stats "$TMP/many.elf" -o "$TMP/nc.btf" > "$TMP/nc.stats" &&
	cmp -s "$TMP/s.btf" "$TMP/nc.btf" && [ "$(on_cycles "$TMP/nc.stats")" = 0 ] &&
	[ "$(left_out "$TMP/nc.stats")" -lt "$n" ]
ok $? "BTFSTREAM_EXACT_CYCLES=0: none on cycles left out, fewer in all, the same bytes"
"$BTFSTREAM" -j1 --stats "$TMP/many.elf" -o "$TMP/j1.btf" | grep -q "order to decide them in made by the merge threads" &&
	"$BTFSTREAM" -j2 --stats "$TMP/many.elf" -o "$TMP/j2.btf" | grep -q "order to decide them in made by the readers" &&
	cmp -s "$TMP/j1.btf" "$TMP/j2.btf"
ok $? "one reader: the merge thread makes the order; two: the readers do; the same bytes"
for m in 2 3; do
	BTFSTREAM_MERGE_THREADS=$m "$BTFSTREAM" -j3 --batch-records 200 --stats "$TMP/many.elf" -o "$TMP/m$m.btf" \
		> "$TMP/m$m.stats" && cmp -s "$TMP/s.btf" "$TMP/m$m.btf" && [ "$(left_out "$TMP/m$m.stats")" -gt 0 ]
	ok $? "$m merge threads, 200-record batches: copies left out, the same bytes"
done
"$BTFSTREAM" -j2 --trace="$TMP/t.json" --stats=json --batch-records 200 "$TMP/many.elf" -o "$TMP/t.btf" |
	tail -1 > "$TMP/t.stats" &&
	python3 -c 'import json,sys; e=json.load(open(sys.argv[1]))["traceEvents"]
n=[x["args"]["types"] for x in e if x.get("name")=="exact copies left out"]
s=json.load(open(sys.argv[2]))
sys.exit(not (len(n) > 1 and sum(n) == s["exact_dropped"] > 0))' "$TMP/t.json" "$TMP/t.stats"
ok $? "--trace: a slice per batch for the copies left out; their counts add up to --stats"
BTFSTREAM_EXACT=0 "$BTFSTREAM" --stats "$TMP/many.elf" -o "$TMP/a.btf" > "$TMP/a.stats"
grep -q "^exact copies: all written" "$TMP/a.stats" && cmp -s "$TMP/s.btf" "$TMP/a.btf"
ok $? "BTFSTREAM_EXACT=0: all written, the same bytes"
BTFSTREAM_BATCH_NAME_OFFSETS=1 "$BTFSTREAM" --stats "$TMP/many.elf" -o "$TMP/o.btf" > "$TMP/o.stats"
grep -q "^exact copies: all written" "$TMP/o.stats" && cmp -s "$TMP/s.btf" "$TMP/o.btf"
ok $? "names as offsets: all written, the same bytes"
same_on_fixtures

kernel_or_done
same "the vmlinux, -j2" -j2 "$vmlinux"
cp "$TMP/default.out" "$TMP/vmlinux.btf"
BTFSTREAM_MERGE_THREADS=2 "$BTFSTREAM" -j2 "$vmlinux" -o "$TMP/m2.btf" && cmp -s "$TMP/vmlinux.btf" "$TMP/m2.btf"
ok $? "the vmlinux on 2 merge threads: the same bytes"
"$BTFSTREAM" -j1 "$vmlinux" -o "$TMP/j1.btf" && cmp -s "$TMP/vmlinux.btf" "$TMP/j1.btf"
ok $? "the vmlinux at -j1: the same bytes"
"$BTFSTREAM" -j2 --memory-limit 16M "$vmlinux" -o "$TMP/m.btf" && cmp -s "$TMP/vmlinux.btf" "$TMP/m.btf"
ok $? "the vmlinux under --memory-limit 16M: the same bytes"
"$BTFSTREAM" -j2 --stats "$vmlinux" -o "$TMP/v.btf" > "$TMP/v.stats"
n=$(left_out "$TMP/v.stats")
[ -n "$n" ] && [ "$n" -gt 1000000 ]; ok $? "the vmlinux: over a million records left out ($n)"
c=$(on_cycles "$TMP/v.stats")
[ -n "$c" ] && [ "$c" -gt 100000 ]; ok $? "the vmlinux: over 100,000 of them on cycles ($c)"
BTFSTREAM_EXACT_CYCLES=0 "$BTFSTREAM" -j2 "$vmlinux" -o "$TMP/nc.btf" && cmp -s "$TMP/vmlinux.btf" "$TMP/nc.btf"
ok $? "the vmlinux with BTFSTREAM_EXACT_CYCLES=0: the same bytes"
mkdir -p "$TMP/mods-all" "$TMP/mods-exact"
BTFSTREAM_EXACT=0 "$BTFSTREAM" -j2 --base "$TMP/vmlinux.btf" -o "$TMP/mods-all" "${mods[@]}" &&
	"$BTFSTREAM" -j2 --base "$TMP/vmlinux.btf" -o "$TMP/mods-exact" "${mods[@]}" &&
	diff -r "$TMP/mods-all" "$TMP/mods-exact" > /dev/null
ok $? "xfs, veth, nf_tables in batch mode: the same bytes either way"
"$BTFSTREAM" --base "$TMP/vmlinux.btf" "${mods[0]}" -o "$TMP/xfs.btf" && cmp -s "$TMP/xfs.btf" "$TMP/mods-exact/xfs.ko.btf"
ok $? "xfs in a process of its own: the same bytes as in batch mode"

done_testing
