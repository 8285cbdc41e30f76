#!/usr/bin/env bash
# BTF from a newer kernel UAPI (7.1 widens a type's vlen to 24 bits and its
# kind to 7 bits, and may add a layout section to the header). libbpf 1.1
# masks info at 16/5 bits and would read such a type as another kind or with
# fewer members, silently: btfstream refuses such a base BTF (single file and
# batch mode) and such a diff input with one line naming the file and the
# type. A 32-byte header with a layout section but only known kinds is read
# as before.
. "$(dirname "$0")/lib.sh"

gcc -w -g -O0 -c -o "$TMP/k.o" "$FIXTURES/kinds.c" && "$BTFSTREAM" "$TMP/k.o" -o "$TMP/k.btf"
ok $? "a base BTF from the kinds fixture"

# mutate FILE OUT ID BIT: set BIT in type ID's info word (walking the type
# section by each kind's size); prints the new info word
mutate() {
	python3 - "$@" <<'PY'
import struct, sys
src, out, want, bit = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4], 0)
d = bytearray(open(src, 'rb').read())
hl, to, tl = struct.unpack_from('<III', d, 4)
per_member = {4: 12, 5: 12, 6: 8, 13: 8, 15: 12, 19: 12}
extra = {1: 4, 3: 12, 14: 4, 17: 4}
off, end, tid = hl + to, hl + to + tl, 1
while off < end:
    info = struct.unpack_from('<I', d, off + 4)[0]
    kind, vlen = (info >> 24) & 0x1f, info & 0xffff
    if tid == want:
        struct.pack_into('<I', d, off + 4, info | bit)
        open(out, 'wb').write(d)
        print('0x%08x' % (info | bit))
        sys.exit(0)
    off += 12 + extra.get(kind, 0) + per_member.get(kind, 0) * vlen
    tid += 1
sys.exit('no type %d' % want)
PY
}
ntypes=$(bpftool btf dump file "$TMP/k.btf" 2> /dev/null | grep -c '^\[')
[ "${ntypes:-0}" -gt 3 ]
ok $? "the base has $ntypes types"

for case in "vlen 3 0x10000" "kind $ntypes 0x20000000" "vlen $ntypes 0x800000"; do
	set -- $case
	what=$1 id=$2 bit=$3
	info=$(mutate "$TMP/k.btf" "$TMP/wide.btf" "$id" "$bit")
	ok $? "$what bit $bit set on type [$id] (info $info)"
	"$BTFSTREAM" --base "$TMP/wide.btf" "$TMP/k.o" -o "$TMP/split.btf" 2> "$TMP/err"; rc=$?
	[ $rc -eq 1 ] && [ "$(wc -l < "$TMP/err")" = 1 ] && [ ! -e "$TMP/split.btf" ] &&
		grep -q "^btfstream: input: $TMP/wide.btf: base BTF: type \[$id\] has info $info: " "$TMP/err"
	ok $? "$what: --base refuses it: one line naming the file and type [$id], exit 1, no output" ||
		sed 's/^/# /' "$TMP/err"
	"$BTFSTREAM" --base "$TMP/wide.btf" -o "$TMP/outdir" "$TMP/k.o" 2> "$TMP/err"; rc=$?
	[ $rc -ne 0 ] && [ "$(wc -l < "$TMP/err")" = 1 ] && [ ! -e "$TMP/outdir/k.o.btf" ] &&
		grep -q "^btfstream: input: $TMP/wide.btf: base BTF: type \[$id\]" "$TMP/err"
	ok $? "$what: batch mode refuses it the same way" || sed 's/^/# /' "$TMP/err"
	"$BTFSTREAM" diff "$TMP/k.btf" "$TMP/wide.btf" > "$TMP/out" 2> "$TMP/err"; rc=$?
	[ $rc -eq 2 ] && grep -q "^btfstream diff: $TMP/wide.btf: type \[$id\] has info $info: " "$TMP/err"
	ok $? "$what: diff refuses it (exit 2) naming the file and type [$id]" || sed 's/^/# /' "$TMP/err"
done

# a 32-byte header (layout_off, layout_len) with a layout section, known kinds only
python3 - "$TMP/k.btf" "$TMP/hdr32.btf" <<'PY'
import struct, sys
d = open(sys.argv[1], 'rb').read()
magic, ver, fl, hl, to, tl, so, sl = struct.unpack_from('<HBBIIIII', d, 0)
body = d[hl:]
layout = bytes(12)
open(sys.argv[2], 'wb').write(struct.pack('<HBBIIIIIII', magic, ver, fl, 32, to, tl, so, sl, len(body), len(layout)) + body + layout)
PY
ok $? "the base rewritten with a 32-byte header and a layout section"
"$BTFSTREAM" --base "$TMP/k.btf" "$TMP/k.o" -o "$TMP/split24.btf" &&
	"$BTFSTREAM" --base "$TMP/hdr32.btf" "$TMP/k.o" -o "$TMP/split32.btf" && cmp -s "$TMP/split24.btf" "$TMP/split32.btf"
ok $? "split BTF on the 32-byte-header base: the same bytes as on the 24-byte one"
"$BTFSTREAM" diff "$TMP/k.btf" "$TMP/hdr32.btf" > "$TMP/out" 2>&1
ok $? "diff: the two bases have the same types" || sed 's/^/# /' "$TMP/out"
done_testing
