/* stages/read/param_loc.c: see param_loc.h. */
#include "stages/read/param_loc.h"

#include <dwarf.h>
#include <stddef.h>
#include <stdint.h>

#ifndef DW_FORM_loclistx
#define DW_FORM_loclistx 0x22
#endif
#ifndef DW_OP_entry_value
#define DW_OP_entry_value 0xa3
#endif
#ifndef DW_OP_GNU_entry_value
#define DW_OP_GNU_entry_value 0xf3
#endif

struct cursor {
	const unsigned char *p, *end;
	bool bad;
	bool hit_end;	/* a list ran into end (which may not be the section's) */
};

static uint64_t uleb(struct cursor *c)
{
	uint64_t v = 0;
	unsigned int shift = 0;

	while (c->p < c->end) {
		unsigned char b = *c->p++;

		if (shift < 64)
			v |= (uint64_t)(b & 0x7f) << shift;
		shift += 7;
		if (!(b & 0x80))
			return v;
	}
	c->bad = true;
	return 0;
}

static uint64_t fixed(struct cursor *c, unsigned int n, bool big_endian)
{
	uint64_t v = 0;

	if (c->end - c->p < (ptrdiff_t)n) {
		c->bad = true;
		return 0;
	}
	for (unsigned int i = 0; i < n; i++)
		v = v << 8 | c->p[big_endian ? i : n - 1 - i];
	c->p += n;
	return v;
}

static int64_t sleb(struct cursor *c)
{
	uint64_t v = uleb(c);

	return (int64_t)v;	/* only stepped over: the value is not used */
}

/* One operation filling [p, end) exactly: its candidate register (a
 * DW_OP_regN gives N, any other operation PARAM_LOC_OTHER), PARAM_LOC_NO_REG
 * if [p, end) is not one operation, or PARAM_LOC_ASK_LIBDW for an operation
 * whose operands this code does not know. */
static int one_op(const unsigned char *p, const unsigned char *end)
{
	struct cursor c = { p, end, false };
	unsigned char op;

	if (p >= end)
		return PARAM_LOC_NO_REG;
	op = *c.p++;
	if (op >= DW_OP_reg0 && op <= DW_OP_reg31)
		return c.p == end ? op - DW_OP_reg0 : PARAM_LOC_NO_REG;
	if ((op >= DW_OP_breg0 && op <= DW_OP_breg31) || op == DW_OP_fbreg || op == DW_OP_consts)
		sleb(&c);
	else if (op == DW_OP_regx || op == DW_OP_constu || op == DW_OP_plus_uconst)
		uleb(&c);
	else if (op == DW_OP_bregx)
		uleb(&c), sleb(&c);
	else if (!(op >= DW_OP_lit0 && op <= DW_OP_lit31))
		return PARAM_LOC_ASK_LIBDW;
	return c.bad || c.p != end ? PARAM_LOC_NO_REG : PARAM_LOC_OTHER;
}

/* One expression [p, p + len): its candidate by the rule of param_loc.h
 * (first: it is the list's first entry), PARAM_LOC_NO_REG, or
 * PARAM_LOC_ASK_LIBDW. */
static int expr_reg(const unsigned char *p, uint64_t len, bool first)
{
	struct cursor c = { p, p + len, false };
	const unsigned char *sub;
	uint64_t sub_len;
	unsigned char op;
	int reg;

	if (len == 0)
		return PARAM_LOC_NO_REG;
	op = *c.p++;
	if (op >= DW_OP_reg0 && op <= DW_OP_reg31) {
		reg = first ? op - DW_OP_reg0 : PARAM_LOC_NO_REG;
	} else if (op == DW_OP_entry_value || op == DW_OP_GNU_entry_value) {
		sub_len = uleb(&c);
		if (c.bad || sub_len > (uint64_t)(c.end - c.p))
			return PARAM_LOC_NO_REG;
		sub = c.p;
		c.p += sub_len;
		reg = one_op(sub, sub + sub_len);
	} else {
		return PARAM_LOC_NO_REG;	/* no candidate, however long */
	}
	/* one operation, or one and DW_OP_stack_value */
	if (c.p == c.end || (c.end - c.p == 1 && *c.p == DW_OP_stack_value))
		return reg;
	return PARAM_LOC_NO_REG;
}

