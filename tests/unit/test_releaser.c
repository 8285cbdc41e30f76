/* tests/unit/test_releaser.c: the input's pages let go by the readers'
 * rounds, or by the writer (pipeline/releaser.h). The "input" is an
 * anonymous mapping filled with 0xab: a page let go reads as zeros again.
 * Its .debug_info is pages [1, DI_END), an aux section [DI_END, AUX_END). */
#include "pipeline/releaser.h"
#include "stages/input/input.h"
#include "tests/tap.h"

#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#define PAGES 256
#define DI_END 200
#define AUX_END 210

static size_t page;

/* The mapping filled again, nothing let go but the first page. */
static void refill(struct input *in)
{
	memset(in->map, 0xab, in->size);
	in->released = page;	/* (as if the first page had been let go before) */
}

static bool fake_input(struct input *in)
{
	memset(in, 0, sizeof(*in));
	page = (size_t)sysconf(_SC_PAGESIZE);
	in->path = "fake";
	in->size = PAGES * page;
	in->map = mmap(NULL, in->size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (in->map == MAP_FAILED)
		return false;
	in->debug_info_off = page;
	in->debug_info_size = (DI_END - 1) * page;
	in->aux_off[0] = DI_END * page;
	in->aux_size[0] = (AUX_END - DI_END) * page;
	in->naux = 1;
	refill(in);
	return true;
}

/* Whether page i was let go (reads as zero). */
static bool gone(const struct input *in, size_t i)
{
	return ((const unsigned char *)in->map)[i * page] == 0;
}

static bool gone_until(const struct input *in, size_t first, size_t end)
{
	for (size_t i = first; i < end; i++)
		if (!gone(in, i))
			return false;
	return true;
}

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

struct helpers {
	struct releaser *r;
	atomic_bool stop;
};

static void *helper(void *arg)
{
	struct helpers *h = arg;

	while (!atomic_load(&h->stop)) {
		releaser__help(h->r);
		sched_yield();
	}
	return NULL;
}

/* Four readers helping while the writer posts, each post waited for: only
 * the readers' rounds can let it go before the last reader is out. */
static void helped(struct input *in)
{
	struct releaser r;
	struct helpers h = { .r = &r };
	pthread_t t[4];
	bool all = true;

	refill(in);
	releaser__start(&r, in, true);
	for (int i = 0; i < 4; i++)
		pthread_create(&t[i], NULL, helper, &h);
	for (size_t i = 2; i < DI_END && all; i++) {
		uint64_t deadline = now_ms() + 10000;

		releaser__post(&r, i * page, false);
		while (input__released(in) < i * page && now_ms() < deadline)
			sched_yield();
		all = input__released(in) == i * page;
	}
	atomic_store(&h.stop, true);
	for (int i = 0; i < 4; i++)
		pthread_join(t[i], NULL);
	ok(all && gone_until(in, 1, DI_END - 1) && !gone(in, DI_END - 1),
	   "4 readers helping: each post let go by their rounds (%llu), none beyond", (unsigned long long)r.calls);
	releaser__readers_gone(&r);
	releaser__stop(&r);
}

struct last_out {
	struct releaser *r;
	atomic_bool go;
};

static void *last_reader(void *arg)
{
	struct last_out *l = arg;

	while (!atomic_load(&l->go))
		sched_yield();
	releaser__readers_gone(l->r);
	return NULL;
}

/* The last reader going out while the writer posts: whatever the order,
 * everything posted is let go before the stop. */
static void last_out_races_posts(struct input *in)
{
	bool all = true;

	for (int round = 0; round < 200 && all; round++) {
		struct releaser r;
		struct last_out l = { .r = &r };
		pthread_t t;

		refill(in);
		releaser__start(&r, in, true);
		pthread_create(&t, NULL, last_reader, &l);
		atomic_store(&l.go, true);
		for (size_t i = 2; i <= 40; i += 2)
			releaser__post(&r, i * page, false);
		pthread_join(t, NULL);
		all = input__released(in) == 40 * page && gone_until(in, 1, 40);
		releaser__stop(&r);
	}
	ok(all, "the last reader out racing the writer's posts: all posted let go before the stop (200 rounds)");
}

int main(void)
{
	struct input in;
	struct releaser r;

	if (!fake_input(&in)) {
		skip("no anonymous mapping");
		done_testing();
		return 0;
	}
	releaser__start(&r, &in, false);
	releaser__post(&r, 3 * page, false);
	ok(gone_until(&in, 1, 3) && !gone(&in, 3), "without the readers' rounds, a post lets go at once, up to it");
	releaser__stop(&r);

	refill(&in);
	releaser__start(&r, &in, true);
	releaser__post(&r, 8 * page, false);
	ok(!gone(&in, 5), "with them, a post alone lets nothing go");
	releaser__help(&r);
	ok(gone_until(&in, 1, 8) && !gone(&in, 8) && r.calls == 1, "a reader's help does the round");
	releaser__help(&r);
	ok(r.calls == 1, "nothing posted since: no round");
	releaser__post(&r, 12 * page, false);
	pthread_mutex_lock(&r.round_lock);
	releaser__help(&r);
	pthread_mutex_unlock(&r.round_lock);
	ok(!gone(&in, 10) && r.calls == 1, "another thread at a round: the reader goes on reading");
	releaser__post(&r, 16 * page, false);
	releaser__help(&r);
	ok(gone_until(&in, 8, 16) && r.calls == 2, "the next help takes all that was posted meanwhile");
	releaser__post(&r, 16 * page, true);
	ok(!gone(&in, DI_END), "the aux sections posted: nothing yet");
	releaser__help(&r);
	ok(r.calls == 3 && gone_until(&in, DI_END, AUX_END) && !gone(&in, AUX_END) && !gone(&in, 16),
	   "the aux sections posted alone make a round, which lets them go");
	releaser__post(&r, 24 * page, false);
	releaser__readers_gone(&r);
	ok(gone_until(&in, 16, 24) && !gone(&in, 24), "the last reader out does what was posted before");
	releaser__post(&r, 28 * page, false);
	ok(gone_until(&in, 24, 28) && !gone(&in, 28), "the readers out, the writer's post lets go at once");
	releaser__stop(&r);
	ok(r.calls == 5 && (r.cpu_ns > 0 || r.wall_ns > 0), "the rounds and their time are counted");
	releaser__stop(&r);
	ok(1, "stop twice");

	refill(&in);
	releaser__start(&r, &in, true);
	releaser__post(&r, 30 * page, true);
	releaser__stop(&r);
	ok(gone_until(&in, 1, 30) && !gone(&in, 30) && gone(&in, DI_END), "the stop does what was posted and not done");

	refill(&in);
	in.pinned = true;
	releaser__start(&r, &in, false);
	releaser__post(&r, 8 * page, true);
	ok(!gone(&in, 3) && !gone(&in, DI_END), "a pinned input's pages stay");
	releaser__stop(&r);
	in.pinned = false;

	helped(&in);
	last_out_races_posts(&in);
	munmap(in.map, in.size);
	done_testing();
	return exit_status();
}
