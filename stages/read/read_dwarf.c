/* stages/read/read_dwarf.c: see read_dwarf.h.
 *
 * One CU is read in two passes over memory the reader owns:
 *  1. walk the DIE tree in order; each DIE that BTF needs becomes one or more
 *     records appended to r->recs; references are stored as the target DIE's
 *     .debug_info offset (not yet known as a record), and the DIE's own offset
 *     is mapped to its head record in r->map;
 *  2. resolve: every stored offset is looked up in the map and replaced by
 *     the local ref. References made between records of one DIE (the
 *     type tag chains, decl tags) are local from the start and
 *     carry REF_LOCAL until pass 2 strips it.
 */
#include "stages/read/read_dwarf.h"

#include <dwarf.h>
#include <errno.h>
#include <linux/btf.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "stages/read/name_cache.h"
#include "stages/read/read_internal.h"
#include "strtab/strtab.h"

#ifndef DW_TAG_LLVM_annotation
#define DW_TAG_LLVM_annotation 0x6000
#endif
#ifndef DW_TAG_GNU_annotation
#define DW_TAG_GNU_annotation 0x6001
#endif
#ifndef DW_TAG_atomic_type
#define DW_TAG_atomic_type 0x47
#endif
#ifndef DW_TAG_immutable_type
#define DW_TAG_immutable_type 0x4b
#endif

#define MAX_ALIAS_DEPTH 64
#define IMPORT_LEVEL 1000	/* imported DIEs are never "file scope" */

int reader_fail(struct dwarf_reader *r, Dwarf_Die *die, int err, const char *what)
{
	unsigned long long off = die ? dwarf_dieoffset(die) : r->cu_off;
	int dw_err = dwarf_errno();	/* read once: reading it clears it */

	return fail__set(r->fail, err, "read_dwarf: %s: CU 0x%llx, DIE 0x%llx: %s%s%s", r->path,
			 (unsigned long long)r->cu_off, off, what, dw_err ? ": " : "", dw_err ? dwarf_errmsg(dw_err) : "");
}

