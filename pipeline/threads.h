/* pipeline/threads.h: the threads of one conversion and where they meet.
 *
 *   reader 0..N-1 (btfs-readN)  claim CUs, read them, push them into their
 *                               own ring (dwarf_reader__push_cu)
 *   the writer (main thread)    takes CU 0, 1, 2, ... from the ring of the
 *                               reader that claimed it, feeds the writer
 *                               stage, which pushes batches into the batch ring
 *   the merge threads           merger__run over the batch ring: each
 *   (btfs-merge, btfs-mergeN)   dedups the batches it pops, they append
 *                               them in turn (stages/dedup/merge.h)
 *   (no thread of its own)      the input's pages let go as far as the
 *                               writer posts, by a reader between CUs
 *                               (pipeline/releaser.h)
 *
 * The schedule: one shared cursor hands out CUs in increasing order; a
 * reader records itself as the CU's owner, then waits until the CU is less
 * than consumed + window (consumed: CUs the writer has finished). Each ring
 * thus holds its CUs in increasing order, and the writer needs no reorder
 * buffer: it waits for CU k's owner and pops k from that ring. The window
 * bounds the CUs in flight, so memory.
 *
 * Synchronization table: who calls what, under what.
 *
 *   what                        thread            synchronised by
 *   cursor (next_cu)            readers           atomic fetch-add
 *   owner[], consumed, abort    readers, writer   lock; cond wakes waiters
 *   reader ring i               reader i pushes,  ring_mpsc (one consumer)
 *                               writer pops
 *   batch ring                  writer pushes,    ring_mpsc (one consumer:
 *                               merge threads     the merger's pop_lock)
 *                               pop
 *   the accumulated BTF,        merge threads     the merger's lock, in
 *   anchors' ids                                  batch order (its turn)
 *   the releaser's post         writer posts,     atomics; a round under its
 *                               readers do rounds lock (a reader's try-lock; the
 *                                                 writer's, once the readers are
 *                                                 out, and the stop's wait)
 *   batch images (the writer's  writer takes,     the pool's mutex; a take
 *   image_pool)                 merge thread      at the limit waits for a
 *                               gives back        give, or the batch ring's
 *                                                 close (image_pool.h)
 *   run_threads__abort          any thread        lock, then closes every
 *                                                 ring (close is safe with
 *                                                 push and pop)
 *   readers_live, and the name  readers           set to N before any starts;
 *   cache's end                                   atomic fetch-sub: the reader
 *                                                 taking it to 0 empties the cache
 *                                                 and hands the release rounds to
 *                                                 the writer (releaser__readers_gone)
 *   struct fail                 any thread        first caller wins (fail.h)
 *   the rest of run_threads     main thread       before start, after stop
 *
 * Abort: the first failure anywhere sets the fail and calls
 * run_threads__abort; blocked pushes and pops return, waits on the lock
 * end, and every thread winds down. The merge thread's own failure closes
 * the batch ring instead (merge.h), which stops the writer, which aborts.
 */
#ifndef BTFSTREAM_THREADS_H
#define BTFSTREAM_THREADS_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "pipeline/releaser.h"
#include "pipeline/sizing.h"
#include "queue/ring_mpsc.h"
#include "stages/common/fail.h"
#include "stages/common/progress.h"
#include "stages/input/cu_index.h"
#include "stages/input/input.h"
#include "stages/read/read_dwarf.h"
#include "stages/record/batch.h"

struct btf_writer;
struct jobserver;
struct merger;
struct run_stats;

#define RUN_PENDING_BATCHES 2	/* batches waiting for the merge thread */
/* Batch images alive at once (stages/record/image_pool.h) for `mergers`
 * merge threads and `readers` readers, for batches handed on whole (with
 * one merge thread they go in chunks, and SIZING_CHUNK_IMAGES chunk images
 * are alive at once: pipeline/sizing.c). With one merge thread: one image,
 * the writer begins batch k+1 in the pages of batch k once the merge
 * thread has left its exact copies out (stages/dedup/batch_exact.h) and
 * libbpf has copied it; two waited for nothing, but kept a second image
 * resident (+4-7 MB peak RSS at -j2, docs/design.md). With one reader two:
 * the reader is then the run's path, and a writer waiting for an image
 * soon stops it (its queue holds ~2.5 ms of records; -j1 was 1.25 -> 1.42 s
 * wall with one image). With more merge threads (many cores), one image
 * more than them, so that the writer does not wait while every merge
 * thread is busy. */
static inline unsigned int run_threads__batch_images(unsigned int mergers, unsigned int readers)
{
	if (mergers > 1)
		return mergers + 1;
	return readers <= 1 ? 2 : 1;
}
#define RUN_WRITER_BATCH 256	/* records the writer pops at once */

struct reader_thread;

