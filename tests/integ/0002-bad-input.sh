#!/usr/bin/env bash
# Bad input: each case must give one line on stderr naming the stage, the
# file and the problem ("btfstream: STAGE: FILE: PLACE: cause", or, for an
# output folder checked before the run, "btfstream: FILE: cause"), a non-zero
# exit, and leave no output file (nor a temporary one).
. "$(dirname "$0")/lib.sh"

out=$TMP/out/result.btf
mkdir -p "$TMP/out"

# expect_fail NAME INPUT OUTPUT PATTERN
expect_fail() {
	local name=$1 in=$2 o=$3 pat=$4 rc lines
	"$BTFSTREAM" "$in" -o "$o" > "$TMP/stdout" 2> "$TMP/stderr"
	rc=$?
	lines=$(wc -l < "$TMP/stderr")
	[ $rc -ne 0 ]; ok $? "$name: non-zero exit (got $rc)"
	[ "$lines" -eq 1 ] && grep -q -- "$pat" "$TMP/stderr" &&
		grep -Eq '^btfstream: ((input|read|write|dedup|distill|emit): )?[^:]+: ' "$TMP/stderr"
	ok $? "$name: one line 'btfstream: STAGE: FILE: ...' matching '$pat'" || sed 's/^/#   stderr: /' "$TMP/stderr"
	[ ! -e "$o" ] && [ -z "$(ls -A "$TMP/out")" ]
	ok $? "$name: no output file left behind" || ls -la "$TMP/out" | sed 's/^/# /'
}

