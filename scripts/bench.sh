#!/usr/bin/env bash
# make bench: pahole and btfstream side by side on the same vmlinux, in one
# run, alternating (A B A B ...), for -j1 and -j2. Prints the medians of wall
# time, CPU (user+sys) and peak RSS, btfstream's ratios to pahole and the
# median of its serial CPU (--stats=json of those runs); then btfstream's
# --stats for one -j2 run and a --memory-limit run.
#   BENCH_RUNS=N      runs per tool and -j (default 5)
#   BENCH_FLAVOUR=F   kernel flavour to fetch (default cloud-amd64; amd64 is
#                     the bigger generic kernel)
#   BENCH_BIG=1       also the bigger generic kernel (linux-image-*-amd64-dbg,
#                     ~700 MB more to fetch): peak RSS against input size
#   BENCH_MODULES=0   skip the modules part (every module of the package:
#                     pahole one process per module, as kbuild runs it,
#                     against btfstream in batch mode and one process per
#                     module with pahole's flags; all on all cores)
#   BENCH_MODULE_RUNS=N  alternating runs of the modules part (default 3)
# Timings are measurements, never assertions.
set -euo pipefail
bin=${1:-build/btfstream}
runs=${BENCH_RUNS:-5}
vmlinux=$(scripts/fetch-kernel.sh --flavour "${BENCH_FLAVOUR:-cloud-amd64}")
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
command -v pahole > /dev/null || { echo "bench: pahole (dwarves) is needed" >&2; exit 1; }

