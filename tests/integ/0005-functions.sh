#!/usr/bin/env bash
# Functions: the selection rules on a fixture built here with gcc and clang
# at -O2 (tests/fixtures/funcs/: a.c, b.c, kfuncs.c, clones.c). Each rule is
# checked by the verdict btfstream reports for a function named after it, by
# what the BTF then holds, and by pahole's -V line where pahole prints one.
# What the compilers make of the clones is GCC 12's and clang 14's (Debian
# 12); with another major version those checks are skipped, with the reason.
. "$(dirname "$0")/lib.sh"
command -v bpftool > /dev/null || skip_all "bpftool not installed"

for cc in gcc clang; do
	if ! command -v $cc > /dev/null; then skip "$cc not installed"; continue; fi
	cmd="$cc -w -g -O2 -fno-inline-small-functions a.c b.c kfuncs.c clones.c"
	diag "$cmd -o funcs.$cc.elf"
	(cd "$FIXTURES/funcs" && $cmd -o "$TMP/f.$cc.elf"); ok $? "$cc: fixture builds"
	"$BTFSTREAM" -V "$TMP/f.$cc.elf" -o "$TMP/f.$cc.btf" --funcs-report "$TMP/f.$cc.rep" > "$TMP/f.$cc.V" 2> /dev/null
	ok $? "$cc: converts with --funcs-report"
	major=$($cc -dumpversion | cut -d. -f1)
	known=$([ "$cc" = gcc ] && [ "$major" = 12 ] || { [ "$cc" = clang ] && [ "$major" = 14 ]; } && echo yes)
	bpftool btf dump file "$TMP/f.$cc.btf" format raw > "$TMP/f.$cc.txt"
	verdict() { awk -F'\t' -v n="$1" '$2 == n { print $1 }' "$TMP/f.$cc.rep"; }
	func_line() { grep "^\[[0-9]*\] FUNC '$1' " "$TMP/f.$cc.txt"; }
	proto_of() {	# the parameter lines of FUNC $1's FUNC_PROTO
		local id; id=$(func_line "$1" | sed -n 's/.* type_id=\([0-9]*\) .*/\1/p')
		sed -n "/^\[$id\] FUNC_PROTO/,/^\[/p" "$TMP/f.$cc.txt" | grep "^	" | tr -d '\t' | tr '\n' ' '
	}

	[ "$(verdict plain_global)" = emitted ] && func_line plain_global | grep -q "linkage=static"
	ok $? "$cc: a global function is a FUNC, linkage static (as pahole writes every FUNC)"
	[ "$(proto_of plain_global)" = "'alpha' type_id=$(grep -o "^\[[0-9]*\] INT 'int'" "$TMP/f.$cc.txt" | grep -o '[0-9]*' | head -1) 'beta' type_id=$(grep -o "^\[[0-9]*\] INT 'long\( int\)\?'" "$TMP/f.$cc.txt" | grep -o '[0-9]*' | head -1) " ]
	ok $? "$cc: its FUNC_PROTO carries the parameter names and types" || diag "got: $(proto_of plain_global)"
	func_line plain_static | grep -q "linkage=static"; ok $? "$cc: a static function has static linkage"
	proto_of variadic_sum | grep -q "'(anon)' type_id=0 $"; ok $? "$cc: a variadic prototype ends with the void parameter"
	[ "$(verdict same_static)" = ambiguous_address ] && ! func_line same_static
	ok $? "$cc: one name at two addresses (static in two CUs) is ambiguous: no FUNC"
	[ "$(verdict shared_helper)" = emitted ] && [ "$(grep -c "^\[[0-9]*\] FUNC 'shared_helper' " "$TMP/f.$cc.txt")" = 1 ]
	ok $? "$cc: one static function defined identically in two CUs, one symbol: one FUNC"
	[ -z "$(verdict only_inlined)" ] || [ "$(verdict only_inlined)" = no_symbol ]
	! func_line only_inlined; ok $? "$cc: a static inline function with no symbol is never a FUNC"
	if [ -z "$known" ]; then
		skip "$cc $major: the clone checks are written for gcc 12 and clang 14"
	elif [ $cc = gcc ]; then
		[ "$(verdict drops_first)" = reordered_param ] && ! func_line drops_first &&
			[ "$(verdict const_head)" = reordered_param ] && ! func_line const_head
		ok $? "$cc: a clone listing its parameters in another order (constprop): reordered_param, no FUNC" ||
			diag "verdicts: $(verdict drops_first) $(verdict const_head)"
		[ "$(verdict isra_replaced)" = unexpected_reg ] && ! func_line isra_replaced
		ok $? "$cc: an ISRA clone whose parameter moved register: unexpected_reg, no FUNC"
		[ "$(verdict const_tail)" = emitted ] && [ "$(proto_of const_tail | grep -o "'[a-z]*'" | tr '\n' ' ')" = "'a' 'unused' " ]
		ok $? "$cc: a clone without its last, constant parameter keeps the source prototype (as pahole v1.31)"
		[ "$(verdict proto_differs)" = param_type_mismatch ] && ! func_line proto_differs &&
			grep -qx "proto_differs : skipping BTF encoding of function due to param type mismatch for param#1 v != p" "$TMP/f.$cc.V"
		ok $? "$cc: two prototypes for one name in two CUs: param_type_mismatch, no FUNC, pahole's -V line"
		[ "$(verdict count_differs)" = param_count_mismatch ] && ! func_line count_differs &&
			grep -qx "count_differs : skipping BTF encoding of function due to param count mismatch; 1 params != 2 params" "$TMP/f.$cc.V"
		ok $? "$cc: two parameter counts for one name: param_count_mismatch, pahole's -V line"
		[ "$(verdict ret_differs)" = return_type_mismatch ] && ! func_line ret_differs &&
			grep -qx "ret_differs : skipping BTF encoding of function due to return type mismatch" "$TMP/f.$cc.V"
		ok $? "$cc: two return types for one name: return_type_mismatch, pahole's -V line"
	else
		[ "$(verdict drops_first)" = unexpected_reg ] && ! func_line drops_first &&
			[ "$(verdict const_head)" = unexpected_reg ] && ! func_line const_head
		ok $? "$cc: a function whose unused first parameter is not passed: unexpected_reg, no FUNC" ||
			diag "verdicts: $(verdict drops_first) $(verdict const_head)"
		skip "$cc: clang emits no DWARF for the always-inlined copies, so there is one prototype"
	fi
	[ "$(grep -c "skipping BTF encoding of function due to" "$TMP/f.$cc.V")" = \
	  "$(grep -Ec "^(param_count|param_type|return_type)_mismatch	" "$TMP/f.$cc.rep")" ]
	ok $? "$cc: one -V line per prototype mismatch, on stdout"
	bad=""
	for n in $(awk '{ print $1 }' "$TMP/f.$cc.V"); do func_line "$n" > /dev/null && bad="$bad $n"; done
	[ -z "$bad" ]; ok $? "$cc: no name -V says was skipped is a FUNC (what pahole's btf_functions.sh checks)" || diag "in BTF:$bad"
	for k in kf_plain kf_fast; do
		id=$(func_line $k | sed 's/^\[\([0-9]*\)\].*/\1/')
		grep -q "DECL_TAG 'bpf_kfunc' type_id=$id component_idx=-1" "$TMP/f.$cc.txt"
		ok $? "$cc: $k in a BTF_SET8_KFUNCS set gets DECL_TAG bpf_kfunc"
	done
	id=$(func_line kf_fast | sed 's/^\[\([0-9]*\)\].*/\1/')
	grep -q "DECL_TAG 'bpf_fastcall' type_id=$id component_idx=-1" "$TMP/f.$cc.txt"; ok $? "$cc: a KF_FASTCALL kfunc also gets bpf_fastcall"
	id=$(func_line kf_plain | sed 's/^\[\([0-9]*\)\].*/\1/')
	! grep -q "DECL_TAG 'bpf_fastcall' type_id=$id " "$TMP/f.$cc.txt"; ok $? "$cc: a kfunc without KF_FASTCALL gets no bpf_fastcall"
	id=$(func_line not_a_kfunc | sed 's/^\[\([0-9]*\)\].*/\1/')
	[ -n "$id" ] && ! grep -q "DECL_TAG '[a-z_]*' type_id=$id " "$TMP/f.$cc.txt"
	ok $? "$cc: a function in a set without BTF_SET8_KFUNCS gets no tag"

	"$BTFSTREAM" --btf-features encode_force,var,float,decl_tag,type_tag,enum64,optimized_func "$TMP/f.$cc.elf" -o "$TMP/nc.btf" --funcs-report "$TMP/nc.rep"
	[ "$(awk -F'\t' '$2 == "drops_first" { print $1 }' "$TMP/nc.rep")" = emitted ]
	ok $? "$cc: without consistent_func the moved-register clone is emitted"
	"$BTFSTREAM" --btf-features default "$TMP/f.$cc.elf" -o "$TMP/nk.btf" && ! bpftool btf dump file "$TMP/nk.btf" format raw | grep -q "DECL_TAG 'bpf_kfunc'"
	[ $? -ne 0 ]; ok $? "$cc: --btf-features default includes decl_tag_kfuncs"
	"$BTFSTREAM" --btf-features var,float "$TMP/f.$cc.elf" -o "$TMP/nk.btf" && ! bpftool btf dump file "$TMP/nk.btf" format raw | grep -q "DECL_TAG"
	ok $? "$cc: without decl_tag_kfuncs there are no kfunc tags"
	# location lists read with pread (the file as built) and from memory
	# (compressed sections, decompressed into it): the same verdicts, bytes
	# (GCC's lists are DW_FORM_sec_offset, clang's DW_FORM_loclistx)
	"$BTFSTREAM" --stats=json "$TMP/f.$cc.elf" -o "$TMP/p.btf" --funcs-report "$TMP/p.rep" > "$TMP/p.json" &&
		objcopy --compress-debug-sections=zlib "$TMP/f.$cc.elf" "$TMP/fz.$cc.elf" &&
		"$BTFSTREAM" --stats=json "$TMP/fz.$cc.elf" -o "$TMP/z.btf" --funcs-report "$TMP/z.rep" > "$TMP/z.json" &&
		grep -q '"loc_preads":[1-9]' "$TMP/p.json" && grep -q '"loc_preads":0,' "$TMP/z.json" &&
		cmp -s "$TMP/p.btf" "$TMP/z.btf" && cmp -s "$TMP/p.rep" "$TMP/z.rep" && grep -q unexpected_reg "$TMP/p.rep"
	ok $? "$cc: location lists read with pread or from memory: the same verdicts and bytes"
	for j in 1 2 3; do "$BTFSTREAM" -j$j "$TMP/f.$cc.elf" -o "$TMP/j$j.btf"; done
	cmp -s "$TMP/j1.btf" "$TMP/j2.btf" && cmp -s "$TMP/j1.btf" "$TMP/j3.btf" && cmp -s "$TMP/j1.btf" "$TMP/f.$cc.btf"
	ok $? "$cc: the same bytes for -j1, -j2, -j3"
done

"$BTFSTREAM" --btf-features var,bogus "$TMP/f.gcc.elf" -o "$TMP/x.btf" 2> "$TMP/err"
[ $? -eq 0 ] && [ ! -s "$TMP/err" ]; ok $? "--btf-features: an unknown name is skipped silently, as pahole does"
"$BTFSTREAM" -v --btf-features var,bogus "$TMP/f.gcc.elf" -o "$TMP/x.btf" 2> "$TMP/err" > /dev/null
[ $? -eq 0 ] && grep -q "ignoring unknown feature 'bogus'" "$TMP/err"; ok $? "--btf-features -v: the skipped name is named"
"$BTFSTREAM" --btf-features-strict var,bogus "$TMP/f.gcc.elf" -o "$TMP/x2.btf" 2> "$TMP/err"
[ $? -eq 2 ] && grep -q "feature 'bogus' in 'var,bogus' is unknown" "$TMP/err" && [ ! -e "$TMP/x2.btf" ]; ok $? "--btf-features-strict: an unknown name is an error"
"$BTFSTREAM" --btf_features=default,reproducible_build "$TMP/f.gcc.elf" -o "$TMP/x3.btf"; ok $? "pahole's --btf_features spelling and reproducible_build are accepted"
done_testing
