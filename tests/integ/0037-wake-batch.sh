#!/usr/bin/env bash
# With one reader, the reader wakes the writer once half its ring waits, not
# once per CU (pipeline/threads.c reader_wake_batch, queue/ring_mpsc.h
# ring_mpsc__set_wake_batch), and at once before it waits for the writer:
# for the window (25 small CUs fill it long before 4,096 records; a full
# ring wakes the writer by itself), and at its end. A forgotten case is a
# run that never ends, so every run here has a timeout. The bytes never change; --stats
# says how the writer was woken, and on the vmlinux it sleeps far less often.
. "$(dirname "$0")/lib.sh"

echo "# 0037: the writer woken once a batch of records waits (about a minute)" >&2
T=120
run() { timeout "$T" "$BTFSTREAM" "$@"; }	# a deadlock fails the test, it does not hang it
json() { run --stats=json "$@" -o "$TMP/j.btf" | tail -1; }
field() { sed -n "s/.*\"$1\":\([0-9]*\).*/\1/p"; }
same() {	# same WHAT ARGS...: per-CU wake-ups and the default give the same bytes, both within $T s
	local what=$1
	shift
	BTFSTREAM_WAKE_BATCH=0 run "$@" -o "$TMP/percu.out" && run "$@" -o "$TMP/default.out" &&
		cmp -s "$TMP/percu.out" "$TMP/default.out"
	ok $? "$what: the same bytes either way, within $T s"
}

build_many_elf "$TMP/many.elf"; ok $? "a 25-CU ELF from the fixtures"
is_eq() { [ "$1" = "$2" ]; ok $? "$3 ($1, expected $2)"; }
is_eq "$(json -j1 "$TMP/many.elf" | field wake_batch)" 4096 "-j1: half the default ring of 8,192 records"
is_eq "$(json -j1 --queue-capacity 64 "$TMP/many.elf" | field wake_batch)" 32 "-j1 --queue-capacity 64: half of it"
is_eq "$(json -j3 "$TMP/many.elf" | field wake_batch)" 0 "-j3: per CU"
is_eq "$(BTFSTREAM_WAKE_BATCH=0 json -j1 "$TMP/many.elf" | field wake_batch)" 0 "BTFSTREAM_WAKE_BATCH=0: per CU"
is_eq "$(BTFSTREAM_WAKE_BATCH=50 json -j3 "$TMP/many.elf" | field wake_batch)" 50 "BTFSTREAM_WAKE_BATCH=50 at -j3"
run -j1 --stats "$TMP/many.elf" -o "$TMP/s.btf" | grep -q "^queue: .*woken once 4096 records wait"
ok $? "--stats says it"

same "25 CUs, -j1 (the window waits)" -j1 "$TMP/many.elf"
same "25 CUs, -j1, a window of 1 CU" -j1 --window 1 "$TMP/many.elf"
same "25 CUs, -j1, 2-record queue" -j1 --queue-capacity 2 "$TMP/many.elf"
same "25 CUs, -j1, 1-CU batches" -j1 --batch-records 1 "$TMP/many.elf"
BTFSTREAM_READER_DWARF_CUS=1 same "25 CUs, -j1, libdw begun again after every CU" -j1 "$TMP/many.elf"
BTFSTREAM_WAKE_BATCH=100000 run -j3 --queue-capacity 64 "$TMP/many.elf" -o "$TMP/w.btf" &&
	cmp -s "$TMP/w.btf" "$TMP/default.out"
ok $? "3 readers, each holding back up to its whole ring: the same bytes, within $T s"
build_base_and_module "$TMP/base.btf" "$TMP/mod.o"; ok $? "a base and a module object"
same "a module, split BTF, -j1" -j1 --base "$TMP/base.btf" "$TMP/mod.o"

kernel_or_done
same "the vmlinux, -j1" -j1 "$vmlinux"
same "the vmlinux, -j1, 64-record queue" -j1 --queue-capacity 64 "$vmlinux"
percu=$(BTFSTREAM_WAKE_BATCH=0 json -j1 "$vmlinux" | field writer_sleeps)
batched=$(json -j1 "$vmlinux" | field writer_sleeps)
[ -n "$percu" ] && [ -n "$batched" ] && [ $((batched * 2)) -lt "$percu" ]
ok $? "the vmlinux, -j1: the writer waits on its empty ring less than half as often ($batched against $percu per CU)"
mkdir -p "$TMP/mods-percu" "$TMP/mods"
BTFSTREAM_WAKE_BATCH=0 run -j1 --base "$TMP/default.out" -o "$TMP/mods-percu" "${mods[@]}" &&
	run -j1 --base "$TMP/default.out" -o "$TMP/mods" "${mods[@]}" && diff -r "$TMP/mods-percu" "$TMP/mods" > /dev/null
ok $? "xfs, veth, nf_tables in batch mode at -j1: the same bytes either way"

done_testing
