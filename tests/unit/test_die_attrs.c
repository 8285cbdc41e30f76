/* tests/unit/test_die_attrs.c: die_attrs__collect (and the tag, child and
 * sibling steps built on it, and die_plain__read) against libdw.
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

#include "stages/read/die_attrs.h"
#include "stages/read/die_plain.h"
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

/* die_attrs__collect, handed to record() as dwarf_getattrs hands them:
 * false if it declined (then nothing was recorded). */
static bool walk(struct die_attrs *d, Dwarf_Die *die, struct seen *s)
{
	Dwarf_Attribute at[DIE_ATTRS_MAX];
	int n = die_attrs__collect(d, die, at);

	for (int i = 0; i < n; i++)
		record(&at[i], s);
	return n >= 0;
}

struct tally {
	unsigned long dies, walked, declined, mismatched, implicit, refused_ok, sib_checked, sib_wrong;
	unsigned long cache_checked, cache_wrong, csib_checked, csib_wrong;
	unsigned long tag_checked, tag_wrong, child_checked, child_wrong;
	unsigned long steps, steps_wrong, ended;
	unsigned long members, plain, plain_members, all_members, plain_wrong, runs, run_dies, run_wrong;
	unsigned long scans, scan_declined, scan_steps, scan_taken, scan_wrong, scan_sibs;
	bool own;				/* the pass reads .debug_abbrev itself */
	unsigned long own_dies, own_planned;	/* DIEs of such passes; tagged without libdw */
};

/* die_attrs__child(d, die) against dwarf_child: same result, same child. */
static void check_child(struct die_attrs *d, Dwarf_Die *die, struct tally *t, const char *when)
{
	Dwarf_Die x, y, a = *die, b = *die;
	int rx = dwarf_child(&a, &x), ry = die_attrs__child(d, &b, &y);

	t->child_checked++;
	if ((rx != ry || (rx == 0 && x.addr != y.addr)) && t->child_wrong++ < 5)
		diag("DIE 0x%llx: first child %d/%p from libdw, %d/%p %s", (unsigned long long)dwarf_dieoffset(die),
		     rx, x.addr, ry, y.addr, when);
}

/* A DIE as a sibling step makes it (libdw has not looked at its
 * abbreviation): tag, children and first child from the plans must be
 * libdw's, and the abbreviation set as dwarf_tag sets it. */
static void check_fresh(struct die_attrs *d, Dwarf_Die *die, struct tally *t)
{
	Dwarf_Die ref = { .addr = die->addr, .cu = die->cu };
	Dwarf_Die f1 = ref, f2 = ref;
	int want = dwarf_tag(&ref), got = die_attrs__tag(d, &f1);

	t->tag_checked++;
	if (t->own) {
		t->own_dies++;
		t->own_planned += !f1.abbrev;	/* libdw's abbreviation was not looked up */
	}
	if ((got != want || (f1.abbrev && f1.abbrev != ref.abbrev) ||
	     die_attrs__haschildren(d, &f2) != (dwarf_haschildren(&ref) > 0)) && t->tag_wrong++ < 5)
		diag("DIE 0x%llx: tag 0x%x from libdw, 0x%x from the plans (or its abbreviation or children differ)",
		     (unsigned long long)dwarf_dieoffset(&ref), want, got);
	f1 = (Dwarf_Die){ .addr = die->addr, .cu = die->cu };
	check_child(d, &f1, t, "from the plans");
}

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
	check_child(d, die, t, "from the cache");
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
	if (!walk(d, die, &b)) {
		t->declined++;
		return;
	}
	t->walked++;
	check_child(d, die, t, "after the walk");
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

/* An attribute's value as dwarf_formudata reads it; false if absent. */
static bool udata_of(Dwarf_Die *die, unsigned int name, uint64_t *v)
{
	Dwarf_Attribute at;
	Dwarf_Word w;

	if (!dwarf_attr(die, name, &at) || dwarf_formudata(&at, &w))
		return false;
	*v = w;
	return true;
}

