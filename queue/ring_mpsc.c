/* queue/ring_mpsc.c: see ring_mpsc.h for the contract and the design.
 *
 * Orderings in one place (each is also commented where it happens):
 *  - slot contents travel producer -> consumer by commit: the producer's
 *    memcpy, then its store of commit (seq_cst, hence release); the
 *    consumer's acquire load of commit, then its memcpy.
 *  - slots travel back consumer -> producer by head: the consumer's memcpy
 *    out, then its store of head (seq_cst, hence release); the producer's
 *    acquire load of head, then its memcpy in.
 *  - commits are chained: a producer loads commit with acquire before it
 *    stores its own, so the consumer acquiring the last commit also sees
 *    the slots of every earlier producer.
 *  - sleeping and waking is a Dekker handshake on seq_cst operations, see
 *    ring__sleep.  We use seq_cst loads/stores/RMWs there rather than
 *    atomic_thread_fence: on x86 they cost the same, and ThreadSanitizer
 *    does not model fences (GCC rejects them under -fsanitize=thread).
 */
#include "queue/ring_mpsc.h"

#include <errno.h>
#include <limits.h>
#include <linux/futex.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#define RING_CLOSED	(UINT64_C(1) << 63)
/* Checks before sleeping: a few microseconds, about one memcpy of a batch
 * by the other side, which is what we usually wait for.
 */
#define RING_SPINS	128

static inline void ring__cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
	__builtin_ia32_pause();
#elif defined(__aarch64__)
	__asm__ __volatile__("yield" ::: "memory");
#else
	__asm__ __volatile__("" ::: "memory");
#endif
}

void (*ring_mpsc_wait_hook)(bool push, uint64_t t0, uint64_t t1);

static uint64_t ring__now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* EAGAIN (the word changed), EINTR and spurious wake-ups just return:
 * every caller re-checks its condition in a loop.
 */
static void ring__futex_wait(_Atomic uint32_t *word, uint32_t val)
{
	syscall(SYS_futex, (uint32_t *)word, FUTEX_WAIT_PRIVATE, val,
		NULL, NULL, 0);
}

static void ring__futex_wake(_Atomic uint32_t *word, int n)
{
	syscall(SYS_futex, (uint32_t *)word, FUTEX_WAKE_PRIVATE, n,
		NULL, NULL, 0);
}

/*
 * Conditions to sleep on.  They read shared state with seq_cst loads: they
 * are the W3 step of ring__sleep.  Each returns true when the caller has
 * something to do, not only when its operation will succeed.
 */

/* A producer: a slot is free, or the ring is closed. */
static bool ring__has_room(struct ring_mpsc *r, uint64_t unused)
{
	uint64_t head, res;

	(void)unused;
	/* head first: reserve, loaded after, is then >= head (ring__reserve) */
	head = atomic_load(&r->head);
	res = atomic_load(&r->reserve);
	return (res & RING_CLOSED) || res - head <= r->mask;
}

/* The consumer at head: the ring is closed and everything was popped. */
static bool ring__drained(struct ring_mpsc *r, uint64_t head)
{
	uint64_t res = atomic_load(&r->reserve);

	/* Once closed, reserve never changes: it is the final count. */
	return (res & RING_CLOSED) && (res & ~RING_CLOSED) == head;
}

/* The consumer at head: an element is published, or drained. */
static bool ring__has_data(struct ring_mpsc *r, uint64_t head)
{
	return atomic_load(&r->commit) != head || ring__drained(r, head);
}

/* A producer holding [pos, ...): every earlier reservation is committed. */
static bool ring__my_turn(struct ring_mpsc *r, uint64_t pos)
{
	return atomic_load(&r->commit) == pos;
}

