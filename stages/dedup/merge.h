/* stages/dedup/merge.h: stage 6a, dedup each batch and append it to the whole.
 *
 * The merger owns the accumulated BTF and the anchors' final ids. One or
 * more merge threads run merger__run over the batch ring
 * (stages/record/batch.h): each pops the next batch (one thread at a time:
 * the ring has a single consumer), dedups it on its own (libbpf btf__dedup,
 * which needs nothing but the batch, so several batches are deduped at
 * once on a many-core machine), then waits for its turn: the batches are
 * appended to the accumulated BTF strictly in index order, their anchors'
 * final ids recorded, so the result is the same for any number of merge
 * threads. Duplicates between batches stay until the final dedup
 * (stages/dedup/dedup.h) over the accumulated BTF, which is far smaller
 * than the input's type stream. Once the merge threads are joined,
 * merger__take hands both over. A batch handed on in chunks
 * (btf_batch.more) comes with one merge thread only: it makes each chunk
 * final as it pops it (batch_exact.h) and dedups the batch with its last.
 *
 * Threads: merger__init/budget/take/stats/fini on the main thread, before
 * the merge threads start or after they are joined; merger__run on each
 * merge thread. pop_lock makes one consumer of the ring at a time; lock
 * guards the turn, the accumulated BTF, the anchors' ids and the counts.
 */
#ifndef BTFSTREAM_MERGE_H
#define BTFSTREAM_MERGE_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "stages/common/fail.h"
#include "stages/dedup/acc_btf.h"
#include "stages/record/batch.h"

struct base_strs;
struct btf;
struct ring_mpsc;

/* How a batch's strings reach libbpf's dedup (merge.c, batch_btf): set aside
 * behind a string section of just "" (bare), set aside as a strings-only base
 * under the batch as split BTF (base: libbpf that checks names,
 * stages/common/libbpf_caps.h), or given whole for libbpf to hash (hashed). */
enum batch_strings { BATCH_STRINGS_BARE, BATCH_STRINGS_BASE, BATCH_STRINGS_HASHED, BATCH_STRINGS_WAYS };

struct merger {
	pthread_mutex_t pop_lock;	/* one merge thread pops at a time */
	pthread_mutex_t lock;		/* the turn and everything below */
	pthread_cond_t turn;		/* next_batch moved */
	bool locks;			/* the three above are initialised */
	uint32_t next_batch;		/* the batch whose turn it is to be appended */
	uint64_t append_ns;		/* CPU time in turns (the serial part) */
	struct btf *btf;	/* the accumulated BTF (merger__take), unless raw */
	struct acc_btf acc;	/* raw: the accumulated BTF as bytes (acc_btf.h) */
	bool raw;
	bool raw_chosen;	/* raw was set */
	bool raw_compacted;	/* ... and a compaction ended it (libbpf's way after) */
	struct btf *acc_strs;	/* the strings under btf once raw ended at the stream's end */
	unsigned int running;	/* merge threads not yet done (merger__threads) */
	struct batch_names names;	/* .str set: the batches' names are ids (bare strings
					 * only: stages/dedup/batch_names.h); NULL: offsets */
	const struct base_strs *base_strs;	/* the base's string index (batch mode), or NULL:
						 * the first batch is made split BTF from bytes */
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
	enum batch_strings strings;	/* the way tried first (merger__init) */
	uint64_t strings_ways[BATCH_STRINGS_WAYS];	/* batches appended, by the way taken */
	uint64_t exact_dropped;		/* exact copies left out (batch_exact.h), */
	uint64_t exact_cyclic;		/*   of them on a cycle (a component's copy), */
	uint64_t exact_ns;		/*   and the CPU it took (part of the batches' dedups) */
	uint64_t acc_dropped;		/* accumulated types' copies left out (acc_exact.h) */
	const uint32_t *end_names;	/* names to place after the last batch (merger__end_names) */
	size_t nend_names;
	struct name_places placed;	/* where the accumulated BTF's names went, once handed over raw */
	bool names_placed;		/* ... placed holds them (merger__placed) */
};

