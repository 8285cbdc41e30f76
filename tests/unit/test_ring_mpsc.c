/* tests/unit/test_ring_mpsc.c: unit and stress tests for queue/ring_mpsc.
 *
 * Threads never call ok(): they record what they saw in their argument
 * struct and the main thread checks it after joining.  A join that does not
 * finish within JOIN_TIMEOUT_S (a lost wake-up, a deadlock) prints a "not ok"
 * and "Bail out!" and exits 1: nothing after it could be trusted, and the
 * stuck thread still uses the ring.  alarm() is the last resort.
 */
#include "queue/ring_mpsc.h"
#include "tests/tap.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#if defined(__SANITIZE_THREAD__)
#define UNDER_TSAN 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define UNDER_TSAN 1
#endif
#endif
#ifndef UNDER_TSAN
#define UNDER_TSAN 0
#endif

#define JOIN_TIMEOUT_S	20
#define BLOCK_MS	100	/* how long the main thread lets a thread block */
#define NPROD		4
#define PER_PROD	200000
/* With capacity 2 nearly every push sleeps and is woken (a futex round
 * trip per element or two), so fewer elements keep the run near a second
 * on a loaded 2-core machine; it is there for the slow paths, not volume.
 */
#define PER_PROD_CAP2	100000

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) == -1 && errno == EINTR)
		;
}

static void join_or_bail(pthread_t t, const char *who)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_sec += JOIN_TIMEOUT_S;
	if (pthread_timedjoin_np(t, NULL, &ts) == 0)
		return;
	ok(0, "%s finishes within %d s", who, JOIN_TIMEOUT_S);
	printf("Bail out! %s is stuck\n", who);
	exit(1);
}

static void test_init(void)
{
	static const size_t bad_caps[] = { 0, 1, 3, 6, 12, 100 };
	struct ring_mpsc r, zero;
	struct ring_mpsc_stats st;
	uint64_t slots[8];
	size_t i;

	for (i = 0; i < sizeof(bad_caps) / sizeof(bad_caps[0]); i++)
		is_int(ring_mpsc__init(&r, slots, bad_caps[i], 8), -EINVAL,
		       "init rejects capacity %zu", bad_caps[i]);
	is_int(ring_mpsc__init(&r, slots, 8, 0), -EINVAL,
	       "init rejects elem_size 0");
	is_int(ring_mpsc__init(&r, NULL, 8, 8), -EINVAL,
	       "init rejects NULL slots");
	is_int(ring_mpsc__init(&r, slots, SIZE_MAX / 2 + 1, 8), -EINVAL,
	       "init rejects capacity * elem_size overflow");
	is_int(ring_mpsc__init(&r, slots, 2, 8), 0, "init accepts capacity 2");
	is_int(ring_mpsc__init(&r, slots, 8, 8), 0, "init accepts capacity 8");
	ring_mpsc__stats(&r, &st);
	ok(st.capacity == 8 && st.pushed == 0 && st.popped == 0 &&
	   st.high_water == 0 && !ring_mpsc__closed(&r),
	   "fresh ring: capacity 8, empty, open");
	ring_mpsc__destroy(&r);

	memset(&zero, 0, sizeof(zero));
	ring_mpsc__destroy(&zero);
	ring_mpsc__stats(&zero, &st);
	ok(st.capacity == 0 && st.pushed == 0,
	   "destroy and stats are fine on a zeroed ring");
}

static void test_fifo(void)
{
	struct ring_mpsc r;
	uint64_t slots[8], v, want = 0, next = 0;
	int round, i, bad = 0;

	ring_mpsc__init(&r, slots, 8, sizeof(v));
	for (round = 0; round < 100; round++) {
		for (i = 0; i < 3 + round % 6; i++)
			bad += ring_mpsc__push(&r, &next) != 0 || !++next;
		for (i = 0; i < 3 + round % 6; i++) {
			bad += ring_mpsc__pop(&r, &v) != 0;
			bad += v != want++;
		}
	}
	is_int(bad, 0, "FIFO order over 100 rounds of wrap-around");
	ok(!ring_mpsc__try_pop(&r, &v), "ring empty after the rounds");
	ring_mpsc__destroy(&r);
}

