#!/usr/bin/env bash
# The same binary under a newer libbpf.so.1 (libbpf 1.5, Debian trixie's, built
# from Debian's source by scripts/fetch-libbpf-oracle.sh), as on a distribution
# whose libbpf is newer than the one btfstream was built against. libbpf 1.3
# and later check every name offset when they parse BTF: the merge thread's
# batches, handed over with a string section of just "" under libbpf 1.1,
# were refused there with a warning each ("invalid type name") and deduped
# the slow way (libbpf hashing their strings: the merge thread's CPU twice).
# Now the probe (stages/common/libbpf_caps.h) sees it and each batch goes
# over on a strings-only base (stages/dedup/merge.c). Checked: no libbpf
# line on stderr, --stats names the way, and the bytes are those made under
# libbpf 1.1: fixtures in many batches, a module on a base (its split BTF
# parsed through btf__new_split, which 1.1 does not export), diff, a build
# against libbpf 1.5's headers (as on Debian trixie), and the
# real vmlinux and modules when the Debian kernel is at hand; a corrupt base
# is still one line (libbpf's own warning only at -v).
. "$(dirname "$0")/lib.sh"
if [ -n "${BTFSTREAM_NO_ORACLE_BUILD:-}" ]; then
	skip_all "BTFSTREAM_NO_ORACLE_BUILD is set: no libbpf 1.5 built"
fi
if ! prefix=$(cd "$TOP" && scripts/fetch-libbpf-oracle.sh 2> "$TMP/oracle.err"); then
	skip_all "cannot build libbpf 1.5 from Debian's source: $(tail -1 "$TMP/oracle.err")"
fi
so=$(ls "$prefix"/lib*/libbpf.so.1 2> /dev/null | head -1)
[ -n "$so" ] || skip_all "the libbpf 1.5 build has no libbpf.so.1 under $prefix"
libdir=$(dirname "$so")
new() { LD_LIBRARY_PATH=$libdir${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH} "$BTFSTREAM" "$@"; }
LD_LIBRARY_PATH=$libdir ldd "$BTFSTREAM" | grep -q "libbpf.so.1 => $libdir/"
ok $? "the binary loads $so"

# one run under each library: same bytes, nothing on the newer one's stderr
both() {	# both NAME ARGS... (the output goes to $TMP/NAME.{old,new}.btf)
	local name=$1
	shift
	"$BTFSTREAM" "$@" --stats -o "$TMP/$name.old.btf" > "$TMP/$name.old.stats" 2> "$TMP/$name.old.err" &&
		new "$@" --stats -o "$TMP/$name.new.btf" > "$TMP/$name.new.stats" 2> "$TMP/$name.new.err" &&
		cmp -s "$TMP/$name.old.btf" "$TMP/$name.new.btf" && [ ! -s "$TMP/$name.new.err" ]
	ok $? "$name: the same bytes under libbpf 1.5, nothing on stderr$(head -c 150 "$TMP/$name.new.err")"
}
build_many_elf "$TMP/many" || { echo "Bail out! cannot build the fixture"; exit 1; }
both many --batch-records 64 "$TMP/many"
grep -q '^batch strings: 0 set aside behind a bare "", [1-9][0-9]* on a strings-only base, 0 hashed by libbpf (libbpf checks names' \
	"$TMP/many.new.stats"
ok $? "libbpf 1.5: every batch on a strings-only base ($(grep '^batch strings' "$TMP/many.new.stats"))"
grep -q '^batch strings: .*, 0 hashed by libbpf' "$TMP/many.old.stats"
ok $? "libbpf the binary was built with: no batch hashed ($(grep '^batch strings' "$TMP/many.old.stats"))"
for w in bare hashed; do
	BTFSTREAM_BATCH_STRINGS=$w new --batch-records 64 --stats "$TMP/many" -o "$TMP/many.$w.btf" \
		> "$TMP/$w.stats" 2> "$TMP/$w.err"
	grep -q '^batch strings: 0 set aside behind a bare "", 0 on a strings-only base, [1-9]' "$TMP/$w.stats" &&
		[ ! -s "$TMP/$w.err" ] && cmp -s "$TMP/many.$w.btf" "$TMP/many.old.btf"
	ok $? "libbpf 1.5, BTFSTREAM_BATCH_STRINGS=$w: every batch hashed by libbpf$([ $w = bare ] &&
		echo ' (it refuses a bare ""; its warnings only at -v)'), the same bytes"
done

# a module on a base: one process makes its split BTF at the end; diff reads it
(cd "$FIXTURES" && gcc -w -g -O0 -fno-eliminate-unused-debug-types kinds.c -o "$TMP/base.elf") &&
	"$BTFSTREAM" "$TMP/base.elf" -o "$TMP/base.btf" && (cd "$FIXTURES/module" && gcc -g -O2 -c mod.c -o "$TMP/mod.ko") ||
	{ echo "Bail out! cannot build the fixture module"; exit 1; }
