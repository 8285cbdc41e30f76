// SPDX-License-Identifier: GPL-2.0-only
/*
 * tests/unit/test_strtab.c: the string interner, alone and under 8 threads.
 *
 * TAP from the main thread only; worker threads record what they saw and
 * the main thread checks it after pthread_join.
 */
#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <urcu.h>

#include "strtab/strtab.h"
#include "tests/tap.h"

static bool str_is(const struct strtab *t, uint32_t id, const char *want,
		   size_t want_len)
{
	size_t len = (size_t)-1;
	const char *s = strtab__str(t, id, &len);

	return s && len == want_len && memcmp(s, want, len) == 0 &&
	       s[len] == '\0';
}

static uint32_t must_intern(struct strtab *t, const char *s, size_t len)
{
	uint32_t id = UINT32_MAX;
	int err = strtab__intern(t, s, len, &id);

	if (err)
		diag("strtab__intern(\"%.*s\"): %d", (int)len, s, err);
	return err ? UINT32_MAX : id;
}

static void test_basics(void)
{
	struct strtab *t = strtab__new(NULL);
	uint32_t a, b, c, a2, ab, abc, z;
	size_t len = 99;
	const char *s;

	ok(t != NULL, "new with NULL opts");
	if (!t)
		exit(exit_status() | 1);
	is_int(strtab__count(t), 1, "a new table counts only the empty string");
	is_int(must_intern(t, "", 0), 0, "empty string is id 0");
	is_int(must_intern(t, "xyz", 0), 0, "len 0 of a non-empty buffer is id 0");
	s = strtab__str(t, 0, &len);
	ok(s && s[0] == '\0' && len == 0, "id 0 reads back as \"\" length 0");

	a = must_intern(t, "alpha", 5);
	b = must_intern(t, "beta", 4);
	c = must_intern(t, "gamma", 5);
	a2 = must_intern(t, "alpha", 5);
	ok(a != 0 && a != UINT32_MAX, "a new string gets a non-zero id");
	is_int(a2, a, "same string, same id");
	ok(a != b && b != c && a != c, "different strings, different ids");
	ok(str_is(t, a, "alpha", 5) && str_is(t, b, "beta", 4) &&
	   str_is(t, c, "gamma", 5), "str round trip: bytes, length, NUL");

	ab = must_intern(t, "ab", 2);
	abc = must_intern(t, "abc", 3);
	z = must_intern(t, "a", 1);
	ok(z != ab && ab != abc && z != abc, "prefixes a/ab/abc are distinct");
	ok(str_is(t, z, "a", 1) && str_is(t, ab, "ab", 2) &&
	   str_is(t, abc, "abc", 3), "prefixes read back whole");
	is_int(strtab__count(t), 7, "count: \"\" + 6 distinct strings");
	ok(strtab__str(t, strtab__id_limit(t), &len) == NULL && len == 0,
	   "an id never handed out reads as NULL");
	ok(strtab__str(t, UINT32_MAX, NULL) == NULL, "a huge id reads as NULL");
	strtab__free(t);
	strtab__free(NULL);
	ok(1, "free(NULL) is fine");
}

static void test_unterminated_and_nul(void)
{
	struct strtab *t = strtab__new(NULL);
	char buf[6] = { 'a', 'b', 'c', 'd', 'e', 'f' }; /* no NUL anywhere */
	uint32_t id1, id2, id3, nul_id, a_id;
	const char *s;
	size_t len;

	id1 = must_intern(t, buf, 3);
	id2 = must_intern(t, buf + 1, 2);
	id3 = must_intern(t, "abc", 3);
	is_int(id3, id1, "unterminated \"abc\" == literal \"abc\"");
	ok(str_is(t, id1, "abc", 3), "copy of an unterminated slice is NUL-terminated");
	ok(str_is(t, id2, "bc", 2), "slice in the middle of a buffer");
	s = strtab__str(t, id1, &len);
	ok(s != buf, "intern copies the bytes");
	memset(buf, 'x', sizeof(buf));
	ok(str_is(t, id1, "abc", 3), "the copy survives a change of the input");

	nul_id = 12345;
	is_int(strtab__intern(t, "a\0b", 3, &nul_id), -EINVAL,
	       "embedded NUL: \"a\\0b\" is refused (a BTF string cannot hold one)");
	is_int(nul_id, 12345, "... and no id is given");
	is_int(strtab__intern_borrowed(t, "a\0b", 3, &nul_id), -EINVAL, "... borrowed too");
	a_id = must_intern(t, "a", 1);
	ok(a_id != 0 && str_is(t, a_id, "a", 1), "\"a\" after it is interned as usual");
	strtab__free(t);
}

