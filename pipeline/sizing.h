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
	unsigned int readers;	/* -j, or the online CPUs; at most one per CU */
	size_t queue_capacity;	/* records per reader ring, a power of two */
	unsigned int window;	/* CUs readers may run ahead of the writer */
	uint64_t batch_records;	/* type records per dedup batch */
};

void sizing__pick(const struct pipeline_opts *o, size_t ncus, struct run_size *rs);

#endif
