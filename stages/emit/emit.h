/* stages/emit/emit.h: stage 7, write the BTF out.
 *
 * Main thread. The raw BTF is written in the target's byte order to a
 * temporary file in the output's folder, flushed, and renamed over the output
 * name, the folder flushed after (stages/common/atomic_file.h), so a reader of
 * that name sees the old file or the whole new one, never a part; on any
 * failure the temporary file is removed.
 */
#ifndef BTFSTREAM_EMIT_H
#define BTFSTREAM_EMIT_H

#include <stdbool.h>
#include <stddef.h>

#include "stages/common/fail.h"

struct btf;

/* Writes btf to out as raw BTF. big_endian: the target's byte order. Returns 0
 * or -errno (reason in f); *bytes gets the size written. */
int emit__raw(struct btf *btf, bool big_endian, const char *out, size_t *bytes, struct fail *f);

/* Write data[0..size) to path atomically (stages/common/atomic_file.h). */
int emit__file_atomic(const char *path, const void *data, size_t size, struct fail *f);

/* Write a copy of the ELF file in_path to out_path (which may be in_path)
 * with its .BTF section added or replaced by data[0..size); every other
 * section keeps its bytes and offset. Atomic like emit__file_atomic. */
int emit__elf(const char *in_path, const char *out_path, const void *data, size_t size, struct fail *f);

/* The raw BTF of btf in the target's byte order (owned by btf), or NULL. */
const void *emit__raw_data(struct btf *btf, bool big_endian, size_t *size, struct fail *f, const char *out);

#endif
