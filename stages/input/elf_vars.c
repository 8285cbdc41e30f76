/* stages/input/elf_vars.c: see elf_vars.h. */
#include "stages/input/elf_vars.h"

#include "stages/input/reloc.h"
#include "stages/common/grow.h"

#include <errno.h>
#include <gelf.h>
#include <stdlib.h>
#include <string.h>

static const char *const filtered_prefixes[] = {
	"__UNIQUE_ID", "__tpstrtab_", "__exitcall_", "__gendwarfksyms_ptr_", "__func_stack_frame_non_standard_",
};

bool elf_vars__name_filtered(const char *name)
{
	for (size_t i = 0; i < sizeof(filtered_prefixes) / sizeof(filtered_prefixes[0]); i++)
		if (!strncmp(name, filtered_prefixes[i], strlen(filtered_prefixes[i])))
			return true;
	return false;
}

static int cmp_sec(const void *a, const void *b)
{
	const struct var_section *x = a, *y = b;

	return x->addr < y->addr ? -1 : x->addr > y->addr;
}

static int cmp_sym(const void *a, const void *b)
{
	const struct var_sym *x = a, *y = b;

	return x->addr < y->addr ? -1 : x->addr > y->addr;
}

static int add_section(struct elf_vars *v, size_t *cap, uint64_t addr, const GElf_Shdr *sh, size_t ndx,
		       const char *name)
{
	if (GROW(v->secs, *cap, v->nsecs + 1, 32))
		return -ENOMEM;
	v->secs[v->nsecs++] = (struct var_section){ addr, sh->sh_size, (uint32_t)ndx, name };
	return 0;
}

static int collect_sections(struct elf_vars *v, const struct input *in, bool global, Elf_Scn **symtab,
			    GElf_Shdr *symsh)
{
	Elf *elf = in->elf;
	Elf_Scn *scn = NULL;
	size_t shstrndx, cap = 0;

	*symtab = NULL;
	if (elf_getshdrstrndx(elf, &shstrndx) < 0)
		return 0;
	while ((scn = elf_nextscn(elf, scn))) {
		GElf_Shdr sh;
		const char *name;

		if (!gelf_getshdr(scn, &sh))
			continue;
		if (sh.sh_type == SHT_SYMTAB) {
			*symtab = scn;
			*symsh = sh;
		}
		/* variables live in loaded sections; .debug_* also start at 0 */
		if ((sh.sh_type != SHT_PROGBITS && sh.sh_type != SHT_NOBITS) || !sh.sh_size ||
		    !(sh.sh_flags & SHF_ALLOC))
			continue;
		name = elf_strptr(elf, shstrndx, sh.sh_name);
		if (!name || (!global && strcmp(name, VARS_PERCPU_SECTION)))
			continue;
		if (add_section(v, &cap, sh.sh_addr + reloc__section_base(in, elf_ndxscn(scn)), &sh, elf_ndxscn(scn),
				name))
			return -ENOMEM;
	}
	if (v->nsecs)
		qsort(v->secs, v->nsecs, sizeof(*v->secs), cmp_sec);
	return 0;
}

static bool slot_of_ndx(const struct elf_vars *v, size_t ndx)
{
	for (uint32_t i = 0; i < v->nsecs; i++)
		if (v->secs[i].ndx == ndx)
			return true;
	return false;
}

static int collect_symbols(struct elf_vars *v, const struct input *in, Elf_Scn *symtab, const GElf_Shdr *sh)
{
	Elf *elf = in->elf;
	Elf_Data *data = elf_getdata(symtab, NULL);
	size_t n = sh->sh_entsize ? sh->sh_size / sh->sh_entsize : 0, cap = 0;

	for (size_t i = 0; data && i < n; i++) {
		const char *name;
		GElf_Sym sym;

		if (!gelf_getsym(data, (int)i, &sym) || GELF_ST_TYPE(sym.st_info) != STT_OBJECT ||
		    !slot_of_ndx(v, sym.st_shndx) || !(name = elf_strptr(elf, sh->sh_link, sym.st_name)))
			continue;
		if (GROW(v->syms, cap, v->nsyms + 1, 1024))
			return -ENOMEM;
		v->syms[v->nsyms++] = (struct var_sym){ sym.st_value + reloc__section_base(in, sym.st_shndx),
							 sym.st_shndx, name };
	}
	if (v->nsyms)
		qsort(v->syms, v->nsyms, sizeof(*v->syms), cmp_sym);
	return 0;
}

int elf_vars__build(struct elf_vars *v, const struct input *in, bool global, struct fail *f)
{
	const char *path = in->path;
	Elf_Scn *symtab;
	GElf_Shdr symsh = { 0 };

	memset(v, 0, sizeof(*v));
	if (collect_sections(v, in, global, &symtab, &symsh) ||
	    (symtab && collect_symbols(v, in, symtab, &symsh)))
		return fail__set(f, -ENOMEM, "input: %s: out of memory", path);
	return 0;
}

int elf_vars__section(const struct elf_vars *v, uint64_t addr)
{
	uint32_t lo = 0, hi = v->nsecs;

	while (lo < hi) {	/* the last section starting at or below addr */
		uint32_t mid = lo + (hi - lo) / 2;

		if (v->secs[mid].addr <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo == 0 || addr - v->secs[lo - 1].addr >= v->secs[lo - 1].size)
		return -1;
	return (int)lo - 1;
}

bool elf_vars__has_symbol(const struct elf_vars *v, int slot, uint64_t addr, const char *name)
{
	uint32_t lo = 0, hi = v->nsyms;

	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;

		if (v->syms[mid].addr < addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (; lo < v->nsyms && v->syms[lo].addr == addr; lo++)
		if (v->syms[lo].shndx == v->secs[slot].ndx && name && !strcmp(v->syms[lo].name, name))
			return true;
	return false;
}

void elf_vars__free(struct elf_vars *v)
{
	free(v->secs);
	free(v->syms);
	memset(v, 0, sizeof(*v));
}
