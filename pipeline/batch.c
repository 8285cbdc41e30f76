/* pipeline/batch.c: see batch.h. */
#include "pipeline/batch.h"
#include "pipeline/jobserver.h"
#include "stages/common/interrupt.h"

#include <bpf/btf.h>
#include <errno.h>
#include <ftw.h>
#include <libgen.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "stages/common/log.h"
#include "stages/dedup/base_prune.h"
#include "stages/dedup/base_strs.h"
#include "stages/input/base_btf.h"
#include "stages/common/grow.h"

static char **found;
static size_t nfound, capfound;

static int collect(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
	size_t len = strlen(path);
	struct stat target;

	/* links to modules count (a folder of links picks a set), linked
	 * folders are not walked (no loops) */
	if (type == FTW_SL && stat(path, &target) == 0)
		st = &target;
	else if (type != FTW_F)
		return 0;
	if (!S_ISREG(st->st_mode) || len < 3 || strcmp(path + len - 3, ".ko"))
		return 0;
	if (GROW(found, capfound, nfound + 1, 256))
		return -1;
	return (found[nfound++] = strdup(path)) ? 0 : -1;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int batch__find_modules(const char *dir, char ***list, size_t *n)
{
	found = *list;
	nfound = capfound = *n;
	if (nftw(dir, collect, 16, FTW_PHYS)) {
		pr_warn("btfstream: batch: %s: cannot walk the folder: %s", dir, strerror(errno ? errno : ENOMEM));
		return -errno;
	}
	if (nfound)
		qsort(found, nfound, sizeof(*found), cmp_str);
	*list = found;
	*n = nfound;
	return 0;
}

/* OUTDIR/<name>.btf, or OUTDIR/<name> for an ELF copy, or the input itself. */
static char *output_for(const char *input, const char *outdir, bool embed)
{
	char *copy = strdup(input), *out = NULL;

	if (!copy)
		return NULL;
	if (!outdir)
		out = strdup(input);
	else if (asprintf(&out, "%s/%s%s", outdir, basename(copy), embed ? "" : ".btf") < 0)
		out = NULL;
	free(copy);
	return out;
}

/* One worker: inputs from the shared counter until none is left. Returns
 * how many failed. Runs in a child process. */
static int worker(const struct pipeline_opts *tmpl, char *const *inputs, size_t n, const char *outdir,
		  atomic_size_t *next)
{
	int failed = 0;
	size_t i;

	while ((i = atomic_fetch_add(next, 1)) < n) {
		struct pipeline_opts o = *tmpl;
		char *out = output_for(inputs[i], outdir, tmpl->embed);

		o.input = inputs[i];
		o.output = out;
		if (!out || pipeline__run(&o, NULL))
			failed++;
		free(out);
	}
	return failed;
}

unsigned int batch__workers(unsigned int workers, size_t n)
{
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);

	if (!workers)
		workers = cpus > 0 ? (unsigned int)cpus : 1;
	return workers > n ? (unsigned int)n : workers;
}

/* A worker process, registered so that a signal is passed on to it
 * (stages/common/interrupt.h); its pid, or -1 (the others take its share). */
static pid_t start_worker(const struct pipeline_opts *o, char *const *inputs, size_t n, const char *outdir,
			  atomic_size_t *next)
{
	pid_t pid;

	interrupt__hold(true);	/* no signal between the fork and the registration */
	pid = fork();
	if (pid == 0) {
		int f;

		interrupt__in_child();
		interrupt__hold(false);
		f = worker(o, inputs, n, outdir, next);
		_exit(f > 255 ? 255 : f);
	}
	if (pid > 0)
		interrupt__add_child(pid);
	interrupt__hold(false);
	if (pid < 0)
		pr_warn("btfstream: batch: cannot start a worker: %s", strerror(errno));
	return pid;
}

/* The workers: worker 0 runs on this process's own job slot; under make's
 * jobserver each further one first takes a token (given back when it
 * exits), started while inputs are left to claim; without one, all start at
 * once. Returns the inputs that failed. */
struct workers {
	pid_t *pids;
	int *tokens;		/* a worker's jobserver token, -1: none */
	unsigned int started, running;
	int failed;
};

static void start_one(struct workers *ws, const struct pipeline_opts *o, char *const *inputs, size_t n,
		      const char *outdir, atomic_size_t *next, int token)
{
	pid_t pid = start_worker(o, inputs, n, outdir, next);

	if (pid < 0) {
		if (o->js)
			jobserver__release(o->js, token);
		return;
	}
	ws->pids[ws->started] = pid;
	ws->tokens[ws->started++] = token;
	ws->running++;
}

