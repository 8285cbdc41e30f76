/* pipeline/jobserver.c: see jobserver.h. */
#include "pipeline/jobserver.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "stages/common/interrupt.h"

/* The token bytes held, + 1 (0: a free slot): make 4.4 may tell tokens
 * apart, so the byte taken is the byte given back. */
static _Atomic int tokens[JOBSERVER_MAX_TOKENS];
/* The jobserver the interrupt handler gives tokens back to. */
static struct jobserver *_Atomic registered;

static void give_back_all(void)
{
	struct jobserver *js = atomic_load(&registered);

	for (int i = 0; js && i < JOBSERVER_MAX_TOKENS; i++) {
		int v = atomic_exchange(&tokens[i], 0);
		unsigned char c = (unsigned char)(v - 1);

		if (v > 0 && write(js->wfd, &c, 1) < 0)
			continue;	/* nothing more to do in a signal handler */
	}
}

/* The last --jobserver-auth= (or --jobserver-fds=) value in makeflags. */
static bool auth_value(const char *makeflags, char *val, size_t len)
{
	static const char *const keys[] = { "--jobserver-auth=", "--jobserver-fds=" };
	const char *best = NULL;

	for (unsigned int k = 0; k < 2; k++)
		for (const char *p = makeflags; (p = strstr(p, keys[k])); p += strlen(keys[k]))
			if (!best || p > best)
				best = p + strlen(keys[k]);
	if (!best)
		return false;
	snprintf(val, len, "%.*s", (int)strcspn(best, " \t"), best);
	return true;
}

static bool open_fifo(struct jobserver *js, const char *path, char *why, size_t wlen)
{
	js->rfd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (js->rfd >= 0)
		js->wfd = open(path, O_WRONLY | O_CLOEXEC);
	if (js->rfd < 0 || js->wfd < 0) {
		snprintf(why, wlen, "cannot open the jobserver fifo %s: %s", path, strerror(errno));
		return false;
	}
	snprintf(js->desc, sizeof(js->desc), "fifo:%s", path);
	return true;
}

/* Inherited pipe ends r, w: both open, both pipes, one pipe. */
static bool open_fds(struct jobserver *js, int r, int w, char *why, size_t wlen)
{
	struct stat sr, sw;
	char proc[64];

	if (fcntl(r, F_GETFD) < 0 || fcntl(w, F_GETFD) < 0 || fstat(r, &sr) || fstat(w, &sw) ||
	    !S_ISFIFO(sr.st_mode) || sr.st_ino != sw.st_ino || sr.st_dev != sw.st_dev) {
		snprintf(why, wlen, "MAKEFLAGS names jobserver descriptors %d,%d, which are not open here "
			 "(make passes them to recipes marked '+' or running $(MAKE))", r, w);
		return false;
	}
	snprintf(proc, sizeof(proc), "/proc/self/fd/%d", r);
	js->rfd = open(proc, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	js->wfd = fcntl(w, F_DUPFD_CLOEXEC, 0);
	if (js->rfd < 0 || js->wfd < 0) {
		snprintf(why, wlen, "cannot open the jobserver pipe again (%s): %s", proc, strerror(errno));
		return false;
	}
	snprintf(js->desc, sizeof(js->desc), "fds %d,%d", r, w);
	return true;
}

bool jobserver__open(struct jobserver *js, const char *makeflags, char *why, size_t wlen)
{
	char val[256];
	int r, w, n = 0;
	bool ok;

	memset(js, 0, sizeof(*js));
	js->rfd = js->wfd = -1;
	*why = '\0';
	if (!makeflags || !auth_value(makeflags, val, sizeof(val)))
		return false;
	if (!strncmp(val, "fifo:", 5))
		ok = open_fifo(js, val + 5, why, wlen);
	else if (sscanf(val, "%d,%d%n", &r, &w, &n) == 2 && !val[n] && r >= 0 && w >= 0)
		ok = open_fds(js, r, w, why, wlen);
	else {
		snprintf(why, wlen, "MAKEFLAGS: '%s' is no jobserver btfstream knows", val);
		ok = false;
	}
	if (!ok) {
		jobserver__close(js);
		return false;
	}
	atomic_store(&registered, js);
	interrupt__at_exit(give_back_all);
	return true;
}

int jobserver__try_acquire(struct jobserver *js)
{
	unsigned char c;

	for (int i = 0; i < JOBSERVER_MAX_TOKENS; i++) {
		int free_slot = 0;

		if (atomic_load_explicit(&tokens[i], memory_order_relaxed) ||
		    !atomic_compare_exchange_strong(&tokens[i], &free_slot, -1))
			continue;
		/* slot i is ours (-1 while empty: the handler skips nothing real) */
		if (read(js->rfd, &c, 1) != 1) {
			atomic_store(&tokens[i], 0);
			return -1;
		}
		atomic_store(&tokens[i], c + 1);
		unsigned int now = atomic_fetch_add(&js->held, 1) + 1, max = atomic_load(&js->held_max);

		while (now > max && !atomic_compare_exchange_weak(&js->held_max, &max, now))
			;
		atomic_fetch_add(&js->taken, 1);
		return i;
	}
	return -1;
}

bool jobserver__wait(struct jobserver *js, int timeout_ms)
{
	struct pollfd p = { .fd = js->rfd, .events = POLLIN };

	return poll(&p, 1, timeout_ms) > 0 && (p.revents & POLLIN);
}

void jobserver__release(struct jobserver *js, int token)
{
	int v;
	unsigned char c;

	if (token < 0 || token >= JOBSERVER_MAX_TOKENS || (v = atomic_exchange(&tokens[token], 0)) <= 0)
		return;
	c = (unsigned char)(v - 1);
	atomic_fetch_sub(&js->held, 1);	/* first: once written, another reader may take it */
	while (write(js->wfd, &c, 1) < 0 && errno == EINTR)
		;
}

void jobserver__close(struct jobserver *js)
{
	if (atomic_load(&registered) == js) {
		for (int i = 0; i < JOBSERVER_MAX_TOKENS; i++)
			jobserver__release(js, i);
		interrupt__at_exit(NULL);
		atomic_store(&registered, NULL);
	}
	if (js->rfd >= 0)
		close(js->rfd);
	if (js->wfd >= 0)
		close(js->wfd);
	js->rfd = js->wfd = -1;
}
