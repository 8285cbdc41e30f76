# tests/integ/lib.sh: TAP helpers for the shell tests (sourced, not run).
# BTFSTREAM: the binary under test (make check sets it).
set -u
BTFSTREAM=${BTFSTREAM:-$(cd "$(dirname "$0")/../.." && pwd)/build/btfstream}
TOP=$(cd "$(dirname "$0")/../.." && pwd)
FIXTURES=$TOP/tests/fixtures
TMP=$(mktemp -d "${TMPDIR:-/tmp}/btfstream-test.XXXXXX")
trap 'rm -rf "$TMP"' EXIT
_n=0
_failed=0

plan() { echo "1..$1"; }
ok() {	# ok COND-EXIT-CODE DESCRIPTION; returns it, so "ok ... || diag" explains a failure
	_n=$((_n + 1))
	if [ "$1" -eq 0 ]; then echo "ok $_n - $2"; else echo "not ok $_n - $2"; _failed=$((_failed + 1)); fi
	return "$1"
}
skip() { _n=$((_n + 1)); echo "ok $_n # SKIP $1"; }
diag() { echo "# $*"; }
done_testing() { echo "1..$_n"; [ "$_failed" -eq 0 ]; exit $?; }
skip_all() { echo "1..0 # SKIP $1"; exit 0; }

# The pahole command the kernel build runs, with the output file last.
# same_modules BASE REF_ENV NEW_ENV: the modules the tests fetch, in batch
# mode on BASE, converted with REF_ENV (VAR=VALUE, or "" for none) in the
# environment, the reference, then with NEW_ENV: three checks, the last
# that the bytes are the same; three skips when no modules were fetched.
same_modules() {
	_moddir=$(cd "$TOP" && scripts/fetch-kernel.sh --modules | tail -n 1) || _moddir=""
	if [ -z "$_moddir" ]; then
		skip "no modules fetched"; skip "no modules fetched"; skip "no modules fetched"
		return
	fi
	env ${2:+"$2"} "$BTFSTREAM" -j2 --base "$1" -o "$TMP/m-ref" --modules "$_moddir" 2> /dev/null
	ok $? "reference: the modules, split BTF${2:+, $2}"
	env ${3:+"$3"} "$BTFSTREAM" -j2 --base "$1" -o "$TMP/m-new" --modules "$_moddir" 2> /dev/null
	ok $? "the modules, ${3:-by default}"
	diff -r -q "$TMP/m-ref" "$TMP/m-new" > "$TMP/diff"; ok $? "$(ls "$TMP/m-new" | wc -l) modules: the same bytes" ||
		sed 's/^/# /' "$TMP/diff" | head
}

pahole_ref() {	# pahole_ref INPUT OUTPUT
	pahole -J --btf_gen_floats --lang_exclude=rust --btf_encode_detached="$2" "$1" > /dev/null
}

# A 25-CU ELF from the fixtures, each compiled 12 times under other names
# and linked (for the tests of what must not change the bytes).
same_with() {	# same_with VAR=VALUE WHAT ARGS...: btfstream ARGS with VAR=VALUE and without give the same bytes ($TMP/default.out)
	local env=$1 what=$2
	shift 2
	env "$env" "$BTFSTREAM" "$@" -o "$TMP/with.out" && "$BTFSTREAM" "$@" -o "$TMP/default.out" &&
		cmp -s "$TMP/with.out" "$TMP/default.out"
	ok $? "$what: the same bytes either way"
}
same_on_fixtures() {	# same_on_fixtures: the test's own `same` on $TMP/many.elf four ways, the variables fixture, a module
	same "25 CUs, -j1" -j1 "$TMP/many.elf"
	same "25 CUs, -j3" -j3 "$TMP/many.elf"
	same "25 CUs, 1-CU batches" --batch-records 1 "$TMP/many.elf"
	same "25 CUs, tags and all features" --btf-features=all "$TMP/many.elf"
	build_percpu_elf "$TMP/v.elf"; ok $? "the per-CPU fixture builds"
	same "per-CPU variables" "$TMP/v.elf"
	same "every global variable" --btf-features=+global_var "$TMP/v.elf"
	build_base_and_module "$TMP/base.btf" "$TMP/mod.o"; ok $? "a base and a module object"
	same "a module, split BTF" --base "$TMP/base.btf" "$TMP/mod.o"
}
kernel_or_done() {	# kernel_or_done: sets vmlinux, moddir and mods (xfs, veth, nf_tables), or ends the test with a skip
	[ -n "${BTFSTREAM_SKIP_KERNEL:-}" ] && { skip "BTFSTREAM_SKIP_KERNEL is set"; done_testing; }
	mapfile -t paths < <(cd "$TOP" && scripts/fetch-kernel.sh --modules) ||
		{ skip "cannot fetch the Debian kernel debug package"; done_testing; }
	vmlinux=${paths[0]} moddir=${paths[1]}
	mods=("$moddir/kernel/fs/xfs/xfs.ko" "$moddir/kernel/drivers/net/veth.ko" "$moddir/kernel/net/netfilter/nf_tables.ko")
}
build_percpu_elf() {	# build_percpu_elf OUT: the per-CPU variables fixture, linked with its section
	(cd "$FIXTURES" && gcc -w -g -O0 percpu.c -Wl,-T,percpu.lds -o "$1")
}
build_base_and_module() {	# build_base_and_module BASE_BTF MODULE_O: a base's BTF and a module object for it
	(cd "$FIXTURES" && gcc -w -g -O0 -fno-eliminate-unused-debug-types kinds.c -o "$TMP/base.elf") &&
		"$BTFSTREAM" "$TMP/base.elf" -o "$1" &&
		(cd "$FIXTURES/module" && gcc -g -gdwarf-5 -O2 -c mod.c -o "$2")
}
build_many_elf() {	# build_many_elf OUT: 0, or gcc's failure
	local i
	for i in $(seq 1 12); do
		sed "s/\bmain\b/main_$i/; s/\bg_/g${i}_/g; s/\bmatrix\b/matrix_$i/; s/\bnames\b/names_$i/; s/\bpp\b/pp_$i/" "$FIXTURES/kinds.c" > "$TMP/k$i.c"
		sed "s/\bmain\b/tmain_$i/; s/\bg_tagged\b/g_tagged_$i/" "$FIXTURES/tags.c" > "$TMP/t$i.c"
	done
	echo 'int main(void) { return 0; }' > "$TMP/main.c"
	(cd "$TMP" && gcc -w -g -O0 -o "$1" k*.c t*.c main.c)
}
