/*
 * queue/ring_mpsc.h: a bounded multi-producer, single-consumer ring of
 * fixed-size elements copied by value, built on C11 atomics.
 *
 * Synchronization table: may operation A (row) run at the same time as
 * operation B (column) on the same ring?
 *
 *                   push*  pop*   close  closed stats  init/destroy
 *   push*           yes    yes    yes    yes    yes    no
 *   pop*            yes    no     yes    yes    yes    no
 *   close           yes    yes    yes    yes    yes    no
 *   closed          yes    yes    yes    yes    yes    no
 *   stats           yes    yes    yes    yes    yes    no
 *   init/destroy    no     no     no     no     no     no
 *
 *   (ring_mpsc__set_wake_batch counts as init; ring_mpsc__flush as a push)
 *
 *   push*: ring_mpsc__try_push, ring_mpsc__push, ring_mpsc__push_many,
 *          ring_mpsc__push_parts
 *   pop*:  ring_mpsc__try_pop, ring_mpsc__pop, ring_mpsc__pop_many
 *
 * "pop vs pop: no" means there is exactly one consumer at a time: all pop*
 * calls must come from one thread, or be serialized by the caller (a mutex
 * or a hand-off that orders them, such as pthread_join).  Any number of
 * threads may push.  init and destroy run alone: no other call may be in
 * progress or start until init has returned, or after destroy has started.
 *
 * Memory ownership: the caller owns both the struct ring_mpsc (embed it
 * anywhere) and the slot array given to ring_mpsc__init (capacity *
 * elem_size bytes).  The ring never allocates and never frees.  The slot
 * array must stay valid and untouched by the caller until
 * ring_mpsc__destroy.  Elements are copied in and out with memcpy; the ring
 * keeps no pointer to the caller's elements after a call returns, so any
 * pointers inside elements are the caller's business.
 *
 * Design: a reserve/commit pair of counters (positions grow forever, the
 * slot of position p is p & (capacity - 1)):
 *
 *   reserve  next position handed to a producer.  A producer claims k slots
 *            [t, t + k) with one CAS on reserve, after checking against
 *            head that k slots are free.  Bit 63 is the "closed" flag, so
 *            close and reservation are ordered by the same word: once the
 *            flag is set, no reservation can succeed, and reserve is the
 *            final number of elements ever pushed.
 *   commit   all positions below it are filled and visible to the consumer.
 *            After copying into its slots, a producer waits until commit ==
 *            t (earlier reservations published) and stores t + k.  Commits
 *            therefore happen in reservation order; the wait is only as
 *            long as an earlier producer's memcpy, unless it was preempted,
 *            in which case the waiter sleeps on a futex.  That is the price
 *            of this design: a producer descheduled between its CAS and its
 *            commit holds back the commits (not the copies) of later ones.
 *   head     next position the consumer reads.  The consumer takes every
 *            position in [head, commit) it has room for with one acquire
 *            load, copies them out, then stores the new head, which hands
 *            the slots back to producers.
 *
 * The per-slot sequence numbers of Vyukov's queue would let producers
 * publish out of order, but need memory beyond capacity * elem_size, which
 * this API does not have; the reserve/commit pair needs none.
 *
 * Batches amortise: push_many reserves as many slots as are free (up to n)
 * with one CAS and publishes them with one store, and repeats (sleeping when
 * the ring is full) until all n are in; pop_many takes all published slots
 * (up to max) with one load and frees them with one store.
 *
 * Blocking: a push on a full ring, a pop on an empty ring and a commit
 * waiting for its turn spin a short bounded time, then sleep on a futex
 * (one 32-bit word per reason: room, data, turn).  Each futex has a waiter
 * count; the side that makes progress reads the count and only makes the
 * wake-up system call when someone is waiting.  The uncontended fast path
 * of one push_many or pop_many round (any batch that fits in the free space
 * or is available; push, pop and the try_ forms are rounds of one) is:
 *   producer: load head, load reserve, CAS reserve, memcpy, load commit,
 *             store commit (seq_cst), load 2 waiter counts;
 *   consumer: load commit, memcpy, store head (seq_cst), load 1 waiter count
 * (plus loads of its own head and high-water mark, which no one else writes).
 * Why no wake-up is lost is explained at ring__sleep in ring_mpsc.c.  With
 * a wake batch (ring_mpsc__set_wake_batch) a commit wakes a sleeping
 * consumer only once that many elements wait: it then reads head too.
 */
