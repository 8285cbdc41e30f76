// SPDX-License-Identifier: GPL-2.0-only
/*
 * strtab/strtab.c: the string interner (see strtab.h for the contract).
 *
 * - Shards: one cds_lfht per shard, chosen by the top bits of the 64-bit
 *   hash (cds_lfht picks buckets with the low bits). Lookups are lock-free
 *   under rcu_read_lock; a new string goes in with cds_lfht_add_unique.
 *   Nothing is removed before strtab__free.
 * - Entries: 40 bytes (cds_lfht_node, string pointer, hash, length, id),
 *   bump-allocated, with the copied bytes right behind, from the calling
 *   thread's own arena (one per thread per table, found through a one-slot
 *   thread-local cache). Only the owner bumps it, so the entry of a lost
 *   insert race, the last thing allocated, is simply un-bumped.
 * - Ids: one atomic counter hands out 1, 2, 3, ...; id 0 is "" and never
 *   hashed. A two-level directory (chunks of string pointers, each chunk
 *   allocated on demand and installed with a CAS) maps id -> the string's
 *   bytes in O(1) without locks, and strtab__str reads its length with
 *   strlen: a string holds no NUL (the insert refuses one), and the slot
 *   saves the entry's cache miss on each of the ~375K strtab__str calls of a
 *   vmlinux run (the function selection makes ~275K of them, on the serial
 *   tail). The id of a lost race leaves a NULL hole.
 * - Stats: per-arena counters written only by the owning thread (relaxed
 *   atomic stores), summed by whoever asks.
 *
 * Publication order, or why a reader that finds an entry sees all of it:
 * the inserting thread fills e->str, e->len, the copied bytes and
 * the directory slot, then stores e->id with release semantics, then
 * publishes the node with cds_lfht_add_unique(). add_unique has a full
 * barrier before its commit and lookups act as rcu_dereference, which is
 * enough on every CPU liburcu supports; but liburcu is not built for
 * ThreadSanitizer and dependency ordering is not C11 acquire, so we also
 * say it in C11 terms: every reader of a found entry first loads e->id with
 * acquire (entry_id(), also the first thing strtab_match() does), which
 * synchronizes with the release store and orders the fields, the bytes and
 * the directory slot before its reads. On x86 both are plain moves.
 */
#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <urcu.h>
#include <urcu/rculfhash.h>

#include "strtab/strtab.h"

#define STRTAB_DEFAULT_SHARDS	64U
#define STRTAB_MAX_SHARDS	65536U
#define STRTAB_DEFAULT_EXPECTED	65536U
#define STRTAB_MAX_INIT_BUCKETS	(1UL << 20)

#define DIR_CHUNK_SHIFT		16
#define DIR_CHUNK_SIZE		(1U << DIR_CHUNK_SHIFT)
#define DIR_CHUNKS		4096U
#define STRTAB_MAX_IDS		((uint64_t)DIR_CHUNKS * DIR_CHUNK_SIZE)

#define ARENA_FIRST_BLOCK	(16 * 1024)
#define ARENA_MAX_BLOCK		(1024 * 1024)
#define CACHELINE		64

#define offsetofend(type, member) \
	(offsetof(type, member) + sizeof(((type *)0)->member))

struct strtab_entry {
	struct cds_lfht_node node;
	const char *str;	/* NUL-terminated: a copy, or borrowed */
	uint32_t len;		/* (no hash: liburcu compares the node's reverse_hash,
				 * the hash as an unsigned long, before strtab_match;
				 * the bytes decide a match either way) */
	uint32_t id;		/* release-stored before publication */
};

struct arena_block {
	struct arena_block *next;
	/* data follows, 8-byte aligned */
};

/* One thread's allocations in one table. Only the owner touches it, until
 * strtab__free; others only read the stats counters and owner/next. */
struct strtab_arena {
	struct strtab_arena *next;	/* immutable once pushed */
	uint64_t owner;			/* thread token, immutable */
	struct arena_block *blocks;	/* newest (the one we bump) first */
	size_t used, cap;		/* bump state of blocks */
	size_t next_block;
	uint64_t lookups, hits, inserts, races, bytes_copied;
} __attribute__((aligned(CACHELINE)));

