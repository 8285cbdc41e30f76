#!/usr/bin/env bash
# Command-line behaviour: --lang-exclude, --stats, --help, --version, the
# pahole spellings.
. "$(dirname "$0")/lib.sh"

# Two CUs in different C dialects: gcc records -std=c89 as DW_LANG_C89 and
# -std=c11 as DW_LANG_C11.
cat > "$TMP/old.c" <<'C'
struct only_in_c89 { int a; };
struct only_in_c89 old_var;
C
cat > "$TMP/new.c" <<'C'
struct only_in_c11 { long b; };
struct only_in_c11 new_var;
int main(void) { return 0; }
C
gcc -g -std=c89 -c -o "$TMP/old.o" "$TMP/old.c" && gcc -g -std=c11 -c -o "$TMP/new.o" "$TMP/new.c" &&
	gcc -o "$TMP/two.elf" "$TMP/old.o" "$TMP/new.o" || skip_all "gcc cannot build the input"

names() { bpftool btf dump file "$1" format raw | grep -o "STRUCT '[a-z_0-9]*'" | sort | tr '\n' ' '; }
"$BTFSTREAM" "$TMP/two.elf" -o "$TMP/all.btf"; ok $? "converts a c89 + c11 file"
[ "$(names "$TMP/all.btf")" = "STRUCT 'only_in_c11' STRUCT 'only_in_c89' " ]; ok $? "both structs without --lang-exclude"
"$BTFSTREAM" --lang-exclude c89 "$TMP/two.elf" -o "$TMP/no89.btf"
[ "$(names "$TMP/no89.btf")" = "STRUCT 'only_in_c11' " ]; ok $? "--lang-exclude c89 drops the c89 CU's types"
"$BTFSTREAM" --lang_exclude=rust,c11 "$TMP/two.elf" -o "$TMP/no11.btf"
[ "$(names "$TMP/no11.btf")" = "STRUCT 'only_in_c89' " ]; ok $? "--lang_exclude=rust,c11 (pahole spelling, a list) drops the c11 CU's types"

"$BTFSTREAM" -J --btf_gen_floats --btf_encode_detached="$TMP/pahole-style.btf" "$TMP/two.elf" &&
	cmp -s "$TMP/all.btf" "$TMP/pahole-style.btf"
ok $? "pahole spellings -J --btf_gen_floats --btf_encode_detached=F give the same bytes"

"$BTFSTREAM" --stats "$TMP/two.elf" -o "$TMP/s.btf" > "$TMP/stats.txt"
for stage in cu_index read read.thread strtab write dedup emit; do
	grep -q "^$stage " "$TMP/stats.txt"; ok $? "--stats table has the $stage stage"
done
grep -q "^peak RSS [1-9][0-9]* KiB" "$TMP/stats.txt"; ok $? "--stats reports peak RSS"
# one row per reader, however many: 60 one-function CUs read by 60 readers
mkdir -p "$TMP/many"
for i in $(seq 1 60); do echo "int f$i(int x) { return x + $i; }" > "$TMP/many/c$i.c"; done
echo 'int main(void) { return 0; }' > "$TMP/many/main.c"
if (cd "$TMP/many" && gcc -g -O0 -o many.elf c*.c main.c 2> /dev/null); then
	"$BTFSTREAM" -j 60 --stats "$TMP/many/many.elf" -o "$TMP/many.btf" > "$TMP/many.stats"
	[ "$(grep -c '^read.thread ' "$TMP/many.stats")" -eq 60 ]
	ok $? "--stats -j 60: a row for each of the 60 readers ($(grep -c '^read.thread ' "$TMP/many.stats"))"
	# -j alone or no -j: the online CPUs, but one reader per 2 MiB of
	# .debug_info (pipeline/sizing.c): the 61 small CUs get one
	"$BTFSTREAM" -j --stats "$TMP/many/many.elf" -o "$TMP/many1.btf" > "$TMP/many1.stats" &&
		"$BTFSTREAM" --stats "$TMP/many/many.elf" -o "$TMP/many0.btf" > "$TMP/many0.stats" &&
		[ "$(grep -c '^read.thread ' "$TMP/many1.stats")" -eq 1 ] && [ "$(grep -c '^read.thread ' "$TMP/many0.stats")" -eq 1 ] &&
		cmp -s "$TMP/many.btf" "$TMP/many1.btf" && cmp -s "$TMP/many.btf" "$TMP/many0.btf"
	ok $? "-j alone and no -j on 61 small CUs: one reader, the same bytes as -j 60"
else
	skip "gcc cannot build the 61-CU input"; skip "gcc cannot build the 61-CU input"
fi
# ... and ten CUs of ~440 KB each (4.4 MB): two readers, given two CPUs
mkdir -p "$TMP/big"
python3 - "$TMP/big" <<'PY'
import sys
for k in range(10):
    with open(f"{sys.argv[1]}/c{k}.c", "w") as f:
        for i in range(6000):
            f.write(f"struct s{k}_{i} {{ int a; long b; char c[4]; struct s{k}_{i} *next; unsigned short d; }};\n")
