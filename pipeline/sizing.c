/* pipeline/sizing.c: see sizing.h. */
#include "pipeline/sizing.h"

#include <stdlib.h>
#include <unistd.h>

#include "stages/record/record.h"

/*
 * -j without a number (kbuild's pahole flags pass it for every module) or
 * no -j: the online CPUs, but no more readers than the input has
 * SIZING_BYTES_PER_READER of .debug_info for. A reader costs ~7-14 ms of
 * CPU before its first CU (its own ELF and libdw handle, the unit headers)
 * and reads ~100 MB/s: on the Debian cloud kernel's modules (median 135 KB
 * of .debug_info, 27 of 1,121 above 2 MiB) a second reader added 10-15% to
 * a module's CPU and took nothing off its wall time (8021q.ko, 626 KB:
 * 109 -> 123 ms CPU, 116 -> 114 ms wall; xfs.ko, 11 MB: 558 -> 572 ms CPU,
 * 443 -> 378 ms wall). An explicit -jN is taken as asked (at most one
 * reader per CU).
 */
#define SIZING_BYTES_PER_READER (2ull << 20)

static unsigned int pick_jobs(const struct pipeline_opts *o, size_t ncus, uint64_t bytes)
{
	long n = o->jobs ? (long)o->jobs : sysconf(_SC_NPROCESSORS_ONLN);

	if (n < 1)
		n = 1;
	if (!o->jobs && (uint64_t)n > bytes / SIZING_BYTES_PER_READER)
		n = bytes / SIZING_BYTES_PER_READER > 1 ? (long)(bytes / SIZING_BYTES_PER_READER) : 1;
	if ((size_t)n > ncus)
		n = (long)ncus;
	return (unsigned int)n;
}

static size_t pow2_at_least(size_t v)
{
	size_t n = 2;

	while (n < v)
		n <<= 1;
	return n;
}

/* --memory-limit: an eighth of the budget for the rings, and one CU arena
 * (MEMORY_PER_CU: the largest per-CU arena on the Debian vmlinux measures
 * 256 KiB, --stats shows it) per window slot from another eighth (at 64M, the
 * 8 CUs of the default before it was raised for speed). Explicit
 * --queue-capacity and --window win. Neither changes the output. */
#define MEMORY_PER_CU (1u << 20)

/* Below this the budget is spent on waiting, not saved: rings of a few
 * records make every push a hand-off between threads and the smallest
 * batches redo the dedup over and over. Measured on the Debian vmlinux at
 * -j2: 1K took 10x the time of no limit at 1.35x its peak RSS, 4M 2x and
 * 1.35x, 16M 1.7x and 0.95x, 32M 1.35x and 0.86x. So a window slot per
 * reader and a sane ring: MEMORY_FLOOR_PER_READER each, and never below
 * MEMORY_FLOOR. */
#define MEMORY_FLOOR (16u << 20)
#define MEMORY_FLOOR_PER_READER (8u << 20)

size_t sizing__memory_floor(unsigned int nreaders)
{
	size_t per = (size_t)MEMORY_FLOOR_PER_READER * nreaders;

	return per > MEMORY_FLOOR ? per : MEMORY_FLOOR;
}

static void apply_memory_limit(const struct pipeline_opts *o, unsigned int nreaders, size_t *cap,
			       unsigned int *window, size_t limit)
{
	size_t ring_bytes, slots;

	if (!limit)
		return;
	ring_bytes = limit / 8 / nreaders;
	if (!o->queue_capacity) {
		for (*cap = 2; *cap * 2 * sizeof(struct type_rec) <= ring_bytes && *cap < PIPELINE_DEFAULT_QUEUE_CAPACITY;)
			*cap *= 2;
	}
	slots = limit / 8 / MEMORY_PER_CU;
	if (!o->window)
		*window = slots < nreaders ? nreaders : (slots < *window ? (unsigned int)slots : *window);
}

/* Records per dedup batch: explicit, else from --memory-limit (a batch of
 * n records costs about 1 KiB per record at its peak, raw image and libbpf's
 * dedup tables together), else the default. The cuts never change the bytes
 * (tests/integ/0003). */