#ifndef BTFSTREAM_QUEUE_RING_MPSC_H
#define BTFSTREAM_QUEUE_RING_MPSC_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct ring_mpsc_stats {
	uint64_t pushed, popped;		/* elements */
	uint64_t push_blocked_ns, pop_blocked_ns; /* time waited on full/empty */
	uint64_t push_blocks, pop_blocks;	/* how many waits on full/empty */
	size_t high_water;			/* max elements queued at once */
	size_t capacity;
};

/* Hot fields are kept at least this far apart so that producers and the
 * consumer do not write to the same cache line, whatever the alignment of
 * the embedding struct (no over-aligned type is used, so malloc is fine).
 */
#define RING_MPSC_CACHELINE 64

/* One reason to sleep: a futex word bumped by every wake-up, and the number
 * of threads that are about to sleep or are sleeping on it.
 */
struct ring_mpsc_waitq {
	_Atomic uint32_t futex;
	_Atomic uint32_t waiters;
};

/* Fields are private; they are public only so that callers can embed the
 * ring.  Use the functions below.
 */
struct ring_mpsc {
	/* Read-only after init (and ring_mpsc__set_wake_batch). */
	unsigned char *slots;
	size_t mask;				/* capacity - 1 */
	size_t elem_size;
	size_t wake_batch;			/* 0: wake the consumer on every commit */
	char pad0[RING_MPSC_CACHELINE];

	/* Written by producers (CAS), read by producers and stats. */
	_Atomic uint64_t reserve;		/* bit 63: closed */
	char pad1[RING_MPSC_CACHELINE];

	/* Written by producers, read by everyone. */
	_Atomic uint64_t commit;
	char pad2[RING_MPSC_CACHELINE];

	/* Written by the consumer only. */
	_Atomic uint64_t head;
	_Atomic size_t high_water;
	_Atomic uint64_t pop_blocked_ns;
	_Atomic uint64_t pop_blocks;
	char pad3[RING_MPSC_CACHELINE];

	/* Written on slow paths only; waiter counts read on fast paths. */
	struct ring_mpsc_waitq room;		/* producers: ring full */
	struct ring_mpsc_waitq data;		/* consumer: ring empty */
	struct ring_mpsc_waitq turn;		/* producers: earlier commit */
	char pad4[RING_MPSC_CACHELINE];

	/* Written by producers on the slow path only. */
	_Atomic uint64_t push_blocked_ns;
	_Atomic uint64_t push_blocks;
};

/*
 * ring_mpsc_wait_hook: if set, called after every wait on a full ring
 * (push, true) or an empty one (pop, false), on the waiting thread, with
 * the wait's start and end (CLOCK_MONOTONIC ns). For a timeline (--trace);
 * set once before any ring is used, by the main thread.
 */
extern void (*ring_mpsc_wait_hook)(bool push, uint64_t t0, uint64_t t1);

/*
 * ring_mpsc__init: make r an empty, open ring over slots.
 * slots: capacity * elem_size bytes owned by the caller, suitably aligned
 * for the element type.  capacity: a power of two >= 2 and <= LONG_MAX.
 * elem_size > 0.
 * Returns 0, or -EINVAL (r is then zeroed).
 * Caller: any thread, with no other operation on r in progress.
 */
int ring_mpsc__init(struct ring_mpsc *r, void *slots, size_t capacity,
		    size_t elem_size);

/*
 * ring_mpsc__set_wake_batch: let a consumer sleeping on the empty ring be
 * woken only once n elements wait for it (n is capped at the capacity, so a
 * full ring always wakes it), at ring_mpsc__flush, or at close;
 * 0 (the default) wakes it on every commit.  For a consumer that is much
 * faster than its producers: each wake-up is a system call on the
 * producer's thread and, on a virtual machine, an interrupt to another CPU
 * (measured at ~20 us in stages/read's hot path), which a batch of n pays
 * once.  The consumer then sees data later, never less of it.
 * A producer that is about to wait for something only the consumer's
 * progress brings must call ring_mpsc__flush first, or both may sleep.
 * Caller: any thread, after init and before the ring is used.
 */
void ring_mpsc__set_wake_batch(struct ring_mpsc *r, size_t n);

/*
 * ring_mpsc__flush: wake the consumer if it sleeps on the empty ring, whatever
 * the wake batch; what is committed is then seen.  A no-op (two loads) when
 * it does not sleep.
 * Caller: any thread (producers).
 */
