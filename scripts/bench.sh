#!/usr/bin/env bash
# make bench: pahole and btfstream side by side on the same vmlinux, in one
# run, alternating (A B A B ...), for -j1 and -j2. Prints the medians of wall
# time, CPU (user+sys) and peak RSS, and btfstream's ratios to pahole; then
# btfstream's --stats for one -j2 run and a --memory-limit run.
#   BENCH_RUNS=N      runs per tool and -j (default 5)
#   BENCH_FLAVOUR=F   kernel flavour to fetch (default cloud-amd64; amd64 is
#                     the bigger generic kernel)
# Timings are measurements, never assertions.
set -euo pipefail
bin=${1:-build/btfstream}
runs=${BENCH_RUNS:-5}
vmlinux=$(scripts/fetch-kernel.sh --flavour "${BENCH_FLAVOUR:-cloud-amd64}")
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
command -v pahole > /dev/null || { echo "bench: pahole (dwarves) is needed" >&2; exit 1; }

median() { sort -n | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
measure() {	# measure OUTFILE CMD...: appends "wall cpu rss_kb"
	local out=$1; shift
	/usr/bin/time -f "%e %U %S %M" -o "$tmp/t" "$@" > /dev/null 2> "$tmp/err" || { cat "$tmp/err" >&2; exit 1; }
	awk '{ printf "%.3f %.3f %d\n", $1, $2 + $3, $4 }' "$tmp/t" >> "$out"
}

echo "bench: $vmlinux ($(nproc) CPUs), $runs alternating runs per tool and -j"
echo "bench: pahole $(pahole --version), btfstream $("$bin" --version | cut -d' ' -f2)"
declare -A w c r
printf '%-4s %-10s %10s %10s %12s\n' "-j" "tool" "wall s" "cpu s" "peak RSS MB"
for j in 1 2; do
	for i in $(seq "$runs"); do
		measure "$tmp/p$j" pahole -J -j$j --btf_gen_floats --lang_exclude=rust --btf_encode_detached="$tmp/p.btf" "$vmlinux"
		measure "$tmp/b$j" "$bin" -j$j --lang-exclude rust "$vmlinux" -o "$tmp/b.btf"
	done
	for t in p b; do
		w[$t]=$(cut -d' ' -f1 "$tmp/$t$j" | median)
		c[$t]=$(cut -d' ' -f2 "$tmp/$t$j" | median)
		r[$t]=$(cut -d' ' -f3 "$tmp/$t$j" | median)
		printf '%-4s %-10s %10.2f %10.2f %12.0f\n' "$j" "$([ $t = p ] && echo pahole || echo btfstream)" \
			"${w[$t]}" "${c[$t]}" "$(echo "${r[$t]}" | awk '{ print $1 / 1024 }')"
	done
	awk -v j="$j" -v bw="${w[b]}" -v pw="${w[p]}" -v bc="${c[b]}" -v pc="${c[p]}" -v br="${r[b]}" -v pr="${r[p]}" \
		'BEGIN { printf "%-4s %-10s %9.2fx %9.2fx %11.2fx\n", j, "ratio", bw / pw, bc / pc, br / pr }'
done

echo
echo "bench: btfstream -j2 --stats"
"$bin" -j2 --lang-exclude rust "$vmlinux" -o "$tmp/b.btf" --stats
echo
echo "bench: btfstream -j2 --memory-limit 64M"
measure "$tmp/m" "$bin" -j2 --memory-limit 64M --lang-exclude rust "$vmlinux" -o "$tmp/m.btf"
awk '{ printf "wall %.2f s, cpu %.2f s, peak RSS %.0f MB\n", $1, $2, $3 / 1024 }' "$tmp/m"
cmp -s "$tmp/b.btf" "$tmp/m.btf" && echo "output bytes: identical to the run without a limit" ||
	echo "output bytes: DIFFERENT from the run without a limit"