/* die_plain__read on a member, an enumerator, a parameter, a pointer, a
 * qualifier or a typedef against libdw: the name's form and bytes, the reference's CU-relative offset, the
 * constants (const_value signed for sdata and implicit_const, as the
 * reader's die_sdata reads it), and the next sibling step after it. */
static void check_plain(struct die_attrs *d, Dwarf_Die *die, struct tally *t)
{
	Dwarf_Die fresh = { .addr = die->addr, .cu = die->cu }, x = *die, y, target;
	int tag = dwarf_tag(die);
	struct die_plain m;
	Dwarf_Attribute at;
	Dwarf_Off ref;
	uint64_t v;
	bool same = true;

	switch (tag) {
	case DW_TAG_member: case DW_TAG_enumerator: case DW_TAG_formal_parameter:
	case DW_TAG_pointer_type: case DW_TAG_reference_type: case DW_TAG_rvalue_reference_type:
	case DW_TAG_const_type: case DW_TAG_volatile_type: case DW_TAG_restrict_type: case DW_TAG_typedef:
		break;
	default:
		return;
	}
	t->members++;
	t->all_members += tag == DW_TAG_member;
	if (die_plain__read(d, &fresh, (unsigned int)tag, &m) != 1)
		return;
	t->plain++;
	t->plain_members += tag == DW_TAG_member;
	if (dwarf_attr(die, DW_AT_name, &at))
		same &= m.name == at.valp && m.name_form == at.form;
	else
		same &= m.name == NULL;
	if (tag != DW_TAG_enumerator && dwarf_attr(die, DW_AT_type, &at) && dwarf_formref_die(&at, &target)) {
		/* CU-relative: the target's offset less the unit's start */
		ref = dwarf_dieoffset(&target) - (dwarf_dieoffset(die) - dwarf_cuoffset(die));
		same &= m.has_type && m.type == ref;
	} else {
		same &= !m.has_type;
	}
	same &= udata_of(die, DW_AT_data_member_location, &v) ? m.has_location && m.location == v : !m.has_location;
	same &= udata_of(die, DW_AT_bit_size, &v) ? m.has_bit_size && m.bit_size == v : !m.has_bit_size;
	same &= udata_of(die, DW_AT_data_bit_offset, &v) ? m.has_data_bit_offset && m.data_bit_offset == v :
							     !m.has_data_bit_offset;
	if (dwarf_attr(die, DW_AT_const_value, &at)) {
		bool sform = at.form == DW_FORM_sdata || at.form == DW_FORM_implicit_const;
		Dwarf_Sword sv;
		Dwarf_Word uv;

		same &= m.has_const_value && m.const_signed == sform;
		if (sform)
			same &= dwarf_formsdata(&at, &sv) == 0 && m.const_value == (uint64_t)sv;
		else
			same &= dwarf_formudata(&at, &uv) == 0 && m.const_value == uv;
	} else {
		same &= !m.has_const_value;
	}
	y = fresh;
	same &= dwarf_siblingof(&x, &x) == die_attrs__siblingof(d, &y) && x.addr == y.addr;
	if (!same && t->plain_wrong++ < 5)
		diag("DIE 0x%llx: the plain DIE differs from libdw's", (unsigned long long)dwarf_dieoffset(die));
}

/* die_plain__run over die's children, for the tag of its first child: it
 * must decode libdw's siblings one after the other, each as die_plain__read
 * does, and stop at the first that is not a plain DIE of that tag (or give
 * NULL where the list ends). */
