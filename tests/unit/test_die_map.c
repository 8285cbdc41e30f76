/* tests/unit/test_die_map.c: the reader's DIE offset -> ref map. */
#include "stages/read/die_map.h"
#include "tests/tap.h"

int main(void)
{
	struct die_map m = { 0 };
	uint32_t v = 0;
	int all = 1;

	ok(!die_map__get(&m, 5, &v), "an empty map finds nothing");
	is_int(die_map__set(&m, 5, 42), 0, "set");
	ok(die_map__get(&m, 5, &v) && v == 42, "get what was set");
	die_map__set(&m, 5, 7);
	ok(die_map__get(&m, 5, &v) && v == 7, "set again overwrites");
	for (uint32_t k = 1; k <= 100000; k++)
		die_map__set(&m, k * 13, k | DIE_MAP_ALIAS);
	for (uint32_t k = 1; k <= 100000; k++)
		all &= die_map__get(&m, k * 13, &v) && v == (k | DIE_MAP_ALIAS);
	ok(all, "100000 keys survive growth");
	ok(!die_map__get(&m, 14, &v), "a key never set is absent");
	die_map__reset(&m);
	ok(!die_map__get(&m, 13, &v) && !die_map__get(&m, 5, &v), "reset forgets every key");
	/* the worst cases of slot functions tried before (session 15 slots by
	 * offset, since reverted to a hash): neighbouring keys, and keys with
	 * the same low bits */
	all = 1;
	for (uint32_t k = 1; k <= 50000; k++)
		all &= die_map__set(&m, k, k) == 0;
	for (uint32_t k = 1; k <= 50000; k++)
		all &= die_map__get(&m, k, &v) && v == k;
	ok(all, "50000 neighbouring offsets, four to a slot");
	die_map__reset(&m);
	all = 1;
	for (uint32_t k = 1; k <= 4000; k++)
		all &= die_map__set(&m, k << 20, k) == 0;
	for (uint32_t k = 1; k <= 4000; k++)
		all &= die_map__get(&m, k << 20, &v) && v == k;
	ok(all && !die_map__get(&m, 3u << 19, &v), "4000 offsets 1 MiB apart (the same low bits)");
	die_map__reset(&m);
	die_map__set(&m, 13, 1);
	ok(die_map__get(&m, 13, &v) && v == 1, "usable after reset");
	m.gen = UINT32_MAX;	/* the next reset wraps the generation */
	die_map__set(&m, 99, 3);
	die_map__reset(&m);
	ok(!die_map__get(&m, 99, &v) && !die_map__get(&m, 13, &v), "a generation wrap still forgets");
	die_map__free(&m);
	done_testing();
	return exit_status();
}
