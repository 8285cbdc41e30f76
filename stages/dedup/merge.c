/* stages/dedup/merge.c: see merge.h. */
#include "stages/dedup/merge.h"

#include <bpf/btf.h>
#include <errno.h>
#include <linux/btf.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "stages/common/probes.h"
#include "stages/common/clock.h"
#include "stages/common/trace.h"
#include "queue/ring_mpsc.h"
#include "stages/dedup/btf_append.h"
#include "stages/dedup/merge_compact.h"
#include "stages/dedup/raw_btf.h"

int merger__init(struct merger *m, struct btf *base, const char *path, struct fail *f)
{
	memset(m, 0, sizeof(*m));
	m->path = path;
	m->fail = f;
	pthread_mutex_init(&m->lock, NULL);
	pthread_mutex_init(&m->pop_lock, NULL);
	pthread_cond_init(&m->turn, NULL);
	m->locks = true;
	m->btf = base ? btf__new_empty_split(base) : btf__new_empty();
	return m->btf ? 0 : fail__set(f, -ENOMEM, "dedup: %s: out of memory", path);
}

/*
 * The accumulated BTF's share of a budget: an eighth, at about 64 bytes a
 * type in libbpf's arrays (the type, its offset, its share of the strings).
 * Once it holds more, it is deduped again; the next time is when it has grown
 * by half again, so that an accumulated BTF whose distinct types alone fill
 * the share is not deduped after every batch (each dedup goes over all of it).
 */
#define COMPACT_SHARE 8
#define COMPACT_BYTES_PER_TYPE 64
#define COMPACT_MIN_TYPES 16384u

void merger__budget(struct merger *m, size_t bytes)
{
	size_t types = bytes / COMPACT_SHARE / COMPACT_BYTES_PER_TYPE;
	const char *e = getenv("BTFSTREAM_COMPACT_TYPES");	/* tests: N types, budget or not */

	if (e && *e)
		types = strtoul(e, NULL, 10);
	else if (!bytes)
		return;
	else if (types < COMPACT_MIN_TYPES)
		types = COMPACT_MIN_TYPES;
	m->compact_floor = types > UINT32_MAX ? UINT32_MAX : (uint32_t)types;
	m->compact_at = m->compact_floor;
}

/* The accumulated BTF deduped again, if it has outgrown its share. */
static int maybe_compact(struct merger *m)
{
	uint64_t t0 = trace__now();
	uint32_t n = btf__type_cnt(m->btf);
	int err;

	if (!m->compact_at || n <= m->compact_at || btf__base_btf(m->btf))
		return 0;
	if ((err = merge_compact__run(&m->btf, &m->fin)))
		return err;
	m->compactions++;
	n = btf__type_cnt(m->btf);
	m->compact_at = n / 2 * 3 > m->compact_floor ? n / 2 * 3 : m->compact_floor;
	trace__slice("dedup the accumulated BTF", t0, trace__now(), "types", n);
	return 0;
}

/* Read the anchors (the last n types of the deduped batch) into ids[]
 * relative to the batch: 0 for void, else the deduped batch id. */
static int read_anchors(struct btf *bb, const struct btf_batch *b, uint32_t first, uint32_t *ids)
{
	for (uint32_t i = 0; i < b->nanchors; i++) {
		const struct btf_type *t = btf__type_by_id(bb, first + i);

		if (!t || !btf_is_typedef(t) || t->type >= first)
			return -EPROTO;
		ids[i] = t->type;
	}
	return 0;
}

/* BTFSTREAM_HASH_BATCH_STRINGS=1 (tests): hand batches over with their
 * strings, as before, to compare the bytes. */
static bool hash_strings(void)
{
	const char *e = getenv("BTFSTREAM_HASH_BATCH_STRINGS");

	return e && *e && strcmp(e, "0");
}

