/* stages/dedup/dedup.h: stage 6, libbpf's btf__dedup over the writer's BTF.
 *
 * Main thread, after the writer has finished. Deterministic: libbpf's
 * algorithm depends only on the type order it is given.
 */
#ifndef BTFSTREAM_DEDUP_H
#define BTFSTREAM_DEDUP_H

#include "stages/common/fail.h"

struct btf;

/* Dedups btf in place; a split BTF is deduped against its base (its types
 * that the base has become references to the base's). Returns 0 or -errno
 * (reason in f). */
int dedup__run(struct btf *btf, const char *path, struct fail *f);

/* A copy of btf whose string section holds exactly the strings its types
 * use, in first-use order (a BTF assembled from batches keeps strings of
 * types the final dedup dropped, and their order depends on where the batches
 * were cut). Split BTF on a base of no types (the accumulated strings:
 * stages/dedup/acc_btf.h) becomes a BTF of its own. Replaces *btf; the old one is freed, or handed to *old when old
 * is not NULL (freeing libbpf's string index of the vmlinux's BTF is ~10 ms,
 * which a process about to exit need not spend). Returns 0 or -errno
 * (reason in f). */
int dedup__compact(struct btf **btf, struct btf **old, const char *path, struct fail *f);

#endif
