/* stages/write/func_select.c: see func_select.h.
 *
 * The decision, per function name (pahole v1.31's rules, docs/btf-rules.md):
 *  1. ELF: the STT_FUNC symbols whose name cut at the first '.' is the name;
 *     .cold and .part pieces are not functions of their own and are ignored.
 *     No symbol left: no FUNC. Symbols at several addresses: ambiguous, no
 *     FUNC (which copy would a BPF program attach to?).
 *  2. copies with an unnamed parameter are dropped; none left: no FUNC.
 *  3. the first remaining copy in CU order is the prototype. consistent_func:
 *     any copy whose prototype differs (types__match below) or any copy whose
 *     parameters are not in the ABI's registers drops the name.
 *  4. optimized_func: a DW_CC_nocall copy drops the name.
 * Names are decided and emitted in byte order of the name, so the output
 * does not depend on which CU came first except through rule 3's "first".
 */
#include "stages/write/func_select.h"

#include <bpf/btf.h>
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "stages/common/log.h"
#include "stages/input/elf_funcs.h"
#include "stages/input/elf_kfuncs.h"
#include "stages/write/kfunc_attrs.h"
#include "stages/write/named_type.h"
#include "stages/write/name_order.h"
#include "stages/write/proto_memo.h"
#include "stages/record/batch.h"
#include "stages/record/record.h"
#include "strtab/strtab.h"

#define MATCH_DEPTH 32

static const char *const verdict_names[FV_COUNT] = {
	[FV_EMITTED] = "emitted",
	[FV_NO_SYMBOL] = "no_symbol",
	[FV_UNNAMED_PARAM] = "unnamed_param",
	[FV_AMBIGUOUS] = "ambiguous_address",
	[FV_PARAM_COUNT] = "param_count_mismatch",
	[FV_RETURN_TYPE] = "return_type_mismatch",
	[FV_PARAM_TYPE] = "param_type_mismatch",
	[FV_UNEXPECTED_REG] = "unexpected_reg",
	[FV_REORDERED] = "reordered_param",
	[FV_NOCALL] = "nocall",
};

const char *func_select__verdict_name(enum func_verdict v)
{
	return v < FV_COUNT ? verdict_names[v] : "?";
}

struct selector {
	struct btf *btf;
	const struct strtab *strtab;
	const struct func_cand *cands;
	const struct func_param *params;
	const struct func_tag *tags;
	const struct elf_funcs *ef;
	const struct elf_kfuncs *kf;
	const struct func_rules *rules;
	FILE *report;
	struct func_select_stats *stats;
	struct proto_memo protos;	/* prototypes added so far */
	const char *attr_what;		/* set while a kfunc's arena pointer is being made */
	uint32_t *name_off;		/* strtab id -> its offset in btf's strings, NO_OFF until added */
	uint32_t name_ids;		/* ... for ids below this (strtab__id_limit) */
	const struct placed_names *placed;	/* names btf's base holds (func_select_input) */
	const uint32_t *kfunc_tag_ids;
};

#define NO_OFF UINT32_MAX

/* ---- prototype comparison: pahole's types__match ---- */

static uint32_t skip_const(const struct btf *btf, uint32_t id)
{
	const struct btf_type *t;

	while (id && (t = btf__type_by_id(btf, id)) && btf_is_const(t))
		id = t->type;
	return id;
}

/* FWD counts as the struct or union it declares. */
static int match_kind(const struct btf_type *t)
{
	if (btf_is_fwd(t))
		return btf_kflag(t) ? BTF_KIND_UNION : BTF_KIND_STRUCT;
	return btf_kind(t);
}

static bool same_name(const struct btf *btf, const struct btf_type *a, const struct btf_type *b)
{
	return !strcmp(btf__name_by_offset(btf, a->name_off), btf__name_by_offset(btf, b->name_off));
}

/* Do a and b mean the same type for a prototype? Names decide for named
 * types; const is ignored; FUNC_PROTOs compare arity and return (as pahole). */
