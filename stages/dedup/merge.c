/* stages/dedup/merge.c: see merge.h. */
#include "stages/dedup/merge.h"

#include <bpf/btf.h>
#include <errno.h>
#include <linux/btf.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "stages/common/env_switch.h"
#include "stages/common/probes.h"
#include "stages/common/clock.h"
#include "stages/common/elf_btf.h"
#include "stages/common/libbpf_caps.h"
#include "stages/common/trace.h"
#include "queue/ring_mpsc.h"
#include "stages/dedup/acc_btf.h"
#include "stages/dedup/batch_exact.h"
#include "stages/dedup/batch_names.h"
#include "stages/dedup/btf_append.h"
#include "stages/dedup/merge_compact.h"
#include "stages/dedup/raw_btf.h"

static enum batch_strings strings_way(void);

int merger__init(struct merger *m, struct btf *base, const char *path, struct fail *f)
{
	memset(m, 0, sizeof(*m));
	m->path = path;
	m->fail = f;
	pthread_mutex_init(&m->lock, NULL);
	pthread_mutex_init(&m->pop_lock, NULL);
	pthread_cond_init(&m->turn, NULL);
	m->locks = true;
	m->strings = strings_way();	/* probes libbpf on the first call: main thread */
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

/* Exact copies of accumulated types left out as batches are appended
 * (stages/dedup/acc_exact.h) unless BTFSTREAM_ACC_EXACT=0. */
static bool acc_exact_wanted(void)
{
	return env_switch__on("BTFSTREAM_ACC_EXACT");
}

/* A batch's components (its records on cycles) left out when an earlier
 * CU's are their exact copies (stages/dedup/batch_exact.h) unless
 * BTFSTREAM_EXACT_CYCLES=0. */
static bool exact_cycles_wanted(void)
{
	return env_switch__on("BTFSTREAM_EXACT_CYCLES");
}

/* The accumulated BTF deduped again, if it has outgrown its share. */
static int maybe_compact(struct merger *m)
{
	uint64_t t0 = trace__now();
	uint32_t n = m->raw ? m->acc.ntypes + 1 : btf__type_cnt(m->btf);
	int err;

	if (!m->compact_at || n <= m->compact_at || (!m->raw && btf__base_btf(m->btf)))
		return 0;
	if (m->raw) {	/* libbpf's way from here on: the compaction is libbpf's dedup */
		if (!(m->btf = acc_btf__take_whole(&m->acc)))
			return -errno;
		m->raw = false;
		m->raw_compacted = true;
	}
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

/* BTFSTREAM_BATCH_STRINGS=bare|base|hashed (tests) picks the way; the older
 * BTFSTREAM_HASH_BATCH_STRINGS=1 means hashed. */
static enum batch_strings strings_way(void)
{
	const char *e = getenv("BTFSTREAM_BATCH_STRINGS"), *h = getenv("BTFSTREAM_HASH_BATCH_STRINGS");

	if (e && !strcmp(e, "bare"))
		return BATCH_STRINGS_BARE;
	if (e && !strcmp(e, "base"))
		return BATCH_STRINGS_BASE;
	if ((e && !strcmp(e, "hashed")) || (h && *h && strcmp(h, "0")))
		return BATCH_STRINGS_HASHED;
	return libbpf_caps__get()->names_checked ? BATCH_STRINGS_BASE : BATCH_STRINGS_BARE;
}

/* A batch as libbpf dedups it, and what holds its strings meanwhile. */
struct batch_parse {
	struct btf *bb;		/* the batch (split on strs_base for BATCH_STRINGS_BASE) */
	struct btf *strs_base;	/* no types, the batch's strings; or NULL */
	char *strs;		/* the batch's strings, set aside; or NULL (hashed) */
	uint32_t str_len;
	uint32_t own_str_len;	/* bb's own string section until cut_anchors: 1, 0, or any (hashed) */
};

/* The batch bytes with a string section of str_len bytes: libbpf's BTF
 * (on base if not NULL), or NULL with errno set. Leaves the header as it was. */
static struct btf *parse_with_strings(struct btf_batch *b, uint32_t str_len, struct btf *base)
{
	struct btf_header *h = (struct btf_header *)b->raw, full = *h;
	struct btf *bb;
	int e;

	h->str_len = str_len;
	bb = base ? elf_btf__from_bytes(b->raw, h->hdr_len + h->str_off + str_len, base)
		  : btf__new(b->raw, h->hdr_len + h->str_off + str_len);
	e = errno;
	*h = full;
	errno = e;
	return bb;
}

/*
 * The batch as libbpf will dedup it. The writer already placed every string
 * of the batch exactly once, so equal names have equal offsets, which is all
 * the dedup compares; libbpf's own pass over the strings (hashing the
 * batch's ~1 million string references into a new string set) would be a
 * quarter of the merge thread's time. So the strings are set aside (*strs,
 * put back by cut_anchors) and libbpf is told they are deduplicated, by its
 * own rule that a BTF with no strings of its own is:
 * - bare: the batch with a string section of just "". libbpf 1.1 takes it;
 *   1.3 and later check each name against the string section and refuse it
 *   (libbpf_caps.h).
 * - base: the batch as split BTF with no string section, on a base of no
 *   types whose string section is the batch's: every name checks out, and
 *   the ids are the same (the base has only void). One copy of the strings
 *   more, and of the types where libbpf parses split BTF only from a file.
 * - hashed: the batch whole, libbpf hashes its strings (what any of the
 *   others falls back to if libbpf refuses it). Frees b->raw.
 */
static int batch_btf(struct btf_batch *b, enum batch_strings way, bool id_names, struct batch_parse *p)
{
	struct btf_header *h = (struct btf_header *)b->raw;

	*p = (struct batch_parse){ 0 };
	if (b->size < sizeof(*h) || h->hdr_len + (size_t)h->str_off + h->str_len > b->size ||
	    h->hdr_len + (size_t)h->type_off + h->type_len > h->hdr_len + (size_t)h->str_off ||
	    h->str_len < 1 || b->raw[h->hdr_len + h->str_off] != '\0') {
		btf_batch__free_raw(b);
		return -EPROTO;
	}
	if (way != BATCH_STRINGS_HASHED && (p->strs = malloc(h->str_len))) {
		memcpy(p->strs, b->raw + h->hdr_len + h->str_off, h->str_len);
		p->str_len = h->str_len;
		if (way == BATCH_STRINGS_BASE &&
		    (p->strs_base = raw_btf__new(NULL, 0, p->strs, p->str_len)))
			p->bb = parse_with_strings(b, 0, p->strs_base);
		else if (way == BATCH_STRINGS_BARE)
			p->bb = parse_with_strings(b, 1, NULL);
		p->own_str_len = way == BATCH_STRINGS_BASE ? 0 : 1;
		if (!p->bb) {
			btf__free(p->strs_base);
			free(p->strs);
			*p = (struct batch_parse){ 0 };
		}
	}
	if (!p->bb && !id_names)	/* (names that are strtab ids are not offsets libbpf could hash) */
		p->bb = btf__new(b->raw, b->size);
	btf_batch__free_raw(b);
	return p->bb ? 0 : errno ? -errno : -ENOMEM;
}

static void batch_parse__free(struct batch_parse *p)
{
	btf__free(p->bb);
	btf__free(p->strs_base);
	free(p->strs);
	*p = (struct batch_parse){ 0 };
}

/* Where the deduped batch's types end: before its anchors (its last n
 * types, each a bare 12-byte TYPEDEF); NULL with errno set when libbpf
 * added a string (it may not have) or the anchors are not there. */
static const char *deduped_types(const struct batch_parse *p, uint32_t nanchors, uint32_t *tlen,
				 const struct btf_header **hdr)
{
	size_t cut = (size_t)nanchors * sizeof(struct btf_type);
	const char *raw;
	__u32 rsize;

	if (!(raw = btf__raw_data(p->bb, &rsize)))
		return NULL;
	*hdr = (const struct btf_header *)raw;
	if ((*hdr)->type_len < cut || (p->strs && (*hdr)->str_len != p->own_str_len))
		return errno = EPROTO, NULL;
	*tlen = (*hdr)->type_len - (uint32_t)cut;
	return raw + (*hdr)->hdr_len + (*hdr)->type_off;
}

/* The deduped batch without its anchors as one BTF again: its types, then
 * its strings (those batch_btf set aside, if it did). */
static struct btf *cut_anchors(const struct batch_parse *p, uint32_t nanchors)
{
	const struct btf_header *hdr;
	const char *types;
	uint32_t tlen;

	if (!(types = deduped_types(p, nanchors, &tlen, &hdr)))
		return NULL;
	return raw_btf__new(types, tlen, p->strs ? p->strs : (const char *)hdr + hdr->hdr_len + hdr->str_off,
			    p->strs ? p->str_len : hdr->str_len);
}

/* When the names are strtab ids (batch_names.h): the deduped batch's types
 * without the anchors, copied as they are (*types, malloc'd). 0 or -errno. */
static int cut_anchors_raw(const struct batch_parse *p, uint32_t nanchors, void **types, uint32_t *tlen)
{
	const struct btf_header *hdr;
	const char *from = deduped_types(p, nanchors, tlen, &hdr);

	if (!from)
		return -errno;
	if (!(*types = malloc(*tlen ? *tlen : 1)))
		return -ENOMEM;
	memcpy(*types, from, *tlen);
	return 0;
}

/* Types whose names are strtab ids as a BTF with a string section made for
 * them (batch_names.h), for the libbpf way of appending. Rewrites types. */
static struct btf *named_btf(void *types, uint32_t tlen, const struct batch_names *names)
{
	char *strs = NULL;
	uint32_t slen = 0;
	struct btf *out;
	int err = batch_names__strings(types, tlen, names, &strs, &slen);	/* (strs NULL on failure) */

	out = err ? NULL : raw_btf__new(types, tlen, strs, slen);	/* (copies both) */
	err = err ? -err : errno;
	free(strs);
	if (!out)
		errno = err;
	return out;
}

/* A batch after its own dedup, waiting for its turn to be appended. */
struct deduped {
	struct btf *trimmed;	/* its types without the anchors; NULL: none */
	void *types;		/* or, names as ids, those types' bytes (tlen) */
	uint32_t tlen;
	uint32_t *ids;		/* anchors: the deduped batch id, 0 for void */
	uint32_t nanchors;
	uint32_t types_in, types_out;
	size_t raw_bytes;
	enum batch_strings strings;	/* the way its strings went */
	uint64_t exact_dropped, exact_cyclic, exact_ns;	/* its exact copies (batch_exact.h) */
};

/* The batch's (or chunk's) exact copies left out (batch_exact.h), added to
 * d's counts. */
static int leave_out_copies(struct batch_exact *x, struct btf_batch *b, struct deduped *d)
{
	uint64_t t0, c0, dropped = x->dropped, cyclic = x->dropped_cyclic;
	int err;

	if (!b->cus && !b->chunk && !b->more)
		return 0;
	t0 = trace__now();
	c0 = clock__thread_cpu_ns();
	err = batch_exact__run(x, b);
	d->exact_dropped += x->dropped - dropped;
	d->exact_cyclic += x->dropped_cyclic - cyclic;
	d->exact_ns += clock__thread_cpu_ns() - c0;
	trace__slice(b->more ? "exact copies left out (a chunk)" : "exact copies left out", t0, trace__now(),
		     "types", x->dropped - dropped);
	return err;
}

/* The part of a batch's merge that needs nothing but the batch: any merge
 * thread, beside the others. Unmaps b->raw. d holds the counts of the
 * batch's chunks before this one, if it came in chunks. */
static int dedup_batch(struct btf_batch *b, enum batch_strings way, const struct batch_names *names,
		       struct batch_exact *x, struct deduped *d)
{
	struct batch_parse p;
	uint32_t n, first;
	int err;

	*d = (struct deduped){ .nanchors = b->nanchors, .exact_dropped = d->exact_dropped,
			       .exact_cyclic = d->exact_cyclic, .exact_ns = d->exact_ns };
	if (!(d->ids = calloc(b->nanchors + 1, sizeof(*d->ids))))
		return -ENOMEM;
	if ((err = leave_out_copies(x, b, d)))
		return err;
	d->raw_bytes = b->size;
	if ((err = batch_btf(b, way, names != NULL, &p)))
		return err;
	d->types_in = btf__type_cnt(p.bb) - 1;
	err = btf__dedup(p.bb, NULL);
	/* libbpf reports any failure to set its dedup up (btf_dedup_new: its
	 * allocations, with no options passed the only way to fail there) as
	 * -EINVAL; the batch itself was checked when it was parsed */
	if (err == -EINVAL)
		err = -ENOMEM;
	n = btf__type_cnt(p.bb);
	first = n - b->nanchors;
	if (!err)
		err = read_anchors(p.bb, b, first, d->ids);
	if (!err && first > 1) {
		if (names)
			err = cut_anchors_raw(&p, b->nanchors, &d->types, &d->tlen);
		else
			err = (d->trimmed = cut_anchors(&p, b->nanchors)) ? 0 : -errno;
		d->types_out = first - 1;
	}
	d->strings = p.strs_base ? BATCH_STRINGS_BASE : p.strs ? BATCH_STRINGS_BARE : BATCH_STRINGS_HASHED;
	batch_parse__free(&p);
	return err;
}

/* The batch's types appended to the accumulated BTF, its anchors' final
 * ids recorded, the whole compacted if it outgrew its share: in batch
 * order, one merge thread at a time (its turn). */
static int append_batch(struct merger *m, uint32_t index, struct deduped *d)
{
	int start = 1, err = 0;
	uint32_t *ids = anchor_ids__add(&m->fin, index, d->nanchors), nmap = 0;
	const uint32_t *map = NULL;	/* raw: the batch's ids -> the accumulated ones */

	if (!ids)
		return -ENOMEM;
	if (d->types && m->raw) {
		err = acc_btf__append(&m->acc, d->types, d->tlen, &map, &nmap);
		m->acc_dropped = m->acc.exact.dropped;
	} else if (d->types && !(d->trimmed = named_btf(d->types, d->tlen, &m->names)))
		err = -errno;
	if (!err && d->trimmed)
		err = btf_append__types_split(&m->btf, d->trimmed, m->base_strs, &start);
	if (err)
		return err;
	for (uint32_t i = 0; i < d->nanchors; i++)
		if (!map)
			ids[i] = d->ids[i] ? d->ids[i] + (uint32_t)start - 1 : 0;
		else if (d->ids[i] <= nmap)
			ids[i] = map[d->ids[i]];
		else
			return -EPROTO;
	m->types_in += d->types_in;
	m->types_out += d->types_out;
	m->raw_bytes += d->raw_bytes;
	m->strings_ways[d->strings]++;
	m->exact_dropped += d->exact_dropped;
	m->exact_cyclic += d->exact_cyclic;
	m->exact_ns += d->exact_ns;
	return maybe_compact(m);
}

static void deduped_free(struct deduped *d)
{
	btf__free(d->trimmed);
	free(d->types);
	free(d->ids);
	d->trimmed = NULL;
	d->types = NULL;
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

void merger__threads(struct merger *m, unsigned int n)
{
	m->running = n;
}

/* The raw accumulated BTF handed to libbpf (acc_btf__take), its ends in
 * m->btf and m->acc_strs. Returns 0 or -errno. */
static int end_raw(struct merger *m)
{
	uint64_t t0 = trace__now();
	int err = m->nend_names ? acc_btf__place(&m->acc, m->end_names, m->nend_names) : 0;

	if (err)
		acc_btf__fini(&m->acc);
	else if (!(err = acc_btf__take(&m->acc, &m->btf, &m->acc_strs, &m->placed)))
		m->names_placed = true;
	m->raw = false;
	trace__slice("the accumulated BTF to libbpf", t0, trace__now(), "types", m->btf ? btf__type_cnt(m->btf) : 0);
	return err;
}

/* After a merge thread's last batch: the last one done ends the raw BTF,
 * its time counted with the turns (serial). */
static void done(struct merger *m, int err)
{
	uint64_t c0;
	bool last;

	pthread_mutex_lock(&m->lock);
	last = m->running && --m->running == 0;
	if (last && m->raw && !err && !fail__is_set(m->fail)) {
		c0 = clock__thread_cpu_ns();
		if ((err = end_raw(m)))
			fail__set(m->fail, err, "dedup: %s: cannot make the accumulated BTF: %s", m->path, strerror(-err));
		m->append_ns += clock__thread_cpu_ns() - c0;
	}
	pthread_mutex_unlock(&m->lock);
}

/* A chunk of a batch (btf_batch.more): walked now, the batch deduped with
 * its last chunk. Its counts go to d; an error waits for the last chunk's
 * turn (*chunk_err). */
static void take_chunk(struct merger *m, struct btf_batch *b, struct batch_exact *x, struct deduped *d,
		       int *chunk_err, int err)
{
	uint64_t t0 = trace__now();

	if (!*chunk_err && !err && !fail__is_set(m->fail))
		*chunk_err = leave_out_copies(x, b, d);
	trace__slice("merge chunk", t0, trace__now(), "batch", b->index);
	btf_batch__free(b);
}

int merger__run(struct merger *m, struct ring_mpsc *in)
{
	struct batch_exact x = { .no_cycles = !exact_cycles_wanted() };	/* this thread's own (batch_exact.h) */
	struct deduped d = { 0 };	/* (a batch in chunks: the counts of those walked) */
	struct btf_batch *b;
	int err = 0, got, chunk_err = 0;

	for (;;) {
		uint64_t t0;
		uint32_t index;
		int e = 0;

		pthread_mutex_lock(&m->pop_lock);	/* the ring has one consumer at a time */
		got = ring_mpsc__pop(in, &b);
		pthread_mutex_unlock(&m->pop_lock);
		if (got)
			break;
		if (b->more) {
			take_chunk(m, b, &x, &d, &chunk_err, err);
			continue;
		}
		t0 = trace__now();
		index = b->index;
		PROBE_STAGE_START("merge_batch");
		if (err || fail__is_set(m->fail))
			e = -ECANCELED;
		else if (chunk_err)
			e = chunk_err;
		else
			e = dedup_batch(b, m->strings, m->names.str ? &m->names : NULL, &x, &d);
		chunk_err = 0;
		btf_batch__free(b);
		if ((e = take_turn(m, index, &d, e)) && e != -ECANCELED && !err) {
			err = e;
			ring_mpsc__close(in);	/* the writer's next push fails: it stops */
		}
		deduped_free(&d);
		d = (struct deduped){ 0 };
		PROBE_STAGE_END("merge_batch");
		trace__slice("merge batch", t0, trace__now(), "batch", index);
	}
	batch_exact__fini(&x);
	done(m, err);
	return err;
}

void merger__names_as_ids(struct merger *m, struct batch_names names, bool raw)
{
	const char *e = getenv("BTFSTREAM_ACC_LIBBPF");	/* =1: libbpf's way (comparisons) */

	m->names = names;
	if (!raw || btf__base_btf(m->btf) || (e && *e && strcmp(e, "0")))
		return;
	btf__free(m->btf);	/* (empty) */
	m->btf = NULL;
	acc_btf__init(&m->acc, names);
	m->acc.exact.on = acc_exact_wanted();
	m->raw = m->raw_chosen = true;
}

int merger__take(struct merger *m, struct anchor_ids *fin, struct btf **btf, struct btf **strs)
{
	int err = 0;

	*fin = m->fin;
	memset(&m->fin, 0, sizeof(m->fin));
	if (m->raw)
		err = end_raw(m);
	*btf = m->btf;
	*strs = m->acc_strs;
	m->btf = NULL;
	m->acc_strs = NULL;
	return err;
}

void merger__end_names(struct merger *m, const uint32_t *ids, size_t n)
{
	pthread_mutex_lock(&m->lock);
	m->end_names = ids;
	m->nend_names = n;
	pthread_mutex_unlock(&m->lock);
}

struct placed_names merger__placed(const struct merger *m)
{
	return m->names_placed ? (struct placed_names){ m->placed.off, m->placed.ncap } : (struct placed_names){ 0 };
}

void merger__fini(struct merger *m)
{
	name_places__fini(&m->placed);
	m->names_placed = false;
	btf__free(m->btf);
	btf__free(m->acc_strs);
	m->btf = NULL;
	m->acc_strs = NULL;
	acc_btf__fini(&m->acc);
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
				    m->append_ns, { 0 } };
	s->exact_dropped = m->exact_dropped;
	s->exact_cyclic = m->exact_cyclic;
	s->acc_dropped = m->acc_dropped;
	s->exact_ns = m->exact_ns;
	memcpy(s->strings_ways, m->strings_ways, sizeof(s->strings_ways));
	s->names_as_ids = m->names.str != NULL;
	s->acc_bytes = m->raw_chosen;
	s->acc_bytes_ended = m->raw_compacted;
}