void ring_mpsc__flush(struct ring_mpsc *r);

/*
 * ring_mpsc__destroy: forget the ring; frees nothing (the ring allocated
 * nothing).  Elements still queued are dropped.  Fine on a zeroed ring.
 * Caller: any thread, once no other thread uses r or will use it.
 */
void ring_mpsc__destroy(struct ring_mpsc *r);

/*
 * ring_mpsc__try_push: copy *elem in if a slot is free.  Returns false if
 * the ring is full or closed.  Never waits for the consumer; may wait
 * briefly for another producer's commit (see the design note above).
 * Caller: any thread (producers).
 */
bool ring_mpsc__try_push(struct ring_mpsc *r, const void *elem);

/*
 * ring_mpsc__push: copy *elem in, sleeping while the ring is full.
 * Returns 0, or -EPIPE if the ring is (or becomes, while waiting) closed;
 * on -EPIPE the element was not queued.
 * Caller: any thread (producers).
 */
int ring_mpsc__push(struct ring_mpsc *r, const void *elem);

/*
 * ring_mpsc__push_many: copy the n elements at elems in, in order, sleeping
 * as needed.  Elements of other producers may be interleaved between them,
 * but this call's elements keep their order.  Returns 0, or -EPIPE if the
 * ring is closed before all n are queued: then a prefix of elems (possibly
 * empty) was queued and will be seen by the consumer, the rest was not.
 * n == 0 returns 0, or -EPIPE if closed.
 * Caller: any thread (producers).
 */
int ring_mpsc__push_many(struct ring_mpsc *r, const void *elems, size_t n);

/* One run of elements for ring_mpsc__push_parts. */
struct ring_mpsc_part {
	const void *elems;
	size_t n;
};

/*
 * ring_mpsc__push_parts: push_many of the concatenation of nparts runs, in
 * order, with as few reservations and commits as the free room allows: a
 * message that fits is published with one commit, so a consumer sleeping
 * on the empty ring is woken once for it, not once per run (a futex
 * wake-up is a system call and, on a virtual machine, an interrupt to
 * another CPU: tens of microseconds).  Other producers' elements may come
 * between rounds, as for push_many.  Returns 0, or -EPIPE as push_many does
 * (a prefix of the concatenation may then have been queued).
 * Caller: any thread (producers).
 */
int ring_mpsc__push_parts(struct ring_mpsc *r, const struct ring_mpsc_part *parts, size_t nparts);

/*
 * ring_mpsc__try_pop: copy the oldest element to *out if one is published.
 * Returns false if none is (empty, or the next one is still being copied in).
 * Caller: the consumer only.
 */
bool ring_mpsc__try_pop(struct ring_mpsc *r, void *out);

/*
 * ring_mpsc__pop: copy the oldest element to *out, sleeping while the ring
 * is empty.  Returns 0, or -EPIPE once the ring is closed and every element
 * pushed before the close has been popped.
 * Caller: the consumer only.
 */
int ring_mpsc__pop(struct ring_mpsc *r, void *out);

/*
 * ring_mpsc__pop_many: sleep until at least one element is published, then
 * copy up to max of the oldest published elements to out (room for max
 * elements).  Returns how many were copied (1..max), or 0 once the ring is
 * closed and drained.  max == 0 returns 0 at once.
 * Caller: the consumer only.
 */
size_t ring_mpsc__pop_many(struct ring_mpsc *r, void *out, size_t max);

/*
 * ring_mpsc__close: refuse further pushes and wake every sleeping producer
 * and the consumer.  Pushes already reserved complete and the consumer still
 * drains them.  Idempotent.
 * Caller: any thread (typically the last producer, or anyone on error).
 */
void ring_mpsc__close(struct ring_mpsc *r);

/*
 * ring_mpsc__closed: true once ring_mpsc__close has been called.
 * Caller: any thread.
 */
bool ring_mpsc__closed(const struct ring_mpsc *r);

/*
 * ring_mpsc__stats: fill *out.  While other threads run, the values are a
 * recent snapshot, not an atomic one.  pushed counts reserved elements
 * (a push in progress may be counted before its memcpy ends); blocked
 * times count spinning and sleeping on a full (push) or empty (pop) ring,
 * not waits for another producer's commit.
 * Caller: any thread.
 */
void ring_mpsc__stats(const struct ring_mpsc *r, struct ring_mpsc_stats *out);

#endif /* BTFSTREAM_QUEUE_RING_MPSC_H */
