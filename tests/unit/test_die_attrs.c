/* tests/unit/test_die_attrs.c: die_attrs__walk against dwarf_getattrs.
 *
 * The input is this test's own executable, built with -g like every object
 * of the project (DWARF 5 from GCC 12 here: DW_FORM_implicit_const,
 * strp/line_strp, exprloc, flag_present, ...). For every DIE of every CU,
 * the walk must either decline or give exactly the attributes libdw gives:
 * same codes, forms and value pointers, in the same order.
 */
#include <dwarf.h>
#include <elfutils/libdw.h>
#include <stdlib.h>
#include <string.h>

#include "stages/die_attrs.h"
#include "tests/unit/dwarf_file.h"
#include "tests/tap.h"

#define MAX_SEEN 64

struct seen {
	size_t n;
	Dwarf_Attribute at[MAX_SEEN];
};

static int record(Dwarf_Attribute *at, void *arg)
{
	struct seen *s = arg;

	if (s->n < MAX_SEEN)
		s->at[s->n] = *at;
	s->n++;
	return DWARF_CB_OK;
}

struct tally {
	unsigned long dies, walked, declined, mismatched, implicit, refused_ok, sib_checked, sib_wrong;
	unsigned long cache_checked, cache_wrong, csib_checked, csib_wrong;
};

/* die_attrs__attr against dwarf_attr for every attribute the DIE has and
 * one it has not; then die_attrs__siblingof, with the DIE cached, against
 * dwarf_siblingof. */
static void compare_cache(struct die_attrs *d, Dwarf_Die *die, const struct seen *libdw, struct tally *t)
{
	Dwarf_Attribute got;
	Dwarf_Die x = *die, y = *die;
	int rx, ry;

	for (size_t i = 0; i < libdw->n && i < MAX_SEEN; i++) {
		int k = die_attrs__attr(d, die, libdw->at[i].code, &got);

		t->cache_checked++;
		if (k == 0 || (k > 0 && (got.form != libdw->at[i].form ||
		    (got.form != DW_FORM_implicit_const && got.valp != libdw->at[i].valp))))
			if (t->cache_wrong++ < 5)
				diag("DIE 0x%llx: attribute 0x%x differs from libdw's",
				     (unsigned long long)dwarf_dieoffset(die), libdw->at[i].code);
	}
	if (die_attrs__attr(d, die, 0x3fff, &got) > 0 && t->cache_wrong++ < 5)
		diag("DIE 0x%llx: an attribute it does not have is found", (unsigned long long)dwarf_dieoffset(die));
	rx = dwarf_siblingof(&x, &x);
	ry = die_attrs__siblingof(d, &y);
	t->csib_checked++;
	if ((rx != ry || (rx == 0 && x.addr != y.addr)) && t->csib_wrong++ < 5)
		diag("DIE 0x%llx: next sibling %d/%p from libdw, %d/%p from the cache",
		     (unsigned long long)dwarf_dieoffset(die), rx, x.addr, ry, y.addr);
}

static void compare(struct die_attrs *d, Dwarf_Die *die, struct tally *t)
{
	struct seen a = { 0 }, b = { 0 };
	bool same;

	t->dies++;
	dwarf_getattrs(die, record, &a, 0);
	compare_cache(d, die, &a, t);
	if (!die_attrs__walk(d, die, record, &b)) {
		t->declined++;
		return;
	}
	t->walked++;
	{	/* right after a walk, the next sibling must be libdw's */
		Dwarf_Die x = *die, y = *die;
		int rx = dwarf_siblingof(&x, &x), ry = die_attrs__siblingof(d, &y);

		t->sib_checked++;
		if ((rx != ry || (rx == 0 && x.addr != y.addr)) && t->sib_wrong++ < 5)
			diag("DIE 0x%llx: next sibling %d/%p from libdw, %d/%p after the walk",
			     (unsigned long long)dwarf_dieoffset(die), rx, x.addr, ry, y.addr);
	}
	same = a.n == b.n && a.n <= MAX_SEEN;
	for (size_t i = 0; same && i < a.n; i++) {
		same = a.at[i].code == b.at[i].code && a.at[i].form == b.at[i].form;
		if (same && a.at[i].form == DW_FORM_implicit_const) {
			Dwarf_Sword va = 0, vb = 0;

			t->implicit++;
			same = dwarf_formsdata(&a.at[i], &va) == 0 && dwarf_formsdata(&b.at[i], &vb) == 0 && va == vb;
		} else if (same) {
			same = a.at[i].valp == b.at[i].valp;
		}
	}
	if (!same && t->mismatched++ < 5)
		diag("DIE 0x%llx: %zu attributes from libdw, %zu from the walk, or a value differs",
		     (unsigned long long)dwarf_dieoffset(die), a.n, b.n);
}

