/* stages/dedup.h: stage 6, libbpf's btf__dedup over the writer's BTF.
 *
 * Main thread, after the writer has finished. Deterministic: libbpf's
 * algorithm depends only on the type order it is given.
 */
#ifndef BTFSTREAM_DEDUP_H
#define BTFSTREAM_DEDUP_H

#include "stages/fail.h"

struct btf;

/* Dedups btf in place. Returns 0 or -errno (reason in f). */
int dedup__run(struct btf *btf, const char *path, struct fail *f);

#endif
