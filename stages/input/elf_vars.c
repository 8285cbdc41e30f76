/* stages/input/elf_vars.c: see elf_vars.h. */
#include "stages/input/elf_vars.h"

#include "stages/input/elf_syms.h"
#include "stages/input/reloc.h"
#include "stages/common/grow.h"

#include <errno.h>
#include <stddef.h>
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

static int collect_sections(struct elf_vars *v, const struct input *in, bool global)
{
	Elf *elf = in->elf;
	Elf_Scn *scn = NULL;
	size_t shstrndx, cap = 0;

	if (elf_getshdrstrndx(elf, &shstrndx) < 0)
		return 0;
	while ((scn = elf_nextscn(elf, scn))) {
		GElf_Shdr sh;
		const char *name;

		if (!gelf_getshdr(scn, &sh))
			continue;
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

/* The STT_OBJECT symbols in the collected sections, their names copied
 * (.strtab's pages may go: stages/input/elf_syms.h). */
static int collect_symbols(struct elf_vars *v, const struct input *in, const struct elf_syms *syms)
{
	size_t cap = 0;

	for (size_t i = 0; i < syms->count; i++) {
		struct elf_sym sym;

		elf_syms__get(syms, i, &sym);
		if (sym.type != STT_OBJECT || !slot_of_ndx(v, sym.shndx) || !sym.name)
			continue;
		if (GROW(v->syms, cap, v->nsyms + 1, 1024))
			return -ENOMEM;
		v->syms[v->nsyms++] = (struct var_sym){ sym.value + reloc__section_base(in, sym.shndx), sym.shndx,
							 sym.name };
	}
	if (v->nsyms)
		qsort(v->syms, v->nsyms, sizeof(*v->syms), cmp_sym);
	return elf_syms__own_names(v->syms, v->nsyms, sizeof(*v->syms), offsetof(struct var_sym, name), &v->names);
}

int elf_vars__build(struct elf_vars *v, const struct input *in, bool global, struct fail *f)
{
	struct elf_syms syms;

	memset(v, 0, sizeof(*v));
	if (collect_sections(v, in, global) ||
	    (v->nsecs && elf_syms__open(&syms, in->elf) && collect_symbols(v, in, &syms)))
		return fail__set(f, -ENOMEM, "input: %s: out of memory", in->path);
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
	free(v->names);
	memset(v, 0, sizeof(*v));
}
