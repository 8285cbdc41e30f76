/* pipeline/diff/btf_canon.c: see btf_canon.h for the contract and the grammar.
 *
 * Each type's description is built once, on first request, into its own
 * heap string and memoised in a per-id slot. A description is assembled from
 * the type's own fields plus the references it makes (canon_ref), which are
 * either a short "kind name" for named aggregates and typedefs or the
 * memoised full description of the target. The slot's BUSY state detects
 * cycles through unnamed types; a depth counter bounds the recursion.
 */
#include "pipeline/diff/btf_canon.h"
#include "stages/common/log.h"
#include "stages/common/grow.h"

#include <bpf/btf.h>
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

enum slot_state {
	SLOT_EMPTY = 0,
	SLOT_BUSY = 1,
	SLOT_DONE = 2,
};

struct canon_slot {
	char *desc;
	__u64 hash;
	unsigned char state;
	bool hashed;
};

struct btf_canon {
	const struct btf *btf;
	unsigned int nr_types; /* ids 0 .. nr_types - 1, base ids included */
	struct canon_slot *slots;
	unsigned int depth;
	unsigned int options;	/* BTF_CANON_* */
	bool warned;
};

/* A growable string; the first failure sticks in err and later adds are no-ops. */
struct strbuf {
	char *buf;
	size_t len, cap;
	int err;
};

static void strbuf_addn(struct strbuf *sb, const char *s, size_t n)
{
	if (sb->err)
		return;
	if (GROW(sb->buf, sb->cap, sb->len + n + 1, 64)) {
		sb->err = -ENOMEM;
		return;
	}
	memcpy(sb->buf + sb->len, s, n);
	sb->len += n;
	sb->buf[sb->len] = '\0';
}

static void strbuf_add(struct strbuf *sb, const char *s)
{
	strbuf_addn(sb, s, strlen(s));
}

__attribute__((format(printf, 2, 3)))
static void strbuf_addf(struct strbuf *sb, const char *fmt, ...)
{
	char small[256];
	va_list ap;
	char *big;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(small, sizeof(small), fmt, ap);
	va_end(ap);
	if (n < 0) {
		sb->err = sb->err ?: -EINVAL;
		return;
	}
	if ((size_t)n < sizeof(small)) {
		strbuf_addn(sb, small, n);
		return;
	}
	va_start(ap, fmt);
	n = vasprintf(&big, fmt, ap);
	va_end(ap);
	if (n < 0) {
		sb->err = sb->err ?: -ENOMEM;
		return;
	}
	strbuf_addn(sb, big, n);
	free(big);
}

/* Hand the buffer over to the caller (shrunk to fit); "" if nothing was added. */
static char *strbuf_finish(struct strbuf *sb)
{
	char *s;

	if (!sb->buf)
		return strdup("");
	s = realloc(sb->buf, sb->len + 1);
	return s ?: sb->buf;
}

static const char *const kind_names[] = {
	[BTF_KIND_UNKN] = "UNKN",
	[BTF_KIND_INT] = "INT",
	[BTF_KIND_PTR] = "PTR",
	[BTF_KIND_ARRAY] = "ARRAY",
	[BTF_KIND_STRUCT] = "STRUCT",
	[BTF_KIND_UNION] = "UNION",
	[BTF_KIND_ENUM] = "ENUM",
	[BTF_KIND_FWD] = "FWD",
	[BTF_KIND_TYPEDEF] = "TYPEDEF",
	[BTF_KIND_VOLATILE] = "VOLATILE",
	[BTF_KIND_CONST] = "CONST",
	[BTF_KIND_RESTRICT] = "RESTRICT",
	[BTF_KIND_FUNC] = "FUNC",
	[BTF_KIND_FUNC_PROTO] = "FUNC_PROTO",
	[BTF_KIND_VAR] = "VAR",
	[BTF_KIND_DATASEC] = "DATASEC",
	[BTF_KIND_FLOAT] = "FLOAT",
	[BTF_KIND_DECL_TAG] = "DECL_TAG",
	[BTF_KIND_TYPE_TAG] = "TYPE_TAG",
	[BTF_KIND_ENUM64] = "ENUM64",
};

