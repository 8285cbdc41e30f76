/* tests/unit/test_releaser.c: the input's pages let go by the readers'
 * rounds, or by the writer (pipeline/releaser.h). The "input" is an
 * anonymous mapping filled with 0xab: a page let go reads as zeros again. */
#include "pipeline/releaser.h"
#include "stages/input/input.h"
#include "tests/tap.h"

#include <pthread.h>
#include <stdatomic.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#define PAGES 256

static size_t page;

static void fake_input(struct input *in)
{
	memset(in, 0, sizeof(*in));
	page = (size_t)sysconf(_SC_PAGESIZE);
	in->path = "fake";
	in->size = PAGES * page;
	in->map = mmap(NULL, in->size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (in->map == MAP_FAILED)
		in->map = NULL;
	else
		memset(in->map, 0xab, in->size);
	in->debug_info_off = page;	/* .debug_info from the second page on */
	in->debug_info_size = in->size - page;
	in->released = page;		/* (as if the first page had been let go before) */
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

struct poster {
	struct releaser *r;
	atomic_bool *stop;
};

static void *helper(void *arg)
{
	struct poster *p = arg;

	while (!atomic_load(p->stop))
		releaser__help(p->r);
	return NULL;
}

static void concurrent(void)
{
	struct input in;
	struct releaser r;
	atomic_bool stop = false;
	struct poster p = { &r, &stop };
	pthread_t t[4];

	fake_input(&in);
	releaser__start(&r, &in, true);
	for (int i = 0; i < 4; i++)
		pthread_create(&t[i], NULL, helper, &p);
	for (size_t i = 2; i < PAGES; i++) {
		releaser__post(&r, i * page, i % 16 == 0);
		usleep(100);
	}
	atomic_store(&stop, true);
	for (int i = 0; i < 4; i++)
		pthread_join(t[i], NULL);
	releaser__readers_gone(&r);
	ok(r.calls >= 1 && input__released(&in) == (PAGES - 1) * page,
	   "4 readers helping while the writer posts (%llu rounds), the last out doing the rest",
	   (unsigned long long)r.calls);
	releaser__stop(&r);
	ok(input__released(&in) == (PAGES - 1) * page && gone_until(&in, 1, PAGES - 1) && !gone(&in, PAGES - 1),
	   "after the stop, every page posted let go, none beyond");
	munmap(in.map, in.size);
}

int main(void)
{
	struct input in;
	struct releaser r;

	fake_input(&in);
	if (!in.map) {
		skip("no anonymous mapping");
		done_testing();
		return 0;
	}
	releaser__start(&r, &in, false);
	releaser__post(&r, 3 * page, false);
	ok(gone_until(&in, 1, 3) && !gone(&in, 3) && !gone(&in, 0),
	   "without the readers' rounds, a post lets go at once, from where the last ended up to it");
	releaser__stop(&r);

	releaser__start(&r, &in, true);
	releaser__post(&r, 8 * page, false);
	ok(!gone(&in, 5), "with them, a post alone lets nothing go");
	releaser__help(&r);
	ok(gone_until(&in, 3, 8) && !gone(&in, 8) && r.calls == 1, "a reader's help does the round");
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
	releaser__help(&r);
	ok(r.calls == 3, "the aux sections posted alone make a round");
	releaser__readers_gone(&r);
	releaser__post(&r, 20 * page, false);
	ok(gone_until(&in, 16, 20) && !gone(&in, 20), "the readers out, the writer's post lets go at once");
	releaser__stop(&r);
	ok(r.cpu_ns > 0 || r.wall_ns > 0, "the rounds' time is counted");
	releaser__stop(&r);
	ok(1, "stop twice");
	munmap(in.map, in.size);

	fake_input(&in);
	in.pinned = true;
	releaser__start(&r, &in, false);
	releaser__post(&r, 8 * page, true);
	ok(!gone(&in, 3), "a pinned input's pages stay");
	releaser__stop(&r);
	munmap(in.map, in.size);

	concurrent();
	done_testing();
	return exit_status();
}