/*
 * Sleep on q until ready(r, arg) may have become true.  May return early;
 * callers loop.
 *
 * Why no wake-up is lost.  The waiter does
 *   W1 q->waiters += 1 (seq_cst RMW)
 *   W2 v = q->futex (acquire)
 *   W3 ready()? (seq_cst loads)
 *   W4 futex_wait(&q->futex, v)
 * and the waker, after making the condition true, does (ring__wake)
 *   K1 store the state ready() reads (seq_cst store or RMW)
 *   K2 load q->waiters (seq_cst)
 *   K3 q->futex += 1 (release)
 *   K4 futex_wake(&q->futex)
 * W1, W3, K1 and K2 are seq_cst, so they sit in one total order S that
 * agrees with program order.  If K2 precedes W1 in S, then K1 precedes W3,
 * and W3 sees the new state: the waiter does not sleep.  Otherwise K2 sees
 * the waiter counted, and the waker does K3 and K4.  If W2 read K3's value,
 * K3 (release) synchronizes with W2 (acquire), K1 happens before W3, and W3
 * sees the new state.  If W2 read an older value, the word no longer equals
 * v after K3; the kernel compares it under the futex bucket lock that K4
 * also takes, so W4 either returns at once or is queued before K4 and is
 * woken by it.
 */
static void ring__sleep(struct ring_mpsc *r, struct ring_mpsc_waitq *q,
			bool (*ready)(struct ring_mpsc *, uint64_t),
			uint64_t arg)
{
	uint32_t v;

	atomic_fetch_add(&q->waiters, 1);			/* W1 */
	v = atomic_load_explicit(&q->futex, memory_order_acquire); /* W2 */
	if (!ready(r, arg))					/* W3 */
		ring__futex_wait(&q->futex, v);			/* W4 */
	/* relaxed: the count only decides whether wakers make the system
	 * call; one that still sees us counted makes a needless one.
	 */
	atomic_fetch_sub_explicit(&q->waiters, 1, memory_order_relaxed);
}

/* K2..K4 of ring__sleep; call after the seq_cst store (K1). */
static void ring__wake(struct ring_mpsc_waitq *q, int n)
{
	if (!atomic_load(&q->waiters))				/* K2 */
		return;
	atomic_fetch_add_explicit(&q->futex, 1, memory_order_release); /* K3 */
	ring__futex_wake(&q->futex, n);				/* K4 */
}

/* ring__wake for the consumer after a commit up to commit (K1), unless it
 * is owed less than the wake batch.  head is read only when the consumer is
 * counted as a waiter: it then wrote head before W1, which our load of the
 * count saw, so the value read is the head it sleeps with (it writes none
 * while it sleeps).  A consumer that had already left sees commit != head
 * at its next W3. */
static void ring__wake_data(struct ring_mpsc *r, uint64_t commit)
{
	if (r->wake_batch && atomic_load(&r->data.waiters) && commit - atomic_load(&r->head) < r->wake_batch)
		return;
	ring__wake(&r->data, 1);
}

/* Spin a bounded time, then sleep, until ready(r, arg). */
static void ring__wait(struct ring_mpsc *r, struct ring_mpsc_waitq *q,
		       bool (*ready)(struct ring_mpsc *, uint64_t),
		       uint64_t arg)
{
	unsigned int spins;

	for (spins = 0; !ready(r, arg); spins++) {
		if (spins < RING_SPINS)
			ring__cpu_relax();
		else
			ring__sleep(r, q, ready, arg);
	}
}

int ring_mpsc__init(struct ring_mpsc *r, void *slots, size_t capacity,
		    size_t elem_size)
{
	/* All-zero bytes are a valid value of every atomic field here. */
	memset(r, 0, sizeof(*r));
	if (!slots || !elem_size || capacity < 2 ||
	    (capacity & (capacity - 1)) || capacity > SIZE_MAX / elem_size ||
	    capacity > LONG_MAX)	/* ring__reserve returns counts as long */
		return -EINVAL;
	r->slots = slots;
	r->mask = capacity - 1;
	r->elem_size = elem_size;
	return 0;
}

