/* stages/dedup/batch_names.c: see batch_names.h. */
#include "stages/dedup/batch_names.h"

#include <errno.h>
#include <linux/btf.h>
#include <stdlib.h>
#include <string.h>

#include "stages/common/btf_refs.h"
#include "stages/common/grow.h"

/* strtab id -> offset in the new section, open addressing (key id + 1). */
struct name_memo {
	uint32_t *key, *off;
	uint32_t mask;
};

static inline uint32_t *memo_slot(struct name_memo *m, uint32_t id)
{
	uint32_t i = (uint32_t)((id * 0x9E3779B97F4A7C15ull) >> 32) & m->mask;

	while (m->key[i] && m->key[i] != id + 1)
		i = (i + 1) & m->mask;
	return &m->key[i];
}

/* The name fields of the types, counted (a bound on the distinct names);
 * -EPROTO when a type is not one this file can walk, or runs past tlen. */
static long count_names(const unsigned char *types, uint32_t tlen)
{
	long n = 0;

	for (uint32_t at = 0; at < tlen;) {
		const struct btf_type *t = (const struct btf_type *)(types + at);
		size_t size;

		struct btf_strs it;

		if (tlen - at < sizeof(*t) || !(size = btf_refs__type_bytes(t)) || size > tlen - at)
			return -EPROTO;
		btf_strs__init(&it, (struct btf_type *)t);	/* (only counts) */
		n += it.count;
		at += (uint32_t)size;
	}
	return n;
}

/* *name (a strtab id) to its offset in strs, placing the string on first use. */
static int place(struct name_memo *m, const struct batch_names *names, uint32_t *name, char **strs, size_t *len,
		 size_t *cap)
{
	uint32_t *slot;
	const char *s;
	size_t n;

	if (!*name)
		return 0;
	if (*name >= BATCH_NAME_ANCHOR)
		return -EPROTO;
	slot = memo_slot(m, *name);
	if (*slot) {
		*name = m->off[slot - m->key];
		return 0;
	}
	if (!(s = names->str(names->ctx, *name, &n)))
		return -EPROTO;
	if (*len + n + 1 > UINT32_MAX)
		return -E2BIG;
	if (GROW(*strs, *cap, *len + n + 1, 1u << 16))
		return -ENOMEM;
	memcpy(*strs + *len, s, n + 1);
	*slot = *name + 1;
	m->off[slot - m->key] = (uint32_t)*len;
	*name = (uint32_t)*len;
	*len += n + 1;
	return 0;
}

int batch_names__strings(void *types, uint32_t tlen, const struct batch_names *names, char **strs, uint32_t *slen)
{
	long nrefs = count_names(types, tlen);
	struct name_memo m = { 0 };
	size_t len = 1, cap = 0, size = 16;
	int err = 0;

	*strs = NULL;
	*slen = 0;
	if (nrefs < 0)
		return (int)nrefs;
	while (size < 2 * (size_t)nrefs)
		size *= 2;
	m.mask = (uint32_t)size - 1;
	if (!(m.key = calloc(size, sizeof(*m.key))) || !(m.off = malloc(size * sizeof(*m.off))) ||
	    GROW(*strs, cap, 1, 1u << 16)) {
		err = -ENOMEM;
		goto out;
	}
	(*strs)[0] = '\0';
	for (uint32_t at = 0; at < tlen && !err;) {
		struct btf_type *t = (struct btf_type *)((unsigned char *)types + at);
		struct btf_strs it;
		uint32_t *name;

		at += (uint32_t)btf_refs__type_bytes(t);	/* checked by count_names */
		btf_strs__init(&it, t);
		while (!err && (name = btf_strs__next(&it)))
			err = place(&m, names, name, strs, &len, &cap);
	}
	*slen = (uint32_t)len;
out:
	free(m.key);
	free(m.off);
	if (err) {
		free(*strs);
		*strs = NULL;
		*slen = 0;
	}
	return err;
}
