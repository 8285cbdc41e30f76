#!/usr/bin/env bash
# The real kernel: Debian's cloud vmlinux (fetched into the cache by
# scripts/fetch-kernel.sh). btfstream's BTF must load in bpftool, have the
# same types as pahole -J (computed here, now, with Debian's pahole) for every
# kind but FUNC and FUNC_PROTO, whose every difference is attributed to a
# rule by attribute-funcs.sh, and be byte-identical for
# -j1, -j2, -j4, a tiny queue and kbuild 6.12's two pahole lines. One difference is deliberate (see
# docs/btf-rules.md, "Variables"): pahole 1.24 drops the per-CPU variable at
# offset 0 of .data..percpu (fixed_percpu_data); btfstream keeps it, as
# later pahole does. The test checks that this is the only VAR/DATASEC one.
# BTFSTREAM_SKIP_KERNEL=1 skips it (e.g. offline).
. "$(dirname "$0")/lib.sh"

[ -n "${BTFSTREAM_SKIP_KERNEL:-}" ] && skip_all "BTFSTREAM_SKIP_KERNEL is set"
command -v pahole > /dev/null || skip_all "pahole (dwarves) not installed"
command -v bpftool > /dev/null || skip_all "bpftool not installed"
vmlinux=$(cd "$TOP" && scripts/fetch-kernel.sh) || skip_all "cannot fetch the Debian kernel debug package"
diag "input: $vmlinux"

"$BTFSTREAM" -j2 "$vmlinux" -o "$TMP/j2.btf" --stats --funcs-report "$TMP/funcs.txt" > "$TMP/stats.txt"
ok $? "btfstream -j2 converts the vmlinux"
sed 's/^/# /' "$TMP/stats.txt"
bpftool btf dump file "$TMP/j2.btf" format raw > "$TMP/j2.txt"
ok $? "the BTF loads in bpftool"
grep -q "STRUCT 'task_struct'" "$TMP/j2.txt"; ok $? "it has struct task_struct"

pahole_ref "$vmlinux" "$TMP/pahole.btf"; ok $? "pahole -J makes the reference"
"$BTFSTREAM" diff --ignore-kinds FUNC,FUNC_PROTO,VAR,DATASEC --show 10 "$TMP/pahole.btf" "$TMP/j2.btf" > "$TMP/diff.txt"
ok $? "same types as pahole for every kind but FUNC, FUNC_PROTO, VAR, DATASEC"
sed 's/^/# /' "$TMP/diff.txt"

# VAR and DATASEC: the same per-CPU variables (name, linkage, offset, size)
# but for fixed_percpu_data at offset 0.
secinfo() { bpftool btf dump file "$1" format raw | sed -n "/DATASEC '.data..percpu'/,/^\[/p" | grep "(VAR '" | sed 's/type_id=[0-9]* //'; }
secinfo "$TMP/pahole.btf" > "$TMP/pahole.sec"
secinfo "$TMP/j2.btf" > "$TMP/ours.sec"
diag "per-CPU variables: pahole $(wc -l < "$TMP/pahole.sec"), btfstream $(wc -l < "$TMP/ours.sec")"
diff "$TMP/pahole.sec" "$TMP/ours.sec" > "$TMP/sec.diff"
[ "$(grep -c '^[<>]' "$TMP/sec.diff")" = 1 ] && grep -q "^> .*offset=0 size=48 (VAR 'fixed_percpu_data')$" "$TMP/sec.diff"
ok $? "DATASEC .data..percpu: same variables as pahole but fixed_percpu_data" || sed 's/^/# /' "$TMP/sec.diff" | head
"$BTFSTREAM" diff --ignore-kinds FUNC,FUNC_PROTO --show 3 "$TMP/pahole.btf" "$TMP/j2.btf" > "$TMP/diff2.txt"
grep -q "^VAR  *[0-9]*  *[0-9]*  *0  *1$" "$TMP/diff2.txt" && grep -q "only in B: var fixed_percpu_data global: struct fixed_percpu_data" "$TMP/diff2.txt"
ok $? "VAR: the one extra is fixed_percpu_data, with pahole's type and linkage" || sed 's/^/# /' "$TMP/diff2.txt" | tail -12

# FUNC: every difference from pahole 1.24 has a named rule (issue 3)
BTFSTREAM=$BTFSTREAM bash "$TOP/tests/integ/attribute-funcs.sh" "$TMP/pahole.btf" "$TMP/j2.btf" "$TMP/funcs.txt" > "$TMP/attr.txt"
ok $? "every FUNC difference from pahole 1.24 is attributed to a rule"
cat "$TMP/attr.txt"
emitted=$(grep -c '^emitted' "$TMP/funcs.txt")
[ "$emitted" = "$(bpftool btf dump file "$TMP/j2.btf" format raw | grep -c "^\[[0-9]*\] FUNC '")" ]
ok $? "the report's emitted lines ($emitted) are the FUNCs in the file"
diag "the vmlinux's own .BTF has $(bpftool btf dump file "$vmlinux" format raw | grep -c "^\[[0-9]*\] FUNC '") FUNCs"

for variant in "-j1" "-j4" "-j2 --queue-capacity 2 --window 1" "-j2 --memory-limit 64M" "-j2 --batch-records 1000000"; do
	"$BTFSTREAM" $variant "$vmlinux" -o "$TMP/v.btf" && cmp -s "$TMP/j2.btf" "$TMP/v.btf"
	ok $? "$variant: byte-identical to -j2"
done

# kbuild 6.12's lines (scripts/Makefile.btf), with and without
# KBUILD_BUILD_TIMESTAMP: the second --btf_features adds to the first
list=encode_force,var,float,enum64,decl_tag,type_tag,optimized_func,consistent_func,decl_tag_kfuncs
"$BTFSTREAM" -J -j --btf_features=$list -j --lang_exclude=rust --btf_encode_detached="$TMP/k612.btf" "$vmlinux" &&
	cmp -s "$TMP/j2.btf" "$TMP/k612.btf"
ok $? "6.12's pahole line: byte-identical to the default"
"$BTFSTREAM" -J -j --btf_features=$list -j --btf_features=+reproducible_build --lang_exclude=rust \
	--btf_encode_detached="$TMP/k612ts.btf" "$vmlinux" 2> "$TMP/k612ts.err" && cmp -s "$TMP/j2.btf" "$TMP/k612ts.btf" &&
	[ ! -s "$TMP/k612ts.err" ]
ok $? "6.12's line with KBUILD_BUILD_TIMESTAMP (+reproducible_build): byte-identical, no warning"

"$BTFSTREAM" -j2 --stats=json "$vmlinux" -o "$TMP/v.btf" > "$TMP/stats.json"
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["types_after_dedup"] > 0 and d["peak_rss_kb"] > 0 and len(d["stages"]) >= 5' "$TMP/stats.json" 2>/dev/null ||
	grep -q '"stages":\[{"name":"cu_index"' "$TMP/stats.json"
ok $? "--stats=json prints one JSON object with the stages"
done_testing
