/* stages/dedup/split_late.c: see split_late.h. */
#include "stages/dedup/split_late.h"

#include <bpf/btf.h>
#include <errno.h>
#include <linux/btf.h>
#include <stdlib.h>
#include <string.h>

#include "stages/common/btf_refs.h"
#include "stages/common/env_switch.h"
#include "stages/common/mix64.h"
#include "stages/common/grow.h"
#include "stages/dedup/raw_btf.h"

#define NO_OFFSET UINT32_MAX

bool split_late__enabled(void)
{
	return env_switch__on("BTFSTREAM_SPLIT_LATE");
}

/* A raw BTF's sections, checked against its size. */
struct sections {
	const char *types, *strs;
	uint32_t type_len, str_len;
};

static bool sections_of(const void *raw, uint32_t size, struct sections *s)
{
	const struct btf_header *h = raw;

	if (!raw || size < sizeof(*h) || h->magic != BTF_MAGIC || h->hdr_len < sizeof(*h) || h->hdr_len > size ||
	    (uint64_t)h->type_off + h->type_len > size - h->hdr_len ||
	    (uint64_t)h->str_off + h->str_len > size - h->hdr_len)
		return false;
	s->types = (const char *)raw + h->hdr_len + h->type_off;
	s->strs = (const char *)raw + h->hdr_len + h->str_off;
	s->type_len = h->type_len;
	s->str_len = h->str_len;
	return true;
}

bool split_late__usable(const struct btf *base)
{
	struct sections s;
	uint32_t size = 0;
	const void *raw = base && !btf__base_btf(base) ? btf__raw_data(base, &size) : NULL;

	return sections_of(raw, size, &s) && s.str_len && !s.strs[s.str_len - 1];
}

/* The module's strings, by content: an open-addressed table of its string
 * offsets, each with the base's offset of the same string once found. */
struct str_slot {
	uint64_t hash;		/* 0: empty */
	uint32_t mod_off;
	uint32_t base_off;	/* NO_OFFSET until the base's scan finds it */
};

struct str_table {
	struct str_slot *slots;
	size_t mask;
};

/* A string's key: its length and its first and last 8 bytes, mixed. Cheap
 * (the base's ~126K strings are all keyed, the module's few thousand looked
 * up among them); equal keys of different strings only cost a strcmp. */
static uint64_t str_hash(const char *s, size_t n)
{
	uint64_t head = 0, tail = 0, h;

	memcpy(&head, s, n < 8 ? n : 8);
	if (n > 8)
		memcpy(&tail, s + n - 8, 8);
	h = mix64(mix64(n, head), tail);
	return h ? h : 1;
}

static int table_init(struct str_table *t, size_t n)
{
	size_t cap = 16;

	while (cap < 2 * n)
		cap *= 2;
	t->mask = cap - 1;
	t->slots = calloc(cap, sizeof(*t->slots));
	return t->slots ? 0 : -ENOMEM;
}

static void table_put(struct str_table *t, uint64_t h, uint32_t mod_off)
{
	size_t b = (size_t)h & t->mask;

	while (t->slots[b].hash)
		b = (b + 1) & t->mask;
	t->slots[b] = (struct str_slot){ .hash = h, .mod_off = mod_off, .base_off = NO_OFFSET };
}

/* Marks the module's copy of base string s (at base offset off), if the
 * module has one that the base has not given an offset yet. */
static void table_match(struct str_table *t, const struct sections *mod, uint64_t h, const char *s, uint32_t off)
{
	for (size_t b = (size_t)h & t->mask; t->slots[b].hash; b = (b + 1) & t->mask) {
		struct str_slot *e = &t->slots[b];

		if (e->hash == h && !strcmp(mod->strs + e->mod_off, s)) {
			if (e->base_off == NO_OFFSET)
				e->base_off = off;
			return;
		}
	}
}

/* The ext base: base's types, base's strings, then extra. */
static struct btf *extended_base(const struct sections *b, const char *extra, uint32_t extra_len)
{
	struct btf_header h = {
		.magic = BTF_MAGIC, .version = BTF_VERSION, .hdr_len = sizeof(h),
		.type_off = 0, .type_len = b->type_len, .str_off = b->type_len, .str_len = b->str_len + extra_len,
	};
	size_t size = sizeof(h) + (size_t)b->type_len + b->str_len + extra_len;
	char *raw = malloc(size);
	struct btf *btf;

