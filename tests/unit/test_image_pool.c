/* tests/unit/test_image_pool.c: batch images kept, bounded, waited for. */
#include "stages/record/image_pool.h"
#include "tests/tap.h"

#include <stdatomic.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#define MIB (1u << 20)

static void *map_bytes(size_t n)
{
	void *m = mmap(NULL, n, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	return m == MAP_FAILED ? NULL : m;
}

static atomic_bool stop;
static bool stopped(void *arg)
{
	(void)arg;
	return atomic_load(&stop);
}

struct giver {
	struct image_pool *p;
	void *map;
	size_t cap;
};

static void *give_later(void *arg)
{
	struct giver *g = arg;

	usleep(50000);
	image_pool__give(g->p, g->map, g->cap);
	return NULL;
}

static void *stop_later(void *arg)
{
	(void)arg;
	usleep(50000);
	atomic_store(&stop, true);
	return NULL;
}

int main(void)
{
	struct image_pool p;
	struct giver g;
	pthread_t t;
	size_t cap = 0;
	void *a, *b;

	image_pool__init(&p, 2, stopped, NULL);
	ok(image_pool__take(&p, &cap) == NULL, "an empty pool under its limit: map a fresh one");
	ok(image_pool__take(&p, &cap) == NULL, "a second one (limit 2)");
	a = map_bytes(MIB);
	b = map_bytes(2 * MIB);
	memset(a, 0xa5, MIB);
	image_pool__give(&p, a, MIB);
	image_pool__give(&p, b, 2 * MIB);
	ok(image_pool__take(&p, &cap) == b && cap == 2 * MIB, "the largest kept one first");
	ok(image_pool__take(&p, &cap) == a && cap == MIB && ((unsigned char *)a)[MIB - 1] == 0xa5,
	   "then the other, its pages as they were");

	g = (struct giver){ &p, a, MIB };
	pthread_create(&t, NULL, give_later, &g);
	ok(image_pool__take(&p, &cap) == a, "at the limit, a take waits for a give from another thread");
	pthread_join(t, NULL);
	ok(p.waits == 1 && p.wait_ns >= 10000000, "the wait is counted and timed");

	pthread_create(&t, NULL, stop_later, NULL);
	ok(image_pool__take(&p, &cap) == NULL, "at the limit, a stopped run ends the wait (map a fresh one)");
	pthread_join(t, NULL);
	atomic_store(&stop, false);

	image_pool__give(&p, a, MIB);
	image_pool__close(&p);
	ok(image_pool__take(&p, &cap) == NULL, "a closed pool keeps nothing");
	image_pool__give(&p, b, 2 * MIB);	/* unmapped at once */
	ok(image_pool__take(&p, &cap) == NULL, "nor what is given after the close");
	image_pool__close(&p);
	ok(1, "close twice");
	image_pool__destroy(&p);
	ok(p.made == 5 && p.reused == 3, "made 5 (two at first, the stopped wait, two closed takes), reused 3");
	done_testing();
	return exit_status();
}
