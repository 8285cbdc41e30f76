#!/usr/bin/env bash
# The end of the stream adds its FUNCs, their DECL_TAGs and the DATASECs
# under names the accumulated strings hold already (the merger places them
# by strtab id: stages/write/named_type.h), not through libbpf's string
# lookups. It must never change the output against the lookups
# (BTFSTREAM_NAMED_END=0): functions with kfunc and fastcall tags (gcc and
# clang), arena attributes (whose TYPE_TAGs still go through libbpf), the
# fixtures, and the Debian vmlinux (-j1, -j2, every feature). --stats and
# its JSON say which way ran; where the accumulated BTF is libbpf's (names
# as offsets, a base) the lookups do.
. "$(dirname "$0")/lib.sh"

echo "# 0039: the end of the stream named by offsets against libbpf's lookups (about a minute)" >&2
same() { same_with BTFSTREAM_NAMED_END=0 "$@"; }
named() {	# named STATS_FILE: 0 when the run named its types by offsets
	grep -q '^end of stream: FUNCs, their tags and DATASECs named by offsets' "$1"
}

for cc in gcc clang; do
	if ! command -v $cc > /dev/null; then skip "$cc not installed"; continue; fi
	(cd "$FIXTURES/funcs" && $cc -w -g -O2 -fno-inline-small-functions a.c b.c kfuncs.c clones.c -o "$TMP/f.$cc.elf")
	ok $? "$cc: the functions fixture builds"
	"$BTFSTREAM" --stats "$TMP/f.$cc.elf" -o "$TMP/f.btf" > "$TMP/f.stats" && named "$TMP/f.stats" &&
		grep -q 'kfunc tags [1-9]' "$TMP/f.stats"
	ok $? "$cc: --stats: named by offsets, kfunc tags among them"
	same "$cc: functions, kfunc and fastcall tags" "$TMP/f.$cc.elf"
	same "$cc: functions at -j3, in 1-CU batches" -j3 --batch-records 1 "$TMP/f.$cc.elf"
done
gcc -g -O2 "$FIXTURES/funcs/arena.c" -o "$TMP/arena"; ok $? "the arena fixture builds"
same "arena attributes" --btf_features=+attributes "$TMP/arena"

"$BTFSTREAM" --stats=json "$TMP/arena" -o "$TMP/a.btf" | tail -1 > "$TMP/on.json"
grep -q '"named_end":true,' "$TMP/on.json"; ok $? "--stats=json: named_end true"
BTFSTREAM_NAMED_END=0 "$BTFSTREAM" --stats "$TMP/arena" -o "$TMP/a0.btf" > "$TMP/off.stats"
! named "$TMP/off.stats" && grep -q "^end of stream: .*libbpf's string lookups" "$TMP/off.stats"
ok $? "BTFSTREAM_NAMED_END=0: --stats says libbpf's lookups"
BTFSTREAM_BATCH_NAME_OFFSETS=1 "$BTFSTREAM" --stats "$TMP/arena" -o "$TMP/o.btf" > "$TMP/o.stats" &&
	! named "$TMP/o.stats" && cmp -s "$TMP/a.btf" "$TMP/o.btf"
ok $? "names as offsets (the accumulated BTF is libbpf's): the lookups, the same bytes"

build_many_elf "$TMP/many.elf"; ok $? "a 25-CU ELF from the fixtures"
same_on_fixtures
build_base_and_module "$TMP/base.btf" "$TMP/mod.o" &&
	"$BTFSTREAM" --stats --base "$TMP/base.btf" "$TMP/mod.o" -o "$TMP/m.btf" > "$TMP/m.stats" && ! named "$TMP/m.stats"
ok $? "a module on a base: the lookups"

kernel_or_done
same "the vmlinux, -j2" -j2 "$vmlinux"
same "the vmlinux, -j1, every feature" -j1 --btf-features=all "$vmlinux"
done_testing