const char *btf_canon__kind_str(unsigned int kind)
{
	if (kind >= sizeof(kind_names) / sizeof(kind_names[0]))
		return NULL;
	return kind_names[kind];
}

int btf_canon__kind_by_name(const char *name)
{
	unsigned int i;

	for (i = 0; i < sizeof(kind_names) / sizeof(kind_names[0]); i++) {
		if (kind_names[i] && !strcasecmp(kind_names[i], name))
			return i;
	}
	return -EINVAL;
}

__u64 btf_canon__hash_str(const char *s)
{
	const __u64 mul = 0x9e3779b97f4a7c15ULL;
	size_t len = strlen(s), i;
	__u64 h = 0x243f6a8885a308d3ULL ^ len, w;

	for (i = 0; i + 8 <= len; i += 8) {
		memcpy(&w, s + i, 8);
		h = (h ^ w) * mul;
		h ^= h >> 31;
	}
	w = 0;
	memcpy(&w, s + i, len - i);
	h = (h ^ w) * mul;
	/* final avalanche so that short strings spread over all 64 bits */
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdULL;
	h ^= h >> 33;
	h *= 0xc4ceb9fe1a85ec53ULL;
	h ^= h >> 33;
	return h;
}

static void canon_warn_once(struct btf_canon *c, const char *what, unsigned int id)
{
	if (c->warned)
		return;
	c->warned = true;
	pr_warn("btfstream diff: type %u: %s (description cut short)", id, what);
}

static const char *type_name(const struct btf_canon *c, const struct btf_type *t)
{
	const char *name = btf__name_by_offset(c->btf, t->name_off);

	return name ?: "<bad name>";
}

static const char *anon_name(const struct btf_canon *c, const struct btf_type *t)
{
	const char *name = type_name(c, t);

	return *name ? name : "(anon)";
}

static const char *canon_describe(struct btf_canon *c, unsigned int id);

/* Append a reference to type @id: shallow for named aggregates and typedefs. */
static void canon_ref(struct btf_canon *c, struct strbuf *sb, unsigned int id)
{
	const struct btf_type *t;
	const char *name, *d;

	if (id == 0) {
		strbuf_add(sb, "void");
		return;
	}
	t = id < c->nr_types ? btf__type_by_id(c->btf, id) : NULL;
	if (!t) {
		canon_warn_once(c, "reference to a missing type id", id);
		strbuf_add(sb, "<bad id>");
		return;
	}
	name = type_name(c, t);
	if (*name) {
		switch (btf_kind(t)) {
		case BTF_KIND_STRUCT:
			strbuf_addf(sb, "struct %s", name);
			return;
		case BTF_KIND_UNION:
			strbuf_addf(sb, "union %s", name);
			return;
		case BTF_KIND_ENUM:
			strbuf_addf(sb, "enum %s", name);
			return;
		case BTF_KIND_ENUM64:
			strbuf_addf(sb, "enum64 %s", name);
			return;
		case BTF_KIND_FWD:
			strbuf_addf(sb, "fwd %s %s", btf_kflag(t) ? "union" : "struct", name);
			return;
		case BTF_KIND_TYPEDEF:
			strbuf_addf(sb, "typedef %s", name);
			return;
		}
	}
	d = canon_describe(c, id);
	if (!d) {
		sb->err = sb->err ?: -errno;
		return;
	}
	strbuf_add(sb, d);
}

static void canon_int(struct btf_canon *c, struct strbuf *sb, const struct btf_type *t)
{
	__u8 enc = btf_int_encoding(t);

	strbuf_addf(sb, "int \"%s\" size=%u bits=%u", type_name(c, t), t->size, btf_int_bits(t));
	if (btf_int_offset(t))
		strbuf_addf(sb, " offset=%u", btf_int_offset(t));
	if (enc & BTF_INT_SIGNED)
		strbuf_add(sb, " signed");
	if (enc & BTF_INT_CHAR)
		strbuf_add(sb, " char");
	if (enc & BTF_INT_BOOL)
		strbuf_add(sb, " bool");
	if (enc & ~(BTF_INT_SIGNED | BTF_INT_CHAR | BTF_INT_BOOL))
		strbuf_addf(sb, " encoding=0x%x", enc);
}

