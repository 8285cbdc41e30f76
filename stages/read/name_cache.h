/* stages/read/name_cache.h: strtab ids of the names in .debug_str, by offset.
 *
 * Most DWARF names are DW_FORM_strp/strx: offsets into .debug_str, which the
 * linker deduplicated, so one name is one offset in every CU. The readers
 * look each name up here before interning it: one 32-bit slot per 4 bytes
 * of .debug_str, holding the id of the last string that started in those 4
 * bytes and where in them it started. Names of one struct sit side by side
 * in .debug_str (the linker keeps the order it first met them in), so a
 * struct's member names hit the same cache lines, where a hash of the
 * pointer sent every lookup to a different line (that miss was a quarter of
 * the readers' time). A .debug_str name GCC writes is at least 5 bytes (it
 * writes shorter ones inline), so two of them never start in the same 4
 * bytes; with one slot per 8 bytes they did, and took turns in the slot
 * (290K misses on the vmlinux, each a strtab lookup).
 *
 * But the linker also merges a string into the tail of a longer one, and
 * two names whose starts are 1-3 bytes apart ("unsigned char" and "signed
 * char", "_refcount" and "refcount") then share a slot. Taking turns in it
 * cost ~100K strtab lookups on the Debian vmlinux (225K misses; 125K now).
 * So a name that finds its slot held by another start is put in a small
 * table of its own instead (the spill: direct-mapped by offset, one 64-bit
 * entry of offset and id; ~2,300 names on the vmlinux), where it stays.
 *
 * Shared by all reader threads without a lock: a slot or spill entry is one
 * atomic, written whole (release) after the id exists in the strtab and read
 * whole (acquire), so a reader sees either nothing, or a pair whose id the
 * strtab already hands out. More than two starts in one slot (short names
 * from other compilers) take turns in the spill; an entry holding another
 * offset is a miss, never a wrong id. Ids from NAME_CACHE_MAX_ID up are not
 * cached.
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
	_Atomic uint32_t *slots;	/* size / 4 + 1: (start in the 4 bytes + 1) << 24 | id */
	_Atomic uint64_t *spill;	/* spill_mask + 1: (offset + 1) << 24 | id, 0 empty */
	uint64_t spill_mask;
};

#define NAME_CACHE_MAX_ID (1u << 24)

static inline _Atomic uint64_t *name_cache__spill_entry(const struct name_cache *c, size_t off)
{
	return &c->spill[((uint64_t)off * 0x9E3779B97F4A7C15ull >> 40) & c->spill_mask];
}

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
	size_t off = (size_t)(s - c->lo);
	uint32_t v = atomic_load_explicit(&c->slots[off >> 2], memory_order_acquire);
	uint64_t w;

	if (v >> 24 == (off & 3) + 1) {
		*id = v & (NAME_CACHE_MAX_ID - 1);
		return true;
	}
	if (!v)
		return false;
	/* the slot holds another start: the name may be in the spill */
	w = atomic_load_explicit(name_cache__spill_entry(c, off), memory_order_acquire);
	if (w >> 24 != (uint64_t)off + 1)
		return false;
	*id = (uint32_t)w & (NAME_CACHE_MAX_ID - 1);
	return true;
}

/* Starts loading the slot of s (which name_cache__covers) into the cache,
 * for a name_cache__get a little later. */
static inline void name_cache__prefetch(const struct name_cache *c, const char *s)
{
	__builtin_prefetch(&c->slots[(size_t)(s - c->lo) >> 2]);
}

/* Records that s (which name_cache__covers) has strtab id id. */
static inline void name_cache__put(struct name_cache *c, const char *s, uint32_t id)
{
	size_t off = (size_t)(s - c->lo);
	_Atomic uint32_t *slot = &c->slots[off >> 2];
	uint32_t v = atomic_load_explicit(slot, memory_order_relaxed);

	if (id >= NAME_CACHE_MAX_ID)
		return;
	if (!v || v >> 24 == (off & 3) + 1)
		atomic_store_explicit(slot, (uint32_t)((off & 3) + 1) << 24 | id, memory_order_release);
	else
		atomic_store_explicit(name_cache__spill_entry(c, off), ((uint64_t)off + 1) << 24 | id,
				      memory_order_release);
}

#endif
