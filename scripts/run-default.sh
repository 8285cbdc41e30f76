#!/usr/bin/env bash
# make run: fetch the default input (Debian's cloud vmlinux), convert it,
# verify the result loads (bpftool) and, if pahole is there, compare it.
set -euo pipefail
bin=${1:-build/btfstream}
vmlinux=$(scripts/fetch-kernel.sh)
out=${OUT:-vmlinux.btf}

echo "run: $bin $vmlinux -o $out --stats"
"$bin" "$vmlinux" -o "$out" --stats
echo "run: verifying with bpftool"
bpftool btf dump file "$out" format raw > /dev/null
types=$(bpftool btf dump file "$out" format raw | grep -c '^\[')
echo "run: $out: $(stat -c %s "$out") bytes, $types types, loads in bpftool"
if command -v pahole > /dev/null; then
	ref=$(mktemp --suffix=.btf)
	trap 'rm -f "$ref"' EXIT
	echo "run: comparing with pahole 1.24 -J (FUNC and FUNC_PROTO follow pahole v1.31's rules, so they"
	echo "     are left out here; the one VAR difference, fixed_percpu_data, is deliberate: docs/btf-rules.md)"
	pahole -J --btf_gen_floats --lang_exclude=rust --btf_encode_detached="$ref" "$vmlinux"
	"$bin" diff --ignore-kinds FUNC,FUNC_PROTO "$ref" "$out" --show 3 || true
fi