static void canon_wrap(struct btf_canon *c, struct strbuf *sb, const char *what,
		       const struct btf_type *t)
{
	strbuf_addf(sb, "%s(", what);
	canon_ref(c, sb, t->type);
	strbuf_add(sb, ")");
}

static void canon_array(struct btf_canon *c, struct strbuf *sb, const struct btf_type *t)
{
	const struct btf_array *a = btf_array(t);

	strbuf_addf(sb, "array[%u](", a->nelems);
	canon_ref(c, sb, a->type);
	strbuf_add(sb, ", index=");
	canon_ref(c, sb, a->index_type);
	strbuf_add(sb, ")");
}

static void canon_composite(struct btf_canon *c, struct strbuf *sb, const struct btf_type *t)
{
	const struct btf_member *m = btf_members(t);
	__u16 i, vlen = btf_vlen(t);
	const char *name;
	__u32 bits;

	strbuf_addf(sb, "%s %s size=%u {", btf_is_union(t) ? "union" : "struct",
		    anon_name(c, t), t->size);
	for (i = 0; i < vlen; i++, m++) {
		name = btf__name_by_offset(c->btf, m->name_off) ?: "<bad name>";
		strbuf_addf(sb, " %s: ", *name ? name : "(anon)");
		canon_ref(c, sb, m->type);
		strbuf_addf(sb, " @%u", btf_member_bit_offset(t, i));
		bits = btf_member_bitfield_size(t, i);
		if (bits)
			strbuf_addf(sb, ":%u", bits);
		strbuf_add(sb, ";");
	}
	strbuf_add(sb, " }");
}

static void canon_enum(struct btf_canon *c, struct strbuf *sb, const struct btf_type *t)
{
	const struct btf_enum *e = btf_enum(t);
	bool is_signed = btf_kflag(t);
	__u16 i, vlen = btf_vlen(t);

	strbuf_addf(sb, "enum %s size=%u %s {", anon_name(c, t), t->size,
		    is_signed ? "signed" : "unsigned");
	for (i = 0; i < vlen; i++, e++) {
		const char *name = btf__name_by_offset(c->btf, e->name_off) ?: "<bad name>";

		if (is_signed)
			strbuf_addf(sb, "%s %s=%d", i ? "," : "", name, e->val);
		else
			strbuf_addf(sb, "%s %s=%u", i ? "," : "", name, (__u32)e->val);
	}
	strbuf_add(sb, " }");
}

static void canon_enum64(struct btf_canon *c, struct strbuf *sb, const struct btf_type *t)
{
	const struct btf_enum64 *e = btf_enum64(t);
	bool is_signed = btf_kflag(t);
	__u16 i, vlen = btf_vlen(t);
	__u64 val;

	strbuf_addf(sb, "enum64 %s size=%u %s {", anon_name(c, t), t->size,
		    is_signed ? "signed" : "unsigned");
	for (i = 0; i < vlen; i++, e++) {
		const char *name = btf__name_by_offset(c->btf, e->name_off) ?: "<bad name>";

		val = btf_enum64_value(e);
		if (is_signed)
			strbuf_addf(sb, "%s %s=%lld", i ? "," : "", name, (long long)val);
		else
			strbuf_addf(sb, "%s %s=%llu", i ? "," : "", name, (unsigned long long)val);
	}
	strbuf_add(sb, " }");
}

static void canon_proto(struct btf_canon *c, struct strbuf *sb, const struct btf_type *t)
{
	const struct btf_param *p = btf_params(t);
	__u16 i, vlen = btf_vlen(t);
	const char *name;

	strbuf_add(sb, "proto(");
	for (i = 0; i < vlen; i++, p++) {
		name = btf__name_by_offset(c->btf, p->name_off) ?: "<bad name>";
		if (i)
			strbuf_add(sb, ", ");
		if (i == vlen - 1 && !p->type && !*name) {
			strbuf_add(sb, "...");
			break;
		}
		if (*name)
			strbuf_addf(sb, "%s: ", name);
		canon_ref(c, sb, p->type);
	}
	strbuf_add(sb, ") -> ");
	canon_ref(c, sb, t->type);
}