/*
 * The batch as libbpf will dedup it. The writer already placed every string
 * of the batch exactly once, so equal names have equal offsets, which is all
 * the dedup compares. The batch is handed over with a string section of one
 * empty string: libbpf then counts its strings as deduplicated (a BTF whose
 * string section is just "" is, by libbpf's own rule) and skips hashing the
 * batch's ~1 million string references into a new string set, which was a
 * quarter of the merge thread's time. The dedup uses name offsets only as
 * keys; the real strings are put back by cut_anchors. *strs receives them
 * (the caller frees it). If libbpf refuses that BTF, the batch is given with
 * its strings and libbpf hashes them (*strs is then NULL). Frees b->raw.
 */
static struct btf *batch_btf(struct btf_batch *b, char **strs, uint32_t *str_len)
{
	struct btf_header *h = (struct btf_header *)b->raw;
	struct btf *bb = NULL;

	*strs = NULL;
	if (b->size < sizeof(*h) || h->hdr_len + (size_t)h->str_off + h->str_len > b->size ||
	    h->hdr_len + (size_t)h->type_off + h->type_len > h->hdr_len + (size_t)h->str_off ||
	    h->str_len < 1 || b->raw[h->hdr_len + h->str_off] != '\0') {
		errno = EPROTO;
		goto out;
	}
	if (!hash_strings() && (*strs = malloc(h->str_len))) {
		struct btf_header full = *h;

		memcpy(*strs, b->raw + h->hdr_len + h->str_off, h->str_len);
		*str_len = h->str_len;
		h->str_len = 1;
		bb = btf__new(b->raw, h->hdr_len + h->str_off + 1);
		*h = full;
		if (!bb) {
			free(*strs);
			*strs = NULL;
		}
	}
	if (!bb)
		bb = btf__new(b->raw, b->size);
out:
	btf_batch__free_raw(b);
	return bb;
}

/* The deduped batch without its anchors (its last n types, each a bare
 * 12-byte TYPEDEF) as one BTF again: its types, then its strings (strs if
 * batch_btf set them aside). */
static struct btf *cut_anchors(struct btf *bb, const char *strs, uint32_t str_len, uint32_t nanchors)
{
	size_t cut = (size_t)nanchors * sizeof(struct btf_type);
	const struct btf_header *hdr;
	const char *raw;
	__u32 rsize;

	raw = btf__raw_data(bb, &rsize);
	if (!raw)
		return NULL;
	hdr = (const struct btf_header *)raw;
	if (hdr->type_len < cut || (strs && hdr->str_len != 1))	/* no string may have been added */
		return errno = EPROTO, NULL;
	return raw_btf__new(raw + hdr->hdr_len + hdr->type_off, hdr->type_len - (uint32_t)cut,
			    strs ? strs : raw + hdr->hdr_len + hdr->str_off, strs ? str_len : hdr->str_len);
}

/* A batch after its own dedup, waiting for its turn to be appended. */
struct deduped {
	struct btf *trimmed;	/* its types without the anchors; NULL: none */
	uint32_t *ids;		/* anchors: the deduped batch id, 0 for void */
	uint32_t nanchors;
	uint32_t types_in, types_out;
	size_t raw_bytes;
};

/* The part of a batch's merge that needs nothing but the batch: any merge
 * thread, beside the others. Unmaps b->raw. */
static int dedup_batch(struct btf_batch *b, struct deduped *d)
{
	struct btf *bb;
	uint32_t n, first, str_len = 0;
	char *strs;
	int err;

	*d = (struct deduped){ .nanchors = b->nanchors, .raw_bytes = b->size };
	if (!(d->ids = calloc(b->nanchors + 1, sizeof(*d->ids))))
		return -ENOMEM;
	if (!(bb = batch_btf(b, &strs, &str_len)))
		return -errno;
	d->types_in = btf__type_cnt(bb) - 1;
	err = btf__dedup(bb, NULL);
	n = btf__type_cnt(bb);
	first = n - b->nanchors;
	if (!err)
		err = read_anchors(bb, b, first, d->ids);
	if (!err && first > 1) {
		d->trimmed = cut_anchors(bb, strs, str_len, b->nanchors);
		err = d->trimmed ? 0 : -errno;
		d->types_out = first - 1;
	}
	btf__free(bb);
	free(strs);
	return err;
}

