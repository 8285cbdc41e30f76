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

/* Write data[0..size) to path atomically (stages/common/atomic_file.h). */
int emit__file_atomic(const char *path, const void *data, size_t size, struct fail *f);

/* A section emit__elf writes: name, and its bytes data[0..size); data NULL
 * means the output must not have that section. */
struct emit_section {
	const char *name;
	const void *data;
	size_t size;
};

#define EMIT_MAX_SECTIONS 4

/* Raw output: secs[0] (.BTF) to out; secs[1] (.BTF.base), if n is 2, to
 * "OUT.base", written first, so that a new out never sits beside an old
 * base. Each file is atomic (emit__file_atomic); on failure neither new file
 * is left. With n 1, an OUT.base beside OUT (an earlier distilled run's) is
 * removed. Returns 0 or -errno (reason in f). */
int emit__raw_files(const char *out, const struct emit_section *secs, size_t n, struct fail *f);

/* Write a copy of the ELF file in_path to out_path (which may be in_path)
 * with each of secs[0..n) added or replaced (or, without data, made an
 * inactive SHT_NULL section without a name, so nothing stale is left, e.g.
 * an old .BTF.base beside a new .BTF); every other section keeps its bytes,
 * offset and index. Atomic like emit__file_atomic. */
int emit__elf(const char *in_path, const char *out_path, const struct emit_section *secs, size_t n,
	      struct fail *f);

/* The raw BTF of btf in the target's byte order (owned by btf), or NULL. */
const void *emit__raw_data(struct btf *btf, bool big_endian, size_t *size, struct fail *f, const char *out);

/* The raw BTF raw[0..size) (btf__raw_data's: a 24-byte header, types,
 * strings, in the target's byte order) with kernel 7.1's layout section
 * added (stages/emit/emit_layout.c): a new buffer in *out (the caller frees
 * it), *out_size bytes. Returns 0, -EINVAL (not such a buffer) or -ENOMEM. */
int emit__add_layout(const void *raw, size_t size, bool big_endian, void **out, size_t *out_size);

#endif