/* What the threads share; see the table above for who may touch what. */
struct run_threads {
	/* set by run_threads__init, read-only while the threads run */
	struct input *in;
	const struct cu_index *idx;
	struct fail *fail;
	struct strtab *strtab;
	unsigned int nreaders;
	unsigned int window;
	size_t wake_batch;		/* each reader ring's (reader_wake_batch in threads.c) */
	unsigned int dwarf_cus;		/* a reader's Dwarf is begun again after this many CUs */
	bool dwarf_cus_fixed;		/* ... exactly (BTFSTREAM_READER_DWARF_CUS), not growing */
	struct reader_thread *readers;
	struct jobserver *js;		/* NULL: every reader runs at once */
	struct name_cache *names;	/* the readers' (read_opts.names); the last reader
					   out empties it (the writer's end needs none of it) */
	atomic_uint readers_live;	/* readers to start or running, not yet out */

	/* the schedule */
	atomic_uint next_cu;		/* the shared cursor */
	int *owner;			/* CU -> reader, -1 until claimed; under lock */
	unsigned int consumed;		/* CUs the writer finished; under lock */
	bool abort;			/* under lock */
	pthread_mutex_t lock;
	pthread_cond_t cond;

	/* writer -> merge thread */
	struct ring_mpsc batch_ring;
	struct btf_batch *batch_slots[RUN_PENDING_BATCHES];
	struct merger *merger;
	unsigned int nmergers;		/* merge threads (run_threads_opts) */
	unsigned int mergers_started;
	struct releaser rel;		/* lets the input's pages go (the readers' rounds) */
	uint64_t release_posted;	/* the writer's last post to it (file offset) */
	atomic_uint merge_ids;		/* each merge thread takes its index */
	pthread_t merge_tid[SIZING_MERGE_THREADS_MAX];
	uint64_t merge_cpu[SIZING_MERGE_THREADS_MAX];	/* each one's CPU, ns */

	/* measurements, main thread after the join */
	uint64_t owner_wait_ns, read_wall0;
	_Atomic uint64_t merge_end;	/* when the last merge thread ended, ns */
	size_t max_cu_arena;		/* largest CU arena the writer freed, bytes */
};

/* How the readers are set up. */
struct run_threads_opts {
	size_t sz;			/* sizeof(struct run_threads_opts) */
	unsigned int nreaders;
	size_t queue_capacity;		/* records per reader ring (a power of two) */
	unsigned int window;
	const struct read_opts *read;	/* the readers' options */
	struct strtab *strtab;
	size_t memory_limit;		/* the run's budget in bytes, 0: none */
	struct jobserver *js;		/* make's jobserver: readers beyond the first take a
					 * token to run (pipeline/jobserver.h); NULL: none */
	unsigned int merge_threads;	/* 1 .. SIZING_MERGE_THREADS_MAX */
};

/* Rings, reader states and their libdw handles. Main thread. Returns 0 or
 * -errno (reason in f); run_threads__free in any case. */
int run_threads__init(struct run_threads *rt, struct input *in, const struct cu_index *idx,
		      const struct run_threads_opts *o, struct fail *f);
/* Starts the merge threads (merger__run over the batch ring) and the
 * readers. Main thread. Returns 0 or -errno (reason in f). */
int run_threads__start(struct run_threads *rt, struct merger *m);
/* The writer's loop, on the calling (main) thread: every CU in order into
 * w, arenas freed, input pages behind it released. Returns 0 or -errno. */
int run_threads__write(struct run_threads *rt, struct btf_writer *w, struct progress *pr);
/* Stops everything; any thread. */
void run_threads__abort(struct run_threads *rt);
/* The writer's last batch is pushed (btf_writer__finish): the batch ring
 * closed, so that the merge threads take what is left and the last one
 * hands the accumulated BTF over while the writer's thread makes the
 * functions' name order. Main thread, after a successful finish. */
void run_threads__batches_end(struct run_threads *rt);
/* Joins the readers and the merge thread (after an abort, frees what was
 * still queued). Main thread. */
void run_threads__stop(struct run_threads *rt, bool failed);
/* The read, strtab, write and merge rows of --stats. Main thread. */
void run_threads__stats(struct run_threads *rt, struct run_stats *s, uint64_t write_wall_ns,
			uint64_t write_cpu_ns, uint64_t write_records);
/* The readers' counts of what had no BTF form (warned about once). */
void run_threads__read_stats(const struct run_threads *rt, struct read_stats *sum);
void run_threads__free(struct run_threads *rt);
/* Names the calling thread for perf, top -H and gdb: "btfs-WHATi" (i < 0:
 * no number). A thread's first call, before it allocates anything: until
 * then it bears its creator's name (tests/tools/fail_alloc.c, which fails
 * the allocations of threads by name, counted a reader that allocated
 * before its creator named it as the main thread). */
void run_threads__name_self(const char *what, int i);

#endif
