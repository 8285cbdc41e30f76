/* stages/vars.c: see vars.h. */
#include "stages/vars.h"

#include <errno.h>
#include <gelf.h>
#include <stdlib.h>
#include <string.h>

/* pahole's check for a name BTF accepts: [A-Za-z_][A-Za-z0-9_.]* */
static bool name_valid(const char *s)
{
	if (!s || !(*s == '_' || (*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z')))
		return false;
	for (s++; *s; s++)
		if (!(*s == '_' || *s == '.' || (*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		      (*s >= '0' && *s <= '9')))
			return false;
	return true;
}

static Elf_Scn *find_section(Elf *elf, const char *want, GElf_Shdr *out, size_t *ndx)
{
	Elf_Scn *scn = NULL;
	size_t shstrndx;

	if (elf_getshdrstrndx(elf, &shstrndx) < 0)
		return NULL;
	while ((scn = elf_nextscn(elf, scn))) {
		const char *name;

		if (!gelf_getshdr(scn, out))
			continue;
		name = elf_strptr(elf, shstrndx, out->sh_name);
		if (name && !strcmp(name, want)) {
			*ndx = elf_ndxscn(scn);
			return scn;
		}
	}
	return NULL;
}

static int cmp_addr(const void *a, const void *b)
{
	const struct var_sym *x = a, *y = b;

	return x->addr < y->addr ? -1 : x->addr > y->addr;
}

static int collect(struct vars *v, Elf *elf, Elf_Scn *symscn, const GElf_Shdr *symsh, size_t pcpu_ndx)
{
	Elf_Data *data = elf_getdata(symscn, NULL);
	size_t n = symsh->sh_entsize ? symsh->sh_size / symsh->sh_entsize : 0, cap = 0;

	for (size_t i = 0; data && i < n; i++) {
		const char *name;
		GElf_Sym sym;

		if (!gelf_getsym(data, (int)i, &sym) || sym.st_shndx != pcpu_ndx ||
		    GELF_ST_TYPE(sym.st_info) != STT_OBJECT || sym.st_size == 0)
			continue;
		name = elf_strptr(elf, symsh->sh_link, sym.st_name);
		if (!name_valid(name))
			continue;
		if (v->count == cap) {
			struct var_sym *ns;

			cap = cap ? cap * 2 : 256;
			ns = realloc(v->syms, cap * sizeof(*ns));
			if (!ns)
				return -ENOMEM;
			v->syms = ns;
		}
		v->syms[v->count].addr = sym.st_value;
		v->syms[v->count].size = sym.st_size;
		v->syms[v->count].name = name;
		v->count++;
	}
	qsort(v->syms, v->count, sizeof(*v->syms), cmp_addr);
	return 0;
}

int vars__build(struct vars *v, Elf *elf, const char *path, struct fail *f)
{
	GElf_Shdr pcpu, symsh;
	size_t pcpu_ndx, sym_ndx;
	Elf_Scn *symscn;

	memset(v, 0, sizeof(*v));
	if (!find_section(elf, VARS_PERCPU_SECTION, &pcpu, &pcpu_ndx))
		return 0;
	v->has_section = true;
	v->sec_addr = pcpu.sh_addr;
	v->sec_size = pcpu.sh_size;
	symscn = find_section(elf, ".symtab", &symsh, &sym_ndx);
	if (!symscn)
		return 0;
	if (collect(v, elf, symscn, &symsh, pcpu_ndx))
		return fail__set(f, -ENOMEM, "vars: %s: out of memory", path);
	return 0;
}

const struct var_sym *vars__lookup(const struct vars *v, uint64_t addr, const char *name)
{
	uint32_t lo = 0, hi = v->count;

	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;

		if (v->syms[mid].addr < addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (; lo < v->count && v->syms[lo].addr == addr; lo++)
		if (name && !strcmp(v->syms[lo].name, name))
			return &v->syms[lo];
	return NULL;
}

void vars__free(struct vars *v)
{
	free(v->syms);
	memset(v, 0, sizeof(*v));
}
