/* stages/dedup/batch_names.c: see batch_names.h. */
#include "stages/dedup/batch_names.h"

#include <errno.h>
#include <linux/btf.h>
#include <stdlib.h>
#include <string.h>

#include "stages/common/btf_refs.h"
#include "stages/common/grow.h"

int name_places__place(struct name_places *p, const struct batch_names *names, uint32_t *name)
{
	uint32_t id = *name;
	const char *s;
	size_t n;

	if (!id)
		return 0;
	if (id < p->ncap && p->off[id]) {
		*name = p->off[id] - 1;
		return 0;
	}
	if (id >= BATCH_NAME_ANCHOR || !(s = names->str(names->ctx, id, &n)))
		return -EPROTO;
	if (!p->len)	/* the section begins with "" */
		p->len = 1;
	if (p->len + n + 1 >= UINT32_MAX)
		return -E2BIG;
	if (GROW_ZEROED(p->off, p->ncap, (size_t)id + 1, 1024) || GROW(p->order, p->ocap, p->n + 1, 256))
		return -ENOMEM;
	p->order[p->n++] = id;
	p->off[id] = (uint32_t)p->len + 1;
	*name = (uint32_t)p->len;
	p->len += n + 1;
	return 0;
}

int name_places__write(struct name_places *p, const struct batch_names *names, char *buf)
{
	size_t at = 1, n;
	const char *s;

	if (!p->len)
		p->len = 1;
	buf[0] = '\0';
	for (uint32_t i = 0; i < p->n; i++) {
		if (!(s = names->str(names->ctx, p->order[i], &n)))
			return -EPROTO;
		memcpy(buf + at, s, n + 1);
		at += n + 1;
	}
	return 0;
}

void name_places__fini(struct name_places *p)
{
	free(p->off);
	free(p->order);
	memset(p, 0, sizeof(*p));
}

int batch_names__strings(void *types, uint32_t tlen, const struct batch_names *names, char **strs, uint32_t *slen)
{
	struct name_places p = { 0 };
	int err = 0;

	*strs = NULL;
	*slen = 0;
	for (uint32_t at = 0; at < tlen && !err;) {
		struct btf_type *t = (struct btf_type *)((unsigned char *)types + at);
		size_t size = tlen - at >= sizeof(*t) ? btf_refs__type_bytes(t) : 0;
		struct btf_strs it;
		uint32_t *name;

		if (!size || size > tlen - at) {
			err = -EPROTO;
			break;
		}
		at += (uint32_t)size;
		btf_strs__init(&it, t);
		while (!err && (name = btf_strs__next(&it)))
			err = name_places__place(&p, names, name);
	}
	if (!err && !(*strs = malloc(p.len ? p.len : 1)))
		err = -ENOMEM;
	if (!err && (err = name_places__write(&p, names, *strs))) {
		free(*strs);
		*strs = NULL;
	}
	if (!err)
		*slen = (uint32_t)p.len;
	name_places__fini(&p);
	return err;
}
