/* stages/input/elf_funcs.c: see elf_funcs.h. */
#include "stages/input/elf_funcs.h"

#include "stages/input/elf_syms.h"
#include "stages/input/reloc.h"
#include "stages/common/grow.h"

#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

static int cmp_base(const char *a, size_t alen, const char *b, size_t blen)
{
	int c = memcmp(a, b, alen < blen ? alen : blen);

	return c ? c : (alen < blen ? -1 : alen > blen);
}

static int cmp_func(const void *x, const void *y)
{
	const struct elf_func *a = x, *b = y;
	int c = cmp_base(a->name, a->base_len, b->name, b->base_len);

	if (c)
		return c;
	if (a->addr != b->addr)
		return a->addr < b->addr ? -1 : 1;
	return strcmp(a->name, b->name);
}

#define FNV_BASIS 2166136261u	/* FNV-1a */

static inline uint32_t fnv_step(uint32_t h, char c)
{
	return (h ^ (unsigned char)c) * 16777619u;
}

static uint32_t hash_base(const char *s, size_t len)
{
	uint32_t h = FNV_BASIS;

	for (size_t i = 0; i < len; i++)
		h = fnv_step(h, s[i]);
	return h;
}

/* syms grouped by base name, each name's run in cmp_func order; hash[i]
 * (the base name's hash of syms[i]) follows its symbol. Only the
 * runs matter (the index finds them by hash), so the symbols are ordered
 * by the hash of their base name first: a radix sort of integers, then a
 * sort of each group of equal hashes, most of one symbol. A qsort of all
 * of them by name compared names scattered over .strtab, ~log2(n) cache
 * misses per symbol: 16-20 ms for the Debian vmlinux's 46K, before any
 * reader could start. */
static int group_by_base(struct elf_funcs *ef, uint32_t *hash)
{
	uint32_t n = ef->count, *count;
	uint64_t *key, *tmp;
	struct elf_func *sorted;

	if (n < 2)
		return 0;
	key = malloc(2 * (size_t)n * sizeof(*key));
	sorted = malloc((size_t)n * sizeof(*sorted));
	count = malloc((1u << 16) * sizeof(*count));
	if (!key || !sorted || !count) {
		free(key);
		free(sorted);
		free(count);
		return -ENOMEM;
	}
	tmp = key + n;
	for (uint32_t i = 0; i < n; i++)
		key[i] = (uint64_t)hash[i] << 32 | i;
	for (unsigned int shift = 32; shift < 64; shift += 16) {	/* LSD radix, 16-bit digits */
		uint32_t sum = 0;

		memset(count, 0, (1u << 16) * sizeof(*count));
		for (uint32_t i = 0; i < n; i++)
			count[(key[i] >> shift) & 0xffff]++;
		for (uint32_t d = 0; d < (1u << 16); d++) {
			uint32_t c = count[d];

			count[d] = sum;
			sum += c;
		}
		for (uint32_t i = 0; i < n; i++)
			tmp[count[(key[i] >> shift) & 0xffff]++] = key[i];
		memcpy(key, tmp, (size_t)n * sizeof(*key));
	}
	for (uint32_t i = 0; i < n; i++) {
		sorted[i] = ef->syms[(uint32_t)key[i]];
		hash[i] = (uint32_t)(key[i] >> 32);	/* (equal within a group qsort reorders) */
	}
	for (uint32_t i = 0, end; i < n; i = end) {
		for (end = i + 1; end < n && key[end] >> 32 == key[i] >> 32; end++)
			;
		if (end - i > 1)
			qsort(sorted + i, end - i, sizeof(*sorted), cmp_func);
	}
	free(key);
	free(count);
	free(ef->syms);
	ef->syms = sorted;
	return 0;
}

/* syms[a] and syms[b] have the same base name (hash: their base names'). */
static bool same_base(const struct elf_funcs *ef, const uint32_t *hash, uint32_t a, uint32_t b)
{
	return hash[a] == hash[b] &&
	       !cmp_base(ef->syms[a].name, ef->syms[a].base_len, ef->syms[b].name, ef->syms[b].base_len);
}

/* Where f's name lies in ef->names, or ELF_FUNCS_NO_AT. */
static uint32_t name_at(const struct elf_funcs *ef, const struct elf_func *f)
{
	size_t at = (size_t)(f->name - ef->names);

	return ef->names && f->name >= ef->names && at < ELF_FUNCS_NO_AT ? (uint32_t)at : ELF_FUNCS_NO_AT;
}

