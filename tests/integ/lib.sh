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
build_many_elf() {	# build_many_elf OUT: 0, or gcc's failure
	local i
	for i in $(seq 1 12); do
		sed "s/\bmain\b/main_$i/; s/\bg_/g${i}_/g; s/\bmatrix\b/matrix_$i/; s/\bnames\b/names_$i/; s/\bpp\b/pp_$i/" "$FIXTURES/kinds.c" > "$TMP/k$i.c"
		sed "s/\bmain\b/tmain_$i/; s/\bg_tagged\b/g_tagged_$i/" "$FIXTURES/tags.c" > "$TMP/t$i.c"
	done
	echo 'int main(void) { return 0; }' > "$TMP/main.c"
	(cd "$TMP" && gcc -w -g -O0 -o "$1" k*.c t*.c main.c)
}
