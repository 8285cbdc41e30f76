/* stages/read/die_attrs.c: see die_attrs.h. */
#include "stages/read/die_attrs.h"
#include "stages/read/die_attrs_impl.h"

#include <dwarf.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "stages/common/grow.h"

static void parse_abbrevs(struct die_attrs *d, const unsigned char *p, const unsigned char *end);

void die_attrs__begin_cu(struct die_attrs *d, Dwarf_CU *cu, const unsigned char *start, const unsigned char *end,
			 const unsigned char *abbrev_lo, const unsigned char *abbrev_hi, bool big_endian)
{
	if (++d->gen == 0) {	/* wrapped: stale slots could look current */
		memset(d->plans, 0, sizeof(d->plans));
		memset(d->bycode, 0, sizeof(d->bycode));
		d->gen = 1;
	}
	d->nplans = 0;
	d->cu = NULL;
	d->last_die = NULL;
	d->list_end = NULL;
	d->ended_die = NULL;
	d->cache.addr = NULL;
	if (!start || end - start < 24)
		return;
	/* unit_length 0xffffffff: DWARF64; the version follows the length */
	d->offset_size = (start[0] & start[1] & start[2] & start[3]) == 0xff ? 8 : 4;
	size_t len = d->offset_size == 8 ? 12 : 4;

	d->version = start[len + big_endian];
	/* DWARF 5: version, unit_type, address_size; before: version,
	 * abbrev_offset, address_size */
	d->address_size = d->version >= 5 ? start[len + 3] : start[len + 2 + d->offset_size];
	if (d->address_size != 4 && d->address_size != 8)
		return;
	d->cu = cu;
	d->start = start;
	d->end = end;
	d->big_endian = big_endian;
	if (abbrev_lo && abbrev_hi > abbrev_lo) {
		/* DWARF 5: abbrev_offset after version, unit_type, address_size;
		 * before: right after the version */
		const unsigned char *q = start + len + (d->version >= 5 ? 4 : 2);
		uint64_t off = q + d->offset_size <= end ? read_n(q, d->offset_size, big_endian) : UINT64_MAX;

		if (off < (uint64_t)(abbrev_hi - abbrev_lo))
			parse_abbrevs(d, abbrev_lo + off, abbrev_hi);
	}
}

static const unsigned char *skip_uleb(const unsigned char *p, const unsigned char *end)
{
	while (p < end && (*p & 0x80))
		p++;
	return p < end ? p + 1 : NULL;
}

/* The length of a value of form when it does not depend on the value (an
 * attribute of such a form is stepped over without reading it), else
 * DIE_ATTRS_VARIABLE. */
static uint8_t form_size(const struct die_attrs *d, unsigned int form)
{
	switch (form) {
	case DW_FORM_flag_present:
	case DW_FORM_implicit_const:
		return 0;
	case DW_FORM_data1: case DW_FORM_ref1: case DW_FORM_flag: case DW_FORM_strx1: case DW_FORM_addrx1:
		return 1;
	case DW_FORM_data2: case DW_FORM_ref2: case DW_FORM_strx2: case DW_FORM_addrx2:
		return 2;
	case DW_FORM_strx3: case DW_FORM_addrx3:
		return 3;
	case DW_FORM_addr:
		return d->address_size;
	case DW_FORM_data4: case DW_FORM_ref4: case DW_FORM_strx4: case DW_FORM_addrx4:
		return 4;
	case DW_FORM_data8: case DW_FORM_ref8: case DW_FORM_ref_sig8:
		return 8;
	case DW_FORM_data16:
		return 16;
	case DW_FORM_strp: case DW_FORM_line_strp: case DW_FORM_sec_offset:
		return d->offset_size;
	case DW_FORM_ref_addr:	/* address-sized in DWARF 2: not known here */
		return d->version < 3 ? DIE_ATTRS_VARIABLE : d->offset_size;
	default:
		return DIE_ATTRS_VARIABLE;
	}
}

/* The byte after the value of form at p (p <= d->end), or NULL when unknown
 * or past end. */
