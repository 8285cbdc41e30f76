#!/usr/bin/env bash
# make install / make uninstall (issue 16): PREFIX and DESTDIR; the binary,
# the pahole link kbuild's PAHOLE= points at, the man page (every option,
# renders without warnings), bash completion, the docs; uninstall removes
# exactly those. Built in a folder of its own (the flags of make check's
# build stay untouched).
. "$(dirname "$0")/lib.sh"
make -C "$TOP" -s O="$TMP/b" PREFIX=/usr DESTDIR="$TMP/inst" install > "$TMP/make.log" 2>&1
ok $? "make install PREFIX=/usr DESTDIR=..." || sed 's/^/# /' "$TMP/make.log" | tail -5
i=$TMP/inst/usr
[ -x "$i/bin/btfstream" ] && [ "$(readlink "$i/libexec/btfstream/pahole")" = ../../bin/btfstream ] &&
	[ "$("$i/libexec/btfstream/pahole" --version)" = v1.31 ]
ok $? "the binary, and libexec/btfstream/pahole -> ../../bin/btfstream answering v1.31"
[ -f "$i/share/man/man1/btfstream.1" ] && [ -f "$i/share/bash-completion/completions/btfstream" ] &&
	[ -f "$i/share/doc/btfstream/README.md" ] && [ -f "$i/share/doc/btfstream/Kconfig-snippet" ]
ok $? "the man page, the bash completion, the docs"
if command -v groff > /dev/null; then
	groff -man -Tutf8 -ww -z "$i/share/man/man1/btfstream.1" 2> "$TMP/groff.err" && [ ! -s "$TMP/groff.err" ]
	ok $? "the man page renders without a warning (groff -ww)" || sed 's/^/# /' "$TMP/groff.err"
else
	skip "groff not installed"
fi
missing=
for opt in $("$BTFSTREAM" --help | grep -o -- '--[a-z][a-z_-]*' | sort -u) $(sed -n 's/^\t{ "\([a-z_-]*\)", .*/--\1/p' \
	"$TOP/pipeline/main.c" | sort -u); do
	grep -q -- "$(echo "$opt" | sed 's/-/\\\\-/g')" "$i/share/man/man1/btfstream.1" || missing="$missing $opt"
done
[ -z "$missing" ]; ok $? "every option of --help and of the option table is in the man page" || diag "missing:$missing"
bash -n "$i/share/bash-completion/completions/btfstream"; ok $? "the completion script parses"
if [ -f /usr/share/bash-completion/bash_completion ]; then
	out=$(bash -c ". /usr/share/bash-completion/bash_completion; . '$i/share/bash-completion/completions/btfstream'
		COMP_WORDS=(btfstream --btf_features=enc); COMP_CWORD=1; COMP_LINE='btfstream --btf_features=enc'
		COMP_POINT=\${#COMP_LINE}; _btfstream; echo \"\${COMPREPLY[*]}\"" 2> /dev/null)
	[ "$out" = encode_force ]; ok $? "completion: --btf_features=enc -> encode_force ($out)"
else
	skip "bash-completion not installed: the completion is not exercised"
fi
make -C "$TOP" -s O="$TMP/b" PREFIX=/usr DESTDIR="$TMP/inst" uninstall > /dev/null 2>&1 &&
	[ -z "$(find "$TMP/inst" -type f -o -type l)" ]
ok $? "make uninstall removes every file it installed"
done_testing