/* What the entries seen so far say: the last candidate, and whether the
 * expected register was among them. */
struct scan {
	int expected;
	int cand;
};

/* The expression of list entry k, len bytes at c, into st. Returns 1 once
 * the expected register is found, 0 to go on, or PARAM_LOC_ASK_LIBDW. */
static int entry_reg(struct cursor *c, uint64_t len, int k, struct scan *st)
{
	int reg;

	if (c->bad || len > (uint64_t)(c->end - c->p)) {
		c->hit_end = true;
		return PARAM_LOC_ASK_LIBDW;
	}
	reg = expr_reg(c->p, len, k == 0);
	c->p += len;
	if (reg == PARAM_LOC_ASK_LIBDW)
		return reg;
	if (reg != PARAM_LOC_NO_REG)
		st->cand = reg;
	return reg == st->expected;
}

/* A DWARF 5 location list from c, every entry. */
static int loclists_reg(struct cursor *c, const struct param_loc_cu *cu, struct scan *st)
{
	for (int k = 0;; ) {
		unsigned char kind;
		uint64_t len;
		int r;

		if (c->p >= c->end) {
			c->hit_end = true;
			return PARAM_LOC_ASK_LIBDW;
		}
		kind = *c->p++;
		switch (kind) {
		case DW_LLE_end_of_list:
			return st->cand;
		case DW_LLE_base_addressx:
			uleb(c);
			continue;
		case DW_LLE_base_address:
			fixed(c, cu->address_size, cu->big_endian);
			continue;
		case DW_LLE_startx_endx:
		case DW_LLE_startx_length:
		case DW_LLE_offset_pair:
			uleb(c);
			uleb(c);
			break;
		case DW_LLE_default_location:
			break;
		case DW_LLE_start_end:
			fixed(c, cu->address_size, cu->big_endian);
			fixed(c, cu->address_size, cu->big_endian);
			break;
		case DW_LLE_start_length:
			fixed(c, cu->address_size, cu->big_endian);
			uleb(c);
			break;
		default:
			return PARAM_LOC_ASK_LIBDW;
		}
		len = uleb(c);
		if ((r = entry_reg(c, len, k++, st)) != 0)
			return r < 0 ? r : st->expected;
	}
}

/* A DWARF 2-4 location list (.debug_loc) from c, every entry. */
static int loc_reg(struct cursor *c, const struct param_loc_cu *cu, struct scan *st)
{
	uint64_t all_ones = cu->address_size == 8 ? UINT64_MAX : 0xffffffffu;

	for (int k = 0;; ) {
		uint64_t start = fixed(c, cu->address_size, cu->big_endian);
		uint64_t end = fixed(c, cu->address_size, cu->big_endian);
		uint64_t len;
		int r;

		if (c->bad) {
			c->hit_end = true;
			return PARAM_LOC_ASK_LIBDW;
		}
		if (start == 0 && end == 0)
			return st->cand;
		if (start == all_ones)	/* base address selection */
			continue;
		len = fixed(c, 2, cu->big_endian);
		if ((r = entry_reg(c, len, k++, st)) != 0)
			return r < 0 ? r : st->expected;
	}
}

typedef int list_fn(struct cursor *c, const struct param_loc_cu *cu, struct scan *st);

/* n bytes of a section at off: in the mapping [lo, hi) when lo is set, else
 * through the window w from the file; NULL if they are not all there. With
 * *end set past the last byte held and *at_end whether that is the
 * section's end. */
static const unsigned char *section_at(const unsigned char *lo, const unsigned char *hi, struct sec_window *w,
				       const struct sec_file *f, uint64_t off, size_t n, const unsigned char **end,
				       int *at_end)
{
	const unsigned char *p;

	if (lo) {
		if (off >= (uint64_t)(hi - lo) || n > (uint64_t)(hi - lo) - off)
			return NULL;
		*end = hi;
		*at_end = 1;
		return lo + off;
	}
	p = sec_window__at(w, f, off, n, end, at_end);
	return p && (size_t)(*end - p) >= n ? p : NULL;
}

/* The list at off of a section (section_at's lo, hi, w, f): parsed from
 * what is there (mapped, or PARAM_LOC_LIST_BYTES and whatever more the
 * window holds), read again with twice as much while it runs into the end
 * of what the window holds. */
