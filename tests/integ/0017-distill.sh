#!/usr/bin/env bash
# distilled_base (issue 14): split BTF with a .BTF.base (stages/distill).
#  1. -o OUT writes OUT and OUT.base; -J writes .BTF and .BTF.base into the
#     module; re-encoding without the feature leaves no stale .BTF.base;
#     --btf_encode_detached ignores it as pahole does (0013); batch mode.
#  2. btfstream diff reads a .BTF.base, and with --base relocates onto the
#     real base as the kernel would: equal to the module without distillation.
#  3. The bytes equal libbpf 1.5's btf__distill_base (built from Debian's
#     source by scripts/fetch-libbpf-oracle.sh) on the fixture module and
#     the real modules, and libbpf 1.5 reads and relocates the ELF output.
# The kernel's side (a module carried to another build): make check-kernel.
. "$(dirname "$0")/lib.sh"
command -v bpftool > /dev/null || skip_all "bpftool not installed"
command -v objcopy > /dev/null || skip_all "objcopy not installed"
sec() { has "$1" "$2" && objcopy --dump-section "$2=$3" "$1" "$TMP/scratch.o" 2> /dev/null; }
has() { readelf -SW "$1" | grep -q " $(echo "$2" | sed 's/\./\\./g') "; }	# objcopy's exit does not say

# ---- 1. outputs ---------------------------------------------------------------
(cd "$FIXTURES" && gcc -w -g -O0 -fno-eliminate-unused-debug-types kinds.c -o "$TMP/base.elf") &&
	"$BTFSTREAM" "$TMP/base.elf" -o "$TMP/base.btf" && (cd "$FIXTURES/module" && gcc -g -O2 -c mod.c -o "$TMP/mod.ko")
ok $? "the fixture base and module build"
"$BTFSTREAM" --base "$TMP/base.btf" "$TMP/mod.ko" -o "$TMP/plain.btf"
"$BTFSTREAM" --base "$TMP/base.btf" --btf_features=+distilled_base "$TMP/mod.ko" -o "$TMP/d.btf" --stats > "$TMP/d.stats"
[ $? -eq 0 ] && [ -s "$TMP/d.btf" ] && [ -s "$TMP/d.btf.base" ]; ok $? "-o OUT writes OUT and OUT.base"
n=$(sed -n 's/^distilled base: \([0-9]*\) types.*/\1/p' "$TMP/d.stats")
[ "$n" = "$(bpftool btf dump file "$TMP/d.btf.base" format raw | grep -c '^\[')" ]
ok $? "--stats counts the distilled base's types ($n)"
! bpftool btf dump file "$TMP/d.btf.base" format raw | grep -v "^\[[0-9]*\] \(INT\|FLOAT\|FWD\|STRUCT\|UNION\|ENUM\) '[^']" |
	grep -q "^\[" && ! bpftool btf dump file "$TMP/d.btf.base" format raw | grep -q "^	"
ok $? "the base holds only named INT/FLOAT/FWD/STRUCT/UNION/ENUM, without members or values"
bpftool btf dump file "$TMP/d.btf" --base "$TMP/d.btf.base" format raw > /dev/null 2>&1 ||
	bpftool btf dump -B "$TMP/d.btf.base" file "$TMP/d.btf" format raw > /dev/null
ok $? "bpftool reads OUT on OUT.base"
cp "$TMP/mod.ko" "$TMP/m.ko"
"$BTFSTREAM" -J --btf_base "$TMP/base.btf" --btf_features=+distilled_base "$TMP/m.ko" &&
	sec "$TMP/m.ko" .BTF "$TMP/m.btf" && sec "$TMP/m.ko" .BTF.base "$TMP/m.base" &&
	cmp -s "$TMP/m.btf" "$TMP/d.btf" && cmp -s "$TMP/m.base" "$TMP/d.btf.base"
ok $? "-J writes the same bytes as .BTF and .BTF.base"
"$BTFSTREAM" -J --btf_base "$TMP/base.btf" "$TMP/m.ko" && sec "$TMP/m.ko" .BTF "$TMP/m2.btf" &&
	cmp -s "$TMP/m2.btf" "$TMP/plain.btf" && ! has "$TMP/m.ko" .BTF.base &&
	[ "$(readelf -SW "$TMP/m.ko" | grep -c '\] .*NULL')" = 2 ]
