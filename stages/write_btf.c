/* stages/write_btf.c: see write_btf.h. */
#include "stages/write_btf.h"

#include <bpf/btf.h>
#include <errno.h>
#include <linux/btf.h>
#include <stdlib.h>
#include <string.h>

#include "stages/arena.h"
#include "stages/read_dwarf.h"
#include "stages/vars.h"
#include "strtab/strtab.h"

static int grow(char **buf, size_t *cap, size_t need)
{
	size_t ncap = *cap ? *cap : 1 << 20;
	char *n;

	if (need <= *cap)
		return 0;
	while (ncap < need)
		ncap *= 2;
	n = realloc(*buf, ncap);
	if (!n)
		return -ENOMEM;
	*buf = n;
	*cap = ncap;
	return 0;
}

int btf_writer__init(struct btf_writer *w, struct strtab *strtab, const char *path, struct fail *f)
{
	memset(w, 0, sizeof(*w));
	w->strtab = strtab;
	w->path = path;
	w->fail = f;
	w->next_id = 1;
	if (grow(&w->strs, &w->scap, 1))
		return -ENOMEM;
	w->strs[0] = '\0';
	w->slen = 1;
	return 0;
}

/* Offset of strtab id in the string section, placing the string on first use. */
static int str_offset(struct btf_writer *w, uint32_t id, uint32_t *off)
{
	const char *s;
	size_t len;

	if (id == 0) {
		*off = 0;
		return 0;
	}
	if (id >= w->str_off_cap) {
		size_t ncap = w->str_off_cap ? w->str_off_cap : 1 << 16;
		uint32_t *n;

		while (ncap <= id)
			ncap *= 2;
		n = realloc(w->str_off, ncap * sizeof(*n));
		if (!n)
			return -ENOMEM;
		memset(n + w->str_off_cap, 0, (ncap - w->str_off_cap) * sizeof(*n));
		w->str_off = n;
		w->str_off_cap = ncap;
	}
	if (w->str_off[id]) {
		*off = w->str_off[id];
		return 0;
	}
	s = strtab__str(w->strtab, id, &len);
	if (!s)
		return -EINVAL;
	if (w->slen + len + 1 > UINT32_MAX)
		return -E2BIG;
	if (grow(&w->strs, &w->scap, w->slen + len + 1))
		return -ENOMEM;
	memcpy(w->strs + w->slen, s, len);
	w->strs[w->slen + len] = '\0';
	w->str_off[id] = *off = (uint32_t)w->slen;
	w->slen += len + 1;
	return 0;
}

/* Type id of a CU-local ref of the current CU. */
static int type_id(struct btf_writer *w, uint32_t ref, uint32_t *id)
{
	if (ref == REF_VOID) {
		*id = 0;
	} else if (ref == REF_INDEX_TYPE) {
		*id = w->cu_index_type;
		if (!w->index_type)
			w->cu_needs_index = 1;
	} else if (ref <= w->cu_nrecs) {
		*id = w->cu_base + ref - 1;
	} else {
		return -EINVAL;
	}
	return 0;
}

static void *type_space(struct btf_writer *w, size_t bytes)
{
	void *p;

	if (grow(&w->types, &w->tcap, w->tlen + bytes))
		return NULL;
	p = w->types + w->tlen;
	w->tlen += bytes;
	return p;
}

static size_t extra_bytes(const struct type_rec *r)
{
	switch (r->kind) {
	case BTF_KIND_INT:
	case BTF_KIND_VAR:
	case BTF_KIND_DECL_TAG:
		return 4;
	case BTF_KIND_ARRAY:
		return sizeof(struct btf_array);
	case BTF_KIND_STRUCT:
	case BTF_KIND_UNION:
		return r->vlen * sizeof(struct btf_member);
	case BTF_KIND_ENUM:
		return r->vlen * sizeof(struct btf_enum);
	case BTF_KIND_ENUM64:
		return r->vlen * sizeof(struct btf_enum64);
	case BTF_KIND_FUNC_PROTO:
		return r->vlen * sizeof(struct btf_param);
	case BTF_KIND_DATASEC:
		return r->vlen * sizeof(struct btf_var_secinfo);
	default:
		return 0;
	}
}

