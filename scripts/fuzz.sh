#!/usr/bin/env bash
# make fuzz [FUZZ_SECONDS=N] [FUZZ_TARGETS="convert base diff"]: build the
# libFuzzer targets (tests/fuzz/fuzz_*.c) with clang, ASan and UBSan over
# the whole library, seed each corpus from the fixtures, run each target for
# N seconds (default 60). A crash, a sanitizer report, a leak or a hang
# (-timeout=10 s per input) fails the run; the input that found it is kept
# in $O/crashes/TARGET/ (turn it into a fixture under tests/fixtures/fuzz/).
# Corpora persist in $O/corpus/TARGET/, so campaigns add up.
#   scripts/fuzz.sh BUILD_DIR SECONDS [TARGET...]
set -uo pipefail
TOP=$(cd "$(dirname "$0")/.." && pwd)
O=${1:-$TOP/build-fuzz}
SECONDS_EACH=${2:-60}
shift $(($# < 2 ? $# : 2))
TARGETS=${*:-convert base diff}
SAN=fuzzer-no-link,address,undefined
cd "$TOP"
command -v clang > /dev/null || { echo "fuzz: clang is needed (apt-get install clang)"; exit 2; }

echo "fuzz: building the library with clang -fsanitize=$SAN into $O"
# CFLAGS from the environment: the Makefile adds its own flags and SAN's to it
CFLAGS="-O1 -g -fno-sanitize-recover=undefined" make -s O="$O" CC=clang SAN="$SAN" "$O/libbtfstream.a" || exit 2
PKGS=$(make -s --no-print-directory print-pkgs)
PKG_CFLAGS=$(pkg-config --cflags $PKGS)
PKG_LIBS=$(pkg-config --libs $PKGS)
for t in $TARGETS; do
	clang -O1 -g -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined -I. $PKG_CFLAGS -D_GNU_SOURCE \
		"tests/fuzz/fuzz_$t.c" "$O/libbtfstream.a" $PKG_LIBS -lz -pthread -o "$O/fuzz_$t" || exit 2
done

# seeds, made fresh each time from the fixtures (small: -O0, no unused types)
seeds=$O/seeds
rm -rf "$seeds" && mkdir -p "$seeds"/{elf,btf}
F=tests/fixtures
gcc -O2 -o "$seeds/zstd_sections" tests/tools/zstd_sections.c -lz -lzstd
n=0
for src in kinds.c edge.c percpu.c module/mod.c funcs/a.c funcs/kfuncs.c funcs/arena.c; do
	n=$((n + 1))
	gcc -w -g -O0 -c "$F/$src" -o "$seeds/elf/$n.o" 2> /dev/null
	gcc -w -g -O0 -gz=zlib -c "$F/$src" -o "$seeds/elf/$n.gz.o" 2> /dev/null &&
		"$seeds/zstd_sections" "$seeds/elf/$n.gz.o" "$seeds/elf/$n.zstd.o" 2> /dev/null
	clang -w -g -O1 -c "$F/$src" -o "$seeds/elf/$n.clang.o" 2> /dev/null
done
gcc -w -g -O0 "$F/kinds.c" -o "$seeds/elf/kinds.exe" 2> /dev/null
gcc -w -g -O0 -m32 -c "$F/kinds.c" -o "$seeds/elf/kinds32.o" 2> /dev/null
clang -w -g -O0 --target=s390x-linux-gnu -c "$F/kinds.c" -o "$seeds/elf/kinds-s390x.o" 2> /dev/null
clang -w -g -O0 --target=aarch64-linux-gnu -c "$F/kinds.c" -o "$seeds/elf/kinds-arm64.o" 2> /dev/null
B=$TOP/build/btfstream
[ -x "$B" ] || make -s all > /dev/null
"$B" "$seeds/elf/kinds.exe" -o "$seeds/btf/base.btf" 2> /dev/null
for f in "$seeds"/elf/*.o; do "$B" "$f" -o "$seeds/btf/$(basename "$f").btf" 2> /dev/null; done
"$B" --base "$seeds/btf/base.btf" "$seeds/elf/4.o" -o "$seeds/btf/split.btf" 2> /dev/null
cp "$seeds/elf/4.o" "$seeds/btf/distilled.o" &&
	"$B" -J --btf_base "$seeds/btf/base.btf" --btf_features=+distilled_base "$seeds/btf/distilled.o" 2> /dev/null
"$B" --btf_features=+layout "$seeds/elf/kinds.exe" -o "$seeds/btf/layout.btf" 2> /dev/null

status=0
for t in $TARGETS; do
	corpus=$O/corpus/$t crashes=$O/crashes/$t
	mkdir -p "$corpus" "$crashes"
	case $t in convert) seed=$seeds/elf ;; *) seed=$seeds/btf ;; esac
	echo "fuzz: $t for ${SECONDS_EACH} s (corpus $(ls "$corpus" | wc -l) + $(ls "$seed" | wc -l) seeds)"
	ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
		"$O/fuzz_$t" -max_total_time="$SECONDS_EACH" -timeout=10 -rss_limit_mb=2048 -max_len=262144 \
		-artifact_prefix="$crashes/" -print_final_stats=1 "$corpus" "$seed" > "$O/fuzz_$t.log" 2>&1
	rc=$?
	grep -E "^stat::number_of_executed_units|^stat::peak_rss_mb|cov: [0-9]+" "$O/fuzz_$t.log" | tail -3 | sed "s/^/fuzz: $t: /"
	if [ $rc -ne 0 ]; then
		echo "fuzz: $t: FAILED (exit $rc); findings in $crashes:"; ls "$crashes" | sed 's/^/  /'
		grep -m3 -E "ERROR: |runtime error|SUMMARY" "$O/fuzz_$t.log" | sed 's/^/  /'
		status=1
	fi
done
exit $status