static void test_full_empty(void)
{
	struct ring_mpsc r;
	struct ring_mpsc_stats st;
	uint32_t slots[4], v;
	int i, pushed = 0, order = 1;

	ring_mpsc__init(&r, slots, 4, sizeof(v));
	ok(!ring_mpsc__try_pop(&r, &v), "try_pop on an empty ring: false");
	for (v = 10; v < 14; v++)
		pushed += ring_mpsc__try_push(&r, &v);
	is_int(pushed, 4, "try_push fills capacity 4");
	v = 99;
	ok(!ring_mpsc__try_push(&r, &v), "try_push on a full ring: false");
	ring_mpsc__stats(&r, &st);
	is_int(st.high_water, 4, "high_water 4 when full");
	for (i = 0; i < 4; i++)
		order &= ring_mpsc__try_pop(&r, &v) && v == 10u + i;
	ok(order, "try_pop returns 10..13 in order");
	ok(!ring_mpsc__try_pop(&r, &v), "try_pop after draining: false");
	ring_mpsc__destroy(&r);
}

static void test_stats_counts(void)
{
	struct ring_mpsc r;
	struct ring_mpsc_stats st;
	uint32_t slots[8], buf[8] = { 1, 2, 3, 4, 5, 6 };

	ring_mpsc__init(&r, slots, 8, sizeof(buf[0]));
	ring_mpsc__push_many(&r, buf, 5);
	ring_mpsc__pop_many(&r, buf, 2);
	ring_mpsc__push(&r, &buf[5]);
	ring_mpsc__stats(&r, &st);
	ok(st.pushed == 6 && st.popped == 2 && st.high_water == 5,
	   "stats mid-run: pushed 6, popped 2, high_water 5 (got %llu %llu %zu)",
	   (unsigned long long)st.pushed, (unsigned long long)st.popped,
	   st.high_water);
	is_int(ring_mpsc__pop_many(&r, buf, 8), 4,
	       "pop_many takes all 4 published at once");
	ring_mpsc__stats(&r, &st);
	ok(st.pushed == 6 && st.popped == 6 && st.high_water == 5 &&
	   st.capacity == 8 && st.push_blocks == 0 && st.pop_blocks == 0,
	   "stats drained: 6/6, high_water 5, capacity 8, no blocks");
	ring_mpsc__destroy(&r);
}

static void test_close_drain(void)
{
	struct ring_mpsc r;
	uint32_t slots[8], v, two[2] = { 7, 8 };
	int i, drained = 1;

	ring_mpsc__init(&r, slots, 8, sizeof(v));
	for (v = 1; v <= 3; v++)
		ring_mpsc__push(&r, &v);
	ring_mpsc__close(&r);
	ok(ring_mpsc__closed(&r), "closed() after close");
	is_int(ring_mpsc__push(&r, &v), -EPIPE, "push after close: -EPIPE");
	ok(!ring_mpsc__try_push(&r, &v), "try_push after close: false");
	is_int(ring_mpsc__push_many(&r, two, 2), -EPIPE,
	       "push_many after close: -EPIPE");
	for (i = 1; i <= 3; i++)
		drained &= ring_mpsc__pop(&r, &v) == 0 && v == (uint32_t)i;
	ok(drained, "consumer drains 1..3 after close");
	is_int(ring_mpsc__pop(&r, &v), -EPIPE, "pop when closed and drained");
	is_int(ring_mpsc__pop_many(&r, two, 2), 0,
	       "pop_many when closed and drained: 0");
	ring_mpsc__close(&r);
	ok(ring_mpsc__closed(&r) && ring_mpsc__pop(&r, &v) == -EPIPE,
	   "close is idempotent");
	ring_mpsc__destroy(&r);
}

struct one_thread {
	struct ring_mpsc *r;
	uint32_t val;		/* in for push, out for pop */
	int rc;
	atomic_int popped;	/* the main thread may poll it */
	atomic_bool started, done;
};

/* Let a thread get into its blocking call, then give it time to block. */
static void let_block(struct one_thread *t)
{
	while (!atomic_load(&t->started))
		sleep_ms(1);
	sleep_ms(BLOCK_MS);
}