static void check_run(struct die_attrs *d, Dwarf_Die *die, struct tally *t)
{
	struct die_plain out[64], one;
	Dwarf_Die child, x;
	const unsigned char *p;
	size_t k, j = 0;
	int tag;
	bool same = true;

	if (dwarf_child(die, &child) != 0)
		return;
	tag = dwarf_tag(&child);
	p = child.addr;
	k = die_plain__run(d, &p, (unsigned int)tag, out, sizeof(out[0]), 64);
	t->runs++;
	t->run_dies += k;
	x = child;
	for (j = 0; j < k && same; j++) {
		Dwarf_Die fresh = { .addr = x.addr, .cu = x.cu };

		same = out[j].die == x.addr && die_plain__read(d, &fresh, (unsigned int)tag, &one) == 1 &&
		       one.name == out[j].name && one.has_type == out[j].has_type &&
		       (!one.has_type || one.type == out[j].type) && one.has_location == out[j].has_location &&
		       (!one.has_location || one.location == out[j].location) &&
		       one.has_const_value == out[j].has_const_value &&
		       (!one.has_const_value || one.const_value == out[j].const_value);
		if (same && dwarf_siblingof(&x, &x) != 0)
			x.addr = NULL;	/* the list ended after it */
	}
	if (same && k < 64) {
		if (!x.addr) {
			same = p == NULL;
		} else {
			Dwarf_Die fresh = { .addr = x.addr, .cu = x.cu };

			same = p == x.addr && (dwarf_tag(&x) != tag || die_plain__read(d, &fresh, (unsigned int)tag, &one) != 1);
		}
	}
	if (!same && t->run_wrong++ < 5)
		diag("DIE 0x%llx: a run of plain children differs from libdw's list at %zu of %zu",
		     (unsigned long long)dwarf_dieoffset(die), j, k);
}

/* The scan's rule in this test: into functions, blocks and inlined
 * calls; types taken; the rest stepped over. */
static enum die_scan_class scan_class(unsigned int tag)
{
	switch (tag) {
	case DW_TAG_subprogram:
	case DW_TAG_lexical_block:
	case DW_TAG_inlined_subroutine:
		return DIE_SCAN_INTO;
	case DW_TAG_base_type:
	case DW_TAG_pointer_type:
	case DW_TAG_const_type:
	case DW_TAG_typedef:
	case DW_TAG_structure_type:
	case DW_TAG_union_type:
	case DW_TAG_enumeration_type:
	case DW_TAG_array_type:
	case DW_TAG_subroutine_type:
		return DIE_SCAN_TAKE;
	default:
		return DIE_SCAN_SKIP;
	}
}

/* The same walk through libdw: the DIEs under die, counted in *steps, the
 * ones taken appended to at[*n] (up to max). */
static void scan_libdw(Dwarf_Die *die, const unsigned char **at, size_t *n, size_t max, long *steps)
{
	Dwarf_Die child;

	if (dwarf_child(die, &child) != 0)
		return;
	do {
		enum die_scan_class c = scan_class((unsigned int)dwarf_tag(&child));

		++*steps;
		if (c == DIE_SCAN_INTO)
			scan_libdw(&child, at, n, max, steps);
		else if (c == DIE_SCAN_TAKE && *n < max)
			at[(*n)++] = child.addr;
	} while (dwarf_siblingof(&child, &child) == 0);
}

/* die_attrs__scan of die against the libdw walk: the same DIEs stepped,
 * the same taken in the same order, and from where it ended, the sibling
 * step lands on libdw's next sibling. */
static void check_scan(struct die_attrs *d, Dwarf_Die *die, struct tally *t)
{
	static struct die_scan_out out;
	const unsigned char *want[4096], *end;
	Dwarf_Die a = *die, sib = *die, ref = *die;
	size_t n = 0;
	long steps = 0, got = die_attrs__scan(d, &a, scan_class, &out, &end);
	int rs, rw;

	if (!dwarf_haschildren(die))
		return;
	t->scans++;
	if (got == -1) {
		t->scan_declined++;
		return;
	}
	scan_libdw(die, want, &n, sizeof(want) / sizeof(want[0]), &steps);
	t->scan_steps += (unsigned long)steps;
	t->scan_taken += n;
	if ((got != steps || out.n != n || (n && memcmp(out.at, want, n * sizeof(*want)))) && t->scan_wrong++ < 5)
		diag("DIE 0x%llx: scan stepped %ld, took %zu; libdw %ld, %zu", (unsigned long long)dwarf_dieoffset(die),
		     got, out.n, steps, n);
	die_attrs__children_end(d, die, end);
	rs = die_attrs__siblingof(d, &sib);
	rw = dwarf_siblingof(&ref, &ref);
	t->scan_sibs++;
	if ((rs != rw || (rw == 0 && sib.addr != ref.addr)) && t->scan_wrong++ < 5)
		diag("DIE 0x%llx: sibling after the scan %d/%p, libdw %d/%p", (unsigned long long)dwarf_dieoffset(die),
		     rs, sib.addr, rw, ref.addr);
}

