/* pipeline/releaser.h: the input's pages let go by the readers, between CUs.
 *
 * Once the writer is done with a CU, nothing reads its .debug_info again,
 * and its pages are let go (madvise, stages/input/input.h) a MiB at a time,
 * with the location lists and abbreviations every 64 CUs. The writer posts
 * how far the input is done with; a reader between two CUs does what was
 * posted (a round), so that the work is the readers' and is shared among
 * them, where a thread of its own (sessions 16-35) was one thread's CPU
 * (~40-50 ms on the Debian vmlinux) whatever the number of cores, and the
 * writer's before it sat on the thread every CU passes through. One round at
 * a time: a reader that finds another at it goes on reading (a try-lock),
 * and the next reader between CUs takes all that was posted meanwhile. Once
 * the last reader is out (releaser__readers_gone), the writer does its own
 * posts: the window's last CUs go before the run's end, whose peak they
 * would add to.
 *
 * Without readers' rounds (an input whose pages are never let go early:
 * relocated, or too small to be worth interrupting the readers' cores for
 * each madvise) releaser__post releases on the writer's thread.
 *
 * Threads: releaser__start and releaser__stop on the main thread, before the
 * readers start and after they are joined; releaser__post on the writer (the
 * main thread); releaser__help on any reader; releaser__readers_gone on the
 * last reader out. The posted offset and flags are atomics; a round, and the
 * counts below, are under round_lock.
 */
#ifndef BTFSTREAM_RELEASER_H
#define BTFSTREAM_RELEASER_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

struct input;

struct releaser {
	struct input *in;
	bool by_readers;		/* rounds done by the readers (set up at start) */
	_Atomic uint64_t posted;	/* .debug_info may go up to this file offset */
	atomic_bool aux_posted;		/* the aux sections may go again */
	atomic_bool readers_gone;	/* the writer does its own posts from now on */
	pthread_mutex_t round_lock;	/* one round at a time */
	uint64_t done;			/* how far the rounds went: written under
					   round_lock (atomically), read atomically
					   without it by releaser__help */
	uint64_t calls;			/* rounds done (under round_lock) */
	uint64_t cpu_ns, wall_ns;	/* their CPU and wall, summed (under round_lock) */
};

/* Sets r up for in: the readers do the rounds (by_readers), or every post
 * releases on the caller's thread. */
void releaser__start(struct releaser *r, struct input *in, bool by_readers);
/* The writer: .debug_info is done with up to file offset to; aux: the aux
 * sections too. */
void releaser__post(struct releaser *r, uint64_t to, bool aux);
/* A reader between CUs: a round, if something was posted since the last and
 * no other thread is at one. Cheap when there is nothing to do. */
void releaser__help(struct releaser *r);
/* The last reader out: later posts are done by the writer. */
void releaser__readers_gone(struct releaser *r);
/* Does what was posted and not done. Main thread, the readers joined.
 * Idempotent; fine on a zeroed struct. */
void releaser__stop(struct releaser *r);

#endif
