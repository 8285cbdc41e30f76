/* stages/dedup/btf_append.c: see btf_append.h. */
#include "stages/dedup/btf_append.h"

#include <bpf/btf.h>
#include <errno.h>
#include <linux/btf.h>
#include <stdlib.h>
#include <string.h>

#include "stages/common/btf_refs.h"
#include "stages/common/grow.h"
#include "stages/common/str_hash.h"
#include "stages/dedup/base_strs.h"
#include "stages/dedup/raw_btf.h"

int btf_append__types(struct btf *dst, const struct btf *src, int *start)
{
	uint32_t n = btf__type_cnt(src), shift = btf__type_cnt(dst) - 1;
	unsigned char *copy = NULL;	/* malloc's alignment suits a btf_type */
	size_t cap = 0;
	int err = 0;

	*start = (int)btf__type_cnt(dst);
	for (uint32_t id = 1; !err && id < n; id++) {
		const struct btf_type *t = btf__type_by_id(src, id);
		size_t sz = t ? btf_refs__type_bytes(t) : 0;
		struct btf_refs it;
		uint32_t *ref;

		if (!sz || !btf_refs__known(t)) {
			err = -EPROTO;
			break;
		}
		if (GROW(copy, cap, sz, 4096)) {
			err = -ENOMEM;
			break;
		}
		memcpy(copy, t, sz);
		btf_refs__init(&it, (struct btf_type *)copy);
		while ((ref = btf_refs__next(&it)))
			if (*ref)
				*ref += shift;
		if ((err = btf__add_type(dst, src, (struct btf_type *)copy)) > 0)
			err = 0;
	}
	free(copy);
	return err;
}

/* The split BTF's own strings, by content: each distinct string once, in
 * the order of first use, as libbpf's string set places them. */
struct own_strs {
	char *buf;
	size_t len, cap;
	uint32_t *slots;	/* offset in buf + 1; 0: empty */
	uint32_t mask;
};

/* s's offset in the own section, placed on first use; -ENOMEM, -E2BIG. */
static long own_place(struct own_strs *o, const char *s)
{
	size_t n = strlen(s);
	uint32_t i = (uint32_t)str_hash(s, n) & o->mask;

	for (; o->slots[i]; i = (i + 1) & o->mask)
		if (!strcmp(o->buf + o->slots[i] - 1, s))
			return o->slots[i] - 1;
	if (o->len + n + 1 >= UINT32_MAX / 2)
		return -E2BIG;
	if (GROW(o->buf, o->cap, o->len + n + 1, 4096))
		return -ENOMEM;
	memcpy(o->buf + o->len, s, n + 1);
	o->slots[i] = (uint32_t)o->len + 1;
	o->len += n + 1;
	return (long)o->slots[i] - 1;
}

/* Where src's names go in a split BTF on the indexed base, as btf__add_str
 * places them. memo: per src offset, that offset + 1 (a name many types
 * use is placed once). */
struct split_strs {
	const struct base_strs *index;
	const struct btf *src;
	uint32_t *memo, memo_len;
	struct own_strs own;
};

static long split_str(struct split_strs *ss, uint32_t off)
{
	const char *s;
	long r;

	if (off < ss->memo_len && ss->memo[off])
		return ss->memo[off] - 1;
	if (off >= ss->memo_len || !(s = btf__str_by_offset(ss->src, off)))
		return -EPROTO;
	r = base_strs__find(ss->index, s);
	if (r == -ENOENT && (r = own_place(&ss->own, s)) >= 0)
		r += base_strs__len(ss->index);
	if (r < 0)
		return r;
	if (r >= UINT32_MAX - 1)
		return -E2BIG;
	ss->memo[off] = (uint32_t)r + 1;
	return r;
}

/* One src type copied to the end of *types, its ids moved by shift and its
 * names placed by ss. Returns 0 or -errno. */
static int split_type(struct split_strs *ss, const struct btf_type *t, uint32_t shift, char **types,
		      size_t *len, size_t *cap)
{
	size_t sz = t ? btf_refs__type_bytes(t) : 0;
	struct btf_refs refs;
	struct btf_strs strs;
	struct btf_type *c;
	uint32_t *p;
	long off;

	if (!sz || !btf_refs__known(t))
		return -EPROTO;
	if (*len + sz >= UINT32_MAX / 2)
		return -E2BIG;
	if (GROW(*types, *cap, *len + sz, 1u << 16))
		return -ENOMEM;
	c = (struct btf_type *)(*types + *len);
	memcpy(c, t, sz);
	*len += sz;
	btf_refs__init(&refs, c);
	while ((p = btf_refs__next(&refs)))
		if (*p)
			*p += shift;
	btf_strs__init(&strs, c);
	while ((p = btf_strs__next(&strs)))
		if (*p) {
			if ((off = split_str(ss, *p)) < 0)
				return (int)off;
			*p = (uint32_t)off;
		}
	return 0;
}

static int split_strs__init(struct split_strs *ss, const struct base_strs *index, const struct btf *src)
{
	const struct btf_header *h;
	uint32_t size, nstrs = 1;
	const char *strs;

	*ss = (struct split_strs){ .index = index, .src = src };
	h = (const struct btf_header *)btf__raw_data(src, &size);
	if (!h || size < sizeof(*h) || (uint64_t)h->hdr_len + h->str_off + h->str_len > size)
		return -EPROTO;
	ss->memo_len = h->str_len;
	strs = (const char *)h + h->hdr_len + h->str_off;
	for (uint32_t i = 0; i < h->str_len; i++)
		nstrs += !strs[i];
	ss->own.mask = 1023;	/* at least twice the strings src holds */
	while (ss->own.mask / 2 < nstrs)
		ss->own.mask = ss->own.mask * 2 + 1;
	ss->memo = calloc(ss->memo_len ? ss->memo_len : 1, sizeof(*ss->memo));
	ss->own.slots = calloc((size_t)ss->own.mask + 1, sizeof(*ss->own.slots));
	return ss->memo && ss->own.slots ? 0 : -ENOMEM;
}

static void split_strs__fini(struct split_strs *ss)
{
	free(ss->memo);
	free(ss->own.slots);
	free(ss->own.buf);
}

int btf_append__types_split(struct btf **dst, const struct btf *src, const struct base_strs *index, int *start)
{
	const struct btf *base = btf__base_btf(*dst);
	uint32_t n = btf__type_cnt(src), nbase;
	struct split_strs ss;
	struct btf *made = NULL;
	char *types = NULL;
	size_t tlen = 0, tcap = 0;
	int err;

	if (!index || !base || base != base_strs__base(index) || btf__type_cnt(*dst) != btf__type_cnt(base) ||
	    btf__str_by_offset(*dst, base_strs__len(index)))	/* own types or strings already */
		return btf_append__types(*dst, src, start);
	nbase = btf__type_cnt(base);
	err = split_strs__init(&ss, index, src);
	for (uint32_t id = 1; !err && id < n; id++)
		err = split_type(&ss, btf__type_by_id(src, id), nbase - 1, &types, &tlen, &tcap);
	if (!err && !(made = raw_btf__new_split(types, (uint32_t)tlen, ss.own.buf, (uint32_t)ss.own.len,
						(struct btf *)base)))
		err = -errno;
	if (!err) {
		btf__free(*dst);
		*dst = made;
		*start = (int)nbase;
	}
	free(types);
	split_strs__fini(&ss);
	return err;
}
