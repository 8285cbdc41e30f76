/* stages/read/die_map.h: .debug_info offset of a DIE -> record ref, for one reader.
 *
 * Owned by one reader thread; not thread-safe. Cleared in O(1) between CUs by
 * bumping a generation stamp, so its memory follows the largest CU seen, not
 * the input size. A value is either a local ref (the DIE's head record) or an
 * alias: "this DIE means the same as the DIE at offset X" (DIE_MAP_ALIAS set).
 */
#ifndef BTFSTREAM_DIE_MAP_H
#define BTFSTREAM_DIE_MAP_H

#include <stdbool.h>
#include <stdint.h>

#define DIE_MAP_ALIAS 0x80000000u

struct die_map_slot {
	uint32_t key;	/* the DIE's .debug_info offset (dwarf_dieoffset), never 0 */
	uint32_t val;
	uint32_t gen;
};

struct die_map {
	struct die_map_slot *slots;
	uint32_t cap;	/* power of two */
	uint32_t count;
	uint32_t gen;
};

/* Forget every entry. */
void die_map__reset(struct die_map *m);
/* Insert or overwrite. Returns 0 or -ENOMEM. */
int die_map__set(struct die_map *m, uint32_t key, uint32_t val);
/* true and *val if key is present. */
bool die_map__get(const struct die_map *m, uint32_t key, uint32_t *val);
void die_map__free(struct die_map *m);

#endif