	if (!raw)
		return errno = ENOMEM, NULL;
	memcpy(raw, &h, sizeof(h));
	memcpy(raw + sizeof(h), b->types, b->type_len);
	memcpy(raw + sizeof(h) + b->type_len, b->strs, b->str_len);
	if (extra_len)	/* (extra is NULL when the base has all the module's strings) */
		memcpy(raw + sizeof(h) + b->type_len + b->str_len, extra, extra_len);
	btf = btf__new(raw, (uint32_t)size);
	free(raw);
	return btf;
}

/* Every type of types[0..len): ids moved by shift (void stays), string
 * offsets through map (string start + 1 -> new offset + 1; 0: not a start). */
static int rewrite_types(char *types, uint32_t len, uint32_t shift, const uint32_t *map, uint32_t map_len)
{
	for (uint32_t pos = 0; pos < len;) {
		struct btf_type *t = (struct btf_type *)(types + pos);
		size_t n = len - pos >= sizeof(*t) ? btf_refs__type_bytes(t) : 0;
		struct btf_refs refs;
		struct btf_strs strs;
		uint32_t *p;

		if (!n || n > len - pos || !btf_refs__known(t))
			return -EPROTO;
		btf_refs__init(&refs, t);
		while ((p = btf_refs__next(&refs)))
			if (*p)
				*p += shift;
		btf_strs__init(&strs, t);
		while ((p = btf_strs__next(&strs))) {
			if (!*p)
				continue;
			if (*p >= map_len || !map[*p])
				return -EPROTO;
			*p = map[*p] - 1;
		}
		pos += (uint32_t)n;
	}
	return 0;
}

/* The offset of each of the module's strings (m's section) once split:
 * the base's (b's) for those it has, else after the base's end, where
 * *extra collects them in the module's order. map: per module offset, new
 * offset + 1 at each string's start. Returns 0 or -ENOMEM. */
static int place_strings(struct split_late *sl, const struct sections *m, const struct sections *b, uint32_t *map,
			 char **extra, size_t *extra_len)
{
	struct str_table t = { 0 };
	size_t cap = 0;
	uint32_t nstrs = 0;
	int err = -ENOMEM;

	for (uint32_t off = 1; off < m->str_len; off += (uint32_t)strlen(m->strs + off) + 1)
		nstrs++;
	if (table_init(&t, nstrs))
		return -ENOMEM;
	for (uint32_t off = 1; off < m->str_len;) {
		size_t n = strlen(m->strs + off);

		table_put(&t, str_hash(m->strs + off, n), off);
		off += (uint32_t)n + 1;
	}
	for (uint32_t off = 0; off < b->str_len;) {	/* each base string looked up among them */
		size_t n = strlen(b->strs + off);

		if (n)
			table_match(&t, m, str_hash(b->strs + off, n), b->strs + off, off);
		off += (uint32_t)n + 1;
	}
	for (size_t s = 0; s <= t.mask; s++)
		if (t.slots[s].hash && t.slots[s].base_off != NO_OFFSET) {
			map[t.slots[s].mod_off] = t.slots[s].base_off + 1;
			sl->shared++;
		}
	for (uint32_t off = 1; off < m->str_len;) {	/* the others, in the module's order */
		size_t n = strlen(m->strs + off) + 1;

		if (!map[off]) {
			if (GROW(*extra, cap, *extra_len + n, 4096))
				goto out;
			memcpy(*extra + *extra_len, m->strs + off, n);
			map[off] = b->str_len + (uint32_t)*extra_len + 1;
			*extra_len += n;
			sl->own++;
		}
		off += (uint32_t)n;
	}
	err = 0;
out:
	free(t.slots);
	return err;
}

