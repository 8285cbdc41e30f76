/* pipeline/pipeline.h: wires the stages of ../shared/ARCHITECTURE.md together.
 *
 * pipeline__run is called once, from the main thread, which becomes the
 * writer; it starts and joins the reader threads itself. Nothing it allocates
 * outlives the call. The first error of any thread stops every stage; it is
 * printed once (pr_warn) and returned; no output file is left behind.
 */
#ifndef BTFSTREAM_PIPELINE_H
#define BTFSTREAM_PIPELINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "pipeline/features.h"

struct base_strs;
struct btf;
struct jobserver;
#include "pipeline/stats.h"
#include "stages/read/read_dwarf.h"

#define PIPELINE_MAX_LANG_EXCLUDE 32

struct pipeline_opts {
	size_t sz;			/* sizeof(struct pipeline_opts) */
	const char *input;
	const char *output;
	unsigned int jobs;		/* reader threads; 0 = online CPUs; capped at the CU count */
	size_t queue_capacity;		/* records per reader ring; 0 = default */
	unsigned int window;		/* CUs a reader may run ahead of the writer; 0 = default */
	size_t memory_limit;		/* bytes for queues + window + batches (docs/design.md); 0 = none */
	const char *memory_limit_from;	/* NULL: --memory-limit; else the cgroup file it came from */
	uint64_t batch_records;		/* type records per dedup batch; 0 = default */
	struct btf_features features;	/* what to encode (pahole's --btf_features) */
	const char *funcs_report;	/* write one line per function name here; NULL: none */
	const char *base;		/* split BTF on top of this raw BTF or ELF's .BTF; NULL: none */
	const struct btf *base_btf;	/* that base, already read (batch mode); the caller frees it */
	struct base_prune *base_prune;	/* made on base_btf (batch mode); NULL: the run makes its own */
	const struct base_strs *base_strs;	/* base_btf's string index (batch mode), or NULL */
	bool embed;			/* output: a copy of the input ELF with .BTF (emit__elf) */
	bool progress;			/* a progress line on stderr (stages/common/progress.h) */
	struct jobserver *js;		/* make's jobserver (pipeline/jobserver.h); NULL: none */
	bool detached_as_pahole;	/* raw output named by pahole's --btf_encode_detached:
					 * as pahole, no distilled base there (kbuild's
					 * gen-btf.sh distills later, in resolve_btfids) */
	uint32_t lang_exclude[PIPELINE_MAX_LANG_EXCLUDE];	/* DW_LANG_* to skip */
	unsigned int n_lang_exclude;
	bool huge_pages;		/* the heap is in huge pages (pipeline/huge_heap.h):
					 * the batch images ask for them too */
	bool exit_after;		/* the process ends right after this run: its
					 * memory is left to the kernel, not freed
					 * (pipeline__run; not in sanitizer builds) */
};

#define PIPELINE_DEFAULT_QUEUE_CAPACITY 8192
#define PIPELINE_DEFAULT_WINDOW_PER_JOB 8
/* Type records read per dedup batch: a count, so the cuts and thus the
 * bytes do not depend on the machine; chosen by measurement (docs/design.md,
 * "Session 26": with the exact copies left out on the merge threads, 96K
 * read (~50K kept) took 1.5-4 MB off the -j2 peak against 128K for the
 * same wall and ~+20 ms of CPU). */
#define PIPELINE_BATCH_RECORDS (96u * 1024)

/* Runs every stage. stats (may be NULL: then the peaks of memory, read from
 * /proc at each stage's end, are not sampled) receives the measurements.
 * Returns 0 or -errno. */
int pipeline__run(const struct pipeline_opts *opts, struct run_stats *stats);

#endif
