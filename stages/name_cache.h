/* stages/name_cache.h: strtab ids of the names in .debug_str, by offset.
 *
 * Most DWARF names are DW_FORM_strp/strx: offsets into .debug_str, which the
 * linker deduplicated, so one name is one offset in every CU. The readers
 * look each name up here before interning it: one slot per 8 bytes of
 * .debug_str, holding (offset + 1, id) of the last string that started in
 * those 8 bytes. Names of one struct sit side by side in .debug_str (the
 * linker keeps the order it first met them in), so a struct's member names
 * hit the same cache lines, where a hash of the pointer sent every lookup to
 * a different line (that miss was a quarter of the readers' time).
 *
 * Shared by all reader threads without a lock: a slot is one 64-bit atomic,
 * written whole (release) after the id exists in the strtab and read whole
 * (acquire), so a reader sees either nothing, or a pair whose id the strtab
 * already hands out. Two strings starting in the same 8 bytes take turns in
 * the slot; a slot holding another offset is a miss, never a wrong id.
 *
 * Ownership: the cache borrows .debug_str (the input mapping); it owns its
 * slots. init/fini from one thread while no reader runs; get/put from any.
 */
#ifndef BTFSTREAM_NAME_CACHE_H
#define BTFSTREAM_NAME_CACHE_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct name_cache {
	const char *lo;			/* .debug_str in the mapping; NULL: no cache */
	size_t size;
	_Atomic uint64_t *slots;	/* size / 8 + 1 */
};

/* An empty cache over [lo, lo + size); lo NULL or size 0 (compressed or
 * absent .debug_str) gives a cache that never hits. Returns 0 or -ENOMEM. */
int name_cache__init(struct name_cache *c, const char *lo, size_t size);
void name_cache__fini(struct name_cache *c);

static inline bool name_cache__covers(const struct name_cache *c, const char *s)
{
	return c->slots && s >= c->lo && s < c->lo + c->size;
}

/* The id of s (which name_cache__covers) if a reader put it; else false. */
static inline bool name_cache__get(struct name_cache *c, const char *s, uint32_t *id)
{
	uint64_t off = (uint64_t)(s - c->lo);
	uint64_t v = atomic_load_explicit(&c->slots[off >> 3], memory_order_acquire);

	if (v >> 32 != off + 1)
		return false;
	*id = (uint32_t)v;
	return true;
}

/* Records that s (which name_cache__covers) has strtab id id. */
static inline void name_cache__put(struct name_cache *c, const char *s, uint32_t id)
{
	uint64_t off = (uint64_t)(s - c->lo);

	atomic_store_explicit(&c->slots[off >> 3], (off + 1) << 32 | id, memory_order_release);
}

#endif