static void test_borrowed(void)
{
	static const char name[] = "borrowed_name";
	char copy_src[] = "borrowed_name";
	struct strtab *t = strtab__new(NULL);
	uint32_t id = UINT32_MAX, id2 = UINT32_MAX, id3;
	size_t len;
	int err;

	err = strtab__intern_borrowed(t, name, sizeof(name) - 1, &id);
	is_int(err, 0, "intern_borrowed succeeds");
	ok(strtab__str(t, id, &len) == name && len == sizeof(name) - 1,
	   "borrowed: str returns the caller's pointer");
	id3 = must_intern(t, copy_src, sizeof(copy_src) - 1);
	is_int(id3, id, "a copying intern of the same bytes finds the borrowed one");
	ok(strtab__str(t, id3, NULL) == name, "... and does not replace its pointer");
	err = strtab__intern_borrowed(t, "alpha", 5, &id2);
	ok(!err && id2 != id && str_is(t, id2, "alpha", 5), "borrowed: second string");
	strtab__free(t);
}

static void test_opts(void)
{
	struct strtab_opts opts = { .sz = sizeof(opts), .shards = 3 };
	struct {
		struct strtab_opts o;
		long future_field;
	} big = { .o = { .sz = sizeof(big) }, .future_field = 1 };
	struct strtab *t;

	errno = 0;
	ok(strtab__new(&opts) == NULL && errno == EINVAL, "shards=3: EINVAL");
	opts.shards = 1U << 17;
	errno = 0;
	ok(strtab__new(&opts) == NULL && errno == EINVAL, "shards=2^17: EINVAL");
	opts.sz = 0;
	errno = 0;
	ok(strtab__new(&opts) == NULL && errno == EINVAL, "sz=0: EINVAL");
	errno = 0;
	ok(strtab__new(&big.o) == NULL && errno == EINVAL,
	   "unknown non-zero opts bytes: EINVAL");
	big.future_field = 0;
	t = strtab__new(&big.o);
	ok(t != NULL, "unknown zero opts bytes are fine");
	strtab__free(t);
}

static void test_errors_and_two_tables(void)
{
	/* One shard: the shard index must not shift by 64. */
	struct strtab_opts opts = { .sz = sizeof(opts), .shards = 1,
				    .expected_strings = 3 };
	struct strtab *t = strtab__new(&opts), *t2;
	struct strtab_stats st;
	uint32_t id = 12345;
	int err;

	ok(t != NULL, "one shard, tiny presize");
	if (!t)
		return;
	err = strtab__intern(t, "x", (size_t)UINT32_MAX, &id);
	ok(err == -E2BIG && id == 12345, "copy of len UINT32_MAX: -E2BIG, *id untouched");
	err = strtab__intern_borrowed(t, "x", (size_t)UINT32_MAX + 7, &id);
	is_int(err, -E2BIG, "borrowed len > UINT32_MAX: -E2BIG");

	/* Two tables used in turns by one thread (per-thread arena cache). */
	opts.shards = 4;
	t2 = strtab__new(&opts);
	ok(t2 != NULL, "a second table");
	if (!t2)
		return;
	err = 0;
	for (int i = 0; i < 3000; i++) {
		struct strtab *ti = i & 1 ? t2 : t;
		char s[32];
		int n = snprintf(s, sizeof(s), "turns_%d", i);

		if (!str_is(ti, must_intern(ti, s, (size_t)n), s, (size_t)n))
			err = 1;
	}
	ok(err == 0 && strtab__count(t) == 1501 && strtab__count(t2) == 1501,
	   "two tables in turns from one thread stay apart");
	strtab__stats(t, &st);
	ok(st.lookups == 1500 && st.inserts == 1500 && st.hits == 0 &&
	   st.bytes_copied > 1500 * 7 && st.strings == 1501,
	   "stats of a one-thread table");
	strtab__free(t2);
	strtab__free(t);
}

static void test_long_string(void)
{
	size_t n = 3 << 20; /* beyond the largest arena block */
	struct strtab *t = strtab__new(NULL);
	char *big = malloc(n);
	uint32_t id, id2, small;

	for (size_t i = 0; i < n; i++)
		big[i] = (char)('a' + i % 23);
	small = must_intern(t, "small", 5);
	id = must_intern(t, big, n);
	id2 = must_intern(t, big, n - 1);
	ok(id != id2 && str_is(t, id, big, n) && str_is(t, id2, big, n - 1),
	   "3 MiB strings round trip");
	ok(str_is(t, small, "small", 5) &&
	   str_is(t, must_intern(t, "after", 5), "after", 5),
	   "small strings before and after a big one");
	free(big);
	strtab__free(t);
}

/* ---- stress: 8 threads, one shared set in different orders ---- */

#define NR_THREADS	8
#define NR_COMMON	200000
#define NR_UNIQUE	4000
#define RECHECK_EVERY	16

