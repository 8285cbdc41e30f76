/* stages/common/trace.h: a timeline of one run, for --trace=FILE.
 *
 * The file is Chrome's trace-event JSON ({"traceEvents": [...]}), which
 * Perfetto (ui.perfetto.dev) and chrome://tracing open: one track per
 * thread (the readers, the writer on the main thread, the merge thread, the
 * thread that frees the read side of a big input), a slice per CU read and
 * written, per batch merged, per whole-program stage, and per wait (a full or empty
 * queue, the reorder window, the writer waiting for a CU's reader), so the
 * serial path is seen rather than computed. docs/profiling.md shows how to
 * read it.
 *
 * Threads: trace__start and trace__write/trace__discard on the main thread,
 * before any other thread starts and after all are joined. In between, any
 * thread calls trace__thread once to name its track and trace__slice for
 * what it did; each thread appends to its own buffer (no lock but the one
 * taken to register a track). Without --trace, trace_on is false and every
 * call returns at once.
 */
#ifndef BTFSTREAM_TRACE_H
#define BTFSTREAM_TRACE_H

#include <stdbool.h>
#include <stdint.h>

extern bool trace_on;

/* Begins a trace written to path by trace__write. Returns 0 or -errno. */
int trace__start(const char *path);
/* Names the calling thread's track: "read" and 0 give "read 0"; index < 0:
 * the name alone. The first slice of an unnamed thread names it "thread". */
void trace__thread(const char *name, int index);
/* The current time for slices, ns (CLOCK_MONOTONIC). */
uint64_t trace__now(void);
/* A slice on the calling thread's track from t0 to t1 (trace__now), named
 * name (a string that lives to the end of the run); arg_name (NULL: none)
 * with value arg shows in the slice's details. */
void trace__slice(const char *name, uint64_t t0, uint64_t t1, const char *arg_name, int64_t arg);
/* Writes the file (atomically: the old file or the whole new one) with
 * process_name as the process's name, and frees the buffers. Returns 0 or
 * -errno, with *what naming the step that failed. */
int trace__write(const char *process_name, const char **what);
/* Frees the buffers, writing nothing (a failed run). */
void trace__discard(void);
/* The file being written (trace__start's path). */
const char *trace__path(void);

#endif
