#!/usr/bin/env bash
# Fixtures: each C file in tests/fixtures is compiled with gcc and clang at
# -gdwarf-4 and -gdwarf-5, and with gcc -gdwarf64 (the exact command is printed as a TAP comment and
# written at the top of each golden file); btfstream's BTF must
#  1. load in bpftool,
#  2. equal the golden text tests/fixtures/expected/NAME.CC-dwarfV.txt
#     (bpftool btf dump file X format raw), and
#  3. have the same types as pahole -J (compared by content with btfstream
#     diff; FUNC and FUNC_PROTO are a later issue's).
# A fixture NAME.c with a NAME.lds beside it is linked with that script; one
# that says "pahole-oracle: none (why)" is checked against its golden text only.
# UPDATE_GOLDEN=1 rewrites the golden files instead of checking them.
. "$(dirname "$0")/lib.sh"

command -v bpftool > /dev/null || skip_all "bpftool not installed"
for src in "$FIXTURES"/*.c; do
	name=$(basename "$src" .c)
	for cc in gcc clang; do
		for v in 4 5; do
			id="$name.$cc-dwarf$v"
			if ! command -v $cc > /dev/null; then skip "$id: $cc not installed"; continue; fi
			cmd="$cc -w -g -gdwarf-$v -O0 -fno-eliminate-unused-debug-types $name.c"
			[ -f "$FIXTURES/$name.lds" ] && cmd="$cmd -Wl,-T,$name.lds"
			diag "$cmd -o $id.elf"
			(cd "$FIXTURES" && $cmd -o "$TMP/$id.elf")
			ok $? "$id: compiles"
			"$BTFSTREAM" "$TMP/$id.elf" -o "$TMP/$id.btf"
			ok $? "$id: btfstream converts it"
			bpftool btf dump file "$TMP/$id.btf" format raw > "$TMP/$id.txt"
			ok $? "$id: the BTF loads in bpftool"
			golden=$FIXTURES/expected/$id.txt
			{ echo "# $cmd -o $id.elf"; echo "# btfstream $id.elf -o $id.btf && bpftool btf dump file $id.btf format raw"; cat "$TMP/$id.txt"; } > "$TMP/$id.golden"
			if [ -n "${UPDATE_GOLDEN:-}" ]; then
				mkdir -p "$FIXTURES/expected" && cp "$TMP/$id.golden" "$golden"
			fi
			diff -u "$golden" "$TMP/$id.golden" > "$TMP/$id.gdiff"
			ok $? "$id: equals the golden text" || sed 's/^/# /' "$TMP/$id.gdiff" | head -20
			if grep -q "pahole-oracle: none" "$src"; then
				skip "$id: pahole 1.24 cannot encode this fixture (see its pahole-oracle line)"
			elif command -v pahole > /dev/null; then
				pahole_ref "$TMP/$id.elf" "$TMP/$id.pahole"
				"$BTFSTREAM" diff --ignore-kinds FUNC,FUNC_PROTO "$TMP/$id.pahole" "$TMP/$id.btf" > "$TMP/$id.pdiff"
				ok $? "$id: same types as pahole -J" || sed 's/^/# /' "$TMP/$id.pdiff" | head -30
			else
				skip "$id: pahole (dwarves) not installed"
			fi
		done
	done
	# 64-bit DWARF (offsets of 8 bytes, the reader's own string and
	# attribute decoding included): the same BTF as 32-bit DWARF 5
	id="$name.gcc-dwarf5"
	cmd="gcc -w -g -gdwarf-5 -gdwarf64 -O0 -fno-eliminate-unused-debug-types $name.c"
	[ -f "$FIXTURES/$name.lds" ] && cmd="$cmd -Wl,-T,$name.lds"
	if [ -f "$TMP/$id.btf" ] && (cd "$FIXTURES" && $cmd -o "$TMP/$name.d64.elf" 2> /dev/null); then
		"$BTFSTREAM" "$TMP/$name.d64.elf" -o "$TMP/$name.d64.btf" && cmp -s "$TMP/$id.btf" "$TMP/$name.d64.btf"
		ok $? "$name: gcc -gdwarf64 gives the same BTF as 32-bit DWARF 5"
	else
		skip "$name: gcc cannot write 64-bit DWARF here"
	fi
	# ... and as relocatable objects (the relocations of 64-bit offsets
	# into .debug_str/.debug_abbrev keep all 8 bytes)
	if (cd "$FIXTURES" && gcc -w -g -gdwarf-5 -O0 -fno-eliminate-unused-debug-types -c $name.c -o "$TMP/$name.d32.o" &&
	    gcc -w -g -gdwarf-5 -gdwarf64 -O0 -fno-eliminate-unused-debug-types -c $name.c -o "$TMP/$name.d64.o") 2> /dev/null; then
		"$BTFSTREAM" "$TMP/$name.d32.o" -o "$TMP/$name.d32o.btf" && "$BTFSTREAM" "$TMP/$name.d64.o" -o "$TMP/$name.d64o.btf" &&
			cmp -s "$TMP/$name.d32o.btf" "$TMP/$name.d64o.btf"
		ok $? "$name: gcc -gdwarf64 -c (relocated here) gives the same BTF as 32-bit DWARF 5"
	else
		skip "$name: gcc cannot write 64-bit DWARF objects here"
	fi
done
done_testing
