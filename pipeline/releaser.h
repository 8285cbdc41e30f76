/* pipeline/releaser.h: the input's pages let go on a thread of their own.
 *
 * Once the writer is done with a CU, nothing reads its .debug_info again,
 * and its pages are let go (madvise, stages/input/input.h) a MiB at a time,
 * with the location lists and abbreviations every 64 CUs. On the Debian
 * vmlinux that was ~40 ms of the writer's CPU (163 MB of page table entries
 * cleared, the other cores' TLBs flushed), on the thread every CU passes
 * through in order: the one that bounds the wall on many cores
 * (stats.h, "pipelined"). The writer now posts how far the input is done
 * with; this thread does the madvises, beside it.
 *
 * Threads: releaser__start and releaser__stop on the main thread;
 * releaser__post on the writer (the main thread too) between them; the
 * releaser's own thread is the only caller of input__release_until and
 * input__release_aux while it runs. Without it (an input whose pages are
 * never let go early: relocated, or too small to be worth a thread; or one
 * that could not start) releaser__post releases on the caller's thread, as
 * before.
 */
#ifndef BTFSTREAM_RELEASER_H
#define BTFSTREAM_RELEASER_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

struct input;

struct releaser {
	struct input *in;
	pthread_t tid;
	pthread_mutex_t lock;
	pthread_cond_t posted;
	uint64_t to;		/* .debug_info may go up to this file offset (posted) */
	bool aux;		/* the aux sections may go again (posted) */
	bool stop, started;
	uint64_t wall0;		/* when it started */
	uint64_t cpu_ns, wall_ns;	/* the thread's CPU and lifetime, once stopped */
	uint64_t calls;		/* madvise rounds done (on the thread) */
};

/* Sets r up for in, with the thread if asked for and it can start (0),
 * else to release on the caller's thread (0, or -errno: it could not). */
int releaser__start(struct releaser *r, struct input *in, bool thread);
/* .debug_info is done with up to file offset to; aux: the aux sections too. */
void releaser__post(struct releaser *r, uint64_t to, bool aux);
/* Does what was posted and joins the thread. Idempotent; fine on a zeroed
 * struct. */
void releaser__stop(struct releaser *r);

#endif
