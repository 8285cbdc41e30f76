/* stages/record/image_pool.c: see image_pool.h. */
#include "stages/record/image_pool.h"

#include <errno.h>
#include <sys/mman.h>
#include <time.h>

#include "stages/common/trace.h"

#define IMAGE_POOL_POLL_NS 20000000	/* re-check stopped() every 20 ms */

void image_pool__init(struct image_pool *p, unsigned int limit, bool (*stopped)(void *), void *arg)
{
	*p = (struct image_pool){ .limit = limit, .stopped = stopped, .arg = arg };
	if (p->limit < 1 || p->limit > IMAGE_POOL_SLOTS)
		p->limit = IMAGE_POOL_SLOTS;
	pthread_mutex_init(&p->lock, NULL);
	pthread_cond_init(&p->given, NULL);
}

/* The largest kept mapping's slot, -1 if none. Under the lock. */
static int largest_kept(const struct image_pool *p)
{
	int best = -1;

	for (int i = 0; i < IMAGE_POOL_SLOTS; i++)
		if (p->map[i] && (best < 0 || p->cap[i] > p->cap[best]))
			best = i;
	return best;
}

static void wait_given(struct image_pool *p)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_nsec += IMAGE_POOL_POLL_NS;
	if (ts.tv_nsec >= 1000000000L) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000L;
	}
	pthread_cond_timedwait(&p->given, &p->lock, &ts);
}

void *image_pool__take(struct image_pool *p, size_t *cap)
{
	uint64_t t0 = 0;
	void *map = NULL;
	int best;

	pthread_mutex_lock(&p->lock);
	while ((best = largest_kept(p)) < 0 && !p->closed && p->alive >= p->limit &&
	       !(p->stopped && p->stopped(p->arg))) {
		if (!t0) {
			t0 = trace__now();
			p->waits++;
		}
		wait_given(p);
	}
	if (best >= 0) {
		map = p->map[best];
		*cap = p->cap[best];
		p->map[best] = NULL;
		p->reused++;
	} else {
		p->alive++;
		p->made++;
	}
	if (t0)
		p->wait_ns += trace__now() - t0;
	pthread_mutex_unlock(&p->lock);
	if (t0)
		trace__slice("wait: batch image", t0, trace__now(), NULL, 0);
	return map;
}

void image_pool__give(struct image_pool *p, void *map, size_t cap)
{
	int slot = -1;

	pthread_mutex_lock(&p->lock);
	for (int i = 0; !p->closed && slot < 0 && i < IMAGE_POOL_SLOTS; i++)
		if (!p->map[i])
			slot = i;
	if (slot >= 0) {
		p->map[slot] = map;
		p->cap[slot] = cap;
		pthread_cond_signal(&p->given);
	} else if (p->alive) {
		p->alive--;
	}
	pthread_mutex_unlock(&p->lock);
	if (slot < 0)
		munmap(map, cap);
}

void image_pool__close(struct image_pool *p)
{
	void *map[IMAGE_POOL_SLOTS];
	size_t cap[IMAGE_POOL_SLOTS];

	pthread_mutex_lock(&p->lock);
	p->closed = true;
	for (int i = 0; i < IMAGE_POOL_SLOTS; i++) {
		map[i] = p->map[i];
		cap[i] = p->cap[i];
		if (map[i] && p->alive)
			p->alive--;
		p->map[i] = NULL;
	}
	pthread_cond_broadcast(&p->given);
	pthread_mutex_unlock(&p->lock);
	for (int i = 0; i < IMAGE_POOL_SLOTS; i++)
		if (map[i])
			munmap(map[i], cap[i]);
}

void image_pool__destroy(struct image_pool *p)
{
	image_pool__close(p);
	pthread_cond_destroy(&p->given);
	pthread_mutex_destroy(&p->lock);
}