static bool types_match(const struct btf *btf, uint32_t a, uint32_t b, int depth)
{
	const struct btf_type *ta, *tb;

	a = skip_const(btf, a);
	b = skip_const(btf, b);
	if (!a || !b || a == b)
		return a == b;
	ta = btf__type_by_id(btf, a);
	tb = btf__type_by_id(btf, b);
	if (!ta || !tb || match_kind(ta) != match_kind(tb) || depth > MATCH_DEPTH)
		return false;
	switch (match_kind(ta)) {
	case BTF_KIND_PTR:
	case BTF_KIND_VOLATILE:
	case BTF_KIND_RESTRICT:
	case BTF_KIND_TYPE_TAG:
		return types_match(btf, ta->type, tb->type, depth + 1);
	case BTF_KIND_ARRAY:
		return btf_array(ta)->nelems == btf_array(tb)->nelems &&
		       types_match(btf, btf_array(ta)->type, btf_array(tb)->type, depth + 1);
	case BTF_KIND_INT:
		return ta->size == tb->size && *(const uint32_t *)(ta + 1) == *(const uint32_t *)(tb + 1) &&
		       same_name(btf, ta, tb);
	case BTF_KIND_FLOAT:
		return ta->size == tb->size && same_name(btf, ta, tb);
	case BTF_KIND_TYPEDEF:
	case BTF_KIND_STRUCT:
	case BTF_KIND_UNION:
	case BTF_KIND_ENUM:
	case BTF_KIND_ENUM64:
		return same_name(btf, ta, tb);
	case BTF_KIND_FUNC_PROTO:
		return btf_vlen(ta) == btf_vlen(tb) && types_match(btf, ta->type, tb->type, depth + 1);
	default:
		return false;
	}
}

/* Do a and b have the same prototype (pahole's funcs__match)? FV_EMITTED if
 * so, else the first difference: the parameter count, the return type, or
 * a parameter's type (its index in *param). Names are not compared. */
static enum func_verdict protos_match(const struct selector *s, const struct func_cand *a, const struct func_cand *b,
				      uint32_t *param)
{
	if (a->nparams != b->nparams)
		return FV_PARAM_COUNT;
	if (!types_match(s->btf, a->ret, b->ret, 0))
		return FV_RETURN_TYPE;
	for (uint32_t i = 0; i < a->nparams; i++)
		if (!types_match(s->btf, s->params[a->first_param + i].type, s->params[b->first_param + i].type, 0))
			return *param = i, FV_PARAM_TYPE;
	return FV_EMITTED;
}

/* pahole's -V line for a prototype difference (pahole v1.31's wording, on
 * stdout, so that pahole's own tests can read btfstream's decisions). */
static void log_mismatch(const struct selector *s, const char *name, enum func_verdict v, const struct func_cand *a,
			 const struct func_cand *b, uint32_t param)
{
	const char *pa, *pb;

	switch (v) {
	case FV_PARAM_COUNT:
		pr_out(LOG_DEBUG, "%s : skipping BTF encoding of function due to param count mismatch; "
		       "%u params != %u params", name, a->nparams, b->nparams);
		break;
	case FV_RETURN_TYPE:
		pr_out(LOG_DEBUG, "%s : skipping BTF encoding of function due to return type mismatch", name);
		break;
	case FV_PARAM_TYPE:
		pa = s->params[a->first_param + param].name ?
		     strtab__str(s->strtab, s->params[a->first_param + param].name, NULL) : "";
		pb = s->params[b->first_param + param].name ?
		     strtab__str(s->strtab, s->params[b->first_param + param].name, NULL) : "";
		pr_out(LOG_DEBUG, "%s : skipping BTF encoding of function due to param type mismatch for "
		       "param#%u %s != %s", name, param + 1, pa, pb);
		break;
	default:
		break;
	}
}

/* ---- ELF side ---- */

static bool cold_or_part(const struct elf_func *sym)
{
	const char *suffix = sym->name + sym->base_len;

	return sym->suffixed && (strstr(suffix, ".cold") || strstr(suffix, ".part"));
}

/* The name's symbols, .cold/.part pieces left out: how many, and whether
 * they sit at more than one (non-zero) address. */
