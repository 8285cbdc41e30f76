/* stages/write/write_btf.c: see write_btf.h. */
#include "stages/write/write_btf.h"
#include "stages/write/write_fix.h"

#include <bpf/btf.h>
#include <errno.h>
#include <linux/btf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "queue/ring_mpsc.h"
#include "stages/record/arena.h"
#include "stages/record/rec_btf.h"
#include "stages/record/rec_refs.h"
#include "strtab/strtab.h"
#include "stages/common/grow.h"
#include "stages/common/u32_set.h"

#define STRS_FIRST (1u << 20)	/* bytes of string section to start with */

/* The merge thread stopped (or the run did): no image will come back. */
static bool batch_ring_closed(void *ring)
{
	return ring_mpsc__closed(ring);
}

int btf_writer__init(struct btf_writer *w, struct strtab *strtab, const char *path, struct fail *f,
		     uint64_t batch_records, struct ring_mpsc *out, unsigned int images)
{
	memset(w, 0, sizeof(*w));
	w->strtab = strtab;
	w->path = path;
	w->fail = f;
	w->batch_records = batch_records;
	w->out = out;
	w->next_id = 1;
	w->image_hint = 1 << 20;
	w->orders_hint = 1 << 16;
	name_order__init(&w->names, strtab);
	image_pool__init(&w->pool, images, batch_ring_closed, out);
	if (GROW(w->strs, w->scap, 1, 64))	/* (STRS_FIRST once a name is placed: none with names as ids) */
		return -ENOMEM;
	w->strs[0] = '\0';
	w->slen = 1;
	return 0;
}

/* Offset of strtab id (not 0) in the string section, placing the string on
 * first use. */
int btf_writer__str_place(struct btf_writer *w, uint32_t id, uint32_t *off)
{
	const char *s;
	size_t len;

	if (GROW_ZEROED(w->str_off, w->str_off_cap, (size_t)id + 1, 1u << 16))
		return -ENOMEM;
	if (w->str_off[id]) {
		*off = w->str_off[id];
		return 0;
	}
	s = strtab__str(w->strtab, id, &len);
	if (!s)
		return -EINVAL;
	if (w->slen + len + 1 > UINT32_MAX)
		return -E2BIG;
	if (GROW(w->strs, w->scap, w->slen + len + 1, STRS_FIRST))
		return -ENOMEM;
	memcpy(w->strs + w->slen, s, len);
	w->strs[w->slen + len] = '\0';
	w->str_off[id] = *off = (uint32_t)w->slen;
	w->slen += len + 1;
	return 0;
}

/*
 * A batch's image is its BTF header (written last), its types, then its
 * strings (copied in at the end). It is a mapping of its own, not malloc's:
 * it is made by this thread and let go by the merge thread once libbpf has
 * copied it, and in a heap that pattern leaves holes that stay resident.
 * The first mapping of a batch is sized from the last batch, so it is
 * seldom grown (mremap, without a copy), and is one the merge thread gave
 * back when there is one (image_pool.h: no page faults on the serial path).
 * With the heap in huge pages (pipeline/huge_heap.h) a new mapping asks
 * for them too: the first images' 4 KiB faults were ~1,200 on the vmlinux.
 */