median() { sort -n | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
measure() {	# measure OUTFILE CMD...: appends "wall cpu rss_kb"; the command's output in $tmp/stdout
	local out=$1; shift
	/usr/bin/time -f "%e %U %S %M" -o "$tmp/t" "$@" > "$tmp/stdout" 2> "$tmp/err" || { cat "$tmp/err" >&2; exit 1; }
	awk '{ printf "%.3f %.3f %d\n", $1, $2 + $3, $4 }' "$tmp/t" >> "$out"
}

echo "bench: $vmlinux ($(nproc) CPUs), $runs alternating runs per tool and -j"
echo "bench: pahole $(pahole --version), btfstream $("$bin" --version | cut -d' ' -f2)"
declare -A w c r
printf '%-4s %-10s %10s %10s %12s\n' "-j" "tool" "wall s" "cpu s" "peak RSS MB"
for j in 1 2; do
	for i in $(seq "$runs"); do
		measure "$tmp/p$j" pahole -J -j$j --btf_gen_floats --lang_exclude=rust --btf_encode_detached="$tmp/p.btf" "$vmlinux"
		# (--stats=json only prints what every run measures)
		measure "$tmp/b$j" "$bin" -j$j --lang-exclude rust "$vmlinux" -o "$tmp/b.btf" --stats=json
		grep -o '"serial_cpu_ns":[0-9]*' "$tmp/stdout" | cut -d: -f2 >> "$tmp/s$j"
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
# the serial CPU of the same runs (every stage but the readers and the
# merge threads' batch dedups, as --stats counts it): one run alone moves
# with the machine's hour by a tenth or more
for j in 1 2; do
	sort -n "$tmp/s$j" | awk -v j="$j" '{ v[NR] = $1 / 1e9 }
		END { m = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
		      printf "-j%s btfstream serial CPU (--stats of the runs above): median %.2f s, %.2f-%.2f s\n", j, m, v[1], v[NR] }'
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

echo
echo "bench: under a hard memory cap (a memory cgroup without swap, scripts/cgroup-run.sh), -j2"
caps="384 256 192 128 96 64 56 48"
# the input's pages cached from here: a page is charged to the cgroup that
# reads it first, and the rows compare the tools' own memory
cat "$vmlinux" > /dev/null
if scripts/cgroup-run.sh $((64 << 20)) true 2> "$tmp/why"; then
	printf '%-34s' "cap MiB:"; for c in $caps; do printf '%8s' "$c"; done; echo
	capped_row() {	# capped_row LABEL CMD...: the wall time under each cap, or "killed"
		local label=$1; shift
		printf '%-34s' "$label"
		for c in $caps; do
			s=$(date +%s%N)
			if scripts/cgroup-run.sh $((c << 20)) timeout -k 10 300 "$@" > /dev/null 2>&1; then
				printf '%7.1fs' "$(awk -v a="$s" -v b="$(date +%s%N)" 'BEGIN { print (b - a) / 1e9 }')"
			else
				printf '%8s' killed
			fi
		done
		echo
	}
	capped_row "pahole $(pahole --version)" pahole -J -j2 --btf_gen_floats --lang_exclude=rust --btf_encode_detached="$tmp/c.btf" "$vmlinux"
	capped_row "btfstream (cgroup-sized budget)" "$bin" -j2 --lang-exclude rust "$vmlinux" -o "$tmp/c.btf"
	capped_row "btfstream --memory-limit none" "$bin" -j2 --memory-limit none --lang-exclude rust "$vmlinux" -o "$tmp/c.btf"
	capped_row "btfstream --memory-limit 32M" "$bin" -j2 --memory-limit 32M --lang-exclude rust "$vmlinux" -o "$tmp/c.btf"
	echo "(killed: by the cap, or thrashing past 5 minutes)"
else
	echo "skipped: $(cat "$tmp/why")"
fi

if [ "${BENCH_BIG:-0}" = 1 ]; then
	echo
	big=$(scripts/fetch-kernel.sh --flavour amd64)
	for v in "$vmlinux" "$big"; do
		: > "$tmp/r"
		measure "$tmp/r" "$bin" -j2 "$v" -o "$tmp/v.btf"
		awk -v v="$(basename "$v")" -v n="$(stat -c %s "$v")" \
			'{ printf "memory vs input: %s (%d MB): btfstream -j2 peak RSS %.0f MB\n", v, n / 1048576, $3 / 1024 }' "$tmp/r"
	done
fi

[ "${BENCH_MODULES:-1}" = 0 ] && exit 0
echo
moddir=$(scripts/fetch-kernel.sh --all-modules --flavour "${BENCH_FLAVOUR:-cloud-amd64}" | tail -n 1)
find "$moddir" -name '*.ko' | sort > "$tmp/mods"
echo "bench: modules: $(wc -l < "$tmp/mods") .ko files, base: btfstream's vmlinux BTF, $(nproc) CPUs"
"$bin" "$vmlinux" -o "$tmp/vmlinux.btf"
# as kbuild runs either tool: one process per module, -j alone (kbuild's
# flag); the three alternate, BENCH_MODULE_RUNS times (pahole's own time
# moved by a third between runs an hour apart), and the medians are compared
mkdir -p "$tmp/pm" "$tmp/bp"
for i in $(seq "${BENCH_MODULE_RUNS:-3}"); do
	measure "$tmp/mp" xargs -P "$(nproc)" -I{} sh -c 'pahole -J --btf_gen_floats --lang_exclude=rust --btf_base "$1" --btf_encode_detached="$2/$(basename "$3").btf" "$3"' _ "$tmp/vmlinux.btf" "$tmp/pm" {} < "$tmp/mods"
	rm -rf "$tmp/bm"
	measure "$tmp/mb" "$bin" --base "$tmp/vmlinux.btf" -o "$tmp/bm" --modules "$moddir"
	measure "$tmp/mq" xargs -P "$(nproc)" -I{} sh -c '"$1" -j --btf_gen_floats --lang_exclude=rust --btf_base "$2" --btf_encode_detached="$3/$(basename "$4").btf" "$4"' _ "$bin" "$tmp/vmlinux.btf" "$tmp/bp" {} < "$tmp/mods"
done
for t in mp mb mq; do	# medians: wall cpu rss
	paste -d' ' <(cut -d' ' -f1 "$tmp/$t" | median) <(cut -d' ' -f2 "$tmp/$t" | median) \
		<(cut -d' ' -f3 "$tmp/$t" | median) > "$tmp/$t.med"
done
echo "medians of ${BENCH_MODULE_RUNS:-3} alternating runs (CPU of each run: pahole $(cut -d' ' -f2 "$tmp/mp" | tr '\n' ' ')s; batch $(cut -d' ' -f2 "$tmp/mb" | tr '\n' ' ')s)"
awk '{ printf "pahole, a process per module:     wall %.1f s, cpu %.1f s, peak RSS %.0f MB\n", $1, $2, $3 / 1024 }' "$tmp/mp.med"
awk '{ printf "btfstream batch, one process:     wall %.1f s, cpu %.1f s, peak RSS %.0f MB (per worker)\n", $1, $2, $3 / 1024 }' "$tmp/mb.med"
awk '{ printf "btfstream, a process per module:  wall %.1f s, cpu %.1f s, peak RSS %.0f MB\n", $1, $2, $3 / 1024 }' "$tmp/mq.med"
paste "$tmp/mp.med" "$tmp/mb.med" | awk '{ printf "ratio, batch: wall %.2fx, cpu %.2fx (%.1fx less CPU)\n", $4 / $1, $5 / $2, $2 / $5 }'
paste "$tmp/mp.med" "$tmp/mq.med" | awk '{ printf "ratio, a process per module: wall %.2fx, cpu %.2fx\n", $4 / $1, $5 / $2 }'
diff -r -q "$tmp/bm" "$tmp/bp" > /dev/null && echo "output bytes: batch and a process per module identical" ||
	echo "output bytes: batch and a process per module DIFFERENT"
m=$(grep '/xfs.ko$' "$tmp/mods")
if [ -n "$m" ]; then
	: > "$tmp/x1"; : > "$tmp/x2"
	for i in $(seq "$runs"); do
		measure "$tmp/x1" pahole -J --btf_gen_floats --lang_exclude=rust --btf_base "$tmp/vmlinux.btf" --btf_encode_detached="$tmp/x.btf" "$m"
		measure "$tmp/x2" "$bin" --base "$tmp/vmlinux.btf" "$m" -o "$tmp/x.btf"
	done
	pw=$(cut -d' ' -f1 "$tmp/x1" | median); bw=$(cut -d' ' -f1 "$tmp/x2" | median)
	pr=$(cut -d' ' -f3 "$tmp/x1" | median); br=$(cut -d' ' -f3 "$tmp/x2" | median)
	echo "one module (xfs.ko), median of $runs: pahole $pw s, btfstream $bw s, ratio $(awk -v a="$bw" -v b="$pw" 'BEGIN { printf "%.2fx", a / b }');" \
		"peak RSS pahole $((pr / 1024)) MB, btfstream $((br / 1024)) MB, ratio $(awk -v a="$br" -v b="$pr" 'BEGIN { printf "%.2fx", a / b }')"
fi