static uint32_t elf_symbols(const struct selector *s, const struct func_cand *c, const char *name, uint32_t *first,
			    uint32_t *n, bool *ambiguous)
{
	uint64_t addr = 0;
	uint32_t kept = 0;

	*ambiguous = false;
	if (c->flags & FUNC_NO_SYMBOL)	/* the reader looked, and found none */
		return 0;
	if (c->flags & FUNC_SYMS) {	/* the reader looked them up */
		*first = c->sym_first;
		*n = c->sym_n;
	} else if (!elf_funcs__find(s->ef, name, strlen(name), first, n)) {
		return 0;
	}
	for (uint32_t i = *first; i < *first + *n; i++) {
		const struct elf_func *sym = &s->ef->syms[i];

		if (cold_or_part(sym))
			continue;
		kept++;
		if (sym->addr && addr && sym->addr != addr)
			*ambiguous = true;
		if (sym->addr)
			addr = sym->addr;
	}
	return kept;
}

static void report_line(const struct selector *s, enum func_verdict v, const char *name, uint32_t first,
			uint32_t n)
{
	if (!s->report)
		return;
	fprintf(s->report, "%s\t%s\t", verdict_names[v], name);
	for (uint32_t i = 0; i < n; i++)
		fprintf(s->report, "%s%s", i ? "," : "", s->ef->syms[first + i].name);
	fprintf(s->report, "%s\n", n ? "" : "-");
}

/* ---- emission ---- */

/* The offset in btf's strings of the name with strtab id id, added the
 * first time: libbpf's btf__add_func_param would hash the name (and
 * compare it with its equal) for every parameter, ~100K on the vmlinux,
 * most of them a few thousand names again (funcs 62 -> 47 ms at -j1). */
static long name_offset(struct selector *s, uint32_t id)
{
	const char *str;
	int off;

	uint32_t placed;

	if (!id)
		return 0;
	if (placed_names__get(s->placed, id, &placed))
		return placed;
	if (id < s->name_ids && s->name_off[id] != NO_OFF)
		return s->name_off[id];
	str = strtab__str(s->strtab, id, NULL);
	if ((off = btf__add_str(s->btf, str ? str : "")) < 0)
		return off;
	if (id < s->name_ids)
		s->name_off[id] = (uint32_t)off;
	return off;
}

/* The FUNC_PROTO returning ret with params[0..n): one already added with the
 * same content, or a new one (stages/write/proto_memo.h). With memo false
 * (params is a temporary copy, which the memo must not keep), always a new
 * one: the final dedup merges it if it has an equal. */
static int add_proto(struct selector *s, uint32_t ret, const struct func_param *params, uint32_t n, bool memo,
		     int *proto)
{
	int err;

	if (memo && (*proto = proto_memo__find(&s->protos, ret, params, n)))
		return 0;
	if ((*proto = btf__add_func_proto(s->btf, ret)) < 0)
		return *proto;
	for (uint32_t i = 0; i < n; i++) {
		long off = name_offset(s, params[i].name);

		/* added nameless, then named by its offset (the type is the
		 * last one added, in libbpf's writable copy) */
		if (off < 0)
			return (int)off;
		if ((err = btf__add_func_param(s->btf, NULL, params[i].type)))
			return err;
		btf_params((struct btf_type *)btf__type_by_id(s->btf, (uint32_t)*proto))[i].name_off = (uint32_t)off;
	}
	return memo ? proto_memo__add(&s->protos, ret, params, n, *proto) : 0;
}

/* c's prototype; for a kfunc with KF_ARENA_* flags under `attributes`, on
 * its own copy of the parameters (stages/write/kfunc_attrs.h). */
static int kfunc_proto(struct selector *s, const struct func_cand *c, const struct kfunc *kf, int *proto)
{
	const struct func_param *params = &s->params[c->first_param];
	struct func_param *copy;
	uint32_t ret = c->ret;
	int err;

	if (!kf || !s->rules->attributes || !(kf->flags & (KF_ARENA_RET | KF_ARENA_ARG1 | KF_ARENA_ARG2)))
		return add_proto(s, c->ret, params, c->nparams, true, proto);
	copy = malloc((c->nparams + 1) * sizeof(*copy));
	if (!copy)
		return -ENOMEM;
	memcpy(copy, params, c->nparams * sizeof(*copy));
	s->attr_what = NULL;
	err = kfunc_attrs__arena(s->btf, kf->flags, &ret, copy, c->nparams, &s->attr_what);
	if (err != -EINVAL)	/* only "not a pointer" keeps the place named */
		s->attr_what = NULL;
	if (err >= 0) {
		s->stats->kfunc_attrs += err;
		err = add_proto(s, ret, copy, c->nparams, false, proto);
	}
	free(copy);
	return err;
}