static void *push_one(void *arg)
{
	struct one_thread *t = arg;

	atomic_store(&t->started, true);
	t->rc = ring_mpsc__push(t->r, &t->val);
	atomic_store(&t->done, true);
	return NULL;
}

static void *pop_one(void *arg)
{
	struct one_thread *t = arg;

	atomic_store(&t->started, true);
	t->rc = ring_mpsc__pop(t->r, &t->val);
	atomic_store(&t->done, true);
	return NULL;
}

/* Pops until an error; val is the last value popped. */
static void *pop_all(void *arg)
{
	struct one_thread *t = arg;
	uint32_t v;

	atomic_store(&t->started, true);
	while ((t->rc = ring_mpsc__pop(t->r, &v)) == 0) {
		t->val = v;
		atomic_fetch_add(&t->popped, 1);
	}
	atomic_store(&t->done, true);
	return NULL;
}

/* A consumer blocks on empty until a push, then until close. */
static void test_block_consumer(void)
{
	struct ring_mpsc r;
	struct ring_mpsc_stats st;
	struct one_thread t = { .r = &r };
	uint32_t slots[4], v = 42;
	pthread_t tid;

	ring_mpsc__init(&r, slots, 4, sizeof(v));
	pthread_create(&tid, NULL, pop_one, &t);
	let_block(&t);
	ok(!atomic_load(&t.done), "pop blocks on an empty ring");
	ring_mpsc__push(&r, &v);
	join_or_bail(tid, "consumer woken by push");
	ok(t.rc == 0 && t.val == 42,
	   "a push wakes the blocked consumer with the element");
	ring_mpsc__stats(&r, &st);
	ok(st.pop_blocks >= 1 && st.pop_blocked_ns > 0,
	   "stats: pop_blocks %llu, pop_blocked_ns %llu after a forced block",
	   (unsigned long long)st.pop_blocks,
	   (unsigned long long)st.pop_blocked_ns);

	memset(&t, 0, sizeof(t));
	t.r = &r;
	pthread_create(&tid, NULL, pop_all, &t);
	for (v = 1; v <= 2; v++)
		ring_mpsc__push(&r, &v);
	let_block(&t);
	ok(!atomic_load(&t.done), "consumer blocks again after draining");
	ring_mpsc__close(&r);
	join_or_bail(tid, "consumer woken by close");
	ok(t.rc == -EPIPE && t.popped == 2 && t.val == 2,
	   "close wakes the blocked consumer: 2 popped, then -EPIPE");
	ring_mpsc__destroy(&r);
}

/* Waits up to JOIN_TIMEOUT_S for t to have popped n; false if it did not. */
static bool popped_by(struct one_thread *t, int n)
{
	double end = now_s() + JOIN_TIMEOUT_S;

	while (atomic_load(&t->popped) < n && now_s() < end)
		sleep_ms(1);
	return atomic_load(&t->popped) >= n;
}

struct many_args {
	struct ring_mpsc *r;
	const uint32_t *v;
	size_t n;
	int rc;
};

static void *push_many_args(void *arg)
{
	struct many_args *m = arg;

	m->rc = ring_mpsc__push_many(m->r, m->v, m->n);
	return NULL;
}

/* An 8-slot ring r with wake batch batch, and a pop_all thread on it (*t,
 * zeroed here) asleep on it: the thread's id. */
static pthread_t asleep_on(struct ring_mpsc *r, uint32_t *slots, size_t batch, struct one_thread *t)
{
	pthread_t tid;

	memset(t, 0, sizeof(*t));
	t->r = r;
	ring_mpsc__init(r, slots, 8, sizeof(slots[0]));
	ring_mpsc__set_wake_batch(r, batch);
	pthread_create(&tid, NULL, pop_all, t);
	let_block(t);
	return tid;
}

/* Pushes v[0..n), waits BLOCK_MS: how many t has popped by then. */
static int push_then_popped(struct ring_mpsc *r, const uint32_t *v, size_t n, struct one_thread *t)
{
	ring_mpsc__push_many(r, v, n);
	sleep_ms(BLOCK_MS);
	return atomic_load(&t->popped);
}

