#!/usr/bin/env bash
# make's jobserver (pipeline/jobserver.h): readers beyond the first take a
# token each and give it back; with none free btfstream runs with one reader
# and never waits for one; tokens go back on a signal too; make 4.3's
# descriptors (--jobserver-auth=R,W) and make 4.4's fifo (fifo:PATH) both
# work; descriptors make did not pass (a recipe not marked '+') mean no
# jobserver. Then under a real `make -j2` with three btfstream jobs, and
# `make -j4` with one. The bytes never change.
. "$(dirname "$0")/lib.sh"

# the jobservers here are the test's own, not those of a make running the tests
unset MAKEFLAGS MFLAGS MAKELEVEL
[ -n "${BTFSTREAM_SKIP_KERNEL:-}" ] && skip_all "BTFSTREAM_SKIP_KERNEL is set"
command -v make > /dev/null || skip_all "make not installed"
vmlinux=$(cd "$TOP" && scripts/fetch-kernel.sh) || skip_all "cannot fetch the Debian kernel debug package"
echo "# 0026: btfstream under make's jobserver (about a minute)" >&2

# An input of 20,000 small CUs (tests/tools/many_cus.py): read in well
# under a second, long enough for every reader to ask for a token.
echo 'int x;' | gcc -c -x c - -o "$TMP/empty.o" && python3 "$TOP/tests/tools/many_cus.py" 20000 "$TMP" &&
	objcopy --add-section .debug_info="$TMP/info.bin" --add-section .debug_abbrev="$TMP/abbrev.bin" \
		"$TMP/empty.o" "$TMP/many.o" || exit 1
# A small input of several CUs, for the quickest cases.
for i in 1 2 3 4; do
	echo "struct s$i { int a; long b; struct s$i *next; }; struct s$i v$i; int f$i(struct s$i *p) { return p->a; }" |
		gcc -g -O1 -c -x c - -o "$TMP/c$i.o" || exit 1
done
ld -r "$TMP"/c[1-4].o -o "$TMP/small.o" || exit 1

"$BTFSTREAM" -j2 "$TMP/many.o" -o "$TMP/ref.btf"; ok $? "reference: the many-CU input without a jobserver"
"$BTFSTREAM" "$TMP/small.o" -o "$TMP/small-ref.btf"; ok $? "reference: the small input"

fifo=$TMP/jobserver.fifo
mkfifo "$fifo"
exec 7<> "$fifo"	# keeps the fifo open, and lets the test put tokens in and take them out
tokens_back() {	# the bytes in the fifo now, without waiting
	timeout 2 dd bs=1 count=64 iflag=nonblock <&7 2> /dev/null | od -An -c | tr -d ' \n'
}
json() { python3 -c "import json,sys; d=json.load(open(sys.argv[1])); print($2)" "$1"; }
readers_used() { json "$1" 'sum(1 for s in d["stages"] if s["name"] == "read.thread" and s["items"] > 0)'; }

# 1. make 4.4's fifo, two tokens that are not '+': taken, and the same bytes given back
printf 'xy' >&7
MAKEFLAGS=" -j3 --jobserver-auth=fifo:$fifo" "$BTFSTREAM" -j4 --stats=json "$TMP/many.o" -o "$TMP/fifo.btf" > "$TMP/fifo.json"
ok $? "fifo jobserver, two tokens: -j4 converts"
cmp -s "$TMP/ref.btf" "$TMP/fifo.btf"; ok $? "same bytes"
max=$(json "$TMP/fifo.json" 'd["tokens_max"]'); taken=$(json "$TMP/fifo.json" 'd["tokens_taken"]')
[ "$max" -ge 1 ] && [ "$max" -le 2 ]; ok $? "it took tokens, never more than the two there were (at most $max at once, $taken in all)"
[ "$(readers_used "$TMP/fifo.json")" -le 3 ]; ok $? "at most three readers read (one per token, one on its own slot)"
back=$(tokens_back)
[ "$(echo "$back" | fold -w1 | sort | tr -d '\n')" = xy ]; ok $? "both tokens given back, the same bytes ('$back')"

# 2. no token free: one reader, no deadlock
MAKEFLAGS="-j2 --jobserver-auth=fifo:$fifo" timeout 120 "$BTFSTREAM" -j4 --stats=json "$TMP/many.o" -o "$TMP/none.btf" > "$TMP/none.json"
ok $? "no token free: it finishes (no deadlock)"
cmp -s "$TMP/ref.btf" "$TMP/none.btf"; ok $? "same bytes"
[ "$(readers_used "$TMP/none.json")" = 1 ] && [ "$(json "$TMP/none.json" 'd["tokens_taken"]')" = 0 ]
ok $? "one reader read every CU, no token taken"