struct pool {
	char *bytes;
	uint32_t *off, *len;
	size_t n;
};

struct worker {
	pthread_t thread;
	int idx;
	struct strtab *t;
	const struct pool *common, *unique;
	pthread_barrier_t *start;
	uint32_t *common_ids;	/* [NR_COMMON] */
	uint32_t *unique_ids;	/* [NR_UNIQUE] */
	unsigned long errors, recheck_bad;
};

/* String i: hex(i) '_' then a pattern, total length 1 + (i * 37) % 61 at
 * least; distinct because the hex before '_' names i. */
static void pool_fill(struct pool *p, size_t n, const char *prefix)
{
	size_t cap = n * 80, pos = 0;

	p->bytes = malloc(cap);
	p->off = malloc(n * sizeof(*p->off));
	p->len = malloc(n * sizeof(*p->len));
	p->n = n;
	for (size_t i = 0; i < n; i++) {
		int k = snprintf(p->bytes + pos, cap - pos, "%s%zx_", prefix, i);
		size_t want = 1 + (i * 37) % 61;

		for (; (size_t)k < want; k++)
			p->bytes[pos + k] = (char)('g' + (i + k) % 19);
		p->bytes[pos + k] = '\0';
		p->off[i] = (uint32_t)pos;
		p->len[i] = (uint32_t)k;
		pos += (size_t)k + 1;
	}
}

static void pool_free(struct pool *p)
{
	free(p->bytes);
	free(p->off);
	free(p->len);
}

static int worker_intern(struct worker *w, const struct pool *p, size_t i,
			 uint32_t *id)
{
	const char *s = p->bytes + p->off[i];

	if (w->idx & 1)
		return strtab__intern_borrowed(w->t, s, p->len[i], id);
	return strtab__intern(w->t, s, p->len[i], id);
}

static void make_order(uint32_t *order, size_t n, int idx)
{
	uint64_t x = 0x9e3779b97f4a7c15ULL * (uint64_t)(idx + 1);

	/* Threads 0 and 1 walk nearly in step, to lose insert races. */
	for (size_t i = 0; i < n; i++)
		order[i] = (uint32_t)((i + (idx == 1)) % n);
	if (idx < 2)
		return;
	for (size_t i = n - 1; i > 0; i--) {
		size_t j;
		uint32_t tmp;

		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		j = x % (i + 1);
		tmp = order[i];
		order[i] = order[j];
		order[j] = tmp;
	}
}

static void *worker_main(void *arg)
{
	struct worker *w = arg;
	uint32_t *order = malloc(NR_COMMON * sizeof(*order));
	size_t u = 0, u_step = NR_COMMON / NR_UNIQUE;

	make_order(order, NR_COMMON, w->idx);
	rcu_register_thread();
	pthread_barrier_wait(w->start);
	for (size_t k = 0; k < NR_COMMON; k++) {
		size_t i = order[k];

		if (worker_intern(w, w->common, i, &w->common_ids[i]))
			w->errors++;
		if (k % u_step == 0 && u < NR_UNIQUE) {
			if (worker_intern(w, w->unique, u, &w->unique_ids[u]))
				w->errors++;
			u++;
		}
	}
	for (size_t k = 0; k < NR_COMMON; k += RECHECK_EVERY) {
		uint32_t id;

		if (worker_intern(w, w->common, order[k], &id))
			w->errors++;
		else if (id != w->common_ids[order[k]] ||
			 !str_is(w->t, id, w->common->bytes + w->common->off[order[k]],
				 w->common->len[order[k]]))
			w->recheck_bad++;
	}
	rcu_unregister_thread();
	free(order);
	return NULL;
}

static bool check_agree(struct worker *w)
{
	for (size_t i = 0; i < NR_COMMON; i++)
		for (int k = 1; k < NR_THREADS; k++)
			if (w[k].common_ids[i] != w[0].common_ids[i]) {
				diag("string %zu: thread %d id %u, thread 0 id %u",
				     i, k, w[k].common_ids[i], w[0].common_ids[i]);
				return false;
			}
	return true;
}

static bool mark(unsigned char *seen, uint32_t limit, uint32_t id)
{
	if (id == 0 || id >= limit || seen[id]) {
		diag("id %u: zero, over the limit %u, or given twice", id, limit);
		return false;
	}
	seen[id] = 1;
	return true;
}

static bool check_unique_ids(struct strtab *t, struct worker *w)
{
	uint32_t limit = strtab__id_limit(t);
	unsigned char *seen = calloc(limit ? limit : 1, 1);
	bool good = true;

	for (size_t i = 0; good && i < NR_COMMON; i++)
		good = mark(seen, limit, w[0].common_ids[i]);
	for (int k = 0; good && k < NR_THREADS; k++)
		for (size_t u = 0; good && u < NR_UNIQUE; u++)
			good = mark(seen, limit, w[k].unique_ids[u]);
	free(seen);
	return good;
}