/* A wake batch: a sleeping consumer is woken once that many wait (or the
 * ring is full), at a flush, or at close; not before. */
static void test_wake_batch(void)
{
	struct ring_mpsc r;
	struct one_thread t;
	uint32_t slots[8], v[16];
	pthread_t tid;
	int seen;

	for (uint32_t i = 0; i < 16; i++)
		v[i] = i;
	tid = asleep_on(&r, slots, 4, &t);
	seen = push_then_popped(&r, v, 3, &t);
	ok(seen == 0, "3 elements below a wake batch of 4 leave the sleeping consumer asleep (popped %d)", seen);
	ring_mpsc__push(&r, &v[3]);
	ok(popped_by(&t, 4), "the 4th element wakes it: all 4 popped");
	let_block(&t);
	seen = push_then_popped(&r, &v[4], 1, &t);
	ok(seen == 4, "asleep again, one more element does not wake it (popped %d)", seen);
	ring_mpsc__flush(&r);
	ok(popped_by(&t, 5), "ring_mpsc__flush wakes it: the 5th popped");
	ring_mpsc__flush(&r);	/* nobody may be asleep: a no-op */
	let_block(&t);
	ring_mpsc__push(&r, &v[5]);
	ring_mpsc__close(&r);
	join_or_bail(tid, "consumer woken by close below the wake batch");
	ok(t.rc == -EPIPE && t.popped == 6 && t.val == 5, "close wakes it: 6 popped, the last 5, then -EPIPE");
	ring_mpsc__destroy(&r);

	/* capped at the capacity: a full ring always wakes the consumer */
	tid = asleep_on(&r, slots, 1000, &t);
	seen = push_then_popped(&r, v, 7, &t);
	ok(seen == 0, "a wake batch of 1000 on 8 slots: 7 elements do not wake (popped %d)", seen);
	/* the rest from a thread: it fills the ring, then waits for room */
	struct many_args m = { &r, v + 7, 9, -1 };
	pthread_t ptid;

	pthread_create(&ptid, NULL, push_many_args, &m);
	ok(popped_by(&t, 8), "the ring full wakes it (the batch is capped at 8): the first 8 popped");
	/* the producer waits for room and ends; whether its last commits fill
	 * the ring again depends on how the consumer's pops interleave with
	 * them, so what is left waits for a flush (as a reader's end does) */
	join_or_bail(ptid, "producer of the capped batch");
	ring_mpsc__flush(&r);
	ok(m.rc == 0 && popped_by(&t, 16), "the producer, waiting for room, ends; after a flush all 16 popped");
	ring_mpsc__close(&r);
	join_or_bail(tid, "consumer of the capped batch");
	ok(t.rc == -EPIPE && t.val == 15, "... in order, the last 15");
	ring_mpsc__destroy(&r);
}

/* A producer blocks on full until a pop, then until close. */
static void test_block_producer(void)
{
	struct ring_mpsc r;
	struct ring_mpsc_stats st;
	struct one_thread t = { .r = &r, .val = 3 };
	uint32_t slots[2], v, a = 0, b = 0, c = 0;
	pthread_t tid;

	ring_mpsc__init(&r, slots, 2, sizeof(v));
	for (v = 1; v <= 2; v++)
		ring_mpsc__push(&r, &v);
	pthread_create(&tid, NULL, push_one, &t);
	let_block(&t);
	ok(!atomic_load(&t.done), "push blocks on a full ring");
	ring_mpsc__pop(&r, &a);
	join_or_bail(tid, "producer woken by pop");
	ok(t.rc == 0,
	   "a pop wakes the blocked producer");
	ring_mpsc__pop(&r, &b);
	ring_mpsc__pop(&r, &c);
	ok(a == 1 && b == 2 && c == 3, "order kept across the block");
	ring_mpsc__stats(&r, &st);
	ok(st.push_blocks >= 1 && st.push_blocked_ns > 0,
	   "stats: push_blocks %llu, push_blocked_ns %llu after a forced block",
	   (unsigned long long)st.push_blocks,
	   (unsigned long long)st.push_blocked_ns);

	for (v = 4; v <= 5; v++)
		ring_mpsc__push(&r, &v);
	memset(&t, 0, sizeof(t));
	t.r = &r;
	t.val = 6;
	pthread_create(&tid, NULL, push_one, &t);
	let_block(&t);
	ok(!atomic_load(&t.done), "push blocks on a full ring again");
	ring_mpsc__close(&r);
	join_or_bail(tid, "producer woken by close");
	ok(t.rc == -EPIPE,
	   "close wakes the blocked producer with -EPIPE");
	ok(ring_mpsc__pop(&r, &a) == 0 && ring_mpsc__pop(&r, &b) == 0 &&
	   a == 4 && b == 5 && ring_mpsc__pop(&r, &c) == -EPIPE,
	   "after close the consumer drains 4, 5; the refused 6 is absent");
	ring_mpsc__destroy(&r);
}