/* The hash index over the runs of equal base names in the sorted syms. */
static int index_bases(struct elf_funcs *ef, const uint32_t *hash)
{
	uint32_t runs = 0, size = 16;

	for (uint32_t i = 0; i < ef->count; i++)
		runs += i == 0 || !same_base(ef, hash, i - 1, i);
	while (size < runs + runs / 3)	/* at most 3/4 full: a probe past a slot reads its hash only */
		size *= 2;
	if (!(ef->slots = calloc(size, sizeof(*ef->slots))))
		return -ENOMEM;
	ef->mask = size - 1;
	for (uint32_t i = 0, end; i < ef->count; i = end) {
		uint32_t h = hash[i] & ef->mask;

		for (end = i + 1; end < ef->count && same_base(ef, hash, i, end); end++)
			;
		while (ef->slots[h].first1)
			h = (h + 1) & ef->mask;
		ef->slots[h].first1 = i + 1;
		ef->slots[h].n = end - i;
		ef->slots[h].hash = hash[i];
		ef->slots[h].name_at = name_at(ef, &ef->syms[i]);
	}
	return 0;
}

/* The function symbols of syms into ef->syms, each base name's hash into
 * *hash (one read of each name: its base length and hash together). */
static int collect(struct elf_funcs *ef, const struct elf_syms *syms, const struct input *in, uint32_t **hash)
{
	size_t cap = 0, hcap = 0;

	for (size_t i = 0; i < syms->count; i++) {
		struct elf_sym sym;
		uint32_t h = FNV_BASIS;
		size_t len = 0;

		elf_syms__get(syms, i, &sym);
		if (sym.type != STT_FUNC || sym.shndx == SHN_UNDEF || !sym.name || !*sym.name)
			continue;
		if (GROW(ef->syms, cap, ef->count + 1, 4096) || GROW(*hash, hcap, ef->count + 1, 4096))
			return -ENOMEM;
		for (; sym.name[len] && sym.name[len] != '.'; len++)
			h = fnv_step(h, sym.name[len]);
		(*hash)[ef->count] = h;
		ef->syms[ef->count++] = (struct elf_func){
			.name = sym.name,
			.base_len = (uint32_t)len,
			.addr = sym.value + reloc__section_base(in, sym.shndx),
			.suffixed = sym.name[len] == '.',
		};
	}
	return 0;
}

/* The symbols of syms collected, grouped by base name and indexed. */
static int build_from(struct elf_funcs *ef, const struct elf_syms *syms, const struct input *in)
{
	uint32_t *hash = NULL;
	int err;

	/* the names copied in their sorted order, before the index compares
	 * neighbours: a base name's symbols side by side in memory, not all
	 * over .strtab, which is then free to go (stages/input/elf_syms.h) */
	err = collect(ef, syms, in, &hash) ?: group_by_base(ef, hash) ?:
	      elf_syms__own_names(ef->syms, ef->count, sizeof(*ef->syms), offsetof(struct elf_func, name), &ef->names) ?:
	      index_bases(ef, hash);
	free(hash);
	return err;
}

int elf_funcs__build(struct elf_funcs *ef, const struct input *in, struct fail *f)
{
	struct elf_syms syms;

	memset(ef, 0, sizeof(*ef));
	if (!elf_syms__open(&syms, in->elf))
		return 0;
	return build_from(ef, &syms, in) ? fail__set(f, -ENOMEM, "input: %s: out of memory", in->path) : 0;
}

/* Whether the run of slot h has the base name name[0..len): its first
 * name read where it lies (in names, no further than its NUL): it starts
 * with name and goes on with the '.' or the NUL that ends its base, and
 * name has no '.' of its own. */
static bool slot_has_base(const struct elf_funcs *ef, uint32_t h, const char *name, size_t len)
{
	const struct elf_func *f;
	const char *s;

	if (ef->slots[h].name_at == ELF_FUNCS_NO_AT) {
		f = &ef->syms[ef->slots[h].first1 - 1];
		return !cmp_base(f->name, f->base_len, name, len);
	}
	s = ef->names + ef->slots[h].name_at;
	return !strncmp(s, name, len) && (s[len] == '.' || !s[len]) && !memchr(name, '.', len);
}

bool elf_funcs__find(const struct elf_funcs *ef, const char *name, size_t len, uint32_t *first, uint32_t *n)
{
	uint32_t hash = hash_base(name, len);

	*first = 0;
	*n = 0;
	if (!ef->slots)
		return false;
	for (uint32_t h = hash & ef->mask; ef->slots[h].first1; h = (h + 1) & ef->mask) {
		if (ef->slots[h].hash == hash && slot_has_base(ef, h, name, len)) {
			*first = ef->slots[h].first1 - 1;
			*n = ef->slots[h].n;
			return true;
		}
	}
	return false;
}

void elf_funcs__free(struct elf_funcs *ef)
{
	free(ef->syms);
	free(ef->slots);
	free(ef->names);
	memset(ef, 0, sizeof(*ef));
}