struct strtab {
	uint64_t gen;			/* unique per table, for the TLS cache */
	unsigned int shard_bits;
	unsigned int nr_shards;
	struct cds_lfht **shards;
	struct strtab_arena *arenas;	/* push-only list (CAS) */
	struct strtab_entry empty;	/* id 0 */
	/* Hot and written by every insert: its own cache line. */
	uint64_t next_id __attribute__((aligned(CACHELINE)));
	const char **dir[DIR_CHUNKS] __attribute__((aligned(CACHELINE)));
};

static uint64_t strtab_gen_counter;
static uint64_t strtab_thread_counter;

/* The calling thread's token, and its arena in the table it used last. */
static __thread uint64_t tls_token;
static __thread uint64_t tls_gen;
static __thread struct strtab_arena *tls_arena;

/* The hash: 8-byte words, each folded in with a multiply and an xorshift,
 * then a final avalanche (the constants of MurmurHash3's fmix64) so that
 * both the top bits (shard) and the low bits (bucket) are good. Never
 * reads past len. */
#define HASH_SEED	0x6a09e667f3bcc908ULL
#define HASH_M1		0x9e3779b97f4a7c15ULL
#define HASH_M2		0xff51afd7ed558ccdULL
#define HASH_M3		0xc4ceb9fe1a85ec53ULL

static inline uint64_t hash_round(uint64_t h, uint64_t w)
{
	h = (h ^ w) * HASH_M1;
	return h ^ (h >> 29);
}

static inline uint64_t hash_tail(const char *p, size_t n)
{
	unsigned int shift = 0;
	uint64_t w = 0;
	uint32_t v32;
	uint16_t v16;

	if (n & 4) {
		memcpy(&v32, p, 4);
		w = v32;
		p += 4;
		shift = 32;
	}
	if (n & 2) {
		memcpy(&v16, p, 2);
		w |= (uint64_t)v16 << shift;
		p += 2;
		shift += 16;
	}
	if (n & 1)
		w |= (uint64_t)(unsigned char)*p << shift;
	return w;
}

static uint64_t strtab_hash(const char *s, size_t len)
{
	uint64_t h = HASH_SEED ^ (len * HASH_M1);
	uint64_t w;
	size_t i;

	for (i = 0; i + 8 <= len; i += 8) {
		memcpy(&w, s + i, 8);
		h = hash_round(h, w);
	}
	if (len & 7)
		h = hash_round(h, hash_tail(s + i, len & 7));
	h ^= h >> 33;
	h *= HASH_M2;
	h ^= h >> 29;
	h *= HASH_M3;
	return h ^ (h >> 32);
}

static inline unsigned int strtab_shard(const struct strtab *t, uint64_t hash)
{
	/* Two shifts, so that shard_bits == 0 is not a shift by 64. */
	return (unsigned int)((hash >> 32) >> (32 - t->shard_bits));
}

static inline void stat_add(uint64_t *c, uint64_t v)
{
	/* Single writer (the arena's owner): no atomic RMW needed. */
	__atomic_store_n(c, *c + v, __ATOMIC_RELAXED);
}

static inline struct strtab_entry *node_entry(struct cds_lfht_node *node)
{
	return caa_container_of(node, struct strtab_entry, node);
}

static inline uint32_t entry_id(const struct strtab_entry *e)
{
	/* Pairs with the release store in strtab_insert() (see the top). */
	return __atomic_load_n(&e->id, __ATOMIC_ACQUIRE);
}

struct strtab_key {
	const char *s;
	size_t len;
	uint64_t hash;
};

static int strtab_match(struct cds_lfht_node *node, const void *key)
{
	const struct strtab_entry *e = node_entry(node);
	const struct strtab_key *k = key;

	/* Acquire first: the fields below were written before the id. */
	(void)entry_id(e);
	return e->len == k->len &&
	       memcmp(e->str, k->s, k->len) == 0;
}

static void *arena_alloc(struct strtab_arena *a, size_t n)
{
	struct arena_block *b;
	size_t size;
	char *p;

	n = (n + 7) & ~(size_t)7;
	if (a->cap - a->used < n) {
		/* The old block's tail is wasted; strings are short. */
		size = a->next_block > n ? a->next_block : n;
		b = malloc(sizeof(*b) + size);
		if (!b)
			return NULL;
		b->next = a->blocks;
		a->blocks = b;
		a->used = 0;
		a->cap = size;
		if (a->next_block < ARENA_MAX_BLOCK)
			a->next_block *= 2;
	}
	p = (char *)(a->blocks + 1) + a->used;
	a->used += n;
	return p;
}

