#!/usr/bin/env bash
# Pre-deduplication (BTFSTREAM_PREDUP=1, stages/write/predup.h; not the
# default): the writer drops the records that match a type already in its
# batch. It must never change the output: on the Debian vmlinux at -j2, at
# -j1 under --memory-limit (small batches), with big batches, and on the
# modules the tests fetch (batch mode, split BTF), the bytes are those of the
# default run; --stats shows that it matched records (so the comparison is
# not between two runs that did the same thing).
. "$(dirname "$0")/lib.sh"

[ -n "${BTFSTREAM_SKIP_KERNEL:-}" ] && skip_all "BTFSTREAM_SKIP_KERNEL is set"
vmlinux=$(cd "$TOP" && scripts/fetch-kernel.sh) || skip_all "cannot fetch the Debian kernel debug package"
echo "# 0028: pre-deduplication against the default, vmlinux and modules (about a minute)" >&2

"$BTFSTREAM" -j2 --stats "$vmlinux" -o "$TMP/ref.btf" > "$TMP/ref.stats"; ok $? "reference: the default run"
BTFSTREAM_PREDUP=1 "$BTFSTREAM" -j2 --stats "$vmlinux" -o "$TMP/p.btf" > "$TMP/stats"
ok $? "BTFSTREAM_PREDUP=1 converts the vmlinux"
cmp -s "$TMP/ref.btf" "$TMP/p.btf"; ok $? "the same bytes"
matched=$(sed -n 's/^pre-dedup: \([0-9]*\) of \([0-9]*\) records matched.*/\1 \2/p' "$TMP/stats")
diag "pre-dedup: $matched (matched, of)"
[ -n "$matched" ] && [ "${matched% *}" -gt $(( ${matched#* } / 4 )) ]
ok $? "more than a quarter of the records matched a type of their batch"
grep -q "^pre-dedup: off" "$TMP/ref.stats"
ok $? "--stats says it is off by default"

for args in "-j1 --memory-limit 16M" "-j2 --batch-records 1000000"; do
	# shellcheck disable=SC2086
	BTFSTREAM_PREDUP=1 "$BTFSTREAM" $args "$vmlinux" -o "$TMP/v.btf" && cmp -s "$TMP/ref.btf" "$TMP/v.btf"
	ok $? "$args: the same bytes"
done

same_modules "$TMP/ref.btf" "" BTFSTREAM_PREDUP=1

done_testing
