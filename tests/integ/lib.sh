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
pahole_ref() {	# pahole_ref INPUT OUTPUT
	pahole -J --btf_gen_floats --lang_exclude=rust --btf_encode_detached="$2" "$1" > /dev/null
}
