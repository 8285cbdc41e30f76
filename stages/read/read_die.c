/* stages/read/read_die.c: the reader's DIE helpers (read_internal.h):
 * records and the DIE map, names through the name cache and strtab,
 * attributes through the CU's plans, references (local, cross-CU), decl
 * tags, the scratch array. Every function runs on the reader thread that
 * owns r.
 */
#include <dwarf.h>
#include <errno.h>
#include <linux/btf.h>
#include <pthread.h>
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "stages/read/dwarf_bytes.h"
#include "stages/read/name_cache.h"
#include "stages/common/grow.h"
#include "stages/read/read_internal.h"
#include "strtab/strtab.h"

int reader_fail(struct dwarf_reader *r, Dwarf_Die *die, int err, const char *what)
{
	unsigned long long off = die ? dwarf_dieoffset(die) : r->cu_off;
	int dw_err = dwarf_errno();	/* read once: reading it clears it */

	return fail__set(r->fail, err, "read: %s: CU 0x%llx, DIE 0x%llx: %s%s%s", r->path,
			 (unsigned long long)r->cu_off, off, what, dw_err ? ": " : "", dw_err ? dwarf_errmsg(dw_err) : "");
}

static long append(struct type_rec **arr, size_t *n, size_t *cap, uint8_t kind)
{
	if (GROW(*arr, *cap, *n + 1, 4096))
		return -ENOMEM;
	memset(&(*arr)[*n], 0, sizeof(**arr));
	(*arr)[*n].kind = kind;
	return (long)(*n)++;
}

/* Appends a zeroed type record; returns its index, or -ENOMEM. */
long add_rec(struct dwarf_reader *r, uint8_t kind)
{
	return append(&r->recs, &r->nrecs, &r->cap, kind);
}

/* Appends a zeroed REC_FUNC candidate to r->funcs; returns its index. */
long add_func_rec(struct dwarf_reader *r)
{
	return append(&r->funcs, &r->nfuncs, &r->funcs_cap, REC_FUNC);
}


int map_die(struct dwarf_reader *r, Dwarf_Die *die, uint32_t val)
{
	return die_map__set(&r->map, (uint32_t)dwarf_dieoffset(die), val);
}

/* A name of at most 8 bytes through r->short_names: 1 done (*id set), 0 the
 * name is longer, -ENOMEM. Reads s no further than its terminator. */
static int intern_short(struct dwarf_reader *r, const char *s, uint32_t *id)
{
	struct short_name *e;
	uint64_t key = 0;
	size_t len = 0;
	int err;

	while (s[len]) {
		if (len == 8)
			return 0;
		key |= (uint64_t)(unsigned char)s[len] << (8 * len);
		len++;
	}
	if (!len) {
		*id = 0;
		return 1;
	}
	if (!r->short_names && !(r->short_names = calloc(SHORT_NAME_SIZE, sizeof(*r->short_names))))
		return -ENOMEM;
	e = &r->short_names[(key * 0x9E3779B97F4A7C15ull) >> (64 - SHORT_NAME_BITS)];
	if (e->key == key) {
		*id = e->id;
		r->stats.memo_hits++;
		return 1;
	}
	if ((err = strtab__intern(r->strtab, s, len, id)))
		return err;
	e->key = key;
	e->id = *id;
	return 1;
}

/* Interns s. Names in DWARF are mostly DW_FORM_strp, so the same name comes
 * back as the same pointer into .debug_str in CU after CU: the shared name
 * cache (stages/read/name_cache.h) answers by offset; short names inline in
 * .debug_info by their bytes (intern_short); other pointers (longer inline
 * names, a compressed .debug_str) go through a direct-mapped memo keyed by
 * the pointer. Each skips hashing the bytes for most names. The bytes
 * behind a pointer never change (see input.h), so a hit is exact. */
