/* stages/write/exact_dup.h: the types of the writer's current batch, found
 * by their exact bytes.
 *
 * Most of a batch's records are the same header types again, CU after CU.
 * A record whose references all lead to types already in the batch (the
 * writer resolves them first: stages/write/write_btf.c) has its final
 * bytes before it is written: kind, name, size, members, and the batch ids
 * it refers to. If a type with those very bytes is already in the batch,
 * the record is that type again, and libbpf's dedup of the batch would
 * merge the two in any case (two types equal field for field, reference
 * for reference, are always equivalent to it, and it keeps the earlier):
 * the writer lets the earlier stand for it and does not write it. Unlike
 * pre-deduplication (predup.h) nothing is compared structurally, so no
 * hash from the readers and no guard are needed: a record in a cycle, or
 * referring to one not yet resolved, is simply written.
 *
 * The table maps a type's bytes (by a 32-bit hash, then compared whole)
 * to its batch id; it holds offsets into the batch's type section, which
 * may move when the image grows. Open addressing, linear probing; doubled
 * at half full. Emptied at each batch cut (exact_dup__reset).
 *
 * The writer thread only.
 */
#ifndef BTFSTREAM_EXACT_DUP_H
#define BTFSTREAM_EXACT_DUP_H

#include <stddef.h>
#include <stdint.h>

#define EXACT_INLINE 16	/* bytes of a type kept in its slot (most types are 12 or 16) */

struct exact_slot {
	uint32_t hash;
	uint32_t id;		/* batch id; 0: empty slot */
	uint32_t off;		/* its bytes in the type section */
	uint32_t size;
	uint32_t head[EXACT_INLINE / 4];	/* its first bytes, compared without the image */
};

struct exact_dup {
	struct exact_slot *slots;
	size_t mask;		/* slots - 1 (a power of two less one), 0 before the first add */
	size_t n;		/* ids in the table */
	uint64_t dropped;	/* records that an earlier type stood for (for --stats) */
};

/* The batch id of a type in the table whose bytes are the size bytes at
 * p (anywhere: the caller's copy), 0 if none. */
uint32_t exact_dup__find(const struct exact_dup *d, const unsigned char *types, const void *p, uint32_t size);

/* Add the type of batch id id, whose size bytes lie at types + off, unless
 * a type with the same bytes is in the table already. 0 or -ENOMEM. */
int exact_dup__add(struct exact_dup *d, const unsigned char *types, uint32_t off, uint32_t size, uint32_t id);

/* Empty the table (a new batch); the counts stay. */
void exact_dup__reset(struct exact_dup *d);

void exact_dup__fini(struct exact_dup *d);

#endif