/* Reaps one worker (waiting if block): its failures counted, its token
 * given back. false if none had ended (only without block). */
static bool reap_one(struct workers *ws, struct jobserver *js, bool block)
{
	int status;
	pid_t pid = waitpid(-1, &status, block ? 0 : WNOHANG);

	if (pid <= 0)
		return false;
	for (unsigned int w = 0; w < ws->started; w++)
		if (ws->pids[w] == pid) {
			interrupt__remove_child(pid);
			ws->failed += WIFEXITED(status) ? WEXITSTATUS(status) : 1;
			if (js)
				jobserver__release(js, ws->tokens[w]);
			ws->pids[w] = 0;
			ws->running--;
		}
	return true;
}

static int run_workers(const struct pipeline_opts *tmpl, char *const *inputs, size_t n, const char *outdir,
		       atomic_size_t *next, pid_t *pids, unsigned int workers)
{
	struct pipeline_opts o = *tmpl;
	struct workers ws = { .pids = pids, .tokens = calloc(workers, sizeof(int)) };
	struct jobserver *js = tmpl->js;

	if (!ws.tokens)
		return 0;	/* no worker: this process converts them all */
	o.js = NULL;	/* a worker takes no tokens of its own (one reader) */
	start_one(&ws, &o, inputs, n, outdir, next, -1);
	while (!js && ws.started < workers)
		start_one(&ws, &o, inputs, n, outdir, next, -1);
	while (ws.running) {
		int token;

		if (js && ws.started < workers && atomic_load(next) < n) {
			if ((token = jobserver__try_acquire(js)) >= 0)
				start_one(&ws, &o, inputs, n, outdir, next, token);
			else if (!reap_one(&ws, js, false))
				jobserver__wait(js, 20);
			continue;
		}
		reap_one(&ws, js, true);
	}
	free(ws.tokens);
	return ws.failed;
}

/* The index of the base's strings every worker's modules look their names
 * up in (stages/dedup/base_strs.h), made before the fork: NULL without a
 * base, for a base it cannot index, out of memory, or with
 * BTFSTREAM_BASE_STRS=0 (tests compare the two ways): libbpf's lookups. */
static const struct base_strs *base_strs_for(const struct btf *base)
{
	const char *e = getenv("BTFSTREAM_BASE_STRS");

	if (!base || (e && !strcmp(e, "0")))
		return NULL;
	return base_strs__new(base);
}

int batch__run(const struct pipeline_opts *tmpl, char *const *inputs, size_t n, const char *outdir,
	       unsigned int workers)
{
	struct pipeline_opts o = *tmpl;
	atomic_size_t *next;
	int failed;
	pid_t *pids;

	if (outdir && mkdir(outdir, 0755) && errno != EEXIST) {
		pr_warn("btfstream: batch: %s: cannot create the output folder: %s", outdir, strerror(errno));
		return -errno;
	}
	if (o.base) {
		char why[512];
		int err;

		if (!(o.base_btf = base_btf__load(o.base, &err, why, sizeof(why)))) {
			pr_warn("btfstream: input: %s: %s", o.base, why);
			return err;
		}
	}
	o.base_strs = base_strs_for(o.base_btf);
	if (o.base_btf && base_prune__enabled() && !(o.base_prune = base_prune__new((struct btf *)o.base_btf))) {
		base_strs__free((struct base_strs *)o.base_strs);
		btf__free((struct btf *)o.base_btf);
		return -ENOMEM;
	}
	workers = batch__workers(workers, n);
	o.jobs = 1;	/* parallel across inputs, one reader each */
	next = mmap(NULL, sizeof(*next), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	pids = calloc(workers, sizeof(*pids));
	if (next == MAP_FAILED || !pids) {
		free(pids);
		base_prune__free(o.base_prune);
		base_strs__free((struct base_strs *)o.base_strs);
		btf__free((struct btf *)o.base_btf);
		return -ENOMEM;
	}
	atomic_init(next, 0);
	fflush(NULL);
	failed = run_workers(&o, inputs, n, outdir, next, pids, workers);
	failed += worker(&o, inputs, n, outdir, next);	/* nothing left, unless no worker started */
	munmap(next, sizeof(*next));
	free(pids);
	base_prune__free(o.base_prune);
	base_strs__free((struct base_strs *)o.base_strs);
	btf__free((struct btf *)o.base_btf);
	return failed;
}
