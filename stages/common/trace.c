/* stages/common/trace.c: see trace.h.
 *
 * Each thread's slices go into chunks of its own track; the tracks are on a
 * list under a lock, taken only when a thread makes its track. The writer
 * of the file runs after every thread is joined, so it reads the chunks
 * without a lock.
 */
#include "stages/common/trace.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "stages/common/atomic_file.h"
#include "stages/common/json.h"
#include "stages/common/log.h"

#define TRACE_CHUNK 4096	/* slices per chunk */

struct trace_slice {
	const char *name, *arg_name;
	uint64_t t0, t1;
	int64_t arg;
};

struct trace_chunk {
	struct trace_chunk *next;
	unsigned int n;
	struct trace_slice s[TRACE_CHUNK];
};

struct trace_track {
	struct trace_track *next;
	unsigned int tid;		/* 1, 2, ... in the order tracks were made */
	char name[32];
	struct trace_chunk *first, *last;
	bool lost;			/* a chunk could not be allocated */
};

bool trace_on;
static char *trace_path;
static uint64_t trace_t0;
static pthread_mutex_t tracks_lock = PTHREAD_MUTEX_INITIALIZER;
static struct trace_track *tracks;
static unsigned int ntracks;
static __thread struct trace_track *mine;

uint64_t trace__now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

int trace__start(const char *path)
{
	if (!(trace_path = strdup(path)))
		return -ENOMEM;
	trace_t0 = trace__now();
	trace_on = true;
	return 0;
}

const char *trace__path(void) { return trace_path; }

static struct trace_track *new_track(const char *name, int index)
{
	struct trace_track *t = calloc(1, sizeof(*t));

	if (!t)
		return NULL;
	if (index >= 0)
		snprintf(t->name, sizeof(t->name), "%s %d", name, index);
	else
		snprintf(t->name, sizeof(t->name), "%s", name);
	pthread_mutex_lock(&tracks_lock);
	t->tid = ++ntracks;
	t->next = tracks;
	tracks = t;
	pthread_mutex_unlock(&tracks_lock);
	return t;
}

void trace__thread(const char *name, int index)
{
	if (!trace_on)
		return;
	if (mine)
		snprintf(mine->name, sizeof(mine->name), index >= 0 ? "%s %d" : "%s", name, index);
	else
		mine = new_track(name, index);
}

void trace__slice(const char *name, uint64_t t0, uint64_t t1, const char *arg_name, int64_t arg)
{
	struct trace_chunk *c;

	if (!trace_on || (!mine && !(mine = new_track("thread", -1))))
		return;
	c = mine->last;
	if (!c || c->n == TRACE_CHUNK) {
		if (!(c = malloc(sizeof(*c)))) {
			mine->lost = true;
			return;
		}
		c->next = NULL;
		c->n = 0;
		if (mine->last)
			mine->last->next = c;
		else
			mine->first = c;
		mine->last = c;
	}
	c->s[c->n++] = (struct trace_slice){ name, arg_name, t0, t1, arg };
}

static void write_track(FILE *f, const struct trace_track *t, int pid)
{
	fprintf(f, ",\n{\"ph\":\"M\",\"name\":\"thread_name\",\"pid\":%d,\"tid\":%u,\"args\":{\"name\":", pid, t->tid);
	json__str(f, t->name);
	fprintf(f, "}}");
	fprintf(f, ",\n{\"ph\":\"M\",\"name\":\"thread_sort_index\",\"pid\":%d,\"tid\":%u,\"args\":{\"sort_index\":%u}}",
		pid, t->tid, t->tid);
	for (const struct trace_chunk *c = t->first; c; c = c->next)
		for (unsigned int i = 0; i < c->n; i++) {
			const struct trace_slice *s = &c->s[i];
			uint64_t b = s->t0 > trace_t0 ? s->t0 - trace_t0 : 0, e = s->t1 > s->t0 ? s->t1 - s->t0 : 0;

			fprintf(f, ",\n{\"ph\":\"X\",\"pid\":%d,\"tid\":%u,\"ts\":%llu.%03llu,\"dur\":%llu.%03llu,\"name\":",
				pid, t->tid, (unsigned long long)(b / 1000), (unsigned long long)(b % 1000),
				(unsigned long long)(e / 1000), (unsigned long long)(e % 1000));
			json__str(f, s->name);
			if (s->arg_name) {
				fprintf(f, ",\"args\":{");
				json__str(f, s->arg_name);
				fprintf(f, ":%lld}", (long long)s->arg);
			}
			fputc('}', f);
		}
}

static void free_tracks(void)
{
	while (tracks) {
		struct trace_track *t = tracks;

		tracks = t->next;
		while (t->first) {
			struct trace_chunk *c = t->first;

			t->first = c->next;
			free(c);
		}
		free(t);
	}
	ntracks = 0;
	mine = NULL;
}

void trace__discard(void)
{
	free_tracks();
	free(trace_path);
	trace_path = NULL;
	trace_on = false;
}

int trace__write(const char *process_name, const char **what)
{
	struct atomic_file af;
	int pid = (int)getpid(), err, fd;
	bool lost = false;
	FILE *f;

	if ((err = atomic_file__open(&af, trace_path, 0644, what)))
		goto out;
	if ((fd = dup(af.fd)) < 0 || !(f = fdopen(fd, "w"))) {
		err = -errno;
		*what = "open";
		if (fd >= 0)
			close(fd);
		atomic_file__abort(&af);
		goto out;
	}
	fprintf(f, "{\"displayTimeUnit\":\"ms\",\"otherData\":{\"tool\":\"btfstream\"},\"traceEvents\":[\n");
	fprintf(f, "{\"ph\":\"M\",\"name\":\"process_name\",\"pid\":%d,\"tid\":0,\"args\":{\"name\":", pid);
	json__str(f, process_name);
	fprintf(f, "}}");
	for (const struct trace_track *t = tracks; t; t = t->next) {
		write_track(f, t, pid);
		lost |= t->lost;
	}
	fprintf(f, "\n]}\n");
	if (lost)
		pr_warn("btfstream: trace: %s: out of memory, some slices are missing", trace_path);
	if (fflush(f) || ferror(f)) {
		err = -(errno ? errno : EIO);
		*what = "write";
		fclose(f);
		atomic_file__abort(&af);
		goto out;
	}
	fclose(f);
	err = atomic_file__commit(&af, what);
	if (err)
		atomic_file__abort(&af);
out:
	trace__discard();
	return err;
}
