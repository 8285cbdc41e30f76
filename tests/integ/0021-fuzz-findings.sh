#!/usr/bin/env bash
# Every input the fuzzers found crashing (tests/fixtures/fuzz/, README there)
# now ends in a clean result: exit 0, 1 or 2, at most one error line that
# names the file, no output left on failure.
. "$(dirname "$0")/lib.sh"
n=0
for f in "$FIXTURES"/fuzz/diff-* "$FIXTURES"/fuzz/convert-*; do
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
		[ $r1 -le 2 ] && [ $r2 -le 2 ] && { [ $r1 = 0 ] || [ ! -e "$TMP/$name.btf" ]; } &&
			[ "$(cat "$TMP/e1" "$TMP/e2" | wc -l)" -le 2 ]
		ok $? "$name: converts or fails cleanly (exits $r1, $r2)" ;;
	esac
done
[ $n -gt 0 ]; ok $? "$n findings replayed"
done_testing