static int image_grow(struct btf_writer *w, size_t need)
{
	size_t ncap = w->tcap ? w->tcap : w->image_hint;
	void *n;

	if (need <= w->tcap)
		return 0;
	if (!w->types && (w->types = image_pool__take(&w->pool, &w->tcap)) != NULL) {
		if (need <= w->tcap)
			return 0;
		ncap = w->tcap;
	}
	while (ncap < need)
		ncap *= 2;
	n = w->types ? mremap(w->types, w->tcap, ncap, MREMAP_MAYMOVE)
		     : mmap(NULL, ncap, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (n == MAP_FAILED)
		return -ENOMEM;
	if (w->huge_images && !w->types)	/* (mremap keeps the advice) */
		madvise(n, ncap, MADV_HUGEPAGE);
	w->types = n;
	w->tcap = ncap;
	return 0;
}

void *btf_writer__type_space(struct btf_writer *w, size_t bytes)
{
	void *p;

	if (image_grow(w, IMAGE_HDR + w->tlen + bytes))
		return NULL;
	p = w->types + IMAGE_HDR + w->tlen;
	w->tlen += bytes;
	return p;
}

/* Remember batch id `id` for an anchor (see write_btf.h). */
static int add_anchor(struct btf_writer *w, uint32_t id)
{
	if (!id)
		return 0;
	if (GROW(w->anchors, w->anchors_cap, w->nanchors + 1, ARRAY_FIRST))
		return -ENOMEM;
	w->anchors[w->nanchors++] = id;
	return 0;
}

static struct late_ref late(const struct btf_writer *w, uint32_t id)
{
	return (struct late_ref){ .batch = w->nbatches, .id = id };
}

static int add_secinfo(struct btf_writer *w, uint32_t id, uint32_t offset, uint32_t size, uint32_t slot)
{
	if (GROW(w->secinfo, w->secinfo_cap, w->nsecinfo + 1, ARRAY_FIRST))
		return -ENOMEM;
	w->secinfo[w->nsecinfo++] = (struct late_secinfo){ late(w, id), offset, size, slot };
	return add_anchor(w, id);
}

static int write_type(struct btf_writer *w, const struct type_rec *r)
{
	struct btf_type *t = btf_writer__type_space(w, rec_btf__size(r));
	long size;

	if (!t)
		return -ENOMEM;
	if (rec_btf__encode(r, t) < 0)
		return -EINVAL;
	if ((size = fix_type(w, t, rec_btf__size(r), true)) <= 0)
		return size < 0 ? (int)size : -EINVAL;
	return r->kind == BTF_KIND_VAR ? add_secinfo(w, w->next_id, r->elem, r->index, r->vlen) : 0;
}

/* The CU's "int" as the template every later batch starts with a copy of. */
static int take_index_template(struct btf_writer *w, const struct btf_type *t)
{
	uint32_t enc;

	if (BTF_INFO_KIND(t->info) != BTF_KIND_INT)
		return -EPROTO;
	memcpy(&enc, t + 1, sizeof(enc));
	w->index_tmpl = (struct type_rec){ .kind = BTF_KIND_INT, .kflag = (uint8_t)BTF_INFO_KFLAG(t->info),
					   .vlen = (uint16_t)BTF_INFO_VLEN(t->info), .name = t->name_off,
					   .size_type = t->size, .extra = enc };
	w->index_decided = 1;
	return 0;
}

/* The types copied to dst (len bytes), type by type: refs, and with
 * names the names, made the batch's (fix_type); the index type's template
 * taken. */
static inline __attribute__((always_inline)) int fix_types(struct btf_writer *w, unsigned char *dst, size_t len,
							   bool names)
{
	size_t off = 0;
	int err;

	for (uint32_t i = 0; i < w->cu_nrecs; i++) {
		struct btf_type *t = (struct btf_type *)(dst + off);
		long size;

		if (len - off < sizeof(*t))
			return -EPROTO;
		if (w->index_rec == i + 1 && (err = take_index_template(w, t)))
			return err;
		if ((size = fix_type(w, t, len - off, names)) <= 0)
			return size < 0 ? (int)size : -EPROTO;
		off += (size_t)size;
	}
	return off == len ? 0 : -EPROTO;
}

/* Do the names in a CU's bytes stay as they are in the batch? Where names
 * are strtab ids, every name of the CU is one handed out before the CU was
 * sent, below strtab__id_limit: if that is below the anchors' names, they
 * are final (the writer's walk and the merge thread's touch refs only,
 * and a type's bytes are final once its refs are:
 * stages/dedup/batch_exact.h). */
static bool names_stay_ids(const struct btf_writer *w)
{
	return w->names_as_ids && strtab__id_limit(w->strtab) <= BATCH_NAME_ANCHOR;
}

/* A CU whose types a reader sent as bytes (record.h, CU_BEGIN with kflag):
 * one copy into the batch, then its names and refs made the batch's in
 * place, type by type (its ids are the next ones, in order). */
static int write_cu_bytes(struct btf_writer *w, const struct type_rec *begin)
{
	size_t len = begin->size_type;
	unsigned char *dst = btf_writer__type_space(w, len);
	int err;

	if (!dst)
		return -ENOMEM;
	if (len)
		memcpy(dst, begin->payload, len);
	if (names_stay_ids(w))
		err = fix_types(w, dst, len, false);
	else
		err = fix_types(w, dst, len, true);
	if (err)
		return err;
	w->cu_seen = w->cu_nrecs;
	w->records += w->cu_nrecs;
	w->batch_recs += w->cu_nrecs;
	w->next_id += w->cu_nrecs;
	return 0;
}

/* A CU sent as bytes, copied as its reader encoded it (refs CU-local)
 * and listed for the merge thread to leave out the exact copies of types
 * already in the batch (stages/dedup/batch_exact.h), with the order its
 * reader sent (record.h, CU_BEGIN's vlen 1), if it sent one (the merge
 * thread finds the offsets again: half the memory, ~10 ms of its CPU).
 * Its ids are the next ones, in order, as for any CU: the candidates'
 * and VARs' refs name them, and the merge thread keeps them valid. */
static int hand_on_cu(struct btf_writer *w, const struct type_rec *begin)
{
	size_t len = begin->size_type, words = begin->vlen ? w->cu_nrecs : 0;
	unsigned char *dst = btf_writer__type_space(w, len);
	struct batch_cu *cu;

	if (!dst || GROW(w->cus, w->cus_cap, w->ncus + 1, 256) ||
	    (words && GROW(w->orders, w->orders_cap, w->norders + words, w->orders_hint)))
		return -ENOMEM;
	if (len)
		memcpy(dst, begin->payload, len);
	cu = &w->cus[w->ncus++];
	*cu = (struct batch_cu){ .first = w->next_id, .n = w->cu_nrecs, .off = w->tlen - len, .len = len,
				 .order = words ? w->norders : BATCH_CU_NO_ORDER };
	if (words)
		memcpy(w->orders + w->norders,	/* the order, after the bytes and the n + 1 offsets */
		       (const uint32_t *)((const unsigned char *)begin->payload + len) + w->cu_nrecs + 1,
		       words * sizeof(uint32_t));
	w->norders += words;
	w->cu_seen = w->cu_nrecs;
	w->records += w->cu_nrecs;
	w->batch_recs += w->cu_nrecs;
	w->next_id += w->cu_nrecs;
	return 0;
}

/* Where a VAR of a CU sent as bytes lies (record.h, REC_VAR_PLACE): its
 * id is its ref's (type_id). */
static int place_var(struct btf_writer *w, const struct type_rec *r)
{
	uint32_t id;

	if (!w->cu_bytes || !r->elem || r->elem > w->cu_nrecs || type_id(w, r->elem, &id))
		return -EPROTO;
	return add_secinfo(w, id, r->extra, r->index, r->vlen);
}

/* A name for anchor i, straight into the batch's string section: anchors
 * never reach the output, so they need no strtab id. */
static int anchor_name(struct btf_writer *w, uint32_t i, uint32_t *off)
{
	char name[24];
	int len;

	if (w->names_as_ids) {	/* unique, and never a strtab id */
		*off = BATCH_NAME_ANCHOR + i;
		return i < BATCH_NAME_ANCHOR ? 0 : -E2BIG;
	}
	len = snprintf(name, sizeof(name), "~anchor%u", i);

	if (GROW(w->strs, w->scap, w->slen + len + 1, STRS_FIRST))
		return -ENOMEM;
	memcpy(w->strs + w->slen, name, len + 1);
	*off = (uint32_t)w->slen;
	w->slen += len + 1;
	return 0;
}

/* The batch's anchors: one TYPEDEF per distinct anchored id, at the end. */
static int write_anchors(struct btf_writer *w, struct btf_batch *b)
{
	struct batch_anchors *ba;
	size_t n = u32_set__sort_unique(w->anchors, w->nanchors);
	int err;

	ba = &w->batch_anchors[b->index];
	if (!(ba->ids = malloc((n + 1) * sizeof(*ba->ids))))
		return -ENOMEM;
	if (n)
		memcpy(ba->ids, w->anchors, n * sizeof(*w->anchors));
	ba->n = b->nanchors = (uint32_t)n;
	for (size_t i = 0; i < n; i++) {
		struct btf_type *t = btf_writer__type_space(w, sizeof(*t));

		if (!t)
			return -ENOMEM;
		t->info = (uint32_t)BTF_KIND_TYPEDEF << 24;
		t->type = w->anchors[i];
		if ((err = anchor_name(w, (uint32_t)i, &t->name_off)))
			return err;
	}
	return 0;
}

/* The image as raw BTF, in place. */
static int image_to_raw(struct btf_writer *w, struct btf_batch *b)
{
	struct btf_header hdr = {
		.magic = BTF_MAGIC, .version = BTF_VERSION, .hdr_len = sizeof(hdr),
		.type_off = 0, .type_len = w->tlen, .str_off = w->tlen, .str_len = w->slen,
	};
	size_t size = sizeof(hdr) + w->tlen + w->slen;
	char *raw;

	if (image_grow(w, size))
		return -ENOMEM;
	raw = w->types;
	/* the next batch's first allocation: this one's size and an eighth */
	w->image_hint = (size + size / 8 + 0xffff) & ~(size_t)0xffff;
	memcpy(raw, &hdr, sizeof(hdr));
	memcpy(raw + sizeof(hdr) + w->tlen, w->strs, w->slen);
	b->raw = raw;
	b->raw_cap = w->tcap;
	b->pool = &w->pool;
	b->size = size;
	w->types = NULL;
	w->tlen = w->tcap = 0;
	return 0;
}

/* Start an empty batch; with a decided index type, begin with its copy. */
static int start_batch(struct btf_writer *w)
{
	w->slen = 1;
	if (w->str_off)
		memset(w->str_off, 0, w->str_off_cap * sizeof(*w->str_off));
	w->nanchors = 0;
	w->next_id = 1;
	w->batch_recs = 0;
	predup__reset(&w->pd);
	w->index_type = 0;
	if (!w->index_decided)
		return 0;
	w->cu_nrecs = 0;
	if (write_type(w, &w->index_tmpl))
		return -ENOMEM;
	w->index_type = w->next_id++;
	return 0;
}

/* The listed CUs and their orders, handed over with b: the next batch or
 * chunk lists its own. */
static void hand_over_cus(struct btf_writer *w, struct btf_batch *b)
{
	if (!w->ncus)
		return;
	b->cus = w->cus;
	b->ncus = (uint32_t)w->ncus;
	b->orders = w->orders;
	b->norders = w->norders;
	/* the next one's orders start at this one's size and an eighth:
	 * grown by doubling, each array went through every size */
	w->orders_hint = w->norders + w->norders / 8 + 1024;
	w->cus = NULL;
	w->orders = NULL;
	w->ncus = w->cus_cap = w->norders = w->orders_cap = 0;
}

/* Push b to the merge thread's ring (blocking while the ring is full,
 * which bounds the batches in memory); frees b if the run is stopping. */
static int push_batch(struct btf_writer *w, struct btf_batch *b)
{
	if (ring_mpsc__push(w->out, &b)) {	/* closed: the run is stopping */
		btf_batch__free(b);
		return -ECANCELED;
	}
	return 0;
}

/* The current batch's types so far, handed on as a chunk (btf_batch.more),
 * its image and listed CUs with it; the batch goes on in a new image. */
static int cut_chunk(struct btf_writer *w)
{
	struct btf_batch *b = calloc(1, sizeof(*b));
	int err;

	if (!b)
		return -ENOMEM;
	b->index = w->nbatches;
	b->chunk = w->nchunks++;
	b->more = true;
	w->chunks++;
	b->index_type = w->index_type;
	if ((err = image_to_raw(w, b))) {
		btf_batch__free(b);
		return err;
	}
	b->ntypes = w->next_id - 1;
	hand_over_cus(w, b);
	return push_batch(w, b);
}

void btf_writer__chunks(struct btf_writer *w, size_t bytes, unsigned int images)
{
	w->chunk_bytes = bytes;
	if (bytes && images > w->pool.limit)
		w->pool.limit = images < IMAGE_POOL_SLOTS ? images : IMAGE_POOL_SLOTS;
}

/* Push the current batch to the merge thread's ring (blocking while the
 * ring is full, which bounds the batches in memory) and start the next. */
static int cut_batch(struct btf_writer *w)
{
	struct btf_batch *b = calloc(1, sizeof(*b));
	int err;

	if (!b || GROW(w->batch_anchors, w->batch_anchors_cap, w->nbatches + 1, ARRAY_FIRST)) {
		free(b);
		return -ENOMEM;
	}
	w->batch_anchors[w->nbatches] = (struct batch_anchors){ NULL, 0 };
	b->chunk = w->nchunks;	/* its last chunk, if it was handed on in chunks */
	w->chunks += w->nchunks ? 1 : 0;
	w->nchunks = 0;
	b->index = w->nbatches++;
	b->records = w->batch_recs;
	b->index_type = w->index_type;
	if ((err = write_anchors(w, b)) || (err = image_to_raw(w, b))) {
		btf_batch__free(b);
		return err;
	}
	b->ntypes = w->next_id - 1 + b->nanchors;
	hand_over_cus(w, b);
	if ((err = push_batch(w, b)))
		return err;
	if ((err = name_order__cut(&w->names)))
		return err;
	return start_batch(w);
}

/* pahole's index type rule: the first CU that has a base type named "int"
 * decides; a CU before it that has arrays gets a signed 4-byte "int"
 * appended after its own types, which then decides (so in split BTF it
 * becomes the base's int in the dedup). Once decided, every later batch
 * starts with a copy of that int (dedup makes them one type again). */
static int begin_cu(struct btf_writer *w, const struct type_rec *r)
{
	w->cu = r->elem;
	w->cu_base = w->next_id;
	w->cu_nrecs = r->extra;
	w->cu_bytes = r->kflag;
	w->cu_hash = w->cu_bytes ? NULL : r->payload;
	if (!w->cu_bytes && (GROW(w->cu_recs, w->cu_recs_cap, (size_t)w->cu_nrecs + 1, ARRAY_FIRST) ||
			     GROW(w->cu_map, w->cu_map_cap, (size_t)w->cu_nrecs + 1, ARRAY_FIRST)))
		return -ENOMEM;
	w->cu_seen = 0;
	w->cu_needs_index = 0;
	w->index_rec = 0;
	if (!w->index_type && r->index != REF_VOID) {
		w->index_type = w->cu_base + r->index - 1;
		w->index_rec = r->index;	/* its record is kept as the template */
	}
	w->cu_index_type = w->index_type ? w->index_type : w->cu_base + w->cu_nrecs;
	if (!w->cu_bytes)
		return 0;
	return w->exact && w->index_type && !w->index_rec && names_stay_ids(w) ? hand_on_cu(w, r)
									      : write_cu_bytes(w, r);
}

void btf_writer__input(struct btf_writer *w, uint64_t done, uint64_t total)
{
	w->input_done = done;
	w->input_total = total;
}

/* The records at which the current batch is cut (btf_writer__input). */
static uint64_t batch_limit(const struct btf_writer *w)
{
	uint64_t done = w->input_done, left, limit;

	if (w->records < w->batch_records || !done || done >= w->input_total)
		return w->batch_records;
	/* records per byte so far times the bytes left (both below 2^40) */
	left = (w->input_total - done) * w->records / done;
	limit = left / 2 > WRITE_TAIL_BATCH ? left / 2 : WRITE_TAIL_BATCH;
	return limit < w->batch_records ? limit : w->batch_records;
}

static int end_cu(struct btf_writer *w)
{
	struct type_rec size_type = {
		.kind = BTF_KIND_INT, .size_type = 4, .extra = (BTF_INT_SIGNED << 24) | 32,
	};
	int err;

	if (w->cu_seen != w->cu_nrecs)
		return -EPROTO;
	if (w->cu_needs_index) {
		if ((err = strtab__intern(w->strtab, "int", 3, &size_type.name)))
			return err;
		w->cu_nrecs = 0;	/* no refs to resolve in it */
		if ((err = write_type(w, &size_type)))
			return err;
		w->index_type = w->next_id;
		w->index_tmpl = size_type;
		w->index_decided = 1;
		w->next_id++;
		w->records++;
		w->batch_recs++;
	}
	if (w->batch_recs >= batch_limit(w))
		return cut_batch(w);
	return w->chunk_bytes && w->tlen >= w->chunk_bytes ? cut_chunk(w) : 0;
}

/* The CU's records, all held: those that match a type of the batch
 * (stages/write/predup.h) stand for it; the others get the next ids, in
 * order, and are written. Not in a CU that decides the array index type
 * (its "int" must keep the id begin_cu gave it) or before one did. */
static int write_cu(struct btf_writer *w)
{
	uint32_t n = w->cu_nrecs, first_new = w->next_id, next = first_new;
	bool hashed = w->predup && w->cu_hash;
	struct predup_cu cu = {
		.recs = w->cu_recs, .n = n, .hash = w->cu_hash, .map = w->cu_map,
		.order = hashed ? (const uint32_t *)(w->cu_hash + n) : NULL, .index_type = w->cu_index_type,
	};
	int err;

	memset(w->cu_map, 0, n * sizeof(*w->cu_map));
	if (hashed && w->index_type && !w->index_rec) {
		cu.types = (const unsigned char *)w->types + IMAGE_HDR;
		cu.str_off = w->str_off;
		cu.str_off_cap = w->str_off_cap;
		if ((err = predup__match(&w->pd, &cu)))
			return err;
	}
	for (uint32_t i = 0; i < n; i++)
		if (!w->cu_map[i])
			w->cu_map[i] = next++;
	for (uint32_t i = 0; i < n; i++) {
		size_t off = w->tlen;

		w->records++;
		if (w->cu_map[i] < first_new)
			continue;	/* matched: written before */
		w->batch_recs++;	/* a batch is cut by the records written into it */
		if ((err = write_type(w, &w->cu_recs[i])))
			return err;
		if (hashed && w->cu_recs[i].kind != BTF_KIND_VAR &&
		    (err = predup__add(&w->pd, &cu, i, w->next_id, (uint32_t)off)))
			return err;
		w->next_id++;
	}
	return 0;
}

/* A name without an ELF symbol is only reported (func_select: no_symbol),
 * and the same name comes back from many CUs (static inline functions of
 * headers: 103K candidates, 30K names on the Debian vmlinux): one bit per
 * name until the end instead of a candidate per copy. Without a report
 * the name is only counted: nothing else looks at it (never a FUNC, never
 * named at the end), and each one noted, ordered and decided was ~40% of
 * the names the serial tail sorts and walks. */
static int note_no_symbol(struct btf_writer *w, uint32_t name)
{
	size_t word = name / 64;

	if (GROW_ZEROED(w->no_symbol, w->no_symbol_words, word + 1, 1024))
		return -ENOMEM;
	if (w->no_symbol[word] & (1ull << (name % 64)))
		return 0;
	w->no_symbol[word] |= 1ull << (name % 64);
	w->no_symbol_names++;
	return w->no_symbol_cands ? name_order__note(&w->names, name) : 0;
}

/* After the last CU, with no_symbol_cands: one candidate per name noted by
 * note_no_symbol. The order of candidates of one name (CU order) does not
 * matter for them, and names are decided in name order
 * (func_select__order). */
static int add_no_symbol_candidates(struct btf_writer *w)
{
	for (size_t word = 0; w->no_symbol_cands && word < w->no_symbol_words; word++)
		for (uint64_t bits = w->no_symbol[word]; bits; bits &= bits - 1) {
			if (GROW(w->cands, w->cands_cap, w->ncands + 1, ARRAY_FIRST))
				return -ENOMEM;
			w->cands[w->ncands++] = (struct func_cand){
				.name = (uint32_t)(word * 64 + (size_t)__builtin_ctzll(bits)),
				.flags = FUNC_NO_SYMBOL, .batch = w->nbatches };
		}
	if (w->no_symbol_cands) {	/* (counted only, the bits stay for the pipeline's count) */
		free(w->no_symbol);
		w->no_symbol = NULL;
		w->no_symbol_words = 0;
	}
	return 0;
}

/* Keep a function candidate; its types become late refs with anchors. */
static int add_candidate(struct btf_writer *w, const struct type_rec *r)
{
	/* the parameters, then the tags; a function with neither has no payload */
	const struct rec_param *params = r->payload, *tags = params ? params + r->vlen : NULL;
	struct func_cand *c;
	uint32_t ret;
	int err;

	if (r->extra & FUNC_NO_SYMBOL)
		return note_no_symbol(w, r->name);
	uint16_t ntags = (uint16_t)(r->elem & 0xffff);

	if (GROW(w->cands, w->cands_cap, w->ncands + 1, ARRAY_FIRST) ||
	    GROW(w->params, w->params_cap, w->nparams + r->vlen, ARRAY_FIRST) ||
	    GROW(w->tags, w->tags_cap, w->ntags + ntags, ARRAY_FIRST))
		return -ENOMEM;
	if ((err = name_order__note(&w->names, r->name)))
		return err;
	c = &w->cands[w->ncands];
	*c = (struct func_cand){ .name = r->name, .flags = r->extra, .first_param = (uint32_t)w->nparams,
				 .nparams = r->vlen, .external = r->kflag, .first_tag = (uint32_t)w->ntags,
				 .ntags = ntags };
	if (r->extra & FUNC_SYMS) {
		c->sym_first = r->index;
		c->sym_n = r->elem >> 16;
	}
	for (uint32_t i = 0; i < ntags; i++)
		w->tags[w->ntags++] = (struct func_tag){ tags[i].name, (int32_t)tags[i].type };
	if ((err = type_id(w, r->size_type, &ret)) || (err = add_anchor(w, ret)))
		return err;
	c->ret = ret;	/* a batch id until btf_writer__resolve_funcs */
	c->batch = w->nbatches;
	for (uint32_t i = 0; i < r->vlen; i++) {
		const struct rec_param *p = &params[i];
		struct late_param *lp = &w->params[w->nparams + i];
		uint32_t id;

		if ((err = type_id(w, p->type, &id)) || (err = add_anchor(w, id)))
			return err;
		lp->name = p->name;
		lp->type = late(w, id);
	}
	w->nparams += r->vlen;
	w->ncands++;
	return 0;
}

int btf_writer__add(struct btf_writer *w, const struct type_rec *r)
{
	int err = 0;

	if (r->kind == REC_FUNC)
		err = add_candidate(w, r);
	else if (r->kind == REC_CU_BEGIN)
		err = begin_cu(w, r);
	else if (r->kind == REC_CU_END)
		err = end_cu(w);
	else if (r->kind == REC_VAR_PLACE)
		err = place_var(w, r);
	else if (w->cu_seen >= w->cu_nrecs || w->cu_bytes)
		err = -EPROTO;
	else {
		if (w->index_rec && w->cu_seen + 1 == w->index_rec) {
			w->index_tmpl = *r;	/* an INT: no payload, no refs */
			w->index_decided = 1;
		}
		w->cu_recs[w->cu_seen++] = *r;
		if (w->cu_seen == w->cu_nrecs)
			err = write_cu(w);
	}
	if (err == -ENOMEM)
		return fail__set(w->fail, err, "write: %s: CU #%u: out of memory", w->path, w->cu);
	if (err)
		return fail__set(w->fail, err, "write: %s: CU #%u: inconsistent record stream (%s)",
				 w->path, w->cu, strerror(-err));
	return 0;
}

int btf_writer__finish(struct btf_writer *w)
{
	int err = 0;

	image_pool__close(&w->pool);	/* no batch after this one: keep nothing */
	if (w->batch_recs || w->nanchors)
		err = cut_batch(w);
	if (!err)
		err = add_no_symbol_candidates(w);
	if (err == -ENOMEM)
		return fail__set(w->fail, err, "write: %s: out of memory", w->path);
	if (err && !fail__is_set(w->fail))
		return fail__set(w->fail, err, "write: %s: cannot cut the last batch: %s", w->path,
				 strerror(-err));
	return err;
}

uint32_t btf_writer__final_id(const struct btf_writer *w, const struct anchor_ids *fin, struct late_ref ref)
{
	const struct batch_anchors *ba;
	long at;

	if (!ref.id || ref.batch >= w->nbatches || ref.batch >= fin->nbatches || !fin->ids[ref.batch])
		return 0;
	ba = &w->batch_anchors[ref.batch];
	at = u32_set__find(ba->ids, ba->n, ref.id);
	return at >= 0 ? fin->ids[ref.batch][at] : 0;
}

int btf_writer__resolve_funcs(struct btf_writer *w, const struct anchor_ids *fin, struct func_param **params)
{
	struct func_param *p = malloc((w->nparams + 1) * sizeof(*p));

	if (!p)
		return -ENOMEM;
	for (size_t i = 0; i < w->ncands; i++)
		w->cands[i].ret = btf_writer__final_id(w, fin, (struct late_ref){ w->cands[i].batch, w->cands[i].ret });
	for (size_t i = 0; i < w->nparams; i++)
		p[i] = (struct func_param){ w->params[i].name, btf_writer__final_id(w, fin, w->params[i].type) };
	*params = p;
	return 0;
}

void btf_writer__fini(struct btf_writer *w)
{
	if (w->types)
		munmap(w->types, w->tcap);
	image_pool__destroy(&w->pool);
	free(w->strs);
	free(w->str_off);
	free(w->secinfo);
	free(w->cands);
	free(w->params);
	free(w->end_names);
	free(w->sec_name_ids);
	free(w->anchors);
	free(w->tags);
	for (uint32_t i = 0; i < w->nbatches; i++)
		free(w->batch_anchors[i].ids);
	free(w->batch_anchors);
	free(w->func_order);
	name_order__fini(&w->names);
	free(w->no_symbol);
	free(w->cu_recs);
	free(w->cu_map);
	predup__fini(&w->pd);
	free(w->cus);
	free(w->orders);
	memset(w, 0, sizeof(*w));
}
