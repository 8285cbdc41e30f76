/* stages/input/cu_index.h: stage 1, the ordered list of compile units.
 *
 * Main thread only, before the readers start. One pass over the unit headers
 * of .debug_info; the index of a CU in this list is its position in the output.
 */
#ifndef BTFSTREAM_CU_INDEX_H
#define BTFSTREAM_CU_INDEX_H

#include <elfutils/libdw.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "stages/common/fail.h"

struct cu_info {
	uint64_t off;		/* offset of the unit header in .debug_info */
	uint64_t die_off;	/* offset of the unit DIE */
	uint64_t size;		/* header + DIEs, in bytes */
};

struct cu_index {
	struct cu_info *cus;
	size_t count;
	uint64_t bytes;		/* sum of sizes */
};

/* .debug_info as it lies in the file, when it lies there as libdw reads it
 * (not compressed, not relocated): the headers are then read with pread
 * (stages/input/unit_header.h), not through the mapping, whose every header
 * read faulted a page in (and the kernel mapped up to 64 KiB around it):
 * 42-48 ms of the stage on the Debian vmlinux, 2,172 units. fd < 0: none. */
struct cu_index_file {
	int fd;
	uint64_t off, size;	/* the section's offset in the file, its size */
	bool big_endian;
};

/* Fills idx (caller frees with cu_index__free). path names the file in errors.
 * Returns 0 or -errno with the reason in f. Skips type units and skeleton units
 * nothing (they are listed; readers decide). file (may be NULL): read the
 * headers from there; a header unit_header declines, or a unit running past
 * the section, sends the whole index to libdw, which says what is wrong.
 * progress (may be NULL) is called now and then with the bytes of .debug_info
 * libdw indexed so far, so the caller can let their pages go. */
int cu_index__build(struct cu_index *idx, Dwarf *dw, const struct cu_index_file *file, const char *path,
		    struct fail *f, void (*progress)(void *ctx, uint64_t bytes), void *ctx);
void cu_index__free(struct cu_index *idx);

/* DW_LANG_* for a name as pahole's --lang_exclude takes it ("rust", "c89", ...);
 * 0 if unknown. */
uint32_t cu_index__lang_by_name(const char *name);

#endif
