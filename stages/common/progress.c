/* stages/common/progress.c: see progress.h. */
#include "stages/common/progress.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

void progress__start(struct progress *p, bool on, const char *label)
{
	const char *slash = label ? strrchr(label, '/') : NULL;

	memset(p, 0, sizeof(*p));
	p->on = on;
	p->label = slash ? slash + 1 : label;
	p->t0_ns = now_ns();
	p->next_ns = p->t0_ns + (uint64_t)PROGRESS_PERIOD_MS * 1000000u;
}

void progress__tick(struct progress *p, uint64_t done, uint64_t total, uint64_t batches)
{
	uint64_t t;

	if (!p->on || (t = now_ns()) < p->next_ns)
		return;
	p->next_ns = t + (uint64_t)PROGRESS_PERIOD_MS * 1000000u;
	fprintf(stderr, "\rbtfstream: %s: %llu/%llu CUs read, %llu batches, %.1f s\033[K", p->label,
		(unsigned long long)done, (unsigned long long)total, (unsigned long long)batches,
		(double)(t - p->t0_ns) / 1e9);
	fflush(stderr);
	p->drawn = true;
}

void progress__end(struct progress *p)
{
	if (p->drawn)
		fputs("\r\033[K", stderr);
	p->drawn = false;
}