#define MANY 1000

struct many_thread {
	struct ring_mpsc *r;
	uint32_t src[MANY];
	int rc;
};

static void *push_many_thread(void *arg)
{
	struct many_thread *t = arg;

	t->rc = ring_mpsc__push_many(t->r, t->src, MANY);
	return NULL;
}

static void test_many(void)
{
	static struct many_thread t;
	struct ring_mpsc r;
	uint32_t slots[8], buf[300];
	size_t got, total = 0, i, max_got = 0, min_got = MANY;
	pthread_t tid;
	int order = 1;

	ring_mpsc__init(&r, slots, 8, sizeof(buf[0]));
	t.r = &r;
	for (i = 0; i < MANY; i++)
		t.src[i] = (uint32_t)i * 7 + 1;
	pthread_create(&tid, NULL, push_many_thread, &t);
	while (total < MANY) {
		got = ring_mpsc__pop_many(&r, buf, 300);
		if (!got)
			break;
		max_got = got > max_got ? got : max_got;
		min_got = got < min_got ? got : min_got;
		for (i = 0; i < got; i++)
			order &= buf[i] == (total + i) * 7 + 1;
		total += got;
	}
	join_or_bail(tid, "push_many producer");
	ok(t.rc == 0,
	   "push_many of %d through capacity 8 returns 0", MANY);
	is_int(total, MANY, "pop_many(max 300) receives all %d", MANY);
	ok(order, "push_many/pop_many keep order");
	ok(min_got >= 1 && max_got <= 8, "each pop_many returned 1..8 (%zu..%zu)",
	   min_got, max_got);

	/* Batches that wrap around the end of the slot array. */
	for (i = 0; i < 6; i++)
		ring_mpsc__push(&r, &t.src[i]);
	got = ring_mpsc__pop_many(&r, buf, 300);
	is_int(ring_mpsc__push_many(&r, t.src, 7), 0, "push_many 7 at head 6");
	got = ring_mpsc__pop_many(&r, buf, 3);
	got += ring_mpsc__pop_many(&r, buf + 3, 300);
	ok(got == 7 && !memcmp(buf, t.src, 7 * sizeof(buf[0])),
	   "wrapped batch popped as 3 + 4, contents intact");
	ring_mpsc__close(&r);
	is_int(ring_mpsc__pop_many(&r, buf, 300), 0,
	       "pop_many after close and drain: 0");
	ring_mpsc__destroy(&r);
}

/* push_parts: the runs arrive concatenated, in order, whether the message
 * fits (one round, wrapping the slot array) or takes many rounds through a
 * ring smaller than it, with empty runs anywhere. */
struct parts_thread {
	struct ring_mpsc *r;
	uint32_t src[MANY];
	int rc;
};

static void *push_parts_thread(void *arg)
{
	struct parts_thread *t = arg;
	struct ring_mpsc_part parts[] = {
		{ t->src, 1 }, { NULL, 0 }, { t->src + 1, MANY / 2 }, { t->src + 1 + MANY / 2, MANY - 1 - MANY / 2 },
		{ NULL, 0 },
	};

	t->rc = ring_mpsc__push_parts(t->r, parts, sizeof(parts) / sizeof(parts[0]));
	return NULL;
}

