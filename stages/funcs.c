/* stages/funcs.c: see funcs.h. */
#include "stages/funcs.h"

#include "stages/reloc.h"

#include <errno.h>
#include <gelf.h>
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

static Elf_Scn *find_symtab(Elf *elf, GElf_Shdr *sh)
{
	Elf_Scn *scn = NULL;

	while ((scn = elf_nextscn(elf, scn)))
		if (gelf_getshdr(scn, sh) && sh->sh_type == SHT_SYMTAB)
			return scn;
	return NULL;
}

int funcs__build(struct elf_funcs *ef, const struct input *in, struct fail *f)
{
	Elf *elf = in->elf;
	const char *path = in->path;
	Elf_Data *data;
	GElf_Shdr sh;
	Elf_Scn *scn;
	size_t n, cap = 0;

	memset(ef, 0, sizeof(*ef));
	scn = find_symtab(elf, &sh);
	if (!scn || !sh.sh_entsize || !(data = elf_getdata(scn, NULL)))
		return 0;
	n = sh.sh_size / sh.sh_entsize;
	for (size_t i = 0; i < n; i++) {
		const char *name, *dot;
		GElf_Sym sym;

		if (!gelf_getsym(data, (int)i, &sym) || GELF_ST_TYPE(sym.st_info) != STT_FUNC ||
		    sym.st_shndx == SHN_UNDEF)
			continue;
		name = elf_strptr(elf, sh.sh_link, sym.st_name);
		if (!name || !*name)
			continue;
		if (ef->count == cap) {
			struct elf_func *ns;

			cap = cap ? cap * 2 : 4096;
			ns = realloc(ef->syms, cap * sizeof(*ns));
			if (!ns)
				return fail__set(f, -ENOMEM, "funcs: %s: out of memory", path);
			ef->syms = ns;
		}
		dot = strchr(name, '.');
		ef->syms[ef->count++] = (struct elf_func){
			.name = name,
			.base_len = (uint32_t)(dot ? (size_t)(dot - name) : strlen(name)),
			.addr = sym.st_value + reloc__section_base(in, sym.st_shndx),
			.suffixed = dot != NULL,
		};
	}
	if (ef->count)
		qsort(ef->syms, ef->count, sizeof(*ef->syms), cmp_func);
	return 0;
}

bool funcs__find(const struct elf_funcs *ef, const char *name, size_t len, uint32_t *first, uint32_t *n)
{
	uint32_t lo = 0, hi = ef->count, end;

	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;

		if (cmp_base(ef->syms[mid].name, ef->syms[mid].base_len, name, len) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (end = lo; end < ef->count && !cmp_base(ef->syms[end].name, ef->syms[end].base_len, name, len); end++)
		;
	*first = lo;
	*n = end - lo;
	return end > lo;
}

void funcs__free(struct elf_funcs *ef)
{
	free(ef->syms);
	memset(ef, 0, sizeof(*ef));
}
