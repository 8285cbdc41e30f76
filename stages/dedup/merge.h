/* stages/dedup/merge.h: stage 6a, dedup each batch and append it to the whole.
 *
 * The merger owns the accumulated BTF and the anchors' final ids. On the
 * merge thread (one thread, batches strictly in order), merger__run takes
 * each batch from the batch ring (stages/record/batch.h) and merger__add
 * dedups it on its own (libbpf btf__dedup), records its anchors' final ids,
 * cuts the anchors off and appends the rest to the accumulated BTF.
 * Duplicates between batches stay until the final dedup (stages/dedup/dedup.h)
 * over the accumulated BTF, which is far smaller than the input's type
 * stream. Once the merge thread is joined, merger__take hands both over.
 */
#ifndef BTFSTREAM_MERGE_H
#define BTFSTREAM_MERGE_H

#include <stdint.h>

#include "stages/common/fail.h"
#include "stages/record/batch.h"

struct btf;
struct ring_mpsc;

struct merger {
	struct btf *btf;	/* the accumulated BTF (merger__take) */
	struct anchor_ids fin;	/* the anchors' final ids (merger__take) */
	const char *path;
	struct fail *fail;
	uint64_t batches;
	uint64_t types_in;	/* types in the batches before their dedup (anchors too) */
	uint64_t types_out;	/* types appended to the accumulated BTF */
	uint64_t raw_bytes;	/* raw BTF bytes of the batches */
	uint32_t compact_floor;	/* merger__budget's threshold, in types; 0: never */
	uint32_t compact_at;	/* the next compaction, in types */
	uint32_t compactions;	/* done so far (stages/dedup/merge_compact.h) */
};

/* base (may be NULL): the accumulated BTF is split BTF on top of it, its
 * ids and strings continuing after base's (the caller keeps base alive). */
int merger__init(struct merger *m, struct btf *base, const char *path, struct fail *f);
/* Under a memory budget of `bytes`, the accumulated BTF is deduped again
 * whenever it outgrows its share (stages/dedup/merge_compact.h). Before the
 * merge thread starts. */
void merger__budget(struct merger *m, size_t bytes);
/* Merges b, unmapping b->raw (the caller frees b). Returns 0 or -errno
 * (reason in f). Merge thread. */
int merger__add(struct merger *m, struct btf_batch *b);
/* The merge thread's body: merges and frees every batch popped from in
 * until it is closed and empty. After a failure (its own, or any stage's:
 * f is set) it only frees them; its own failure also closes in, so the
 * writer's next push fails and the writer stops. Returns 0 or -errno. */
int merger__run(struct merger *m, struct ring_mpsc *in);
/* Once the merge thread is joined: the accumulated BTF (the caller frees
 * it, btf__free) and, in *fin, the anchors' final ids (anchor_ids__free). */
struct btf *merger__take(struct merger *m, struct anchor_ids *fin);
void merger__fini(struct merger *m);	/* frees what was not taken */

struct merger_stats {
	uint64_t batches, types_in, types_out, raw_bytes, compactions;
};

/* Its counts so far. Main thread, once the merge thread is joined. */
void merger__stats(const struct merger *m, struct merger_stats *s);

#endif
