#!/usr/bin/env bash
# scripts/cgroup-run.sh CAP CMD...: runs CMD in a fresh memory cgroup capped
# at CAP bytes without swap (a child of this process's own cgroup: v1's
# memory controller or a v2 subtree with the memory controller), as a
# builder with a hard memory limit would, then removes the cgroup.
#   exit status: CMD's (137 when the cap killed it); 125 if no writable
#   memory cgroup is to be had here (the reason on stderr).
#   CGROUP_RUN_PRINT=1: print the limit file on stderr first ("cgroup: FILE").
#   CGROUP_RUN_PEAK=FILE: write the cgroup's peak usage in bytes to FILE
#   (v1 memory.max_usage_in_bytes, v2 memory.peak where the kernel has it).
set -u
cap=$1; shift

own_cgroup() {	# own_cgroup cgroup|cgroup2: this process's cgroup folder in that hierarchy
	local path mnt root
	if [ "$1" = cgroup2 ]; then
		path=$(sed -n 's/^0:://p' /proc/self/cgroup)
		read -r root mnt < <(awk '$0 ~ / - cgroup2 / { print $4, $5; exit }' /proc/self/mountinfo)
	else
		path=$(awk -F: '$2 ~ /(^|,)memory(,|$)/ { print $3; exit }' /proc/self/cgroup)
		read -r root mnt < <(awk '/ - cgroup / && / [^ ]*memory[^ ]*$/ { print $4, $5; exit }' /proc/self/mountinfo)
	fi
	[ -n "${path:-}" ] && [ -n "${mnt:-}" ] || return 1
	[ "$root" = / ] || path=${path#"$root"}
	echo "$mnt$path"
}

cg=""
for v in cgroup cgroup2; do
	parent=$(own_cgroup $v) || continue
	try="$parent/btfstream-run-$$"
	mkdir "$try" 2> /dev/null || continue
	if [ $v = cgroup ] && [ -w "$try/memory.limit_in_bytes" ]; then
		cg=$try; limit=$cg/memory.limit_in_bytes; peak=$cg/memory.max_usage_in_bytes
		echo "$cap" > "$limit" && { [ ! -w "$cg/memory.memsw.limit_in_bytes" ] || echo "$cap" > "$cg/memory.memsw.limit_in_bytes"; } && break
	elif [ $v = cgroup2 ] && [ -w "$try/memory.max" ]; then
		cg=$try; limit=$cg/memory.max; peak=$cg/memory.peak
		echo "$cap" > "$limit" && { [ ! -w "$cg/memory.swap.max" ] || echo 0 > "$cg/memory.swap.max"; } && break
	fi
	rmdir "$try"; cg=""
done
if [ -z "$cg" ]; then
	echo "cgroup-run: no writable memory cgroup here (needs root, or a delegated cgroup v2 subtree with the memory controller)" >&2
	exit 125
fi
[ "${CGROUP_RUN_PRINT:-0}" = 1 ] && echo "cgroup: $limit" >&2
sh -c 'echo $$ > "$1/cgroup.procs" && shift && exec "$@"' _ "$cg" "$@"
rc=$?
[ -n "${CGROUP_RUN_PEAK:-}" ] && cat "$peak" > "$CGROUP_RUN_PEAK" 2> /dev/null
rmdir "$cg" 2> /dev/null
exit $rc
