#!/usr/bin/env bash
# --trace FILE (stages/common/trace.h): the run as Chrome trace-event JSON.
# On the Debian vmlinux at -j2: valid JSON; a named track per thread (two
# readers, the writer on the main thread, the merge thread and the one that
# frees the read side); the rounds letting the input's pages go on the
# readers' tracks and the writer's (an input this big: pipeline/releaser.h),
# a slice per round --stats counts, whose CPU the serial CPU leaves out; one
# "read CU" and one "write CU" slice per CU, one
# "merge batch" slice per batch (the counts --stats gives), the stages of the
# serial tail on the main thread, waits; every slice inside the run; with
# two merge threads, a track each and every batch on one. The output bytes
# do not change. A failed run writes no trace; an unwritable
# trace path is one line before the run.
. "$(dirname "$0")/lib.sh"

[ -n "${BTFSTREAM_SKIP_KERNEL:-}" ] && skip_all "BTFSTREAM_SKIP_KERNEL is set"
command -v python3 > /dev/null || skip_all "python3 not installed"
vmlinux=$(cd "$TOP" && scripts/fetch-kernel.sh) || skip_all "cannot fetch the Debian kernel debug package"

"$BTFSTREAM" -j2 "$vmlinux" -o "$TMP/plain.btf"; ok $? "reference run"
"$BTFSTREAM" -j2 --stats=json --trace "$TMP/run.json" "$vmlinux" -o "$TMP/traced.btf" > "$TMP/stats.json"
ok $? "-j2 --trace converts the vmlinux"
cmp -s "$TMP/plain.btf" "$TMP/traced.btf"; ok $? "the same bytes as without --trace"

python3 - "$TMP/run.json" "$TMP/stats.json" > "$TMP/check.txt" <<'EOF'
import json, sys
from collections import Counter
trace = json.load(open(sys.argv[1]))
stats = json.load(open(sys.argv[2]))
ev = trace["traceEvents"]
names = {e["tid"]: e["args"]["name"] for e in ev if e["ph"] == "M" and e["name"] == "thread_name"}
slices = [e for e in ev if e["ph"] == "X"]
count = Counter((names.get(e["tid"]), e["name"]) for e in slices)
by_name = Counter(e["name"] for e in slices)
stage = {s["name"]: s for s in stats["stages"]}
def check(cond, what):
    print(("ok " if cond else "not ok ") + what)
check(sorted(names.values()) == sorted(["read 0", "read 1", "main (writer)", "merge", "free"]),
      "tracks: %s" % sorted(names.values()))
rounds = Counter(t for (t, n), c in count.items() for _ in range(c) if n == "let input pages go")
check(sum(rounds.values()) == stage["release"]["items"] > 0 and rounds["read 0"] + rounds["read 1"] > 0
      and set(rounds) <= {"read 0", "read 1", "main (writer)"},
      "a 'let input pages go' slice per round, on the readers' tracks and the writer's (%s)" % dict(rounds))
inside = {"read", "read.thread", "strtab", "release", "merge"}
serial = sum(s["cpu_ns"] for s in stats["stages"] if s["name"] not in inside) + \
    stage["merge"]["cpu_ns"] - stats["merge_parallel_ns"]
check(stats["serial_cpu_ns"] == serial and stage["release"]["cpu_ns"] > 0,
      "the serial CPU leaves out the release rounds, inside the readers' CPU (%d ns)" % stats["serial_cpu_ns"])
check(by_name["read CU"] == stage["cu_index"]["items"], "a 'read CU' slice per CU (%d)" % by_name["read CU"])
check(count[("main (writer)", "write CU")] == stage["cu_index"]["items"],
      "a 'write CU' slice per CU on the writer's track (%d)" % count[("main (writer)", "write CU")])
check(count[("merge", "merge batch")] == stage["merge"]["items"],
      "a 'merge batch' slice per batch on the merge track (%d)" % count[("merge", "merge batch")])
check(all(count[("main (writer)", s)] == 1 for s in ("cu_index", "funcs", "dedup", "emit")),
      "the stages before and after reading on the main track")