/* Capped at the capacity: a producer waits for room only when the ring is
 * full by reservations, and those before it all commit (none waits for room
 * holding one), so commit - head reaches the capacity and wakes a sleeping
 * consumer. */
void ring_mpsc__set_wake_batch(struct ring_mpsc *r, size_t n)
{
	r->wake_batch = n > r->mask + 1 ? r->mask + 1 : n;
}

void ring_mpsc__flush(struct ring_mpsc *r)
{
	/* K2..K4 after the caller's commits (each a seq_cst store, K1) */
	ring__wake(&r->data, 1);
}

void ring_mpsc__destroy(struct ring_mpsc *r)
{
	memset(r, 0, sizeof(*r));
}

/*
 * Claim up to n (>= 1) free slots with one CAS.  Returns how many, with the
 * first position in *pos; 0 if the ring is full; -EPIPE if it is closed.
 */
static long ring__reserve(struct ring_mpsc *r, size_t n, uint64_t *pos)
{
	uint64_t head, res, used;
	bool reloaded = false;
	size_t k;

	/* acquire: pairs with the consumer's store of head; our memcpy into
	 * the slots it freed must come after its memcpy out of them.
	 */
	head = atomic_load_explicit(&r->head, memory_order_acquire);
	/* relaxed: the CAS checks it.  Loaded after head, and every
	 * reservation below head happens before that head store, so res >=
	 * head; a failed CAS only makes res newer, so that stays true.
	 */
	res = atomic_load_explicit(&r->reserve, memory_order_relaxed);
	for (;;) {
		if (res & RING_CLOSED)
			return -EPIPE;
		used = res - head;
		if (used > r->mask) {
			/* Full as far as a stale head tells: look once more. */
			if (reloaded)
				return 0;
			reloaded = true;
			head = atomic_load_explicit(&r->head,
						    memory_order_acquire);
			res = atomic_load_explicit(&r->reserve,
						   memory_order_relaxed);
			continue;
		}
		k = r->mask + 1 - used;
		if (k > n)
			k = n;
		/* relaxed: reserve orders nothing but itself; the slots are
		 * ordered by head (above) and commit (ring__commit).
		 */
		if (atomic_compare_exchange_weak_explicit(&r->reserve, &res,
							  res + k,
							  memory_order_relaxed,
							  memory_order_relaxed))
			break;
	}
	*pos = res;
	return (long)k;
}

static void ring__copy_in(struct ring_mpsc *r, uint64_t pos, const void *src,
			  size_t k)
{
	size_t idx = pos & r->mask, first = r->mask + 1 - idx;
	size_t es = r->elem_size;

	if (first > k)
		first = k;
	memcpy(r->slots + idx * es, src, first * es);
	memcpy(r->slots, (const unsigned char *)src + first * es,
	       (k - first) * es);
}

static void ring__copy_out(struct ring_mpsc *r, uint64_t pos, void *dst,
			   size_t k)
{
	size_t idx = pos & r->mask, first = r->mask + 1 - idx;
	size_t es = r->elem_size;

	if (first > k)
		first = k;
	memcpy(dst, r->slots + idx * es, first * es);
	memcpy((unsigned char *)dst + first * es, r->slots, (k - first) * es);
}

/* Publish [pos, pos + k), already filled, once everything before it is. */
static void ring__commit(struct ring_mpsc *r, uint64_t pos, size_t k)
{
	/* acquire (here, or the seq_cst load in ring__my_turn): the earlier
	 * producer's slot writes must happen before our store below, so that
	 * a consumer reading our value sees them too; a plain store ends
	 * their release sequence, so the chain has to go through us.
	 */
	if (atomic_load_explicit(&r->commit, memory_order_acquire) != pos)
		ring__wait(r, &r->turn, ring__my_turn, pos);
	/* seq_cst: a release for the slots we filled (the consumer acquires
	 * commit), and K1 of ring__sleep for the data and turn waiters.
	 */
	atomic_store(&r->commit, pos + k);
	ring__wake_data(r, pos + k);
	/* Every waiter waits for a different pos: wake them all. */
	ring__wake(&r->turn, INT_MAX);
}

