#!/usr/bin/env bash
# tests/integ/attribute-funcs.sh PAHOLE.btf OURS.btf FUNCS_REPORT [BASE.btf]
# (a helper of the integration tests, not a test itself; with BASE, both
# files are split BTF on top of it)
#
# Attributes every FUNC difference between pahole 1.24's BTF and btfstream's
# to one named rule (docs/btf-rules.md, "Functions"), prints the count per
# rule, and exits 1 if any difference has no rule:
#   only in pahole 1.24, and btfstream's verdict is a rule that drops it:
#     ambiguous_address, param_count_mismatch, param_type_mismatch,
#     return_type_mismatch, unexpected_reg, reordered_param, nocall,
#     unnamed_param (pahole v1.31's rules, which 1.24 did not have or
#     applied to fewer copies)
#   only in btfstream: name_cut (every ELF symbol of the name has a '.'
#     suffix, e.g. foo.isra.0; pahole 1.24 needs the exact name)
#   in both, linkage differs: never (both write every FUNC static)
#   in both, the prototype differs: never allowed
set -u
A=$1 B=$2 REPORT=$3 BASE=${4:-} BTFSTREAM=${BTFSTREAM:-btfstream}
base_bpftool=() base_diff=()
[ -n "$BASE" ] && base_bpftool=(-B "$BASE") && base_diff=(--base "$BASE")
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

funcs() { bpftool "${base_bpftool[@]}" btf dump file "$1" format raw | sed -n "s/^\[[0-9]*\] FUNC '\([^']*\)' type_id=[0-9]* linkage=\(.*\)$/\1\t\2/p" | sort; }
funcs "$A" > "$tmp/a"
funcs "$B" > "$tmp/b"
cut -f1 "$tmp/a" | sort -u > "$tmp/a.names"
cut -f1 "$tmp/b" | sort -u > "$tmp/b.names"
awk -F'\t' '{print $2 "\t" $1 "\t" $3}' "$REPORT" | sort > "$tmp/verdicts"	# name verdict symbols

comm -23 "$tmp/a.names" "$tmp/b.names" > "$tmp/only_a"
comm -13 "$tmp/a.names" "$tmp/b.names" > "$tmp/only_b"
unexplained=0

# only in pahole 1.24
join -t$'\t' -a1 "$tmp/only_a" "$tmp/verdicts" | awk -F'\t' '
	$2 ~ /^(ambiguous_address|param_count_mismatch|param_type_mismatch|return_type_mismatch|unexpected_reg|reordered_param|nocall|unnamed_param)$/ { print $2; next }
	{ print "UNEXPLAINED(only in pahole, verdict " ($2 == "" ? "none" : $2) "): " $1 }' > "$tmp/rules_a"
# only in btfstream
join -t$'\t' -a1 "$tmp/only_b" "$tmp/verdicts" | awk -F'\t' '
	{ n = split($3, s, ","); cut = n > 0 && $3 != "-"; for (i = 1; i <= n; i++) if (index(s[i], ".") == 0) cut = 0
	  if ($2 == "emitted" && cut) print "name_cut"; else print "UNEXPLAINED(only in btfstream, symbols " $3 "): " $1 }' > "$tmp/rules_b"
# in both: linkage
join -t$'\t' "$tmp/a" "$tmp/b" | awk -F'\t' '$2 != $3 { print "UNEXPLAINED(linkage differs): " $1 }' > "$tmp/rules_both"

echo "# FUNC: pahole 1.24 $(wc -l < "$tmp/a"), btfstream $(wc -l < "$tmp/b")"
echo "# differences per rule:"
cat "$tmp/rules_a" "$tmp/rules_b" "$tmp/rules_both" | grep -v '^UNEXPLAINED' | sort | uniq -c | sed 's/^/#   /'
if grep -q '^UNEXPLAINED' "$tmp/rules_a" "$tmp/rules_b" "$tmp/rules_both"; then
	grep -h '^UNEXPLAINED' "$tmp/rules_a" "$tmp/rules_b" "$tmp/rules_both" | head -20 | sed 's/^/#   /'
	unexplained=$(cat "$tmp/rules_a" "$tmp/rules_b" "$tmp/rules_both" | grep -c '^UNEXPLAINED')
fi

# in both: the prototypes must be the same (FUNC descriptions without linkage)
"$BTFSTREAM" diff "${base_diff[@]}" --show 5 --ignore-kinds INT,PTR,ARRAY,STRUCT,UNION,ENUM,FWD,TYPEDEF,VOLATILE,CONST,RESTRICT,FUNC_PROTO,VAR,DATASEC,DECL_TAG,TYPE_TAG,ENUM64,FLOAT "$A" "$B" > "$tmp/diff"
read -r fa fb < <(awk '$1 == "FUNC" { print $4, $5 }' "$tmp/diff")
if [ "${fa:-x}" != "$(wc -l < "$tmp/only_a")" ] || [ "${fb:-x}" != "$(wc -l < "$tmp/only_b")" ]; then
	echo "#   UNEXPLAINED: FUNCs present in both differ in their prototype:"
	sed 's/^/#     /' "$tmp/diff" | tail -15
	unexplained=$((unexplained + 1))
fi
echo "# unexplained: $unexplained"
[ "$unexplained" -eq 0 ]
