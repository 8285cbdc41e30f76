/* stages/input/elf_vars.h: which variables get a VAR, and in which DATASEC.
 *
 * pahole v1.31's rules (docs/btf-rules.md, "Variables"): a file-scope,
 * non-artificial variable located by a lone DW_OP_addr belongs to the loaded
 * ELF section (PROGBITS or NOBITS) whose address range holds that address. By
 * default only ".data..percpu" counts (per-CPU variables); with global_var
 * every section does, one DATASEC each. Names pahole filters out are skipped,
 * and a variable at offset 0 of its section needs an STT_OBJECT symbol of
 * the same name there (variables the linker discarded also get address 0).
 *
 * In relocatable files sections and symbols are placed at the section bases
 * of stages/input/reloc.h, like the relocated DWARF addresses.
 *
 * elf_vars__build runs on the main thread before the readers start; afterwards
 * the table is read-only and any thread may call the lookups without locking.
 */
#ifndef BTFSTREAM_VARS_H
#define BTFSTREAM_VARS_H

#include <libelf.h>
#include <stdbool.h>
#include <stdint.h>

#include "stages/common/fail.h"
#include "stages/input/input.h"

#define VARS_PERCPU_SECTION ".data..percpu"

struct var_section {
	uint64_t addr, size;
	uint32_t ndx;		/* ELF section index: DATASECs come out in this order */
	const char *name;	/* in the input mapping */
};

struct var_sym {
	uint64_t addr;
	uint32_t shndx;
	const char *name;	/* in elf_vars.names */
};

struct elf_vars {
	struct var_section *secs;	/* the candidate sections, sorted by addr */
	uint32_t nsecs;
	struct var_sym *syms;		/* STT_OBJECT symbols in them, sorted by addr */
	uint32_t nsyms;
	char *names;			/* the symbols' names, copied out of .strtab */
};

/* Collect the sections (every PROGBITS/NOBITS one with global, else just the
 * per-CPU one) and their object symbols. Returns 0 or -ENOMEM (reason in f). */
int elf_vars__build(struct elf_vars *v, const struct input *in, bool global, struct fail *f);

/* The slot (index into v->secs) of the section holding addr, or -1. */
int elf_vars__section(const struct elf_vars *v, uint64_t addr);

/* Does section slot hold an STT_OBJECT symbol called name at addr? */
bool elf_vars__has_symbol(const struct elf_vars *v, int slot, uint64_t addr, const char *name);

/* Names pahole never turns into VARs (__UNIQUE_ID*, __tpstrtab_*, ...). */
bool elf_vars__name_filtered(const char *name);

void elf_vars__free(struct elf_vars *v);

#endif
