/* pipeline/sizing.h: how big the run's parts are: reader threads, ring
 * capacity, the reorder window and the dedup batches, from the options and
 * --memory-limit. None of them changes the output bytes (tests/integ/0003).
 * Main thread, before the threads start.
 */
#ifndef BTFSTREAM_SIZING_H
#define BTFSTREAM_SIZING_H

#include <stddef.h>
#include <stdint.h>

#include "pipeline/pipeline.h"

struct run_size {
	unsigned int readers;	/* -j, or the online CPUs but one per 2 MiB of
				 * .debug_info; at most one per CU */
	size_t queue_capacity;	/* records per reader ring, a power of two */
	unsigned int window;	/* CUs readers may run ahead of the writer */
	uint64_t batch_records;	/* type records per dedup batch */
	size_t memory_limit;	/* --memory-limit as used: raised to the floor; 0 none */
	unsigned int merge_threads;	/* batches deduped at once (stages/dedup/merge.h) */
	size_t chunk_bytes;	/* batches handed on in chunks of this many bytes of
				   types (stages/record/batch.h); 0: whole */
	unsigned int chunk_images;	/* batch images alive at once then */
};

#define SIZING_MERGE_THREADS_MAX 16

/* Merge threads for a run of `readers` readers with nothing else deciding
 * (no budget, no jobserver, no BTFSTREAM_MERGE_THREADS): sizing.c says why. */
unsigned int sizing__merge_threads(unsigned int readers);

/* ncus units of bytes bytes of .debug_info in all. */
void sizing__pick(const struct pipeline_opts *o, size_t ncus, uint64_t bytes, struct run_size *rs);

/* The smallest --memory-limit worth having for nreaders readers (sizing.c
 * says why); a smaller one is raised to it, with a warning by the caller. */
size_t sizing__memory_floor(unsigned int nreaders);

#endif
