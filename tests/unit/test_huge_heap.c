/* tests/unit/test_huge_heap.c: the THP mode read from the kernel's line and
 * glibc.malloc.hugetlb read from GLIBC_TUNABLES (pipeline/huge_heap.h). */
#include <string.h>

#include "pipeline/huge_heap.h"
#include "tests/tap.h"

static void mode_is(const char *line, const char *want)
{
	const char *got = huge_heap__mode(line);

	ok(want ? got && !strcmp(got, want) : !got, "mode of \"%.*s\": %s", line ? (int)strcspn(line, "\n") : 6,
	   line ? line : "(null)", got ? got : "none");
}

static void tunable_is(const char *tunables, const char *want)
{
	char val[8] = "unset";
	bool set = huge_heap__tunable(tunables, val, sizeof(val));

	ok(want ? set && !strcmp(val, want) : !set, "hugetlb in \"%s\": %s", tunables ? tunables : "(null)",
	   set ? val : "not set");
}

int main(void)
{
	mode_is("always [madvise] never\n", "madvise");
	mode_is("[always] madvise never\n", "always");
	mode_is("always madvise [never]\n", "never");
	mode_is("always madvise never\n", NULL);
	mode_is("", NULL);
	mode_is(NULL, NULL);

	tunable_is("glibc.malloc.hugetlb=1", "1");
	tunable_is("glibc.malloc.arena_max=2:glibc.malloc.hugetlb=0", "0");
	tunable_is("glibc.malloc.hugetlb=2:glibc.malloc.arena_max=2", "2");
	tunable_is("glibc.malloc.arena_max=2", NULL);
	tunable_is("xglibc.malloc.hugetlb=1", NULL);		/* another name that ends the same */
	tunable_is("glibc.malloc.hugetlbx=1", NULL);		/* ... that starts the same */
	tunable_is("a=glibc.malloc.hugetlb=1", NULL);		/* a value, not a name */
	tunable_is("xglibc.malloc.hugetlb=1:glibc.malloc.hugetlb=1", "1");
	tunable_is("glibc.malloc.hugetlb=123456789", "1234567");	/* cut to the buffer */
	tunable_is("", NULL);
	tunable_is(NULL, NULL);
	done_testing();
	return exit_status();
}