const unsigned char *die_attrs__skip_value(const struct die_attrs *d, unsigned int form, const unsigned char *p)
{
	const unsigned char *end = d->end, *q;
	uint8_t fixed = form_size(d, form);
	uint64_t n;

	if (fixed != DIE_ATTRS_VARIABLE)
		return fixed <= end - p ? p + fixed : NULL;
	switch (form) {
	case DW_FORM_udata: case DW_FORM_sdata: case DW_FORM_ref_udata: case DW_FORM_strx: case DW_FORM_addrx:
	case DW_FORM_loclistx: case DW_FORM_rnglistx:
		return skip_uleb(p, end);
	case DW_FORM_string:
		q = memchr(p, 0, (size_t)(end - p));
		return q ? q + 1 : NULL;
	case DW_FORM_block1:
		if (end - p < 1)
			return NULL;
		n = 1 + (uint64_t)p[0];
		break;
	case DW_FORM_block2:
		if (end - p < 2)
			return NULL;
		n = 2 + read_n(p, 2, d->big_endian);
		break;
	case DW_FORM_block4:
		if (end - p < 4)
			return NULL;
		n = 4 + read_n(p, 4, d->big_endian);
		break;
	case DW_FORM_block:
	case DW_FORM_exprloc: {
		uint64_t len = 0;
		unsigned int shift = 0;

		for (q = p; q < end && shift < 64; q++, shift += 7) {
			len |= (uint64_t)(*q & 0x7f) << shift;
			if (!(*q & 0x80))
				break;
		}
		if (q >= end || len > (uint64_t)(end - q - 1))
			return NULL;
		return q + 1 + len;
	}
	default:	/* indirect, vendor forms, DWARF 2 ref_addr */
		return NULL;
	}
	return n <= (uint64_t)(end - p) ? p + n : NULL;
}

static void sleb_encode(int64_t v, uint8_t out[10])
{
	for (int i = 0; i < 10; i++) {
		uint8_t b = v & 0x7f;

		v >>= 7;
		if ((v == 0 && !(b & 0x40)) || (v == -1 && (b & 0x40)) || i == 9) {
			out[i] = b;
			return;
		}
		out[i] = b | 0x80;
	}
}

/* Where pl's DW_AT_sibling is, if its form is a ref1/2/4/8 (DIE_ATTRS_MAX:
 * none such), for the cache's sibling step. */
static void plan_sibling(struct die_attrs_plan *pl)
{
	pl->sibling = DIE_ATTRS_MAX;
	for (unsigned int i = 0; i < pl->n; i++)
		if (pl->attrs[i].name == DW_AT_sibling &&
		    (pl->attrs[i].form == DW_FORM_ref1 || pl->attrs[i].form == DW_FORM_ref2 ||
		     pl->attrs[i].form == DW_FORM_ref4 || pl->attrs[i].form == DW_FORM_ref8)) {
			pl->sibling = (uint8_t)i;
			return;
		}
}

/* The plan of an abbreviation. Its attributes are counted by asking for
 * them one by one: dwarf_getattrcnt of libdw 0.188 miscounts lists that hold
 * DW_FORM_implicit_const (it does not step over the constants). */
static void make_plan(struct die_attrs *d, struct die_attrs_plan *pl, Dwarf_Abbrev *abbrev)
{
	size_t i;

	pl->abbrev = abbrev;
	pl->usable = false;
	pl->sibling = DIE_ATTRS_MAX;
	pl->plain = false;
	pl->tag = dwarf_getabbrevtag(abbrev);
	pl->children = dwarf_abbrevhaschildren(abbrev) > 0;
	for (i = 0;; i++) {
		unsigned int name, form;
		Dwarf_Sword imp = 0;
		Dwarf_Off where;

		if (dwarf_getabbrevattr_data(abbrev, i, &name, &form, &imp, &where) != 0)
			break;
		if (i == DIE_ATTRS_MAX || form == DW_FORM_indirect || name > 0xffff || form > 0xffff)
			return;
		pl->attrs[i].name = (uint16_t)name;
		pl->attrs[i].form = (uint16_t)form;
		pl->size[i] = form_size(d, form);
		if (form == DW_FORM_implicit_const)
			sleb_encode(imp, pl->imp[i]);
	}
	pl->n = (uint8_t)i;
	pl->usable = true;
	plan_sibling(pl);
	die_plain__plan(d, pl);
}