/* Producer slow path: wait until a slot may be free or the ring closed. */
static void ring__wait_room(struct ring_mpsc *r)
{
	uint64_t t0 = ring__now_ns(), t1;

	ring__wait(r, &r->room, ring__has_room, 0);
	t1 = ring__now_ns();
	if (ring_mpsc_wait_hook)
		ring_mpsc_wait_hook(true, t0, t1);
	/* relaxed: statistics only. */
	atomic_fetch_add_explicit(&r->push_blocked_ns, t1 - t0,
				  memory_order_relaxed);
	atomic_fetch_add_explicit(&r->push_blocks, 1, memory_order_relaxed);
}

bool ring_mpsc__try_push(struct ring_mpsc *r, const void *elem)
{
	uint64_t pos;

	if (ring__reserve(r, 1, &pos) <= 0)
		return false;
	ring__copy_in(r, pos, elem, 1);
	ring__commit(r, pos, 1);
	return true;
}

int ring_mpsc__push(struct ring_mpsc *r, const void *elem)
{
	return ring_mpsc__push_many(r, elem, 1);
}

/* Copy k elements of the concatenation of parts, from element *at of part
 * *part on, into the slots from pos; moves (*part, *at) past them. */
static void ring__copy_in_parts(struct ring_mpsc *r, uint64_t pos, const struct ring_mpsc_part *parts,
				size_t *part, size_t *at, size_t k)
{
	while (k) {
		size_t left = parts[*part].n - *at, take = left < k ? left : k;

		if (!left) {
			++*part;
			*at = 0;
			continue;
		}
		ring__copy_in(r, pos, (const unsigned char *)parts[*part].elems + *at * r->elem_size, take);
		pos += take;
		*at += take;
		k -= take;
	}
}

int ring_mpsc__push_parts(struct ring_mpsc *r, const struct ring_mpsc_part *parts, size_t nparts)
{
	size_t n = 0, part = 0, at = 0;
	uint64_t pos;
	long k;

	for (size_t i = 0; i < nparts; i++)
		n += parts[i].n;
	if (!n)
		return ring_mpsc__closed(r) ? -EPIPE : 0;
	while (n) {
		k = ring__reserve(r, n, &pos);
		if (k < 0)
			return (int)k;
		if (k == 0) {
			ring__wait_room(r);
			continue;
		}
		/* Never wait for room while holding a reservation: the
		 * consumer could be waiting for our commit.
		 */
		ring__copy_in_parts(r, pos, parts, &part, &at, (size_t)k);
		ring__commit(r, pos, (size_t)k);
		n -= (size_t)k;
	}
	return 0;
}

int ring_mpsc__push_many(struct ring_mpsc *r, const void *elems, size_t n)
{
	struct ring_mpsc_part one = { elems, n };

	return ring_mpsc__push_parts(r, &one, 1);
}

/* Consumer: copy out up to max published elements; 0 if none is. */
static size_t ring__take(struct ring_mpsc *r, void *out, size_t max)
{
	/* relaxed: only this thread writes head. */
	uint64_t head = atomic_load_explicit(&r->head, memory_order_relaxed);
	/* acquire: pairs with the producers' store of commit; the slots
	 * below it are filled and their contents visible to us.
	 */
	uint64_t avail = atomic_load_explicit(&r->commit,
					      memory_order_acquire) - head;
	size_t k;

	if (!avail)
		return 0;
	/* relaxed: statistics, written by this thread only. */
	if (avail > atomic_load_explicit(&r->high_water, memory_order_relaxed))
		atomic_store_explicit(&r->high_water, (size_t)avail,
				      memory_order_relaxed);
	k = avail < max ? (size_t)avail : max;
	ring__copy_out(r, head, out, k);
	/* seq_cst: a release, so producers acquiring the new head write the
	 * freed slots after our memcpy; and K1 of ring__sleep for the room
	 * waiters.
	 */
	atomic_store(&r->head, head + k);
	/*
	 * Wake one sleeping producer per freed slot.  A woken producer either
	 * reserves a slot or finds the ring full again, so a free slot never
	 * outlives every wake-up meant for it, and later frees wake more.
	 */
	ring__wake(&r->room, k > INT_MAX ? INT_MAX : (int)k);
	return k;
}