/* The batch's types appended to the accumulated BTF, its anchors' final
 * ids recorded, the whole compacted if it outgrew its share: in batch
 * order, one merge thread at a time (its turn). */
static int append_batch(struct merger *m, uint32_t index, struct deduped *d)
{
	int start = 1;
	uint32_t *ids = anchor_ids__add(&m->fin, index, d->nanchors);

	if (!ids)
		return -ENOMEM;
	if (d->trimmed) {
		int err = btf_append__types(m->btf, d->trimmed, &start);

		if (err)
			return err;
	}
	for (uint32_t i = 0; i < d->nanchors; i++)
		ids[i] = d->ids[i] ? d->ids[i] + (uint32_t)start - 1 : 0;
	m->types_in += d->types_in;
	m->types_out += d->types_out;
	m->raw_bytes += d->raw_bytes;
	return maybe_compact(m);
}

static void deduped_free(struct deduped *d)
{
	btf__free(d->trimmed);
	free(d->ids);
	d->trimmed = NULL;
	d->ids = NULL;
}

/* Waits until batch index is next, then appends it unless the run failed;
 * either way the next batch's turn begins. Every batch popped passes
 * here, and a batch waits only for lower ones, each held by a thread that
 * waits for nothing but its own turn: no deadlock. */
static int take_turn(struct merger *m, uint32_t index, struct deduped *d, int err)
{
	uint64_t t0 = trace__now(), t1, c0;

	pthread_mutex_lock(&m->lock);
	while (m->next_batch != index)
		pthread_cond_wait(&m->turn, &m->lock);
	t1 = trace__now();
	c0 = clock__thread_cpu_ns();
	if (t1 - t0 > 100000)
		trace__slice("wait: turn to append", t0, t1, "batch", index);
	if (!err && !fail__is_set(m->fail))
		err = append_batch(m, index, d);
	if (err && err != -ECANCELED)	/* before the next turn: it appends nothing */
		fail__set(m->fail, err, "dedup: %s: batch %u: %s", m->path, index, strerror(-err));
	m->append_ns += clock__thread_cpu_ns() - c0;
	m->batches++;
	m->next_batch++;
	pthread_cond_broadcast(&m->turn);
	pthread_mutex_unlock(&m->lock);
	return err;
}

int merger__run(struct merger *m, struct ring_mpsc *in)
{
	struct btf_batch *b;
	int err = 0, got;

	for (;;) {
		struct deduped d = { 0 };
		uint64_t t0;
		uint32_t index;
		int e = 0;

		pthread_mutex_lock(&m->pop_lock);	/* the ring has one consumer at a time */
		got = ring_mpsc__pop(in, &b);
		pthread_mutex_unlock(&m->pop_lock);
		if (got)
			break;
		t0 = trace__now();
		index = b->index;
		PROBE_STAGE_START("merge_batch");
		if (err || fail__is_set(m->fail))
			e = -ECANCELED;
		else
			e = dedup_batch(b, &d);
		btf_batch__free(b);
		if ((e = take_turn(m, index, &d, e)) && e != -ECANCELED && !err) {
			err = e;
			ring_mpsc__close(in);	/* the writer's next push fails: it stops */
		}
		deduped_free(&d);
		PROBE_STAGE_END("merge_batch");
		trace__slice("merge batch", t0, trace__now(), "batch", index);
	}
	return err;
}

struct btf *merger__take(struct merger *m, struct anchor_ids *fin)
{
	struct btf *btf = m->btf;

	*fin = m->fin;
	memset(&m->fin, 0, sizeof(m->fin));
	m->btf = NULL;
	return btf;
}

void merger__fini(struct merger *m)
{
	btf__free(m->btf);
	m->btf = NULL;
	anchor_ids__free(&m->fin);
	if (m->locks) {
		pthread_cond_destroy(&m->turn);
		pthread_mutex_destroy(&m->lock);
		pthread_mutex_destroy(&m->pop_lock);
		m->locks = false;
	}
}

void merger__stats(const struct merger *m, struct merger_stats *s)
{
	*s = (struct merger_stats){ m->batches, m->types_in, m->types_out, m->raw_bytes, m->compactions,
				    m->append_ns };
}
