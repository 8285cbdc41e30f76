#!/usr/bin/env bash
# What real kernel builds pass and produce (issue 10):
#  1. 6.12's kbuild feature lists: repeated --btf_features add up, "+LIST" is
#     the default set plus LIST, unknown names are skipped (a line under -V),
#     --btf_features_strict refuses them; the four 6.12 command lines (vmlinux,
#     module, out-of-tree module, KBUILD_BUILD_TIMESTAMP) give the bytes of
#     the plain list. The same on the real vmlinux: 0010-vmlinux.sh.
#  2. clang + ld.lld -r: relocations against a discarded section become type
#     0 (R_X86_64_NONE), which is "no relocation"; an unknown type still fails.
#  3. A base type of a size BTF has no INT for becomes pahole's
#     __SANITIZED_FAKE_INT__; a module CU with arrays and no "int" indexes them
#     with the base's int, as pahole does.
. "$(dirname "$0")/lib.sh"
command -v bpftool > /dev/null || skip_all "bpftool not installed"
dump() { bpftool btf dump file "$1" format raw; }

# ---- 1. feature lists -------------------------------------------------------
LIST=encode_force,var,float,enum64,decl_tag,type_tag,optimized_func,consistent_func,decl_tag_kfuncs
(cd "$FIXTURES" && gcc -w -g -O0 -fno-eliminate-unused-debug-types kinds.c -o "$TMP/base.elf") &&
	"$BTFSTREAM" "$TMP/base.elf" -o "$TMP/base.btf"
ok $? "the fixture base converts"
(cd "$FIXTURES" && gcc -w -g -O2 percpu.c -Wl,-T,percpu.lds -o "$TMP/pcpu.elf") &&
	(cd "$FIXTURES/module" && gcc -g -O2 -c mod.c -o "$TMP/mod.ko")
ok $? "the per-CPU fixture and the fixture module compile"

# kbuild 6.12, scripts/Makefile.btf and scripts/link-vmlinux.sh (-J writes .BTF
# into the file; --btf_encode_detached gives the same bytes as a file)
"$BTFSTREAM" -J -j --btf_features=$LIST -j --lang_exclude=rust --btf_encode_detached="$TMP/plain.btf" "$TMP/pcpu.elf"
ok $? "6.12 vmlinux line, plain list"
"$BTFSTREAM" -J -j --btf_features=$LIST -j --btf_features=+reproducible_build --lang_exclude=rust \
	--btf_encode_detached="$TMP/ts.btf" "$TMP/pcpu.elf" 2> "$TMP/ts.err"
ok $? "6.12 vmlinux line with KBUILD_BUILD_TIMESTAMP (-j --btf_features=+reproducible_build)"
cmp -s "$TMP/plain.btf" "$TMP/ts.btf" && [ ! -s "$TMP/ts.err" ]
ok $? "... the same bytes as the plain list, and no warning"
dump "$TMP/ts.btf" | grep -q "^\[[0-9]*\] VAR 'pcpu_" && dump "$TMP/ts.btf" | grep -q "DATASEC '.data..percpu'"
ok $? "... per-CPU VARs and the DATASEC are there (the second list did not reset the first)"
"$BTFSTREAM" "$TMP/pcpu.elf" -o "$TMP/default.btf" && cmp -s "$TMP/default.btf" "$TMP/plain.btf"
ok $? "the kernel's list is the default set: the same bytes as no option"
"$BTFSTREAM" --btf_features=+reproducible_build "$TMP/pcpu.elf" -o "$TMP/plus.btf" && cmp -s "$TMP/plus.btf" "$TMP/plain.btf"
ok $? "+reproducible_build alone is the default set"
"$BTFSTREAM" --btf_features=var --btf_features=float "$TMP/pcpu.elf" -o "$TMP/vf.btf" --stats > "$TMP/vf.stats"
grep -q "^features: var,float,reproducible_build$" "$TMP/vf.stats"
ok $? "two lists add up: var then float gives var,float (--stats says: $(grep '^features' "$TMP/vf.stats"))"
"$BTFSTREAM" --btf_features=float "$TMP/pcpu.elf" -o "$TMP/f.btf" && ! dump "$TMP/f.btf" | grep -q "VAR\|DATASEC"
ok $? "a single list starts from nothing: float alone has no VAR"
"$BTFSTREAM" --btf_features=var,true_signature,bogus "$TMP/pcpu.elf" -o "$TMP/u.btf" 2> "$TMP/u.err"
[ $? -eq 0 ] && [ ! -s "$TMP/u.err" ]; ok $? "unknown names (true_signature, bogus) are skipped silently"
"$BTFSTREAM" -V --btf_features=var,true_signature "$TMP/pcpu.elf" -o "$TMP/u.btf" 2> "$TMP/uv.err"
grep -q "ignoring unknown feature 'true_signature'" "$TMP/uv.err" && grep -q "features: var,reproducible_build" "$TMP/uv.err"
ok $? "-V names the skipped feature and the features in effect"
"$BTFSTREAM" --btf_features=var,true_signature -V "$TMP/pcpu.elf" -o "$TMP/u.btf" 2> "$TMP/uv2.err"
grep -q "ignoring unknown feature 'true_signature'" "$TMP/uv2.err"; ok $? "... also with -V after the list"
"$BTFSTREAM" --btf_features_strict=var,true_signature "$TMP/pcpu.elf" -o "$TMP/s.btf" 2> "$TMP/s.err"
[ $? -eq 2 ] && [ "$(wc -l < "$TMP/s.err")" = 1 ] && grep -q "feature 'true_signature' in 'var,true_signature' is unknown; supported: encode_force," "$TMP/s.err" &&
	[ ! -e "$TMP/s.btf" ]
