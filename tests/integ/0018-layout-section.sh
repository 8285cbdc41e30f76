#!/usr/bin/env bash
# The `layout` feature (kernel 7.1's BTF UAPI; kbuild passes it from 7.1):
# base BTF gets a 32-byte header and a layout section between types and
# strings, one 4-byte entry per kind 0..ENUM64 (info_sz, elem_sz, flags 0);
# the types and strings are the bytes of the plain output; split BTF never
# gets one (as pahole). libbpf 1.1 (bpftool, btfstream diff, --base) reads
# it as before.
. "$(dirname "$0")/lib.sh"
command -v bpftool > /dev/null || skip_all "bpftool not installed"

gcc -w -g -O0 -fno-eliminate-unused-debug-types -o "$TMP/k.elf" "$FIXTURES/kinds.c" &&
	"$BTFSTREAM" "$TMP/k.elf" -o "$TMP/plain.btf" && "$BTFSTREAM" --btf_features=+layout "$TMP/k.elf" -o "$TMP/l.btf"
ok $? "the kinds fixture converts with and without layout"
python3 - "$TMP/plain.btf" "$TMP/l.btf" > "$TMP/check.txt" <<'PY'
import struct, sys
p, l = open(sys.argv[1], 'rb').read(), open(sys.argv[2], 'rb').read()
ph = struct.unpack_from('<HBBIIIII', p, 0)
lh = struct.unpack_from('<HBBIIIIIII', l, 0)
magic, ver, flags, hl, to, tl, so, sl, lo, ll = lh
want = {1: (4, 0), 3: (12, 0), 4: (0, 12), 5: (0, 12), 6: (0, 8), 13: (0, 8), 14: (4, 0), 15: (0, 12), 17: (4, 0), 19: (0, 12)}
entries = [struct.unpack_from('<BBH', l, hl + lo + 4 * k) for k in range(ll // 4)]
checks = [
    ("hdr_len 32", hl == 32),
    ("layout_len 80 (kinds 0..19)", ll == 80),
    ("order: types, layout, strings", to == 0 and lo == tl and so == lo + ll and lo % 4 == 0),
    ("size adds up", len(l) == hl + so + sl),
    ("types are the plain output's", l[hl + to:hl + to + tl] == p[ph[3] + ph[4]:ph[3] + ph[4] + ph[5]]),
    ("strings are the plain output's", l[hl + so:hl + so + sl] == p[ph[3] + ph[6]:ph[3] + ph[6] + ph[7]]),
    ("entries: the UAPI struct sizes, flags 0", all(e == (*want.get(k, (0, 0)), 0) for k, e in enumerate(entries))),
]
for what, good in checks:
    print(("ok " if good else "bad ") + what)
PY
! grep -q "^bad" "$TMP/check.txt"; ok $? "header and section: $(tr '\n' ';' < "$TMP/check.txt")"
[ "$(bpftool btf dump file "$TMP/l.btf" format raw)" = "$(bpftool btf dump file "$TMP/plain.btf" format raw)" ]
ok $? "libbpf 1.1 (bpftool) reads it: the same types"
"$BTFSTREAM" diff -q "$TMP/plain.btf" "$TMP/l.btf"; ok $? "btfstream diff reads it: no differences"
(cd "$FIXTURES/module" && gcc -g -O2 -c mod.c -o "$TMP/mod.ko") &&
	"$BTFSTREAM" --base "$TMP/l.btf" "$TMP/mod.ko" -o "$TMP/m-on-l.btf" &&
	"$BTFSTREAM" --base "$TMP/plain.btf" "$TMP/mod.ko" -o "$TMP/m-on-p.btf" && cmp -s "$TMP/m-on-l.btf" "$TMP/m-on-p.btf"
ok $? "--base reads it: the module's bytes do not change"
"$BTFSTREAM" -v --btf_features=+layout --base "$TMP/plain.btf" "$TMP/mod.ko" -o "$TMP/m-l.btf" 2> "$TMP/m.err" &&
	cmp -s "$TMP/m-l.btf" "$TMP/m-on-p.btf" && grep -q "layout: written for base BTF only" "$TMP/m.err"
ok $? "split BTF gets no layout section (a line under -v), as pahole"
cp "$TMP/k.elf" "$TMP/k2.elf" && "$BTFSTREAM" -J --btf_features=+layout "$TMP/k2.elf" &&
	objcopy --dump-section .BTF="$TMP/k2.btf" "$TMP/k2.elf" "$TMP/scratch" && cmp -s "$TMP/k2.btf" "$TMP/l.btf"
ok $? "-J writes the same bytes into .BTF"
if command -v clang > /dev/null; then
	clang --target=s390x-linux-gnu -g -O0 -c "$FIXTURES/kinds.c" -o "$TMP/be.o" 2> /dev/null &&
		"$BTFSTREAM" "$TMP/be.o" -o "$TMP/be.btf" && "$BTFSTREAM" --btf_features=+layout "$TMP/be.o" -o "$TMP/bel.btf" &&
		python3 - "$TMP/be.btf" "$TMP/bel.btf" <<'PY'
import struct, sys
p, l = open(sys.argv[1], 'rb').read(), open(sys.argv[2], 'rb').read()
_, _, _, phl, pto, ptl, pso, psl = struct.unpack_from('>HBBIIIII', p, 0)
_, _, _, hl, to, tl, so, sl, lo, ll = struct.unpack_from('>HBBIIIIIII', l, 0)
ok = (hl, ll, lo, so) == (32, 80, tl, tl + 80) and l[hl:hl + tl] == p[phl + pto:phl + pto + ptl] \
    and l[hl + so:] == p[phl + pso:phl + pso + psl] and struct.unpack_from('>BBH', l, hl + lo + 4 * 4) == (0, 12, 0)
sys.exit(0 if ok else 1)
PY
	ok $? "a big-endian target (s390x): header and entries in its byte order, the same types and strings"
else
	skip "clang not installed: no big-endian object"
fi
done_testing
