#!/usr/bin/env bash
# The heap in transparent huge pages (pipeline/huge_heap.h): where the
# kernel's THP mode is "madvise" and glibc reads glibc.malloc.hugetlb
# (2.35+), btfstream runs itself again with that tunable added to
# GLIBC_TUNABLES, keeping the user's tunables and its own process name; a
# memory budget, BTFSTREAM_HUGE_HEAP=0 or the user's own hugetlb setting
# keep 4 KiB pages, as does a malloc that is not glibc's (LD_PRELOAD, a
# sanitizer's runtime). The bytes are the same either way. --stats names the
# choice and the most memory seen in huge pages (smaps_rollup), which is
# what shows the kernel acted on it.
. "$(dirname "$0")/lib.sh"

build_many_elf "$TMP/many" || skip_all "gcc cannot build the fixture ELF"
mode=$(sed -n 's/.*\[\([a-z]*\)\].*/\1/p' /sys/kernel/mm/transparent_hugepage/enabled 2> /dev/null)
glibc=$(getconf GNU_LIBC_VERSION 2> /dev/null | sed -n 's/^glibc //p')
sanitized=$(ldd "$BTFSTREAM" 2> /dev/null | grep -c 'libasan\|libtsan')

heap_line() {	# heap_line OUT [ARGS...]: the fixture's run's --stats heap line, its bytes in OUT
	local out=$1
	shift
	"$BTFSTREAM" --stats "$@" "$TMP/many" -o "$out" | sed -n 's/^heap: //p'
}
huge_kb() { sed -n 's/.*; at most \([0-9]*\) KiB in huge pages.*/\1/p' <<< "$1"; }

"$BTFSTREAM" "$TMP/many" -o "$TMP/ref.btf"
ok $? "a run with the default heap"
line=$(BTFSTREAM_HUGE_HEAP=0 heap_line "$TMP/off.btf")
diag "BTFSTREAM_HUGE_HEAP=0: $line"
[[ $line == "4 KiB pages: BTFSTREAM_HUGE_HEAP=0; at most 0 KiB in huge pages"* ]]
ok $? "BTFSTREAM_HUGE_HEAP=0: 4 KiB pages, none huge"
cmp -s "$TMP/ref.btf" "$TMP/off.btf"
ok $? "the same bytes with 4 KiB pages"

line=$(heap_line "$TMP/budget.btf" --memory-limit 64M)
[[ $line == "4 KiB pages: a memory budget is in force;"* ]]
ok $? "--memory-limit: 4 KiB pages ($line)"
cmp -s "$TMP/ref.btf" "$TMP/budget.btf"
ok $? "the same bytes under the budget"
line=$(GLIBC_TUNABLES=glibc.malloc.hugetlb=0 heap_line "$TMP/user.btf")
[[ $line == "4 KiB pages: GLIBC_TUNABLES sets glibc.malloc.hugetlb=0;"* ]]
ok $? "the user's glibc.malloc.hugetlb=0 wins ($line)"

# What is printed before the second start is printed once, by the process
# that goes on (log.h: held until then), and an error before it still is.
n=$("$BTFSTREAM" -v --btf_features=nosuch "$TMP/many" -o "$TMP/v.btf" 2>&1 | grep -c "unknown feature 'nosuch'")
[ "$n" = 1 ]
ok $? "a line logged before the second start is printed once ($n)"
err=$("$BTFSTREAM" --nosuch "$TMP/many" 2>&1); rc=$?
[ $rc = 2 ] && [ "$err" = "btfstream: unknown option '--nosuch'; see btfstream --help" ]
ok $? "an error before it is printed, once, exit 2 ($rc: $err)"

line=$(heap_line "$TMP/on.btf")
diag "default: $line"
if [ "$sanitized" != 0 ]; then
	[[ $line == "4 KiB pages: malloc is not glibc's (it is in "*libasan* || $line == *libtsan* ]]
	ok $? "a sanitizer build: its runtime owns malloc, 4 KiB pages"
	done_testing
fi
libc=$(ldd "$BTFSTREAM" | awk '$1 ~ /^libc\.so/ { print $3 }')
preloaded=$(LD_PRELOAD=$libc heap_line "$TMP/preload.btf")
[[ $preloaded == "4 KiB pages: LD_PRELOAD is set"* ]] && cmp -s "$TMP/ref.btf" "$TMP/preload.btf"
ok $? "LD_PRELOAD=$libc: no second start, same bytes ($preloaded)"
if [ "$mode" != madvise ]; then
	[[ $line == "4 KiB pages: the kernel's THP mode is \"$mode\""* || $line == "4 KiB pages: no THP mode"* ]]
	ok $? "THP mode \"$mode\": 4 KiB pages, and why"
	done_testing