/*
 * The CU's abbreviation table, read from .debug_abbrev: a plan for every
 * code below DIE_ATTRS_CODES, while the plans last. Each entry is its code,
 * tag, children flag and (attribute, form[, implicit constant]) pairs up to
 * (0, 0); the table ends with code 0. Whatever is malformed or past the end
 * stops the reading: codes without a plan go to libdw (plan_of).
 */
static void parse_abbrevs(struct die_attrs *d, const unsigned char *p, const unsigned char *end)
{
	uint64_t code, tag, name, form;

	while (read_uleb(&p, end, &code) && code && read_uleb(&p, end, &tag) && p < end &&
	       d->nplans < DIE_ATTRS_PLANS / 2) {
		struct die_attrs_plan *pl = &d->plans[d->nplans];
		bool usable = true;
		unsigned int n = 0;

		pl->children = *p++ == DW_CHILDREN_yes;
		pl->tag = (unsigned int)tag;
		pl->abbrev = NULL;
		pl->imp = d->imp[d->nplans];
		for (;;) {
			int64_t imp = 0;

			if (!read_uleb(&p, end, &name) || !read_uleb(&p, end, &form))
				return;
			if (!name && !form)
				break;
			if (form == DW_FORM_implicit_const && !read_sleb(&p, end, &imp))
				return;
			if (n == DIE_ATTRS_MAX || form == DW_FORM_indirect || name > 0xffff || form > 0xffff) {
				usable = false;
				continue;
			}
			pl->attrs[n].name = (uint16_t)name;
			pl->attrs[n].form = (uint16_t)form;
			pl->size[n] = form_size(d, (unsigned int)form);
			if (form == DW_FORM_implicit_const)
				sleb_encode(imp, pl->imp[n]);
			n++;
		}
		if (code >= DIE_ATTRS_CODES)
			continue;
		pl->n = (uint8_t)n;
		pl->usable = usable;
		plan_sibling(pl);
		die_plain__plan(d, pl);
		pl->gen = d->gen;
		d->nplans++;
		d->bycode[code].gen = d->gen;
		d->bycode[code].plan = pl;
	}
}

static struct die_attrs_plan *plan_for(struct die_attrs *d, Dwarf_Abbrev *abbrev)
{
	unsigned int h = (unsigned int)(((uintptr_t)abbrev >> 4) * 0x9E3779B1u) & (DIE_ATTRS_PLANS - 1);

	for (unsigned int i = 0; i < DIE_ATTRS_PLANS; i++, h = (h + 1) & (DIE_ATTRS_PLANS - 1)) {
		struct die_attrs_plan *pl = &d->plans[h];

		if (pl->gen != d->gen) {
			if (d->nplans >= DIE_ATTRS_PLANS * 3 / 4)
				return NULL;
			d->nplans++;
			pl->gen = d->gen;
			pl->imp = d->imp[pl - d->plans];
			make_plan(d, pl, abbrev);
			return pl;
		}
		if (pl->abbrev == abbrev)
			return pl;
	}
	return NULL;
}

/*
 * The plan of die's abbreviation, NULL when there is none here (a DIE of
 * another CU, a bad code, a full table: the caller asks libdw). *after_code
 * receives the byte after the code. Plans come from the CU's abbreviation
 * table, read at begin_cu; a code it did not give (no .debug_abbrev in the
 * mapping, a code past DIE_ATTRS_CODES) asks libdw for its Dwarf_Abbrev
 * once and is planned from that, and die->abbrev is then set as libdw would.
 */
