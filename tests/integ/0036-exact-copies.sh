#!/usr/bin/env bash
# The writer leaves out a record whose bytes, its refs resolved, equal a
# type already in its batch (stages/write/exact_dup.h), deciding a CU's
# records in the order its reader sent (stages/record/rec_order.h). It must
# never change the output against writing them all (BTFSTREAM_EXACT=0): a
# 25-CU ELF at -j1/-j3, in 1-CU batches and with every feature, variables,
# a module as split BTF, the Debian vmlinux (-j1, -j2, --memory-limit 16M)
# and some of its modules in batch mode. --stats and its JSON say how many
# were left out; names as offsets (BTFSTREAM_BATCH_NAME_OFFSETS=1) turn it
# off, with the same bytes.
. "$(dirname "$0")/lib.sh"

echo "# 0036: exact copies left out against all written (about a minute)" >&2
same() { same_with BTFSTREAM_EXACT=0 "$@"; }	# the default and BTFSTREAM_EXACT=0 give the same bytes
left_out() {	# left_out STATS_FILE: the count on the --stats line
	sed -n 's/^exact copies: \([0-9]*\) of [0-9]* records left out.*/\1/p' "$1"
}

build_many_elf "$TMP/many.elf"; ok $? "a 25-CU ELF from the fixtures"
"$BTFSTREAM" --stats "$TMP/many.elf" -o "$TMP/s.btf" > "$TMP/s.stats"
n=$(left_out "$TMP/s.stats")
[ -n "$n" ] && [ "$n" -gt 0 ]; ok $? "--stats: records left out ($n)"
"$BTFSTREAM" --stats=json "$TMP/many.elf" -o "$TMP/s.btf" | tail -1 > "$TMP/s.json"
grep -q '"exact":true' "$TMP/s.json" && grep -q "\"exact_dropped\":$n," "$TMP/s.json"
ok $? "--stats=json: exact and exact_dropped"
"$BTFSTREAM" -j1 --stats "$TMP/many.elf" -o "$TMP/j1.btf" | grep -q "order to decide them in made by the writer" &&
	"$BTFSTREAM" -j2 --stats "$TMP/many.elf" -o "$TMP/j2.btf" | grep -q "order to decide them in made by the readers" &&
	cmp -s "$TMP/j1.btf" "$TMP/j2.btf"
ok $? "one reader: the writer makes the order; two: the readers do; the same bytes"
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
"$BTFSTREAM" -j1 "$vmlinux" -o "$TMP/j1.btf" && cmp -s "$TMP/vmlinux.btf" "$TMP/j1.btf"
ok $? "the vmlinux at -j1: the same bytes"
"$BTFSTREAM" -j2 --memory-limit 16M "$vmlinux" -o "$TMP/m.btf" && cmp -s "$TMP/vmlinux.btf" "$TMP/m.btf"
ok $? "the vmlinux under --memory-limit 16M: the same bytes"
"$BTFSTREAM" -j2 --stats "$vmlinux" -o "$TMP/v.btf" > "$TMP/v.stats"
n=$(left_out "$TMP/v.stats")
[ -n "$n" ] && [ "$n" -gt 1000000 ]; ok $? "the vmlinux: over a million records left out ($n)"
mkdir -p "$TMP/mods-all" "$TMP/mods-exact"
BTFSTREAM_EXACT=0 "$BTFSTREAM" -j2 --base "$TMP/vmlinux.btf" -o "$TMP/mods-all" "${mods[@]}" &&
	"$BTFSTREAM" -j2 --base "$TMP/vmlinux.btf" -o "$TMP/mods-exact" "${mods[@]}" &&
	diff -r "$TMP/mods-all" "$TMP/mods-exact" > /dev/null
ok $? "xfs, veth, nf_tables in batch mode: the same bytes either way"
"$BTFSTREAM" --base "$TMP/vmlinux.btf" "${mods[0]}" -o "$TMP/xfs.btf" && cmp -s "$TMP/xfs.btf" "$TMP/mods-exact/xfs.ko.btf"
ok $? "xfs in a process of its own: the same bytes as in batch mode"

done_testing