# 3. a signal while tokens are held (the vmlinux: a run of seconds): given back
printf '++' >&7
MAKEFLAGS="-j3 --jobserver-auth=fifo:$fifo" "$BTFSTREAM" -j3 "$vmlinux" -o "$TMP/sig.btf" &
pid=$!
# mid-run: once the third reader runs (it holds the second token); a fixed
# sleep raced with a run that now ends in ~1.3 s
for _ in $(seq 200); do
	grep -qx btfs-read2 /proc/$pid/task/*/comm 2> /dev/null && break
	sleep 0.02
done
sleep 0.2
kill -TERM $pid; wait $pid; rc=$?
back=$(tokens_back)
[ $rc = 143 ] && [ "$back" = "++" ]; ok $? "SIGTERM mid-run (exit $rc): both tokens back in the fifo ('$back')"

# 4. make 4.3's descriptors (here: the fifo on fds 5 and 6)
printf '+' >&7
MAKEFLAGS="-j2 --jobserver-auth=5,6" "$BTFSTREAM" -j2 --stats "$TMP/small.o" -o "$TMP/fds.btf" 5<> "$fifo" 6<> "$fifo" > "$TMP/fds.txt"
ok $? "descriptor jobserver: converts"
grep -q "^jobserver: fds 5,6: " "$TMP/fds.txt"; ok $? "--stats names the descriptors"
cmp -s "$TMP/small-ref.btf" "$TMP/fds.btf"; ok $? "same bytes"
[ "$(tokens_back)" = "+" ]; ok $? "its token is back"

# 5. descriptors that are not open here: no jobserver, said under -v
MAKEFLAGS="-j2 --jobserver-auth=98,99" "$BTFSTREAM" -v -j2 --stats "$TMP/small.o" -o "$TMP/bad.btf" > "$TMP/bad.txt" 2> "$TMP/bad.err"
ok $? "descriptors not open: converts anyway"
grep -q "^jobserver: none" "$TMP/bad.txt" && grep -q "no jobserver: MAKEFLAGS names jobserver descriptors 98,99, which are not open here" "$TMP/bad.err"
ok $? "as without a jobserver, and -v says why"
cmp -s "$TMP/small-ref.btf" "$TMP/bad.btf"; ok $? "same bytes"

# 6. batch mode: a worker beyond the first takes a token, gives it back
moddir=$(cd "$TOP" && scripts/fetch-kernel.sh --modules | tail -n 1) || moddir=""
if [ -n "$moddir" ]; then
	"$BTFSTREAM" -j2 "$vmlinux" -o "$TMP/vmlinux.btf"
	"$BTFSTREAM" -j3 --base "$TMP/vmlinux.btf" -o "$TMP/mods-ref" --modules "$moddir" 2> /dev/null
	printf '+' >&7
	MAKEFLAGS="-j2 --jobserver-auth=fifo:$fifo" "$BTFSTREAM" -j3 --base "$TMP/vmlinux.btf" -o "$TMP/mods" --modules "$moddir" 2> /dev/null
	ok $? "batch mode under the jobserver converts the modules"
	diff -r -q "$TMP/mods-ref" "$TMP/mods" > /dev/null; ok $? "same bytes as without it"
	[ "$(tokens_back)" = "+" ]; ok $? "its token is back"
else
	skip "no modules fetched"; skip "no modules fetched"; skip "no modules fetched"
fi

# 7. a real make: -j2 with three jobs ('+': make passes its descriptors),
# and -j4 with one job, which may take make's three free tokens
bin=$(realpath "$BTFSTREAM")
cat > "$TMP/Makefile" <<EOF
all: a.btf b.btf c.btf
%.btf:
	+"$bin" -j4 --stats=json "$TMP/many.o" -o \$@ > \$@.json
one.btf:
	+"$bin" -j4 --stats=json "$TMP/many.o" -o \$@ > \$@.json
plain.btf:
	"$bin" -j4 --stats=json "$TMP/many.o" -o \$@ > \$@.json
EOF
make -s -C "$TMP" -j2 all > "$TMP/make.out" 2>&1
ok $? "make -j2, three btfstream -j4 jobs: all finish" || sed 's/^/# /' "$TMP/make.out"
! grep -qi "jobserver\|token" "$TMP/make.out"; ok $? "make reports no lost jobserver tokens"
for j in a b c; do
	cmp -s "$TMP/ref.btf" "$TMP/$j.btf" && [ "$(json "$TMP/$j.btf.json" 'd["jobserver"]')" != "" ] &&
		[ "$(json "$TMP/$j.btf.json" 'd["tokens_max"]')" -le 1 ]
	ok $? "job $j: same bytes, used make's jobserver, at most one token (make -j2 has one to hand out)"
done
make -s -C "$TMP" -j4 one.btf > "$TMP/make.out" 2>&1
ok $? "make -j4, one job"
[ "$(json "$TMP/one.btf.json" 'd["tokens_max"]')" -ge 1 ] && [ "$(json "$TMP/one.btf.json" 'd["tokens_max"]')" -le 3 ]
ok $? "it took make's free tokens, at most three ($(json "$TMP/one.btf.json" 'd["tokens_max"]'))"
make -s -C "$TMP" -j4 plain.btf > "$TMP/make.out" 2>&1 && cmp -s "$TMP/ref.btf" "$TMP/plain.btf" &&
	[ "$(json "$TMP/plain.btf.json" 'd["jobserver"]')" = "" ]
ok $? "a recipe without '+' gets no descriptors from make: no jobserver, as pahole"

done_testing