static int list_reg(const unsigned char *lo, const unsigned char *hi, struct sec_window *w,
		    const struct sec_file *f, uint64_t off, list_fn *parse, const struct param_loc_cu *cu,
		    int expected)
{
	size_t want = PARAM_LOC_LIST_BYTES;

	for (;;) {
		struct scan st = { expected, PARAM_LOC_NO_REG };
		struct cursor c = { NULL, NULL, false, false };
		const unsigned char *start;
		int reg, at_end;

		start = lo ? section_at(lo, hi, w, f, off, 1, &c.end, &at_end)
			   : sec_window__at(w, f, off, want, &c.end, &at_end);
		if (!start)
			return PARAM_LOC_ASK_LIBDW;
		c.p = start;
		reg = parse(&c, cu, &st);
		if (reg != PARAM_LOC_ASK_LIBDW || !c.hit_end || at_end)
			return reg;
		want = (size_t)(c.end - start) * 2;
	}
}

/* DW_FORM_loclistx: the offset of list index in the CU's table at
 * DW_AT_loclists_base (each entry relative to the base), or UINT64_MAX. */
static uint64_t loclistx_offset(const struct param_loc_sections *s, struct param_loc_windows *w,
				const struct param_loc_cu *cu, uint64_t index)
{
	const unsigned char *p, *end;
	struct cursor c;
	uint64_t rel;
	int at_end;

	if (!cu->loclists_base || index > (UINT64_MAX - cu->loclists_base) / cu->offset_size)
		return UINT64_MAX;
	p = section_at(s->loclists, s->loclists_end, &w->loclists, &s->loclists_file,
		       cu->loclists_base + index * cu->offset_size, cu->offset_size, &end, &at_end);
	if (!p)
		return UINT64_MAX;
	c = (struct cursor){ p, end, false, false };
	rel = fixed(&c, cu->offset_size, cu->big_endian);
	return c.bad || rel > UINT64_MAX - cu->loclists_base ? UINT64_MAX : cu->loclists_base + rel;
}

int param_loc__reg(const struct param_loc_sections *s, struct param_loc_windows *w, const struct param_loc_cu *cu,
		   const Dwarf_Attribute *at, int expected)
{
	const unsigned char *v = at->valp;
	struct cursor c = { NULL, NULL, false, false };
	uint64_t off, len;
	Dwarf_Block blk;

	if (cu->address_size != 4 && cu->address_size != 8)
		return PARAM_LOC_ASK_LIBDW;
	switch (at->form) {
	case DW_FORM_exprloc:
	case DW_FORM_block:
	case DW_FORM_block1:
	case DW_FORM_block2:
	case DW_FORM_block4:
		if (dwarf_formblock((Dwarf_Attribute *)at, &blk) != 0)
			return PARAM_LOC_ASK_LIBDW;
		return expr_reg(blk.data, blk.length, true);
	case DW_FORM_loclistx:
		c = (struct cursor){ v, v + 10, false, false };	/* a ULEB128 of 64 bits */
		off = uleb(&c);
		if (c.bad || cu->version < 5 || (off = loclistx_offset(s, w, cu, off)) == UINT64_MAX)
			return PARAM_LOC_ASK_LIBDW;
		return list_reg(s->loclists, s->loclists_end, &w->loclists, &s->loclists_file, off, loclists_reg,
				cu, expected);
	case DW_FORM_sec_offset:
		len = cu->offset_size;
		break;
	case DW_FORM_data4:
		if (cu->version >= 4)
			return PARAM_LOC_ASK_LIBDW;
		len = 4;
		break;
	default:
		return PARAM_LOC_ASK_LIBDW;
	}
	c.p = v;
	c.end = v + len;
	off = fixed(&c, (unsigned int)len, cu->big_endian);
	/* (a section neither mapped nor in the file: the window reads nothing) */
	if (cu->version >= 5)
		return list_reg(s->loclists, s->loclists_end, &w->loclists, &s->loclists_file, off, loclists_reg, cu,
				expected);
	return list_reg(s->loc, s->loc_end, &w->loc, &s->loc_file, off, loc_reg, cu, expected);
}