const struct die_attrs_plan *die_attrs__plan_of(struct die_attrs *d, Dwarf_Die *die, const unsigned char **after_code)
{
	const unsigned char *p = die->addr, *end = d->end;
	const struct die_attrs_plan *pl;
	uint64_t code = 0;
	unsigned int shift = 0;

	if (!d->cu || die->cu != d->cu || p < d->start || p >= end)
		return NULL;
	if (p == d->last_die) {	/* the tag, then the walk, then the child */
		pl = d->last_plan;
		*after_code = d->last_after_code;
	} else {
		for (;; p++, shift += 7) {
			if (p >= end || shift > 28)
				return NULL;
			code |= (uint64_t)(*p & 0x7f) << shift;
			if (!(*p & 0x80))
				break;
		}
		*after_code = p + 1;
		if (code < DIE_ATTRS_CODES && d->bycode[code].gen == d->gen) {
			pl = d->bycode[code].plan;
		} else {
			struct die_attrs_plan *np;

			if (code)
				die_attrs__asked_libdw(d);
			if (code == 0 || (!die->abbrev && dwarf_tag(die) < 0) || !die->abbrev ||
			    die->abbrev == (Dwarf_Abbrev *)-1l || !(np = plan_for(d, die->abbrev)))
				return NULL;
			if (code < DIE_ATTRS_CODES) {
				d->bycode[code].gen = d->gen;
				d->bycode[code].plan = np;
			}
			pl = np;
		}
		d->last_die = die->addr;
		d->last_plan = pl;
		d->last_after_code = p + 1;
	}
	if (pl->abbrev) {	/* planned from libdw's abbreviation */
		if (!die->abbrev)
			die->abbrev = (Dwarf_Abbrev *)pl->abbrev;
		else if (die->abbrev != pl->abbrev)
			return NULL;
	}
	return pl;
}

int die_attrs__tag(struct die_attrs *d, Dwarf_Die *die)
{
	const unsigned char *p;
	const struct die_attrs_plan *pl = die_attrs__plan_fast(d, die, &p);

	if (pl)
		return (int)pl->tag;
	die_attrs__asked_libdw(d);
	return dwarf_tag(die);
}

bool die_attrs__haschildren(struct die_attrs *d, Dwarf_Die *die)
{
	const unsigned char *p;
	const struct die_attrs_plan *pl = die_attrs__plan_fast(d, die, &p);

	if (pl)
		return pl->children;
	die_attrs__asked_libdw(d);
	return dwarf_haschildren(die) > 0;
}

/* The places of die's attribute values, by plan pl, from p (the byte
 * after its code) into valp; the byte after the last, or NULL when a value
 * is not known or runs past the CU. */
static const unsigned char *value_places(const struct die_attrs *d, const struct die_attrs_plan *pl,
					 const unsigned char *p, const unsigned char **valp)
{
	for (unsigned int i = 0; i < pl->n; i++) {
		valp[i] = pl->attrs[i].form == DW_FORM_implicit_const ? pl->imp[i] : p;
		if (pl->size[i] != DIE_ATTRS_VARIABLE)
			p += pl->size[i];	/* checked below: nothing is read here */
		else if (p > d->end || !(p = die_attrs__skip_value(d, pl->attrs[i].form, p)))
			return NULL;
	}
	return p <= d->end ? p : NULL;
}

int die_attrs__collect(struct die_attrs *d, Dwarf_Die *die, Dwarf_Attribute out[DIE_ATTRS_MAX])
{
	const unsigned char *valp[DIE_ATTRS_MAX], *p;
	const struct die_attrs_plan *pl;

	if (!(pl = die_attrs__plan_fast(d, die, &p)) || !pl->usable || !(p = value_places(d, pl, p, valp)))
		return -1;
	for (unsigned int i = 0; i < pl->n; i++)
		out[i] = (Dwarf_Attribute){ .code = pl->attrs[i].name, .form = pl->attrs[i].form,
					    .valp = (unsigned char *)valp[i], .cu = die->cu };
	d->after_die = die->addr;
	d->after = p;
	d->after_children = pl->children;
	return pl->n;
}

/* d->cache for die, walked if it is not there yet. */
static const struct die_attrs_cache *cached(struct die_attrs *d, Dwarf_Die *die)
{
	struct die_attrs_cache *c = &d->cache;
	const struct die_attrs_plan *pl;
	const unsigned char *p;

	if (c->addr == die->addr)
		return c;
	c->addr = die->addr;
	c->n = 0;
	c->sibling = NULL;
	pl = die_attrs__plan_fast(d, die, &p);
	c->declined = !pl || !pl->usable || !(p = value_places(d, pl, p, c->valp));
	if (c->declined)
		return c;
	c->plan = pl;
	c->n = pl->n;
	c->after = d->after = p;
	c->children = d->after_children = pl->children;
	d->after_die = die->addr;
	if (c->children && pl->sibling < pl->n) {
		uint64_t off = read_n(c->valp[pl->sibling], pl->size[pl->sibling], d->big_endian);

		if (off < (uint64_t)(d->end - d->start))
			c->sibling = d->start + off;
	}
	return c;
}

