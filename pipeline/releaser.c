/* pipeline/releaser.c: see releaser.h. */
#include "pipeline/releaser.h"

#include <string.h>

#include "pipeline/stats.h"
#include "stages/common/trace.h"
#include "stages/input/input.h"

static void release(struct releaser *r, uint64_t to, bool aux)
{
	if (r->in->debug_info_off && to > input__released(r->in))
		input__release_until(r->in, to);
	if (aux)
		input__release_aux(r->in);
}

/* What was posted and not done yet, measured; the caller holds round_lock. */
static void round_locked(struct releaser *r)
{
	uint64_t to = atomic_load(&r->posted);
	bool aux = atomic_exchange(&r->aux_posted, false);
	uint64_t t0, c0;

	if (to <= r->done && !aux)
		return;
	t0 = trace__now();
	c0 = stats__thread_cpu_ns();
	release(r, to, aux);
	if (to > r->done)
		__atomic_store_n(&r->done, to, __ATOMIC_RELAXED);	/* (read unlocked by help) */
	r->cpu_ns += stats__thread_cpu_ns() - c0;
	r->wall_ns += trace__now() - t0;
	r->calls++;
	trace__slice("let input pages go", t0, trace__now(), "to", (int64_t)to);
}

/* A round, waiting for the lock: the writer's, once the readers are out,
 * and the stop's. */
static void round_waiting(struct releaser *r)
{
	pthread_mutex_lock(&r->round_lock);
	round_locked(r);
	pthread_mutex_unlock(&r->round_lock);
}

void releaser__start(struct releaser *r, struct input *in, bool by_readers)
{
	memset(r, 0, sizeof(*r));
	r->in = in;
	if (!by_readers)
		return;
	pthread_mutex_init(&r->round_lock, NULL);
	r->done = input__released(in);
	atomic_store(&r->posted, r->done);
	r->by_readers = true;
}

void releaser__post(struct releaser *r, uint64_t to, bool aux)
{
	if (!r->by_readers) {
		release(r, to, aux);
		return;
	}
	/* (sequentially consistent, as readers_gone's store and the last
	 * reader's look at posted: one of the two threads sees the other's) */
	if (aux)
		atomic_store(&r->aux_posted, true);
	if (to > atomic_load_explicit(&r->posted, memory_order_relaxed))
		atomic_store(&r->posted, to);
	if (atomic_load(&r->readers_gone))
		round_waiting(r);
}

void releaser__help(struct releaser *r)
{
	if (!r->by_readers)
		return;
	/* (the unlocked look at done may be stale: the lock's holder decides) */
	if (atomic_load(&r->posted) <= __atomic_load_n(&r->done, __ATOMIC_RELAXED) && !atomic_load(&r->aux_posted))
		return;
	if (pthread_mutex_trylock(&r->round_lock))
		return;	/* another thread is at a round */
	round_locked(r);
	pthread_mutex_unlock(&r->round_lock);
}

void releaser__readers_gone(struct releaser *r)
{
	if (!r->by_readers)
		return;
	atomic_store(&r->readers_gone, true);
	releaser__help(r);	/* what was posted while the last CUs were read */
}

void releaser__stop(struct releaser *r)
{
	if (!r->by_readers)
		return;
	round_waiting(r);
	pthread_mutex_destroy(&r->round_lock);
	r->by_readers = false;
}