int intern_name(struct dwarf_reader *r, const char *s, uint32_t *id)
{
	struct name_memo *m;
	int err = 0;

	if (!s) {
		*id = 0;
		return 0;
	}
	if (r->opts->names && name_cache__covers(r->opts->names, s)) {
		if (name_cache__get(r->opts->names, s, id)) {
			r->stats.memo_hits++;
			return 0;
		}
		if (!*s) {
			*id = 0;
			return 0;
		}
		if (!(err = strtab__intern_borrowed(r->strtab, s, strlen(s), id)))
			name_cache__put(r->opts->names, s, *id);
		return err;
	}
	if (s >= r->opts->info_lo && s < r->opts->info_hi)
		switch (intern_short(r, s, id)) {
		case 1:
			return 0;
		case 0:
			break;
		default:
			return -ENOMEM;
		}
	if (!r->memo && !(r->memo = calloc(NAME_MEMO_SIZE, sizeof(*r->memo))))
		return -ENOMEM;
	/* the pointer alone decides a hit: the bytes (likely a cache miss) are
	 * read only on a miss */
	m = &r->memo[((uintptr_t)s * 0x9E3779B97F4A7C15ull) >> (64 - NAME_MEMO_BITS)];
	if (m->p == s) {
		*id = m->id;
		r->stats.memo_hits++;
		return 0;
	}
	if (!*s)
		*id = 0;
	else if (s >= r->opts->info_lo && s < r->opts->info_hi)
		err = strtab__intern(r->strtab, s, strlen(s), id);
	else
		err = strtab__intern_borrowed(r->strtab, s, strlen(s), id);
	if (err)
		return err;
	m->p = s;
	m->id = *id;
	return 0;
}

/* The name a DW_FORM_strp value at valp (of the CU being read) stands for,
 * when opts->debug_str is set (it ends with a NUL, so every offset inside
 * it starts a terminated string); NULL when it is not, or the offset is
 * past it. */
static const char *strp_name(const struct dwarf_reader *r, const unsigned char *valp)
{
	uint64_t off;

	if (!r->opts->debug_str)
		return NULL;
	off = read_n(valp, r->attrs.offset_size, r->opts->big_endian);
	return off < r->opts->debug_str_size ? r->opts->debug_str + off : NULL;
}

/* dwarf_formstring, read here for the two forms GCC gives names: the bytes
 * themselves (DW_FORM_string) and an offset into .debug_str (DW_FORM_strp,
 * strp_name). Anything else, or an attribute of another CU, goes to libdw. */
const char *attr_string(struct dwarf_reader *r, Dwarf_Attribute *at)
{
	const char *s;

	if (at->cu && at->cu == r->attrs.cu) {
		if (at->form == DW_FORM_string)
			return (const char *)at->valp;
		if (at->form == DW_FORM_strp && (s = strp_name(r, at->valp)))
			return s;
	}
	die_attrs__asked_libdw(&r->attrs);
	return dwarf_formstring(at);
}

/* dwarf_diename(die) through the attribute cache. */
const char *die_name_str(struct dwarf_reader *r, Dwarf_Die *die)
{
	Dwarf_Attribute at;

	return die_attr_integrate(r, die, DW_AT_name, &at) ? attr_string(r, &at) : NULL;
}

int die_name(struct dwarf_reader *r, Dwarf_Die *die, uint32_t *id)
{
	return intern_name(r, die_name_str(r, die), id);
}

/* The CU-relative offset a DW_FORM_ref1/2/4/8/udata holds, decoded from the
 * attribute's bytes: the hot path of every type reference, without the
 * lookups dwarf_formref_die does. false for any other form. */
static bool local_ref_offset(const struct dwarf_reader *r, const Dwarf_Attribute *at, Dwarf_Off *off)
{
	const unsigned char *p = at->valp;
	unsigned int shift = 0;

	switch (at->form) {
	case DW_FORM_ref1:
		*off = p[0];
		return true;
	case DW_FORM_ref2:
		*off = read_n(p, 2, r->opts->big_endian);
		return true;
	case DW_FORM_ref4:
		*off = read_n(p, 4, r->opts->big_endian);
		return true;
	case DW_FORM_ref8:
		*off = read_n(p, 8, r->opts->big_endian);
		return true;
	case DW_FORM_ref_udata:
		*off = 0;
		do
			*off |= (Dwarf_Off)(*p & 0x7f) << shift, shift += 7;
		while ((*p++ & 0x80) && shift < 64);
		return true;
	default:
		return false;
	}
}

/* A reference into another CU (DW_FORM_ref_addr: LTO, dwz partial units):
 * the DIE is read into this CU after its own DIEs (import_foreign). */
