#!/usr/bin/env bash
# Valid but extreme input (issue 15): a correct output or one clear error,
# never a stack overflow, a hang or an out-of-memory kill.
#  - struct and enum at BTF's vlen limit (65,535) and one past it
#  - a 20,000-deep typedef chain and 3,000 nested struct definitions
#    (readers and dedup must not recurse per level)
#  - a cycle through a typedef and pointers; a 70,000-character name
#  - 200,000 compile units (generated: tests/tools/many_cus.py)
#  - empty DWARF sections
. "$(dirname "$0")/lib.sh"
command -v bpftool > /dev/null || skip_all "bpftool not installed"
dump() { bpftool btf dump file "$1" format raw; }

python3 - "$TMP" <<'PY'
import sys
d = sys.argv[1]
open(d + '/limit.c', 'w').write('struct big {\n' + ''.join(f' char m{i};\n' for i in range(65535)) + '} gbig;\n' +
    'enum huge {\n' + ''.join(f' E{i},\n' for i in range(65535)) + '} ghuge;\n')
open(d + '/over_s.c', 'w').write('struct big {\n' + ''.join(f' char m{i};\n' for i in range(65536)) + '} gbig;\n')
open(d + '/over_e.c', 'w').write('enum huge {\n' + ''.join(f' E{i},\n' for i in range(65536)) + '} ghuge;\n')
n = 3000
open(d + '/deep.c', 'w').write('typedef int t0;\n' + ''.join(f'typedef t{i} t{i+1};\n' for i in range(20000)) +
    't20000 gdeep;\n' + ''.join(f'struct n{i} {{ ' for i in range(n)) + 'int leaf; ' +
    ''.join(f'}} f{i}; ' for i in reversed(range(1, n))) + '} gnest;\n' +
    'struct cyc; typedef struct cyc *cyc_t; struct cyc { cyc_t next; struct cyc *self; } gcyc;\n' +
    'struct ' + 'L' * 70000 + ' { int x; } glong;\n')
PY
for f in limit over_s over_e deep; do gcc -g -O0 -c "$TMP/$f.c" -o "$TMP/$f.o" || break; done
ok $? "the generated sources compile"

"$BTFSTREAM" "$TMP/limit.o" -o "$TMP/limit.btf" && dump "$TMP/limit.btf" > "$TMP/limit.txt" &&
	grep -q "STRUCT 'big' size=65535 vlen=65535" "$TMP/limit.txt" && grep -q "ENUM 'huge' encoding=UNSIGNED size=4 vlen=65535" "$TMP/limit.txt"
ok $? "a struct and an enum of 65,535 members: written whole"
"$BTFSTREAM" "$TMP/over_s.o" -o "$TMP/over_s.btf" 2> "$TMP/over_s.err"
[ $? -ne 0 ] && [ ! -e "$TMP/over_s.btf" ] && [ "$(wc -l < "$TMP/over_s.err")" = 1 ] && grep -q "more than 65535 members" "$TMP/over_s.err"
ok $? "65,536 members: one error line, no output ($(cat "$TMP/over_s.err"))"
"$BTFSTREAM" "$TMP/over_e.o" -o "$TMP/over_e.btf" 2> "$TMP/over_e.err"
[ $? -ne 0 ] && [ ! -e "$TMP/over_e.btf" ] && grep -q "more than 65535 enumerators" "$TMP/over_e.err"
ok $? "65,536 enumerators: one error line, no output"

( ulimit -s 1024; "$BTFSTREAM" -j2 "$TMP/deep.o" -o "$TMP/deep.btf" ) && dump "$TMP/deep.btf" > "$TMP/deep.txt"
ok $? "deep chains convert with a 1 MiB stack (ulimit -s 1024)"
[ "$(grep -c "^\[[0-9]*\] TYPEDEF 't[0-9]*'" "$TMP/deep.txt")" = 20001 ] && grep -q "STRUCT 'n2999' size=4 vlen=1" "$TMP/deep.txt"
ok $? "... all 20,001 typedefs and the innermost of 3,000 nested structs"
grep -q "TYPEDEF 'cyc_t'" "$TMP/deep.txt" && grep -q "STRUCT 'cyc' size=16 vlen=2" "$TMP/deep.txt"
ok $? "... the typedef/pointer cycle"
[ "$(awk '$2 == "STRUCT" && $3 ~ /^.L+.$/ { print length($3) - 2 }' "$TMP/deep.txt")" = 70000 ]
ok $? "... the 70,000-character name kept whole (BTF has no limit; the kernel's is KSYM_NAME_LEN)"
if command -v pahole > /dev/null; then
	pahole -J --btf_encode_detached="$TMP/deep.pahole" "$TMP/deep.o" > /dev/null 2>&1 &&
		"$BTFSTREAM" diff -q "$TMP/deep.pahole" "$TMP/deep.btf"
	ok $? "... the same types as pahole"
fi

echo 'int x;' | gcc -c -x c - -o "$TMP/empty.o" && python3 "$TOP/tests/tools/many_cus.py" 200000 "$TMP" &&
	objcopy --add-section .debug_info="$TMP/info.bin" --add-section .debug_abbrev="$TMP/abbrev.bin" \
		"$TMP/empty.o" "$TMP/many.o"
ok $? "an object with 200,000 compile units"
t0=$(date +%s)
/usr/bin/time -f "%M" -o "$TMP/many.rss" timeout 300 "$BTFSTREAM" -j2 "$TMP/many.o" -o "$TMP/many.btf" &&
	[ "$(dump "$TMP/many.btf")" = "[1] INT 'int' size=4 bits_offset=0 nr_bits=32 encoding=SIGNED" ]
ok $? "... converts: one INT ($(($(date +%s) - t0)) s, peak RSS $(($(cat "$TMP/many.rss" 2> /dev/null || echo 0) / 1024)) MiB)"

: > "$TMP/zero.bin"
objcopy --add-section .debug_info="$TMP/zero.bin" --add-section .debug_abbrev="$TMP/zero.bin" \
	--add-section .debug_str="$TMP/zero.bin" "$TMP/empty.o" "$TMP/zero.o" &&
	"$BTFSTREAM" "$TMP/zero.o" -o "$TMP/zero.btf" 2> "$TMP/zero.err"
[ $? -eq 1 ] && [ ! -e "$TMP/zero.btf" ] && grep -q "zero.o: cannot read DWARF: no DWARF information" "$TMP/zero.err"
ok $? "0-byte DWARF sections: one error line ($(cat "$TMP/zero.err"))"
done_testing
