/* stages/common/clock.h: the clocks the stages and the pipeline time
 * themselves with, in nanoseconds. Any thread.
 */
#ifndef BTFSTREAM_CLOCK_H
#define BTFSTREAM_CLOCK_H

#include <stdint.h>
#include <time.h>

static inline uint64_t clock__ns(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* CPU time of the calling thread. */
static inline uint64_t clock__thread_cpu_ns(void)
{
	return clock__ns(CLOCK_THREAD_CPUTIME_ID);
}

#endif
