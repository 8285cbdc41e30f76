#!/usr/bin/env bash
# A builder under a hard memory cap (a memory cgroup without swap kills what
# goes over it): without --memory-limit, btfstream reads its cgroup's limit
# (v2 memory.max, v1 memory.limit_in_bytes) and sizes its budget from it
# (pipeline/cgroup_memory.h). Run on the Debian vmlinux at -j2 in a child
# cgroup of this process's own, capped at 64 MiB: it finishes with the same
# bytes and --stats names the cgroup file; the control run, the same command
# with `--memory-limit none`, is killed at that cap (so the cgroup's limit is
# what makes the first fit). Needs a writable memory cgroup (root, a
# delegated v2 subtree or v1); SKIPs with the reason otherwise.
. "$(dirname "$0")/lib.sh"

[ -n "${BTFSTREAM_SKIP_KERNEL:-}" ] && skip_all "BTFSTREAM_SKIP_KERNEL is set"
vmlinux=$(cd "$TOP" && scripts/fetch-kernel.sh) || skip_all "cannot fetch the Debian kernel debug package"

CAP=$((64 << 20))
cg=""
# The folder of this process's cgroup in hierarchy $1 (v1: the memory
# controller's mount; v2: the cgroup2 mount), from /proc/self/{cgroup,mountinfo}.
own_cgroup() {
	local fstype=$1 path mnt root
	if [ "$fstype" = cgroup2 ]; then
		path=$(sed -n 's/^0:://p' /proc/self/cgroup)
		read -r root mnt < <(awk '$0 ~ / - cgroup2 / { print $4, $5; exit }' /proc/self/mountinfo)
	else
		path=$(awk -F: '$2 ~ /(^|,)memory(,|$)/ { print $3; exit }' /proc/self/cgroup)
		read -r root mnt < <(awk '/ - cgroup / && / [^ ]*memory[^ ]*$/ { print $4, $5; exit }' /proc/self/mountinfo)
	fi
	[ -n "$path" ] && [ -n "$mnt" ] || return 1
	[ "$root" = / ] || path=${path#"$root"}
	echo "$mnt$path"
}
make_cgroup() {	# sets cg and limit_file, or returns 1
	local parent
	for v in cgroup cgroup2; do
		parent=$(own_cgroup $v) || continue
		cg="$parent/btfstream-test-$$"
		mkdir "$cg" 2> /dev/null || { cg=""; continue; }
		if [ $v = cgroup ] && [ -w "$cg/memory.limit_in_bytes" ]; then
			limit_file=$cg/memory.limit_in_bytes
			echo $CAP > "$limit_file" || return 1
			[ -w "$cg/memory.memsw.limit_in_bytes" ] && echo $CAP > "$cg/memory.memsw.limit_in_bytes"
			return 0
		fi
		if [ $v = cgroup2 ] && [ -w "$cg/memory.max" ]; then
			limit_file=$cg/memory.max
			echo $CAP > "$limit_file" || return 1
			[ -w "$cg/memory.swap.max" ] && echo 0 > "$cg/memory.swap.max"
			return 0
		fi
		rmdir "$cg"
		cg=""
	done
	return 1
}
cleanup() { [ -n "$cg" ] && rmdir "$cg" 2> /dev/null; rm -rf "$TMP"; }
make_cgroup || { cleanup; skip_all "no writable memory cgroup here (needs root, or a delegated cgroup v2 subtree with the memory controller)"; }
trap cleanup EXIT
diag "cgroup: $limit_file = $CAP"
echo "# 0025: the Debian vmlinux under a 64 MiB memory cgroup (about 15 s)" >&2

capped() {	# capped CMD...: runs it inside the cgroup; its exit status
	sh -c 'echo $$ > "$1/cgroup.procs" && shift && exec "$@"' _ "$cg" "$@"
}

"$BTFSTREAM" -j2 "$vmlinux" -o "$TMP/free.btf"
ok $? "the reference run, outside the cgroup"

capped "$BTFSTREAM" -j2 --stats "$vmlinux" -o "$TMP/capped.btf" > "$TMP/stats" 2> "$TMP/err"
ok $? "default options finish under the 64 MiB cap" || sed 's/^/# /' "$TMP/err"
cmp -s "$TMP/free.btf" "$TMP/capped.btf"; ok $? "with the same bytes"
grep -qxF "memory budget: 48 MiB, from $limit_file" "$TMP/stats"
ok $? "--stats: 3/4 of the cap, from the cgroup's file" || grep budget "$TMP/stats" | sed 's/^/# /'

capped "$BTFSTREAM" -j2 -v "$vmlinux" -o "$TMP/verbose.btf" > /dev/null 2> "$TMP/err"
grep -q "memory budget 48 MiB: 3/4 of the cgroup's limit, 64 MiB ($limit_file)" "$TMP/err"
ok $? "-v says where the budget came from" || sed 's/^/# /' "$TMP/err"

capped "$BTFSTREAM" -j2 --memory-limit none --stats "$vmlinux" -o "$TMP/none.btf" > "$TMP/stats" 2> /dev/null
rc=$?
[ $rc -ne 0 ] && [ ! -e "$TMP/none.btf" ]
ok $? "control: --memory-limit none (no budget) is killed at that cap (exit $rc), no output"

capped "$BTFSTREAM" -j2 --memory-limit 48M --stats "$vmlinux" -o "$TMP/explicit.btf" > "$TMP/stats" 2> /dev/null
grep -qxF "memory budget: 48 MiB, from --memory-limit" "$TMP/stats"
ok $? "an explicit --memory-limit wins over the cgroup's"

done_testing
