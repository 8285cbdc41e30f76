/* pipeline/batch.h: many inputs in one process (kernel modules).
 *
 * batch__run converts each input as pipeline__run would, writing
 * OUTDIR/<input's file name>.btf (or, with --embed, OUTDIR/<file name>, a
 * copy with .BTF; without OUTDIR, in place). The base BTF is read once,
 * before the workers start. Workers are forked processes (each input's
 * pipeline is self-contained; a crash or leak in one cannot touch another)
 * taking the next input from a shared counter, so all cores stay busy
 * whatever the sizes. Each output is byte-identical to a single run's.
 * Main thread only; the only caller is main.c.
 */
#ifndef BTFSTREAM_BATCH_H
#define BTFSTREAM_BATCH_H

#include <stddef.h>

#include "pipeline/pipeline.h"

/* Appends every regular file under dir whose name ends in ".ko" to *list
 * (sorted, so the order does not depend on the file system). Returns 0 or
 * -errno (with a pr_warn line). */
int batch__find_modules(const char *dir, char ***list, size_t *n);

/* Converts inputs[0..n) with tmpl's options (input and output are set per
 * input). workers: processes at once (0: online CPUs). Returns the number of
 * inputs that failed (each reported in one line), or -errno. */
int batch__run(const struct pipeline_opts *tmpl, char *const *inputs, size_t n, const char *outdir,
	       unsigned int workers);

/* The worker processes for n inputs and -j workers (0: online CPUs). */
unsigned int batch__workers(unsigned int workers, size_t n);

#endif