bool ring_mpsc__try_pop(struct ring_mpsc *r, void *out)
{
	return ring__take(r, out, 1) == 1;
}

int ring_mpsc__pop(struct ring_mpsc *r, void *out)
{
	return ring_mpsc__pop_many(r, out, 1) ? 0 : -EPIPE;
}

size_t ring_mpsc__pop_many(struct ring_mpsc *r, void *out, size_t max)
{
	uint64_t head, t0 = 0;
	size_t k;

	if (!max)
		return 0;
	for (;;) {
		k = ring__take(r, out, max);
		if (k)
			break;
		/* relaxed: only this thread writes head. */
		head = atomic_load_explicit(&r->head, memory_order_relaxed);
		if (ring__drained(r, head))
			break;
		if (!t0)
			t0 = ring__now_ns();
		ring__wait(r, &r->data, ring__has_data, head);
	}
	if (t0) {
		uint64_t t1 = ring__now_ns();

		if (ring_mpsc_wait_hook)
			ring_mpsc_wait_hook(false, t0, t1);
		/* relaxed: statistics only. */
		atomic_fetch_add_explicit(&r->pop_blocked_ns, t1 - t0,
					  memory_order_relaxed);
		atomic_fetch_add_explicit(&r->pop_blocks, 1,
					  memory_order_relaxed);
	}
	return k;
}

void ring_mpsc__close(struct ring_mpsc *r)
{
	/* seq_cst RMW: every CAS in ring__reserve compares the whole word, so
	 * none succeeds after this and reserve is final; it is also K1 of
	 * ring__sleep for the room and data waiters, whose conditions read
	 * the flag.
	 */
	atomic_fetch_or(&r->reserve, RING_CLOSED);
	ring__wake(&r->room, INT_MAX);
	ring__wake(&r->data, INT_MAX);
}

bool ring_mpsc__closed(const struct ring_mpsc *r)
{
	/* acquire: a caller that sees the flag also sees what the closing
	 * thread did before closing (e.g. recording an error).
	 */
	return atomic_load_explicit(&r->reserve, memory_order_acquire) &
	       RING_CLOSED;
}

void ring_mpsc__stats(const struct ring_mpsc *r, struct ring_mpsc_stats *out)
{
	/* acquire, then reserve: as in ring__reserve, reserve >= head. */
	uint64_t head = atomic_load_explicit(&r->head, memory_order_acquire);
	uint64_t res = atomic_load_explicit(&r->reserve, memory_order_relaxed);
	size_t hw;

	/* relaxed: statistics only; a slightly stale value is fine. */
	hw = atomic_load_explicit(&r->high_water, memory_order_relaxed);
	res &= ~RING_CLOSED;
	/* Elements never popped yet were not seen by the consumer. */
	if (res - head > hw)
		hw = (size_t)(res - head);
	out->pushed = res;
	out->popped = head;
	out->push_blocked_ns = atomic_load_explicit(&r->push_blocked_ns,
						    memory_order_relaxed);
	out->pop_blocked_ns = atomic_load_explicit(&r->pop_blocked_ns,
						   memory_order_relaxed);
	out->push_blocks = atomic_load_explicit(&r->push_blocks,
						memory_order_relaxed);
	out->pop_blocks = atomic_load_explicit(&r->pop_blocks,
					       memory_order_relaxed);
	out->high_water = hw;
	out->capacity = r->slots ? r->mask + 1 : 0;
}
