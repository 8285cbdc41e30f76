/* stages/dedup/merge.h: stage 6a, dedup each batch and append it to the whole.
 *
 * The merger owns the accumulated BTF. merger__add runs on the merge thread
 * (one thread, batches strictly in order): it dedups the batch on its own
 * (libbpf btf__dedup), reads the anchors' final ids into b->final_ids, cuts
 * the anchors off and appends the rest to the accumulated BTF. Duplicates
 * between batches stay until the final dedup (stages/dedup/dedup.h) over the
 * accumulated BTF, which is far smaller than the input's type stream.
 */
#ifndef BTFSTREAM_MERGE_H
#define BTFSTREAM_MERGE_H

#include <stdint.h>

#include "stages/common/fail.h"
#include "stages/write/write_btf.h"

struct btf;

struct merger {
	struct btf *btf;	/* the accumulated BTF; the caller takes it at the end */
	const char *path;
	struct fail *fail;
	uint64_t batches;
	uint64_t types_in;	/* types in the batches before their dedup (anchors too) */
	uint64_t types_out;	/* types appended to the accumulated BTF */
	uint64_t raw_bytes;	/* raw BTF bytes of the batches */
};

/* base (may be NULL): the accumulated BTF is split BTF on top of it, its
 * ids and strings continuing after base's (the caller keeps base alive). */
int merger__init(struct merger *m, struct btf *base, const char *path, struct fail *f);
/* Takes b->raw (frees it). Returns 0 or -errno (reason in f). */
int merger__add(struct merger *m, struct btf_batch *b);
void merger__fini(struct merger *m);	/* frees the accumulated BTF if still there */

#endif
