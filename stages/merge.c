/* stages/merge.c: see merge.h. */
#include "stages/merge.h"

#include <bpf/btf.h>
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <linux/btf.h>
#include <stdlib.h>
#include <string.h>
#include <stdio.h>
#include <sys/mman.h>
#include <unistd.h>

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

/* A raw BTF from a header and its two sections. */
static char *raw_btf(const void *types, uint32_t tlen, const void *strs, uint32_t slen, size_t *size)
{
	struct btf_header h = {
		.magic = BTF_MAGIC, .version = BTF_VERSION, .hdr_len = sizeof(h),
		.type_off = 0, .type_len = tlen, .str_off = tlen, .str_len = slen,
	};
	char *raw = malloc(sizeof(h) + tlen + slen);

	if (!raw)
		return NULL;
	memcpy(raw, &h, sizeof(h));
	memcpy(raw + sizeof(h), types, tlen);
	memcpy(raw + sizeof(h) + tlen, strs, slen);
	*size = sizeof(h) + tlen + slen;
	return raw;
}

static bool write_all(int fd, const void *p, size_t n)
{
	while (n) {
		ssize_t w = write(fd, p, n);

		if (w <= 0)
			return false;
		p = (const char *)p + w;
		n -= (size_t)w;
	}
	return true;
}

/* A split BTF of the given types (no strings of its own) on base.
 * btf__new_split() is not in Debian's libbpf 1.1, btf__parse_raw_split()
 * is: the raw bytes go through a memory-backed file. NULL when that cannot
 * be done (or BTFSTREAM_NO_MEMFD is set, which tests use to cover the
 * fallback). */
static struct btf *split_from_types(const void *types, uint32_t tlen, struct btf *base)
{
	struct btf_header h = {
		.magic = BTF_MAGIC, .version = BTF_VERSION, .hdr_len = sizeof(h),
		.type_off = 0, .type_len = tlen, .str_off = tlen, .str_len = 0,
	};
	struct btf *btf = NULL;
	char path[64];
	int fd = getenv("BTFSTREAM_NO_MEMFD") ? -1 : memfd_create("btfstream-batch", MFD_CLOEXEC);

	if (fd < 0)
		return NULL;
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	if (write_all(fd, &h, sizeof(h)) && write_all(fd, types, tlen))
		btf = btf__parse_raw_split(path, base);
	close(fd);
	return btf;
}

/*
 * The batch as libbpf will dedup it: its strings become a base BTF of their
 * own (no types) and its types a split BTF on that base. Why: the writer
 * already placed every string once, and libbpf's dedup leaves strings that
 * live in the base alone, instead of hashing each of the batch's ~1 million
 * string references into a new string set. Type ids do not change (the base
 * has only void), nor do string offsets. Frees b->raw: both BTFs hold copies.
 */
static struct btf *batch_btf(struct btf_batch *b, struct btf **strs_base)
{
	const struct btf_header *h = (const struct btf_header *)b->raw;
	struct btf *split = NULL;
	size_t size;
	char *raw;

	*strs_base = NULL;
	if (b->size < sizeof(*h) || h->hdr_len + (size_t)h->str_off + h->str_len > b->size ||
	    h->hdr_len + (size_t)h->type_off + h->type_len > b->size) {
		errno = EPROTO;
		goto out;
	}
	if ((raw = raw_btf(NULL, 0, b->raw + h->hdr_len + h->str_off, h->str_len, &size))) {
		*strs_base = btf__new(raw, size);
		free(raw);
	}
	if (*strs_base)
		split = split_from_types(b->raw + h->hdr_len + h->type_off, h->type_len, *strs_base);
	if (!split) {	/* no memfd or no /proc: one BTF, libbpf hashes the strings */
		btf__free(*strs_base);
		*strs_base = NULL;
		split = btf__new(b->raw, b->size);
	}
out:
	free(b->raw);
	b->raw = NULL;
	return split;
}

/* The deduped batch without its anchors (its last n types, each a bare
 * 12-byte TYPEDEF) as one BTF again: its types, then its strings (those of
 * strs_base if it was split on one). */
static struct btf *cut_anchors(struct btf *bb, const struct btf *strs_base, uint32_t nanchors)
{
	size_t cut = (size_t)nanchors * sizeof(struct btf_type), size;
	const struct btf_header *hdr, *shdr;
	const char *raw, *sraw = NULL;
	struct btf *out;
	char *copy;
	__u32 rsize, ssize;

	raw = btf__raw_data(bb, &rsize);
	if (strs_base)
		sraw = btf__raw_data(strs_base, &ssize);
	if (!raw || (strs_base && !sraw))
		return NULL;
	hdr = (const struct btf_header *)raw;
	if (hdr->type_len < cut || (strs_base && hdr->str_len > 1))	/* a split adds no string */
		return errno = EPROTO, NULL;
	shdr = strs_base ? (const struct btf_header *)sraw : hdr;
	copy = raw_btf(raw + hdr->hdr_len + hdr->type_off, hdr->type_len - (uint32_t)cut,
		       (strs_base ? sraw : raw) + shdr->hdr_len + shdr->str_off, shdr->str_len, &size);
	if (!copy)
		return NULL;
	out = btf__new(copy, size);
	free(copy);
	return out;
}

static int merge_one(struct merger *m, struct btf_batch *b)
{
	struct btf *bb, *strs_base, *trimmed = NULL;
	uint32_t n, first;
	int start = 1, err;

	if (!(bb = batch_btf(b, &strs_base)))
		return -errno;
	m->types_in += btf__type_cnt(bb) - 1;
	err = btf__dedup(bb, NULL);
	n = btf__type_cnt(bb);
	first = n - b->nanchors;
	if (!err)
		err = read_anchors(bb, b, first);
	if (!err && first > 1) {
		trimmed = cut_anchors(bb, strs_base, b->nanchors);
		btf__free(bb);
		bb = NULL;
		start = trimmed ? btf__add_btf(m->btf, trimmed) : -errno;
		err = start < 0 ? start : 0;
		m->types_out += first - 1;
	}
	for (uint32_t i = 0; !err && i < b->nanchors; i++)
		if (b->final_ids[i])
			b->final_ids[i] += start - 1;
	btf__free(trimmed);
	btf__free(bb);
	btf__free(strs_base);
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
