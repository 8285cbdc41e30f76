#!/usr/bin/env bash
# Kernel modules: split BTF (--base) from relocatable objects.
#  1. A fixture "module" (tests/fixtures/module/mod.c, compiled -c by gcc and
#     clang) on top of a base made from tests/fixtures/kinds.c: golden text,
#     and the same types as pahole -J --btf_base.
#     Also cross-compiled (clang) for s390x and aarch64: the types of x86-64.
#  2. Real modules from Debian's cloud kernel package against btfstream's own
#     vmlinux BTF: the same types as pahole --btf_base for every kind but
#     FUNC/FUNC_PROTO, whose differences are each attributed to a rule.
. "$(dirname "$0")/lib.sh"
command -v bpftool > /dev/null || skip_all "bpftool not installed"

(cd "$FIXTURES" && gcc -w -g -O0 -fno-eliminate-unused-debug-types kinds.c -o "$TMP/base.elf") &&
	"$BTFSTREAM" "$TMP/base.elf" -o "$TMP/base.btf"
ok $? "the fixture base converts"
nbase=$(bpftool btf dump file "$TMP/base.btf" format raw | grep -c '^\[')
for cc in gcc clang; do
	if ! command -v $cc > /dev/null; then skip "$cc not installed"; continue; fi
	id="module.$cc"
	cmd="$cc -g -gdwarf-5 -O2 -c mod.c"
	diag "$cmd -o $id.o"
	(cd "$FIXTURES/module" && $cmd -o "$TMP/$id.o"); ok $? "$id: compiles to a relocatable object"
	"$BTFSTREAM" --base "$TMP/base.btf" "$TMP/$id.o" -o "$TMP/$id.btf"; ok $? "$id: converts with --base"
	bpftool -B "$TMP/base.btf" btf dump file "$TMP/$id.btf" format raw > "$TMP/$id.txt"
	ok $? "$id: loads in bpftool as split BTF"
	[ "$(head -1 "$TMP/$id.txt" | sed 's/^\[\([0-9]*\)\].*/\1/')" = $((nbase + 1)) ]
	ok $? "$id: its ids continue after the base's $nbase"
	! grep -q "STRUCT 'list'" "$TMP/$id.txt" && grep -q "'head' type_id=[0-9]* bits_offset=0" "$TMP/$id.txt"
	ok $? "$id: struct list comes from the base, not again"
	grep -q "STRUCT 'mod_state'" "$TMP/$id.txt" && grep -q "VAR 'mod_pcpu_state'" "$TMP/$id.txt" &&
		grep -q "FUNC 'mod_init' type_id=[0-9]* linkage=static" "$TMP/$id.txt"
	ok $? "$id: its own struct, per-CPU VAR and FUNC are there (names relocated)"
	BTFSTREAM_BASE_PRUNE=0 "$BTFSTREAM" --base "$TMP/base.btf" "$TMP/$id.o" -o "$TMP/$id.noprune.btf" &&
		cmp "$TMP/$id.btf" "$TMP/$id.noprune.btf"
	ok $? "$id: hiding unusable base types from the dedup changes no byte (BTFSTREAM_BASE_PRUNE=0)"
	BTFSTREAM_RELOC_GENERAL=1 "$BTFSTREAM" --base "$TMP/base.btf" "$TMP/$id.o" -o "$TMP/$id.general.btf" &&
		cmp "$TMP/$id.btf" "$TMP/$id.general.btf"
	ok $? "$id: relocations applied in place give the general loop's bytes (BTFSTREAM_RELOC_GENERAL=1)"
	BTFSTREAM_SPLIT_LATE=0 "$BTFSTREAM" --base "$TMP/base.btf" "$TMP/$id.o" -o "$TMP/$id.libbpf.btf" &&
		cmp "$TMP/$id.btf" "$TMP/$id.libbpf.btf"
	ok $? "$id: split BTF made at the end gives libbpf's bytes (BTFSTREAM_SPLIT_LATE=0)"
	"$BTFSTREAM" --stats --base "$TMP/base.btf" "$TMP/$id.o" -o "$TMP/$id.btf" > "$TMP/$id.stats" 2>&1
	grep -Eq "^base: $nbase types, [1-9][0-9]* hidden" "$TMP/$id.stats"
	ok $? "$id: --stats reports base types hidden" || sed 's/^/# /' "$TMP/$id.stats" | tail -4
	grep -Eq "^split BTF: made at the end .*\([1-9][0-9]* the base has, [1-9][0-9]* its own\)" "$TMP/$id.stats"
	ok $? "$id: --stats says the split BTF was made at the end" || grep '^split' "$TMP/$id.stats" | sed 's/^/# /'
	golden=$FIXTURES/expected/$id.txt
	{ echo "# $cmd -o $id.o  (base: kinds.c as in tests/fixtures/expected/kinds.gcc-dwarf4.txt, -O0)"
	  echo "# btfstream --base base.btf $id.o -o $id.btf && bpftool -B base.btf btf dump file $id.btf format raw"
	  cat "$TMP/$id.txt"; } > "$TMP/$id.golden"
	[ -n "${UPDATE_GOLDEN:-}" ] && cp "$TMP/$id.golden" "$golden"
	diff -u "$golden" "$TMP/$id.golden" > "$TMP/$id.gdiff"; ok $? "$id: equals the golden text" || sed 's/^/# /' "$TMP/$id.gdiff" | head
	if command -v pahole > /dev/null; then
		pahole -J --btf_gen_floats --btf_base "$TMP/base.btf" --btf_encode_detached="$TMP/$id.pahole" "$TMP/$id.o" > /dev/null
		"$BTFSTREAM" diff --base "$TMP/base.btf" "$TMP/$id.pahole" "$TMP/$id.btf" > "$TMP/$id.pdiff"
		ok $? "$id: the same types as pahole --btf_base, functions and their linkage included" || sed 's/^/# /' "$TMP/$id.pdiff" | head -20
	else
		skip "$id: pahole not installed"
	fi
