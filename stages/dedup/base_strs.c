/* stages/dedup/base_strs.c: see base_strs.h. */
#include "stages/dedup/base_strs.h"

#include <bpf/btf.h>
#include <errno.h>
#include <linux/btf.h>
#include <stdlib.h>
#include <string.h>

#include "stages/common/str_hash.h"

struct base_slot {
	uint32_t hash;
	uint32_t off1;		/* offset + 1; 0: empty */
};

struct base_strs {
	const struct btf *base;
	uint32_t str_len;
	uint32_t mask;
	struct base_slot *slots;
};

/* The slot holding s (hash h), or the empty slot where it would go. */
static struct base_slot *slot_for(const struct base_strs *bs, const char *s, uint32_t h)
{
	for (uint32_t i = h & bs->mask;; i = (i + 1) & bs->mask) {
		struct base_slot *sl = &bs->slots[i];
		const char *have;

		if (!sl->off1)
			return sl;
		if (sl->hash == h && (have = btf__str_by_offset(bs->base, sl->off1 - 1)) && !strcmp(have, s))
			return sl;
	}
}

/* The base's string section, from its raw bytes in this machine's order. */
static const char *section(const struct btf *base, uint32_t *len)
{
	const struct btf_header *h;
	const char *raw;
	uint32_t size;

	raw = btf__raw_data(base, &size);
	h = (const struct btf_header *)raw;
	if (!raw || size < sizeof(*h) || h->magic != BTF_MAGIC || h->hdr_len > size ||
	    (uint64_t)h->hdr_len + h->str_off + h->str_len > size || !h->str_len || h->str_len >= UINT32_MAX / 2)
		return NULL;
	*len = h->str_len;
	return raw + h->hdr_len + h->str_off;
}

static int fill(struct base_strs *bs, const char *strs)
{
	uint32_t n = 0;

	for (uint32_t off = 0; off < bs->str_len; off += (uint32_t)strnlen(strs + off, bs->str_len - off) + 1)
		n++;
	bs->mask = 1023;
	while (bs->mask / 2 < n)
		bs->mask = bs->mask * 2 + 1;
	if (!(bs->slots = calloc((size_t)bs->mask + 1, sizeof(*bs->slots))))
		return -ENOMEM;
	for (uint32_t off = 1; off < bs->str_len;) {
		size_t len = strnlen(strs + off, bs->str_len - off);
		uint32_t h = (uint32_t)str_hash(strs + off, len);
		struct base_slot *sl;

		/* the first place of a duplicate, as libbpf's index keeps it
		 * (libbpf refuses a section whose last byte is not a NUL) */
		if (len && off + len < bs->str_len && !(sl = slot_for(bs, strs + off, h))->off1) {
			sl->hash = h;
			sl->off1 = off + 1;
		}
		off += (uint32_t)len + 1;
	}
	return 0;
}

struct base_strs *base_strs__new(const struct btf *base)
{
	struct base_strs *bs;
	const char *strs;
	uint32_t len;

	if (!base || btf__base_btf(base) || !(strs = section(base, &len))) {
		errno = EINVAL;
		return NULL;
	}
	if (!(bs = calloc(1, sizeof(*bs)))) {
		errno = ENOMEM;
		return NULL;
	}
	bs->base = base;
	bs->str_len = len;
	if (fill(bs, strs)) {
		free(bs);
		errno = ENOMEM;
		return NULL;
	}
	return bs;
}

long base_strs__find(const struct base_strs *bs, const char *s)
{
	size_t len = strlen(s);
	const struct base_slot *sl;

	if (!len)
		return 0;
	sl = slot_for(bs, s, (uint32_t)str_hash(s, len));
	return sl->off1 ? (long)sl->off1 - 1 : -ENOENT;
}

uint32_t base_strs__len(const struct base_strs *bs)
{
	return bs->str_len;
}

const struct btf *base_strs__base(const struct base_strs *bs)
{
	return bs->base;
}

void base_strs__free(struct base_strs *bs)
{
	if (!bs)
		return;
	free(bs->slots);
	free(bs);
}
