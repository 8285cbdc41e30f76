/* tests/unit/test_name_cache.c: the readers' shared name cache, also under
 * ThreadSanitizer (make check builds it in build-tsan too). */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "stages/read/name_cache.h"
#include "tests/tap.h"

#define STR_BYTES (64 * 1024)
#define THREADS 4

static char strs[STR_BYTES];
static struct name_cache cache;

/* Each thread puts ids for every string (id = offset + 1, as an interner
 * would agree on) and checks every hit it gets. */
static void *worker(void *arg)
{
	long wrong = 0;

	(void)arg;
	for (int round = 0; round < 4; round++)
		for (size_t off = 0; off < STR_BYTES; off += (off % 5 == 0 ? 2 : 3)) {
			uint32_t id;

			if (name_cache__get(&cache, strs + off, &id))
				wrong += id != off + 1;
			else
				name_cache__put(&cache, strs + off, (uint32_t)off + 1);
		}
	return (void *)wrong;
}

int main(void)
{
	pthread_t t[THREADS];
	long wrong = 0;
	uint32_t id = 0;
	int hits = 0;

	for (size_t i = 0; i < STR_BYTES; i++)
		strs[i] = i % 5 == 4 ? '\0' : 'a' + (char)(i % 26);
	is_int(name_cache__init(&cache, strs, STR_BYTES), 0, "init");
	ok(name_cache__covers(&cache, strs) && name_cache__covers(&cache, strs + STR_BYTES - 1) &&
	   !name_cache__covers(&cache, strs + STR_BYTES), "covers exactly the section");
	ok(!name_cache__get(&cache, strs + 10, &id), "an empty cache has nothing");
	name_cache__put(&cache, strs + 10, 77);
	ok(name_cache__get(&cache, strs + 10, &id) && id == 77, "a put is found");
	ok(!name_cache__get(&cache, strs + 11, &id), "another offset in the same slot is a miss, not a wrong id");
	name_cache__put(&cache, strs + 13, 79);
	ok(name_cache__get(&cache, strs + 10, &id) && id == 77 && name_cache__get(&cache, strs + 13, &id) && id == 79,
	   "strings 3 bytes apart in different 4-byte slots are both kept");
	name_cache__put(&cache, strs + 11, 78);
	ok(name_cache__get(&cache, strs + 11, &id) && id == 78,
	   "a string starting in the same 4 bytes is found (in the spill)");
	ok(name_cache__get(&cache, strs + 10, &id) && id == 77, "... and the slot's own string still is");
	name_cache__put(&cache, strs + 10, 77);
	ok(name_cache__get(&cache, strs + 11, &id) && id == 78 && name_cache__get(&cache, strs + 10, &id) && id == 77,
	   "putting the slot's own string again keeps both");
	{
		size_t far = 11;	/* another offset whose spill entry is 11's */

		while ((far += 4) < STR_BYTES &&
		       (name_cache__spill_entry(&cache, far) != name_cache__spill_entry(&cache, 11)))
			;
		ok(far < STR_BYTES, "an offset sharing 11's spill entry exists (%zu)", far);
		name_cache__put(&cache, strs + far - 1, 90);	/* takes far's slot */
		name_cache__put(&cache, strs + far, 91);	/* spills over 11 */
		ok(name_cache__get(&cache, strs + far, &id) && id == 91, "a later spill takes the entry");
		ok(!name_cache__get(&cache, strs + 11, &id), "... and the string it replaced is a miss, not a wrong id");
		ok(name_cache__get(&cache, strs + 10, &id) && id == 77, "... the slots are untouched");
	}
	name_cache__put(&cache, strs + 20, NAME_CACHE_MAX_ID);
	ok(!name_cache__get(&cache, strs + 20, &id), "an id too large for a slot is not cached");
	/* a fresh cache: the ids above are not the workers' offset + 1 */
	name_cache__fini(&cache);
	is_int(name_cache__init(&cache, strs, STR_BYTES), 0, "init again");
	for (int i = 0; i < THREADS; i++)
		pthread_create(&t[i], NULL, worker, NULL);
	for (int i = 0; i < THREADS; i++) {
		void *r;

		pthread_join(t[i], &r);
		wrong += (long)r;
	}
	is_int((int)wrong, 0, "%d threads putting and getting: every hit has the right id", THREADS);
	for (size_t off = 0; off < STR_BYTES; off += 5)
		hits += name_cache__get(&cache, strs + off, &id) && id == off + 1;
	ok(hits > 0, "the cache answers after the threads (%d hits)", hits);
	name_cache__fini(&cache);
	ok(!name_cache__covers(&cache, strs), "after fini it covers nothing");
	{
		struct name_cache none;

		is_int(name_cache__init(&none, NULL, 0), 0, "no .debug_str: init is fine");
		ok(!name_cache__covers(&none, strs), "... and covers nothing");
		name_cache__fini(&none);
	}
	done_testing();
	return exit_status();
}