done

# Without /proc the split BTF made at the end (split_late.h) goes through a
# file in $TMPDIR instead of a memfd: the same bytes, and the file removed.
id=module.gcc
if ldd "$BTFSTREAM" 2> /dev/null | grep -q 'libasan\|libtsan'; then
	skip "a sanitizer build: its runtime needs /proc (LeakSanitizer stops without it)"
elif [ -e "$TMP/$id.o" ] && unshare -m sh -c 'mount -t tmpfs none /proc' 2> /dev/null; then
	mkdir -p "$TMP/tmpdir"
	unshare -m sh -c 'mount -t tmpfs none /proc && exec env TMPDIR="$1" "$2" --base "$3" "$4" -o "$5"' _ \
		"$TMP/tmpdir" "$BTFSTREAM" "$TMP/base.btf" "$TMP/$id.o" "$TMP/$id.noproc.btf" &&
		cmp "$TMP/$id.btf" "$TMP/$id.noproc.btf" && [ -z "$(ls -A "$TMP/tmpdir")" ]
	ok $? "$id: without /proc (a file in \$TMPDIR, not a memfd): the same bytes, no file left"
else
	skip "no mount namespace with a mount of its own here (unshare -m): the split BTF's \$TMPDIR path untested"
fi

# A relocatable object of 24 CUs of ~17 KB each (ld -r, as a module is
# linked): the relocation sections are let go once applied, and each unit
# once written, but its first bytes (stages/input/input.h); none of that may
# change a byte, with one reader or three, and with a fresh libdw handle for
# every CU (BTFSTREAM_READER_DWARF_CUS=1: each reads the headers of all the
# CUs before its own again, those of written units too).
mkdir -p "$TMP/multi"
for i in $(seq 1 24); do
	{ echo "struct shared { int a; long b; struct shared *next; };"
	  for s in $(seq 1 120); do
		echo "struct u${i}_s$s { int a$s; long b$s; struct u${i}_s$(( s > 1 ? s - 1 : 1 )) *prev; struct shared *sh;" \
		     "char name[$s]; unsigned int bits : 3; enum { u${i}_e${s}_x, u${i}_e${s}_y } e; };"
	  done
	  echo "int u${i}_use(struct u${i}_s120 *p, struct shared *q) { return p->a120 + q->a; }"; } > "$TMP/multi/u$i.c"
