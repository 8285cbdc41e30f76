/* stages/read/die_attrs.h: a DIE's attributes, walked from its abbreviation.
 *
 * libdw's dwarf_getattrs decodes the abbreviation's attribute list again for
 * every DIE and works out each value's length through a general routine;
 * for struct members, read millions of times, that was a fifth of the
 * readers' time. die_attrs reads each CU's abbreviation table once into
 * plans (tag, children, (attribute, form, length)) indexed by code, and then,
 * for each DIE, only steps over the values, giving each as the same
 * Dwarf_Attribute dwarf_getattrs would (code, form, value pointer, CU), so
 * libdw's dwarf_form* functions read the values as before. The plans also
 * give a DIE's tag, first child and next sibling without libdw.
 *
 * It declines (returns -1 or false, having given nothing) whenever it is not
 * sure: a form it does not know the length of, a DIE of another CU, a value
 * running past the CU's end, more attributes than a plan holds, a full plan
 * table. The caller then asks libdw, which is right for everything.
 *
 * One die_attrs per reader thread; not shared. die_attrs__begin_cu before
 * each CU.
 */
#ifndef BTFSTREAM_DIE_ATTRS_H
#define BTFSTREAM_DIE_ATTRS_H

#include <elfutils/libdw.h>
#include <stdbool.h>
#include <stdint.h>

#define DIE_ATTRS_MAX 16	/* attributes a plan holds */
#define DIE_ATTRS_PLANS 1024	/* abbreviations planned per CU (power of two) */
#define DIE_ATTRS_CODES 1024	/* abbreviation codes found without libdw */
#define DIE_ATTRS_VARIABLE 0xff	/* a form whose values have no fixed length */
#define DIE_PLAIN_ROLES 7	/* what an attribute of a plain DIE is for (die_plain.c) */

struct die_attrs_plan {
	uint32_t gen;			/* the slot is in use when it is die_attrs.gen */
	const Dwarf_Abbrev *abbrev;	/* libdw's, when planned from it; NULL: read here */
	bool usable;			/* false: walk with dwarf_getattrs */
	bool children;			/* DIEs with this abbreviation have children */
	bool plain;			/* a plain member, enumerator or parameter (die_plain.h) */
	unsigned int tag;		/* DW_TAG_* */
	uint8_t n;
	struct {
		uint16_t name, form;
	} attrs[DIE_ATTRS_MAX];
	uint8_t size[DIE_ATTRS_MAX];	/* each value's length, or DIE_ATTRS_VARIABLE */
	uint8_t sibling;		/* the index of its DW_AT_sibling of a ref1/2/4/8 form; DIE_ATTRS_MAX: none */
	/* DW_FORM_implicit_const values, as SLEB128 (apart: rarely read, and
	 * the plans stay small enough for the cache) */
	uint8_t (*imp)[10];
};

/* The attributes of one DIE, walked once and looked up many times: where
 * each value lies (its name and form are the plan's). */
struct die_attrs_cache {
	const void *addr;		/* the DIE (its address); NULL: nothing cached */
	bool declined;			/* the walk declined it: ask libdw */
	bool children;
	uint8_t n;
	const struct die_attrs_plan *plan;
	const unsigned char *after;	/* the byte after its attributes */
	const unsigned char *sibling;	/* from DW_AT_sibling; NULL: none */
	const unsigned char *valp[DIE_ATTRS_MAX];
};

struct die_attrs {
	Dwarf_CU *cu;			/* the CU being read */
	/* times libdw was asked about a DIE or attribute (by this file's
	 * fallbacks and the reader's, die_attrs__asked_libdw): libdw then keeps
	 * that CU's abbreviations, location lists, ... until dwarf_end, which
	 * is what a reader's handle being begun again lets go (pipeline/threads.c) */
	unsigned long libdw_asks;
	struct die_attrs_cache cache;
	const unsigned char *start, *end;	/* its bytes in memory, unit header first */
	uint8_t offset_size;		/* 4 or 8 (DWARF64) */
	uint8_t address_size;		/* from the unit header */
	uint8_t version;
	bool big_endian;
	uint32_t gen;			/* bumped per CU: frees every slot at once */
	const void *after_die;		/* the last DIE whose attributes were walked (collect, the cache) */
	const unsigned char *after;	/* ... the byte after its attributes */
	bool after_children;		/* ... and whether children follow there */
	unsigned int nplans;
	struct die_attrs_plan plans[DIE_ATTRS_PLANS];
	uint8_t imp[DIE_ATTRS_PLANS][DIE_ATTRS_MAX][10];	/* plans[i].imp */
	/* what each attribute of a plain DIE's plan is for (die_plain.c) */
	uint8_t plain_role[DIE_ATTRS_PLANS][DIE_ATTRS_MAX];
	/* where each role's value lies in a plain DIE whose attributes all
	 * have fixed lengths (die_plain.c: len 0, no such layout) */
	struct die_plain_layout {
		uint8_t len;		/* the attributes' bytes after the code */
		uint8_t off[DIE_PLAIN_ROLES];	/* by role (die_plain.c); DIE_ATTRS_VARIABLE: absent */
		uint8_t size[DIE_PLAIN_ROLES];
	} plain_layout[DIE_ATTRS_PLANS];
	/* the plan of each abbreviation code met in this CU (valid when gen
	 * matches): a DIE's code leads to its plan and tag without libdw's
	 * abbreviation lookup (a hash under a lock, for every new Dwarf_Die) */
	struct {
		uint32_t gen;
		struct die_attrs_plan *plan;
	} bycode[DIE_ATTRS_CODES];
	/* the last DIE whose plan was found, asked again for its walk or child */
	const void *last_die;
	const struct die_attrs_plan *last_plan;
	const unsigned char *last_after_code;
	/* the byte after the null entry the last child or sibling step met
	 * (NULL: that step did not meet one here), and the DIE whose subtree
	 * ends there (die_attrs__children_done) */
	const unsigned char *list_end;
	const void *ended_die;
	const unsigned char *ended_at;
};

