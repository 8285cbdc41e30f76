/* stages/dedup/str_compact.c: see str_compact.h. */
#include "stages/dedup/str_compact.h"

#include <bpf/btf.h>
#include <errno.h>
#include <linux/btf.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "stages/dedup/raw_btf.h"
#include "stages/common/btf_refs.h"
#include "stages/common/grow.h"

struct compactor {
	const char *old;		/* the input's string section */
	uint32_t old_len;
	uint32_t *map;			/* old offset -> new offset; 0: not placed yet */
	char *strs;			/* the new string section */
	uint32_t len;
	size_t cap;
};

static int place(struct compactor *c, uint32_t *off)
{
	uint32_t o = *off;
	size_t n;

	if (o == 0)
		return 0;
	if (o >= c->old_len)
		return -EPROTO;
	if (!c->map[o]) {
		n = strnlen(c->old + o, c->old_len - o) + 1;
		if (GROW(c->strs, c->cap, (size_t)c->len + n, 4096))
			return -ENOMEM;
		memcpy(c->strs + c->len, c->old + o, n);
		c->strs[c->len + n - 1] = '\0';
		c->map[o] = c->len;
		c->len += (uint32_t)n;
	}
	*off = c->map[o];
	return 0;
}

/* The type's strings, in the order libbpf visits them. */
static int place_type(struct compactor *c, struct btf_type *t)
{
	struct btf_strs it;
	uint32_t *off;
	int err = 0;

	btf_strs__init(&it, t);
	while (!err && (off = btf_strs__next(&it)))
		err = place(c, off);
	return err;
}

struct btf *str_compact(const struct btf *btf)
{
	struct compactor c = { 0 };
	const struct btf_header *h;
	struct btf *out = NULL;
	char *types = NULL;
	const char *in;
	__u32 size;
	size_t pos;
	int err = -ENOMEM;

	if (!(in = btf__raw_data(btf, &size)) || size < sizeof(*h))
		return errno = EPROTO, NULL;
	h = (const struct btf_header *)in;
	if ((size_t)h->hdr_len + h->type_off + h->type_len > size || (size_t)h->hdr_len + h->str_off + h->str_len > size)
		return errno = EPROTO, NULL;
	c.old = in + h->hdr_len + h->str_off;
	c.old_len = h->str_len;
	c.cap = 4096;
	if (!(c.map = calloc(c.old_len ? c.old_len : 1, sizeof(*c.map))) || !(c.strs = malloc(c.cap)) ||
	    !(types = malloc(h->type_len ? h->type_len : 1)))
		goto out;
	c.strs[0] = '\0';
	c.len = 1;
	memcpy(types, in + h->hdr_len + h->type_off, h->type_len);
	for (pos = 0, err = 0; !err && pos < h->type_len;) {
		struct btf_type *t = (struct btf_type *)(types + pos);
		size_t n = h->type_len - pos >= sizeof(*t) ? btf_refs__type_bytes(t) : 0;

		if (!n || n > h->type_len - pos)
			err = -EPROTO;
		else
			err = place_type(&c, t);
		pos += n;
	}
	if (err)
		goto out;
	out = raw_btf__new(types, h->type_len, c.strs, c.len);
	err = out ? 0 : -errno;
out:
	free(types);
	free(c.map);
	free(c.strs);
	if (err)
		errno = -err;
	return out;
}
