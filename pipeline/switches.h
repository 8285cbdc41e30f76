/* pipeline/switches.h: which variant of the pipeline a run takes, where
 * the environment may choose (the BTFSTREAM_* switches kept for
 * comparisons: each gives the same bytes, and the tests compare them), and
 * what a run leaves to the process's end.
 *
 * Plain functions (getenv: no setenv while threads run); any thread.
 */
#ifndef BTFSTREAM_SWITCHES_H
#define BTFSTREAM_SWITCHES_H

#include <stdbool.h>

#include "pipeline/pipeline.h"

/* Pre-deduplication in the writer (stages/write/predup.h): off unless
 * BTFSTREAM_PREDUP=1. Not the default because the readers' hashing costs
 * more CPU than the merge saves at -j2 (docs/design.md,
 * "Pre-deduplication"). */
bool switches__predup(void);

/* Exact copies of a batch's types left out by the merge threads
 * (stages/dedup/batch_exact.h): on unless BTFSTREAM_EXACT=0. */
bool switches__exact(void);

/* The functions, their tags and the DATASECs added under names placed in
 * the accumulated strings (stages/write/named_type.h): on unless
 * BTFSTREAM_NAMED_END=0, which looks each name up through libbpf. */
bool switches__named_end(void);

/* A CU's types cross the queue as BTF bytes the reader encoded (record.h,
 * CU_BEGIN), so the writer copies a block per CU and rewrites its ids; with
 * BTFSTREAM_RECORDS=1 as one record each, which the writer encodes
 * (pre-deduplication needs the records). */
bool switches__btf_bytes(void);

/* Function names without an ELF symbol set aside by the readers by their
 * place in .debug_str, neither interned nor sent
 * (stages/read/no_symbol_names.h): on unless BTFSTREAM_NO_SYMBOL_NAMES=0,
 * which sends each as a bare candidate the writer counts. The counts are
 * the same either way. */
bool switches__no_symbol_names(void);

/* .debug_info from which the read side is freed beside the final dedup
 * even when the process ends right after (switches__leave_to_exit). */
#define SWITCHES_FREE_READ_SIDE_BYTES (64ull << 20)

/*
 * pipeline_opts.exit_after: the process ends when this run returns, and the
 * kernel takes its memory back at once, where freeing it block by block is
 * work nobody waits for: on a small module's run about a fifth of the CPU
 * (libbpf frees the base BTF's string index, ~126K entries, one by one),
 * on the vmlinux the read side's libdw caches, string table and lists. So
 * nothing is freed at the end. The read side is still freed beside the
 * final dedup, as always, under a memory budget or for an input of
 * SWITCHES_FREE_READ_SIDE_BYTES of .debug_info or more: the dedup then
 * reuses its memory, which keeps the peak of the run's end down (the
 * vmlinux under a 48 MiB cgroup and --memory-limit 32M was killed without
 * it, 0025). But for the string table, which only a budget frees there:
 * emptying its RCU hash tables node by node took ~25 ms of CPU on the
 * vmlinux, for ~5 MB the dedup's peak does not need (docs/design.md,
 * "Session 35"). A module's read side is small, and the thread cost ~2 ms
 * of its ~55. Threads are joined and the output is complete before any of
 * this. Sanitizer builds and BTFSTREAM_FREE_AT_EXIT=1 (for valgrind or
 * heaptrack) free everything, so leak checkers see no leak.
 */
bool switches__leave_to_exit(const struct pipeline_opts *o);

#endif
