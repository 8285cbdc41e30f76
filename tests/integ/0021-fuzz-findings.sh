#!/usr/bin/env bash
# Every input the fuzzers found crashing (tests/fixtures/fuzz/, README there)
# now ends in a clean result: exit 0, 1 or 2, at most one error line that
# names the file, no output left on failure.
. "$(dirname "$0")/lib.sh"
# the small base fuzz_convert's third run converts on (tests/fuzz/fuzz_convert.c)
printf 'struct list_head { struct list_head *next, *prev; };\ntypedef unsigned int u32;\n%s\n' \
	'int f(struct list_head *h, u32 x) { return h->next == h ? (int)x : 0; }' > "$TMP/base.c"
gcc -g -O0 -c "$TMP/base.c" -o "$TMP/base.o" && "$BTFSTREAM" "$TMP/base.o" -o "$TMP/base.btf" ||
	{ echo "Bail out! cannot make the small base"; exit 1; }
n=0
for f in "$FIXTURES"/fuzz/diff-* "$FIXTURES"/fuzz/convert-* "$FIXTURES"/fuzz/base-*; do
	[ -e "$f" ] || continue
	n=$((n + 1)) name=$(basename "$f")
	case $name in
	diff-*)
		"$BTFSTREAM" diff -q "$f" "$f" 2> "$TMP/e1"; r1=$?
		"$BTFSTREAM" diff -q --base "$f" "$f" "$f" 2> "$TMP/e2"; r2=$?
		[ $r1 -le 2 ] && [ $r2 -le 2 ] && [ "$(cat "$TMP/e1" "$TMP/e2" | wc -l)" -le 2 ] &&
			! grep -v "$f" "$TMP/e1" "$TMP/e2" | grep -q .
		ok $? "$name: diff exits $r1 and $r2, $(head -c 150 "$TMP/e2")" ;;
	convert-*)
		"$BTFSTREAM" "$f" -o "$TMP/$name.btf" 2> "$TMP/e1"; r1=$?
		cp "$f" "$TMP/$name.elf" && "$BTFSTREAM" --btf_features=all -J "$TMP/$name.elf" 2> "$TMP/e2"; r2=$?
		"$BTFSTREAM" --base "$TMP/base.btf" "$f" -o "$TMP/$name.split.btf" 2> "$TMP/e3"; r3=$?
		[ $r1 -le 2 ] && [ $r2 -le 2 ] && [ $r3 -le 2 ] && { [ $r1 = 0 ] || [ ! -e "$TMP/$name.btf" ]; } &&
			{ [ $r3 = 0 ] || [ ! -e "$TMP/$name.split.btf" ]; } &&
			[ "$(cat "$TMP/e1" "$TMP/e2" "$TMP/e3" | wc -l)" -le 3 ]
		ok $? "$name: converts or fails cleanly (exits $r1, $r2; on a base $r3)" ;;
	base-*)
		"$BTFSTREAM" --base "$f" "$TMP/base.o" -o "$TMP/$name.btf" 2> "$TMP/e1"; r1=$?
		[ $r1 -le 2 ] && { [ $r1 = 0 ] || [ ! -e "$TMP/$name.btf" ]; } && [ "$(wc -l < "$TMP/e1")" -le 1 ]
		ok $? "$name: as --base, converts or fails cleanly (exits $r1: $(head -c 150 "$TMP/e1"))"
		# btfstream diff reads the same file with the same checks
		"$BTFSTREAM" diff -q "$f" "$f" 2> "$TMP/e2"; r2=$?
		"$BTFSTREAM" diff -q --base "$f" "$TMP/base.btf" "$TMP/base.btf" 2> "$TMP/e3"; r3=$?
		[ $r2 -le 2 ] && [ $r3 -le 2 ] && [ "$(cat "$TMP/e2" "$TMP/e3" | wc -l)" -le 2 ] &&
			! grep -v "$f" "$TMP/e2" "$TMP/e3" | grep -q . && { [ $r1 = 0 ] || [ $r2 = 2 ]; }
		ok $? "$name: diff reads it or refuses it as --base does (exits $r2, $r3: $(head -c 150 "$TMP/e2"))" ;;
	esac
done
[ $n -gt 0 ]; ok $? "$n findings replayed"
done_testing
