#!/usr/bin/env bash
# Link-time optimisation (Makefile, LTO): make asks for it where the compiler
# is GCC, and not for a sanitizer build nor for clang; and a binary whose
# build asked for it was optimised as a whole program: its DWARF names GCC's
# intermediate language ("GNU GIMPLE") as the producer of its units, which a
# link that did not optimise across files would not.
. "$(dirname "$0")/lib.sh"

# the test's own make, not the one running the tests: check-san's make
# exports SAN=..., O=..., WERROR=1 (variables set on its command line) to
# everything it runs, so each make here starts from an empty environment
command -v make > /dev/null || skip_all "make not installed"
make_lto() { env -i PATH="$PATH" HOME="$HOME" make -s -C "$TOP" print-lto "$@"; }
command -v readelf > /dev/null || skip_all "readelf (binutils) not installed"

if command -v gcc > /dev/null; then
	got=$(make_lto CC=gcc)
	[ "$got" = "-flto=auto" ]; ok $? "GCC: make builds with link-time optimisation ('$got')"
	got=$(make_lto CC=gcc SAN=address,undefined)
	[ -z "$got" ]; ok $? "GCC with a sanitizer: without it ('$got')"
	got=$(make_lto CC=gcc LTO=)
	[ -z "$got" ]; ok $? "LTO= turns it off ('$got')"
else
	skip "gcc not installed"; skip "gcc not installed"; skip "gcc not installed"
fi
if command -v clang > /dev/null; then
	got=$(make_lto CC=clang)
	[ -z "$got" ]; ok $? "clang: without it ('$got')"
else
	skip "clang not installed"
fi

# the binary under test, as its build asked (the flags its objects were made with)
stamp=$(dirname "$BTFSTREAM")/flags.stamp
if [ ! -f "$stamp" ]; then
	skip "no flags.stamp beside $BTFSTREAM: not built by this Makefile"
elif grep -q -- '-flto' "$stamp"; then
	readelf --debug-dump=info "$BTFSTREAM" 2> /dev/null | grep -q 'DW_AT_producer.*GNU GIMPLE'
	ok $? "$(basename "$BTFSTREAM"): built with -flto, its units produced from GCC's intermediate language"
else
	skip "$(basename "$BTFSTREAM") was built without link-time optimisation ($(grep -o -- '-fsanitize=[a-z,]*' "$stamp" | head -n 1 | grep . || echo 'LTO off'))"
fi
done_testing
