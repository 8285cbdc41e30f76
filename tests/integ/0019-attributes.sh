#!/usr/bin/env bash
# The `attributes` feature (pahole >= 1.30; kbuild passes it for pahole
# >= 1.30): a kfunc whose .BTF_ids pair carries KF_ARENA_RET / _ARG1 / _ARG2
# gets, for each such pointer, a new PTR to a TYPE_TAG "address_space(1)"
# with kind_flag 1 on the old pointee (tests/fixtures/funcs/arena.c). Off by
# default; nothing else changes; a flagged place that is not a pointer is
# one error line, as pahole refuses it.
. "$(dirname "$0")/lib.sh"
command -v bpftool > /dev/null || skip_all "bpftool not installed"

gcc -g -O2 "$FIXTURES/funcs/arena.c" -o "$TMP/arena" && "$BTFSTREAM" "$TMP/arena" -o "$TMP/plain.btf" &&
	"$BTFSTREAM" --btf_features=+attributes "$TMP/arena" -o "$TMP/attr.btf" --stats > "$TMP/stats"
ok $? "the arena fixture converts with and without attributes"
grep -q "kfunc tags 5, arena attributes 4" "$TMP/stats"; ok $? "--stats: 4 arena pointers (ret, arg1+arg2, arg1)"
"$BTFSTREAM" diff --show 50 "$TMP/plain.btf" "$TMP/attr.btf" > "$TMP/diff"
want() { grep -qF -- "$1" "$TMP/diff" || { diag "missing: $1"; return 1; }; }
want '+ only in B: type_tag("address_space(1)", kflag, void)' &&
	want '+ only in B: type_tag("address_space(1)", kflag, struct arena_obj)' &&
	want '+ only in B: type_tag("address_space(1)", kflag, const(struct arena_obj))' &&
	grep -q "^TYPE_TAG: 0 only in A, 3 only in B" "$TMP/diff"
ok $? "three kind_flag 1 TYPE_TAGs on the pointees (void, the struct, the const struct)"
want 'proto(pages: int "int" size=4 bits=32 signed) -> ptr(type_tag("address_space(1)", kflag, void))'
ok $? "KF_ARENA_RET: arena_alloc returns the tagged pointer"
want 'proto(dst: ptr(type_tag("address_space(1)", kflag, struct arena_obj)), src: ptr(type_tag("address_space(1)", kflag, const(struct arena_o'
ok $? "KF_ARENA_ARG1|ARG2: both arguments of arena_copy, the third untouched"
want 'decl_tag("bpf_fastcall", component_idx=-1, func arena_fast static: proto(o: ptr(type_tag("address_space(1)", kflag, struct arena_obj)))'
ok $? "KF_ARENA_ARG1 with KF_FASTCALL: tagged argument, and the bpf_fastcall tag on the FUNC"
! grep -q "arena_plain" "$TMP/diff"; ok $? "arena_plain (no arena flag) is the same with and without"
"$BTFSTREAM" diff -q --ignore-kinds FUNC,FUNC_PROTO,DECL_TAG,TYPE_TAG,PTR "$TMP/plain.btf" "$TMP/attr.btf"
ok $? "nothing else changes"
bpftool btf dump file "$TMP/attr.btf" format raw | grep -q "TYPE_TAG 'address_space(1)'"
ok $? "libbpf 1.1 (bpftool) reads the kind_flag 1 TYPE_TAGs"
"$BTFSTREAM" --btf_features=attributes,decl_tag "$TMP/arena" -o "$TMP/nokf.btf" 2> /dev/null &&
	! bpftool btf dump file "$TMP/nokf.btf" format raw | grep -q "address_space"
ok $? "without decl_tag_kfuncs there are none (pahole writes them only for kfunc tagging)"
for j in 1 2; do "$BTFSTREAM" -j$j --btf_features=+attributes "$TMP/arena" -o "$TMP/attr.$j.btf"; done
cmp -s "$TMP/attr.1.btf" "$TMP/attr.2.btf" && cmp -s "$TMP/attr.1.btf" "$TMP/attr.btf"; ok $? "the same bytes for -j1 and -j2"
gcc -g -O2 -DBAD_ARENA "$FIXTURES/funcs/arena.c" -o "$TMP/bad" &&
	"$BTFSTREAM" --btf_features=+attributes "$TMP/bad" -o "$TMP/bad.btf" 2> "$TMP/bad.err"
[ $? -ne 0 ] && [ ! -e "$TMP/bad.btf" ] && [ "$(wc -l < "$TMP/bad.err")" = 1 ] &&
	grep -q "kfunc arena_plain: .BTF_ids marks the return type as an arena pointer, but it is not a pointer" "$TMP/bad.err"
ok $? "a flagged int return: one error line, no output ($(cat "$TMP/bad.err"))"
"$BTFSTREAM" "$TMP/bad" -o "$TMP/bad-off.btf"; ok $? "... and without attributes the same file converts"
done_testing
