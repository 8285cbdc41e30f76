#!/usr/bin/env bash
# A CU's types cross the queue as BTF bytes its reader encoded
# (stages/record/rec_btf.h; the default), and the writer copies the block
# and rewrites its names and refs in place. It must never change the
# output against one record per type, which the writer encodes
# (BTFSTREAM_RECORDS=1): a 25-CU ELF (every kind, tags, arrays) at -j1 and
# -j3 and in 1-CU batches, per-CPU and global variables (their places
# travel beside the bytes), a module as split BTF on a base (names as
# offsets there), and the Debian vmlinux and some of its modules. --stats
# and its JSON say which way the types went; pre-dedup takes records.
. "$(dirname "$0")/lib.sh"

echo "# 0035: a CU's types as bytes against one record each (about a minute)" >&2
same() { same_with BTFSTREAM_RECORDS=1 "$@"; }	# the default and BTFSTREAM_RECORDS=1 give the same bytes

build_many_elf "$TMP/many.elf"; ok $? "a 25-CU ELF from the fixtures"
"$BTFSTREAM" --stats "$TMP/many.elf" -o "$TMP/s.btf" > "$TMP/s.stats"
grep -q "^queue: a CU's types as BTF bytes its reader encoded" "$TMP/s.stats"; ok $? "--stats: as bytes"
BTFSTREAM_RECORDS=1 "$BTFSTREAM" --stats "$TMP/many.elf" -o "$TMP/r.btf" > "$TMP/r.stats"
grep -q "^queue: a CU's types as one record each" "$TMP/r.stats"; ok $? "--stats with BTFSTREAM_RECORDS=1: as records"
"$BTFSTREAM" --stats=json "$TMP/many.elf" -o "$TMP/s.btf" | tail -1 | grep -q '"cu_types_as":"bytes"'
ok $? "--stats=json: cu_types_as"
BTFSTREAM_PREDUP=1 "$BTFSTREAM" --stats "$TMP/many.elf" -o "$TMP/p.btf" > "$TMP/p.stats" &&
	grep -q "^queue: a CU's types as one record each" "$TMP/p.stats" && cmp -s "$TMP/s.btf" "$TMP/p.btf"
ok $? "pre-dedup takes the records, the same bytes"
same_on_fixtures

kernel_or_done
same "the vmlinux, -j2" -j2 "$vmlinux"
cp "$TMP/default.out" "$TMP/vmlinux.btf"
"$BTFSTREAM" -j2 --memory-limit 16M "$vmlinux" -o "$TMP/m.btf" && cmp -s "$TMP/vmlinux.btf" "$TMP/m.btf"
ok $? "the vmlinux under --memory-limit 16M: the same bytes"
mkdir -p "$TMP/mods-rec" "$TMP/mods-bytes"
BTFSTREAM_RECORDS=1 "$BTFSTREAM" -j2 --base "$TMP/vmlinux.btf" -o "$TMP/mods-rec" "${mods[@]}" &&
	"$BTFSTREAM" -j2 --base "$TMP/vmlinux.btf" -o "$TMP/mods-bytes" "${mods[@]}" &&
	diff -r "$TMP/mods-rec" "$TMP/mods-bytes" > /dev/null
ok $? "xfs, veth, nf_tables in batch mode: the same bytes either way"

done_testing
