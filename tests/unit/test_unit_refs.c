/* tests/unit/test_unit_refs.c: unit_refs__across on hand-made .debug_abbrev
 * bytes (every form that reaches another unit, LEB128s of several bytes,
 * an implicit constant whose value looks like such a form, tables one
 * after the other, truncations), then on this test's own DWARF compared
 * with what libdw says each attribute's form is. */
#include "stages/input/unit_refs.h"
#include "tests/tap.h"
#include "tests/unit/dwarf_file.h"

#include <dwarf.h>
#include <stdint.h>

#define LEN(a) (sizeof(a) / sizeof((a)[0]))

/* code 1: DW_TAG_compile_unit, children, name strp; code 2: DW_TAG_member,
 * no children, name strp, type ref4; end of the table */
static const unsigned char plain[] = {
	1, 0x11, 1, 0x03, 0x0e, 0, 0,
	2, 0x0d, 0, 0x03, 0x0e, 0x49, 0x13, 0, 0,
	0,
};

/* decl_file as an implicit constant of 16 (the byte 0x10 is DW_FORM_ref_addr's
 * code), an attribute of two-byte code (DW_AT_GNU_call_site_value 0x2111)
 * of form data1, a form of two-byte code (DW_FORM_GNU_strp_alt 0x1f21) */
static const unsigned char tricky[] = {
	1, 0x34, 0, 0x3a, 0x21, 0x10, 0x49, 0x13, 0, 0,
	2, 0x48, 0, 0x91, 0x42, 0x0b, 0x03, 0xa1, 0x3e, 0, 0,
	0,
};

static bool across_with(uint8_t form_lo, uint8_t form_hi)
{
	/* plain's second table with its member's type in the form given */
	unsigned char b[] = { 1, 0x11, 1, 0x03, 0x0e, 0, 0, 0,
			      1, 0x0d, 0, 0x49, form_lo, form_hi, 0, 0, 0 };
	size_t n = sizeof(b);

	if (!(form_lo & 0x80)) {	/* a one-byte form: close the gap */
		memmove(b + 13, b + 14, n - 14);
		n--;
	}
	return unit_refs__across(b, n);
}

/* Whether any DIE of path has an attribute whose form reaches another unit,
 * as libdw reads it. */
static int libdw_across_cb(Dwarf_Attribute *a, void *arg)
{
	unsigned int f = dwarf_whatform(a);

	if (f == DW_FORM_ref_addr || f == DW_FORM_ref_sig8 || f == DW_FORM_ref_sup4 || f == DW_FORM_ref_sup8 ||
	    f == 0x1f20)
		*(bool *)arg = true;
	return DWARF_CB_OK;
}

static void walk(Dwarf_Die *die, bool *across)
{
	Dwarf_Die child;

	dwarf_getattrs(die, libdw_across_cb, across, 0);
	if (dwarf_child(die, &child) == 0)
		do
			walk(&child, across);
		while (dwarf_siblingof(&child, &child) == 0);
}

static bool libdw_across(Dwarf *dw)
{
	Dwarf_Off off = 0, next;
	size_t hsize;
	bool across = false;

	while (dwarf_nextcu(dw, off, &next, &hsize, NULL, NULL, NULL) == 0) {
		Dwarf_Die cu;

		if (dwarf_offdie(dw, off + hsize, &cu))
			walk(&cu, &across);
		off = next;
	}
	return across;
}

int main(void)
{
	const char *files[] = { "/proc/self/exe", getenv("BTFSTREAM") };
	struct dwarf_file f;

	ok(!unit_refs__across(plain, sizeof(plain)), "strp and ref4 only: no unit refers into another");
	ok(!unit_refs__across(NULL, 0), "no abbreviations: none");
	ok(!unit_refs__across(tricky, sizeof(tricky)),
	   "an implicit constant of 16, two-byte attribute and form codes: none");
	ok(!across_with(0x13, 0), "second table, ref4: none");
	ok(across_with(0x10, 0), "second table, DW_FORM_ref_addr: across");
	ok(across_with(0x20, 0), "DW_FORM_ref_sig8 (a type unit anywhere): across");
	ok(across_with(0x16, 0), "DW_FORM_indirect (the form is in the DIE): across");
	ok(across_with(0x1c, 0) && across_with(0x24, 0), "DW_FORM_ref_sup4, DW_FORM_ref_sup8: across");
	ok(across_with(0xa0, 0x3e), "DW_FORM_GNU_ref_alt (two-byte code 0x1f20): across");
	for (size_t cut = 1; cut < sizeof(plain) - 1; cut++)
		if (!unit_refs__across(plain, cut) && plain[cut - 1] != 0)
			return ok(0, "plain cut at %zu bytes reads as complete", cut), exit_status();
	ok(1, "plain cut anywhere inside an abbreviation: cannot tell, so across");
	{
		unsigned char unterminated[] = { 1, 0x11, 1, 0x03, 0x8e };	/* a LEB128 that never ends */

		ok(unit_refs__across(unterminated, sizeof(unterminated)), "an unterminated LEB128: across");
	}

	/* this test and the btfstream binary (when make check names it), both
	 * built with -g: the scan agrees with libdw */
	elf_version(EV_CURRENT);
	for (size_t i = 0; i < LEN(files); i++) {
		Elf_Scn *scn = NULL;
		size_t shstrndx;
		bool found = false;

		if (!files[i])
			continue;
		if (!ok(dwarf_file__open(&f, files[i]), "%s: has DWARF", files[i]))
			continue;
		elf_getshdrstrndx(f.elf, &shstrndx);
		while ((scn = elf_nextscn(f.elf, scn))) {
			GElf_Shdr sh;
			Elf_Data *d;
			const char *name;

			if (!gelf_getshdr(scn, &sh) || !(name = elf_strptr(f.elf, shstrndx, sh.sh_name)) ||
			    strcmp(name, ".debug_abbrev") || !(d = elf_getdata(scn, NULL)))
				continue;
			found = true;
			is_int(unit_refs__across(d->d_buf, d->d_size), libdw_across(f.dw),
			       "%s: .debug_abbrev (%zu bytes): the scan says what libdw's forms say", files[i],
			       (size_t)d->d_size);
		}
		ok(found, "%s: has a .debug_abbrev", files[i]);
		dwarf_file__close(&f);
	}
	done_testing();
	return exit_status();
}