/* Give back the last arena_alloc(a, n): it is still on top of the block. */
static void arena_unalloc(struct strtab_arena *a, size_t n)
{
	a->used -= (n + 7) & ~(size_t)7;
}

/* The calling thread's arena in t, created (and pushed) on first use. */
static struct strtab_arena *strtab_arena(struct strtab *t)
{
	struct strtab_arena *a, *head;

	if (tls_gen == t->gen)
		return tls_arena;
	if (!tls_token)
		tls_token = __atomic_add_fetch(&strtab_thread_counter, 1,
					       __ATOMIC_RELAXED);
	head = __atomic_load_n(&t->arenas, __ATOMIC_ACQUIRE);
	for (a = head; a; a = a->next)
		if (a->owner == tls_token)
			goto found;
	if (posix_memalign((void **)&a, CACHELINE, sizeof(*a)))
		return NULL;
	memset(a, 0, sizeof(*a));
	a->owner = tls_token;
	a->next_block = ARENA_FIRST_BLOCK;
	do {
		a->next = head;
	} while (!__atomic_compare_exchange_n(&t->arenas, &head, a, true,
					      __ATOMIC_RELEASE,
					      __ATOMIC_ACQUIRE));
found:
	tls_gen = t->gen;
	tls_arena = a;
	return a;
}

/* Take the next id and find its directory slot, allocating the chunk. On
 * -ENOMEM the id is lost (a hole), like the id of a lost race. */
static int strtab_new_id(struct strtab *t, uint32_t *id, const char ***slot)
{
	const char **chunk, **fresh, **cur = NULL;
	uint64_t n;
	size_t c;

	/* Relaxed: ids only need to be unique; ordering comes from e->id. */
	n = __atomic_fetch_add(&t->next_id, 1, __ATOMIC_RELAXED);
	if (n >= STRTAB_MAX_IDS)
		return -E2BIG;
	c = n >> DIR_CHUNK_SHIFT;
	chunk = __atomic_load_n(&t->dir[c], __ATOMIC_ACQUIRE);
	if (!chunk) {
		fresh = calloc(DIR_CHUNK_SIZE, sizeof(*fresh));
		if (!fresh)
			return -ENOMEM;
		/* Release: the zeroed chunk before its pointer. */
		if (__atomic_compare_exchange_n(&t->dir[c], &cur, fresh, false,
						__ATOMIC_ACQ_REL,
						__ATOMIC_ACQUIRE)) {
			chunk = fresh;
		} else {
			free(fresh);	/* another thread installed one */
			chunk = cur;
		}
	}
	*slot = &chunk[n & (DIR_CHUNK_SIZE - 1)];
	*id = (uint32_t)n;
	return 0;
}

/* Called with rcu_read_lock held, after a lookup missed. */
static int strtab_insert(struct strtab *t, struct strtab_arena *a,
			 struct cds_lfht *ht, const struct strtab_key *k,
			 bool copy, uint32_t *id)
{
	size_t size = sizeof(struct strtab_entry) + (copy ? k->len + 1 : 0);
	struct strtab_entry *e;
	struct cds_lfht_node *node;
	const char **slot;
	uint32_t nid;
	char *buf;
	int err;

	if (memchr(k->s, 0, k->len))	/* strtab__str measures with strlen */
		return -EINVAL;
	e = arena_alloc(a, size);
	if (!e)
		return -ENOMEM;
	e->str = k->s;
	if (copy) {
		buf = (char *)(e + 1);
		memcpy(buf, k->s, k->len);
		buf[k->len] = '\0';
		e->str = buf;
	}
	e->len = (uint32_t)k->len;
	err = strtab_new_id(t, &nid, &slot);
	if (err) {
		arena_unalloc(a, size);
		return err;
	}
	/* The slot before the id: whoever gets the id may look it up. */
	*slot = e->str;
	/* Release: everything above before the id (see the top of the file);
	 * add_unique then publishes the node with a full barrier. */
	__atomic_store_n(&e->id, nid, __ATOMIC_RELEASE);
	cds_lfht_node_init(&e->node);
	node = cds_lfht_add_unique(ht, (unsigned long)k->hash, strtab_match,
				   k, &e->node);
	if (node != &e->node) {
		/* Lost the race: e was never published, nobody else got
		 * nid, so e goes back to the arena and nid becomes a hole. */
		*slot = NULL;
		arena_unalloc(a, size);
		stat_add(&a->races, 1);
		*id = entry_id(node_entry(node));
		return 0;
	}
	stat_add(&a->inserts, 1);
	if (copy)
		stat_add(&a->bytes_copied, k->len + 1);
	*id = nid;
	return 0;
}