ok $? "--btf_features_strict: an unknown name is one error line, exit 2, no output"
"$BTFSTREAM" --btf_features_strict=+reproducible_build "$TMP/pcpu.elf" -o "$TMP/s2.btf" && cmp -s "$TMP/s2.btf" "$TMP/plain.btf"
ok $? "--btf_features_strict=+reproducible_build is the default set"

# out-of-tree module (make M=): kbuild adds --btf_features=distilled_base
"$BTFSTREAM" -J -j --btf_features=$LIST -j --lang_exclude=rust --btf_base "$TMP/base.btf" \
	--btf_encode_detached="$TMP/mod.plain.btf" "$TMP/mod.ko"
ok $? "6.12 module line (--btf_base)"
"$BTFSTREAM" -J -j --btf_features=$LIST -j --btf_features=+reproducible_build --lang_exclude=rust \
	--btf_base "$TMP/base.btf" --btf_encode_detached="$TMP/mod.ts.btf" "$TMP/mod.ko" && cmp -s "$TMP/mod.plain.btf" "$TMP/mod.ts.btf"
ok $? "6.12 module line with KBUILD_BUILD_TIMESTAMP: the bytes of the plain list"
"$BTFSTREAM" -J -j --btf_features=$LIST -j --lang_exclude=rust --btf_base "$TMP/base.btf" --btf_features=distilled_base \
	--btf_encode_detached="$TMP/mod.ext.btf" "$TMP/mod.ko" 2> "$TMP/ext.err"
[ $? -eq 0 ] && cmp -s "$TMP/mod.plain.btf" "$TMP/mod.ext.btf" && [ ! -s "$TMP/ext.err" ] && [ ! -e "$TMP/mod.ext.btf.base" ]
ok $? "6.12 out-of-tree module line (+ distilled_base) to --btf_encode_detached: as pahole, the plain bytes, no .base"
"$BTFSTREAM" --btf_features_strict=$LIST,distilled_base --btf_base "$TMP/base.btf" "$TMP/mod.ko" -o "$TMP/mod.strict.btf"
[ $? -eq 0 ] && [ -s "$TMP/mod.strict.btf.base" ]; ok $? "... --btf_features_strict accepts distilled_base (-o writes OUT.base)"
cp "$TMP/mod.ko" "$TMP/mod-embed.ko"
"$BTFSTREAM" -J -j --btf_features=$LIST -j --btf_features=+reproducible_build --lang_exclude=rust \
	--btf_base "$TMP/base.btf" "$TMP/mod-embed.ko" &&
	objcopy --dump-section .BTF="$TMP/mod-embed.btf" "$TMP/mod-embed.ko" "$TMP/scratch.ko" && cmp -s "$TMP/mod-embed.btf" "$TMP/mod.plain.btf"
ok $? "-J into the module itself writes the same .BTF"

[ "$("$BTFSTREAM" --supported_btf_features)" = "encode_force,var,float,decl_tag,type_tag,enum64,optimized_func,consistent_func,decl_tag_kfuncs,reproducible_build,distilled_base,global_var,attributes,layout" ]
ok $? "--supported_btf_features lists what btfstream encodes, in pahole's order"
[ "$("$BTFSTREAM" --numeric_version)" = 131 ]; ok $? "--numeric_version answers 131"

