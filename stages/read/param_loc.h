/* stages/read/param_loc.h: the register a parameter arrives in, from its
 * DW_AT_location, read straight from the section bytes.
 *
 * The calling-convention check (stages/read/read_func.c) looks at the location
 * of every parameter of every function with a symbol. Through libdw, each
 * location expression read is parsed and kept in a per-CU cache until the
 * handle is closed (8 MB on the vmlinux), under a lock shared by the
 * readers. The check needs little: for each entry of the location list, in
 * order, whether its expression is one operation (a trailing
 * DW_OP_stack_value aside), and if so a DW_OP_regN/regx (first entry only)
 * or a DW_OP_entry_value whose own expression is one DW_OP_regN/regx.
 *
 * param_loc__reg declines (PARAM_LOC_ASK_LIBDW) for anything else: a list in
 * a form or layout it does not know (DW_FORM_loclistx, a list kind it has
 * no length for, bytes running past the section): the caller then asks
 * libdw, which is right for everything.
 *
 * Pure function of its arguments; any thread.
 */
#ifndef BTFSTREAM_PARAM_LOC_H
#define BTFSTREAM_PARAM_LOC_H

#include <elfutils/libdw.h>
#include <stdbool.h>
#include <stdint.h>

#define PARAM_LOC_NO_REG (-1)
#define PARAM_LOC_ASK_LIBDW (-2)

struct param_loc_sections {
	const unsigned char *loclists, *loclists_end;	/* .debug_loclists (DWARF 5); NULL: none */
	const unsigned char *loc, *loc_end;		/* .debug_loc (DWARF 2-4); NULL: none */
};

struct param_loc_cu {
	uint8_t version, address_size, offset_size;
	bool big_endian;
};

/* The register (DWARF number), PARAM_LOC_NO_REG, or PARAM_LOC_ASK_LIBDW. */
int param_loc__reg(const struct param_loc_sections *s, const struct param_loc_cu *cu, const Dwarf_Attribute *at);

#endif