/* Appends v to the growable array *arr of *n elements. 0 or -ENOMEM. */
int push_u32(uint32_t **arr, size_t *n, size_t *cap, uint32_t v)
{
	if (GROW(*arr, *cap, *n + 1, 32))
		return -ENOMEM;
	(*arr)[(*n)++] = v;
	return 0;
}

static int add_import(struct dwarf_reader *r, uint32_t off)
{
	return push_u32(&r->imports, &r->nimports, &r->imports_cap, off);
}

/* The reference to the DIE at .debug_info offset off, as a pass-1 ref (a
 * DIE of another CU is queued for import_foreign). */
static int ref_to(struct dwarf_reader *r, Dwarf_Die *die, uint64_t off, uint32_t *ref)
{
	if (off == 0 || off >= REF_LOCAL)
		return reader_fail(r, die, -E2BIG, "type reference beyond 2 GiB of .debug_info");
	if ((off < r->cu_off || off >= r->cu_end) && add_import(r, (uint32_t)off))
		return -ENOMEM;
	*ref = (uint32_t)off;
	return 0;
}

int die_ref_offset(struct dwarf_reader *r, Dwarf_Die *die, uint64_t cu_off, uint32_t *ref)
{
	return ref_to(r, die, r->cu_off + cu_off, ref);
}

/* The DIE the reference attribute found of die names, as a pass-1 ref: REF_VOID if
 * absent, else the target's .debug_info offset. */
int die_ref_at(struct dwarf_reader *r, Dwarf_Die *die, Dwarf_Attribute *found, uint32_t *ref)
{
	Dwarf_Attribute at = *found;
	Dwarf_Die target;
	Dwarf_Off off;

	/* the fast path only when the attribute is of the CU being read (an
	 * integrated one, or one of an imported DIE, may be of another) */
	if (at.cu == r->cu && local_ref_offset(r, &at, &off))
		return die_ref_offset(r, die, off, ref);
	if (!die_follow(r, &at, &target))
		return reader_fail(r, die, -EINVAL, "bad type reference");
	return ref_to(r, die, dwarf_dieoffset(&target), ref);
}

/* dwarf_attr(die, name, at) through the reader's cache of the DIE's
 * attributes (stages/read/die_attrs.h): one walk over them, then lookups. */
bool die_attr(struct dwarf_reader *r, Dwarf_Die *die, unsigned int name, Dwarf_Attribute *at)
{
	int k = die_attrs__attr(&r->attrs, die, name, at);

	if (k >= 0)
		return k > 0;
	die_attrs__asked_libdw(&r->attrs);
	return dwarf_attr(die, name, at) != NULL;
}

Dwarf_Die *die_follow(struct dwarf_reader *r, Dwarf_Attribute *at, Dwarf_Die *target)
{
	Dwarf_Off off;

	if (at->cu == r->cu && r->attrs.start && local_ref_offset(r, at, &off) && off >= r->first_die &&
	    off < (Dwarf_Off)(r->attrs.end - r->attrs.start)) {
		memset(target, 0, sizeof(*target));
		target->addr = (void *)(r->attrs.start + off);
		target->cu = r->cu;
		return target;
	}
	die_attrs__asked_libdw(&r->attrs);
	return dwarf_formref_die(at, target);
}

/* The origin die names (DW_AT_abstract_origin, else DW_AT_specification,
 * libdw's order) into *origin: 1, 0 none, -1 not known here. */
static int die_origin(struct dwarf_reader *r, Dwarf_Die *die, Dwarf_Attribute *origin)
{
	int k = die_attrs__attr(&r->attrs, die, DW_AT_abstract_origin, origin);

	return k ? k : die_attrs__attr(&r->attrs, die, DW_AT_specification, origin);
}

/*
 * dwarf_attr_integrate: the attribute of die, else of the DIE its
 * DW_AT_abstract_origin or DW_AT_specification names, and so on, 16 steps
 * at most, as libdw goes. Each DIE's attributes through the reader's cache
 * and each step by die_follow: libdw is asked only for what these decline
 * (its own walk of a DIE reads and keeps that CU's abbreviations: 6 MB of
 * its memory on the vmlinux, which made each reader begin its handle again
 * every 256 CUs). A DIE without the attribute and without an origin is
 * never a unit DIE here (libdw's only other case: a split unit's skeleton).
 */