/* base (may be NULL): the accumulated BTF is split BTF on top of it, its
 * ids and strings continuing after base's (the caller keeps base alive). */
int merger__init(struct merger *m, struct btf *base, const char *path, struct fail *f);
/* Under a memory budget of `bytes`, the accumulated BTF is deduped again
 * whenever it outgrows its share (stages/dedup/merge_compact.h). Before the
 * merge thread starts. */
void merger__budget(struct merger *m, size_t bytes);
/* How many merge threads will run merger__run: the last of them to be done
 * hands a raw accumulated BTF to libbpf (acc_btf__take) while the main
 * thread still orders the functions. Before they start; without it
 * merger__take does that. */
void merger__threads(struct merger *m, unsigned int n);
/* A merge thread's body (any number of them at once): merges and frees
 * every batch it pops from in until in is closed and empty. After a
 * failure (its own, or any stage's: f is set) it only frees them and
 * passes their turns; its own failure also closes in, so the writer's
 * next push fails and the writer stops. Returns 0 or -errno. */
int merger__run(struct merger *m, struct ring_mpsc *in);
/* The batches' names are strtab ids (stages/dedup/batch_names.h): set before
 * the merge threads start. With raw, and no base, the accumulated BTF is
 * kept as bytes until merger__take (stages/dedup/acc_btf.h; libbpf's way
 * again from a compaction on, or always with BTFSTREAM_ACC_LIBBPF=1). */
void merger__names_as_ids(struct merger *m, struct batch_names names, bool raw);
/* Once the merge thread is joined: the accumulated BTF in *btf and, in
 * *fin, the anchors' final ids (anchor_ids__free). *btf may be split BTF on
 * *strs, a BTF of no types holding its strings (acc_btf.h), or *strs is
 * NULL; the caller frees *btf (btf__free), then *strs. Returns 0, or
 * -errno when the kept bytes could not be made a BTF (*btf NULL). */
int merger__take(struct merger *m, struct anchor_ids *fin, struct btf **btf, struct btf **strs);
/* The strtab ids ids[0..n) (the caller keeps them until merger__take):
 * names the accumulated BTF does not need, placed in its strings after
 * the last batch when it is handed over as bytes (acc_btf__place), so
 * that the types the function selection appends find theirs there by id
 * (merger__placed). Main thread, while the merge threads run: under the
 * lock the last of them takes to hand the BTF over. */
void merger__end_names(struct merger *m, const uint32_t *ids, size_t n);
/* Once taken: each placed name's offset in the strings under the BTF, by
 * strtab id; nothing placed (off NULL) when the BTF was not handed over as
 * bytes (libbpf's way, or a compaction on the way). Valid until
 * merger__fini. */
struct placed_names merger__placed(const struct merger *m);
void merger__fini(struct merger *m);	/* frees what was not taken */

struct merger_stats {
	uint64_t batches, types_in, types_out, raw_bytes, compactions;
	uint64_t append_ns;	/* CPU in turns: appends and compactions, one thread at a time */
	uint64_t strings_ways[BATCH_STRINGS_WAYS];	/* batches by the way their strings went */
	bool names_as_ids;	/* the batches' names were strtab ids (batch_names.h) */
	bool acc_bytes;		/* the accumulated BTF was kept as bytes (acc_btf.h) */
	bool acc_bytes_ended;	/* ... until a compaction made it libbpf's */
	uint64_t exact_dropped, exact_cyclic, exact_ns;	/* exact copies (struct merger) */
	uint64_t acc_dropped;	/* copies of accumulated types left out (struct merger) */
};

/* Its counts so far. Main thread, once the merge thread is joined. */
void merger__stats(const struct merger *m, struct merger_stats *s);

#endif