static void test_parts(void)
{
	static struct parts_thread t;
	struct ring_mpsc r;
	uint32_t slots[8], buf[300], a[3] = { 11, 12, 13 }, b[2] = { 21, 22 }, c = 31;
	uint32_t want[6] = { 11, 12, 13, 21, 22, 31 };
	struct ring_mpsc_part one[] = { { a, 3 }, { NULL, 0 }, { b, 2 }, { &c, 1 } }, none[] = { { NULL, 0 } };
	size_t got, total = 0, i;
	pthread_t tid;
	int order = 1;

	ring_mpsc__init(&r, slots, 8, sizeof(buf[0]));
	for (i = 0; i < 6; i++)
		ring_mpsc__push(&r, &c);
	ring_mpsc__pop_many(&r, buf, 300);
	is_int(ring_mpsc__push_parts(&r, one, 4), 0, "push_parts 3+0+2+1 at head 6 (wraps)");
	got = ring_mpsc__pop_many(&r, buf, 300);
	ok(got == 6 && !memcmp(buf, want, sizeof(want)), "push_parts: the runs concatenated in order (%zu)", got);
	is_int(ring_mpsc__push_parts(&r, none, 1), 0, "push_parts of empty runs: 0, nothing queued");
	ok(!ring_mpsc__try_pop(&r, buf), "nothing to pop after empty runs");

	t.r = &r;
	for (i = 0; i < MANY; i++)
		t.src[i] = (uint32_t)i * 5 + 3;
	pthread_create(&tid, NULL, push_parts_thread, &t);
	while (total < MANY && (got = ring_mpsc__pop_many(&r, buf, 300)) != 0) {
		for (i = 0; i < got; i++)
			order &= buf[i] == (total + i) * 5 + 3;
		total += got;
	}
	join_or_bail(tid, "push_parts producer");
	ok(t.rc == 0 && total == MANY && order, "push_parts of %d in 5 runs through capacity 8: all, in order",
	   MANY);
	ring_mpsc__close(&r);
	is_int(ring_mpsc__push_parts(&r, one, 4), -EPIPE, "push_parts after close: -EPIPE");
	is_int(ring_mpsc__push_parts(&r, none, 1), -EPIPE, "push_parts of empty runs after close: -EPIPE");
	ring_mpsc__destroy(&r);
}

/* A record about the size of the pipeline's. */
struct rec {
	uint32_t prod;
	uint32_t check;
	uint64_t seq;
	uint64_t pad[3];
};

static uint32_t rec_check(uint32_t prod, uint64_t seq)
{
	return (uint32_t)(seq * 2654435761u) ^ (prod << 28);
}

struct stress {
	struct ring_mpsc *r;
	uint64_t per;
	atomic_int running;
};

struct producer {
	struct stress *s;
	uint32_t id;
	int rc;
};

static void rec_fill(struct rec *e, uint32_t prod, uint64_t seq)
{
	e->prod = prod;
	e->seq = seq;
	e->check = rec_check(prod, seq);
	e->pad[0] = e->pad[1] = e->pad[2] = ~seq;
}

/* Producer 0 pushes one by one, 1 tries first, 2 and 3 push batches. */
static void *producer(void *arg)
{
	struct producer *p = arg;
	struct stress *s = p->s;
	struct rec batch[32];
	uint64_t seq = 0;
	size_t n, i;

	while (seq < s->per && !p->rc) {
		n = p->id >= 2 ? 1 + (seq * 7 + p->id) % 32 : 1;
		if (n > s->per - seq)
			n = s->per - seq;
		for (i = 0; i < n; i++)
			rec_fill(&batch[i], p->id, seq + i);
		if (p->id == 1 && ring_mpsc__try_push(s->r, batch))
			p->rc = 0;
		else if (n == 1 && p->id != 3)
			p->rc = ring_mpsc__push(s->r, batch);
		else
			p->rc = ring_mpsc__push_many(s->r, batch, n);
		seq += n;
	}
	/* The last producer out closes the ring. */
	if (atomic_fetch_sub(&s->running, 1) == 1)
		ring_mpsc__close(s->r);
	return NULL;
}

