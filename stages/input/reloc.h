/* stages/input/reloc.h: relocations of the DWARF in relocatable files (.ko, .o).
 *
 * In an ET_REL file the DWARF sections hold zeros where the linker would put
 * string offsets, addresses and unit offsets; the .rela.debug_* sections say
 * what goes there. reloc__apply writes them into the input's private mapping
 * (nothing reaches the file) before any libdw handle is opened, for x86-64,
 * arm64 and s390x. Each section gets a base address of its own, index << 32
 * (reloc__section_base), so addresses in different sections never collide;
 * stages/input/elf_vars.c and stages/input/elf_funcs.c place symbols with the same bases.
 * Type 0 (R_*_NONE in every psABI; ld.lld -r leaves it where a relocation
 * pointed into a discarded section) is skipped on every machine; any other
 * type that is not an absolute 4- or 8-byte one fails with its number.
 * Main thread only, at input time.
 */
#ifndef BTFSTREAM_RELOC_H
#define BTFSTREAM_RELOC_H

#include <stdint.h>

#include "stages/common/fail.h"
#include "stages/input/input.h"

/* The address a relocatable file's section ndx starts at (0 otherwise). */
static inline uint64_t reloc__section_base(const struct input *in, uint64_t ndx)
{
	return in->relocatable ? ndx << 32 : 0;
}

/* Applies every relocation that targets a .debug_* section. Returns 0 (also
 * for files that are not ET_REL) or -errno with the reason in f. */
int reloc__apply(struct input *in, struct fail *f);

#endif
