#!/usr/bin/env bash
# Under a memory budget the merge thread dedups the accumulated BTF again
# whenever it outgrows its share (stages/dedup/merge_compact.h), carrying the
# anchors' final ids across. It must never change the output: on a many-CU
# input built here with the compaction forced after every few batches
# (BTFSTREAM_COMPACT_TYPES=N: at N types, budget or not), on the Debian
# vmlinux under budgets, and on the largest modules converted on their own
# (no base: split BTF is never compacted, which the last check shows). Each
# comparison also checks in --stats that compactions happened, so it is not
# between two runs that did the same thing.
. "$(dirname "$0")/lib.sh"

compactions() {	# compactions STATS_JSON: the count --stats=json gave
	sed -n 's/.*"compactions":\([0-9]*\).*/\1/p' "$1"
}
same_and_compacted() {	# same_and_compacted REF OUT STATS WHAT
	local n
	n=$(compactions "$3")
	cmp -s "$1" "$2" && [ "${n:-0}" -gt 0 ]
	ok $? "$4: byte-identical, ${n:-no} compactions"
}

build_many_elf "$TMP/many.elf" || skip_all "gcc cannot build the input"

"$BTFSTREAM" -j1 --stats=json "$TMP/many.elf" -o "$TMP/ref.btf" > "$TMP/ref.json"
ok $? "reference: -j1, no budget"
[ "$(compactions "$TMP/ref.json")" = 0 ]; ok $? "no budget: never compacted"
for v in "1 -j1 --batch-records 1" "8 -j2 --batch-records 1" "50 -j2 --batch-records 40" "100 -j3 --batch-records 100 --memory-limit 24M"; do
	# shellcheck disable=SC2086
	BTFSTREAM_COMPACT_TYPES=${v%% *} "$BTFSTREAM" ${v#* } --stats=json "$TMP/many.elf" -o "$TMP/c.btf" > "$TMP/c.json"
	same_and_compacted "$TMP/ref.btf" "$TMP/c.btf" "$TMP/c.json" "at ${v%% *} types, ${v#* }"
done

[ -n "${BTFSTREAM_SKIP_KERNEL:-}" ] && { done_testing; exit; }
vmlinux=$(cd "$TOP" && scripts/fetch-kernel.sh) || { done_testing; exit; }
echo "# 0029: the accumulated BTF compacted, vmlinux and modules (about a minute)" >&2

"$BTFSTREAM" -j2 --memory-limit none "$vmlinux" -o "$TMP/v-ref.btf"; ok $? "vmlinux reference: no budget"
for args in "-j2 --memory-limit 16M" "-j1 --memory-limit 48M"; do
	# shellcheck disable=SC2086
	"$BTFSTREAM" $args --stats=json "$vmlinux" -o "$TMP/v.btf" > "$TMP/v.json"
	same_and_compacted "$TMP/v-ref.btf" "$TMP/v.btf" "$TMP/v.json" "vmlinux, $args"
done

moddir=$(cd "$TOP" && scripts/fetch-kernel.sh --modules | tail -n 1) || moddir=""
if [ -n "$moddir" ]; then
	bad=0 n=0
	# the 20 largest: the most types, so the most compactions
	for ko in $(find "$moddir" -name '*.ko' -printf '%s %p\n' | sort -rn | head -n 20 | cut -d' ' -f2); do
		"$BTFSTREAM" "$ko" -o "$TMP/m-ref.btf" 2> /dev/null || { bad=$((bad + 1)); continue; }
		BTFSTREAM_COMPACT_TYPES=64 "$BTFSTREAM" -j2 --batch-records 1024 --stats=json "$ko" -o "$TMP/m.btf" > "$TMP/m.json" 2> /dev/null
		if ! cmp -s "$TMP/m-ref.btf" "$TMP/m.btf" || [ "$(compactions "$TMP/m.json")" -eq 0 ]; then
			diag "$(basename "$ko"): differs, or not compacted"
			bad=$((bad + 1))
		fi
		n=$((n + 1))
	done
	[ $bad = 0 ] && [ $n -gt 0 ]; ok $? "$n modules on their own, compacted every 64 types: byte-identical"
	ko=$(find "$moddir" -name '*.ko' -printf '%s %p\n' | sort -rn | head -n 1 | cut -d' ' -f2)
	"$BTFSTREAM" --base "$TMP/v-ref.btf" "$ko" -o "$TMP/s-ref.btf" 2> /dev/null
	BTFSTREAM_COMPACT_TYPES=64 "$BTFSTREAM" --batch-records 1024 --stats=json --base "$TMP/v-ref.btf" "$ko" -o "$TMP/s.btf" > "$TMP/s.json" 2> /dev/null
	cmp -s "$TMP/s-ref.btf" "$TMP/s.btf" && [ "$(compactions "$TMP/s.json")" = 0 ]
	ok $? "$(basename "$ko") on the vmlinux (split BTF): never compacted, same bytes"
else
	skip "no modules fetched"; skip "no modules fetched"
fi
done_testing
