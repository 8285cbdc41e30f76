/* pipeline/stats.h: per-stage measurements and their --stats output.
 *
 * Each stage fills its own struct stage_stat; the driver collects them after
 * the threads are joined (single-threaded from then on) and prints them as a
 * table or as one JSON object.
 */
#ifndef BTFSTREAM_STATS_H
#define BTFSTREAM_STATS_H

#include <stdint.h>
#include <stdio.h>

#include "stages/write/func_select.h"

struct stage_stat {
	const char *name;
	uint64_t wall_ns;
	uint64_t cpu_ns;
	uint64_t items;
	const char *items_what;	/* "CUs", "records", "types", ... */
	uint64_t bytes;
	uint64_t blocked_full_ns;	/* waiting on a full queue / the reorder window */
	uint64_t blocked_empty_ns;	/* waiting on an empty queue */
	uint64_t high_water;		/* queue high-water mark, elements (0: n/a) */
};

/* Rows: the stages, plus one per reader thread; -j takes at most 1024
 * (pipeline/main.c), so no reader row is ever dropped. */
#define STATS_MAX_READERS 1024
#define STATS_MAX_STAGES (16 + STATS_MAX_READERS)

struct run_stats {
	struct stage_stat stages[STATS_MAX_STAGES];
	unsigned int nstages;
	uint64_t wall_ns, cpu_ns;
	uint64_t peak_rss_kb;		/* getrusage ru_maxrss */
	uint64_t peak_anon_kb;		/* max RssAnon sampled at stage boundaries */
	uint64_t peak_huge_kb;		/* max AnonHugePages (smaps_rollup) sampled there */
	bool unsampled;			/* no caller reads them: peak_* not sampled */
	uint64_t types_read;		/* type records the readers sent */
	uint64_t types_before_dedup, types_after_dedup;
	uint64_t base_types, base_hidden;	/* --base: its types; hidden from the final dedup */
	uint64_t distilled_base_types;	/* distilled_base: types in the .BTF.base */
	uint64_t strings;
	uint64_t max_cu_arena_bytes;	/* largest per-CU payload arena */
	uint64_t cus_read;		/* CUs the readers read */
	uint64_t libdw_cus;		/* ... during which libdw was asked about a DIE */
	uint64_t dwarf_renewals;	/* times a reader's libdw handle was begun again */
	uint64_t loc_preads, loc_pread_bytes;	/* location lists read with pread (param_loc.h) */
	bool split;			/* split BTF (--base) */
	bool split_late;		/* ... made at the end (stages/dedup/split_late.h) */
	uint64_t split_shared, split_own;	/* its strings the base has, and has not */
	bool relocated;			/* the input was relocated (ET_REL) */
	bool units_let_go_ok;		/* ... and its written units could go (input.h) */
	uint64_t rela_let_go, units_let_go;	/* its pages dropped early (stages/input/input.h) */
	uint64_t rela_unmapped;			/* its relocations read with pread, never mapped */
	const char *units_kept;			/* why its written units stayed, if they did */
	unsigned int window;		/* reorder window used, CUs */
	uint64_t wake_batch;		/* records a reader ring holds before it wakes the writer; 0: per CU */
	uint64_t writer_sleeps;		/* the writer's waits on an empty reader ring */
	unsigned int jobs;
	struct func_select_stats funcs;	/* function verdicts */
	uint64_t memory_limit;		/* the budget used (after the floor); 0: none */
	const char *memory_limit_from;	/* NULL: --memory-limit; else the cgroup file (set by the CLI) */
	const char *jobserver;		/* "fds R,W", "fifo:PATH"; NULL: none (set by the CLI) */
	unsigned int tokens_max;	/* jobserver tokens held at once, at most */
	uint64_t tokens_taken;		/* ... taken in all */
	const char *heap;		/* pipeline/huge_heap.h's description (set by the CLI) */
	bool cu_types_bytes;		/* a CU's types crossed the queue as BTF bytes (stages/record/rec_btf.h) */
	bool exact;			/* exact copies left out by the merge threads (stages/dedup/batch_exact.h) */
	uint64_t exact_dropped;		/* ... records an earlier type of their batch stood for */
	uint64_t exact_cyclic;		/* ... of them on a cycle (stood for by an earlier component) */
	bool exact_order_read;		/* ... the order to decide them in made by the readers */
	uint64_t exact_cpu_ns;		/* ... the merge threads' CPU for it (part of the batches' dedups) */
	bool predup;			/* pre-deduplication on (BTFSTREAM_PREDUP=1) */
	uint64_t predup_matched;	/* records that matched a type of their batch (stages/write/predup.h) */
	uint64_t predup_checks, predup_failed;	/* candidate checks, ... that failed */
	uint64_t predup_guarded;	/* records the readers kept from it (stages/read/type_guard.h) */
	unsigned int merge_threads;	/* batches deduped at once (stages/dedup/merge.h) */
	uint64_t merge_serial_ns;	/* the merge's turns: appends, compactions (serial) */
	uint64_t images_made, images_reused;	/* batch images mapped, reused (stages/record/image_pool.h) */
	uint64_t image_wait_ns;		/* the writer's waits for one */
	uint64_t chunks, chunk_bytes;	/* batches handed on in chunks: how many, of about how
					   many bytes (stages/record/batch.h; 0: whole) */
	uint64_t accumulated_types;	/* the merger's BTF once merged, before the final dedup */
	uint64_t acc_dropped;		/* ... copies of its types left out as batches came (acc_exact.h) */
	uint64_t compactions;		/* times it was deduped again on the way (stages/dedup/merge_compact.h) */
	uint64_t batch_strings[3];	/* batches whose strings went bare, on a base, hashed (merge.h) */
	bool libbpf_checks_names;	/* the probe's answer (stages/common/libbpf_caps.h) */
	bool batch_names_ids;		/* batches named types by strtab ids (stages/dedup/batch_names.h) */
	const char *accumulated_as;	/* "bytes", "bytes, then libbpf's BTF", "libbpf's BTF" (acc_btf.h) */
	const char *features;		/* the --btf_features in effect, "a,b,..." (set by the CLI) */
	bool named_end;			/* FUNCs and DATASECs named by placed offsets (named_type.h) */
};

