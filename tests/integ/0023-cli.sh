#!/usr/bin/env bash
# The command line's first contact (issue 16, items 3-6): a mistake is one
# line that says what to do, exit 2, nothing written; an output folder that
# is not there is said before any work; a --memory-limit too small to help
# is raised to the floor with one warning, the output unchanged.
. "$(dirname "$0")/lib.sh"
gcc -w -g -O0 -o "$TMP/k.elf" "$FIXTURES/kinds.c" && "$BTFSTREAM" "$TMP/k.elf" -o "$TMP/ref.btf"
ok $? "the kinds fixture converts"
cd "$TMP" || exit 1

"$BTFSTREAM" -j abc k.elf -o out.btf 2> e; r=$?
[ $r = 2 ] && [ "$(wc -l < e)" = 1 ] && grep -q "'abc' is not a number of jobs, nor a file" e && [ ! -e out.btf ]
ok $? "-j abc: exit $r, one line ($(cat e)), no output (was: abc taken as an input, batch mode, a folder out.btf/)"
"$BTFSTREAM" -j 2 k.elf -o j2.btf && cmp -s j2.btf ref.btf; ok $? "-j 2 FILE: 2 jobs"
"$BTFSTREAM" -j k.elf -o j.btf && cmp -s j.btf ref.btf; ok $? "-j FILE (pahole's -j alone, then the input)"
"$BTFSTREAM" --jobs=abc k.elf -o out.btf 2> e; [ $? = 2 ] && [ ! -e out.btf ]; ok $? "--jobs=abc: exit 2"

"$BTFSTREAM" --bogus k.elf -o out.btf > o 2> e; r=$?
[ $r = 2 ] && [ "$(cat e)" = "btfstream: unknown option '--bogus'; see btfstream --help" ] && [ ! -s o ] && [ ! -e out.btf ]
ok $? "an unknown option: exit $r, one line, no help text ($(cat e))"
"$BTFSTREAM" -x k.elf 2> e; [ $? = 2 ] && [ "$(cat e)" = "btfstream: unknown option '-x'; see btfstream --help" ]
ok $? "an unknown short option: $(cat e)"
"$BTFSTREAM" k.elf -o 2> e; [ $? = 2 ] && [ "$(cat e)" = "btfstream: option '-o' needs a value; see btfstream --help" ]
ok $? "a missing value: $(cat e)"
"$BTFSTREAM" diff --bogus a b 2> e; [ $? = 2 ] && grep -q "^btfstream diff: unknown option '--bogus'" e
ok $? "diff: $(cat e)"
"$BTFSTREAM" diff a 2> e; [ $? = 2 ] && grep -q "^btfstream diff: " e; ok $? "diff: $(cat e)"

t0=$(date +%s%N)
"$BTFSTREAM" k.elf -o "$TMP/no/such/folder/out.btf" 2> e; r=$?
ms=$((($(date +%s%N) - t0) / 1000000))
[ $r = 1 ] && [ "$(wc -l < e)" = 1 ] && grep -q "out.btf: cannot write the output there: $TMP/no/such/folder: No such file or directory" e &&
	! grep -q "emit:" e
ok $? "an output in a missing folder: said before converting ($ms ms): $(cat e)"
touch plainfile
"$BTFSTREAM" k.elf -o plainfile/out.btf 2> e; [ $? = 1 ] && grep -q "plainfile: Not a directory" e; ok $? "... under a file: $(cat e)"
"$BTFSTREAM" --base ref.btf -o "$TMP/no/dir" k.elf k.elf 2> e; [ $? = 1 ] && grep -q "cannot write the output there" e
ok $? "... batch mode's output folder too"

"$BTFSTREAM" --memory-limit 1K k.elf -o ml.btf 2> e; r=$?
[ $r = 0 ] && [ "$(wc -l < e)" = 1 ] && grep -q "warning: --memory-limit 1 KiB is below the 16 MiB a run with 1 reader needs; using 16 MiB" e &&
	cmp -s ml.btf ref.btf
ok $? "--memory-limit 1K: one warning naming the floor ($(cat e)), the same bytes"
"$BTFSTREAM" --memory-limit 64M k.elf -o ml2.btf 2> e; [ $? = 0 ] && [ ! -s e ] && cmp -s ml2.btf ref.btf
ok $? "--memory-limit 64M: no warning"
"$BTFSTREAM" --progress=always k.elf -o pg.btf 2> e; [ $? = 0 ] && cmp -s pg.btf ref.btf && [ ! -s e ] ||
	grep -q "CUs read" e
ok $? "--progress=always: the output unchanged (a run this short may end before the first line)"
"$BTFSTREAM" k.elf -o pg2.btf 2> e; [ ! -s e ]; ok $? "--progress=auto with stderr not a terminal: nothing on stderr"
vm=
[ -z "${BTFSTREAM_SKIP_KERNEL:-}" ] && vm=$(cd "$TOP" && scripts/fetch-kernel.sh 2> /dev/null | head -1)
if ! command -v script > /dev/null; then
	skip "script (util-linux) not installed: no terminal to test --progress=auto with"
elif [ -z "$vm" ]; then
	skip "no vmlinux (BTFSTREAM_SKIP_KERNEL, or no download): a long enough run for the progress line"
else
	BTFSTREAM_VMLINUX=$vm
	# (make check runs the tests under make: MAKELEVEL is set, which auto reads as kbuild)
	env -u MAKELEVEL script -qec "'$BTFSTREAM' '$BTFSTREAM_VMLINUX' -o vm.btf" /dev/null > tty.txt 2>&1
	grep -q "CUs read" tty.txt; ok $? "--progress=auto at a terminal (script): the progress line"
	MAKELEVEL=1 script -qec "'$BTFSTREAM' '$BTFSTREAM_VMLINUX' -o vm.btf" /dev/null > tty2.txt 2>&1
	! grep -q "CUs read" tty2.txt; ok $? "... and none under make (MAKELEVEL set)"
fi
done_testing
