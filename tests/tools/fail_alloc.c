/* tests/tools/fail_alloc.c: an LD_PRELOAD library that makes memory run out
 * on chosen threads, to see what btfstream does when one stage cannot
 * allocate (tests/integ/0030-out-of-memory.sh).
 *
 *   FAIL_ALLOC_THREAD=PREFIX  threads whose name (pthread_setname_np) starts
 *                             with PREFIX: "btfs-merge", "btfs-read", ...
 *   FAIL_ALLOC_AFTER=N        let N allocations of those threads through,
 *                             then fail every later one with ENOMEM
 *
 * malloc, calloc, realloc, aligned_alloc, posix_memalign and memalign are
 * wrapped (glibc's __libc_* do the work); free is not. A thread is watched
 * from the first allocation it makes once its name matches. When the first
 * allocation fails, "fail_alloc: failing" goes to stderr through write(2)
 * only if FAIL_ALLOC_SAY is set (tests count btfstream's own lines).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>

extern void *__libc_malloc(size_t);
extern void *__libc_calloc(size_t, size_t);
extern void *__libc_realloc(void *, size_t);
extern void *__libc_memalign(size_t, size_t);

static _Atomic long allowed = -2;	/* -2: not read yet; -1: never fail */
static atomic_long counted;
static __thread int watched;		/* 0: not yet, 1: watched */
static __thread bool inside;

static long limit(void)
{
	long v = atomic_load(&allowed);

	if (v == -2) {
		const char *a = getenv("FAIL_ALLOC_AFTER"), *t = getenv("FAIL_ALLOC_THREAD");

		v = a && *a && t && *t ? strtol(a, NULL, 10) : -1;
		atomic_store(&allowed, v);
	}
	return v;
}

/* true: this allocation fails */
static bool fail_now(void)
{
	char name[17] = "";
	const char *t;
	long max = limit();

	if (max < 0 || inside)
		return false;
	if (!watched) {
		inside = true;
		t = getenv("FAIL_ALLOC_THREAD");
		prctl(PR_GET_NAME, name, 0, 0, 0);
		watched = t && !strncmp(name, t, strlen(t));
		inside = false;
		if (!watched)
			return false;
	}
	if (atomic_fetch_add(&counted, 1) < max)
		return false;
	if (getenv("FAIL_ALLOC_SAY") && atomic_load(&counted) == max + 1)
		(void)!write(2, "fail_alloc: failing\n", 20);
	errno = ENOMEM;
	return true;
}

void *malloc(size_t n)
{
	return fail_now() ? NULL : __libc_malloc(n);
}

void *calloc(size_t n, size_t m)
{
	return fail_now() ? NULL : __libc_calloc(n, m);
}

void *realloc(void *p, size_t n)
{
	return fail_now() ? NULL : __libc_realloc(p, n);
}

void *memalign(size_t a, size_t n)
{
	return fail_now() ? NULL : __libc_memalign(a, n);
}

void *aligned_alloc(size_t a, size_t n)
{
	return fail_now() ? NULL : __libc_memalign(a, n);
}

int posix_memalign(void **out, size_t a, size_t n)
{
	void *p = fail_now() ? NULL : __libc_memalign(a, n);

	if (!p)
		return ENOMEM;
	*out = p;
	return 0;
}
