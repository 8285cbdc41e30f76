/* stages/input/elf_funcs.h: the ELF function symbols that decide which DWARF functions
 * may become a BTF FUNC.
 *
 * elf_funcs__build runs on the main thread before the readers start; afterwards
 * the table is read-only and any thread may call the lookups without locking.
 * Names are cut at the first '.', so foo.isra.0, foo.constprop.0, foo.part.1
 * and foo.cold all count under "foo" (see docs/btf-rules.md, "Functions").
 */
#ifndef BTFSTREAM_FUNCS_H
#define BTFSTREAM_FUNCS_H

#include <libelf.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "stages/common/fail.h"
#include "stages/input/input.h"

struct elf_func {
	const char *name;	/* full symbol name, in elf_funcs.names */
	uint64_t addr;
	uint32_t base_len;	/* length of the name up to the first '.' */
	bool suffixed;		/* the name has a '.' suffix (a clone or a part) */
};

#define ELF_FUNCS_NO_AT UINT32_MAX

struct elf_funcs {
	struct elf_func *syms;	/* each base name's symbols together, by (addr, name) */
	uint32_t count;
	/* base name -> its run in syms: (first + 1, n) per slot, 0 empty; open
	 * addressing by a hash of the base name (a binary search read a dozen
	 * names, each a cache miss, for every function of every CU). Each slot
	 * keeps the whole hash: a probe compares names only when it matches, so
	 * a name without a symbol (a third of the lookups on the vmlinux) and
	 * the slots probed past read neither syms nor .strtab. And where the
	 * run's first name lies in names (name_at), so that a match is checked
	 * there without a load of its symbol first (ELF_FUNCS_NO_AT: through
	 * syms, for names past 4 GiB) */
	struct { uint32_t first1, n, hash, name_at; } *slots;
	uint32_t mask;		/* slots - 1, a power of two minus one */
	char *names;		/* the symbols' names, copied out of .strtab in syms order */
};

/* Collects the STT_FUNC symbols of .symtab. A file without .symtab has none.
 * Returns 0 or -ENOMEM (reason in f). */
int elf_funcs__build(struct elf_funcs *ef, const struct input *in, struct fail *f);

/* The symbols whose base name is name[0..len): *first and *n, or false. */
bool elf_funcs__find(const struct elf_funcs *ef, const char *name, size_t len, uint32_t *first, uint32_t *n);

void elf_funcs__free(struct elf_funcs *ef);

#endif