static const char *linkage_str(unsigned int linkage)
{
	/* BTF_FUNC_* and BTF_VAR_* share the values 0, 1, 2 */
	switch (linkage) {
	case BTF_FUNC_STATIC:
		return "static";
	case BTF_FUNC_GLOBAL:
		return "global";
	case BTF_FUNC_EXTERN:
		return "extern";
	default:
		return NULL;
	}
}

static void canon_linked(struct btf_canon *c, struct strbuf *sb, const char *what,
			 const struct btf_type *t, unsigned int linkage)
{
	const char *l = linkage_str(linkage);

	if ((c->options & BTF_CANON_NO_FUNC_LINKAGE) && btf_is_func(t))
		strbuf_addf(sb, "%s %s: ", what, type_name(c, t));
	else if (l)
		strbuf_addf(sb, "%s %s %s: ", what, type_name(c, t), l);
	else
		strbuf_addf(sb, "%s %s linkage=%u: ", what, type_name(c, t), linkage);
	canon_ref(c, sb, t->type);
}

static void canon_tag(struct btf_canon *c, struct strbuf *sb, const struct btf_type *t)
{
	bool decl = btf_is_decl_tag(t);

	strbuf_addf(sb, "%s(\"%s\"", decl ? "decl_tag" : "type_tag", type_name(c, t));
	if (btf_kflag(t))
		strbuf_add(sb, ", kflag");
	if (decl)
		strbuf_addf(sb, ", component_idx=%d", btf_decl_tag(t)->component_idx);
	strbuf_add(sb, ", ");
	canon_ref(c, sb, t->type);
	strbuf_add(sb, ")");
}

struct sec_item {
	__u32 offset;
	size_t pos; /* of this item's text in the scratch buffer */
};

static int sec_item_cmp(const void *pa, const void *pb, void *ctx)
{
	const struct sec_item *a = pa, *b = pb;
	const char *text = ctx;

	if (a->offset != b->offset)
		return a->offset < b->offset ? -1 : 1;
	return strcmp(text + a->pos, text + b->pos);
}

/* Secinfos are emitted sorted by (offset, text), so their order in the file
 * does not matter. Each item is first written NUL-terminated into a scratch
 * buffer, then the sorted items are copied into @sb.
 */
static void canon_datasec(struct btf_canon *c, struct strbuf *sb, const struct btf_type *t)
{
	const struct btf_var_secinfo *v = btf_var_secinfos(t);
	__u16 i, vlen = btf_vlen(t);
	struct strbuf items = {};
	struct sec_item *order;

	strbuf_addf(sb, "datasec %s size=%u {", anon_name(c, t), t->size);
	order = calloc(vlen ?: 1, sizeof(*order));
	if (!order) {
		sb->err = sb->err ?: -ENOMEM;
		return;
	}
	for (i = 0; i < vlen; i++, v++) {
		order[i].offset = v->offset;
		order[i].pos = items.len;
		canon_ref(c, &items, v->type);
		strbuf_addf(&items, " @%u+%u;", v->offset, v->size);
		strbuf_addn(&items, "", 1); /* keep the NUL as a separator */
	}
	if (items.err)
		sb->err = sb->err ?: items.err;
	else if (vlen)
		qsort_r(order, vlen, sizeof(*order), sec_item_cmp, items.buf);
	for (i = 0; i < vlen && !items.err; i++) {
		strbuf_add(sb, " ");
		strbuf_add(sb, items.buf + order[i].pos);
	}
	strbuf_add(sb, " }");
	free(order);
	free(items.buf);
}

static const char *const wrap_names[] = {
	[BTF_KIND_PTR] = "ptr",
	[BTF_KIND_CONST] = "const",
	[BTF_KIND_VOLATILE] = "volatile",
	[BTF_KIND_RESTRICT] = "restrict",
};