bool die_attr_integrate(struct dwarf_reader *r, Dwarf_Die *die, unsigned int name, Dwarf_Attribute *at)
{
	Dwarf_Die mem[2], *cur = die;
	Dwarf_Attribute origin;

	for (int step = 0; step <= 16; step++) {
		int k = die_attrs__attr(&r->attrs, cur, name, at);

		if (k > 0)
			return true;
		if (k == 0 && (k = die_origin(r, cur, &origin)) == 0)
			return false;
		if (k < 0) {
			die_attrs__asked_libdw(&r->attrs);
			return dwarf_attr_integrate(cur, name, at) != NULL;
		}
		if (!(cur = die_follow(r, &origin, &mem[step & 1])))
			return false;
	}
	return false;
}

int die_ref(struct dwarf_reader *r, Dwarf_Die *die, unsigned int name, uint32_t *ref)
{
	Dwarf_Attribute at;

	*ref = REF_VOID;
	return die_attr(r, die, name, &at) ? die_ref_at(r, die, &at, ref) : 0;
}

/* The same, following DW_AT_specification / DW_AT_abstract_origin. */
int die_ref_integrate(struct dwarf_reader *r, Dwarf_Die *die, unsigned int name, uint32_t *ref)
{
	Dwarf_Attribute at;

	*ref = REF_VOID;
	return die_attr_integrate(r, die, name, &at) ? die_ref_at(r, die, &at, ref) : 0;
}

bool die_flag(struct dwarf_reader *r, Dwarf_Die *die, unsigned int name)
{
	Dwarf_Attribute at;
	bool v = false;

	return die_attr(r, die, name, &at) && dwarf_formflag(&at, &v) == 0 && v;
}

bool die_udata(struct dwarf_reader *r, Dwarf_Die *die, unsigned int name, Dwarf_Word *v)
{
	Dwarf_Attribute at;

	return die_attr(r, die, name, &at) && dwarf_formudata(&at, v) == 0;
}

/* Signed constant: sign-extends sdata/implicit_const only, like the forms say. */
bool die_sdata(struct dwarf_reader *r, Dwarf_Die *die, unsigned int name, int64_t *v, bool *is_signed_form)
{
	Dwarf_Attribute at;
	Dwarf_Sword s;
	Dwarf_Word u;

	if (!die_attr(r, die, name, &at))
		return false;
	*is_signed_form = dwarf_whatform(&at) == DW_FORM_sdata || dwarf_whatform(&at) == DW_FORM_implicit_const;
	if (*is_signed_form) {
		if (dwarf_formsdata(&at, &s))
			return false;
		*v = s;
		return true;
	}
	if (dwarf_formudata(&at, &u))
		return false;
	*v = (int64_t)u;
	return true;
}

/* ---- annotations (clang's DW_TAG_LLVM_annotation, GCC's DW_TAG_GNU_annotation) ---- */

bool is_annotation(int tag)
{
	return tag == DW_TAG_LLVM_annotation || tag == DW_TAG_GNU_annotation;
}

/* If die is an annotation named `kind`, its value string (through the
 * CU's plans, as every attribute the readers read most). */
const char *annotation_value(struct dwarf_reader *r, Dwarf_Die *die, const char *kind)
{
	Dwarf_Attribute at;
	const char *name;

	if (!is_annotation(die_tag(r, die)))
		return NULL;
	name = die_name_str(r, die);
	if (!name || strcmp(name, kind) || !die_attr(r, die, DW_AT_const_value, &at))
		return NULL;
	return attr_string(r, &at);
}

/* DECL_TAG records for the btf_decl_tag annotations among die's children;
 * target is the record they tag, component the member/param index or -1. */