done
(cd "$TMP/multi" && gcc -w -g -O2 -fno-eliminate-unused-debug-types -c u*.c && ld -r -o ../multi.o u*.o)
ok $? "multi: 24 CUs link into one relocatable object"
# (~400 KB of .debug_info: under INPUT_RELEASE_MIN, so BTFSTREAM_RELEASE_MIN=0
# lets its units go; by default they stay, and the relocations, read with
# pread, are never mapped)
BTFSTREAM_RELEASE_MIN=0 "$BTFSTREAM" --stats "$TMP/multi.o" -o "$TMP/multi.btf" > "$TMP/multi.stats" 2>&1
grep -Eq "^relocated input: [1-9][0-9]* KiB of written units let go" "$TMP/multi.stats" &&
	grep -Eq "^relocated input: [1-9][0-9]* KiB of relocations read without mapping them" "$TMP/multi.stats"
ok $? "multi: --stats says the relocations were read unmapped and written units let go" ||
	sed 's/^/# /' "$TMP/multi.stats" | tail -3
"$BTFSTREAM" --stats "$TMP/multi.o" -o "$TMP/multi.small.btf" > "$TMP/multi.small.stats" 2>&1 &&
	grep -q "^relocated input: written units kept (under 2 MiB of .debug_info" "$TMP/multi.small.stats" &&
	cmp -s "$TMP/multi.btf" "$TMP/multi.small.btf"
ok $? "multi: under 2 MiB of .debug_info its written units stay, the same bytes" ||
	sed 's/^/# /' "$TMP/multi.small.stats" | tail -3
BTFSTREAM_RELOC_GENERAL=1 "$BTFSTREAM" --stats "$TMP/multi.o" -o "$TMP/multi.general.btf" > "$TMP/multi.general.stats" 2>&1 &&
	grep -Eq "^relocated input: 0 KiB of relocations read without mapping them, [1-9][0-9]* KiB let go" \
		"$TMP/multi.general.stats" && cmp -s "$TMP/multi.btf" "$TMP/multi.general.btf"
ok $? "multi: relocations read through the mapping (the general loop) are let go once applied, the same bytes" ||
	sed 's/^/# /' "$TMP/multi.general.stats" | tail -3
for v in "" BTFSTREAM_READER_DWARF_CUS=1; do
	for j in 1 3; do
		env $v BTFSTREAM_KEEP_UNITS=1 "$BTFSTREAM" -j$j "$TMP/multi.o" -o "$TMP/multi.keep.btf" &&
			env $v BTFSTREAM_RELEASE_MIN=0 "$BTFSTREAM" -j$j "$TMP/multi.o" -o "$TMP/multi.go.btf" &&
			cmp "$TMP/multi.keep.btf" "$TMP/multi.go.btf" && cmp "$TMP/multi.btf" "$TMP/multi.go.btf"
		ok $? "multi: -j$j ${v:-(default handles)}: the same bytes as with the units kept (BTFSTREAM_KEEP_UNITS=1)"
	done
done

# Other architectures' relocatable objects (clang cross-compiles without a
# sysroot): s390x is big-endian, and both relocate with their own types.
# Their types must be those of the x86-64 object but for char, which is
# unsigned on both (an ABI difference, not a reading one); the BTF comes out
# in the target's byte order, which bpftool reads.
if command -v clang > /dev/null; then
	(cd "$FIXTURES/module" && clang --target=x86_64-linux-gnu -g -gdwarf-5 -O2 -c mod.c -o "$TMP/x.x86_64.o") &&
		"$BTFSTREAM" "$TMP/x.x86_64.o" -o "$TMP/x.x86_64.btf"
	ok $? "cross: the x86-64 object converts"
	for t in s390x aarch64; do
		cmd="clang --target=$t-linux-gnu -g -gdwarf-5 -O2 -c mod.c"
		if ! (cd "$FIXTURES/module" && $cmd -o "$TMP/x.$t.o" 2> /dev/null); then
			skip "clang cannot build for $t"
			continue
		fi
		"$BTFSTREAM" "$TMP/x.$t.o" -o "$TMP/x.$t.btf" && bpftool btf dump file "$TMP/x.$t.btf" > /dev/null
		ok $? "cross: $t: converts, and bpftool reads it"
		BTFSTREAM_RELOC_GENERAL=1 "$BTFSTREAM" "$TMP/x.$t.o" -o "$TMP/x.$t.general.btf" &&
			cmp "$TMP/x.$t.btf" "$TMP/x.$t.general.btf"
		ok $? "cross: $t: the same bytes with the general relocation loop (BTFSTREAM_RELOC_GENERAL=1)"
		"$BTFSTREAM" diff "$TMP/x.x86_64.btf" "$TMP/x.$t.btf" > "$TMP/x.$t.diff"
		grep -E '^[-+] only in' "$TMP/x.$t.diff" > "$TMP/x.$t.only"
		[ -s "$TMP/x.$t.only" ] && ! grep -qv '"char"' "$TMP/x.$t.only"
		ok $? "cross: $t: the same types as x86-64 but char's signedness" || sed 's/^/# /' "$TMP/x.$t.diff" | head -20
	done