static bool kind_has_size(uint8_t kind)
{
	return kind == BTF_KIND_INT || kind == BTF_KIND_FLOAT || kind == BTF_KIND_STRUCT ||
	       kind == BTF_KIND_UNION || kind == BTF_KIND_ENUM || kind == BTF_KIND_ENUM64 ||
	       kind == BTF_KIND_DATASEC;
}

/* The vlen part of r, converted in place at p. */
static int write_vlen(struct btf_writer *w, const struct type_rec *r, void *p)
{
	int err = 0;

	for (uint32_t i = 0; i < r->vlen && !err; i++) {
		if (r->kind == BTF_KIND_STRUCT || r->kind == BTF_KIND_UNION) {
			const struct rec_member *m = (const struct rec_member *)r->payload + i;
			struct btf_member *b = (struct btf_member *)p + i;

			b->offset = m->offset;
			err = str_offset(w, m->name, &b->name_off) ?: type_id(w, m->type, &b->type);
		} else if (r->kind == BTF_KIND_ENUM) {
			const struct rec_enum_val *v = (const struct rec_enum_val *)r->payload + i;
			struct btf_enum *b = (struct btf_enum *)p + i;

			b->val = (int32_t)v->val_lo;
			err = str_offset(w, v->name, &b->name_off);
		} else if (r->kind == BTF_KIND_ENUM64) {
			const struct rec_enum_val *v = (const struct rec_enum_val *)r->payload + i;
			struct btf_enum64 *b = (struct btf_enum64 *)p + i;

			b->val_lo32 = v->val_lo;
			b->val_hi32 = v->val_hi;
			err = str_offset(w, v->name, &b->name_off);
		} else if (r->kind == BTF_KIND_FUNC_PROTO) {
			const struct rec_param *a = (const struct rec_param *)r->payload + i;
			struct btf_param *b = (struct btf_param *)p + i;

			err = str_offset(w, a->name, &b->name_off) ?: type_id(w, a->type, &b->type);
		} else {
			return -EINVAL;
		}
	}
	return err;
}

static int add_secinfo(struct btf_writer *w, uint32_t id, uint32_t offset, uint32_t size, uint32_t slot)
{
	if (w->nsecinfo == w->secinfo_cap) {
		size_t ncap = w->secinfo_cap ? w->secinfo_cap * 2 : 256;
		struct btf_secinfo *n = realloc(w->secinfo, ncap * sizeof(*n));

		if (!n)
			return -ENOMEM;
		w->secinfo = n;
		w->secinfo_cap = ncap;
	}
	w->secinfo[w->nsecinfo++] = (struct btf_secinfo){ .type = id, .offset = offset, .size = size, .slot = slot };
	return 0;
}

static const struct vars *sort_vars;	/* qsort context: writer thread only */

static int cmp_secinfo(const void *a, const void *b)
{
	const struct btf_secinfo *x = a, *y = b;
	uint32_t nx = sort_vars->secs[x->slot].ndx, ny = sort_vars->secs[y->slot].ndx;

	if (nx != ny)
		return nx < ny ? -1 : 1;
	if (x->offset != y->offset)
		return x->offset < y->offset ? -1 : 1;
	return x->type < y->type ? -1 : x->type > y->type;
}

/* One DATASEC for secinfo[lo..hi), all of one section. */
static int write_one_datasec(struct btf_writer *w, size_t lo, size_t hi)
{
	const char *secname = w->vars->secs[w->secinfo[lo].slot].name;
	struct btf_var_secinfo *out;
	struct btf_type *t;
	uint32_t name;
	int err;

	if (hi - lo > 0xffff)
		return -E2BIG;
	if ((err = strtab__intern(w->strtab, secname, strlen(secname), &name)))
		return err;
	t = type_space(w, sizeof(*t) + (hi - lo) * sizeof(*out));
	if (!t)
		return -ENOMEM;
	t->info = (uint32_t)BTF_KIND_DATASEC << 24 | (uint32_t)(hi - lo);
	/* pahole's size: the end of the last variable, not the section size */
	t->size = w->secinfo[hi - 1].offset + w->secinfo[hi - 1].size;
	if ((err = str_offset(w, name, &t->name_off)))
		return err;
	out = (struct btf_var_secinfo *)(t + 1);
	for (size_t i = lo; i < hi; i++)
		out[i - lo] = (struct btf_var_secinfo){ w->secinfo[i].type, w->secinfo[i].offset, w->secinfo[i].size };
	w->next_id++;
	w->records++;
	return 0;
}

