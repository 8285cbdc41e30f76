/* stages/dedup/merge_compact.h: the accumulated BTF deduped again between
 * batches, for a memory budget.
 *
 * The merger dedups each batch on its own (stages/dedup/merge.h), so the
 * types several batches share stay in the accumulated BTF once per batch
 * until the final dedup: 285K types on the Debian vmlinux under a 48 MiB
 * budget, for 95K after it, and that BTF is the largest thing alive at the
 * end of the stream. merge_compact__run dedups it in place, carrying the
 * anchors' final ids across: each distinct id gets a uniquely named TYPEDEF
 * at the end, as a batch's anchors do, whose target is read back after the
 * dedup, and the TYPEDEFs are cut off again. libbpf keeps the first of
 * equal types, in order, so the final dedup then sees the types it would
 * have kept anyway, and the output bytes do not change (tests/integ/0029).
 *
 * The merge thread only, between batches. Not for split BTF (a module on its
 * base): the final dedup hides some base types from libbpf first
 * (stages/dedup/base_prune.h), which this would have to repeat, and a
 * module's accumulated BTF is small.
 */
#ifndef BTFSTREAM_MERGE_COMPACT_H
#define BTFSTREAM_MERGE_COMPACT_H

#include "stages/record/batch.h"

struct btf;

/* Dedups *btf (replaced by the result; the old one is freed) and rewrites
 * every id in fin to its new id. Returns 0 or -errno; after a failure
 * *btf may hold extra types and the run is to be failed. */
int merge_compact__run(struct btf **btf, struct anchor_ids *fin);

#endif