static long append(struct type_rec **arr, size_t *n, size_t *cap, uint8_t kind)
{
	if (*n == *cap) {
		size_t ncap = *cap ? *cap * 2 : 4096;
		struct type_rec *a = realloc(*arr, ncap * sizeof(*a));

		if (!a)
			return -ENOMEM;
		*arr = a;
		*cap = ncap;
	}
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

static uint64_t read_uint(const unsigned char *p, unsigned int n, bool big_endian);

/* dwarf_formstring, read here for the two forms GCC gives names: the bytes
 * themselves (DW_FORM_string) and an offset into .debug_str (DW_FORM_strp,
 * when opts->debug_str is set: it ends with a NUL, so every offset inside it
 * starts a terminated string). Anything else, or an attribute of another
 * CU, goes to libdw. */
const char *attr_string(struct dwarf_reader *r, Dwarf_Attribute *at)
{
	if (at->cu && at->cu == r->attrs.cu) {
		if (at->form == DW_FORM_string)
			return (const char *)at->valp;
		if (at->form == DW_FORM_strp && r->opts->debug_str) {
			uint64_t off = read_uint(at->valp, r->attrs.offset_size, r->opts->big_endian);

			if (off < r->opts->debug_str_size)
				return r->opts->debug_str + off;
		}
	}
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

static uint64_t read_uint(const unsigned char *p, unsigned int n, bool big_endian)
{
	uint64_t v = 0;

	for (unsigned int i = 0; i < n; i++)
		v = v << 8 | p[big_endian ? i : n - 1 - i];
	return v;
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
		*off = read_uint(p, 2, r->opts->big_endian);
		return true;
	case DW_FORM_ref4:
		*off = read_uint(p, 4, r->opts->big_endian);
		return true;
	case DW_FORM_ref8:
		*off = read_uint(p, 8, r->opts->big_endian);
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
static int push_u32(uint32_t **arr, size_t *n, size_t *cap, uint32_t v)
{
	if (*n == *cap) {
		size_t ncap = *cap ? *cap * 2 : 32;
		uint32_t *a = realloc(*arr, ncap * sizeof(*a));

		if (!a)
			return -ENOMEM;
		*arr = a;
		*cap = ncap;
	}
	(*arr)[(*n)++] = v;
	return 0;
}

static int add_import(struct dwarf_reader *r, uint32_t off)
{
	return push_u32(&r->imports, &r->nimports, &r->imports_cap, off);
}

/* The DIE the reference attribute found of die names, as a pass-1 ref: REF_VOID if
 * absent, else the target's .debug_info offset (a DIE of another CU is
 * queued for import_foreign). */
int die_ref_at(struct dwarf_reader *r, Dwarf_Die *die, Dwarf_Attribute *found, uint32_t *ref)
{
	Dwarf_Attribute at = *found;
	Dwarf_Die target;
	Dwarf_Off off;

	/* the fast path only when the attribute is of the CU being read (an
	 * integrated one, or one of an imported DIE, may be of another) */
	if (at.cu == r->cu && local_ref_offset(r, &at, &off)) {
		off += r->cu_off;
	} else {
		if (!dwarf_formref_die(&at, &target))
			return reader_fail(r, die, -EINVAL, "bad type reference");
		off = dwarf_dieoffset(&target);
	}
	if (off == 0 || off >= REF_LOCAL)
		return reader_fail(r, die, -E2BIG, "type reference beyond 2 GiB of .debug_info");
	if ((off < r->cu_off || off >= r->cu_end) && add_import(r, (uint32_t)off))
		return -ENOMEM;
	*ref = (uint32_t)off;
	return 0;
}

/* dwarf_attr(die, name, at) through the reader's cache of the DIE's
 * attributes (stages/read/die_attrs.h): one walk over them, then lookups. */
bool die_attr(struct dwarf_reader *r, Dwarf_Die *die, unsigned int name, Dwarf_Attribute *at)
{
	int k = die_attrs__attr(&r->attrs, die, name, at);

	return k < 0 ? dwarf_attr(die, name, at) != NULL : k > 0;
}

/* dwarf_attr_integrate: the same, else through DW_AT_abstract_origin /
 * DW_AT_specification (libdw follows those, only when the DIE has one). */
bool die_attr_integrate(struct dwarf_reader *r, Dwarf_Die *die, unsigned int name, Dwarf_Attribute *at)
{
	Dwarf_Attribute origin;
	int k = die_attrs__attr(&r->attrs, die, name, at);

	if (k > 0)
		return true;
	if (k == 0 && die_attrs__attr(&r->attrs, die, DW_AT_abstract_origin, &origin) == 0 &&
	    die_attrs__attr(&r->attrs, die, DW_AT_specification, &origin) == 0)
		return false;
	return dwarf_attr_integrate(die, name, at) != NULL;
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
static bool die_sdata(struct dwarf_reader *r, Dwarf_Die *die, unsigned int name, int64_t *v, bool *is_signed_form)
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

static bool is_annotation(int tag)
{
	return tag == DW_TAG_LLVM_annotation || tag == DW_TAG_GNU_annotation;
}

/* If die is an annotation named `kind`, its value string. */
const char *annotation_value(Dwarf_Die *die, const char *kind)
{
	Dwarf_Attribute at;
	const char *name;

	if (!is_annotation(dwarf_tag(die)))
		return NULL;
	name = dwarf_diename(die);
	if (!name || strcmp(name, kind) || !dwarf_attr(die, DW_AT_const_value, &at))
		return NULL;
	return dwarf_formstring(&at);
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
		const char *v = annotation_value(&child, "btf_decl_tag");
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
static int read_complex(struct dwarf_reader *r, Dwarf_Die *die, const char *s, Dwarf_Word size)
{
	uint32_t part_name;
	long part, arr;

	if (!r->opts->gen_floats || size % 2)
		return map_die(r, die, DIE_MAP_ALIAS);
	if (s && !strncmp(s, "complex ", 8))
		s += 8;
	if (intern_name(r, s, &part_name) || (part = add_rec(r, BTF_KIND_FLOAT)) < 0 ||
	    (arr = add_rec(r, BTF_KIND_ARRAY)) < 0)
		return -ENOMEM;
	r->recs[part].name = part_name;
	r->recs[part].size_type = size / 2;
	r->recs[arr].extra = 2;
	r->recs[arr].elem = local_ref(part);
	r->recs[arr].index = REF_INDEX_TYPE;
	return map_die(r, die, arr + 1);
}

static int read_base_type(struct dwarf_reader *r, Dwarf_Die *die)
{
	Dwarf_Word enc = 0, size = 0;
	uint32_t name, btf_enc = 0;
	const char *s = die_name_str(r, die);
	long idx;

	die_udata(r, die, DW_AT_encoding, &enc);
	die_udata(r, die, DW_AT_byte_size, &size);
	if (intern_name(r, s, &name))
		return -ENOMEM;
	switch (enc) {
	case DW_ATE_float:
		if (!r->opts->gen_floats)
			return map_die(r, die, DIE_MAP_ALIAS);	/* as void */
		if ((idx = add_rec(r, BTF_KIND_FLOAT)) < 0)
			return -ENOMEM;
		r->recs[idx].name = name;
		r->recs[idx].size_type = size;
		return map_die(r, die, idx + 1);
	case DW_ATE_complex_float:
		return read_complex(r, die, s, size);
	case DW_ATE_imaginary_float:
	case DW_ATE_decimal_float:
		/* BTF cannot say what these are: references become void */
		r->stats.unsupported++;
		return map_die(r, die, DIE_MAP_ALIAS);
	case DW_ATE_signed:
	case DW_ATE_signed_char:
	case DW_ATE_signed_fixed:
		btf_enc = BTF_INT_SIGNED;
		break;
	case DW_ATE_boolean:
		btf_enc = BTF_INT_BOOL;
		break;
	}
	/* BTF has INTs of 1, 2, 4, 8 and 16 bytes. Any other size (clang's
	 * DW_ATE_unsigned_24 of 3 bytes, made for DW_OP_convert in location
	 * expressions; 0; more than 16) becomes pahole's 4-byte stand-in, so
	 * what refers to it stays valid and matches pahole's output. */
	if (size == 0 || size > 16 || (size & (size - 1))) {
		s = "__SANITIZED_FAKE_INT__";
		size = 4;
		if (intern_name(r, s, &name))
			return -ENOMEM;
	}
	if ((idx = add_rec(r, BTF_KIND_INT)) < 0)
		return -ENOMEM;
	r->recs[idx].name = name;
	r->recs[idx].size_type = size;
	r->recs[idx].extra = (btf_enc << 24) | (uint32_t)(size * 8);
	if (s && !strcmp(s, "int") && r->int_ref == REF_VOID)
		r->int_ref = idx + 1;
	return map_die(r, die, idx + 1);
}

/* PTR, CONST, VOLATILE, RESTRICT, TYPEDEF: one record pointing at DW_AT_type. */
static int read_simple_ref(struct dwarf_reader *r, Dwarf_Die *die, uint8_t kind)
{
	uint32_t name = 0, ref;
	long idx;
	int err;

	if ((err = die_ref(r, die, DW_AT_type, &ref)))
		return err;
	if (kind == BTF_KIND_TYPEDEF && die_name(r, die, &name))
		return -ENOMEM;
	if ((idx = add_rec(r, kind)) < 0)
		return -ENOMEM;
	r->recs[idx].name = name;
	r->recs[idx].size_type = ref;
	if ((err = map_die(r, die, idx + 1)))
		return err;
	return kind == BTF_KIND_TYPEDEF ? add_decl_tags(r, die, idx, -1) : 0;
}

/* PTR, followed by one TYPE_TAG per btf_type_tag annotation. As pahole does,
 * the chain runs in reverse DWARF order: for annotations t1, t2 (DWARF order)
 * it is PTR -> t2 -> t1 -> pointee. */
static int read_pointer(struct dwarf_reader *r, Dwarf_Die *die)
{
	uint32_t pointee, name;
	Dwarf_Die child;
	long ptr;
	int err;

	if ((err = die_ref(r, die, DW_AT_type, &pointee)))
		return err;
	if ((ptr = add_rec(r, BTF_KIND_PTR)) < 0)
		return -ENOMEM;
	r->recs[ptr].size_type = pointee;
	if ((err = map_die(r, die, ptr + 1)))
		return err;
	if (!r->opts->type_tag || first_child(r, die, &child) != 0)
		return 0;
	do {
		const char *v = annotation_value(&child, "btf_type_tag");
		long tag;

		if (!v)
			continue;
		if (intern_name(r, v, &name) || (tag = add_rec(r, BTF_KIND_TYPE_TAG)) < 0)
			return -ENOMEM;
		r->recs[tag].name = name;
		r->recs[tag].size_type = r->recs[ptr].size_type;
		r->recs[ptr].size_type = local_ref(tag);
	} while (next_sibling(r, &child) == 0);
	return 0;
}

static uint32_t subrange_count(struct dwarf_reader *r, Dwarf_Die *sub)
{
	Dwarf_Attribute at;
	Dwarf_Word u, lower = 0;
	int64_t ub;
	bool sform;

	if (die_attr(r, sub, DW_AT_count, &at))
		return dwarf_formudata(&at, &u) == 0 ? (uint32_t)u : 0;
	if (!die_sdata(r, sub, DW_AT_upper_bound, &ub, &sform))
		return 0;	/* flexible or variable length */
	die_udata(r, sub, DW_AT_lower_bound, &lower);
	return (uint32_t)(ub - (int64_t)lower + 1);
}

/* One ARRAY whose nelems is the product of all dimensions, as pahole does:
 * a[2][3] becomes ARRAY(6) of elem; a[][4] and a[0][4] become ARRAY(0). */
static int read_array(struct dwarf_reader *r, Dwarf_Die *die)
{
	uint32_t elem, nelems = 1;
	Dwarf_Die child;
	bool any = false;
	long idx;
	int err;

	if ((err = die_ref(r, die, DW_AT_type, &elem)))
		return err;
	if (first_child(r, die, &child) == 0) {
		do {
			int tag = die_tag(r, &child);

			if (tag == DW_TAG_subrange_type)
				nelems *= subrange_count(r, &child);
			else if (tag == DW_TAG_enumeration_type)
				nelems = 0;
			else
				continue;
			any = true;
		} while (next_sibling(r, &child) == 0);
	}
	if ((idx = add_rec(r, BTF_KIND_ARRAY)) < 0)
		return -ENOMEM;
	r->recs[idx].extra = any ? nelems : 0;
	r->recs[idx].index = REF_INDEX_TYPE;
	r->recs[idx].elem = elem;
	return map_die(r, die, idx + 1);
}

/* The attributes of a member, found in one pass over its attribute list
 * (each dwarf_attr call would walk the list again: members are the most
 * numerous DIEs). */
struct member_attrs {
	Dwarf_Attribute name, type, bit_size, data_bit_offset, location, bit_offset, byte_size;
	unsigned int have;	/* 1 << index of each found, in the order above */
	bool skip;		/* DW_AT_external or DW_AT_declaration: a C++ static member */
};

enum { MA_NAME, MA_TYPE, MA_BIT_SIZE, MA_DATA_BIT_OFFSET, MA_LOCATION, MA_BIT_OFFSET, MA_BYTE_SIZE };

static int member_attr(Dwarf_Attribute *at, void *arg)
{
	struct member_attrs *a = arg;
	bool flag;

	switch (dwarf_whatattr(at)) {
	case DW_AT_name: a->name = *at; a->have |= 1u << MA_NAME; break;
	case DW_AT_type: a->type = *at; a->have |= 1u << MA_TYPE; break;
	case DW_AT_bit_size: a->bit_size = *at; a->have |= 1u << MA_BIT_SIZE; break;
	case DW_AT_data_bit_offset: a->data_bit_offset = *at; a->have |= 1u << MA_DATA_BIT_OFFSET; break;
	case DW_AT_data_member_location: a->location = *at; a->have |= 1u << MA_LOCATION; break;
	case DW_AT_bit_offset: a->bit_offset = *at; a->have |= 1u << MA_BIT_OFFSET; break;
	case DW_AT_byte_size: a->byte_size = *at; a->have |= 1u << MA_BYTE_SIZE; break;
	case DW_AT_external:
	case DW_AT_declaration:
		if (dwarf_formflag(at, &flag) == 0 && flag)
			a->skip = true;
		break;
	}
	return DWARF_CB_OK;
}

static bool attr_udata(const struct member_attrs *a, int which, Dwarf_Attribute *at, Dwarf_Word *v)
{
	return (a->have & (1u << which)) && dwarf_formudata(at, v) == 0;
}

/* A DW_AT_data_member_location in bytes: a constant, or DW_OP_plus_uconst /
 * DW_OP_constu N as old compilers write it. */
static int member_location(struct dwarf_reader *r, Dwarf_Die *m, Dwarf_Attribute *at, uint64_t *bytes)
{
	Dwarf_Block blk;
	uint64_t v = 0;
	unsigned int shift = 0;

	if (dwarf_formudata(at, bytes) == 0)
		return 0;
	if (dwarf_formblock(at, &blk) || blk.length < 2 ||
	    (blk.data[0] != DW_OP_plus_uconst && blk.data[0] != DW_OP_constu))
		return reader_fail(r, m, -ENOTSUP, "unsupported DW_AT_data_member_location");
	for (size_t i = 1; i < blk.length && shift < 64; i++, shift += 7) {
		v |= (uint64_t)(blk.data[i] & 0x7f) << shift;
		if (!(blk.data[i] & 0x80))
			break;
	}
	*bytes = v;
	return 0;
}

/* Bit offset (and bitfield size) of a member within its struct. */
static int member_offset(struct dwarf_reader *r, Dwarf_Die *m, struct member_attrs *a, uint32_t *bit_off,
			 uint32_t *bit_size)
{
	Dwarf_Word bsize = 0, boff, storage;
	uint64_t bytes = 0, off = 0;
	int err;

	attr_udata(a, MA_BIT_SIZE, &a->bit_size, &bsize);
	*bit_size = (uint32_t)bsize;
	if (attr_udata(a, MA_DATA_BIT_OFFSET, &a->data_bit_offset, &boff)) {
		*bit_off = (uint32_t)boff;
		return 0;
	}
	if (a->have & (1u << MA_LOCATION)) {
		if ((err = member_location(r, m, &a->location, &bytes)))
			return err;
		off = bytes * 8;
	}
	if (bsize && attr_udata(a, MA_BIT_OFFSET, &a->bit_offset, &boff)) {	/* DWARF 2/3 bitfield */
		Dwarf_Die type;

		storage = 0;
		if (!attr_udata(a, MA_BYTE_SIZE, &a->byte_size, &storage) && (a->have & (1u << MA_TYPE)) &&
		    dwarf_formref_die(&a->type, &type))
			dwarf_aggregate_size(&type, &storage);
		off += r->opts->big_endian ? boff : storage * 8 - boff - bsize;
	}
	*bit_off = (uint32_t)off;
	return 0;
}

static int visit_children(struct dwarf_reader *r, Dwarf_Die *die);
static int visit(struct dwarf_reader *r, Dwarf_Die *die);

static int read_fwd(struct dwarf_reader *r, Dwarf_Die *die, bool is_union)
{
	uint32_t name;
	long idx;

	if (die_name(r, die, &name) || (idx = add_rec(r, BTF_KIND_FWD)) < 0)
		return -ENOMEM;
	r->recs[idx].name = name;
	r->recs[idx].kflag = is_union;
	return map_die(r, die, idx + 1);
}

/* Element i of the reader's scratch array of elem-byte elements (grown as
 * needed, contents kept), or NULL. For lists read in one walk whose length
 * is known only at the end; the caller copies them out before the next use. */
static void *scratch_at(struct dwarf_reader *r, size_t i, size_t elem)
{
	if ((i + 1) * elem > r->scratch_cap) {
		size_t ncap = r->scratch_cap ? r->scratch_cap * 2 : 4096;
		void *n;

		while (ncap < (i + 1) * elem)
			ncap *= 2;
		if (!(n = realloc(r->scratch, ncap)))
			return NULL;
		r->scratch = n;
		r->scratch_cap = ncap;
	}
	return (char *)r->scratch + i * elem;
}

/* The first n elements of the scratch array, copied into the CU arena. */
static void *scratch_to_arena(struct dwarf_reader *r, size_t n, size_t elem)
{
	void *p;

	if (!n)
		return NULL;
	if ((p = arena__alloc(r->arena, n * elem)))
		memcpy(p, r->scratch, n * elem);
	return p;
}

/* One walk over a struct's children: data members into the scratch array (static
 * members skipped), the kflag and vlen of record idx, and the offsets of
 * nested type definitions (C++) into r->nested for the caller to visit. */
static int read_members(struct dwarf_reader *r, Dwarf_Die *die, long idx, uint32_t *nmem)
{
	Dwarf_Die child;
	uint32_t i = 0;
	bool kflag = false;
	int err, res;

	r->nnested = 0;
	r->ntagged = 0;
	r->struct_tagged = false;
	if ((res = first_child(r, die, &child)) != 0)
		return res < 0 ? reader_fail(r, die, -EINVAL, "corrupt DIE tree") : 0;
	do {
		Dwarf_Attribute at[DIE_ATTRS_MAX];
		struct member_attrs a;
		struct rec_member *m;
		int nat;
		uint32_t off = 0, bsize = 0;
		int tag = die_tag(r, &child);

		if (tag != DW_TAG_member) {
			r->struct_tagged |= is_annotation(tag);
			if (!is_annotation(tag) && tag != DW_TAG_inheritance && push_u32(&r->nested, &r->nnested,
			    &r->nested_cap, (uint32_t)dwarf_dieoffset(&child)))
				return -ENOMEM;
			continue;
		}
		a.have = 0;
		a.skip = false;
		if ((nat = die_attrs__collect(&r->attrs, &child, at)) >= 0) {
			for (int k = 0; k < nat; k++)
				member_attr(&at[k], &a);
		} else if (dwarf_getattrs(&child, member_attr, &a, 0) != 1) {
			return reader_fail(r, &child, -EINVAL, "cannot read the member's attributes");
		}
		if (a.skip)
			continue;
		if (!(m = scratch_at(r, i, sizeof(*m))))
			return -ENOMEM;
		if (intern_name(r, (a.have & (1u << MA_NAME)) ? attr_string(r, &a.name) : NULL, &m->name))
			return -ENOMEM;
		m->type = REF_VOID;
		if (((a.have & (1u << MA_TYPE)) && (err = die_ref_at(r, &child, &a.type, &m->type))) ||
		    (err = member_offset(r, &child, &a, &off, &bsize)))
			return err;
		if (bsize > 255 || (bsize && off >= (1u << 24)))
			return reader_fail(r, &child, -E2BIG, "bitfield too large for BTF");
		if (bsize || off % 8)
			kflag = true;
		m->offset = bsize << 24 | off;
		/* a member's annotations are its children: read after the walk */
		if (r->opts->decl_tag && die_attrs__haschildren(&r->attrs, &child) &&
		    (push_u32(&r->tagged, &r->ntagged, &r->tagged_cap, i) ||
		     push_u32(&r->tagged, &r->ntagged, &r->tagged_cap, (uint32_t)dwarf_dieoffset(&child))))
			return -ENOMEM;
		i++;
	} while ((res = next_sibling(r, &child)) == 0);
	if (res < 0)
		return reader_fail(r, die, -EINVAL, "corrupt DIE tree");
	children_done(r, die);
	if (i > 0xffff)
		return reader_fail(r, die, -E2BIG, "more than 65535 members");
	r->recs[idx].kflag = kflag;
	r->recs[idx].vlen = (uint16_t)i;
	*nmem = i;
	return 0;
}

/* DECL_TAGs of a struct, then of its members in member order, from what
 * read_members saw: most structs have no annotation at all, and their
 * children are not walked a second time. */
static int add_struct_decl_tags(struct dwarf_reader *r, Dwarf_Die *die, long idx)
{
	int err;

	if (r->struct_tagged && (err = add_decl_tags(r, die, idx, -1)))
		return err;
	for (size_t k = 0; k + 1 < r->ntagged; k += 2) {
		Dwarf_Die member;

		if (!dwarf_offdie(r->dw, r->tagged[k + 1], &member))
			return reader_fail(r, die, -EINVAL, "corrupt DIE tree");
		if ((err = add_decl_tags(r, &member, idx, (int)r->tagged[k])))
			return err;
	}
	return 0;
}

static int read_struct(struct dwarf_reader *r, Dwarf_Die *die, bool is_union)
{
	Dwarf_Word size = 0;
	struct rec_member *mem = NULL;
	uint32_t name, n = 0, *nested = NULL, nnested;
	long idx;
	int err;

	if (die_flag(r, die, DW_AT_declaration))
		return read_fwd(r, die, is_union);
	die_udata(r, die, DW_AT_byte_size, &size);
	if (die_name(r, die, &name) || (idx = add_rec(r, is_union ? BTF_KIND_UNION : BTF_KIND_STRUCT)) < 0)
		return -ENOMEM;
	r->recs[idx].name = name;
	r->recs[idx].size_type = (uint32_t)size;
	if ((err = map_die(r, die, idx + 1)) || (err = read_members(r, die, idx, &n)) ||
	    (err = add_struct_decl_tags(r, die, idx)))
		return err;
	if (n && !(mem = scratch_to_arena(r, n, sizeof(*mem))))
		return -ENOMEM;
	r->recs[idx].payload = n ? mem : NULL;
	/* nested type definitions (C++), after the struct as before: the list
	 * is copied because visiting them reuses r->nested */
	if (!(nnested = (uint32_t)r->nnested))
		return 0;
	if (!(nested = arena__alloc(r->arena, nnested * sizeof(*nested))))
		return -ENOMEM;
	memcpy(nested, r->nested, nnested * sizeof(*nested));
	for (uint32_t i = 0; i < nnested; i++) {
		Dwarf_Die child;

		if (!dwarf_offdie(r->dw, nested[i], &child))
			return reader_fail(r, die, -EINVAL, "corrupt DIE tree");
		r->level++;
		err = visit(r, &child);
		r->level--;
		if (err)
			return err;
	}
	return 0;
}

static int read_enum(struct dwarf_reader *r, Dwarf_Die *die)
{
	struct rec_enum_val *vals = NULL, *v;
	Dwarf_Word size = 4;
	Dwarf_Die child;
	bool is_signed = false;
	uint32_t name, n = 0;
	long idx;
	int res;

	die_udata(r, die, DW_AT_byte_size, &size);
	if (die_name(r, die, &name))
		return -ENOMEM;
	if ((res = first_child(r, die, &child)) == 0) {
		do {
			int64_t val = 0;
			bool sform = false;

			if (die_tag(r, &child) != DW_TAG_enumerator)
				continue;
			if (!(v = scratch_at(r, n, sizeof(*v))) || die_name(r, &child, &v->name))
				return -ENOMEM;
			die_sdata(r, &child, DW_AT_const_value, &val, &sform);
			if (sform && val < 0)
				is_signed = true;
			v->val_lo = (uint32_t)val;
			v->val_hi = (uint32_t)((uint64_t)val >> 32);
			n++;
		} while ((res = next_sibling(r, &child)) == 0);
	}
	if (res < 0)
		return reader_fail(r, die, -EINVAL, "corrupt DIE tree");
	children_done(r, die);
	if (n > 0xffff)
		return reader_fail(r, die, -E2BIG, "more than 65535 enumerators");
	if (n && !(vals = scratch_to_arena(r, n, sizeof(*vals))))
		return -ENOMEM;
	if ((idx = add_rec(r, size > 4 && r->opts->enum64 ? BTF_KIND_ENUM64 : BTF_KIND_ENUM)) < 0)
		return -ENOMEM;
	r->recs[idx].name = name;
	r->recs[idx].size_type = (uint32_t)size;
	r->recs[idx].kflag = is_signed;
	r->recs[idx].vlen = (uint16_t)n;
	r->recs[idx].payload = vals;
	return map_die(r, die, idx + 1);
}

/* FUNC_PROTO for a function type: params in order, a variadic "..." last. */
static int read_subroutine(struct dwarf_reader *r, Dwarf_Die *die)
{
	struct rec_param *params = NULL, *p;
	uint32_t ret, n = 0;
	bool variadic = false;
	Dwarf_Die child;
	long idx;
	int err, res;

	if ((err = die_ref(r, die, DW_AT_type, &ret)))
		return err;
	if ((res = first_child(r, die, &child)) == 0) {
		do {
			int tag = die_tag(r, &child);

			variadic |= tag == DW_TAG_unspecified_parameters;
			if (tag != DW_TAG_formal_parameter)
				continue;
			if (!(p = scratch_at(r, n, sizeof(*p))) || die_name(r, &child, &p->name))
				return -ENOMEM;
			if ((err = die_ref(r, &child, DW_AT_type, &p->type)))
				return err;
			n++;
		} while ((res = next_sibling(r, &child)) == 0);
	}
	if (res < 0)
		return reader_fail(r, die, -EINVAL, "corrupt DIE tree");
	children_done(r, die);
	if (variadic) {	/* a variadic tail: {0, void} */
		if (!(p = scratch_at(r, n, sizeof(*p))))
			return -ENOMEM;
		*p = (struct rec_param){ 0, REF_VOID };
		n++;
	}
	if (n > 0xffff)
		return reader_fail(r, die, -E2BIG, "more than 65535 parameters");
	if (n && !(params = scratch_to_arena(r, n, sizeof(*params))))
		return -ENOMEM;
	if ((idx = add_rec(r, BTF_KIND_FUNC_PROTO)) < 0)
		return -ENOMEM;
	r->recs[idx].size_type = ret;
	r->recs[idx].vlen = (uint16_t)n;
	r->recs[idx].payload = params;
	return map_die(r, die, idx + 1);
}

/* libdw's dwarf_getlocation* keep per-CU caches that a stock libdw does not
 * lock; the location reads (read_var.c, read_func.c) take this lock. */
pthread_mutex_t getlocation_lock = PTHREAD_MUTEX_INITIALIZER;

/* ---- the walk ---- */

static int visit(struct dwarf_reader *r, Dwarf_Die *die)
{
	int tag = die_tag(r, die);

	r->stats.dies++;
	switch (tag) {
	case DW_TAG_base_type:
		return read_base_type(r, die);
	case DW_TAG_pointer_type:
	case DW_TAG_reference_type:
	case DW_TAG_rvalue_reference_type:
		return read_pointer(r, die);
	case DW_TAG_const_type:
		return read_simple_ref(r, die, BTF_KIND_CONST);
	case DW_TAG_volatile_type:
		return read_simple_ref(r, die, BTF_KIND_VOLATILE);
	case DW_TAG_restrict_type:
		return read_simple_ref(r, die, BTF_KIND_RESTRICT);
	case DW_TAG_typedef:
		return read_simple_ref(r, die, BTF_KIND_TYPEDEF);
	case DW_TAG_array_type:
		return read_array(r, die);
	case DW_TAG_structure_type:
	case DW_TAG_class_type:
		return read_struct(r, die, false);
	case DW_TAG_union_type:
		return read_struct(r, die, true);
	case DW_TAG_enumeration_type:
		return read_enum(r, die);
	case DW_TAG_subroutine_type:
		return read_subroutine(r, die);
	case DW_TAG_atomic_type:
	case DW_TAG_immutable_type: {
		uint32_t ref;
		int err = die_ref(r, die, DW_AT_type, &ref);

		return err ? err : map_die(r, die, DIE_MAP_ALIAS | ref);
	}
	case DW_TAG_unspecified_type:
		return map_die(r, die, DIE_MAP_ALIAS);	/* void */
	case DW_TAG_variable:
		return r->level == 1 ? read_variable(r, die) : 0;
	case DW_TAG_subprogram: {
		int err = r->level == 1 ? read_function(r, die) : 0;

		return err ? err : visit_children(r, die);
	}
	case DW_TAG_compile_unit:
	case DW_TAG_partial_unit:
	case DW_TAG_lexical_block:
	case DW_TAG_inlined_subroutine:
	case DW_TAG_namespace:
		return visit_children(r, die);
	default:
		return 0;
	}
}

static int visit_children(struct dwarf_reader *r, Dwarf_Die *die)
{
	Dwarf_Die child;
	int res, err;

	res = first_child(r, die, &child);
	if (res > 0) {
		children_done(r, die);
		return 0;
	}
	if (res < 0)
		return reader_fail(r, die, -EINVAL, "corrupt DIE tree");
	r->level++;
	do {
		int tag = die_tag(r, &child);

		if (tag == DW_TAG_member || tag == DW_TAG_enumerator || tag == DW_TAG_subrange_type ||
		    tag == DW_TAG_formal_parameter || is_annotation(tag)) {
			r->stats.dies++;
			continue;
		}
		if ((err = visit(r, &child)))
			return err;
	} while ((res = next_sibling(r, &child)) == 0);
	r->level--;
	if (res < 0)
		return reader_fail(r, die, -EINVAL, "corrupt DIE tree");
	children_done(r, die);
	return 0;
}

/* ---- pass 2 ---- */

static void resolve(struct dwarf_reader *r, uint32_t *ref)
{
	uint32_t v = *ref, val;

	if (v == REF_VOID || v == REF_INDEX_TYPE)
		return;
	if (v & REF_LOCAL) {
		*ref = v & ~REF_LOCAL;
		return;
	}
	for (int depth = 0; depth < MAX_ALIAS_DEPTH; depth++) {
		if (!die_map__get(&r->map, v, &val))
			break;
		if (!(val & DIE_MAP_ALIAS)) {
			*ref = val;
			return;
		}
		v = val & ~DIE_MAP_ALIAS;
		if (v == 0) {
			*ref = REF_VOID;
			return;
		}
	}
	r->stats.unresolved++;
	*ref = REF_VOID;
}

static void resolve_records(struct dwarf_reader *r, struct type_rec *recs, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		struct type_rec *t = &recs[i];

		switch (t->kind) {
		case BTF_KIND_ARRAY:
			resolve(r, &t->elem);
			break;
		case BTF_KIND_STRUCT:
		case BTF_KIND_UNION:
			for (uint32_t j = 0; j < t->vlen; j++)
				resolve(r, &((struct rec_member *)t->payload)[j].type);
			break;
		case BTF_KIND_FUNC_PROTO:
		case REC_FUNC:
			resolve(r, &t->size_type);
			for (uint32_t j = 0; j < t->vlen; j++)
				resolve(r, &((struct rec_param *)t->payload)[j].type);
			break;
		case BTF_KIND_PTR:
		case BTF_KIND_CONST:
		case BTF_KIND_VOLATILE:
		case BTF_KIND_RESTRICT:
		case BTF_KIND_TYPEDEF:
		case BTF_KIND_TYPE_TAG:
		case BTF_KIND_DECL_TAG:
		case BTF_KIND_VAR:
		case BTF_KIND_FUNC:
			resolve(r, &t->size_type);
			break;
		}
	}
}

static void resolve_all(struct dwarf_reader *r)
{
	resolve_records(r, r->recs, r->nrecs);
	resolve_records(r, r->funcs, r->nfuncs);
}

/* Types this CU refers to in other CUs become records of this CU too (in
 * the order first referred to; dedup merges them with their originals).
 * Their own foreign references extend the list as it is walked. Variables
 * and functions are not imported: only what DW_AT_type points at. */
static int import_foreign(struct dwarf_reader *r)
{
	for (size_t i = 0; i < r->nimports; i++) {
		uint32_t off = r->imports[i], val;
		Dwarf_Die die;
		int err;

		if (die_map__get(&r->map, off, &val))
			continue;
		if (!dwarf_offdie(r->dw, off, &die))
			return reader_fail(r, NULL, -EINVAL, "cannot read a DIE another CU refers to");
		r->level = IMPORT_LEVEL;
		err = visit(r, &die);
		r->level = 0;
		if (err)
			return err;
		r->stats.imported++;
	}
	return 0;
}

int dwarf_reader__read_cu(struct dwarf_reader *r, const struct cu_info *ci, struct arena *arena)
{
	Dwarf_Die cudie;
	int err;

	r->nrecs = 0;
	r->nfuncs = 0;
	r->int_ref = REF_VOID;
	r->arena = arena;
	r->cu_off = ci->off;
	r->cu_end = ci->off + ci->size;
	r->level = 0;
	r->nimports = 0;
	die_map__reset(&r->map);
	if (!dwarf_offdie(r->dw, ci->die_off, &cudie))
		return reader_fail(r, NULL, -EINVAL, "cannot read the CU DIE");
	r->cu = cudie.cu;
	die_attrs__begin_cu(&r->attrs, r->cu,
			    r->opts->info_lo ? (const unsigned char *)r->opts->info_lo + ci->off : NULL,
			    r->opts->info_lo ? (const unsigned char *)r->opts->info_lo + ci->off + ci->size : NULL,
			    r->opts->abbrev_lo, r->opts->abbrev_hi, r->opts->big_endian);
	err = visit(r, &cudie);
	if (!err)
		err = import_foreign(r);
	if (err == -ENOMEM)
		return fail__set(r->fail, err, "read_dwarf: %s: CU 0x%llx: out of memory", r->path,
				 (unsigned long long)ci->off);
	if (err)
		return err;
	resolve_all(r);
	r->stats.cus++;
	r->stats.records += r->nrecs;
	r->stats.bytes += ci->size;
	return 0;
}

void dwarf_reader__fini(struct dwarf_reader *r)
{
	free(r->recs);
	free(r->funcs);
	r->recs = r->funcs = NULL;
	r->nrecs = r->cap = r->nfuncs = r->funcs_cap = 0;
	die_map__free(&r->map);
	free(r->memo);
	r->memo = NULL;
	free(r->short_names);
	r->short_names = NULL;
	free(r->imports);
	r->imports = NULL;
	free(r->scratch);
	free(r->nested);
	free(r->tagged);
	r->scratch = NULL;
	r->nested = NULL;
	r->scratch_cap = r->nested_cap = r->nnested = 0;
	r->nimports = r->imports_cap = 0;
}