ok $? "-J again without the feature: plain .BTF, the old .BTF.base made an inactive section"
"$BTFSTREAM" -J --btf_base "$TMP/base.btf" --btf_features=+distilled_base "$TMP/m.ko" &&
	sec "$TMP/m.ko" .BTF.base "$TMP/m3.base" && cmp -s "$TMP/m3.base" "$TMP/d.btf.base"
ok $? "... and with it again: a .BTF.base again"
"$BTFSTREAM" --btf_features=+distilled_base "$TMP/mod.ko" -o "$TMP/nobase.btf" -v 2> "$TMP/nobase.err"
[ $? -eq 0 ] && [ ! -e "$TMP/nobase.btf.base" ] && grep -q "nothing to distill" "$TMP/nobase.err"
ok $? "without --base there is nothing to distill: one line under -v, plain output"
cp "$TMP/d.btf" "$TMP/again.btf" && cp "$TMP/d.btf.base" "$TMP/again.btf.base" &&
	"$BTFSTREAM" --base "$TMP/base.btf" "$TMP/mod.ko" -o "$TMP/again.btf" && [ ! -e "$TMP/again.btf.base" ] &&
	cmp -s "$TMP/again.btf" "$TMP/plain.btf"
ok $? "-o OUT without the feature removes an OUT.base an earlier run left (it would describe another OUT)"
mkdir -p "$TMP/mods" && cp "$TMP/mod.ko" "$TMP/mods/a.ko" && cp "$TMP/mod.ko" "$TMP/mods/b.ko"
"$BTFSTREAM" --base "$TMP/base.btf" --btf_features=+distilled_base -o "$TMP/out" --modules "$TMP/mods" 2> /dev/null
ls "$TMP/out" | sort | tr '\n' ' ' > "$TMP/out.ls"
for f in $(ls "$TMP/out"); do cmp -s "$TMP/out/$f" "$TMP/d.btf${f##*.btf}" || echo "$f differs"; done > "$TMP/out.cmp"
[ -s "$TMP/out.ls" ] && grep -q "\.base" "$TMP/out.ls" && [ ! -s "$TMP/out.cmp" ]
ok $? "batch mode writes each module's OUT and OUT.base ($(cat "$TMP/out.ls"))" || diag "$(cat "$TMP/out.cmp")"

# ---- 2. diff ---------------------------------------------------------------------
"$BTFSTREAM" diff -q --base "$TMP/base.btf" "$TMP/mod.ko.d" "$TMP/plain.btf" 2> /dev/null; [ $? -eq 2 ]
ok $? "diff: a missing file is exit 2"
cp "$TMP/mod.ko" "$TMP/m.ko" && "$BTFSTREAM" -J --btf_base "$TMP/base.btf" --btf_features=+distilled_base "$TMP/m.ko"
"$BTFSTREAM" diff -q "$TMP/m.ko" "$TMP/d.btf" --base "$TMP/d.btf.base"
ok $? "diff --base OUT.base: the ELF relocated onto that distilled base equals OUT read on it"
"$BTFSTREAM" diff -q --base "$TMP/base.btf" "$TMP/m.ko" "$TMP/plain.btf"
ok $? "diff --base: the distilled module relocated onto the base equals the plain module"
cp "$TMP/mod.ko" "$TMP/m2.ko" && "$BTFSTREAM" -J --btf_base "$TMP/base.btf" --btf_features=+distilled_base "$TMP/m2.ko"
"$BTFSTREAM" diff -q "$TMP/m.ko" "$TMP/m2.ko"; ok $? "diff without --base: each read on its own .BTF.base"
"$BTFSTREAM" diff -q --base "$TMP/base.btf" "$TMP/m.ko" "$TMP/base.btf" 2> /dev/null; [ $? -eq 1 ]
ok $? "diff --base still finds differences (module against the base itself)"
# a base that lacks a type the module needs: relocation fails with a reason
(cd "$FIXTURES" && gcc -w -g -O0 -x c - -o "$TMP/other.elf" <<'C') && "$BTFSTREAM" "$TMP/other.elf" -o "$TMP/other.btf"
int main(void) { return 0; }
C
"$BTFSTREAM" diff -q --base "$TMP/other.btf" "$TMP/m.ko" "$TMP/plain.btf" 2> "$TMP/rel.err"
[ $? -eq 2 ] && grep -q "cannot relocate its BTF onto the given base: distilled base type" "$TMP/rel.err"
ok $? "diff --base onto a base without the module's types: exit 2, $(head -c 120 "$TMP/rel.err")"