else
	skip "clang not installed: no cross-architecture objects"
fi

[ -n "${BTFSTREAM_SKIP_KERNEL:-}" ] && { skip "BTFSTREAM_SKIP_KERNEL is set: no real modules"; done_testing; }
command -v pahole > /dev/null || { skip "pahole not installed: no real modules"; done_testing; }
if ! mapfile -t paths < <(cd "$TOP" && scripts/fetch-kernel.sh --modules); then
	skip "cannot fetch the Debian kernel debug package"; done_testing
fi
vmlinux=${paths[0]} moddir=${paths[1]}
echo "# $(basename "$0"): the vmlinux and modules (a minute or more)" >&2
"$BTFSTREAM" "$vmlinux" -o "$TMP/vmlinux.btf"; ok $? "the vmlinux converts (the base)"
for m in fs/xfs/xfs.ko fs/btrfs/btrfs.ko drivers/net/ethernet/mellanox/mlx5/core/mlx5_core.ko \
	 drivers/net/veth.ko drivers/net/dummy.ko drivers/block/loop.ko drivers/net/tun.ko net/netfilter/nf_tables.ko; do
	name=$(basename "$m" .ko)
	"$BTFSTREAM" --base "$TMP/vmlinux.btf" "$moddir/kernel/$m" -o "$TMP/$name.btf" --funcs-report "$TMP/$name.rep"
	ok $? "$name.ko: converts with --base"
	pahole -J --btf_gen_floats --lang_exclude=rust --btf_base "$TMP/vmlinux.btf" --btf_encode_detached="$TMP/$name.pahole" "$moddir/kernel/$m" > /dev/null
	"$BTFSTREAM" diff --base "$TMP/vmlinux.btf" --ignore-kinds FUNC,FUNC_PROTO "$TMP/$name.pahole" "$TMP/$name.btf" > "$TMP/$name.diff"
	ok $? "$name.ko: the same types as pahole --btf_base but FUNC/FUNC_PROTO" || sed 's/^/# /' "$TMP/$name.diff" | head -20
	BTFSTREAM=$BTFSTREAM bash "$TOP/tests/integ/attribute-funcs.sh" "$TMP/$name.pahole" "$TMP/$name.btf" "$TMP/$name.rep" "$TMP/vmlinux.btf" > "$TMP/$name.attr"
	ok $? "$name.ko: every FUNC difference is attributed to a rule"
	sed "s/^#/# $name:/" "$TMP/$name.attr" | grep -v "unexplained: 0"
done

# batch mode: the same modules in one process, outputs identical to the
# single runs above; a bad input fails alone
printf 'not an ELF\n' > "$TMP/broken.ko"
mkdir -p "$TMP/set/a/b"	# the 8 modules, as links in a tree
i=0
for m in fs/xfs/xfs.ko fs/btrfs/btrfs.ko drivers/net/ethernet/mellanox/mlx5/core/mlx5_core.ko \
	 drivers/net/veth.ko drivers/net/dummy.ko drivers/block/loop.ko drivers/net/tun.ko net/netfilter/nf_tables.ko; do
	ln -s "$moddir/kernel/$m" "$TMP/set/$([ $((i++ % 2)) = 0 ] && echo a || echo a/b)/$(basename "$m")"