int die_attrs__attr(struct die_attrs *d, Dwarf_Die *die, unsigned int name, Dwarf_Attribute *out)
{
	const struct die_attrs_cache *c = cached(d, die);

	if (c->declined)
		return -1;
	for (unsigned int i = 0; i < c->n; i++)
		if (c->plan->attrs[i].name == name) {
			*out = (Dwarf_Attribute){ .code = name, .form = c->plan->attrs[i].form,
						  .valp = (unsigned char *)c->valp[i], .cu = die->cu };
			return 1;
		}
	return 0;
}

/* The entry at p, a first child or a next sibling: 0 and *out for a DIE, 1
 * for the null entry that ends the list (remembered in d->list_end), -1 past
 * the CU's end. */
static int entry_at(struct die_attrs *d, const unsigned char *p, Dwarf_CU *cu, Dwarf_Die *out)
{
	if (p >= d->end)
		return -1;
	if (*p == 0) {
		d->list_end = p + 1;
		return 1;
	}
	*out = (Dwarf_Die){ .addr = (void *)p, .cu = cu };
	return 0;
}

/* The byte after the attribute values of a DIE of plan pl, which start at
 * p; NULL when the plan is not usable or a value is not known or runs past
 * the CU. */
static const unsigned char *skip_attrs(const struct die_attrs *d, const struct die_attrs_plan *pl,
				       const unsigned char *p)
{
	if (!pl->usable)
		return NULL;
	for (unsigned int i = 0; i < pl->n; i++) {
		if (pl->size[i] != DIE_ATTRS_VARIABLE)
			p += pl->size[i];	/* checked below: nothing is read here */
		else if (p > d->end || !(p = die_attrs__skip_value(d, pl->attrs[i].form, p)))
			return NULL;
	}
	return p <= d->end ? p : NULL;
}

static int scan_take(struct die_scan_out *out, const unsigned char *at)
{
	if (out->n == out->cap && GROW(out->at, out->cap, out->n + 1, 16))
		return -ENOMEM;
	out->at[out->n++] = at;
	return 0;
}

/* The list of children starting at p, every DIE in it and under it stepped
 * over by its plan (a DW_AT_sibling is not needed), to the byte after the
 * null entry that ends it (*end). With class_of, each DIE of the list, and
 * of the lists under those it says to walk INTO, is counted and classed
 * (die_attrs__scan); without, none. Returns the count, -1 when a code has
 * no plan here, a value's length is not known or the CU ends first, or
 * -ENOMEM. A DIE GCC gives children but no DW_AT_sibling (the last of its
 * list) and that the reader did not walk into (a call site and its
 * parameters) was libdw's walk, a lock and a hash lookup for each DIE under
 * it. */
static long walk_list(const struct die_attrs *d, const unsigned char *p,
		      enum die_scan_class (*class_of)(unsigned int tag), struct die_scan_out *out,
		      const unsigned char **end)
{
	/* lists down to depth shown are classed; those under a DIE not walked
	 * into lie deeper, and are stepped over */
	unsigned long depth = 1, shown = class_of ? 1 : 0;
	long steps = 0;

	while (p && p < d->end) {
		const unsigned char *at = p;
		const struct die_attrs_plan *pl;
		uint64_t code;

		if (!read_uleb(&p, d->end, &code))
			return -1;
		if (code == 0) {
			shown -= shown == depth;
			if (--depth == 0) {
				*end = p;
				return steps;
			}
			continue;
		}
		if (code >= DIE_ATTRS_CODES || d->bycode[code].gen != d->gen)
			return -1;
		pl = d->bycode[code].plan;
		p = skip_attrs(d, pl, p);
		if (depth == shown) {
			enum die_scan_class c = class_of(pl->tag);

			steps++;
			if (c == DIE_SCAN_TAKE && scan_take(out, at))
				return -ENOMEM;
			shown += c == DIE_SCAN_INTO && pl->children;
		}
		depth += pl->children;
	}
	return -1;
}