/* Write the full description of @t into @sb. */
static void canon_type(struct btf_canon *c, struct strbuf *sb, const struct btf_type *t)
{
	switch (btf_kind(t)) {
	case BTF_KIND_INT:
		canon_int(c, sb, t);
		break;
	case BTF_KIND_FLOAT:
		strbuf_addf(sb, "float \"%s\" size=%u", type_name(c, t), t->size);
		break;
	case BTF_KIND_PTR:
	case BTF_KIND_CONST:
	case BTF_KIND_VOLATILE:
	case BTF_KIND_RESTRICT:
		canon_wrap(c, sb, wrap_names[btf_kind(t)], t);
		break;
	case BTF_KIND_ARRAY:
		canon_array(c, sb, t);
		break;
	case BTF_KIND_STRUCT:
	case BTF_KIND_UNION:
		canon_composite(c, sb, t);
		break;
	case BTF_KIND_ENUM:
		canon_enum(c, sb, t);
		break;
	case BTF_KIND_ENUM64:
		canon_enum64(c, sb, t);
		break;
	case BTF_KIND_FWD:
		strbuf_addf(sb, "fwd %s %s", btf_kflag(t) ? "union" : "struct", anon_name(c, t));
		break;
	case BTF_KIND_TYPEDEF:
		strbuf_addf(sb, "typedef %s = ", anon_name(c, t));
		canon_ref(c, sb, t->type);
		break;
	case BTF_KIND_FUNC:
		canon_linked(c, sb, "func", t, btf_vlen(t));
		break;
	case BTF_KIND_FUNC_PROTO:
		canon_proto(c, sb, t);
		break;
	case BTF_KIND_VAR:
		canon_linked(c, sb, "var", t, btf_var(t)->linkage);
		break;
	case BTF_KIND_DATASEC:
		canon_datasec(c, sb, t);
		break;
	case BTF_KIND_DECL_TAG:
	case BTF_KIND_TYPE_TAG:
		canon_tag(c, sb, t);
		break;
	default:
		strbuf_addf(sb, "kind#%u \"%s\" info=0x%x size_or_type=%u", btf_kind(t),
			    type_name(c, t), t->info, t->size);
		break;
	}
}

static const char *canon_describe(struct btf_canon *c, unsigned int id)
{
	const struct btf_type *t;
	struct canon_slot *s;
	struct strbuf sb = {};

	if (id == 0)
		return "void";
	t = id < c->nr_types ? btf__type_by_id(c->btf, id) : NULL;
	if (!t) {
		errno = EINVAL;
		return NULL;
	}
	s = &c->slots[id];
	if (s->state == SLOT_DONE)
		return s->desc;
	if (s->state == SLOT_BUSY) {
		canon_warn_once(c, "reference cycle through unnamed types", id);
		return "<cycle>";
	}
	if (c->depth >= BTF_CANON_MAX_DEPTH) {
		canon_warn_once(c, "types nested too deeply", id);
		return "<too deep>";
	}
	s->state = SLOT_BUSY;
	c->depth++;
	canon_type(c, &sb, t);
	c->depth--;
	if (sb.err) {
		s->state = SLOT_EMPTY;
		free(sb.buf);
		errno = -sb.err;
		return NULL;
	}
	s->desc = strbuf_finish(&sb);
	if (!s->desc) {
		s->state = SLOT_EMPTY;
		errno = ENOMEM;
		return NULL;
	}
	s->state = SLOT_DONE;
	return s->desc;
}

const char *btf_canon__describe(struct btf_canon *c, unsigned int id)
{
	return canon_describe(c, id);
}

__u64 btf_canon__hash(struct btf_canon *c, unsigned int id)
{
	const char *d = canon_describe(c, id);

	if (!d)
		return 0;
	if (id == 0)
		return btf_canon__hash_str(d);
	if (!c->slots[id].hashed) {
		c->slots[id].hash = btf_canon__hash_str(d);
		c->slots[id].hashed = true;
	}
	return c->slots[id].hash;
}

void btf_canon__set_options(struct btf_canon *c, unsigned int options)
{
	c->options = options;
}

struct btf_canon *btf_canon__new(const struct btf *btf)
{
	struct btf_canon *c;

	if (!btf) {
		errno = EINVAL;
		return NULL;
	}
	c = calloc(1, sizeof(*c));
	if (!c)
		return NULL;
	c->btf = btf;
	c->nr_types = btf__type_cnt(btf);
	c->slots = calloc(c->nr_types, sizeof(*c->slots));
	if (!c->slots) {
		free(c);
		errno = ENOMEM;
		return NULL;
	}
	return c;
}

void btf_canon__free(struct btf_canon *c)
{
	unsigned int i;

	if (!c)
		return;
	for (i = 0; i < c->nr_types; i++)
		free(c->slots[i].desc);
	free(c->slots);
	free(c);
}