gcc -g -O0 -o "$TMP/good.elf" "$FIXTURES/kinds.c" -w || skip_all "gcc cannot build the fixture"
gcc -O0 -o "$TMP/nodwarf.elf" "$FIXTURES/kinds.c" -w
printf 'this is not an ELF file\n' > "$TMP/text.txt"
head -c 3000 "$TMP/good.elf" > "$TMP/truncated.elf"
head -c 10 "$TMP/good.elf" > "$TMP/short.elf"
# corrupt DWARF: overwrite the start of .debug_info with garbage
cp "$TMP/good.elf" "$TMP/corrupt.elf"
off=$((16#$(readelf -S -W "$TMP/good.elf" | sed -n "s/.*\] .debug_info *PROGBITS *[0-9a-f]* \([0-9a-f]*\) .*/\1/p")))
printf '\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff' |
	dd of="$TMP/corrupt.elf" bs=1 seek="$off" conv=notrunc status=none

expect_fail "missing file" "$TMP/does-not-exist.elf" "$out" "does-not-exist.elf: cannot open: No such file"
expect_fail "not an ELF file" "$TMP/text.txt" "$out" "text.txt: not an ELF file"
expect_fail "ELF without DWARF" "$TMP/nodwarf.elf" "$out" "nodwarf.elf: no DWARF"
expect_fail "truncated ELF" "$TMP/truncated.elf" "$out" "truncated.elf: .*truncated\|truncated.elf: corrupt"
expect_fail "ELF shorter than its header" "$TMP/short.elf" "$out" "short.elf: "
expect_fail "corrupt DWARF" "$TMP/corrupt.elf" "$out" "corrupt.elf: .*DWARF"
expect_fail "output folder missing" "$TMP/good.elf" "$TMP/out/no/such/dir/x.btf" "x.btf: cannot write the output there: .*: No such file or directory"
touch "$TMP/afile"
expect_fail "output folder is a file" "$TMP/good.elf" "$TMP/afile/x.btf" "x.btf: cannot write the output there: .*afile: Not a directory"
rm -f "$TMP/afile"
if [ "$(id -u)" -ne 0 ]; then
	mkdir -p "$TMP/ro" && chmod 555 "$TMP/ro"
	expect_fail "read-only output folder" "$TMP/good.elf" "$TMP/ro/x.btf" "x.btf: cannot \(create output\|write the output there\)"
else
	# root ignores mode bits; /proc refuses new files whoever asks
	expect_fail "unwritable output folder (/proc)" "$TMP/good.elf" "/proc/btfstream-test.btf" "btfstream-test.btf: cannot \(create output\|write the output there\)"
fi

# an existing output is left intact when the conversion fails
echo "old" > "$out"
"$BTFSTREAM" "$TMP/text.txt" -o "$out" 2> /dev/null
[ "$(cat "$out")" = old ]; ok $? "a failed run leaves an existing output untouched"
rm -f "$out"

"$BTFSTREAM" "$TMP/good.elf" 2> "$TMP/stderr"; rc=$?
[ $rc -eq 2 ] && grep -q "no output file given" "$TMP/stderr"; ok $? "no -o: usage error, exit 2"
"$BTFSTREAM" -j 0 "$TMP/good.elf" -o "$out" 2> "$TMP/stderr"; rc=$?
[ $rc -eq 2 ] && grep -q -- "-j" "$TMP/stderr"; ok $? "-j 0: usage error, exit 2"
"$BTFSTREAM" --lang-exclude klingon "$TMP/good.elf" -o "$out" 2> "$TMP/stderr"; rc=$?
[ $rc -eq 2 ] && grep -q "klingon" "$TMP/stderr"; ok $? "unknown language: usage error, exit 2"
# Corrupt DWARF, many ways: bytes of the .debug_* sections overwritten at
# places drawn from fixed seeds. Every run must end with exit 0, or exit 1
# with one line naming the file and no output; never a signal or a hang.
mapfile -t dbg < <(readelf -S -W "$TMP/good.elf" | sed -n 's/.*\] \(.debug_[a-z_]*\) *PROGBITS *[0-9a-f]* \([0-9a-f]*\) \([0-9a-f]*\) .*/\2 \3/p')
bad=0
for seed in $(seq 1 40); do
	RANDOM=$seed
	cp "$TMP/good.elf" "$TMP/mut.elf"
	for k in 1 2 3 4 5 6; do
		read -r soff ssize <<< "${dbg[$((RANDOM % ${#dbg[@]}))]}"
		pos=$(( 16#$soff + (RANDOM * 32768 + RANDOM) % 16#$ssize ))
		printf "\\x$(printf %02x $((RANDOM % 256)))" | dd of="$TMP/mut.elf" bs=1 seek="$pos" conv=notrunc status=none
	done
	rm -f "$TMP/mut.btf"
	timeout 60 "$BTFSTREAM" "$TMP/mut.elf" -o "$TMP/mut.btf" 2> "$TMP/mut.err"
	rc=$?
	if [ $rc -eq 0 ]; then
		continue
	elif [ $rc -ne 1 ] || [ "$(wc -l < "$TMP/mut.err")" -ne 1 ] || ! grep -q "mut.elf" "$TMP/mut.err" || [ -e "$TMP/mut.btf" ]; then
		bad=$((bad + 1))
		diag "seed $seed: exit $rc: $(head -c 300 "$TMP/mut.err")"
	fi
done
[ $bad -eq 0 ]; ok $? "40 corrupted copies: each converts or fails cleanly (one line, exit 1, no output)"

"$BTFSTREAM" "$TMP/good.elf" -o "$out"; ok $? "the good file still converts"

# Compressed DWARF (gcc -gz, the kernel's CONFIG_DEBUG_INFO_COMPRESSED):
# decompressed once into memory (stages/input/decompress.h), the same BTF as built
# without -gz, also as a relocatable object and with a fresh libdw handle per
# CU; a corrupt stream is one clear line, exit 1, no output.
if gcc -g -gz -O0 -o "$TMP/gz.elf" "$FIXTURES/kinds.c" -w 2> /dev/null &&
   readelf -S -W "$TMP/gz.elf" | grep -q '\.debug_info.* [A-Z]*C[A-Z]* '; then
	"$BTFSTREAM" "$TMP/gz.elf" -o "$TMP/gz.btf" && cmp -s "$TMP/gz.btf" "$out"
	ok $? "compressed DWARF: the same BTF as built without -gz"
	BTFSTREAM_READER_DWARF_CUS=1 "$BTFSTREAM" -j2 "$TMP/gz.elf" -o "$TMP/gz1.btf" && cmp -s "$TMP/gz1.btf" "$out"
	ok $? "compressed DWARF, a fresh libdw handle for every CU: the same BTF"
	gcc -g -gz -O0 -c -o "$TMP/gz.o" "$FIXTURES/kinds.c" -w && gcc -g -O0 -c -o "$TMP/plain.o" "$FIXTURES/kinds.c" -w &&
		"$BTFSTREAM" "$TMP/gz.o" -o "$TMP/gzo.btf" && "$BTFSTREAM" "$TMP/plain.o" -o "$TMP/plaino.btf" &&
		cmp -s "$TMP/gzo.btf" "$TMP/plaino.btf"
	ok $? "compressed DWARF in a relocatable object: the same BTF as without -gz"
	read -r off size < <(readelf -S -W "$TMP/gz.elf" | sed -n 's/.*\] \.debug_info *PROGBITS *[0-9a-f]* \([0-9a-f]*\) \([0-9a-f]*\) .*/\1 \2/p')
	cp "$TMP/gz.elf" "$TMP/gzbad.elf"
	printf '\377\377\377\377\377\377\377\377' | dd of="$TMP/gzbad.elf" bs=1 seek=$((0x$off + 0x$size / 2)) conv=notrunc 2> /dev/null
	rm -f "$TMP/gzbad.btf"
	"$BTFSTREAM" "$TMP/gzbad.elf" -o "$TMP/gzbad.btf" 2> "$TMP/gzbad.err"; rc=$?
	[ $rc -eq 1 ] && [ "$(wc -l < "$TMP/gzbad.err")" -eq 1 ] && grep -q "gzbad.elf: corrupt compressed section" "$TMP/gzbad.err" &&
		[ ! -e "$TMP/gzbad.btf" ]
	ok $? "a corrupt compressed section: one line naming the file, exit 1, no output" || sed 's/^/# /' "$TMP/gzbad.err"
else
	for i in 1 2 3 4; do skip "gcc cannot write compressed DWARF here"; done
fi
# --base: read from the file's pages when it is a regular file
# (stages/common/elf_btf.c), else the way libbpf reads it. Each bad base is
# one line naming it, exit 1, no output; a good one gives the same bytes
# whichever way it was read, raw or as an ELF file's .BTF.
"$BTFSTREAM" "$TMP/good.elf" -o "$TMP/base.btf" 2> /dev/null
gcc -g -O2 -c -o "$TMP/split.o" "$FIXTURES/module/mod.c" -w
cp "$TMP/good.elf" "$TMP/base-elf" && "$BTFSTREAM" --embed "$TMP/base-elf" 2> /dev/null
"$BTFSTREAM" --base "$TMP/base.btf" "$TMP/split.o" -o "$TMP/split-file.btf" &&
	"$BTFSTREAM" --base "$TMP/base-elf" "$TMP/split.o" -o "$TMP/split-elf.btf" &&
	cmp -s "$TMP/split-file.btf" "$TMP/split-elf.btf" && [ "$(stat -c %s "$TMP/split-file.btf")" -gt 100 ]
ok $? "--base as a raw file and as an ELF file's .BTF: the same split BTF"
BTFSTREAM_FREE_AT_EXIT=1 "$BTFSTREAM" --base "$TMP/base.btf" "$TMP/split.o" -o "$TMP/split-freed.btf" &&
	cmp -s "$TMP/split-file.btf" "$TMP/split-freed.btf"
ok $? "BTFSTREAM_FREE_AT_EXIT=1 (everything freed before the exit): the same bytes"
: > "$TMP/empty.btf"
head -c 100 "$TMP/base.btf" > "$TMP/trunc.btf"
mkdir -p "$TMP/bout"
# base_bad NAME FILE PATTERN
base_bad() {
	local rc
	"$BTFSTREAM" --base "$2" "$TMP/split.o" -o "$TMP/bout/split.btf" > /dev/null 2> "$TMP/stderr"; rc=$?
	[ $rc -eq 1 ] && [ "$(wc -l < "$TMP/stderr")" -eq 1 ] && grep -q -- "$3" "$TMP/stderr" && [ -z "$(ls -A "$TMP/bout")" ]
	ok $? "--base $1: one line matching '$3', exit 1, no output" || sed 's/^/#   stderr: /' "$TMP/stderr"
}
base_bad "missing" "$TMP/no-such.btf" "no-such.btf: cannot read base BTF.*No such file"
base_bad "empty" "$TMP/empty.btf" "empty.btf: cannot read base BTF"
base_bad "not BTF" "$TMP/text.txt" "text.txt: cannot read base BTF"
base_bad "truncated" "$TMP/trunc.btf" "trunc.btf: cannot read base BTF"
base_bad "an ELF file without .BTF" "$TMP/good.elf" "good.elf: cannot read base BTF.*no .BTF section"
base_bad "a folder" "$TMP/bout" "bout: cannot read base BTF"
done_testing
