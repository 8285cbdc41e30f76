/* tests/unit/test_name_order.c: function names sorted run by run
 * (stages/write/name_order.h) against one sort by strcmp of all of them,
 * whatever the cuts: none, after every name, at random places; names that
 * share long prefixes (past the 16 packed bytes), that are prefixes of
 * others, empty; candidates carrying a name several times, and names never
 * noted before the end. */
#include "stages/write/name_order.h"
#include "strtab/strtab.h"
#include "tests/tap.h"

#include <stdlib.h>
#include <string.h>
#include <urcu.h>

#define NNAMES 3000
#define NCANDS 9000

static struct strtab *tab;
static uint32_t ids[NNAMES];
static struct func_cand cands[NCANDS];

/* Names alike for 16 and more bytes, prefixes of each other, one empty. */
static void make_names(unsigned int seed)
{
	char buf[64];

	srand(seed);
	for (int i = 0; i < NNAMES; i++) {
		switch (i % 5) {
		case 0:
			snprintf(buf, sizeof(buf), "bpf_prog_run_common_%d", rand() % 100000);
			break;
		case 1:
			snprintf(buf, sizeof(buf), "x%d", rand() % 100000);
			break;
		case 2:
			snprintf(buf, sizeof(buf), "bpf_prog_run_%d", i);
			break;
		case 3:
			snprintf(buf, sizeof(buf), "%.*s", rand() % 18, "bpf_prog_run_common_");
			break;
		default:
			snprintf(buf, sizeof(buf), "\xc3\xa9t\xc3\xa9_%d", rand() % 1000);	/* bytes above 0x7f */
		}
		if (strtab__intern(tab, buf, strlen(buf), &ids[i]))
			ids[i] = 0;
	}
	for (int i = 0; i < NCANDS; i++)
		cands[i] = (struct func_cand){ .name = ids[rand() % NNAMES] };
}

static int cmp_str(const char *a, const char *b)
{
	return strcmp(a, b);
}

/* The expected order, the slow way: a stable insertion of each candidate
 * after the last one whose name is not greater. */
static uint32_t *expected(void)
{
	uint32_t *order = malloc(NCANDS * sizeof(*order));
	size_t n = 0;

	for (uint32_t i = 0; i < NCANDS; i++) {
		const char *s = strtab__str(tab, cands[i].name, NULL);
		size_t at = n;

		while (at > 0 && cmp_str(strtab__str(tab, cands[order[at - 1]].name, NULL), s) > 0)
			at--;
		memmove(order + at + 1, order + at, (n - at) * sizeof(*order));
		order[at] = i;
		n++;
	}
	return order;
}

/* Note the candidates' names in candidate order, cutting where cut(k) says,
 * leaving the last `unnoted` candidates for finish to note. */
static uint32_t *run(int mode, size_t unnoted, size_t *runs)
{
	struct name_order o;
	uint32_t *order;

	name_order__init(&o, tab);
	for (size_t i = 0; i + unnoted < NCANDS; i++) {
		name_order__note(&o, cands[i].name);
		if ((mode == 1) || (mode == 2 && rand() % 50 == 0))
			name_order__cut(&o);
	}
	order = name_order__finish(&o, cands, NCANDS);
	*runs = o.nruns;
	name_order__fini(&o);
	return order;
}

int main(void)
{
	static const char *what[] = { "no cut before the end", "a cut after every name", "cuts at random places" };

	rcu_register_thread();
	tab = strtab__new(NULL);
	if (!tab)
		return 1;
	make_names(7);
	uint32_t *want = expected();

	for (int mode = 0; mode < 3; mode++)
		for (size_t unnoted = 0; unnoted <= NCANDS / 3; unnoted += NCANDS / 3) {
			size_t runs = 0;
			uint32_t *got = run(mode, unnoted, &runs);

			ok(got && !memcmp(got, want, NCANDS * sizeof(*got)),
			   "%s, %zu candidates noted only at the end: the order of one sort (%zu runs)", what[mode],
			   unnoted, runs);
			free(got);
		}
	free(want);
	strtab__free(tab);
	rcu_unregister_thread();
	done_testing();
	return exit_status();
}