# ---- 2. relocation type 0 (clang + ld.lld -r) --------------------------------
if command -v clang > /dev/null && command -v ld.lld > /dev/null; then
	cat > "$TMP/lld.c" <<'C'
struct point { int x, y; };
/* kept by the compiler, dropped by the module linker script */
static struct point kept __attribute__((used, section(".discard.addressable"))) = { 1, 2 };
struct point origin = { 0, 0 };
int get_x(struct point *p) { return p->x + origin.y; }
C
	echo 'SECTIONS { /DISCARD/ : { *(.discard) *(.discard.*) } }' > "$TMP/mod.lds"
	cmd="clang -g -O2 -c lld.c -o lld.o && ld.lld -r -T mod.lds lld.o -o lld.ko"
	diag "$cmd"
	(cd "$TMP" && clang -g -O2 -c lld.c -o lld.o && ld.lld -r -T mod.lds lld.o -o lld.ko)
	ok $? "clang + ld.lld -r build a module-like object"
	n0=$(readelf -rW "$TMP/lld.ko" | grep -c 'R_X86_64_NONE')
	[ "$n0" -ge 1 ]; ok $? "it carries type-0 relocations in its DWARF ($n0)"
	"$BTFSTREAM" --base "$TMP/base.btf" "$TMP/lld.ko" -o "$TMP/lld.btf" 2> "$TMP/lld.err"
	ok $? "it encodes" || sed 's/^/# /' "$TMP/lld.err"
	bpftool -B "$TMP/base.btf" btf dump file "$TMP/lld.btf" format raw | grep -q "STRUCT 'point' size=8"
	ok $? "... with its struct"
	if command -v pahole > /dev/null; then
		pahole -J --btf_gen_floats --btf_base "$TMP/base.btf" --btf_encode_detached="$TMP/lld.pahole" "$TMP/lld.ko" > /dev/null 2>&1 &&
			"$BTFSTREAM" diff --base "$TMP/base.btf" --ignore-func-linkage "$TMP/lld.pahole" "$TMP/lld.btf" > "$TMP/lld.pdiff"
		ok $? "... the same types as pahole --btf_base" || sed 's/^/# /' "$TMP/lld.pdiff" | head
	else
		skip "pahole not installed"
	fi
	# an unknown non-zero type is still an error: turn the first type-0
	# relocation of .rela.debug_addr into type 0x7f (r_info's low 32 bits)
	python3 - "$TMP/lld.ko" "$TMP/bad-type.ko" <<'PY'
import struct, sys
d = bytearray(open(sys.argv[1], 'rb').read())
shoff, = struct.unpack_from('<Q', d, 0x28); shentsize, shnum, shstrndx = struct.unpack_from('<HHH', d, 0x3a)
def sh(i): return struct.unpack_from('<IIQQQQIIQQ', d, shoff + i * shentsize)
stroff = sh(shstrndx)[4]
for i in range(shnum):
	name, typ, _, _, off, size, _, _, _, ent = sh(i)
	nm = d[stroff + name:d.index(0, stroff + name)].decode()
	if typ == 4 and nm.startswith('.rela.debug'):
		for r in range(off, off + size, ent):
			if struct.unpack_from('<Q', d, r + 8)[0] & 0xffffffff == 0:
				struct.pack_into('<I', d, r + 8, 0x7f)
				open(sys.argv[2], 'wb').write(d); sys.exit(0)
sys.exit(1)
PY
	if [ $? -eq 0 ]; then
		"$BTFSTREAM" --base "$TMP/base.btf" "$TMP/bad-type.ko" -o "$TMP/bad.btf" 2> "$TMP/bad.err"
		[ $? -eq 1 ] && grep -q "relocation type 127 in .debug_.* is not supported for machine 62" "$TMP/bad.err" && [ ! -e "$TMP/bad.btf" ]
		ok $? "an unknown relocation type (127) is still one clear error" || sed 's/^/# /' "$TMP/bad.err"
	else
		skip "could not rewrite a relocation type"
	fi
else
	skip "clang or ld.lld not installed: no type-0 relocation fixture"
fi