struct verdict {
	struct ring_mpsc *r;
	uint64_t total, next[NPROD];
	uint64_t bad_order, bad_data;
};

static void *consumer(void *arg)
{
	struct verdict *v = arg;
	struct ring_mpsc *r = v->r;
	struct rec buf[64];
	size_t got, i;
	const struct rec *e;

	for (;;) {
		if (v->total % 3 == 0)
			got = ring_mpsc__pop(r, buf) ? 0 : 1;
		else
			got = ring_mpsc__pop_many(r, buf, 64);
		if (!got)
			break;
		for (i = 0; i < got; i++) {
			e = &buf[i];
			if (e->prod >= NPROD || e->check != rec_check(e->prod, e->seq) ||
			    e->pad[0] != ~e->seq || e->pad[2] != ~e->seq) {
				v->bad_data++;
				continue;
			}
			if (e->seq != v->next[e->prod])
				v->bad_order++;
			v->next[e->prod] = e->seq + 1;
		}
		v->total += got;
	}
	return NULL;
}

static void test_stress(size_t cap, uint64_t per, size_t wake_batch)
{
	static struct rec slots[64];
	struct stress s = { .per = per };
	struct producer p[NPROD];
	struct verdict v = { 0 };
	struct ring_mpsc_stats st;
	struct ring_mpsc r;
	pthread_t tid[NPROD], ctid;
	double t0 = now_s();
	int i, rcs = 0, counts = 1;

	ring_mpsc__init(&r, slots, cap, sizeof(slots[0]));
	ring_mpsc__set_wake_batch(&r, wake_batch);
	s.r = &r;
	v.r = &r;
	atomic_store(&s.running, NPROD);
	pthread_create(&ctid, NULL, consumer, &v);
	for (i = 0; i < NPROD; i++) {
		p[i] = (struct producer){ .s = &s, .id = (uint32_t)i };
		pthread_create(&tid[i], NULL, producer, &p[i]);
	}
	join_or_bail(ctid, "stress consumer");
	for (i = 0; i < NPROD; i++) {
		join_or_bail(tid[i], "stress producer");
		rcs |= p[i].rc;
		counts &= v.next[i] == per;
	}
	ring_mpsc__stats(&r, &st);
	diag("stress capacity %zu, wake batch %zu: %d x %llu in %.3f s; push_blocks %llu "
	     "(%.1f ms), pop_blocks %llu (%.1f ms), high_water %zu",
	     cap, wake_batch, NPROD, (unsigned long long)per, now_s() - t0,
	     (unsigned long long)st.push_blocks, st.push_blocked_ns / 1e6,
	     (unsigned long long)st.pop_blocks, st.pop_blocked_ns / 1e6,
	     st.high_water);
	is_int(rcs, 0, "cap %zu: every push returns 0", cap);
	is_int(v.bad_data, 0, "cap %zu: no torn or foreign records", cap);
	is_int(v.bad_order, 0,
	       "cap %zu: per-producer sequence strictly +1 (no loss, no dup)",
	       cap);
	ok(counts, "cap %zu: every producer's last seq is %llu", cap,
	   (unsigned long long)per - 1);
	is_int(v.total, NPROD * per, "cap %zu: total popped", cap);
	ok(st.pushed == NPROD * per && st.popped == NPROD * per &&
	   st.high_water >= 1 && st.high_water <= cap,
	   "cap %zu: stats pushed = popped = total, 1 <= high_water <= cap",
	   cap);
	ring_mpsc__destroy(&r);
}

int main(void)
{
	/* Last resort if a wait never ends outside a timed join. */
	alarm(UNDER_TSAN ? 300 : 60);
	test_init();
	test_fifo();
	test_full_empty();
	test_stats_counts();
	test_close_drain();
	test_block_consumer();
	test_block_producer();
	test_many();
	test_parts();
	test_wake_batch();
	test_stress(64, PER_PROD, 0);
	test_stress(2, PER_PROD_CAP2, 0);
	test_stress(64, PER_PROD, 32);
	test_stress(2, PER_PROD_CAP2, 2);
	done_testing();
	return exit_status();
}
