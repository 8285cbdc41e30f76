/* stages/merge.c: see merge.h. */
#include "stages/merge.h"

#include <bpf/btf.h>
#include <errno.h>
#include <linux/btf.h>
#include <stdlib.h>
#include <string.h>

int merger__init(struct merger *m, struct btf *base, const char *path, struct fail *f)
{
	memset(m, 0, sizeof(*m));
	m->path = path;
	m->fail = f;
	m->btf = base ? btf__new_empty_split(base) : btf__new_empty();
	return m->btf ? 0 : fail__set(f, -ENOMEM, "merge: %s: out of memory", path);
}

/* Read the anchors (the last n types of the deduped batch) into final ids
 * relative to the batch: 0 for void, else the deduped batch id. */
static int read_anchors(struct btf *bb, const struct btf_batch *b, uint32_t first)
{
	for (uint32_t i = 0; i < b->nanchors; i++) {
		const struct btf_type *t = btf__type_by_id(bb, first + i);

		if (!t || !btf_is_typedef(t) || t->type >= first)
			return -EPROTO;
		b->final_ids[i] = t->type;
	}
	return 0;
}

/* The deduped batch without its anchors: they are its last n types, each a
 * bare 12-byte TYPEDEF, so the type section just ends earlier. */
static struct btf *cut_anchors(struct btf *bb, uint32_t nanchors)
{
	const struct btf_header *hdr;
	struct btf_header h;
	struct btf *out;
	const char *raw;
	char *copy;
	__u32 size;
	size_t cut = (size_t)nanchors * sizeof(struct btf_type);

	raw = btf__raw_data(bb, &size);
	if (!raw)
		return NULL;
	hdr = (const struct btf_header *)raw;
	if (hdr->type_len < cut)
		return NULL;
	h = *hdr;
	h.type_len -= cut;
	h.str_off = h.type_off + h.type_len;
	copy = malloc(size - cut);
	if (!copy)
		return NULL;
	memcpy(copy, &h, sizeof(h));
	memcpy(copy + h.hdr_len, raw + hdr->hdr_len + hdr->type_off, h.type_len);
	memcpy(copy + h.hdr_len + h.str_off, raw + hdr->hdr_len + hdr->str_off, hdr->str_len);
	out = btf__new(copy, size - cut);
	free(copy);
	return out;
}

static int merge_one(struct merger *m, struct btf_batch *b)
{
	struct btf *bb, *trimmed = NULL;
	uint32_t n, first;
	int start = 1, err;

	bb = btf__new(b->raw, b->size);
	free(b->raw);
	b->raw = NULL;
	if (!bb)
		return -errno;
	m->types_in += btf__type_cnt(bb) - 1;
	err = btf__dedup(bb, NULL);
	n = btf__type_cnt(bb);
	first = n - b->nanchors;
	if (!err)
		err = read_anchors(bb, b, first);
	if (!err && first > 1) {
		trimmed = cut_anchors(bb, b->nanchors);
		start = trimmed ? btf__add_btf(m->btf, trimmed) : -ENOMEM;
		err = start < 0 ? start : 0;
		m->types_out += first - 1;
	}
	for (uint32_t i = 0; !err && i < b->nanchors; i++)
		if (b->final_ids[i])
			b->final_ids[i] += start - 1;
	btf__free(trimmed);
	btf__free(bb);
	return err;
}

int merger__add(struct merger *m, struct btf_batch *b)
{
	int err;

	m->raw_bytes += b->size;
	err = merge_one(m, b);
	m->batches++;
	if (err)
		return fail__set(m->fail, err, "merge: %s: batch %u: %s", m->path, b->index, strerror(-err));
	return 0;
}

void merger__fini(struct merger *m)
{
	btf__free(m->btf);
	m->btf = NULL;
}