static void walk_tree(struct die_attrs *d, Dwarf_Die *die, struct tally *t, int depth)
{
	Dwarf_Die child;

	dwarf_tag(die);	/* as the reader does: the abbreviation is known */
	compare(d, die, t);
	if (depth < 64 && dwarf_child(die, &child) == 0)
		do
			walk_tree(d, &child, t, depth + 1);
		while (dwarf_siblingof(&child, &child) == 0);
}

/* Compares every DIE of path; false if it cannot be read. */
static bool check_file(const char *path, struct tally *t)
{
	static struct die_attrs d;
	struct dwarf_file f;
	const unsigned char *info;
	size_t info_size = 0, hsize;
	Dwarf_Off off = 0, next;
	Dwarf *dw;

	if (!dwarf_file__open(&f, path))
		return false;
	if (!(info = dwarf_file__section(&f, ".debug_info", &info_size))) {
		dwarf_file__close(&f);
		return false;
	}
	dw = f.dw;
	while (dwarf_next_unit(dw, off, &next, &hsize, NULL, NULL, NULL, NULL, NULL, NULL) == 0) {
		Dwarf_Die cudie;

		if (dwarf_offdie(dw, off + hsize, &cudie)) {
			die_attrs__begin_cu(&d, cudie.cu, info + off, info + next, false);
			walk_tree(&d, &cudie, t, 0);
		}
		off = next;
	}
	/* no CU begun, and a truncated one: the walk declines */
	if (dwarf_offdie(dw, hsize, &(Dwarf_Die){ 0 })) {
		Dwarf_Die cudie;
		struct seen s = { 0 };

		dwarf_offdie(dw, hsize, &cudie);
		dwarf_tag(&cudie);
		die_attrs__begin_cu(&d, NULL, NULL, NULL, false);
		t->refused_ok += !die_attrs__walk(&d, &cudie, record, &s) && s.n == 0;
		die_attrs__begin_cu(&d, cudie.cu, info, info + 4, false);
		t->refused_ok += !die_attrs__walk(&d, &cudie, record, &s) && s.n == 0;
	}
	dwarf_file__close(&f);
	return true;
}

int main(void)
{
	/* this test, and the btfstream binary when make check names it */
	const char *files[] = { "/proc/self/exe", getenv("BTFSTREAM") };
	struct tally t = { 0 };
	int nfiles = 0;

	elf_version(EV_CURRENT);
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		if (!files[i])
			continue;
		ok(check_file(files[i], &t), "%s: has DWARF to compare", files[i]);
		nfiles++;
	}
	diag("%lu DIEs: %lu walked, %lu declined, %lu implicit_const values", t.dies, t.walked, t.declined, t.implicit);
	ok(t.dies > 500, "there are DIEs to compare (%lu)", t.dies);
	ok(t.walked * 10 > t.dies * 9, "the walk takes at least 90%% of them (%lu)", t.walked);
	is_int((int)t.mismatched, 0, "every walked DIE has libdw's attributes, forms and values");
	ok(t.sib_checked == t.walked && t.sib_wrong == 0, "after each walk, the next sibling is libdw's (%lu wrong)",
	   t.sib_wrong);
	ok(t.cache_checked > 0 && t.cache_wrong == 0, "cached lookups are libdw's (%lu of %lu wrong)", t.cache_wrong,
	   t.cache_checked);
	ok(t.csib_checked == t.dies && t.csib_wrong == 0, "siblings from the cache are libdw's (%lu wrong)",
	   t.csib_wrong);
	is_int((int)t.refused_ok, 2 * nfiles, "with no CU begun, or a truncated one, it declines and calls nothing");
	done_testing();
	return exit_status();
}
