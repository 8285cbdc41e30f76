/* stages/input/unit_refs.h: can a DIE of .debug_info refer into another unit?
 *
 * The writer lets the pages of a relocated input's units go once they are
 * written (stages/input/input.h, input__release_unit): a page let go comes
 * back from the file with its relocations undone. That is safe only if no
 * reader ever reads a unit other than its own, which the abbreviations
 * tell: only a DIE whose abbreviation has an attribute of form
 * DW_FORM_ref_addr (LTO, dwz), DW_FORM_ref_sig8 (a type unit, which may lie
 * anywhere in .debug_info), a supplementary or alternate file's reference,
 * or DW_FORM_indirect (the form is in the DIE, so anything) can.
 *
 * Pure function; any thread.
 */
#ifndef BTFSTREAM_UNIT_REFS_H
#define BTFSTREAM_UNIT_REFS_H

#include <stdbool.h>
#include <stddef.h>

/* True when some abbreviation of the .debug_abbrev bytes [p, p + n) has an
 * attribute of one of those forms, or when the bytes cannot be parsed to
 * their end (truncated, corrupt): "cannot tell" counts as "can". */
bool unit_refs__across(const unsigned char *p, size_t n);

#endif
