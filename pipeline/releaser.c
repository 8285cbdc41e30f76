/* pipeline/releaser.c: see releaser.h. */
#include "pipeline/releaser.h"

#include <errno.h>
#include <string.h>

#include "pipeline/stats.h"
#include "pipeline/threads.h"
#include "stages/common/trace.h"
#include "stages/input/input.h"

static void release(struct releaser *r, uint64_t to, bool aux)
{
	if (r->in->debug_info_off && to > input__released(r->in))
		input__release_until(r->in, to);
	if (aux)
		input__release_aux(r->in);
}

static void *releaser_main(void *arg)
{
	struct releaser *r = arg;
	uint64_t done = 0;

	run_threads__name_self("release", -1);
	trace__thread("release", -1);
	pthread_mutex_lock(&r->lock);
	for (;;) {
		uint64_t to, t0;
		bool aux;

		while (!r->stop && r->to == done && !r->aux)
			pthread_cond_wait(&r->posted, &r->lock);
		if (r->to == done && !r->aux)
			break;	/* stopped, nothing left */
		to = done = r->to;
		aux = r->aux;
		r->aux = false;
		pthread_mutex_unlock(&r->lock);
		t0 = trace__now();
		release(r, to, aux);
		r->calls++;
		trace__slice("let input pages go", t0, trace__now(), "to", (int64_t)to);
		pthread_mutex_lock(&r->lock);
	}
	pthread_mutex_unlock(&r->lock);
	r->cpu_ns = stats__thread_cpu_ns();
	r->wall_ns = stats__now_ns() - r->wall0;
	return NULL;
}

int releaser__start(struct releaser *r, struct input *in, bool thread)
{
	int err;

	memset(r, 0, sizeof(*r));
	r->in = in;
	r->wall0 = stats__now_ns();
	if (!thread)
		return 0;
	pthread_mutex_init(&r->lock, NULL);
	pthread_cond_init(&r->posted, NULL);
	if ((err = pthread_create(&r->tid, NULL, releaser_main, r))) {
		pthread_cond_destroy(&r->posted);
		pthread_mutex_destroy(&r->lock);
		return -err;
	}
	r->started = true;
	return 0;
}

void releaser__post(struct releaser *r, uint64_t to, bool aux)
{
	if (!r->started) {
		release(r, to, aux);
		return;
	}
	pthread_mutex_lock(&r->lock);
	if (to > r->to)
		r->to = to;
	r->aux |= aux;
	pthread_cond_signal(&r->posted);
	pthread_mutex_unlock(&r->lock);
}

void releaser__stop(struct releaser *r)
{
	if (!r->started)
		return;
	pthread_mutex_lock(&r->lock);
	r->stop = true;
	pthread_cond_signal(&r->posted);
	pthread_mutex_unlock(&r->lock);
	pthread_join(r->tid, NULL);
	r->started = false;
	pthread_cond_destroy(&r->posted);
	pthread_mutex_destroy(&r->lock);
}
