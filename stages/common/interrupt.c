/* stages/common/interrupt.c: see interrupt.h. */
#include "stages/common/interrupt.h"

#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static struct {
	atomic_int state;	/* 0 free, 1 being filled or emptied, 2 holds a path */
	char path[PATH_MAX];
} slots[INTERRUPT_SLOTS];

/* a thread is between creating a file and registering it (interrupt__hold) */
static atomic_int creating;

/* worker processes (batch mode): the signal is passed on and waited for */
static atomic_int children[INTERRUPT_CHILDREN];

/* interrupt__at_exit's function, or NULL */
static void (*_Atomic last_words)(void);

void interrupt__at_exit(void (*fn)(void))
{
	atomic_store_explicit(&last_words, fn, memory_order_release);
}

static void on_signal(int sig)
{
	void (*fn)(void);

	/* On another thread than the one creating (it holds the signals, so the
	 * handler never runs on it): let it finish registering, a few
	 * instructions, so its file is removed too. */
	while (atomic_load_explicit(&creating, memory_order_acquire))
		;
	/* workers remove their own files: tell them, and wait until they have
	 * (kill and waitpid are async-signal-safe) */
	for (int i = 0; i < INTERRUPT_CHILDREN; i++) {
		pid_t pid = atomic_load_explicit(&children[i], memory_order_acquire);

		if (pid > 0)
			kill(pid, sig);
	}
	for (int i = 0; i < INTERRUPT_CHILDREN; i++) {
		pid_t pid = atomic_load_explicit(&children[i], memory_order_acquire);

		if (pid > 0)
			waitpid(pid, NULL, 0);
	}
	for (int i = 0; i < INTERRUPT_SLOTS; i++)
		if (atomic_load_explicit(&slots[i].state, memory_order_acquire) == 2)
			unlink(slots[i].path);
	if ((fn = atomic_load_explicit(&last_words, memory_order_acquire)))
		fn();
	_exit(128 + sig);
}

static void held_signals(sigset_t *set)
{
	sigemptyset(set);
	sigaddset(set, SIGINT);
	sigaddset(set, SIGTERM);
	sigaddset(set, SIGHUP);
}

void interrupt__hold(bool hold)
{
	int saved = errno;
	sigset_t set;

	held_signals(&set);
	if (hold) {
		pthread_sigmask(SIG_BLOCK, &set, NULL);
		atomic_fetch_add_explicit(&creating, 1, memory_order_acq_rel);
	} else {
		atomic_fetch_sub_explicit(&creating, 1, memory_order_acq_rel);
		pthread_sigmask(SIG_UNBLOCK, &set, NULL);
	}
	errno = saved;
}

void interrupt__install(void)
{
	static const int sigs[] = { SIGINT, SIGTERM, SIGHUP };
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	held_signals(&sa.sa_mask);	/* one handler at a time */
	for (unsigned int i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++) {
		struct sigaction old;

		/* a signal the caller ignores (nohup, "cmd &" in a script) stays ignored */
		if (sigaction(sigs[i], NULL, &old) == 0 && old.sa_handler == SIG_IGN)
			continue;
		sigaction(sigs[i], &sa, NULL);
	}
}

int interrupt__register(const char *path)
{
	size_t len = strlen(path);

	if (len >= PATH_MAX)
		return -1;
	for (int i = 0; i < INTERRUPT_SLOTS; i++) {
		int expected = 0;

		if (!atomic_compare_exchange_strong(&slots[i].state, &expected, 1))
			continue;
		memcpy(slots[i].path, path, len + 1);
		atomic_store_explicit(&slots[i].state, 2, memory_order_release);
		return i;
	}
	return -1;
}

void interrupt__add_child(pid_t pid)
{
	for (int i = 0; i < INTERRUPT_CHILDREN; i++) {
		int expected = 0;

		if (atomic_compare_exchange_strong(&children[i], &expected, (int)pid))
			return;
	}
}

void interrupt__remove_child(pid_t pid)
{
	for (int i = 0; i < INTERRUPT_CHILDREN; i++) {
		int expected = (int)pid;

		if (atomic_compare_exchange_strong(&children[i], &expected, 0))
			return;
	}
}

void interrupt__in_child(void)
{
	for (int i = 0; i < INTERRUPT_CHILDREN; i++)
		atomic_store_explicit(&children[i], 0, memory_order_release);
	atomic_store_explicit(&last_words, NULL, memory_order_release);	/* the parent's to say */
}

void interrupt__unregister(int slot)
{
	if (slot >= 0 && slot < INTERRUPT_SLOTS)
		atomic_store_explicit(&slots[slot].state, 0, memory_order_release);
}