/* A DECL_TAG of value (strtab id value_id, 0 if it has none) on ref. */
static int add_tag(struct selector *s, uint32_t value_id, const char *value, int ref, int component)
{
	uint32_t off;

	if (placed_names__get(s->placed, value_id, &off))
		return named_type__decl_tag(s->btf, off, ref, component);
	return btf__add_decl_tag(s->btf, value, ref, component);
}

static int emit_func(struct selector *s, const struct func_cand *c, const char *name)
{
	const struct kfunc *kf = NULL;
	int proto, fn, err;
	uint32_t off;

	if ((s->rules->decl_tag_kfuncs || s->rules->attributes) && s->kf)
		kf = elf_kfuncs__find(s->kf, name);
	if ((err = kfunc_proto(s, c, kf, &proto)))
		return err;
	/* static, whatever the symbol's binding, as pahole (every version)
	 * writes them: nothing reads a vmlinux FUNC's linkage, and the same
	 * linkage keeps btfstream's BTF comparable with pahole's */
	fn = placed_names__get(s->placed, c->name, &off) ? named_type__func(s->btf, off, BTF_FUNC_STATIC, proto)
					   : btf__add_func(s->btf, name, BTF_FUNC_STATIC, proto);
	if (fn < 0)
		return fn;
	for (uint32_t i = 0; i < c->ntags; i++) {
		const struct func_tag *t = &s->tags[c->first_tag + i];

		if ((err = add_tag(s, t->value, strtab__str(s->strtab, t->value, NULL), fn, t->component)) < 0)
			return err;
	}
	if (!s->rules->decl_tag_kfuncs || !kf)
		return 0;
	if ((err = add_tag(s, s->kfunc_tag_ids[0], "bpf_kfunc", fn, -1)) < 0)
		return err;
	s->stats->kfunc_tags++;
	if (kf->flags & KF_FASTCALL) {
		if ((err = add_tag(s, s->kfunc_tag_ids[1], "bpf_fastcall", fn, -1)) < 0)
			return err;
		s->stats->kfunc_tags++;
	}
	return 0;
}

/* Decide name: the candidates order[lo..hi) all carry it. As pahole's
 * add_saved_funcs: the first copy in CU order with named parameters is the
 * prototype; each later one is compared with it unless a register or
 * prototype difference was found already (with the first copy or any
 * other); only the first difference is said (-V). */
static enum func_verdict decide(struct selector *s, const char *name, const uint32_t *order, size_t lo, size_t hi,
				const struct func_cand **chosen)
{
	const struct func_cand *first = NULL;
	enum func_verdict proto = FV_EMITTED;
	uint32_t sym_first, sym_n, param = 0;
	bool ambiguous, unexpected = false, reordered = false, nocall = false;

	if (!elf_symbols(s, &s->cands[order[lo]], name, &sym_first, &sym_n, &ambiguous))
		return FV_NO_SYMBOL;
	for (size_t i = lo; i < hi; i++) {
		const struct func_cand *c = &s->cands[order[i]];

		if (c->flags & FUNC_UNNAMED_PARAM)
			continue;
		unexpected |= !!(c->flags & FUNC_UNEXPECTED_REG);
		reordered |= !!(c->flags & FUNC_REORDERED);
		nocall |= !!(c->flags & FUNC_NOCALL);
		if (!first)
			first = c;
		else if (!unexpected && proto == FV_EMITTED && (proto = protos_match(s, first, c, &param)))
			log_mismatch(s, name, proto, first, c, param);
	}
	*chosen = first;
	if (!first)
		return FV_UNNAMED_PARAM;
	if (ambiguous)
		return FV_AMBIGUOUS;
	if (s->rules->consistent_func && unexpected)
		return FV_UNEXPECTED_REG;
	if (s->rules->consistent_func && proto != FV_EMITTED)
		return proto;
	if (s->rules->consistent_func && reordered)
		return FV_REORDERED;
	if (s->rules->optimized_func && nocall)
		return FV_NOCALL;
	return FV_EMITTED;
}

