/* stages/read/read_cu.c: one CU, read (see read_dwarf.h).
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
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "queue/ring_mpsc.h"
#include "stages/common/grow.h"
#include "stages/common/probes.h"
#include "stages/record/rec_btf.h"
#include "stages/read/read_internal.h"
#include "stages/read/type_hash.h"

#define MAX_ALIAS_DEPTH 64
#define IMPORT_LEVEL 1000	/* imported DIEs are never "file scope" */

static int visit_children(struct dwarf_reader *r, Dwarf_Die *die);
static int visit_tag(struct dwarf_reader *r, Dwarf_Die *die, int tag);
static int visit(struct dwarf_reader *r, Dwarf_Die *die);

/* The nested type definitions read_struct left in r->nested_todo (C++),
 * one level down, after the struct as pahole has them. */
static int visit_nested(struct dwarf_reader *r, Dwarf_Die *parent)
{
	const uint32_t *nested = r->nested_todo;
	uint32_t n = r->nnested_todo;
	int err = 0;

	r->nested_todo = NULL;
	r->nnested_todo = 0;
	for (uint32_t i = 0; i < n && !err; i++) {
		Dwarf_Die child;

		if (!dwarf_offdie(r->dw, nested[i], &child))
			return reader_fail(r, parent, -EINVAL, "corrupt DIE tree");
		r->level++;
		err = visit(r, &child);
		r->level--;
	}
	return err;
}

/* What visit does with a DIE of a function's body (below the CU's own
 * children, so at level 2 or more, where variables and functions are not
 * read): a type is read, a function, block or inlined call is walked into
 * (visit_children), and the rest (variables, parameters, call sites,
 * labels...) is not looked at, nor is what lies under it. */
static enum die_scan_class body_class(unsigned int tag)
{
	switch (tag) {
	case DW_TAG_subprogram:
	case DW_TAG_lexical_block:
	case DW_TAG_inlined_subroutine:
	case DW_TAG_namespace:
	case DW_TAG_compile_unit:
	case DW_TAG_partial_unit:
		return DIE_SCAN_INTO;
	default:
		return read_type__tag(tag) ? DIE_SCAN_TAKE : DIE_SCAN_SKIP;
	}
}

/* visit_children for a DIE at level 1 or more whose children are a
 * function's body: most of its DIEs (1.4 M of the 5 M the Debian vmlinux's
 * readers visit) are variables, blocks, inlined calls and call sites, and a
 * few hundred are types. The body is scanned by the DIEs' plans
 * (die_attrs__scan: no Dwarf_Die, no attribute walk for each), then the
 * types found are visited in the order the walk would have met them, each
 * at the level of the body's first DIEs (a deeper one reads the same: only
 * level 1 is read differently). Where the scan declines, the walk. */
static int visit_body(struct dwarf_reader *r, Dwarf_Die *die)
{
	const unsigned char *end;
	long steps;
	int err = 0;

	if (r->level < 1 || (steps = die_attrs__scan(&r->attrs, die, body_class, &r->body, &end)) == -1)
		return visit_children(r, die);
	if (steps < 0)
		return (int)steps;
	r->stats.dies += (uint64_t)steps;
	r->level++;
	for (size_t i = 0; i < r->body.n && !err; i++) {
		Dwarf_Die type = { .addr = (void *)r->body.at[i], .cu = die->cu };

		err = visit(r, &type);
	}
	r->level--;
	if (!err)
		die_attrs__children_end(&r->attrs, die, end);
	return err;
}

/* visit, for a DIE whose tag the caller has (die_tag). */
static int visit_tag(struct dwarf_reader *r, Dwarf_Die *die, int tag)
{
	int err;

	r->stats.dies++;
	if ((err = read_type(r, die, tag)) <= 0)
		return err ? err : r->nnested_todo ? visit_nested(r, die) : 0;
	switch (tag) {
	case DW_TAG_variable:
		return r->level == 1 ? read_variable(r, die) : 0;
	case DW_TAG_subprogram:
		err = r->level == 1 ? read_function(r, die) : 0;
		return err ? err : visit_body(r, die);
	case DW_TAG_lexical_block:
	case DW_TAG_inlined_subroutine:
		return visit_body(r, die);
	case DW_TAG_compile_unit:
	case DW_TAG_partial_unit:
	case DW_TAG_namespace:
		return visit_children(r, die);
	default:
		return 0;
	}
}