fi
if [ -z "$glibc" ] || [ "$(printf '%s\n' 2.35 "$glibc" | sort -V | head -n 1)" != 2.35 ]; then
	[[ $line == "4 KiB pages: glibc"* ]]
	ok $? "glibc ${glibc:-?}: 4 KiB pages, and why"
	done_testing
fi
# Started through the dynamic loader, /proc/self/exe is the loader: no
# second start (it would take the first argument for the program).
ldso=$(ldd "$BTFSTREAM" | awk '$1 ~ /^\/.*ld-linux/ { print $1 }')
if [ -x "$ldso" ]; then
	loader=$("$ldso" "$BTFSTREAM" --stats "$TMP/many" -o "$TMP/ldso.btf" | sed -n 's/^heap: //p')
	[[ $loader == "4 KiB pages: /proc/self/exe is not $BTFSTREAM"* ]] && cmp -s "$TMP/ref.btf" "$TMP/ldso.btf"
	ok $? "through $ldso: no second start, same bytes ($loader)"
else
	skip "no dynamic loader path in ldd's output"
fi
[[ $line == "2 MiB pages on request (GLIBC_TUNABLES=glibc.malloc.hugetlb=1);"* ]]
ok $? "THP mode madvise, glibc $glibc: run again with glibc.malloc.hugetlb=1"
cmp -s "$TMP/ref.btf" "$TMP/on.btf"
ok $? "the same bytes in huge pages"
line=$(GLIBC_TUNABLES=glibc.malloc.arena_max=4 heap_line "$TMP/kept.btf")
[[ $line == "2 MiB pages on request (GLIBC_TUNABLES=glibc.malloc.arena_max=4:glibc.malloc.hugetlb=1);"* ]]
ok $? "the user's tunables are kept ($line)"

# On the Debian vmlinux (a heap of ~60 MB; the fixture's few MB may hold
# no whole aligned 2 MiB range): the kernel gave huge pages, and the
# process's name after the second start is its own, what ps, top and pkill
# see (an execv of /proc/self/exe alone names it "exe"). The name is read
# once a reader thread exists, which only the second start makes.
if [ -n "${BTFSTREAM_SKIP_KERNEL:-}" ]; then
	skip "BTFSTREAM_SKIP_KERNEL is set: no vmlinux run"
	done_testing
fi
vmlinux=$(cd "$TOP" && scripts/fetch-kernel.sh) || { skip "cannot fetch the Debian kernel debug package"; done_testing; }
cp "$BTFSTREAM" "$TMP/btfs-named"
fallback0=$(awk '$1 == "thp_fault_fallback" { print $2 }' /proc/vmstat)
"$TMP/btfs-named" -j2 --stats "$vmlinux" -o "$TMP/vmlinux.btf" > "$TMP/stats" & pid=$!
name=
for _ in $(seq 1 2000); do
	if grep -qs '^btfs-read' /proc/$pid/task/*/comm; then
		name=$(cat /proc/$pid/comm 2> /dev/null)
		break
	fi
	sleep 0.005
done
wait $pid
ok $? "the vmlinux, as btfs-named"
fallback1=$(awk '$1 == "thp_fault_fallback" { print $2 }' /proc/vmstat)
[ "$name" = btfs-named ]
ok $? "the process keeps its name: ${name:-(no reader seen)}"
line=$(sed -n 's/^heap: //p' "$TMP/stats")
diag "vmlinux: $line"
if [ "$(huge_kb "$line")" = 0 ] && [ "${fallback1:-0}" != "${fallback0:-0}" ]; then
	skip "the kernel fell back to 4 KiB pages (thp_fault_fallback $fallback0 -> $fallback1)"
else
	[ "$(huge_kb "$line")" -gt 0 ]
	ok $? "the kernel gave huge pages: $(huge_kb "$line") KiB at most"
fi
BTFSTREAM_HUGE_HEAP=0 "$BTFSTREAM" -j2 "$vmlinux" -o "$TMP/vmlinux-4k.btf" && cmp -s "$TMP/vmlinux.btf" "$TMP/vmlinux-4k.btf"
ok $? "the vmlinux's bytes are the same with 4 KiB pages"
done_testing
