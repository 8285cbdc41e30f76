/* stages/input/elf_syms.h: the symbols of .symtab, read where libelf holds them.
 *
 * gelf_getsym copies each symbol into a GElf_Sym through a call per symbol,
 * and elf_strptr checks the string table again for every name: on the
 * Debian vmlinux (~150K symbols) that was most of elf_funcs__build, on the
 * main thread before any reader starts. elf_getdata already gives the
 * table in the host's layout (converted from the file's byte order if need
 * be), so the symbols are read from that array, and the names from the
 * linked string table's bytes, once that table is known to end with a NUL
 * (every offset inside it then starts a terminated string); when it does
 * not, each name goes through elf_strptr, which says NULL for a bad one.
 *
 * elf_funcs, elf_vars and elf_kfuncs read their symbols through it.
 * elf_syms__own_names then copies the names a table kept into one block of
 * its own, so that .strtab's pages can go once the tables are built
 * (stages/input/input.c releases them with .symtab's).
 *
 * Any thread, on an Elf no other thread is changing; the struct borrows
 * libelf's data and lives no longer than the Elf.
 */
#ifndef BTFSTREAM_ELF_SYMS_H
#define BTFSTREAM_ELF_SYMS_H

#include <gelf.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct elf_syms {
	const void *table;	/* Elf32_Sym[] or Elf64_Sym[], host layout */
	size_t count;
	bool is64;
	const char *strs;	/* the linked string table, if it ends with a NUL; else NULL */
	size_t strs_size;
	Elf *elf;
	size_t strndx;		/* its section index (for elf_strptr) */
};

/* One symbol, widened. name is NULL when st_name is out of the table (an
 * empty name is ""). */
struct elf_sym {
	uint64_t value, size;
	uint32_t shndx;
	unsigned char type, bind;
	const char *name;
};

/* The first SHT_SYMTAB section of elf: true and *s set up, or false (none,
 * or one libelf cannot give as symbols). */
bool elf_syms__open(struct elf_syms *s, Elf *elf);

static inline void elf_syms__get(const struct elf_syms *s, size_t i, struct elf_sym *out)
{
	uint32_t name;

	if (s->is64) {
		const Elf64_Sym *e = (const Elf64_Sym *)s->table + i;

		*out = (struct elf_sym){ e->st_value, e->st_size, e->st_shndx, ELF64_ST_TYPE(e->st_info),
					 ELF64_ST_BIND(e->st_info), NULL };
		name = e->st_name;
	} else {
		const Elf32_Sym *e = (const Elf32_Sym *)s->table + i;

		*out = (struct elf_sym){ e->st_value, e->st_size, e->st_shndx, ELF32_ST_TYPE(e->st_info),
					 ELF32_ST_BIND(e->st_info), NULL };
		name = e->st_name;
	}
	if (s->strs)
		out->name = name < s->strs_size ? s->strs + name : NULL;
	else
		out->name = elf_strptr(s->elf, s->strndx, name);
}

/*
 * Copies the names of n items into one malloc'd block (*block; the caller
 * frees it) and points each item at its copy. The name of item i is the
 * const char * at byte name_at of items + i * stride (NULL stays NULL).
 * Returns 0 or -ENOMEM (the items then still point where they did).
 */
int elf_syms__own_names(void *items, size_t n, size_t stride, size_t name_at, char **block);

#endif