/* The byte after the null entry that ends the list of children starting at
 * p (walk_list); NULL when it cannot be found here. */
static const unsigned char *skip_children(const struct die_attrs *d, const unsigned char *p)
{
	const unsigned char *end;

	return walk_list(d, p, NULL, NULL, &end) >= 0 ? end : NULL;
}

static int libdw_child(struct die_attrs *d, Dwarf_Die *die, Dwarf_Die *child)
{
	die_attrs__asked_libdw(d);
	return dwarf_child(die, child);
}

static int libdw_siblingof(struct die_attrs *d, Dwarf_Die *die)
{
	die_attrs__asked_libdw(d);
	return dwarf_siblingof(die, die);
}

int die_attrs__child(struct die_attrs *d, Dwarf_Die *die, Dwarf_Die *child)
{
	const struct die_attrs_cache *c = &d->cache;
	const unsigned char *p;

	d->list_end = NULL;
	if (!d->cu || die->cu != d->cu)
		return libdw_child(d, die, child);
	if (d->after_die == die->addr) {	/* just walked */
		if (!d->after_children)
			return 1;
		p = d->after;
	} else if (c->addr == die->addr && !c->declined) {
		if (!c->children)
			return 1;
		p = c->after;
	} else {
		const struct die_attrs_plan *pl = die_attrs__plan_fast(d, die, &p);

		if (pl && !pl->children)
			return 1;
		/* a DIE walked into without reading it (a function body's
		 * blocks): its attributes are stepped over, not given to libdw,
		 * whose abbreviation lookup takes a lock */
		if (!pl || !(p = skip_attrs(d, pl, p)))
			return libdw_child(d, die, child);
	}
	return entry_at(d, p, die->cu, child);
}

int die_attrs__siblingof(struct die_attrs *d, Dwarf_Die *die)
{
	const struct die_attrs_cache *c = &d->cache;
	const struct die_attrs_plan *pl;
	const unsigned char *p, *q;

	d->list_end = NULL;
	if (!d->cu || die->cu != d->cu)
		return libdw_siblingof(d, die);
	if (d->after_die == die->addr && !d->after_children)	/* just walked */
		p = d->after;
	else if (d->ended_die == die->addr)	/* its children were all stepped over */
		p = d->ended_at;
	else if (c->addr != die->addr && (pl = die_attrs__plan_fast(d, die, &q)) && !pl->children &&
		 (p = skip_attrs(d, pl, q)))
		;	/* no children, not read (most DIEs of a function's body): stepped over */
	else {
		if (c->addr != die->addr)	/* not read: its attributes are walked now */
			c = cached(d, die);
		if (c->declined)
			return libdw_siblingof(d, die);
		if (!c->children)
			p = c->after;
		else if (c->sibling && c->sibling > c->after)
			p = c->sibling;
		else if (!(p = skip_children(d, c->after)))
			return libdw_siblingof(d, die);
		else if (p == d->end)	/* the unit's DIE: nothing follows it */
			return 1;
	}
	return entry_at(d, p, die->cu, die);
}

void die_attrs__children_done(struct die_attrs *d, Dwarf_Die *parent)
{
	if (d->list_end && parent->cu == d->cu) {
		d->ended_die = parent->addr;
		d->ended_at = d->list_end;
	}
}

long die_attrs__scan(struct die_attrs *d, Dwarf_Die *die, enum die_scan_class (*class_of)(unsigned int tag),
		     struct die_scan_out *out, const unsigned char **end)
{
	const struct die_attrs_plan *pl;
	const unsigned char *p, *q;

	out->n = 0;
	*end = NULL;
	if (!d->cu || die->cu != d->cu || !(pl = die_attrs__plan_of(d, die, &q)) || !(p = skip_attrs(d, pl, q)))
		return -1;
	return pl->children ? walk_list(d, p, class_of, out, end) : 0;
}

void die_attrs__children_end(struct die_attrs *d, Dwarf_Die *die, const unsigned char *end)
{
	if (end && die->cu == d->cu) {
		d->ended_die = die->addr;
		d->ended_at = end;
	}
}
