/* stages/input/elf_kfuncs.c: see elf_kfuncs.h. */
#include "stages/input/elf_kfuncs.h"
#include "stages/input/elf_syms.h"
#include "stages/common/grow.h"

#include <ctype.h>
#include <errno.h>
#include <gelf.h>
#include <stdlib.h>
#include <string.h>

#define SET8_PREFIX "__BTF_ID__set8__"
#define FUNC_PREFIX "__BTF_ID__func__"

struct range {
	uint64_t start, end;
};

struct ids_section {
	size_t ndx;
	uint64_t addr;
	const unsigned char *data;
	size_t size;
	bool big_endian;
};

static bool read_u32(const struct ids_section *s, uint64_t addr, uint32_t *v)
{
	const unsigned char *p;

	if (addr < s->addr || addr - s->addr + 4 > s->size)
		return false;
	p = s->data + (addr - s->addr);
	*v = s->big_endian ? (uint32_t)p[0] << 24 | p[1] << 16 | p[2] << 8 | p[3]
			   : (uint32_t)p[3] << 24 | p[2] << 16 | p[1] << 8 | p[0];
	return true;
}

static bool find_ids(Elf *elf, struct ids_section *s)
{
	Elf_Scn *scn = NULL;
	size_t shstrndx;

	if (elf_getshdrstrndx(elf, &shstrndx) < 0)
		return false;
	while ((scn = elf_nextscn(elf, scn))) {
		GElf_Shdr sh;
		const char *name;
		Elf_Data *d;

		if (!gelf_getshdr(scn, &sh))
			continue;
		name = elf_strptr(elf, shstrndx, sh.sh_name);
		if (name && !strcmp(name, KFUNCS_SECTION) && sh.sh_type == SHT_PROGBITS &&
		    (d = elf_rawdata(scn, NULL))) {
			s->ndx = elf_ndxscn(scn);
			s->addr = sh.sh_addr;
			s->data = d->d_buf;
			s->size = d->d_size;
			return true;
		}
	}
	return false;
}

/* "__BTF_ID__func__NAME__123" -> "NAME", or NULL. */
static char *kfunc_name(const char *sym)
{
	const char *p = sym + strlen(FUNC_PREFIX), *end = p + strlen(p);
	const char *q = end;

	while (q > p && isdigit((unsigned char)q[-1]))
		q--;
	if (q == end || q - p < 3 || q[-1] != '_' || q[-2] != '_')
		return NULL;
	return strndup(p, (size_t)(q - 2 - p));
}

static int cmp_kfunc(const void *a, const void *b)
{
	return strcmp(((const struct kfunc *)a)->name, ((const struct kfunc *)b)->name);
}

static bool in_ranges(const struct range *r, size_t n, uint64_t addr)
{
	for (size_t i = 0; i < n; i++)
		if (addr >= r[i].start && addr < r[i].end)
			return true;
	return false;
}

/* Two passes over the symbols: the kfunc set8 ranges, then their functions. */
static int collect(struct elf_kfuncs *k, const struct ids_section *s, const struct elf_syms *syms)
{
	size_t nr = 0, cap = 0, kcap = 0;
	struct range *ranges = NULL;
	int err = 0;

	for (int pass = 0; pass < 2 && !err; pass++) {
		for (size_t i = 0; i < syms->count && !err; i++) {
			uint32_t flags;
			struct elf_sym sym;

			elf_syms__get(syms, i, &sym);
			if (sym.shndx != s->ndx || !sym.name)
				continue;
			if (pass == 0 && !strncmp(sym.name, SET8_PREFIX, strlen(SET8_PREFIX)) &&
			    read_u32(s, sym.value + 4, &flags) && (flags & BTF_SET8_KFUNCS)) {
				if (GROW(ranges, cap, nr + 1, 64)) {
					err = -ENOMEM;
					break;
				}
				ranges[nr++] = (struct range){ sym.value, sym.value + sym.size };
			} else if (pass == 1 && !strncmp(sym.name, FUNC_PREFIX, strlen(FUNC_PREFIX)) &&
				   in_ranges(ranges, nr, sym.value) && read_u32(s, sym.value + 4, &flags)) {
				char *fn = kfunc_name(sym.name);

				if (!fn)
					continue;
				if (GROW(k->list, kcap, k->count + 1, 64)) {
					free(fn);
					err = -ENOMEM;
					break;
				}
				k->list[k->count++] = (struct kfunc){ .name = fn, .flags = flags };
			}
		}
	}
	free(ranges);
	return err;
}

int elf_kfuncs__build(struct elf_kfuncs *k, Elf *elf, bool big_endian, const char *path, struct fail *f)
{
	struct ids_section s = { .big_endian = big_endian };
	struct elf_syms syms;
	uint32_t out = 0;

	memset(k, 0, sizeof(*k));
	if (!find_ids(elf, &s) || !elf_syms__open(&syms, elf))
		return 0;
	if (collect(k, &s, &syms))
		return fail__set(f, -ENOMEM, "input: %s: out of memory", path);
	if (k->count)
		qsort(k->list, k->count, sizeof(*k->list), cmp_kfunc);
	for (uint32_t i = 0; i < k->count; i++) {	/* a kfunc in several sets: flags OR-ed */
		if (out && !strcmp(k->list[out - 1].name, k->list[i].name)) {
			k->list[out - 1].flags |= k->list[i].flags;
			free(k->list[i].name);
		} else {
			k->list[out++] = k->list[i];
		}
	}
	k->count = out;
	return 0;
}

const struct kfunc *elf_kfuncs__find(const struct elf_kfuncs *k, const char *name)
{
	struct kfunc key = { .name = (char *)name };

	return k->count ? bsearch(&key, k->list, k->count, sizeof(key), cmp_kfunc) : NULL;
}

void elf_kfuncs__free(struct elf_kfuncs *k)
{
	for (uint32_t i = 0; i < k->count; i++)
		free(k->list[i].name);
	free(k->list);
	memset(k, 0, sizeof(*k));
}
