#!/usr/bin/env bash
# The real kernel: Debian's cloud vmlinux (fetched into the cache by
# scripts/fetch-kernel.sh). btfstream's BTF must load in bpftool, have the
# same types as pahole -J (computed here, now, with Debian's pahole) for every
# kind but FUNC, FUNC_PROTO, VAR and DATASEC (a later issue), and be
# byte-identical for -j1, -j2, -j4 and a tiny queue.
# BTFSTREAM_SKIP_KERNEL=1 skips it (e.g. offline).
. "$(dirname "$0")/lib.sh"

[ -n "${BTFSTREAM_SKIP_KERNEL:-}" ] && skip_all "BTFSTREAM_SKIP_KERNEL is set"
command -v pahole > /dev/null || skip_all "pahole (dwarves) not installed"
command -v bpftool > /dev/null || skip_all "bpftool not installed"
vmlinux=$(cd "$TOP" && scripts/fetch-kernel.sh) || skip_all "cannot fetch the Debian kernel debug package"
diag "input: $vmlinux"

"$BTFSTREAM" -j2 "$vmlinux" -o "$TMP/j2.btf" --stats > "$TMP/stats.txt"
ok $? "btfstream -j2 converts the vmlinux"
sed 's/^/# /' "$TMP/stats.txt"
bpftool btf dump file "$TMP/j2.btf" format raw > "$TMP/j2.txt"
ok $? "the BTF loads in bpftool"
grep -q "STRUCT 'task_struct'" "$TMP/j2.txt"; ok $? "it has struct task_struct"

pahole_ref "$vmlinux" "$TMP/pahole.btf"; ok $? "pahole -J makes the reference"
"$BTFSTREAM" diff --ignore-kinds FUNC,FUNC_PROTO,VAR,DATASEC --show 10 "$TMP/pahole.btf" "$TMP/j2.btf" > "$TMP/diff.txt"
ok $? "same types as pahole for every kind but FUNC, FUNC_PROTO, VAR, DATASEC"
sed 's/^/# /' "$TMP/diff.txt"

for variant in "-j1" "-j4" "-j2 --queue-capacity 2 --window 1"; do
	"$BTFSTREAM" $variant "$vmlinux" -o "$TMP/v.btf" && cmp -s "$TMP/j2.btf" "$TMP/v.btf"
	ok $? "$variant: byte-identical to -j2"
done

"$BTFSTREAM" -j2 --stats=json "$vmlinux" -o "$TMP/v.btf" > "$TMP/stats.json"
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["types_after_dedup"] > 0 and d["peak_rss_kb"] > 0 and len(d["stages"]) >= 5' "$TMP/stats.json" 2>/dev/null ||
	grep -q '"stages":\[{"name":"cu_index"' "$TMP/stats.json"
ok $? "--stats=json prints one JSON object with the stages"
done_testing