static inline void die_attrs__asked_libdw(struct die_attrs *d)
{
	d->libdw_asks++;
}

/* Starts a CU: cu (libdw's), [start, end) its bytes in memory (unit header
 * first); [abbrev_lo, abbrev_hi) the whole .debug_abbrev in memory, whose
 * table for this CU is read now (NULL: codes are planned from libdw's
 * abbreviations as DIEs meet them). start NULL disables the walk. */
void die_attrs__begin_cu(struct die_attrs *d, Dwarf_CU *cu, const unsigned char *start, const unsigned char *end,
			 const unsigned char *abbrev_lo, const unsigned char *abbrev_hi, bool big_endian);

/* Fills out with die's attributes, as dwarf_getattrs would give them (code,
 * form, value pointer, CU), and returns their number; -1: declined (out
 * holds nothing usable). */
int die_attrs__collect(struct die_attrs *d, Dwarf_Die *die, Dwarf_Attribute out[DIE_ATTRS_MAX]);

/* Attribute name of die, as dwarf_attr(die, name, out) (not following
 * DW_AT_abstract_origin or DW_AT_specification): 1 found, 0 the DIE has no
 * such attribute, -1 not known here (ask libdw). The DIE's attributes are
 * walked once and kept until another DIE is asked about. */
int die_attrs__attr(struct die_attrs *d, Dwarf_Die *die, unsigned int name, Dwarf_Attribute *out);

/* dwarf_tag(die), from the plan of die's abbreviation code (libdw is asked
 * only for a code the CU's table did not plan, and then die->abbrev is set
 * as dwarf_tag would set it). */
int die_attrs__tag(struct die_attrs *d, Dwarf_Die *die);

/* dwarf_haschildren(die) > 0, the same way. */
bool die_attrs__haschildren(struct die_attrs *d, Dwarf_Die *die);

/* dwarf_child(die, child): the first child starts right after die's
 * attributes, known when die was just walked or is the cached one, or from
 * its plan (no children). Otherwise libdw. 0, 1 when there is no child, -1. */
int die_attrs__child(struct die_attrs *d, Dwarf_Die *die, Dwarf_Die *child);

/* Tells that the last die_attrs__child or die_attrs__siblingof step met the
 * null entry ending parent's children: parent's own sibling starts right
 * after it, which die_attrs__siblingof then uses (a DIE with children and no
 * DW_AT_sibling, GCC's last child of a list, needs no walk over its subtree).
 * Does nothing when that step was libdw's. */
void die_attrs__children_done(struct die_attrs *d, Dwarf_Die *parent);

/* What die_attrs__scan does with a DIE under the one it scans, by its tag. */
enum die_scan_class {
	DIE_SCAN_SKIP,	/* stepped over, with its subtree */
	DIE_SCAN_INTO,	/* its children scanned in turn */
	DIE_SCAN_TAKE,	/* its address handed out, its subtree stepped over */
};

struct die_scan_out {	/* the DIEs taken, in the tree's order; grown, reused */
	const unsigned char **at;
	size_t n, cap;
};

/* The DIEs under die (a DIE of the CU being read), walked in the tree's
 * order by their plans alone: no Dwarf_Die, no attribute given to anyone.
 * class_of(tag) says what to do with each. Returns how many DIEs were
 * stepped over or into, with out->at[0..out->n) the ones taken and *end the
 * byte after the null entry ending die's children (NULL: die has none);
 * -1: declined (a code without a plan here, a form whose length is not
 * known, bytes past the unit's end: walk with the other calls, nothing was
 * done), -ENOMEM. */
long die_attrs__scan(struct die_attrs *d, Dwarf_Die *die, enum die_scan_class (*class_of)(unsigned int tag),
		     struct die_scan_out *out, const unsigned char **end);

/* die's children were walked by die_attrs__scan and end at end (its
 * *end): die_attrs__siblingof(die) then steps there, as after
 * die_attrs__children_done. */
void die_attrs__children_end(struct die_attrs *d, Dwarf_Die *die, const unsigned char *end);

/* dwarf_siblingof(die, die) from die's plan: its attributes are walked
 * (unless they were just walked or are the ones cached, which they then
 * become); a DIE without children is followed by its sibling (or by the
 * null entry that ends the list), one with children jumps by its
 * DW_AT_sibling or to where its children were seen to end
 * (die_attrs__children_done). Otherwise, or for a DIE of another CU, libdw.
 * 0, 1 when there is no sibling, -1. */
int die_attrs__siblingof(struct die_attrs *d, Dwarf_Die *die);

#endif