check(count[("main (writer)", "wait: the merge thread's last batches")] == 1, "the wait for the merge thread's tail")
check(any(n.startswith("wait: ") for n in by_name), "waits are slices: %s" % sorted(n for n in by_name if n.startswith("wait")))
end = stats["wall_ns"] / 1000.0
check(all(e["dur"] >= 0 and 0 <= e["ts"] and e["ts"] + e["dur"] <= end + 1000 for e in slices),
      "every slice lies inside the run (%.0f us)" % end)
cus = sorted(e["args"]["cu"] for e in slices if e["name"] == "read CU")
check(cus == list(range(len(cus))), "each CU read once, with its number")
EOF
while read -r verdict rest; do
	[ "$verdict" = ok ]; ok $? "trace: $rest"
done < "$TMP/check.txt"
[ "$(grep -c . "$TMP/check.txt")" = 11 ]; ok $? "the checker ran every check"

# two merge threads (stages/dedup/merge.h): a track each, every batch
# merged once on one of them, appended in turn; the same bytes
# (and BTFSTREAM_FREE_AT_EXIT=1: the read side freed on its track too)
BTFSTREAM_FREE_AT_EXIT=1 BTFSTREAM_MERGE_THREADS=2 "$BTFSTREAM" -j2 --stats=json --trace "$TMP/run2.json" "$vmlinux" -o "$TMP/m2.btf" \
	> "$TMP/stats2.json" && cmp -s "$TMP/plain.btf" "$TMP/m2.btf"
ok $? "two merge threads: the same bytes"
python3 - "$TMP/run2.json" "$TMP/stats2.json" > "$TMP/check2.txt" <<'EOF2'
import json, sys
ev = json.load(open(sys.argv[1]))["traceEvents"]
stats = json.load(open(sys.argv[2]))
names = {e["tid"]: e["args"]["name"] for e in ev if e["ph"] == "M" and e["name"] == "thread_name"}
merged = [(names.get(e["tid"]), e["args"]["batch"]) for e in ev if e["ph"] == "X" and e["name"] == "merge batch"]
batches = next(s["items"] for s in stats["stages"] if s["name"] == "merge")
print("ok" if {"merge 0", "merge 1"} <= set(names.values()) and "merge" not in names.values() else "not ok",
      "tracks 'merge 0' and 'merge 1': %s" % sorted(n for n in names.values() if n.startswith("merge")))
print("ok" if sorted(b for _, b in merged) == list(range(batches)) and stats["merge_threads"] == 2 else "not ok",
      "each of the %d batches merged once (on %s)" % (batches, sorted(set(t for t, _ in merged))))
print("ok" if "free" in names.values() and any(e["ph"] == "X" and e["name"] == "free the read side" for e in ev) else "not ok",
      "BTFSTREAM_FREE_AT_EXIT=1: a 'free' track with its slice")
EOF2
while read -r verdict rest; do
	[ "$verdict" = ok ]; ok $? "trace, two merge threads: $rest"
done < "$TMP/check2.txt"
[ "$(grep -c . "$TMP/check2.txt")" = 3 ]; ok $? "the checker ran the three checks"

"$BTFSTREAM" --trace "$TMP/bad.json" /dev/null -o "$TMP/bad.btf" 2> /dev/null
[ $? -ne 0 ] && [ ! -e "$TMP/bad.json" ]; ok $? "a failed run writes no trace"
"$BTFSTREAM" --trace "$TMP/no/such/t.json" "$vmlinux" -o "$TMP/x.btf" 2> "$TMP/err"
[ $? -ne 0 ] && [ "$(wc -l < "$TMP/err")" = 1 ] && [ ! -e "$TMP/x.btf" ]
ok $? "an unwritable trace path: one line before the run ($(cat "$TMP/err"))"
"$BTFSTREAM" --trace "$TMP/t.json" "$vmlinux" "$vmlinux" -o "$TMP/dir" 2> "$TMP/err"
[ $? = 2 ]; ok $? "several inputs: --trace is refused ($(cat "$TMP/err"))"

done_testing
