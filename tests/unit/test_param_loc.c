/* tests/unit/test_param_loc.c: param_loc__reg against libdw.
 *
 * For every DIE with a DW_AT_location in this test's own executable and in
 * the btfstream binary (both -O2 -g: location lists, DW_OP_entry_value,
 * DW_OP_stack_value), the register param_loc__reg finds must be the one
 * libdw's dwarf_getlocations gives by the same rule (stages/read/param_loc.h),
 * whenever param_loc__reg does not decline.
 */
#include <dwarf.h>
#include <elfutils/libdw.h>
#include <stdlib.h>

#include "stages/read/param_loc.h"
#include "tests/unit/dwarf_file.h"
#include "tests/tap.h"

struct tally {
	unsigned long seen, answered, declined, wrong, regs, lists;
};

static int reg_of(const Dwarf_Op *op)
{
	if (op->atom >= DW_OP_reg0 && op->atom <= DW_OP_reg31)
		return op->atom - DW_OP_reg0;
	return op->atom == DW_OP_regx ? (int)op->number : PARAM_LOC_NO_REG;
}

/* The rule, through libdw. */
static int libdw_reg(Dwarf_Attribute *at)
{
	Dwarf_Addr base, start, end;
	Dwarf_Op *expr, *ops;
	ptrdiff_t off = 0;
	size_t len, n;
	int reg = PARAM_LOC_NO_REG;

	for (int k = 0; reg < 0 && (off = dwarf_getlocations(at, off, &base, &start, &end, &expr, &len)) > 0; k++) {
		Dwarf_Attribute inner;

		if (len == 2 && expr[1].atom == DW_OP_stack_value)
			len = 1;
		if (len != 1)
			continue;
		if (k == 0)
			reg = reg_of(&expr[0]);
		if (reg < 0 && (expr[0].atom == DW_OP_entry_value || expr[0].atom == DW_OP_GNU_entry_value) &&
		    dwarf_getlocation_attr(at, &expr[0], &inner) == 0 && dwarf_getlocation(&inner, &ops, &n) == 0 &&
		    n == 1)
			reg = reg_of(&ops[0]);
	}
	return reg;
}

static void walk(const struct param_loc_sections *s, const struct param_loc_cu *cu, Dwarf_Die *die,
		 struct tally *t, int depth)
{
	Dwarf_Attribute at;
	Dwarf_Die child;

	if (dwarf_attr(die, DW_AT_location, &at)) {
		int mine = param_loc__reg(s, cu, &at), theirs = libdw_reg(&at);

		t->seen++;
		t->lists += at.form == DW_FORM_sec_offset;
		if (mine == PARAM_LOC_ASK_LIBDW) {
			t->declined++;
		} else {
			t->answered++;
			t->regs += mine >= 0;
			if (mine != theirs && t->wrong++ < 5)
				diag("DIE 0x%llx: register %d, libdw says %d", (unsigned long long)dwarf_dieoffset(die),
				     mine, theirs);
		}
	}
	if (depth < 64 && dwarf_child(die, &child) == 0)
		do
			walk(s, cu, &child, t, depth + 1);
		while (dwarf_siblingof(&child, &child) == 0);
}

static bool check_file(const char *path, struct tally *t)
{
	struct param_loc_sections s = { 0 };
	struct dwarf_file f;
	Dwarf_Off off = 0, next;
	size_t hsize, n;
	Dwarf_Half version;
	uint8_t asize, osize;
	Dwarf *dw;

	if (!dwarf_file__open(&f, path))
		return false;
	dw = f.dw;
	if ((s.loclists = dwarf_file__section(&f, ".debug_loclists", &n)))
		s.loclists_end = s.loclists + n;
	if ((s.loc = dwarf_file__section(&f, ".debug_loc", &n)))
		s.loc_end = s.loc + n;
	while (dwarf_next_unit(dw, off, &next, &hsize, &version, NULL, &asize, &osize, NULL, NULL) == 0) {
		struct param_loc_cu cu = { .version = (uint8_t)version, .address_size = asize, .offset_size = osize };
		Dwarf_Die cudie;

		if (dwarf_offdie(dw, off + hsize, &cudie))
			walk(&s, &cu, &cudie, t, 0);
		off = next;
	}
	dwarf_file__close(&f);
	return true;
}

int main(void)
{
	const char *files[] = { "/proc/self/exe", getenv("BTFSTREAM") };
	struct tally t = { 0 };

	elf_version(EV_CURRENT);
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++)
		if (files[i])
			ok(check_file(files[i], &t), "%s: has DWARF", files[i]);
	diag("%lu locations (%lu lists): %lu answered (%lu in a register), %lu declined", t.seen, t.lists, t.answered,
	     t.regs, t.declined);
	ok(t.lists > 50 && t.regs > 20, "there are location lists and registers to compare");
	ok(t.answered * 10 > t.seen * 9, "at least 90%% are answered without libdw");
	is_int((int)t.wrong, 0, "every answer is libdw's");
	done_testing();
	return exit_status();
}