static bool check_bytes(struct strtab *t, struct worker *w)
{
	const struct pool *p = w[0].common;

	for (size_t i = 0; i < NR_COMMON; i++)
		if (!str_is(t, w[0].common_ids[i], p->bytes + p->off[i], p->len[i])) {
			diag("string %zu reads back wrong", i);
			return false;
		}
	for (int k = 0; k < NR_THREADS; k++) {
		p = w[k].unique;
		for (size_t u = 0; u < NR_UNIQUE; u++)
			if (!str_is(t, w[k].unique_ids[u], p->bytes + p->off[u],
				    p->len[u])) {
				diag("unique %zu of thread %d reads back wrong", u, k);
				return false;
			}
	}
	return true;
}

struct stress {
	struct strtab *t;
	struct pool common, unique[NR_THREADS];
	struct worker w[NR_THREADS];
	pthread_barrier_t start;
};

static void stress_setup(struct stress *x)
{
	pool_fill(&x->common, NR_COMMON, "");
	pthread_barrier_init(&x->start, NULL, NR_THREADS);
	for (int k = 0; k < NR_THREADS; k++) {
		char prefix[16];

		snprintf(prefix, sizeof(prefix), "t%d_", k); /* 't' is not hex */
		pool_fill(&x->unique[k], NR_UNIQUE, prefix);
		x->w[k] = (struct worker){ .idx = k, .t = x->t,
					   .common = &x->common,
					   .unique = &x->unique[k],
					   .start = &x->start };
		x->w[k].common_ids = calloc(NR_COMMON, sizeof(uint32_t));
		x->w[k].unique_ids = calloc(NR_UNIQUE, sizeof(uint32_t));
	}
}

static void stress_teardown(struct stress *x)
{
	for (int k = 0; k < NR_THREADS; k++) {
		free(x->w[k].common_ids);
		free(x->w[k].unique_ids);
		pool_free(&x->unique[k]);
	}
	pool_free(&x->common);
	pthread_barrier_destroy(&x->start);
}

static void test_stress(void)
{
	/* Presized small on purpose: the tables must grow under load. */
	struct strtab_opts opts = { .sz = sizeof(opts), .expected_strings = 50000 };
	size_t distinct = NR_COMMON + NR_THREADS * NR_UNIQUE;
	unsigned long errors = 0, bad = 0;
	static struct stress x;
	struct strtab_stats st;
	struct timespec t0, t1;
	struct worker *w = x.w;

	x.t = strtab__new(&opts);
	ok(x.t != NULL, "stress: new");
	if (!x.t)
		return;
	stress_setup(&x);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (int k = 0; k < NR_THREADS; k++)
		pthread_create(&w[k].thread, NULL, worker_main, &w[k]);
	for (int k = 0; k < NR_THREADS; k++) {
		pthread_join(w[k].thread, NULL);
		errors += w[k].errors;
		bad += w[k].recheck_bad;
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	strtab__stats(x.t, &st);
	diag("stress: %d threads, %.3f s, %llu lookups, %llu hits, %llu inserts, %llu races",
	     NR_THREADS, (double)(t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9,
	     (unsigned long long)st.lookups, (unsigned long long)st.hits,
	     (unsigned long long)st.inserts, (unsigned long long)st.insert_races);

	is_int(errors, 0, "stress: every intern succeeded");
	is_int(bad, 0, "stress: re-interning gives the same id and bytes");
	ok(check_agree(w), "stress: all threads got the same id for each string");
	ok(check_unique_ids(x.t, w), "stress: ids are unique per string and below the limit");
	is_int(strtab__count(x.t), distinct + 1, "stress: count == distinct strings + \"\"");
	ok(check_bytes(x.t, w), "stress: str matches every string");
	ok(st.lookups == st.hits + st.inserts + st.insert_races &&
	   st.lookups == (uint64_t)NR_THREADS * (NR_COMMON + NR_UNIQUE +
						 NR_COMMON / RECHECK_EVERY),
	   "stress: lookups == hits + inserts + races == calls");
	is_int(strtab__id_limit(x.t), strtab__count(x.t) + st.insert_races,
	       "stress: id holes == lost races");

	/* Free from a thread not registered with RCU (see strtab__free). */
	rcu_unregister_thread();
	strtab__free(x.t);
	rcu_register_thread();
	ok(1, "stress: free from an unregistered thread");
	stress_teardown(&x);
}

int main(void)
{
	rcu_register_thread();
	test_basics();
	test_unterminated_and_nul();
	test_borrowed();
	test_opts();
	test_errors_and_two_tables();
	test_long_string();
	test_stress();
	rcu_unregister_thread();
	done_testing();
	return exit_status();
}
