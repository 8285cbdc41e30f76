/* pipeline/cgroup_memory.h: the memory limit of the cgroup btfstream runs in.
 *
 * A builder capped by a memory cgroup (systemd-run -p MemoryMax=, a CI
 * container, docker --memory) kills a process that goes over the cap; it
 * does not slow it down. Without --memory-limit, btfstream sizes its budget
 * from that cap (pipeline/main.c), so it finishes where it would be killed.
 *
 * The limit is the smallest on the way from the process's own cgroup up to
 * the root of its hierarchy, for cgroup v2 (memory.max) and v1
 * (memory.limit_in_bytes; "max" or v1's near-2^63 "unlimited" is no limit).
 * Where a hierarchy is mounted comes from mountinfo; the cgroup's path from
 * the cgroup file, relative to the mount's root (a cgroup namespace or a
 * container mounts its own cgroup as the root).
 *
 * Main thread, before the pipeline; no state.
 */
#ifndef BTFSTREAM_CGROUP_MEMORY_H
#define BTFSTREAM_CGROUP_MEMORY_H

#include <stddef.h>
#include <stdint.h>

/* The limit in bytes, or 0 if there is none (or nothing could be read: no
 * cgroup file system is not an error). proc_self: "/proc/self" (tests give a
 * folder with files "cgroup" and "mountinfo"); root: prefixed to every mount
 * point ("" on a real system). where (wlen bytes, may be NULL) receives the
 * file the limit came from. */
uint64_t cgroup_memory__limit(const char *proc_self, const char *root, char *where, size_t wlen);

/* The share of a cgroup limit given to the pipeline's budget, which bounds
 * the queues, the window and the batches but not the rest of the process
 * (the merged BTF, the string table, libdw's state): measured on the Debian
 * vmlinux at -j2, a budget of 3/4 of a 64 MiB cap finished under it. */
#define CGROUP_MEMORY_SHARE_NUM 3
#define CGROUP_MEMORY_SHARE_DEN 4

#endif