both module --base "$TMP/base.btf" "$TMP/mod.ko"
new diff --base "$TMP/base.btf" "$TMP/module.old.btf" "$TMP/module.new.btf" > "$TMP/diff.out" 2>&1
ok $? "btfstream diff under libbpf 1.5 reads split BTF: $(head -c 150 "$TMP/diff.out")"

# built against libbpf 1.5's headers and library, as on Debian trixie
# (-Werror: nothing deprecated or changed in the API btfstream uses); a
# plain build whatever make runs this test (check-san's SAN and O stay out)
if env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL make -s -j"$(nproc)" -C "$TOP" O="$TMP/b15" SAN= WERROR=1 \
	CC="${CC:-gcc} -isystem $prefix/include" LDFLAGS="-L$libdir -Wl,-rpath,$libdir" "$TMP/b15/btfstream" \
	> "$TMP/b15.log" 2>&1; then
	ldd "$TMP/b15/btfstream" | grep -q "libbpf.so.1 => $libdir/" &&
		"$TMP/b15/btfstream" --batch-records 64 "$TMP/many" -o "$TMP/many.b15.btf" 2> "$TMP/b15.err" &&
		cmp -s "$TMP/many.b15.btf" "$TMP/many.old.btf" && [ ! -s "$TMP/b15.err" ] &&
		"$TMP/b15/btfstream" --base "$TMP/base.btf" "$TMP/mod.ko" -o "$TMP/mod.b15.btf" 2>> "$TMP/b15.err" &&
		cmp -s "$TMP/mod.b15.btf" "$TMP/module.old.btf" && [ ! -s "$TMP/b15.err" ]
	ok $? "built against libbpf 1.5: the same bytes, quiet"
else
	ok 1 "builds against libbpf 1.5's headers with -Werror" || sed 's/^/# /' "$TMP/b15.log" | tail -20
fi

# libbpf 1.5 warns about a corrupt base itself: that is detail (-v), the
# failure is one line (stages/common/libbpf_log.h)
bad=$FIXTURES/fuzz/base-odd-header-length
new --base "$bad" "$TMP/mod.ko" -o "$TMP/bad.btf" 2> "$TMP/bad.err"; r=$?
new -v --base "$bad" "$TMP/mod.ko" -o "$TMP/bad.btf" 2> "$TMP/bad.v.err"
[ $r = 1 ] && [ "$(wc -l < "$TMP/bad.err")" = 1 ] && grep -q "$bad" "$TMP/bad.err" && [ ! -e "$TMP/bad.btf" ] &&
	grep -q '^libbpf: ' "$TMP/bad.v.err"
ok $? "a corrupt base under libbpf 1.5: one line ($(head -c 120 "$TMP/bad.err")), libbpf's own at -v"

[ -n "${BTFSTREAM_SKIP_KERNEL:-}" ] && { skip "BTFSTREAM_SKIP_KERNEL is set: no real kernel"; done_testing; }
if ! mapfile -t paths < <(cd "$TOP" && scripts/fetch-kernel.sh --modules); then
	skip "cannot fetch the Debian kernel debug package"; done_testing
fi
vmlinux=${paths[0]} moddir=${paths[1]}
echo "# $(basename "$0"): the vmlinux and modules under both libraries (about a minute)" >&2
both vmlinux -j2 "$vmlinux"
find "$moddir/kernel" -name '*.ko' | sort | awk 'NR % 50 == 1' > "$TMP/mods"
bad=
while read -r m; do
	"$BTFSTREAM" --base "$TMP/vmlinux.old.btf" "$m" -o "$TMP/m.old.btf" 2> /dev/null &&
		new --base "$TMP/vmlinux.old.btf" "$m" -o "$TMP/m.new.btf" 2> "$TMP/m.err" &&
		cmp -s "$TMP/m.old.btf" "$TMP/m.new.btf" && [ ! -s "$TMP/m.err" ] || bad="$bad $(basename "$m")"
done < "$TMP/mods"
[ -z "$bad" ]; ok $? "$(wc -l < "$TMP/mods") modules one process each: the same bytes, quiet${bad:+; not:$bad}"
mkdir -p "$TMP/bo" "$TMP/bn"
"$BTFSTREAM" -j2 --base "$TMP/vmlinux.old.btf" -o "$TMP/bo" $(cat "$TMP/mods") 2> /dev/null &&
	new -j2 --base "$TMP/vmlinux.old.btf" -o "$TMP/bn" $(cat "$TMP/mods") 2> "$TMP/batch.err" &&
	diff -r "$TMP/bo" "$TMP/bn" > /dev/null && [ ! -s "$TMP/batch.err" ]
ok $? "the same modules in batch mode: the same bytes, quiet"
done_testing