int add_decl_tags(struct dwarf_reader *r, Dwarf_Die *die, long target, int component)
{
	Dwarf_Die child;
	int res;

	if (!r->opts->decl_tag || first_child(r, die, &child) != 0)
		return 0;
	do {
		const char *v = is_annotation(die_tag(r, &child)) ? annotation_value(r, &child, "btf_decl_tag") : NULL;
		long idx;
		uint32_t name;

		if (!v)
			continue;
		if (intern_name(r, v, &name) || (idx = add_rec(r, BTF_KIND_DECL_TAG)) < 0)
			return -ENOMEM;
		r->recs[idx].name = name;
		r->recs[idx].size_type = local_ref(target);
		r->recs[idx].extra = (uint32_t)component;
	} while ((res = next_sibling(r, &child)) == 0);
	return res < 0 ? reader_fail(r, die, -EINVAL, "corrupt DIE tree") : 0;
}

/* ---- one function per DWARF tag ---- */

/* BTF has no complex type. "complex double" becomes what it is in memory,
 * ARRAY[2] of FLOAT "double" (re, im), so sizes, offsets and meaning stay
 * right; pahole 1.24 refuses the whole file instead. */

bool plain_name(struct dwarf_reader *r, const struct die_plain *dp, const char **name)
{
	if (!dp->name || dp->name_form == DW_FORM_string) {
		*name = (const char *)dp->name;
		return true;
	}
	return (*name = strp_name(r, dp->name)) != NULL;
}

int take_plain_run(struct dwarf_reader *r, Dwarf_Die *child, unsigned int tag, uint32_t *i, size_t *npending)
{
	const unsigned char *p = child->addr;

	/* a list of another CU (a DIE imported from it: LTO) goes the general way */
	if (!r->attrs.cu || child->cu != r->attrs.cu || p < r->attrs.start || p >= r->attrs.end)
		return 0;

	for (;;) {
		size_t n0 = *npending, k, room;
		struct pending_plain *pp;

		if (GROW(r->pending, r->pending_cap, n0 + 64, 64))
			return -ENOMEM;
		room = r->pending_cap - n0;
		k = die_plain__run(&r->attrs, &p, tag, &r->pending[n0], sizeof(*r->pending), room);
		for (size_t j = 0; j < k; j++) {
			pp = &r->pending[n0 + j];
			if (!plain_name(r, &pp->dp, &pp->name)) {
				/* a name only libdw reads: this DIE goes the
				 * general way, the run ends before it */
				p = pp->dp.die;
				k = j;
				room = SIZE_MAX;
				break;
			}
			pp->i = (*i)++;
			if (pp->name && r->opts->names && name_cache__covers(r->opts->names, pp->name))
				name_cache__prefetch(r->opts->names, pp->name);
		}
		*npending = n0 + k;
		if (!p)
			return 1;
		if (p >= r->attrs.end)
			return -1;
		if (k < room) {	/* stopped at a DIE that is not one of them */
			*child = (Dwarf_Die){ .addr = (void *)p, .cu = r->cu };
			return 0;
		}
	}
}

/* Element i of the reader's scratch array of elem-byte elements (grown as
 * needed, contents kept), or NULL. For lists read in one walk whose length
 * is known only at the end; the caller copies them out before the next use. */
void *scratch_at(struct dwarf_reader *r, size_t i, size_t elem)
{
	if (grow__to(&r->scratch, &r->scratch_cap, (i + 1) * elem, 1, 4096))
		return NULL;
	return (char *)r->scratch + i * elem;
}

/* The first n elements of the scratch array, copied into the CU arena. */
void *scratch_to_arena(struct dwarf_reader *r, size_t n, size_t elem)
{
	void *p;

	if (!n)
		return NULL;
	if ((p = arena__alloc_raw(r->arena, n * elem)))
		memcpy(p, r->scratch, n * elem);
	return p;
}

/* libdw's dwarf_getlocation* keep per-CU caches that a stock libdw does not
 * lock; the location reads (read_var.c, read_func.c) take this lock. */
pthread_mutex_t getlocation_lock = PTHREAD_MUTEX_INITIALIZER;

int walk_done(struct dwarf_reader *r, Dwarf_Die *die, int res, uint32_t n, const char *what)
{
	char msg[64];

	if (res < 0)
		return reader_fail(r, die, -EINVAL, "corrupt DIE tree");
	children_done(r, die);
	if (!what || n <= 0xffff)
		return 0;
	snprintf(msg, sizeof(msg), "more than 65535 %s", what);
	return reader_fail(r, die, -E2BIG, msg);
}
