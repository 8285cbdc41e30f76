/* stages/read/no_symbol_names.c: see no_symbol_names.h. */
#include "stages/read/no_symbol_names.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "stages/common/str_hash.h"
#include "strtab/strtab.h"

int no_symbol_names__init(struct no_symbol_names *ns, const char *lo, size_t size)
{
	memset(ns, 0, sizeof(*ns));
	if (!lo || !size)
		return 0;
	ns->words = size / 64 + 1;
	if (!(ns->bits = malloc(ns->words * sizeof(*ns->bits))))
		return -ENOMEM;
	/* written here, not calloc'ed: a reader's first look at an untouched
	 * page would map the zero page, and its first bit set would then copy
	 * it and flush the other readers' TLBs (see name_cache.c) */
	memset((void *)ns->bits, 0, ns->words * sizeof(*ns->bits));
	ns->lo = lo;
	ns->size = size;
	return 0;
}

void no_symbol_names__fini(struct no_symbol_names *ns)
{
	free((void *)ns->bits);
	memset(ns, 0, sizeof(*ns));
}

/* Distinct strings by their bytes: open addressing, linear probing, sized
 * once for all it will hold (at most half full). */
struct str_set {
	struct str_slot {
		const char *s;	/* NULL: empty */
		size_t len;
		uint64_t hash;
	} *slots;
	size_t mask;
};

static int str_set__init(struct str_set *set, size_t most)
{
	size_t n = 16;

	while (n < 2 * most)
		n *= 2;
	set->mask = n - 1;
	return (set->slots = calloc(n, sizeof(*set->slots))) ? 0 : -ENOMEM;
}

/* Adds s: true if it was not there yet. */
static bool str_set__add(struct str_set *set, const char *s)
{
	size_t len = strlen(s);
	uint64_t hash = str_hash(s, len);

	for (size_t i = hash & set->mask;; i = (i + 1) & set->mask) {
		struct str_slot *slot = &set->slots[i];

		if (!slot->s) {
			*slot = (struct str_slot){ s, len, hash };
			return true;
		}
		if (slot->hash == hash && slot->len == len && !memcmp(slot->s, s, len))
			return false;
	}
}

static size_t bits_set(const uint64_t *w, size_t words)
{
	size_t n = 0;

	for (size_t i = 0; i < words; i++)
		n += (size_t)__builtin_popcountll(w[i]);
	return n;
}

int no_symbol_names__count(const struct no_symbol_names *ns, const struct strtab *t, const uint64_t *also,
			   size_t also_words, uint64_t *count)
{
	const uint64_t *bits = (const uint64_t *)ns->bits;
	struct str_set set;
	size_t most;

	*count = 0;
	if (!bits)
		return 0;
	most = bits_set(bits, ns->words) + (also ? bits_set(also, also_words) : 0);
	if (str_set__init(&set, most))
		return -ENOMEM;
	for (size_t w = 0; also && t && w < also_words; w++)
		for (uint64_t b = also[w]; b; b &= b - 1) {
			const char *s = strtab__str(t, (uint32_t)(w * 64 + (size_t)__builtin_ctzll(b)), NULL);

			if (s)
				str_set__add(&set, s);
		}
	for (size_t w = 0; w < ns->words; w++)
		for (uint64_t b = bits[w]; b; b &= b - 1)
			*count += str_set__add(&set, ns->lo + w * 64 + (size_t)__builtin_ctzll(b));
	free(set.slots);
	return 0;
}