/* The DATASECs: sections in index order, secinfos by offset (then id). */
static int write_datasecs(struct btf_writer *w)
{
	int err = 0;

	if (!w->nsecinfo || !w->vars)
		return 0;
	sort_vars = w->vars;
	qsort(w->secinfo, w->nsecinfo, sizeof(*w->secinfo), cmp_secinfo);
	for (size_t lo = 0, hi; lo < w->nsecinfo && !err; lo = hi) {
		for (hi = lo + 1; hi < w->nsecinfo && w->secinfo[hi].slot == w->secinfo[lo].slot; hi++)
			;
		err = write_one_datasec(w, lo, hi);
	}
	return err;
}

static int write_type(struct btf_writer *w, const struct type_rec *r)
{
	size_t extra = extra_bytes(r);
	struct btf_type *t;
	void *p;
	int err;

	t = type_space(w, sizeof(*t) + extra);
	if (!t)
		return -ENOMEM;
	p = t + 1;
	t->info = (uint32_t)r->kflag << 31 | (uint32_t)r->kind << 24 | r->vlen;
	if ((err = str_offset(w, r->name, &t->name_off)))
		return err;
	if (kind_has_size(r->kind))
		t->size = r->size_type;
	else if ((err = type_id(w, r->size_type, &t->type)))
		return err;
	switch (r->kind) {
	case BTF_KIND_INT:
	case BTF_KIND_DECL_TAG:
		*(uint32_t *)p = r->extra;
		return 0;
	case BTF_KIND_VAR:
		*(uint32_t *)p = r->extra;
		t->info = (uint32_t)BTF_KIND_VAR << 24;	/* vlen carried the slot */
		return add_secinfo(w, w->next_id, r->elem, r->index, r->vlen);
	case BTF_KIND_ARRAY: {
		struct btf_array *a = p;

		a->nelems = r->extra;
		return type_id(w, r->elem, &a->type) ?: type_id(w, r->index, &a->index_type);
	}
	default:
		return r->vlen ? write_vlen(w, r, p) : 0;
	}
}

/* pahole's index type rule: the first CU that has a base type named "int"
 * decides; a CU before it that has arrays gets a 4-byte unsigned
 * __ARRAY_SIZE_TYPE__ appended after its own types. */
static int begin_cu(struct btf_writer *w, const struct type_rec *r)
{
	w->cu = r->elem;
	w->cu_base = w->next_id;
	w->cu_nrecs = r->extra;
	w->cu_seen = 0;
	w->cu_needs_index = 0;
	if (!w->index_type && r->index != REF_VOID)
		w->index_type = w->cu_base + r->index - 1;
	w->cu_index_type = w->index_type ? w->index_type : w->cu_base + w->cu_nrecs;
	return 0;
}

static int end_cu(struct btf_writer *w)
{
	struct type_rec size_type = {
		.kind = BTF_KIND_INT, .size_type = 4, .extra = 32,
	};
	int err;

	if (w->cu_seen != w->cu_nrecs)
		return -EPROTO;
	if (!w->cu_needs_index)
		return 0;
	if ((err = strtab__intern(w->strtab, "__ARRAY_SIZE_TYPE__", 19, &size_type.name)))
		return err;
	w->cu_nrecs = 0;	/* no refs to resolve in it */
	if ((err = write_type(w, &size_type)))
		return err;
	w->next_id++;
	w->records++;
	return 0;
}