int split_late__make(struct split_late *sl, const struct btf *mod, const struct btf *base, struct btf **split)
{
	struct sections m, b;
	uint32_t msize, bsize, *map = NULL;
	char *extra = NULL, *types = NULL;
	size_t extra_len = 0;
	int err = -ENOMEM;
	const void *mraw = btf__raw_data(mod, &msize), *braw = btf__raw_data(base, &bsize);

	memset(sl, 0, sizeof(*sl));
	*split = NULL;
	if (!sections_of(mraw, msize, &m) || !sections_of(braw, bsize, &b) || !m.str_len || m.strs[m.str_len - 1] ||
	    !b.str_len || b.strs[b.str_len - 1])
		return -EPROTO;
	if (!(map = calloc(m.str_len, sizeof(*map))) || (err = place_strings(sl, &m, &b, map, &extra, &extra_len)))
		goto out;
	err = -E2BIG;
	if ((uint64_t)b.str_len + extra_len > BTF_MAX_NAME_OFFSET)
		goto out;
	sl->base_str_len = b.str_len;
	sl->ext_str_len = b.str_len + (uint32_t)extra_len;
	err = -ENOMEM;
	if (!(sl->ext_base = extended_base(&b, extra, (uint32_t)extra_len))) {
		err = -errno;
		goto out;
	}
	if (!(types = malloc(m.type_len ? m.type_len : 1)))
		goto out;
	memcpy(types, m.types, m.type_len);
	if ((err = rewrite_types(types, m.type_len, btf__type_cnt(base) - 1, map, m.str_len)))
		goto out;
	*split = raw_btf__new_split(types, m.type_len, "", 0, sl->ext_base);
	err = *split ? 0 : -errno;
out:
	free(map);
	free(extra);
	free(types);
	if (err)
		split_late__fini(sl);
	return err;
}

int split_late__finish(const struct split_late *sl, const struct btf *split, struct btf *base, struct btf **out)
{
	uint32_t size, span = sl->ext_str_len - sl->base_str_len, *map = NULL, len = 0;
	const struct btf_header *h;
	const char *raw, *ext;
	char *types = NULL, *strs = NULL;
	size_t cap = 0;
	int err = -ENOMEM;

	*out = NULL;
	raw = btf__raw_data(split, &size);
	h = (const struct btf_header *)raw;
	if (!raw || size < sizeof(*h) || (uint64_t)h->hdr_len + h->type_off + h->type_len > size || h->str_len)
		return -EPROTO;	/* a split BTF on the extended base has no strings of its own */
	ext = btf__str_by_offset(sl->ext_base, sl->base_str_len);
	if (span && !ext)
		return -EPROTO;
	if (!(map = calloc(span + 1, sizeof(*map))) || !(types = malloc(h->type_len ? h->type_len : 1)))
		goto out;
	memcpy(types, raw + h->hdr_len + h->type_off, h->type_len);
	for (uint32_t pos = 0; pos < h->type_len;) {
		struct btf_type *t = (struct btf_type *)(types + pos);
		size_t n = h->type_len - pos >= sizeof(*t) ? btf_refs__type_bytes(t) : 0;
		struct btf_strs it;
		uint32_t *p;

		err = -EPROTO;
		if (!n || n > h->type_len - pos)
			goto out;
		btf_strs__init(&it, t);
		while ((p = btf_strs__next(&it))) {
			uint32_t o = *p;

			if (o < sl->base_str_len)
				continue;	/* "" or the base's */
			if (o >= sl->ext_str_len)
				goto out;
			o -= sl->base_str_len;
			if (!map[o]) {	/* first use: the next place in the section */
				size_t sn = strnlen(ext + o, span - o) + 1;

				err = -ENOMEM;
				if (GROW(strs, cap, (size_t)len + sn, 4096))
					goto out;
				memcpy(strs + len, ext + o, sn);
				strs[len + sn - 1] = '\0';
				map[o] = len + 1;
				len += (uint32_t)sn;
			}
			*p = sl->base_str_len + map[o] - 1;
		}
		pos += (uint32_t)n;
	}
	*out = raw_btf__new_split(types, h->type_len, strs ? strs : "", len, base);
	err = *out ? 0 : -errno;
out:
	free(map);
	free(types);
	free(strs);
	return err;
}

void split_late__fini(struct split_late *sl)
{
	btf__free(sl->ext_base);
	sl->ext_base = NULL;
}