done
"$BTFSTREAM" -j2 --base "$TMP/vmlinux.btf" -o "$TMP/batch" --modules "$TMP/set" "$TMP/broken.ko" 2> "$TMP/batch.err"
rc=$?
[ $rc -eq 1 ] && grep -q "broken.ko: not an ELF file" "$TMP/batch.err" && grep -q "1 of 9 inputs failed" "$TMP/batch.err"
ok $? "batch: --modules DIR plus a broken input: exit 1, the broken one reported" || sed 's/^/# /' "$TMP/batch.err"
same=0
for m in $(find "$TMP/set" -name '*.ko'); do
	name=$(basename "$m" .ko)
	cmp -s "$TMP/batch/$name.ko.btf" "$TMP/$name.btf" && same=$((same + 1))
done
[ $same -eq 8 ]; ok $? "batch: all 8 outputs byte-identical to single runs ($same)"
[ ! -e "$TMP/batch/broken.ko.btf" ]; ok $? "batch: no output for the broken input"

# hiding the base types a module cannot use (stages/dedup/base_prune.h) must not
# change a byte: every 8th module of the package (all of them when only the
# test's few were fetched), with and without, in batch mode
find "$moddir/kernel" -name '*.ko' | sort > "$TMP/all"
awk -v n="$(wc -l < "$TMP/all")" 'n < 64 || NR % 8 == 1' "$TMP/all" > "$TMP/sample"
mkdir -p "$TMP/pruned" "$TMP/unpruned"
"$BTFSTREAM" --base "$TMP/vmlinux.btf" -o "$TMP/pruned" $(cat "$TMP/sample") &&
	BTFSTREAM_BASE_PRUNE=0 "$BTFSTREAM" --base "$TMP/vmlinux.btf" -o "$TMP/unpruned" $(cat "$TMP/sample")
ok $? "base pruning: $(wc -l < "$TMP/sample") modules convert with and without"
# how many of the sampled modules' outputs differ between two folders
differing() {
	local m n=0
	while read -r m; do
		cmp -s "$1/$(basename "$m").btf" "$2/$(basename "$m").btf" || n=$((n + 1))
	done < "$TMP/sample"
	echo $n
}
compared=$(wc -l < "$TMP/sample")
diffs=$(differing "$TMP/pruned" "$TMP/unpruned")
[ $compared -ge 2 ] && [ $diffs -eq 0 ]
ok $? "base pruning: all $compared outputs byte-identical ($diffs differ)"

# the sample in batch mode with one switch set (VAR=VALUE) into $TMP/DIR:
# every module converts, and every output is the default's byte for byte
same_with() {
	local diffs
	mkdir -p "$TMP/$2"
	env "$1" "$BTFSTREAM" --base "$TMP/vmlinux.btf" -o "$TMP/$2" $(cat "$TMP/sample")
	ok $? "$3: the $compared modules convert"
	diffs=$(differing "$TMP/pruned" "$TMP/$2")
	[ $diffs -eq 0 ]
	ok $? "$3: all $compared outputs byte-identical to the default's ($diffs differ)"
}

# the relocations of a 64-bit RELA section in this machine's byte order are
# applied in place (stages/input/reloc.c); the general loop must give the
# same bytes on the same modules
same_with BTFSTREAM_RELOC_GENERAL=1 general "relocations, general loop"

# batch mode makes each module's first batch split BTF from bytes, its names
# looked up in an index of the base's strings of its own
# (stages/dedup/base_strs.h); libbpf's lookups must give the same bytes
same_with BTFSTREAM_BASE_STRS=0 libbpfstrs "base string index off"

# one process per module (its split BTF made at the end, split_late.h) and
# batch mode (libbpf's way, the base's strings indexed once): the same bytes
mkdir -p "$TMP/single"
fails=0
while read -r m; do
	"$BTFSTREAM" --base "$TMP/vmlinux.btf" "$m" -o "$TMP/single/$(basename "$m").btf" || fails=$((fails + 1))
done < "$TMP/sample"
diffs=$(differing "$TMP/pruned" "$TMP/single")
[ $fails -eq 0 ] && [ $diffs -eq 0 ]
ok $? "split BTF made at the end: $compared modules one process each, the bytes of batch mode ($fails failed, $diffs differ)"
done_testing
