#!/usr/bin/env bash
# zstd-compressed DWARF (ELFCOMPRESS_ZSTD: gcc -gz=zstd with a newer
# toolchain, the kernel's CONFIG_DEBUG_INFO_COMPRESSED_ZSTD): read through
# the same decompression stage as zlib, giving the bytes of the plain input,
# executables and relocatable objects alike. GCC 12 and binutils 2.40 cannot
# write zstd sections, so tests/tools/zstd_sections.c (built here) turns the
# zlib sections of gcc -gz's output into zstd ones.
. "$(dirname "$0")/lib.sh"

gcc -O2 -o "$TMP/zstd_sections" "$TOP/tests/tools/zstd_sections.c" -lz -lzstd 2> "$TMP/cc.err" ||
	skip_all "cannot build the zstd helper (libzstd-dev): $(head -1 "$TMP/cc.err")"
ctype() {	# ctype FILE: the Chdr type of .debug_info (1 zlib, 2 zstd)
	local off
	off=$(readelf -S -W "$1" | sed -n 's/.*\] \.debug_info *PROGBITS *[0-9a-f]* \([0-9a-f]*\) .*/\1/p')
	od -A n -t u4 -j $((16#$off)) -N 4 "$1" | tr -d ' '
}

for kind in exec obj; do
	flags=$([ $kind = obj ] && echo -c)
	gcc -w -g -O0 $flags -o "$TMP/plain.$kind" "$FIXTURES/kinds.c" &&
		gcc -w -g -gz -O0 $flags -o "$TMP/gz.$kind" "$FIXTURES/kinds.c" &&
		"$TMP/zstd_sections" "$TMP/gz.$kind" "$TMP/zstd.$kind" && [ "$(ctype "$TMP/zstd.$kind")" = 2 ]
	ok $? "$kind: gcc -gz, its sections recompressed with zstd (ELFCOMPRESS_ZSTD)"
	"$BTFSTREAM" "$TMP/plain.$kind" -o "$TMP/plain.$kind.btf" && "$BTFSTREAM" "$TMP/zstd.$kind" -o "$TMP/zstd.$kind.btf" &&
		cmp -s "$TMP/plain.$kind.btf" "$TMP/zstd.$kind.btf"
	ok $? "$kind: the same BTF as the uncompressed input"
	BTFSTREAM_READER_DWARF_CUS=1 "$BTFSTREAM" -j2 "$TMP/zstd.$kind" -o "$TMP/zstd1.btf" &&
		cmp -s "$TMP/plain.$kind.btf" "$TMP/zstd1.btf"
	ok $? "$kind: the same with -j2 and a fresh libdw handle per CU"
done

# a damaged zstd frame: one line naming the file, exit 1, no output
off=$(readelf -S -W "$TMP/zstd.exec" | sed -n 's/.*\] \.debug_info *PROGBITS *[0-9a-f]* \([0-9a-f]*\) .*/\1/p')
cp "$TMP/zstd.exec" "$TMP/bad.exec"
printf '\377\377\377\377' | dd of="$TMP/bad.exec" bs=1 seek=$((16#$off + 28)) conv=notrunc status=none
"$BTFSTREAM" "$TMP/bad.exec" -o "$TMP/bad.btf" 2> "$TMP/bad.err"; rc=$?
[ $rc -eq 1 ] && [ "$(wc -l < "$TMP/bad.err")" = 1 ] && grep -q "^btfstream: input: .*bad.exec: corrupt zstd-compressed section" "$TMP/bad.err" &&
	[ ! -e "$TMP/bad.btf" ]
ok $? "a damaged zstd stream: one error line, exit 1, no output" || sed 's/^/# /' "$TMP/bad.err"
if command -v pahole > /dev/null && command -v bpftool > /dev/null; then
	pahole -J --btf_encode_detached="$TMP/p.btf" "$TMP/zstd.exec" > /dev/null 2>&1; rc=$?
	n=$(bpftool btf dump file "$TMP/p.btf" format raw 2> /dev/null | grep -c '^\[')
	diag "Debian's pahole -J on it (elfutils $(dpkg-query -W -f='${Version}' libdw1 2> /dev/null)): exit $rc, $n types;" \
	     "btfstream: $(bpftool btf dump file "$TMP/zstd.exec.btf" format raw | grep -c '^\[') types"
fi
done_testing