static void walk_tree(struct die_attrs *d, Dwarf_Die *die, struct tally *t, int depth)
{
	Dwarf_Die child;

	check_fresh(d, die, t);
	dwarf_tag(die);
	check_plain(d, die, t);
	check_run(d, die, t);
	if (depth > 0)	/* not the unit's DIE: its end is the unit's */
		check_scan(d, die, t);
	compare(d, die, t);
	if (depth < 64 && dwarf_child(die, &child) == 0)
		do
			walk_tree(d, &child, t, depth + 1);
		while (dwarf_siblingof(&child, &child) == 0);
}

/* The tree walked as the reader walks it: first child and sibling steps of
 * die_attrs only, die_attrs__children_done after each list; every step must
 * land where libdw's would, including the sibling of a DIE whose subtree was
 * just walked (found from where its children ended). */
static void walk_ours(struct die_attrs *d, Dwarf_Die *die, struct tally *t, int depth)
{
	Dwarf_Die child, ref;
	int res, want;

	res = die_attrs__child(d, die, &child);
	want = dwarf_child(die, &ref);
	t->steps++;
	if ((res != want || (res == 0 && ref.addr != child.addr)) && t->steps_wrong++ < 5)
		diag("DIE 0x%llx: first child %d/%p, libdw %d/%p", (unsigned long long)dwarf_dieoffset(die), res,
		     child.addr, want, ref.addr);
	if (res != 0) {
		die_attrs__children_done(d, die);
		return;
	}
	do {
		Dwarf_Die before = child;

		struct seen s = { 0 };

		walk(d, &child, &s);	/* as the reader reads it */
		if (depth < 64)
			walk_ours(d, &child, t, depth + 1);
		t->ended += d->ended_die == child.addr;
		ref = before;
		want = dwarf_siblingof(&ref, &ref);
		res = die_attrs__siblingof(d, &child);
		t->steps++;
		if ((res != want || (res == 0 && ref.addr != child.addr)) && t->steps_wrong++ < 5)
			diag("DIE 0x%llx: next sibling %d/%p, libdw %d/%p", (unsigned long long)dwarf_dieoffset(&before),
			     res, child.addr, want, ref.addr);
	} while (res == 0);
	die_attrs__children_done(d, die);
}

/* Compares every DIE of path; false if it cannot be read. own_abbrevs: the
 * CU's abbreviations read from .debug_abbrev by die_attrs (as the reader
 * does), or planned from libdw's as DIEs meet them. */
static bool check_file(const char *path, bool own_abbrevs, struct tally *t)
{
	static struct die_attrs d;
	struct dwarf_file f;
	const unsigned char *info, *abbrev = NULL, *abbrev_end = NULL;
	size_t info_size = 0, abbrev_size = 0, hsize;
	Dwarf_Off off = 0, next;
	Dwarf *dw;

	if (!dwarf_file__open(&f, path))
		return false;
	if (!(info = dwarf_file__section(&f, ".debug_info", &info_size))) {
		dwarf_file__close(&f);
		return false;
	}
	t->own = own_abbrevs;
	if (own_abbrevs) {
		if (!(abbrev = dwarf_file__section(&f, ".debug_abbrev", &abbrev_size))) {
			dwarf_file__close(&f);
			return false;
		}
		abbrev_end = abbrev + abbrev_size;
	}
	dw = f.dw;
	while (dwarf_next_unit(dw, off, &next, &hsize, NULL, NULL, NULL, NULL, NULL, NULL) == 0) {
		Dwarf_Die cudie;

		if (dwarf_offdie(dw, off + hsize, &cudie)) {
			die_attrs__begin_cu(&d, cudie.cu, info + off, info + next, abbrev, abbrev_end, false);
			walk_tree(&d, &cudie, t, 0);
			die_attrs__begin_cu(&d, cudie.cu, info + off, info + next, abbrev, abbrev_end, false);
			walk_ours(&d, &cudie, t, 0);
		}
		off = next;
	}
	/* no CU begun, and a truncated one: the walk declines */
	if (dwarf_offdie(dw, hsize, &(Dwarf_Die){ 0 })) {
		Dwarf_Die cudie;
		struct seen s = { 0 };

		dwarf_offdie(dw, hsize, &cudie);
		dwarf_tag(&cudie);
		die_attrs__begin_cu(&d, NULL, NULL, NULL, NULL, NULL, false);
		t->refused_ok += !walk(&d, &cudie, &s) && s.n == 0;
		die_attrs__begin_cu(&d, cudie.cu, info, info + 4, abbrev, abbrev_end, false);
		t->refused_ok += !walk(&d, &cudie, &s) && s.n == 0;
	}
	dwarf_file__close(&f);
	return true;
}