# ---- 3. odd-sized base types, array index type in split BTF -----------------
# gcc's DWARF for a 16-byte base type, edited to claim 3 bytes (what clang's
# DW_ATE_unsigned_24 looks like); -dA names each attribute in the assembly.
cat > "$TMP/odd.c" <<'C'
struct odd { unsigned __int128 wide; int n; };
struct odd odd_var;
C
if (cd "$TMP" && gcc -g -O0 -dA -S odd.c -o odd.s); then
	awk '/DW_AT_byte_size/ && prev ~ /DW_TAG_base_type/ && $2 == "0x10" { sub(/0x10/, "0x3") } { print; prev = $0 }' \
		"$TMP/odd.s" > "$TMP/odd3.s"
	(cd "$TMP" && gcc -c odd3.s -o odd3.o) && ! cmp -s "$TMP/odd.s" "$TMP/odd3.s"
	ok $? "a base type of 3 bytes (gcc -dA -S, byte size edited; its CU keeps the other types)"
	"$BTFSTREAM" "$TMP/odd3.o" -o "$TMP/odd3.btf" && dump "$TMP/odd3.btf" > "$TMP/odd3.txt"
	ok $? "it encodes"
	grep -q "INT '__SANITIZED_FAKE_INT__' size=4 bits_offset=0 nr_bits=32 encoding=(none)" "$TMP/odd3.txt" &&
		! grep -q "__int128" "$TMP/odd3.txt" && grep -q "'wide' type_id=" "$TMP/odd3.txt"
	ok $? "... as INT '__SANITIZED_FAKE_INT__' size=4 nr_bits=32, as pahole writes it" || sed 's/^/# /' "$TMP/odd3.txt"
	if command -v pahole > /dev/null; then
		pahole_ref "$TMP/odd3.o" "$TMP/odd3.pahole" && "$BTFSTREAM" diff "$TMP/odd3.pahole" "$TMP/odd3.btf" > "$TMP/odd3.pdiff"
		ok $? "... the same types as pahole" || sed 's/^/# /' "$TMP/odd3.pdiff" | head
	else
		skip "pahole not installed"
	fi
else
	skip "gcc -dA -S failed"
	skip "gcc -dA -S failed"
	skip "gcc -dA -S failed"
	skip "gcc -dA -S failed"
fi

# A module whose only CU has arrays and no "int": pahole adds an "int" as
# their index type, which the split dedup makes the base's own int.
cat > "$TMP/noint.c" <<'C'
struct names { char first[16]; short codes[3]; };
struct names names_table[4];
C
(cd "$TMP" && gcc -g -O2 -c noint.c -o noint.ko) && ! readelf --debug-dump=info "$TMP/noint.ko" | grep -q 'DW_AT_name *: int$'
ok $? "a module CU with arrays and no int"
"$BTFSTREAM" --base "$TMP/base.btf" "$TMP/noint.ko" -o "$TMP/noint.btf" &&
	bpftool -B "$TMP/base.btf" btf dump file "$TMP/noint.btf" format raw > "$TMP/noint.txt"
ok $? "it encodes as split BTF"
base_int=$(dump "$TMP/base.btf" | sed -n "s/^\[\([0-9]*\)\] INT 'int' size=4 .*/\1/p")
nints=$(grep -c "^\[[0-9]*\] INT " "$TMP/noint.txt")
grep "ARRAY" "$TMP/noint.txt" > "$TMP/noint.arrays"
[ -n "$base_int" ] && [ "$(grep -c "index_type_id=$base_int " "$TMP/noint.arrays")" = "$(wc -l < "$TMP/noint.arrays")" ] &&
	! grep -q "__ARRAY_SIZE_TYPE__\|INT 'int'" "$TMP/noint.txt"
ok $? "its $(wc -l < "$TMP/noint.arrays") ARRAYs index with the base's int ($base_int), no INT of their own ($nints INTs)" ||
	sed 's/^/# /' "$TMP/noint.txt"
if command -v pahole > /dev/null; then
	pahole -J --btf_gen_floats --btf_base "$TMP/base.btf" --btf_encode_detached="$TMP/noint.pahole" "$TMP/noint.ko" > /dev/null &&
		"$BTFSTREAM" diff --base "$TMP/base.btf" "$TMP/noint.pahole" "$TMP/noint.btf" > "$TMP/noint.pdiff" &&
		[ "$(stat -c %s "$TMP/noint.pahole")" = "$(stat -c %s "$TMP/noint.btf")" ]
	ok $? "... the same types and size as pahole --btf_base" || sed 's/^/# /' "$TMP/noint.pdiff" | head
else
	skip "pahole not installed"
fi
done_testing
