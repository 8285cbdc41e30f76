/* stages/input/elf_syms.c: see elf_syms.h. */
#include "stages/input/elf_syms.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* The string table at section strndx, if it is one and ends with a NUL. */
static void string_table(struct elf_syms *s)
{
	Elf_Scn *scn = elf_getscn(s->elf, s->strndx);
	Elf_Data *d;
	GElf_Shdr sh;

	s->strs = NULL;
	s->strs_size = 0;
	if (!scn || !gelf_getshdr(scn, &sh) || sh.sh_type != SHT_STRTAB || !(d = elf_getdata(scn, NULL)) ||
	    !d->d_buf || !d->d_size || ((const char *)d->d_buf)[d->d_size - 1] != '\0')
		return;
	s->strs = d->d_buf;
	s->strs_size = d->d_size;
}

bool elf_syms__open(struct elf_syms *s, Elf *elf)
{
	Elf_Scn *scn = NULL;
	Elf_Data *d;
	GElf_Shdr sh;
	size_t entsize;

	memset(s, 0, sizeof(*s));
	while ((scn = elf_nextscn(elf, scn)))
		if (gelf_getshdr(scn, &sh) && sh.sh_type == SHT_SYMTAB)
			break;
	if (!scn || !sh.sh_entsize || !(d = elf_getdata(scn, NULL)) || d->d_type != ELF_T_SYM || !d->d_buf)
		return false;
	s->is64 = gelf_getclass(elf) == ELFCLASS64;
	entsize = s->is64 ? sizeof(Elf64_Sym) : sizeof(Elf32_Sym);
	s->table = d->d_buf;
	s->count = d->d_size / entsize;
	s->elf = elf;
	s->strndx = sh.sh_link;
	string_table(s);
	return true;
}

int elf_syms__own_names(void *items, size_t n, size_t stride, size_t name_at, char **block)
{
	size_t total = 0, at = 0;
	char *copy;

	*block = NULL;
	for (size_t i = 0; i < n; i++) {
		const char *name;

		memcpy(&name, (char *)items + i * stride + name_at, sizeof(name));
		total += name ? strlen(name) + 1 : 0;
	}
	if (!total || !(copy = malloc(total)))
		return total ? -ENOMEM : 0;
	for (size_t i = 0; i < n; i++) {
		char *slot = (char *)items + i * stride + name_at;
		const char *name;
		size_t len;

		memcpy(&name, slot, sizeof(name));
		if (!name)
			continue;
		len = strlen(name) + 1;
		memcpy(copy + at, name, len);
		name = copy + at;
		memcpy(slot, &name, sizeof(name));
		at += len;
	}
	*block = copy;
	return 0;
}