/* A type defined in a function's body, for die_attrs__scan to take (this
 * test's own DWARF has it, under the function's DIE). */
static int __attribute__((noinline)) body_with_a_type(int x)
{
	struct local_pair {
		int a, b;
	} volatile p = { x, x + 1 };

	return p.a + p.b;
}

int main(void)
{
	/* this test, and the btfstream binary when make check names it */
	const char *files[] = { "/proc/self/exe", getenv("BTFSTREAM") };
	struct tally t = { 0 };
	int nfiles = 0;

	elf_version(EV_CURRENT);
	if (body_with_a_type(nfiles) != 1)
		diag("body_with_a_type: an unexpected sum");
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		if (!files[i])
			continue;
		ok(check_file(files[i], true, &t), "%s: has DWARF to compare", files[i]);
		ok(check_file(files[i], false, &t), "%s: again, abbreviations planned from libdw's", files[i]);
		nfiles += 2;
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
	ok(t.tag_checked == t.dies && t.tag_wrong == 0, "tags and abbreviations from the plans are libdw's (%lu wrong)",
	   t.tag_wrong);
	ok(t.own_planned * 10 > t.own_dies * 9, "with .debug_abbrev at hand, %lu of %lu DIEs are planned without libdw",
	   t.own_planned, t.own_dies);
	ok(t.child_checked > 2 * t.walked && t.child_wrong == 0,
	   "first children from the plans, the cache and a walk are libdw's (%lu of %lu wrong)", t.child_wrong,
	   t.child_checked);
	diag("%lu steps, %lu siblings found where a subtree ended", t.steps, t.ended);
	ok(t.steps > t.dies && t.steps_wrong == 0, "child and sibling steps as the reader takes them are libdw's (%lu wrong)",
	   t.steps_wrong);
	ok(t.ended > 0, "some siblings are found where a subtree ended (%lu)", t.ended);
	diag("%lu of %lu members, enumerators, parameters, pointers, qualifiers, typedefs are plain", t.plain,
	     t.members);
	ok(t.plain_members * 10 > t.all_members * 9, "%lu of %lu struct members are decoded as plain ones",
	   t.plain_members, t.all_members);
	is_int((int)t.plain_wrong, 0, "each plain DIE has libdw's name, type, constants and sibling");
	ok(t.run_dies > 1000 && t.run_wrong == 0,
	   "runs of plain children step as libdw's siblings and stop where they should (%lu DIEs in %lu runs, %lu wrong)",
	   t.run_dies, t.runs, t.run_wrong);
	diag("%lu scans (%lu declined): %lu DIEs stepped, %lu taken", t.scans, t.scan_declined, t.scan_steps,
	     t.scan_taken);
	ok(t.scans > 100 && t.scan_declined * 10 < t.scans && t.scan_taken > 0 && t.scan_sibs > 0,
	   "subtrees are scanned by their plans (%lu of %lu), and types found in them", t.scans - t.scan_declined,
	   t.scans);
	is_int((int)t.scan_wrong, 0, "each scan steps and takes the DIEs libdw's walk does, and ends where libdw's "
	       "sibling starts");
	is_int((int)t.refused_ok, 2 * nfiles, "with no CU begun, or a truncated one, it declines and calls nothing");
	done_testing();
	return exit_status();
}
