/* stages/read/param_loc.h: the register a parameter arrives in, from its
 * DW_AT_location, read straight from the section bytes.
 *
 * The calling-convention check (stages/read/read_func.c) looks at the location
 * of every parameter of every function with a symbol. Through libdw, each
 * location expression read is parsed and kept in a per-CU cache until the
 * handle is closed (8 MB on the vmlinux), under a lock shared by the
 * readers. The check needs little, and follows pahole v1.31's reading:
 * every entry of the location list, in order, whose expression is one
 * operation (a trailing DW_OP_stack_value aside) gives a candidate:
 *   - DW_OP_reg0..31 in the list's first entry: that register (a plain
 *     register in a later entry, or DW_OP_regx, gives none);
 *   - DW_OP_entry_value (or the GNU one) whose own expression is one
 *     operation, in any entry: DW_OP_regN gives N, anything else
 *     PARAM_LOC_OTHER (never the expected register).
 * The answer is the expected register if any candidate is it (a bool first
 * copied to another register, then described as DW_OP_entry_value(RSI), is
 * where the ABI puts it), else the last candidate, else PARAM_LOC_NO_REG (no
 * register: the parameter counts as optimised away).
 *
 * A list is found by its offset (DW_FORM_sec_offset: GCC) or by its index
 * in the CU's table of offsets at DW_AT_loclists_base (DW_FORM_loclistx:
 * clang). Through libdw the vmlinux at -j2 took 23% more CPU and 9 MB more
 * peak RSS (docs/design.md, "Session 20").
 *
 * param_loc__reg declines (PARAM_LOC_ASK_LIBDW) for anything else: a list in
 * a form or layout it does not know (DW_FORM_loclistx without a base, a list
 * kind it has no length for, bytes running past the section, an operation it
 * cannot step over): the caller then asks libdw, which reads everything.
 *
 * The lists are read from the mapping, or, where pipeline.c says the file
 * holds the bytes as they are, with pread through the reader's windows
 * (stages/read/sec_window.h: a fault in the mapping maps far more than a
 * list). A list read partly (it runs past what the window holds) is read
 * again with more.
 *
 * Any thread; the windows are the calling reader's own.
 */
#ifndef BTFSTREAM_PARAM_LOC_H
#define BTFSTREAM_PARAM_LOC_H

#include <elfutils/libdw.h>
#include <stdbool.h>
#include <stdint.h>

#include "stages/read/sec_window.h"

#define PARAM_LOC_NO_REG (-1)
#define PARAM_LOC_ASK_LIBDW (-2)
#define PARAM_LOC_OTHER 0x10000	/* a candidate that is no DW_OP_regN */

/* Where the lists are: in the mapping (the pointers), else in the file (the
 * sec_files, read with pread), else nowhere (libdw is asked). */
struct param_loc_sections {
	const unsigned char *loclists, *loclists_end;	/* .debug_loclists (DWARF 5); NULL: none */
	const unsigned char *loc, *loc_end;		/* .debug_loc (DWARF 2-4); NULL: none */
	struct sec_file loclists_file, loc_file;	/* the same sections in the file */
};

/* A reader's windows on the sections in the file (zeroed to start). */
struct param_loc_windows {
	struct sec_window loclists, loc;
};

/* Bytes a list is first looked for in a window (most are a few dozen). */
#define PARAM_LOC_LIST_BYTES 256

struct param_loc_cu {
	uint8_t version, address_size, offset_size;
	bool big_endian;
	uint64_t loclists_base;	/* the CU's DW_AT_loclists_base (DW_FORM_loclistx); 0: none */
};

/* expected: the DWARF register the ABI puts the parameter in. Returns a
 * register (DWARF number), PARAM_LOC_OTHER, PARAM_LOC_NO_REG, or
 * PARAM_LOC_ASK_LIBDW. */
int param_loc__reg(const struct param_loc_sections *s, struct param_loc_windows *w, const struct param_loc_cu *cu,
		   const Dwarf_Attribute *at, int expected);

#endif