/* Make room for need elements in *arr. Returns 0 or -ENOMEM. */
static int grow_array(void **arr, size_t *cap, size_t need, size_t elem)
{
	size_t ncap = *cap ? *cap : 1024;
	void *n;

	if (need <= *cap)
		return 0;
	while (ncap < need)
		ncap *= 2;
	n = realloc(*arr, ncap * elem);
	if (!n)
		return -ENOMEM;
	*arr = n;
	*cap = ncap;
	return 0;
}

/* Keep a function candidate with its refs turned into type ids. */
static int add_candidate(struct btf_writer *w, const struct type_rec *r)
{
	struct func_cand *c;
	int err;

	if (grow_array((void **)&w->cands, &w->cands_cap, w->ncands + 1, sizeof(*w->cands)) ||
	    grow_array((void **)&w->params, &w->params_cap, w->nparams + r->vlen, sizeof(*w->params)))
		return -ENOMEM;
	c = &w->cands[w->ncands];
	*c = (struct func_cand){ .name = r->name, .flags = r->extra, .first_param = (uint32_t)w->nparams,
				 .nparams = r->vlen, .external = r->kflag };
	if ((err = type_id(w, r->size_type, &c->ret)))
		return err;
	for (uint32_t i = 0; i < r->vlen; i++) {
		const struct rec_param *p = (const struct rec_param *)r->payload + i;

		w->params[w->nparams + i].name = p->name;
		if ((err = type_id(w, p->type, &w->params[w->nparams + i].type)))
			return err;
	}
	w->nparams += r->vlen;
	w->ncands++;
	return 0;
}

int btf_writer__add(struct btf_writer *w, const struct type_rec *r)
{
	int err;

	if (r->kind == REC_FUNC)
		err = add_candidate(w, r);
	else if (r->kind == REC_CU_BEGIN)
		err = begin_cu(w, r);
	else if (r->kind == REC_CU_END)
		err = end_cu(w);
	else if (w->cu_seen >= w->cu_nrecs)
		err = -EPROTO;
	else if (!(err = write_type(w, r))) {
		w->cu_seen++;
		w->next_id++;
		w->records++;
	}
	if (err == -ENOMEM)
		return fail__set(w->fail, err, "write_btf: %s: CU #%u: out of memory", w->path, w->cu);
	if (err)
		return fail__set(w->fail, err, "write_btf: %s: CU #%u: inconsistent record stream (%s)",
				 w->path, w->cu, strerror(-err));
	return 0;
}

struct btf *btf_writer__finish(struct btf_writer *w)
{
	struct btf_header hdr = {
		.magic = BTF_MAGIC, .version = BTF_VERSION, .hdr_len = sizeof(hdr),
		.type_off = 0, .type_len = w->tlen, .str_off = w->tlen, .str_len = w->slen,
	};
	struct btf *btf;
	size_t size;
	char *raw;
	int err;

	if ((err = write_datasecs(w))) {
		fail__set(w->fail, err, "write_btf: %s: cannot add the DATASECs: %s", w->path, strerror(-err));
		return NULL;
	}
	hdr.type_len = w->tlen;
	hdr.str_off = w->tlen;
	hdr.str_len = w->slen;
	/* the image becomes the raw BTF in place (realloc of a large block
	 * remaps it), so only libbpf's own copy is added at the peak */
	size = sizeof(hdr) + w->tlen + w->slen;
	raw = realloc(w->types, size);
	if (!raw) {
		fail__set(w->fail, -ENOMEM, "write_btf: %s: out of memory", w->path);
		return NULL;
	}
	w->types = NULL;
	memmove(raw + sizeof(hdr), raw, w->tlen);
	memcpy(raw, &hdr, sizeof(hdr));
	memcpy(raw + sizeof(hdr) + w->tlen, w->strs, w->slen);
	free(w->strs);
	w->strs = NULL;
	btf = btf__new(raw, size);
	free(raw);
	if (!btf)
		fail__set(w->fail, -errno, "write_btf: %s: libbpf rejected the assembled BTF: %s", w->path,
			  strerror(errno));
	return btf;
}

void btf_writer__fini(struct btf_writer *w)
{
	free(w->types);
	free(w->strs);
	free(w->str_off);
	free(w->secinfo);
	free(w->cands);
	free(w->params);
	memset(w, 0, sizeof(*w));
}