static int visit(struct dwarf_reader *r, Dwarf_Die *die)
{
	return visit_tag(r, die, die_tag(r, die));
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
		if ((err = visit_tag(r, &child, tag)))
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

/* The refs of recs[0..n) resolved; returns the bytes they take as BTF
 * (rec_btf__size), summed on the way while each record is at hand. */
static size_t resolve_records(struct dwarf_reader *r, struct type_rec *recs, size_t n)
{
	size_t bytes = 0;

	for (size_t i = 0; i < n; i++) {
		struct type_rec *t = &recs[i];

		bytes += rec_btf__size(t);
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
	return bytes;
}

/* The CU's refs resolved, and the bytes its records take noted for
 * encode_cu (r->rec_bytes, for r->nrecs of them). */
static void resolve_all(struct dwarf_reader *r)
{
	r->rec_bytes = resolve_records(r, r->recs, r->nrecs);
	r->rec_bytes_of = r->nrecs;
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
		die_attrs__asked_libdw(&r->attrs);	/* (a DIE of another CU: libdw's) */
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

/* --lang_exclude: the CU DIE's DW_AT_language is one of opts->lang_exclude.
 * Read through the CU's plans: libdw's dwarf_attr would set up the CU's
 * table of abbreviations in its handle (~4 KB a CU, kept until dwarf_end). */
static bool lang_excluded(struct dwarf_reader *r, Dwarf_Die *cudie)
{
	Dwarf_Attribute at;
	Dwarf_Word lang;

	if (!r->opts->n_lang_exclude || !die_attr(r, cudie, DW_AT_language, &at) || dwarf_formudata(&at, &lang))
		return false;
	for (unsigned int i = 0; i < r->opts->n_lang_exclude; i++)
		if (r->opts->lang_exclude[i] == lang)
			return true;
	return false;
}

/* The CU's DW_AT_loclists_base: where its DW_FORM_loclistx lists (clang's)
 * find their offsets (stages/read/param_loc.h); 0 if none. */
static uint64_t cu_loclists_base(struct dwarf_reader *r, Dwarf_Die *cudie)
{
	Dwarf_Attribute at;
	Dwarf_Word base;

	if (r->attrs.version < 5 || !die_attr(r, cudie, DW_AT_loclists_base, &at) || dwarf_formudata(&at, &base))
		return 0;
	return base;
}

/* Does r send a CU's types as bytes (read_opts.btf_bytes, which pre-dedup's
 * hashes, made from the records, override)? */
static bool sends_bytes(const struct dwarf_reader *r)
{
	return r->opts->btf_bytes && !r->opts->type_hashes;
}

static int read_cu(struct dwarf_reader *r, const struct cu_info *ci, struct arena *arena)
{
	Dwarf_Die cudie;
	int err;

	r->nrecs = 0;
	r->nfuncs = 0;
	r->rec_bytes_of = SIZE_MAX;	/* resolve_all sums them */
	r->int_ref = REF_VOID;
	if (sends_bytes(r)) {	/* encode_cu copies what leaves */
		arena__reset(&r->own);
		arena = &r->own;
	}
	r->arena = arena;
	r->cu_off = ci->off;
	r->cu_end = ci->off + ci->size;
	r->first_die = ci->die_off - ci->off;
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
	if (lang_excluded(r, &cudie))
		return 0;	/* an empty CU */
	r->loclists_base = cu_loclists_base(r, &cudie);
	err = visit(r, &cudie);
	if (!err)
		err = import_foreign(r);
	if (err == -ENOMEM)
		return fail__set(r->fail, err, "read: %s: CU 0x%llx: out of memory", r->path,
				 (unsigned long long)ci->off);
	if (err)
		return err;
	resolve_all(r);
	r->stats.cus++;
	r->stats.records += r->nrecs;
	r->stats.bytes += ci->size;
	return 0;
}

/* The records' structural hashes, in the CU's arena (the writer reads them
 * with the records and frees them with the arena); NULL: out of memory. */
static uint64_t *cu_hashes(struct dwarf_reader *r, struct arena *arena)
{
	uint64_t *out = arena__alloc(arena, r->nrecs * (sizeof(*out) + sizeof(uint32_t)));
	uint32_t *comp, *order;

	if (!out)
		return NULL;
	if (r->hash_tmp_cap < 2 * r->nrecs) {
		free(r->hash_tmp);
		r->hash_tmp_cap = 2 * r->nrecs + 1024;
		if (!(r->hash_tmp = malloc(r->hash_tmp_cap * sizeof(*r->hash_tmp)))) {
			r->hash_tmp_cap = 0;
			return NULL;
		}
	}
	type_hash__cu(r->recs, r->nrecs, out, r->hash_tmp);
	comp = (uint32_t *)r->hash_tmp;	/* the scratch again: comp in its first n words, closures in the next n */
	order = (uint32_t *)(out + r->nrecs);
	if (type_order__cu(r->recs, r->nrecs, order, comp, &r->order) ||
	    type_hash__closure(r->nrecs, out, order, comp, &r->order, r->hash_tmp + r->nrecs, &r->closure) ||
	    type_guard__mark(r->recs, r->nrecs, out, order, comp, &r->order, &r->guard) < 0)
		return NULL;
	for (size_t i = 0; i < r->nrecs; i++)
		r->stats.guarded += !out[i];
	return out;
}

/* read_cu, counting the CUs during which libdw was asked about a DIE. */
int dwarf_reader__read_cu(struct dwarf_reader *r, const struct cu_info *ci, struct arena *arena)
{
	unsigned long asks = r->attrs.libdw_asks;
	int err = read_cu(r, ci, arena);

	r->stats.libdw_cus += r->attrs.libdw_asks != asks;
	return err;
}

/* Bytes of a function candidate's payload: its parameters, then its tags. */
static size_t func_payload(const struct type_rec *f)
{
	return f->payload ? ((size_t)f->vlen + (f->elem & 0xffff)) * sizeof(struct rec_param) : 0;
}

/* The CU's records as BTF bytes in its arena (begin's payload and size),
 * with opts->type_order each one's offset and an order to decide them in
 * after them (begin's vlen 1: record.h), its candidates' payloads moved
 * there too (the rest of what was read in r->own stays behind), and the
 * place of each VAR in r->places: how many, or -errno. */
static long encode_cu(struct dwarf_reader *r, struct arena *arena, struct type_rec *begin)
{
	size_t bytes = 0, nplaces = 0, fbytes = 0, obytes = 0, n = r->nrecs;
	unsigned char *p, *block;
	uint32_t *off = NULL;

	if (r->rec_bytes_of == n)	/* summed by resolve_all */
		bytes = r->rec_bytes;
	else
		for (size_t i = 0; i < n; i++)
			bytes += rec_btf__size(&r->recs[i]);
	for (size_t i = 0; i < r->nfuncs; i++)
		fbytes += func_payload(&r->funcs[i]);
	if (r->opts->type_order)
		obytes = (2 * n + 1) * sizeof(*off);
	if (bytes > UINT32_MAX)
		return -E2BIG;
	if (!(block = p = arena__alloc_raw(arena, bytes + obytes + fbytes + 1)))
		return -ENOMEM;
	begin->kflag = 1;
	begin->payload = p;
	begin->size_type = (uint32_t)bytes;
	if (obytes)
		off = (uint32_t *)(block + bytes);	/* (bytes: a multiple of 4) */
	for (size_t i = 0; i < n; i++) {
		const struct type_rec *t = &r->recs[i];
		long size;

		if (off)
			off[i] = (uint32_t)(p - block);
		if ((size = rec_btf__encode(t, p)) < 0)
			return -EINVAL;
		p += size;
		if (t->kind != BTF_KIND_VAR)
			continue;
		if (GROW(r->places, r->places_cap, nplaces + 1, 64))
			return -ENOMEM;
		r->places[nplaces++] = (struct type_rec){ .kind = REC_VAR_PLACE, .elem = (uint32_t)i + 1,
							  .extra = t->elem, .index = t->index, .vlen = t->vlen };
	}
	if (off) {
		off[n] = (uint32_t)bytes;
		if (rec_order__cu(block, off, (uint32_t)n, off + n + 1, &r->rec_order))
			return -ENOMEM;
		begin->vlen = 1;
		p += obytes;
	}
	for (size_t i = 0; i < r->nfuncs; i++) {
		size_t fn = func_payload(&r->funcs[i]);

		if (!fn)
			continue;
		r->funcs[i].payload = memcpy(p, r->funcs[i].payload, fn);
		p += fn;
	}
	return (long)nplaces;
}

int dwarf_reader__push_cu(struct dwarf_reader *r, const struct cu_info *ci, unsigned int cu,
			  struct ring_mpsc *out)
{
	long nplaces = -1;
	struct type_rec begin = { .kind = REC_CU_BEGIN, .elem = cu }, end = { .kind = REC_CU_END, .elem = cu };
	struct arena *arena = calloc(1, sizeof(*arena));
	int err = 0;

	r->nrecs = 0;
	r->nfuncs = 0;
	r->int_ref = REF_VOID;
	PROBE_READ_CU_START(cu, r->id);
	if (!arena)
		err = fail__set(r->fail, -ENOMEM, "read: %s: CU 0x%llx: out of memory", r->path,
				(unsigned long long)ci->off);
	else
		err = dwarf_reader__read_cu(r, ci, arena);
	PROBE_READ_CU_END(cu, r->id, r->nrecs);
	begin.extra = (uint32_t)r->nrecs;
	begin.index = r->int_ref;
	if (!err && r->opts->type_hashes && r->nrecs && !(begin.payload = cu_hashes(r, arena)))
		err = fail__set(r->fail, -ENOMEM, "read: %s: CU 0x%llx: out of memory", r->path,
				(unsigned long long)ci->off);
	if (!err && sends_bytes(r) && (nplaces = encode_cu(r, arena, &begin)) < 0)
		err = fail__set(r->fail, (int)nplaces, "read: %s: CU 0x%llx: %s", r->path, (unsigned long long)ci->off,
				nplaces == -ENOMEM ? "out of memory" : "cannot encode its types");
	end.payload = arena;
	/* the CU as one message: the writer, which needs whole CUs, is woken
	 * once for it (a ring that has room takes it with one commit) */
	struct ring_mpsc_part parts[] = {
		{ &begin, 1 },
		nplaces >= 0 ? (struct ring_mpsc_part){ r->places, (size_t)nplaces }
			     : (struct ring_mpsc_part){ r->recs, r->nrecs },
		{ r->funcs, r->nfuncs }, { &end, 1 },
	};

	if (!err && ring_mpsc__push_parts(out, parts, sizeof(parts) / sizeof(parts[0])))
		err = -EPIPE;	/* closed: the arena went nowhere */
	if (err && arena) {
		arena__free(arena);
		free(arena);
	}
	return err;
}

void dwarf_reader__fini(struct dwarf_reader *r)
{
	free(r->recs);
	free(r->funcs);
	free(r->places);
	free(r->body.at);
	memset(&r->body, 0, sizeof(r->body));
	free(r->fkids[0].kid);
	free(r->fkids[1].kid);
	memset(r->fkids, 0, sizeof(r->fkids));
	arena__free(&r->own);
	r->places = NULL;
	r->places_cap = 0;
	r->recs = r->funcs = NULL;
	r->nrecs = r->cap = r->nfuncs = r->funcs_cap = 0;
	die_map__free(&r->map);
	free(r->memo);
	r->memo = NULL;
	free(r->short_names);
	r->short_names = NULL;
	free(r->func_syms);
	r->func_syms = NULL;
	free(r->imports);
	r->imports = NULL;
	free(r->scratch);
	free(r->pending);
	r->pending = NULL;
	r->pending_cap = 0;
	free(r->hash_tmp);
	type_guard__free(&r->guard);
	type_order__free(&r->order);
	rec_order__free(&r->rec_order);
	type_hash__free(&r->closure);
	r->hash_tmp = NULL;
	r->hash_tmp_cap = 0;
	free(r->nested);
	free(r->tagged);
	sec_window__fini(&r->loc_windows.loclists);
	sec_window__fini(&r->loc_windows.loc);
	r->tagged = NULL;
	r->ntagged = r->tagged_cap = 0;
	r->scratch = NULL;
	r->nested = NULL;
	r->scratch_cap = r->nested_cap = r->nnested = 0;
	r->nimports = r->imports_cap = 0;
}