uint64_t stats__now_ns(void);		/* CLOCK_MONOTONIC */
uint64_t stats__thread_cpu_ns(void);	/* CLOCK_THREAD_CPUTIME_ID of the caller */
uint64_t stats__process_cpu_ns(void);	/* user + sys of the whole process so far */
/* Sample RssAnon of the process into s->peak_anon_kb, AnonHugePages into
 * s->peak_huge_kb (and ru_maxrss into s->peak_rss_kb); nothing if
 * s->unsampled. Main thread only. */
void stats__sample_memory(struct run_stats *s);
/* Append a stage row; returns it (zeroed but for name), or NULL if full. */
struct stage_stat *stats__add(struct run_stats *s, const char *name);
/* A stage timed on the calling thread: stats__clock_start marks it (and
 * fires the stage_start probe), stats__clock_stop adds its row with the wall
 * and CPU time since the mark (a row that does not fit goes nowhere). */
struct stage_clock {
	uint64_t wall0, cpu0;
	const char *name;
};

void stats__clock_start(struct stage_clock *m, const char *name);
struct stage_stat *stats__clock_stop(const struct stage_clock *m, struct run_stats *s, uint64_t items,
				     const char *items_what);

/* Where the CPU went, for the projections (docs/design.md, "Serial path"):
 * the readers' CPU is the parallel part; every other stage row is serial,
 * write and merge overlapped with reading (one thread each), the rest
 * (cu_index before; funcs, dedup, distill, emit after) outside it. */
struct stats_split {
	uint64_t parallel_cpu_ns;	/* the readers */
	uint64_t merge_parallel_ns;	/* the merge threads' own dedups of batches */
	uint64_t serial_cpu_ns;		/* all the rest: one thread each, or in turn */
	uint64_t write_ns, merge_serial_ns;	/* beside the readers, serial */
	uint64_t outside_ns;		/* CPU of the rows before and after reading */
};

void stats__split(const struct run_stats *s, struct stats_split *out);
/* Projected wall at jobs readers, with M = sizing__merge_threads(jobs) merge
 * threads: Amdahl's serial + readers / jobs + merge dedups / M, and the
 * pipeline's own bound, outside + max(write, merge in turn + merge dedups / M,
 * readers / jobs). The release row's rounds are inside the readers' rows
 * (pipeline/releaser.h), so in neither sum again. */
uint64_t stats__project_amdahl(const struct stats_split *sp, unsigned int jobs);
uint64_t stats__project_pipelined(const struct stats_split *sp, unsigned int jobs);

void stats__print_table(const struct run_stats *s, FILE *out);
void stats__print_json(const struct run_stats *s, FILE *out);

#endif
