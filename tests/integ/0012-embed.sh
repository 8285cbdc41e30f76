#!/usr/bin/env bash
# --embed (and pahole's -J with no output): the .BTF section of an ELF file,
# added or replaced, every other section intact; atomic, so a failure leaves
# the original untouched.
. "$(dirname "$0")/lib.sh"
command -v bpftool > /dev/null || skip_all "bpftool not installed"

(cd "$FIXTURES" && gcc -w -g -O0 -fno-eliminate-unused-debug-types kinds.c -o "$TMP/prog") || skip_all "gcc cannot build the fixture"
"$BTFSTREAM" "$TMP/prog" -o "$TMP/prog.btf"; ok $? "detached BTF for comparison"
sections() { readelf -S -W "$1" | sed -n 's/^ *\[ *[0-9]*\] \([^ ]*\) *\([A-Z_]*\) *[0-9a-f]* [0-9a-f]* \([0-9a-f]*\) .*/\1 \2 \3/p' | grep -v '^\.BTF \|^\.shstrtab '; }
before=$(md5sum < "$TMP/prog")

cp -p "$TMP/prog" "$TMP/emb"
"$BTFSTREAM" --embed "$TMP/emb"; ok $? "--embed ELF: in place"
[ "$(readelf -S -W "$TMP/emb" | grep -c ' \.BTF ')" = 1 ]; ok $? "it has one .BTF section"
"$BTFSTREAM" diff -q "$TMP/emb" "$TMP/prog.btf"; ok $? "the embedded BTF equals the detached output"
bpftool btf dump file "$TMP/emb" format raw > /dev/null; ok $? "bpftool reads the .BTF section"
[ "$(sections "$TMP/emb")" = "$(sections "$TMP/prog")" ]; ok $? "every other section: same name, type and size"
cmp -s <(objcopy -O binary --only-section=.text "$TMP/prog" /dev/stdout) <(objcopy -O binary --only-section=.text "$TMP/emb" /dev/stdout)
ok $? ".text is byte-identical"
readelf -a "$TMP/emb" > /dev/null 2> "$TMP/readelf.err" && [ ! -s "$TMP/readelf.err" ]; ok $? "readelf -a is clean" || sed 's/^/# /' "$TMP/readelf.err" | head -3
objdump -h "$TMP/emb" > /dev/null 2> "$TMP/objdump.err" && [ ! -s "$TMP/objdump.err" ]; ok $? "objdump -h is clean" || sed 's/^/# /' "$TMP/objdump.err" | head -3
"$TMP/prog"; a=$?; "$TMP/emb"; b=$?
[ $a = $b ]; ok $? "the program still runs the same (exit $b)"
"$BTFSTREAM" --embed "$TMP/emb" && [ "$(readelf -S -W "$TMP/emb" | grep -c ' \.BTF ')" = 1 ] && "$BTFSTREAM" diff -q "$TMP/emb" "$TMP/prog.btf"
ok $? "embedding again replaces the section (still one, same content)"

"$BTFSTREAM" --embed "$TMP/prog" -o "$TMP/copy"; ok $? "--embed ELF -o COPY"
[ "$(md5sum < "$TMP/prog")" = "$before" ] && "$BTFSTREAM" diff -q "$TMP/copy" "$TMP/prog.btf"
ok $? "... writes the copy and leaves the input untouched"
cp -p "$TMP/prog" "$TMP/pj"
"$BTFSTREAM" -J "$TMP/pj" && "$BTFSTREAM" diff -q "$TMP/pj" "$TMP/prog.btf"; ok $? "pahole's -J ELF (no output) embeds in place"

if [ "$(id -u)" -eq 0 ]; then target=/proc/btfstream-embed-test; else mkdir -p "$TMP/ro" && chmod 555 "$TMP/ro"; target=$TMP/ro/x; fi
"$BTFSTREAM" --embed "$TMP/prog" -o "$target" 2> "$TMP/err"; rc=$?
[ $rc -ne 0 ] && [ "$(wc -l < "$TMP/err")" = 1 ] && grep -q "$(basename "$target")" "$TMP/err" && [ "$(md5sum < "$TMP/prog")" = "$before" ]
ok $? "an unwritable target: one error line, exit $rc, the input untouched"
[ -z "$(ls "$TMP" | grep tmp)" ]; ok $? "no temporary file left"

(cd "$FIXTURES/module" && gcc -g -O2 -c mod.c -o "$TMP/mod.ko") && "$BTFSTREAM" --base "$TMP/prog.btf" "$TMP/mod.ko" -o "$TMP/mod.btf"
ok $? "a relocatable module and its split BTF"
cp "$TMP/mod.ko" "$TMP/mod-emb.ko"
"$BTFSTREAM" --base "$TMP/prog.btf" --embed "$TMP/mod-emb.ko" && bpftool -B "$TMP/prog.btf" btf dump file "$TMP/mod-emb.ko" format raw > /dev/null &&
	"$BTFSTREAM" diff -q --base "$TMP/prog.btf" "$TMP/mod-emb.ko" "$TMP/mod.btf"
ok $? "--base --embed: the module's .BTF is the split BTF"
[ "$(sections "$TMP/mod-emb.ko")" = "$(sections "$TMP/mod.ko")" ] && readelf -r "$TMP/mod-emb.ko" > /dev/null
ok $? "the module keeps its sections and relocations"
done_testing
