/* tests/unit/test_no_symbol_names.c: function names without a symbol kept
 * by their place in .debug_str, and counted by their bytes (also under
 * ThreadSanitizer: make check builds it in build-tsan too). */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <urcu.h>

#include "stages/read/no_symbol_names.h"
#include "strtab/strtab.h"
#include "tests/tap.h"

#define THREADS 4

/* A .debug_str the linker did not merge: "kfree_skb" at two offsets, and
 * "free_skb" the tail of the first. */
static const char bytes[] = "<kfree_skb\0do_init\0kfree_skb\0lock\0x\0helper_a\0helper_b\0>";
static const char *const sec = bytes + 1;	/* the section: a byte before it and after it */
#define SEC_SIZE (sizeof(bytes) - 3)
static struct no_symbol_names set;

static const char *at(const char *name, int nth)
{
	const char *p = sec;

	for (; p < sec + SEC_SIZE; p += strlen(p) + 1)
		if (!strcmp(p, name) && !nth--)
			return p;
	return NULL;
}

/* Each thread adds every other name of a large section and checks what it
 * reads back: a bit set is never lost, one not set never appears. */
#define BIG 4096
static char big[BIG * 8];
static struct no_symbol_names big_set;

static void *worker(void *arg)
{
	long wrong = 0;

	(void)arg;
	for (int round = 0; round < 3; round++)
		for (size_t i = 0; i < BIG; i++) {
			const char *s = big + i * 8;

			if (i % 2 == 0)
				no_symbol_names__add(&big_set, s);
			else
				wrong += no_symbol_names__has(&big_set, s);
		}
	return (void *)wrong;
}

int main(void)
{
	struct strtab *t;
	uint64_t count = 0, also[1] = { 0 };
	uint32_t id_lock = 0, id_other = 0;
	pthread_t th[THREADS];
	long wrong = 0;

	rcu_register_thread();	/* (strtab__intern's caller) */
	t = strtab__new(NULL);
	is_int(no_symbol_names__init(&set, sec, SEC_SIZE), 0, "init over a section");
	ok(no_symbol_names__covers(&set, sec) && no_symbol_names__covers(&set, sec + SEC_SIZE - 1) &&
	   !no_symbol_names__covers(&set, sec + SEC_SIZE) && !no_symbol_names__covers(&set, sec - 1),
	   "covers exactly the section");
	ok(!no_symbol_names__has(&set, at("kfree_skb", 0)), "an empty set has nothing");
	no_symbol_names__add(&set, at("kfree_skb", 0));
	ok(no_symbol_names__has(&set, at("kfree_skb", 0)), "an added name is there");
	ok(!no_symbol_names__has(&set, at("kfree_skb", 0) + 1), "... by its first byte only (not its tail)");
	ok(!no_symbol_names__has(&set, at("kfree_skb", 1)), "... and not the same bytes at another offset");
	is_int(no_symbol_names__count(&set, t, NULL, 0, &count), 0, "count");
	is_int((int)count, 1, "one name counted");
	no_symbol_names__add(&set, at("kfree_skb", 1));
	no_symbol_names__add(&set, at("kfree_skb", 0));
	no_symbol_names__add(&set, at("do_init", 0));
	no_symbol_names__add(&set, at("lock", 0));
	no_symbol_names__add(&set, at("helper_a", 0));
	is_int(no_symbol_names__count(&set, t, NULL, 0, &count), 0, "count again");
	is_int((int)count, 4, "one string at two offsets counts once, a name added twice once");
	/* names the writer counted the old way (strtab ids in also) */
	ok(t && !strtab__intern(t, "lock", 4, &id_lock) && !strtab__intern(t, "other", 5, &id_other), "two names interned");
	ok(id_lock && id_lock < 64 && id_other && id_other < 64, "... with small ids (%u, %u)", id_lock, id_other);
	also[0] = 1ull << id_lock | 1ull << id_other;
	is_int(no_symbol_names__count(&set, t, also, 1, &count), 0, "count beside the writer's");
	is_int((int)count, 3, "a name the writer counted already is not counted again");
	also[0] = 1ull << id_other;
	is_int(no_symbol_names__count(&set, t, also, 1, &count), 0, "count beside another");
	is_int((int)count, 4, "... one it did not count is");
	no_symbol_names__fini(&set);
	ok(!no_symbol_names__covers(&set, sec), "after fini it covers nothing");
	is_int(no_symbol_names__init(&set, NULL, 0), 0, "no .debug_str: init is fine");
	ok(!no_symbol_names__covers(&set, sec), "... it covers nothing");
	is_int(no_symbol_names__count(&set, t, also, 1, &count), 0, "... and counts");
	is_int((int)count, 0, "... nothing");
	no_symbol_names__fini(&set);

	for (size_t i = 0; i < BIG; i++)
		snprintf(big + i * 8, 8, "n%05zu", i);
	is_int(no_symbol_names__init(&big_set, big, sizeof(big)), 0, "init a large section");
	for (int i = 0; i < THREADS; i++)
		pthread_create(&th[i], NULL, worker, NULL);
	for (int i = 0; i < THREADS; i++) {
		void *r;

		pthread_join(th[i], &r);
		wrong += (long)r;
	}
	is_int((int)wrong, 0, "%d threads adding: no name not added is seen", THREADS);
	is_int(no_symbol_names__count(&big_set, NULL, NULL, 0, &count), 0, "count after the threads");
	is_int((int)count, BIG / 2, "every name added by any thread counted once");
	no_symbol_names__fini(&big_set);
	strtab__free(t);
	rcu_unregister_thread();
	done_testing();
	return exit_status();
}
