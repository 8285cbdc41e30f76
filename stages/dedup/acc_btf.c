/* stages/dedup/acc_btf.c: see acc_btf.h. */
#include "stages/dedup/acc_btf.h"

#include <bpf/btf.h>
#include <errno.h>
#include <linux/btf.h>
#include <stdlib.h>
#include <string.h>

#include "stages/common/btf_refs.h"
#include "stages/common/grow.h"
#include "stages/common/elf_btf.h"

/* Both buffers begin with room for a BTF header, so that each becomes raw
 * BTF in place at the end, not through another copy. */
#define HDR sizeof(struct btf_header)

void acc_btf__init(struct acc_btf *a, struct batch_names names)
{
	memset(a, 0, sizeof(*a));
	a->names = names;
}

/* t's ids made those of the accumulated BTF (map: the batch's id -> ours;
 * void stays void), its names made offsets. */
static int rewrite(struct acc_btf *a, struct btf_type *t, const uint32_t *map, uint32_t n)
{
	struct btf_strs names;
	struct btf_refs refs;
	uint32_t *p;
	int err = 0;

	btf_refs__init(&refs, t);
	while ((p = btf_refs__next(&refs)))
		if (*p > n)
			return -EPROTO;
		else
			*p = map[*p];
	btf_strs__init(&names, t);
	while (!err && (p = btf_strs__next(&names)))
		err = name_places__place(&a->places, &a->names, p);
	return err;
}

/* Room for need bytes of the type section, growing by a quarter (libbpf's
 * step), not doubling: the last doubling left up to 4 MiB of the Debian
 * vmlinux's ~6.6 MiB unused, in huge pages that count as resident. */
static int types_room(struct acc_btf *a, size_t need)
{
	size_t cap = a->tcap + a->tcap / 4;
	void *p;

	if (need <= a->tcap)
		return 0;
	if (cap < need)
		cap = need;
	if (cap < (1u << 20))
		cap = 1u << 20;
	if (!(p = realloc(a->types, cap)))
		return -ENOMEM;
	a->types = p;
	a->tcap = cap;
	return 0;
}

/* Where each of the batch's types begins (off[0..n], off[n] = tlen), and
 * *n; -EPROTO if the bytes do not walk as types this file knows. */
static int type_offsets(struct acc_btf *a, const unsigned char *types, uint32_t tlen, uint32_t *n)
{
	uint32_t k = 0;

	for (uint32_t pos = 0; pos < tlen; k++) {
		const struct btf_type *t = (const struct btf_type *)(types + pos);
		size_t size = tlen - pos >= sizeof(*t) ? btf_refs__type_bytes(t) : 0;

		if (!size || size > tlen - pos || !btf_refs__known(t))
			return -EPROTO;
		if (GROW(a->off, a->off_cap, (size_t)k + 2, 1024))
			return -ENOMEM;
		a->off[k] = pos;
		pos += (uint32_t)size;
	}
	if (GROW(a->off, a->off_cap, (size_t)k + 1, 1024))
		return -ENOMEM;
	a->off[k] = tlen;
	*n = k;
	return 0;
}

int acc_btf__append(struct acc_btf *a, const void *types, uint32_t tlen, const uint32_t **map, uint32_t *nmap)
{
	const unsigned char *in = types;
	uint32_t n, kept = 0, at = (uint32_t)a->tlen;
	size_t bytes = 0;
	int err;

	if ((err = type_offsets(a, in, tlen, &n)))
		return err;
	if (GROW(a->map, a->map_cap, (size_t)n + 1, 1024))
		return -ENOMEM;
	memset(a->map, 0, ((size_t)n + 1) * sizeof(*a->map));
	if (a->exact.on && (err = acc_exact__decide(&a->exact, in, a->off, n, a->map, &a->places,
						    a->types ? a->types + HDR : NULL)))	/* (none: an empty table) */
		return err;
	for (uint32_t i = 0; i < n; i++)	/* the types kept: the next ids, in order */
		if (!a->map[i + 1]) {
			a->map[i + 1] = a->ntypes + 1 + kept++;
			bytes += a->off[i + 1] - a->off[i];
		}
	if (a->tlen + bytes > UINT32_MAX)
		return -E2BIG;
	if (types_room(a, HDR + a->tlen + bytes))
		return -ENOMEM;
	for (uint32_t i = 0; i < n; i++) {
		uint32_t size = a->off[i + 1] - a->off[i];
		struct btf_type *t = (struct btf_type *)(a->types + HDR + at);

		if (a->map[i + 1] <= a->ntypes)	/* left out: a type here stands for it */
			continue;
		memcpy(t, in + a->off[i], size);
		if ((err = rewrite(a, t, a->map, n)) ||
		    (a->exact.on && (err = acc_exact__record(&a->exact, a->types + HDR, at, size, i, a->map[i + 1]))))
			return err;
		at += size;
	}
	a->tlen = at;
	a->ntypes += kept;
	*map = a->map;
	*nmap = n;
	return 0;
}