static int strtab_intern(struct strtab *t, const char *s, size_t len,
			 bool copy, uint32_t *id)
{
	struct cds_lfht_iter iter;
	struct cds_lfht_node *node;
	struct strtab_arena *a;
	struct strtab_key k;
	struct cds_lfht *ht;
	int err = 0;

	if (len == 0) {
		*id = 0;
		return 0;
	}
	if (len >= UINT32_MAX)
		return -E2BIG;
	a = strtab_arena(t);
	if (!a)
		return -ENOMEM;
	k.s = s;
	k.len = len;
	k.hash = strtab_hash(s, len);
	ht = t->shards[strtab_shard(t, k.hash)];
	stat_add(&a->lookups, 1);

	rcu_read_lock();
	cds_lfht_lookup(ht, (unsigned long)k.hash, strtab_match, &k, &iter);
	node = cds_lfht_iter_get_node(&iter);
	if (node) {
		*id = entry_id(node_entry(node));
		stat_add(&a->hits, 1);
	} else {
		err = strtab_insert(t, a, ht, &k, copy, id);
	}
	rcu_read_unlock();
	return err;
}

int strtab__intern(struct strtab *t, const char *s, size_t len, uint32_t *id)
{
	return strtab_intern(t, s, len, true, id);
}

int strtab__intern_borrowed(struct strtab *t, const char *s, size_t len,
			    uint32_t *id)
{
	return strtab_intern(t, s, len, false, id);
}

const char *strtab__str(const struct strtab *t, uint32_t id, size_t *len)
{
	const char **chunk, *str = NULL;

	if (id < STRTAB_MAX_IDS) {
		chunk = __atomic_load_n(&t->dir[id >> DIR_CHUNK_SHIFT],
					__ATOMIC_ACQUIRE);
		if (chunk)
			str = chunk[id & (DIR_CHUNK_SIZE - 1)];
	}
	if (len)
		*len = str ? strlen(str) : 0;
	return str;
}

void strtab__stats(const struct strtab *t, struct strtab_stats *out)
{
	const struct strtab_arena *a;

	memset(out, 0, sizeof(*out));
	for (a = __atomic_load_n(&t->arenas, __ATOMIC_ACQUIRE); a; a = a->next) {
		out->lookups += __atomic_load_n(&a->lookups, __ATOMIC_RELAXED);
		out->hits += __atomic_load_n(&a->hits, __ATOMIC_RELAXED);
		out->inserts += __atomic_load_n(&a->inserts, __ATOMIC_RELAXED);
		out->insert_races += __atomic_load_n(&a->races, __ATOMIC_RELAXED);
		out->bytes_copied += __atomic_load_n(&a->bytes_copied,
						     __ATOMIC_RELAXED);
	}
	out->strings = 1 + out->inserts;
}

size_t strtab__count(const struct strtab *t)
{
	struct strtab_stats st;

	strtab__stats(t, &st);
	return st.strings;
}

uint32_t strtab__id_limit(const struct strtab *t)
{
	uint64_t n = __atomic_load_n(&t->next_id, __ATOMIC_RELAXED);

	return n > STRTAB_MAX_IDS ? (uint32_t)STRTAB_MAX_IDS : (uint32_t)n;
}

/*
 * cds_lfht_destroy() wants an empty table, and cds_lfht_del() wants a
 * registered thread inside rcu_read_lock: deletions can start a shrink in
 * liburcu's resize worker, which frees bucket memory after a grace period
 * that only registered readers hold back. So the emptying runs in a thread
 * of our own that registers itself, whatever the caller's RCU state.
 */
static void *strtab_teardown(void *arg)
{
	struct strtab *t = arg;
	struct cds_lfht_node *node;
	struct cds_lfht_iter iter;
	intptr_t err = 0;
	unsigned int i;

	rcu_register_thread();
	for (i = 0; i < t->nr_shards; i++) {
		if (!t->shards[i])
			continue;
		rcu_read_lock();
		cds_lfht_for_each(t->shards[i], &iter, node)
			cds_lfht_del(t->shards[i], node);
		rcu_read_unlock();
	}
	/* A resize may still walk a chain through the deleted nodes: let it
	 * finish before the arenas that hold them are freed. */
	synchronize_rcu();
	for (i = 0; i < t->nr_shards; i++) {
		if (!t->shards[i])
			continue;
		if (cds_lfht_destroy(t->shards[i], NULL))
			err = -1;
		else
			t->shards[i] = NULL;
	}
	rcu_unregister_thread();
	return (void *)err;
}

