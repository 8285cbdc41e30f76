/* stages/dedup/exact_dup.h: the types of the batch a merge thread is
 * making final (stages/dedup/batch_exact.h), found by their exact bytes.
 *
 * Most of a batch's records are the same header types again, CU after CU.
 * A record whose references all lead to types already in the batch (they
 * are resolved first: batch_exact.c) has its final bytes before it is
 * kept: kind, name, size, members, and the batch ids it refers to. If a type with those very bytes is already in the batch,
 * the record is that type again, and libbpf's dedup of the batch would
 * merge the two in any case (two types equal field for field, reference
 * for reference, are always equivalent to it, and it keeps the earlier):
 * the earlier stands for it and it is left out. Unlike pre-deduplication
 * (stages/write/predup.h) nothing is compared structurally, so no hash
 * from the readers and no guard are needed: a record in a cycle, or
 * referring to one not yet resolved, is simply kept.
 *
 * The table maps a type's bytes (by a 32-bit hash, then compared whole)
 * to its batch id. It keeps its own copy of the bytes of the types it
 * holds, side by side (~3-4K types a batch on the vmlinux, ~150 KB): the
 * lookups, 1.6 M of them, nearly all hits, then compare against memory in
 * this core's cache, where the same types in the batch image lie scattered
 * over megabytes (comparing there cost ~75 ns a lookup). Open addressing,
 * linear probing; doubled at half full. Emptied for each batch
 * (exact_dup__reset).
 *
 * One merge thread's own table (each thread has one), reset per batch.
 */
#ifndef BTFSTREAM_EXACT_DUP_H
#define BTFSTREAM_EXACT_DUP_H

#include <linux/btf.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Kinds whose exact copies libbpf's dedup always merges, the only ones
 * either table looks up (VARs and DATASECs it keeps each; a FUNC comes
 * only after the batches, never in a CU's bytes). */
static inline bool exact_dup__kind(uint32_t kind)
{
	return kind != BTF_KIND_VAR && kind != BTF_KIND_DATASEC && kind != BTF_KIND_FUNC;
}

struct exact_slot {
	uint32_t hash;
	uint32_t id;		/* batch id; 0: empty slot */
	uint32_t off;		/* its bytes in the table's own copy */
	uint32_t size;
};

struct exact_dup {
	struct exact_slot *slots;
	size_t mask;		/* slots - 1 (a power of two less one), 0 before the first add */
	size_t n;		/* ids in the table */
	unsigned char *bytes;	/* a copy of each type's bytes, side by side */
	size_t len, cap;
};

/* The batch id of a type in the table whose bytes are the size bytes at
 * p, 0 if none. */
uint32_t exact_dup__find(const struct exact_dup *d, const void *p, uint32_t size);

/* Add the type of batch id id, whose size bytes are at p (copied), unless
 * a type with the same bytes is in the table already. 0 or -ENOMEM. */
int exact_dup__add(struct exact_dup *d, const void *p, uint32_t size, uint32_t id);

/* The same, for a table whose types' bytes the caller keeps (the
 * accumulated BTF: stages/dedup/acc_btf.h): find_in looks the size bytes
 * at p up among types at bytes + their offsets; add_in adds the type of id
 * id whose size bytes are at bytes + off, copying nothing (bytes may move
 * between calls, the offsets may not). A table uses one way or the other. */
uint32_t exact_dup__find_in(const struct exact_dup *d, const unsigned char *bytes, const void *p, uint32_t size);
int exact_dup__add_in(struct exact_dup *d, const unsigned char *bytes, uint32_t off, uint32_t size, uint32_t id);

/* Empty the table (a new batch). */
void exact_dup__reset(struct exact_dup *d);

void exact_dup__fini(struct exact_dup *d);

#endif
