#!/usr/bin/env bash
# make check-tsan-pipeline: a ThreadSanitizer build of btfstream converts the
# Debian vmlinux at -j2 (readers, writer, merge thread, the cleanup thread:
# every hand-off of a real run), then with three merge threads, and must
# report nothing; its output must be
# the bytes of the normal build's. Suppressions: tests/tsan.supp (liburcu's
# own internals only, documented there). Prints TAP.
#   scripts/tsan-vmlinux.sh TSAN_BTFSTREAM NORMAL_BTFSTREAM
set -uo pipefail
TOP=$(cd "$(dirname "$0")/.." && pwd)
TSAN_BIN=$1 BIN=$2
TMP=$(mktemp -d "${TMPDIR:-/tmp}/btfstream-tsan.XXXXXX")
trap 'rm -rf "$TMP"' EXIT
if ! mapfile -t paths < <(cd "$TOP" && scripts/fetch-kernel.sh); then
	echo "1..0 # SKIP cannot fetch the Debian kernel debug package"; exit 0
fi
vmlinux=${paths[0]}
t0=$(date +%s)
TSAN_OPTIONS="halt_on_error=1 exitcode=66 suppressions=$TOP/tests/tsan.supp" \
	"$TSAN_BIN" -j2 "$vmlinux" -o "$TMP/tsan.btf" 2> "$TMP/tsan.err"
rc=$?
if [ $rc -eq 0 ]; then echo "ok 1 - TSan build, vmlinux at -j2: no reports ($(($(date +%s) - t0)) s)"
else echo "not ok 1 - TSan build, vmlinux at -j2: exit $rc"; grep -m20 -A12 "WARNING: ThreadSanitizer" "$TMP/tsan.err" | sed 's/^/# /'; fi
"$BIN" -j2 "$vmlinux" -o "$TMP/plain.btf" && cmp -s "$TMP/tsan.btf" "$TMP/plain.btf"
r2=$?
[ $r2 -eq 0 ] && echo "ok 2 - the same bytes as the normal build" || echo "not ok 2 - the bytes differ from the normal build's"
# three merge threads: batches deduped at once, appended in turn
t0=$(date +%s)
BTFSTREAM_MERGE_THREADS=3 TSAN_OPTIONS="halt_on_error=1 exitcode=66 suppressions=$TOP/tests/tsan.supp" \
	"$TSAN_BIN" -j2 "$vmlinux" -o "$TMP/tsan3.btf" 2> "$TMP/tsan3.err"
r3=$?
if [ $r3 -eq 0 ] && cmp -s "$TMP/tsan3.btf" "$TMP/plain.btf"; then
	echo "ok 3 - TSan build, three merge threads: no reports, the same bytes ($(($(date +%s) - t0)) s)"
else
	echo "not ok 3 - TSan build, three merge threads: exit $r3"; r3=1
	grep -m20 -A12 "WARNING: ThreadSanitizer" "$TMP/tsan3.err" | sed 's/^/# /'
fi
echo "1..3"
[ $rc -eq 0 ] && [ $r2 -eq 0 ] && [ $r3 -eq 0 ]