# ---- 3. libbpf 1.5 as the oracle --------------------------------------------------
if [ -n "${BTFSTREAM_NO_ORACLE_BUILD:-}" ]; then
	skip "BTFSTREAM_NO_ORACLE_BUILD is set: no libbpf 1.5 oracle"; done_testing
fi
if ! prefix=$(cd "$TOP" && scripts/fetch-libbpf-oracle.sh 2> "$TMP/oracle.err"); then
	skip "cannot build libbpf 1.5 from Debian's source: $(tail -1 "$TMP/oracle.err")"; done_testing
fi
lib=$(ls "$prefix"/lib*/libbpf.a | head -1)
gcc -O2 -I"$prefix/include" -o "$TMP/oracle" "$TOP/tests/tools/distill_oracle.c" "$lib" -lelf -lz 2> "$TMP/cc.err"
ok $? "the oracle (tests/tools/distill_oracle.c) links against libbpf 1.5" || { sed 's/^/# /' "$TMP/cc.err"; done_testing; }
same_as_oracle() {	# BASE PLAIN DISTILLED: the oracle's distillation of PLAIN is DISTILLED(.base)
	"$TMP/oracle" "$1" "$2" "$TMP/o.base" "$TMP/o.btf" && cmp -s "$TMP/o.base" "$3.base" && cmp -s "$TMP/o.btf" "$3"
}
same_as_oracle "$TMP/base.btf" "$TMP/plain.btf" "$TMP/d.btf"
ok $? "fixture module: the bytes of libbpf 1.5's btf__distill_base"
[ -n "${BTFSTREAM_SKIP_KERNEL:-}" ] && { skip "BTFSTREAM_SKIP_KERNEL is set: no real modules"; done_testing; }
if ! mapfile -t paths < <(cd "$TOP" && scripts/fetch-kernel.sh --modules); then
	skip "cannot fetch the Debian kernel debug package"; done_testing
fi
vmlinux=${paths[0]} moddir=${paths[1]}
echo "# $(basename "$0"): the vmlinux and modules (a minute or more)" >&2
"$BTFSTREAM" "$vmlinux" -o "$TMP/vmlinux.btf"; ok $? "the vmlinux converts (the base)"
mkdir -p "$TMP/real" && find "$moddir" -name '*.ko' | sort > "$TMP/real.list"
"$BTFSTREAM" --base "$TMP/vmlinux.btf" -o "$TMP/plainmods" $(cat "$TMP/real.list") 2> /dev/null &&
	"$BTFSTREAM" --base "$TMP/vmlinux.btf" --btf_features=+distilled_base -o "$TMP/distmods" $(cat "$TMP/real.list") 2> /dev/null
ok $? "$(wc -l < "$TMP/real.list") real modules convert with and without distilled_base (batch mode)"
bad=
for p in "$TMP"/plainmods/*; do
	f=$(basename "$p")
	same_as_oracle "$TMP/vmlinux.btf" "$p" "$TMP/distmods/$f" || bad="$bad $f"
done
[ -z "$bad" ]; ok $? "every real module: the bytes of libbpf 1.5's btf__distill_base" || diag "differ:$bad"
m=$(grep -m1 '/veth.ko$' "$TMP/real.list")
cp "$m" "$TMP/veth.ko" && "$BTFSTREAM" -J --btf_base "$TMP/vmlinux.btf" --btf_features=+distilled_base "$TMP/veth.ko" &&
	"$TMP/oracle" --relocate "$TMP/veth.ko" "$TMP/vmlinux.btf" "$TMP/veth.rel" &&
	"$BTFSTREAM" diff -q --base "$TMP/vmlinux.btf" "$TMP/veth.rel" "$TMP/plainmods/veth.ko.btf"
ok $? "veth.ko with .BTF.base: libbpf 1.5 reads it, relocates it onto the vmlinux: the plain module's types"
done_testing