static int strtab_destroy_tables(struct strtab *t)
{
	pthread_t thread;
	void *ret;

	if (!t->shards)
		return 0;
	if (pthread_create(&thread, NULL, strtab_teardown, t))
		return -EAGAIN;
	if (pthread_join(thread, &ret) || ret)
		return -EBUSY;
	return 0;
}

void strtab__free(struct strtab *t)
{
	struct strtab_arena *a, *next_a;
	struct arena_block *b, *next_b;
	unsigned int i;

	if (!t)
		return;
	/* Tables we could not empty may still reach entries: leak it all. */
	if (strtab_destroy_tables(t))
		return;
	for (a = t->arenas; a; a = next_a) {
		next_a = a->next;
		for (b = a->blocks; b; b = next_b) {
			next_b = b->next;
			free(b);
		}
		free(a);
	}
	for (i = 0; i < DIR_CHUNKS; i++)
		free(t->dir[i]);
	free(t->shards);
	free(t);
}

static int strtab_parse_opts(const struct strtab_opts *opts,
			     unsigned int *shards, size_t *expected)
{
	const unsigned char *p = (const unsigned char *)opts;
	size_t i;

	*shards = STRTAB_DEFAULT_SHARDS;
	*expected = STRTAB_DEFAULT_EXPECTED;
	if (!opts)
		return 0;
	if (opts->sz < sizeof(opts->sz))
		return -EINVAL;
	/* Fields of a newer caller that this version does not know. */
	for (i = sizeof(*opts); i < opts->sz; i++)
		if (p[i])
			return -EINVAL;
	if (opts->sz >= offsetofend(struct strtab_opts, shards) && opts->shards)
		*shards = opts->shards;
	if (opts->sz >= offsetofend(struct strtab_opts, expected_strings) &&
	    opts->expected_strings)
		*expected = opts->expected_strings;
	if (*shards > STRTAB_MAX_SHARDS || (*shards & (*shards - 1)))
		return -EINVAL;
	return 0;
}

struct strtab *strtab__new(const struct strtab_opts *opts)
{
	unsigned long buckets = 1, per_shard;
	unsigned int shards, i;
	struct strtab *t;
	size_t expected;
	int err;

	err = strtab_parse_opts(opts, &shards, &expected);
	if (err) {
		errno = -err;
		return NULL;
	}
	if (posix_memalign((void **)&t, CACHELINE, sizeof(*t))) {
		errno = ENOMEM;
		return NULL;
	}
	memset(t, 0, sizeof(*t));
	t->gen = __atomic_add_fetch(&strtab_gen_counter, 1, __ATOMIC_RELAXED);
	t->nr_shards = shards;
	t->shard_bits = (unsigned int)__builtin_ctz(shards);
	t->next_id = 1;
	t->empty.str = "";
	t->dir[0] = calloc(DIR_CHUNK_SIZE, sizeof(*t->dir[0]));
	t->shards = calloc(shards, sizeof(*t->shards));
	if (!t->dir[0] || !t->shards)
		goto nomem;
	t->dir[0][0] = t->empty.str;

	/* Presize: about one bucket per expected string in each shard, the
	 * power of two nearest to it (a load between 0.7 and 1.4; rounding
	 * up doubled the buckets, 4 of the 10 MiB the table held on the
	 * Debian vmlinux, for chains that were short already). */
	per_shard = (expected + shards - 1) / shards;
	while (buckets < per_shard && buckets < STRTAB_MAX_INIT_BUCKETS)
		buckets <<= 1;
	if (buckets > 1 && buckets < STRTAB_MAX_INIT_BUCKETS && buckets * 1000 > per_shard * 1414)
		buckets >>= 1;
	for (i = 0; i < shards; i++) {
		t->shards[i] = cds_lfht_new(buckets, buckets, 0,
					    CDS_LFHT_AUTO_RESIZE |
					    CDS_LFHT_ACCOUNTING, NULL);
		if (!t->shards[i])
			goto nomem;
	}
	return t;

nomem:
	strtab__free(t);
	errno = ENOMEM;
	return NULL;
}