PY
if (cd "$TMP/big" && for k in 0 1 2 3 4 5 6 7 8 9; do gcc -g -c -fno-eliminate-unused-debug-types c$k.c -o c$k.o || exit 1; done &&
	ld -r c?.o -o big.o) 2> /dev/null; then
	"$BTFSTREAM" --stats "$TMP/big/big.o" -o "$TMP/big0.btf" > "$TMP/big0.stats" && "$BTFSTREAM" -j1 "$TMP/big/big.o" -o "$TMP/big1.btf" &&
		cmp -s "$TMP/big0.btf" "$TMP/big1.btf"
	ok $? "4.4 MB of .debug_info, no -j: converts, the same bytes as -j1"
	if [ "$(nproc)" -ge 2 ]; then
		[ "$(grep -c '^read.thread ' "$TMP/big0.stats")" -eq 2 ]
		ok $? "... with two readers ($(grep -c '^read.thread ' "$TMP/big0.stats"))"
	else
		skip "one online CPU: one reader whatever the size"
	fi
else
	skip "gcc cannot build the 4.4 MB input"; skip "gcc cannot build the 4.4 MB input"
fi
"$BTFSTREAM" --stats=json "$TMP/two.elf" -o "$TMP/s.btf" > "$TMP/stats.json"
[ "$(wc -l < "$TMP/stats.json")" = 1 ] && grep -q '^{"jobs":[0-9]*,.*"stages":\[{"name":"cu_index".*}\],"functions":{.*}}$' "$TMP/stats.json"
ok $? "--stats=json is one JSON object"
if command -v python3 > /dev/null; then
	python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert {s["name"] for s in d["stages"]} >= {"cu_index","read","write","dedup","emit"}' "$TMP/stats.json"
	ok $? "--stats=json parses as JSON with every stage"
else
	skip "python3 not installed: JSON not parsed"
fi
"$BTFSTREAM" --stats=xml "$TMP/two.elf" -o "$TMP/s.btf" 2> /dev/null; [ $? -eq 2 ]; ok $? "--stats=xml is a usage error"

"$BTFSTREAM" -q "$TMP/old.c" -o "$TMP/q.btf" 2> "$TMP/q.err"; rc=$?
[ $rc -eq 1 ] && [ ! -s "$TMP/q.err" ]; ok $? "-q: a failure is only the exit code (got $rc, $(wc -c < "$TMP/q.err") bytes on stderr)"
"$BTFSTREAM" --help > "$TMP/help.txt"; ok $? "--help exits 0"
grep -q "usage: btfstream \[options\] ELF -o OUT" "$TMP/help.txt"; ok $? "--help shows the usage line"
"$BTFSTREAM" --version | grep -q "^btfstream "; ok $? "--version prints the version"
"$BTFSTREAM" diff --help > /dev/null; ok $? "diff --help exits 0"
"$BTFSTREAM" diff "$TMP/all.btf" "$TMP/all.btf" > /dev/null; ok $? "diff of a file with itself: exit 0"
"$BTFSTREAM" diff -q "$TMP/all.btf" "$TMP/no89.btf"; [ $? -eq 1 ]; ok $? "diff of different files: exit 1"
"$BTFSTREAM" diff -q "$TMP/all.btf" "$TMP/old.c" 2> /dev/null; [ $? -eq 2 ]; ok $? "diff of a non-BTF file: exit 2"
# pahole's spellings, as the kernel's scripts/pahole-flags.sh passes them
ln -s "$BTFSTREAM" "$TMP/pahole"
[ "$("$TMP/pahole" --version)" = "v1.31" ]; ok $? "run as pahole, --version answers in pahole's format"
"$BTFSTREAM" --version | grep -q "^btfstream .*pahole-compatible options up to v1.31"; ok $? "run as btfstream, it says what it is"
"$BTFSTREAM" -J -j --btf_gen_floats --lang_exclude=rust --skip_encoding_btf_inconsistent_proto --btf_gen_optimized \
	--btf_encode_detached="$TMP/k.btf" "$TMP/two.elf" && cmp -s "$TMP/k.btf" "$TMP/all.btf"
ok $? "the kernel's pahole flags (-j without a number among them) give the default output"
(cd "$FIXTURES" && gcc -w -g -O0 percpu.c -Wl,-T,percpu.lds -o "$TMP/pcpu.elf")
"$BTFSTREAM" --skip_encoding_btf_vars "$TMP/pcpu.elf" -o "$TMP/novars.btf" && ! bpftool btf dump file "$TMP/novars.btf" format raw | grep -q "VAR"
ok $? "--skip_encoding_btf_vars: no VAR"
"$BTFSTREAM" --skip_encoding_btf_enum64 "$TMP/pcpu.elf" -o "$TMP/x.btf"; ok $? "--skip_encoding_btf_enum64 is accepted"

if [ -e /usr/include/x86_64-linux-gnu/sys/sdt.h ] || [ -e /usr/include/sys/sdt.h ]; then
	probes=$(readelf -n "$BTFSTREAM" | sed -n 's/^ *Name: //p' | sort -u | tr '\n' ' ')
	[ "$probes" = "read_cu_end read_cu_start stage_end stage_start write_cu_end write_cu_start " ]
	ok $? "the USDT probes are in the binary ($probes)"
else
	skip "no <sys/sdt.h> (systemtap-sdt-dev): built without USDT probes"
fi
done_testing
