#!/usr/bin/env bash
# References between CUs (DW_FORM_ref_addr), as link-time optimisation
# writes them: the functions fixture built with gcc -flto and clang
# -flto=thin must give the same types as the same sources built without
# LTO (FUNC/FUNC_PROTO aside: LTO changes what gets inlined), and with gcc,
# the same types as pahole.
. "$(dirname "$0")/lib.sh"
command -v bpftool > /dev/null || skip_all "bpftool not installed"
src="a.c b.c kfuncs.c"

build() {	# build NAME CC FLAGS...
	local name=$1; shift
	diag "$* -w -g -O2 $src -o $name"
	(cd "$FIXTURES/funcs" && "$@" -w -g -O2 $src -o "$TMP/$name")
}

# A type of a later CU, with its own abbreviations, named from an earlier
# one (tests/tools/cross_cu.py): its members must be read with their own
# CU's abbreviations and bounds. The first plain-DIE reader read them as a
# run of the earlier CU and called the DWARF corrupt (the 6.1 ThinLTO
# kernel of make check-kernel found it).
python3 "$TOP/tests/tools/cross_cu.py" "$TMP" && echo 'int x;' | gcc -c -x c - -o "$TMP/empty.o" &&
	objcopy --add-section .debug_info="$TMP/info.bin" --add-section .debug_abbrev="$TMP/abbrev.bin" \
		"$TMP/empty.o" "$TMP/xcu.o" || exit 1
for j in 1 2; do
	"$BTFSTREAM" -j$j "$TMP/xcu.o" -o "$TMP/xcu.j$j.btf" 2> "$TMP/xcu.err" &&
		bpftool btf dump file "$TMP/xcu.j$j.btf" > "$TMP/xcu.txt" &&
		grep -q "TYPEDEF 't' type_id=2" "$TMP/xcu.txt" && grep -q "STRUCT 's' size=8 vlen=2" "$TMP/xcu.txt" &&
		grep -q "'a' type_id=3 bits_offset=0" "$TMP/xcu.txt" && grep -q "'b' type_id=3 bits_offset=32" "$TMP/xcu.txt" &&
		grep -q "INT 'int' size=4" "$TMP/xcu.txt"
	ok $? "-j$j: a struct of a later CU named by an earlier one (DW_FORM_ref_addr): its members read whole" ||
		sed 's/^/# /' "$TMP/xcu.err" "$TMP/xcu.txt"
done
# (BTFSTREAM_RELEASE_MIN=0: written units of any size may go, so the refs decide)
BTFSTREAM_RELEASE_MIN=0 "$BTFSTREAM" --stats "$TMP/xcu.o" -o "$TMP/xcu.btf" > "$TMP/xcu.stats" 2>&1 &&
	grep -q "^relocated input: .*written units kept (a unit may refer into another" "$TMP/xcu.stats"
ok $? "a relocatable object with DW_FORM_ref_addr keeps its written units (a reader may read another's)" ||
	sed 's/^/# /' "$TMP/xcu.stats" | tail -2

if build lto.gcc.elf gcc -flto && build plain.gcc.elf gcc; then
	ok 0 "gcc: builds with and without -flto"
	[ "$(readelf --debug-dump=abbrev "$TMP/lto.gcc.elf" | grep -c DW_FORM_ref_addr)" -gt 0 ]
	ok $? "gcc -flto: the DWARF has cross-CU references (DW_FORM_ref_addr)"
	"$BTFSTREAM" "$TMP/lto.gcc.elf" -o "$TMP/lto.gcc.btf"; ok $? "gcc -flto: converts"
	"$BTFSTREAM" "$TMP/plain.gcc.elf" -o "$TMP/plain.gcc.btf"
	"$BTFSTREAM" diff --ignore-kinds FUNC,FUNC_PROTO,DECL_TAG "$TMP/plain.gcc.btf" "$TMP/lto.gcc.btf" > "$TMP/d1"
	ok $? "gcc -flto: the same types as without LTO" || sed 's/^/# /' "$TMP/d1" | tail -15
	if command -v pahole > /dev/null; then
		pahole_ref "$TMP/lto.gcc.elf" "$TMP/lto.gcc.pahole"
		"$BTFSTREAM" diff --ignore-kinds FUNC,FUNC_PROTO,DECL_TAG "$TMP/lto.gcc.pahole" "$TMP/lto.gcc.btf" > "$TMP/d2"
		ok $? "gcc -flto: the same types as pahole" || sed 's/^/# /' "$TMP/d2" | tail -15
	else
		skip "pahole not installed"
	fi
	for j in 1 2; do "$BTFSTREAM" -j$j "$TMP/lto.gcc.elf" -o "$TMP/lto.j$j.btf"; done
	cmp -s "$TMP/lto.j1.btf" "$TMP/lto.j2.btf"; ok $? "gcc -flto: the same bytes for -j1 and -j2"
else
	skip "gcc cannot build with -flto"
fi
if command -v ld.lld > /dev/null && build lto.clang.elf clang -flto=thin -fuse-ld=lld && build plain.clang.elf clang; then
	"$BTFSTREAM" "$TMP/lto.clang.elf" -o "$TMP/lto.clang.btf"; ok $? "clang -flto=thin: converts"
	"$BTFSTREAM" "$TMP/plain.clang.elf" -o "$TMP/plain.clang.btf"
	"$BTFSTREAM" diff --ignore-kinds FUNC,FUNC_PROTO,DECL_TAG "$TMP/plain.clang.btf" "$TMP/lto.clang.btf" > "$TMP/d3"
	ok $? "clang -flto=thin: the same types as without LTO" || sed 's/^/# /' "$TMP/d3" | tail -15
else
	skip "clang ThinLTO needs ld.lld (package lld)"
fi
done_testing