/* Names are decided in byte order, so each one's candidates, symbols and
 * bytes lie wherever their CU put them: a cache miss each, one after the
 * other. The loads of the names to come are started ahead: a candidate 32
 * places on, then, 16 places on (the candidate in cache by then), its
 * symbols and the bytes of its name. */
#define AHEAD 16

static void prefetch_ahead(const struct selector *s, const uint32_t *order, size_t i, size_t n)
{
	const struct func_cand *c;
	const char *name;

	if (i + 2 * AHEAD < n)
		__builtin_prefetch(&s->cands[order[i + 2 * AHEAD]]);
	if (i + AHEAD >= n)
		return;
	c = &s->cands[order[i + AHEAD]];
	if (c->flags & FUNC_SYMS)
		__builtin_prefetch(&s->ef->syms[c->sym_first]);
	if ((name = strtab__str(s->strtab, c->name, NULL)))
		__builtin_prefetch(name);
}

/* The order in which names are decided (stages/write/name_order.h), all
 * at once: for a caller that did not note names as they came. */
uint32_t *func_select__order(const struct strtab *strtab, const struct func_cand *cands, size_t n)
{
	struct name_order o;
	uint32_t *order;

	name_order__init(&o, strtab);
	order = name_order__finish(&o, cands, n);
	name_order__fini(&o);
	return order;
}

int func_select__run(struct btf *btf, const struct func_select_input *in, struct func_select_stats *stats,
		     struct fail *f)
{
	struct selector s = { btf, in->strtab, in->cands, in->params, in->tags, in->elf_funcs, in->elf_kfuncs,
			      &in->rules, in->report, stats };

	s.placed = in->placed;
	s.kfunc_tag_ids = in->kfunc_tag_ids;
	const struct func_cand *cands = in->cands;
	const uint32_t *order = in->order;
	size_t n = in->ncands;
	bool own;
	int err = 0;

	memset(stats, 0, sizeof(*stats));
	if (!n)
		return 0;
	own = !order;
	if (own)
		order = func_select__order(in->strtab, cands, n);
	s.name_ids = strtab__id_limit(in->strtab);
	if (!order || proto_memo__init(&s.protos, n / 4) ||
	    !(s.name_off = malloc(((size_t)s.name_ids + 1) * sizeof(*s.name_off)))) {
		if (own)
			free((uint32_t *)order);
		proto_memo__fini(&s.protos);
		return fail__set(f, -ENOMEM, "write: %s: functions: out of memory", in->path);
	}
	memset(s.name_off, 0xff, (size_t)s.name_ids * sizeof(*s.name_off));
	for (size_t lo = 0, hi; lo < n && !err; lo = hi) {
		const struct func_cand *chosen = NULL;
		const char *name = strtab__str(in->strtab, cands[order[lo]].name, NULL);
		enum func_verdict v;
		uint32_t sym_first = 0, sym_n = 0;

		prefetch_ahead(&s, order, lo, n);
		for (hi = lo + 1; hi < n && cands[order[hi]].name == cands[order[lo]].name; hi++)
			;
		v = decide(&s, name, order, lo, hi, &chosen);
		stats->names++;
		stats->verdicts[v]++;
		if (s.report) {	/* the symbols again, only for --funcs-report */
			elf_funcs__find(in->elf_funcs, name, strlen(name), &sym_first, &sym_n);
			report_line(&s, v, name, sym_first, sym_n);
		}
		if (v == FV_EMITTED && (err = emit_func(&s, chosen, name)) == -EINVAL && s.attr_what)
			fail__set(f, err, "write: %s: kfunc %s: .BTF_ids marks %s as an arena pointer, but it is not a pointer",
				  in->path, name, s.attr_what);
		else if (err < 0)
			fail__set(f, err, "write: %s: function %s: cannot add its FUNC: %s", in->path, name, strerror(-err));
	}
	if (own)
		free((uint32_t *)order);
	proto_memo__fini(&s.protos);
	free(s.name_off);
	return err < 0 ? err : 0;
}