static uint64_t batch_records(const struct pipeline_opts *o, size_t limit)
{
	uint64_t n;

	if (o->batch_records)
		return o->batch_records;
	if (!limit)
		return PIPELINE_BATCH_RECORDS;
	n = limit / 1024;
	return n < 4096 ? 4096 : (n > PIPELINE_BATCH_RECORDS ? PIPELINE_BATCH_RECORDS : n);
}

/*
 * A batch's dedup on a merge thread costs about 0.4x what reading its
 * records did, and the readers and the merge threads share the -j cores:
 * on the Debian vmlinux, 0.69 s of merge against 1.77 s of reading, so
 * the merge keeps up when it gets 0.28 of the cores: one merge thread per
 * four readers, rounded, at least one. Each batch in dedup holds ~20 MB of
 * libbpf's tables, so a memory budget keeps one; so does make's jobserver,
 * whose tokens pay for readers only. More readers than online CPUs get no
 * more merge threads than the CPUs would (-j8 on 2 cores: one; two were
 * +33 MB of peak RSS for nothing). BTFSTREAM_MERGE_THREADS=N (tests,
 * profiling) sets it; any count gives the same bytes.
 */
unsigned int sizing__merge_threads(unsigned int readers)
{
	unsigned int n = (readers + 2) / 4;

	return n < 1 ? 1 : n > SIZING_MERGE_THREADS_MAX ? SIZING_MERGE_THREADS_MAX : n;
}

static unsigned int merge_threads(const struct pipeline_opts *o, unsigned int readers, size_t limit)
{
	const char *e = getenv("BTFSTREAM_MERGE_THREADS");
	long n = e && *e ? strtol(e, NULL, 10) : 0, cpus = sysconf(_SC_NPROCESSORS_ONLN);

	if (n > 0)
		return n > SIZING_MERGE_THREADS_MAX ? SIZING_MERGE_THREADS_MAX : (unsigned int)n;
	if (limit || o->js)
		return 1;
	if (cpus >= 1 && (unsigned long)cpus < readers)
		readers = (unsigned int)cpus;
	return sizing__merge_threads(readers);
}

/*
 * Batches handed on in chunks of SIZING_CHUNK_BYTES of types, cut at CU
 * boundaries, each made final by the merge thread as it comes
 * (stages/record/batch.h): the writer's image of a whole batch and the merge
 * thread's copy of it (~4 MB apiece on the Debian vmlinux) became a chunk's
 * and the types kept (-j2: peak RSS -2 to -7%, -j1 -7 to -9%; batch mode over
 * the 1,121 modules 77 -> 67 MB; docs/design.md, "Session 31"). With one
 * merge thread only: a batch's chunks are walked in order by one. Images
 * alive at once: the writer's, the batch ring's and the merge thread's.
 * BTFSTREAM_CHUNK_BYTES=N sets the size (0: whole batches, as before).
 */
#define SIZING_CHUNK_BYTES (512u << 10)
#define SIZING_CHUNK_IMAGES 4

static size_t chunk_bytes(unsigned int merge_threads)
{
	const char *e = getenv("BTFSTREAM_CHUNK_BYTES");

	if (merge_threads != 1)
		return 0;
	return e && *e ? strtoul(e, NULL, 0) : SIZING_CHUNK_BYTES;
}

void sizing__pick(const struct pipeline_opts *o, size_t ncus, uint64_t bytes, struct run_size *rs)
{
	rs->readers = pick_jobs(o, ncus, bytes);
	rs->queue_capacity = pow2_at_least(o->queue_capacity ? o->queue_capacity : PIPELINE_DEFAULT_QUEUE_CAPACITY);
	rs->window = o->window ? o->window : PIPELINE_DEFAULT_WINDOW_PER_JOB * rs->readers;
	rs->memory_limit = o->memory_limit;
	if (rs->memory_limit && rs->memory_limit < sizing__memory_floor(rs->readers))
		rs->memory_limit = sizing__memory_floor(rs->readers);
	apply_memory_limit(o, rs->readers, &rs->queue_capacity, &rs->window, rs->memory_limit);
	rs->batch_records = batch_records(o, rs->memory_limit);
	rs->merge_threads = merge_threads(o, rs->readers, rs->memory_limit);
	rs->chunk_bytes = chunk_bytes(rs->merge_threads);
	rs->chunk_images = SIZING_CHUNK_IMAGES;
}
