/* stages/dedup/str_compact.c: see str_compact.h. */
#include "stages/dedup/str_compact.h"

#include <bpf/btf.h>
#include <errno.h>
#include <linux/btf.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "stages/common/btf_refs.h"
#include "stages/common/grow.h"

/* Old offset -> new offset, open addressing: an entry is (old << 32 | new),
 * 0 empty (old offset 0 is never looked up). Kept at most half full. */
struct offset_map {
	uint64_t *slots;
	uint32_t mask, used;
};

#define OFFSET_MAP_FIRST (1u << 14)

static uint64_t *offset_slot(const struct offset_map *m, uint32_t old)
{
	uint32_t i = (uint32_t)((old * 0x9E3779B97F4A7C15ull) >> 32) & m->mask;

	while (m->slots[i] && (uint32_t)(m->slots[i] >> 32) != old)
		i = (i + 1) & m->mask;
	return &m->slots[i];
}

static int offset_map_grow(struct offset_map *m)
{
	struct offset_map big = { .mask = m->slots ? m->mask * 2 + 1 : OFFSET_MAP_FIRST - 1, .used = m->used };

	if (!(big.slots = calloc((size_t)big.mask + 1, sizeof(*big.slots))))
		return -ENOMEM;
	for (uint32_t i = 0; m->slots && i <= m->mask; i++)
		if (m->slots[i])
			*offset_slot(&big, (uint32_t)(m->slots[i] >> 32)) = m->slots[i];
	free(m->slots);
	*m = big;
	return 0;
}

struct compactor {
	const struct btf *btf;		/* the input; its strings by old offset */
	struct offset_map map;
	char *strs;			/* the new string section */
	uint32_t len;
	size_t cap;
};

static int place(struct compactor *c, uint32_t *off)
{
	uint64_t *e;
	const char *s;
	size_t n;

	if (*off == 0)
		return 0;
	if ((c->map.used + 1) * 2 > c->map.mask + 1 && offset_map_grow(&c->map))
		return -ENOMEM;
	e = offset_slot(&c->map, *off);
	if (!*e) {
		if (!(s = btf__str_by_offset(c->btf, *off)))
			return -EPROTO;
		n = strlen(s) + 1;
		if ((size_t)c->len + n > UINT32_MAX || GROW(c->strs, c->cap, (size_t)c->len + n, 4096))
			return -ENOMEM;
		memcpy(c->strs + c->len, s, n);
		*e = (uint64_t)*off << 32 | c->len;
		c->map.used++;
		c->len += (uint32_t)n;
	}
	*off = (uint32_t)*e;
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

/* The bytes of btf's types, one after another, as its type section holds
 * them; SIZE_MAX if a kind is one this file cannot walk. */
static size_t types_size(const struct btf *btf)
{
	size_t size = 0, k;

	for (uint32_t id = 1, n = btf__type_cnt(btf); id < n; id++) {
		if (!(k = btf_refs__type_bytes(btf__type_by_id(btf, id))))
			return SIZE_MAX;
		size += k;
	}
	return size;
}

/* Header, types (their string offsets made new) and the new strings, in one
 * allocation as the raw BTF: type_len bytes of types go after the header. */
static char *compact_raw(struct compactor *c, size_t type_len, size_t *size)
{
	struct btf_header h = { .magic = BTF_MAGIC, .version = BTF_VERSION, .hdr_len = sizeof(h) };
	char *raw = malloc(sizeof(h) + type_len), *grown;
	size_t pos = sizeof(h);
	int err = 0;

	if (!raw)
		return NULL;
	for (uint32_t id = 1, n = btf__type_cnt(c->btf); !err && id < n; id++) {
		const struct btf_type *t = btf__type_by_id(c->btf, id);
		size_t k = btf_refs__type_bytes(t);

		memcpy(raw + pos, t, k);
		err = place_type(c, (struct btf_type *)(raw + pos));
		pos += k;
	}
	if (!err && (uint64_t)pos + c->len > UINT32_MAX)	/* (btf__new takes a 32-bit size) */
		err = -E2BIG;
	h.type_len = (uint32_t)type_len;
	h.str_off = (uint32_t)type_len;
	h.str_len = c->len;
	if (err || !(grown = realloc(raw, pos + c->len))) {
		free(raw);
		errno = err ? -err : ENOMEM;
		return NULL;
	}
	memcpy(grown, &h, sizeof(h));
	memcpy(grown + pos, c->strs, c->len);
	*size = pos + c->len;
	return grown;
}

struct btf *str_compact(const struct btf *btf)
{
	struct compactor c = { .btf = btf, .cap = 4096 };
	size_t type_len = types_size(btf), size;
	struct btf *out = NULL;
	char *raw = NULL;
	int e;

	if (type_len > UINT32_MAX)
		return errno = EPROTO, NULL;
	if (!(c.strs = malloc(c.cap)) || offset_map_grow(&c.map)) {
		errno = ENOMEM;
		goto out;
	}
	c.strs[0] = '\0';
	c.len = 1;
	if ((raw = compact_raw(&c, type_len, &size)))
		out = btf__new(raw, (__u32)size);
out:
	e = errno;
	free(raw);
	free(c.map.slots);
	free(c.strs);
	errno = e;
	return out;
}