/* buf (malloc'd, HDR bytes of room first) as raw BTF of tlen bytes of types
 * and slen of strings, split on base if not NULL; buf is freed. */
static struct btf *parse(void *buf, size_t tlen, size_t slen, struct btf *base)
{
	struct btf_header h = {
		.magic = BTF_MAGIC, .version = BTF_VERSION, .hdr_len = HDR,
		.type_len = (uint32_t)tlen, .str_off = (uint32_t)tlen, .str_len = (uint32_t)slen,
	};

	if (!buf)
		return errno = ENOMEM, NULL;
	memcpy(buf, &h, HDR);
	return elf_btf__from_owned_bytes(buf, HDR + tlen + slen, base);
}

/* The strings as raw BTF of no types (*buf, HDR bytes of room first). */
static int strings_image(struct acc_btf *a, char **buf)
{
	int err;

	if (!a->places.len)
		a->places.len = 1;
	if (!(*buf = malloc(HDR + a->places.len)))
		return -ENOMEM;
	if ((err = name_places__write(&a->places, &a->names, *buf + HDR))) {
		free(*buf);
		*buf = NULL;
	}
	return err;
}

int acc_btf__place(struct acc_btf *a, const uint32_t *ids, size_t n)
{
	int err = 0;

	for (size_t i = 0; i < n && !err; i++) {
		uint32_t id = ids[i];

		err = name_places__place(&a->places, &a->names, &id);
	}
	return err;
}

int acc_btf__take(struct acc_btf *a, struct btf **btf, struct btf **strs, struct name_places *places)
{
	char *buf = NULL;
	int err = GROW(a->types, a->tcap, HDR, 1) ? -ENOMEM : 0;

	*btf = NULL;
	*strs = NULL;
	if (!err && !(err = strings_image(a, &buf))) {
		*strs = parse(buf, 0, a->places.len, NULL);	/* (frees buf) */
		err = *strs ? 0 : -errno;
	}
	if (!err) {
		*btf = parse(a->types, a->tlen, 0, *strs);
		a->types = NULL;
		err = *btf ? 0 : -errno;
	}
	if (err) {
		btf__free(*strs);
		*strs = NULL;
	} else if (places) {	/* (the offsets by id only: the order went into the strings) */
		*places = a->places;
		memset(&a->places, 0, sizeof(a->places));
		free(places->order);
		places->order = NULL;
		places->n = 0;
		places->ocap = 0;
	}
	acc_btf__fini(a);
	return err;
}

struct btf *acc_btf__take_whole(struct acc_btf *a)
{
	struct btf *btf = NULL;
	int e = 0;

	if (!a->places.len)
		a->places.len = 1;
	if (GROW(a->types, a->tcap, HDR + a->tlen + a->places.len, 1))
		e = ENOMEM;
	else if (name_places__write(&a->places, &a->names, (char *)a->types + HDR + a->tlen))
		e = EPROTO;
	if (!e) {
		btf = parse(a->types, a->tlen, a->places.len, NULL);
		a->types = NULL;
		e = btf ? 0 : errno;
	}
	acc_btf__fini(a);
	errno = e;
	return btf;
}

void acc_btf__fini(struct acc_btf *a)
{
	bool exact = a->exact.on;

	free(a->types);
	name_places__fini(&a->places);
	acc_exact__fini(&a->exact);
	free(a->off);
	free(a->map);
	acc_btf__init(a, a->names);
	a->exact.on = exact;
}
