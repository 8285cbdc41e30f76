#!/usr/bin/env bash
# Memory running out in the merge threads (stages/dedup/merge.h): an
# LD_PRELOAD library (tests/tools/fail_alloc.c) fails every allocation of
# the threads named btfs-merge* after the first N. With three merge
# threads deduping batches at once and appending them in turn, each run
# must end with exit 1, one line naming the input and the batch, no
# output file, and no hang (a batch whose thread failed still passes its
# turn). Also the first allocation of a reader, and on the vmlinux the
# main thread's after N (the string table is then left to the process's
# end). Other places where libdw
# (elfutils 0.188) and liburcu abort on a failed allocation are outside
# btfstream (docs/reliability.md).
. "$(dirname "$0")/lib.sh"

ldd "$BTFSTREAM" 2> /dev/null | grep -q 'libasan\|libtsan' &&
	skip_all "a sanitizer build: its runtime must be the first library, and it owns malloc"
command -v gcc > /dev/null || skip_all "gcc not installed"
gcc -O2 -shared -fPIC -o "$TMP/fail_alloc.so" "$TOP/tests/tools/fail_alloc.c" 2> "$TMP/cc.err" ||
	skip_all "cannot build the allocation-failing library: $(head -1 "$TMP/cc.err")"
build_many_elf "$TMP/many.elf" || skip_all "gcc cannot build the input"
"$BTFSTREAM" -j2 "$TMP/many.elf" -o "$TMP/ref.btf"; ok $? "the input converts (the reference)"

# fails THREAD N INPUT WHAT ARGS...: a run whose THREAD allocations fail after N
fails() {
	local thread=$1 n=$2 input=$3 what=$4 rc lines
	shift 4
	rm -f "$TMP/out.btf"
	FAIL_ALLOC_THREAD=$thread FAIL_ALLOC_AFTER=$n LD_PRELOAD="$TMP/fail_alloc.so" \
		timeout 300 "$BTFSTREAM" "$@" "$input" -o "$TMP/out.btf" 2> "$TMP/err"
	rc=$?
	lines=$(grep -c . "$TMP/err")
	[ $rc = 1 ] && [ "$lines" = 1 ] && grep -q "^btfstream: .*$(basename "$input").*memory" "$TMP/err" &&
		[ ! -e "$TMP/out.btf" ]
	ok $? "$what: exit $rc (1), $lines line (1): $(head -c 160 "$TMP/err")"
}

for n in 0 3 40 400; do
	BTFSTREAM_MERGE_THREADS=3 fails btfs-merge $n "$TMP/many.elf" \
		"three merge threads, 1-record batches, merge allocations fail after $n" -j2 --batch-records 1
done
fails btfs-read 0 "$TMP/many.elf" "a reader's first allocation fails" -j2
# the allocations have an end: with room for all, the same bytes
FAIL_ALLOC_THREAD=btfs-merge FAIL_ALLOC_AFTER=100000000 LD_PRELOAD="$TMP/fail_alloc.so" BTFSTREAM_MERGE_THREADS=3 \
	"$BTFSTREAM" -j2 --batch-records 1 "$TMP/many.elf" -o "$TMP/all.btf" && cmp -s "$TMP/ref.btf" "$TMP/all.btf"
ok $? "with the library loaded and no allocation failing: the same bytes"

if [ -z "${BTFSTREAM_SKIP_KERNEL:-}" ] && vmlinux=$(cd "$TOP" && scripts/fetch-kernel.sh 2> /dev/null); then
	for n in 0 30000 100000; do
		BTFSTREAM_MERGE_THREADS=3 fails btfs-merge $n "$vmlinux" "the vmlinux, three merge threads, after $n" -j2
	done
	# the main thread (the writer, function selection, the final dedup):
	# the string table is not torn down after such a failure (liburcu
	# aborted when emptying it could not allocate: SIGABRT until session 10)
	for n in 1000 30000 100000; do
		fails btfstream $n "$vmlinux" "the vmlinux, the main thread's allocations fail after $n" -j2
	done
else
	skip "the vmlinux: no kernel (BTFSTREAM_SKIP_KERNEL, or cannot fetch it)"
fi
done_testing
