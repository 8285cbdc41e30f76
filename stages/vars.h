/* stages/vars.h: which variables get a VAR, and in which DATASEC.
 *
 * pahole's default rule: per-CPU variables only, i.e. DWARF variables whose
 * address (DW_OP_addr) is the address of an ELF STT_OBJECT symbol of non-zero
 * size in the ".data..percpu" section, and whose name is that symbol's name
 * (variables the linker discarded also have address 0, the per-CPU section's
 * start, so the address alone does not identify a variable).
 *
 * vars__build runs on the main thread before the readers start; afterwards the
 * table is read-only and any thread may call vars__lookup without locking.
 */
#ifndef BTFSTREAM_VARS_H
#define BTFSTREAM_VARS_H

#include <libelf.h>
#include <stdbool.h>
#include <stdint.h>

#include "stages/fail.h"

#define VARS_PERCPU_SECTION ".data..percpu"

struct var_sym {
	uint64_t addr;
	uint64_t size;
	const char *name;	/* in the ELF string table (the input mapping) */
};

struct vars {
	struct var_sym *syms;	/* sorted by addr */
	uint32_t count;
	bool has_section;	/* the ELF has a per-CPU section */
	uint64_t sec_addr;	/* its address and size */
	uint64_t sec_size;
};

/* Collects the per-CPU symbols of elf. A file without the section or without
 * a symbol table simply has none. Returns 0 or -ENOMEM (reason in f). */
int vars__build(struct vars *v, Elf *elf, const char *path, struct fail *f);

/* The symbol named name at exactly addr, or NULL. */
const struct var_sym *vars__lookup(const struct vars *v, uint64_t addr, const char *name);

void vars__free(struct vars *v);

#endif
