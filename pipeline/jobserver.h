/* pipeline/jobserver.h: a client of GNU make's jobserver.
 *
 * Under `make -jN`, make hands out N - 1 tokens (bytes in a pipe) beyond
 * the one each job has by being run. btfstream's first reader runs on that
 * implicit slot; every further reader takes a token before it reads a CU and
 * gives it back when it stops (pipeline/threads.c), so btfstream never runs
 * more readers than make allows, and with no token free it runs with one
 * reader (never waiting for a token it cannot get: a waiting reader gives up
 * once the CUs are all claimed).
 *
 * MAKEFLAGS names the jobserver: --jobserver-auth=R,W (make 4.2/4.3: two
 * inherited pipe file descriptors; older makes: --jobserver-fds=R,W) or
 * --jobserver-auth=fifo:PATH (make 4.4+). make 4.2+ passes the descriptors
 * only to recipes it knows to be recursive ('+' or $(MAKE)); elsewhere they
 * are closed or another file, and btfstream runs as if there were no
 * jobserver (as pahole does). The pipe is opened again through
 * /proc/self/fd (a file description of btfstream's own, which may be made
 * non-blocking without touching make's).
 *
 * Tokens taken are given back on every path: normal end, failure, and
 * SIGINT/SIGTERM/SIGHUP (the interrupt handler writes them back before it
 * exits: write is async-signal-safe).
 *
 * Threads: open/close on the main thread with no reader running; acquire,
 * wait and release from any thread.
 */
#ifndef BTFSTREAM_JOBSERVER_H
#define BTFSTREAM_JOBSERVER_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>

#define JOBSERVER_MAX_TOKENS 1024	/* at most -j 1024 readers (pipeline/main.c) */

struct jobserver {
	int rfd, wfd;			/* btfstream's own descriptors, -1: none */
	char desc[300];			/* "fifo:PATH" or "fds R,W", for messages */
	_Atomic unsigned int held;	/* tokens held now */
	_Atomic unsigned int held_max;	/* ... at most, for --stats */
	_Atomic unsigned long long taken;	/* tokens taken in all */
};

/* From makeflags (NULL: none). Returns true if js is a usable jobserver;
 * false otherwise, with why (wlen bytes) saying why not, or empty if
 * makeflags names none. Registers js for the interrupt handler. */
bool jobserver__open(struct jobserver *js, const char *makeflags, char *why, size_t wlen);
/* Takes a token without waiting: its index (for release), or -1. */
int jobserver__try_acquire(struct jobserver *js);
/* Waits up to timeout_ms for a token to be offered (true) or not (false);
 * a true answer is a hint: try_acquire may still lose it to another job. */
bool jobserver__wait(struct jobserver *js, int timeout_ms);
/* Gives token back. */
void jobserver__release(struct jobserver *js, int token);
/* Gives back what is still held and closes the descriptors. */
void jobserver__close(struct jobserver *js);

#endif
