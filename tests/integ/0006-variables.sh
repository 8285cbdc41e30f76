#!/usr/bin/env bash
# Variables: per-CPU by default, every global with global_var (one DATASEC per
# section, in section order, secinfos by offset), pahole's name filters, and
# var off. Input: tests/fixtures/percpu.c plus a CU with filtered names.
. "$(dirname "$0")/lib.sh"
command -v bpftool > /dev/null || skip_all "bpftool not installed"

cat > "$TMP/filtered.c" <<'C'
int __UNIQUE_ID_ddebug42 = 1;
int __tpstrtab_sched_switch = 2;
int kept_global = 3;
static char kept_bss[32];
char *use_bss(void) { return kept_bss; }
C
(cd "$FIXTURES" && gcc -w -g -O0 percpu.c "$TMP/filtered.c" -Wl,-T,percpu.lds -o "$TMP/v.elf") || skip_all "gcc cannot build the input"
dump() { bpftool btf dump file "$1" format raw; }
secvars() {	# secvars FILE SECTION: the VAR names of that DATASEC, in order
	dump "$1" | sed -n "/DATASEC '$2'/,/^\[/p" | sed -n "s/.*(VAR '\(.*\)')$/\1/p" | tr '\n' ' '
}

"$BTFSTREAM" "$TMP/v.elf" -o "$TMP/def.btf"; ok $? "default features convert"
[ "$(dump "$TMP/def.btf" | grep -c "DATASEC")" = 1 ] && [ "$(secvars "$TMP/def.btf" .data..percpu)" = "declared_first pcpu_counters pcpu_static pcpu_buf pcpu_arr " ]
ok $? "default: only the per-CPU DATASEC, its variables by offset" || diag "got: $(secvars "$TMP/def.btf" .data..percpu)"
! dump "$TMP/def.btf" | grep -q "VAR 'pcpu_empty'"; ok $? "a zero-sized per-CPU variable gets no VAR"
! dump "$TMP/def.btf" | grep -q "VAR 'kept_global'"; ok $? "default: an ordinary global gets no VAR"

"$BTFSTREAM" --btf-features default,global_var "$TMP/v.elf" -o "$TMP/gv.btf"; ok $? "global_var converts"
secvars "$TMP/gv.btf" .data | grep -q "kept_global" && secvars "$TMP/gv.btf" .data | grep -q "plain_global"
ok $? "global_var: initialised globals are in DATASEC .data" || diag "got: $(secvars "$TMP/gv.btf" .data)"
secvars "$TMP/gv.btf" .bss | grep -q "kept_bss"; ok $? "global_var: a static in .bss is in DATASEC .bss"
dump "$TMP/gv.btf" | grep -q "VAR 'kept_bss' type_id=[0-9]*, linkage=static"; ok $? "global_var: its linkage is static"
! dump "$TMP/gv.btf" | grep -q "VAR '__UNIQUE_ID_ddebug42'\|VAR '__tpstrtab_sched_switch'"
ok $? "global_var: __UNIQUE_ID* and __tpstrtab_* are filtered out"
[ "$(secvars "$TMP/gv.btf" .data..percpu)" = "$(secvars "$TMP/def.btf" .data..percpu)" ]; ok $? "global_var: the per-CPU DATASEC is unchanged"
order=$(dump "$TMP/gv.btf" | sed -n "s/^\[[0-9]*\] DATASEC '\([^']*\)'.*/\1/p" | tr '\n' ' ')
want=$(readelf -SW "$TMP/v.elf" | sed -n 's/^ *\[ *[0-9]*\] \([^ ]*\) .*/\1/p' | grep -x -F -f <(echo "$order" | tr ' ' '\n' | grep .) | tr '\n' ' ')
[ "$order" = "$want" ]; ok $? "global_var: DATASECs in section order ($order)"
"$BTFSTREAM" --btf-features float,decl_tag "$TMP/v.elf" -o "$TMP/novar.btf" && ! dump "$TMP/novar.btf" | grep -q "VAR\|DATASEC"
ok $? "without var: no VAR, no DATASEC"
done_testing
