/* stages/common/interrupt.h: SIGINT, SIGTERM and SIGHUP stop btfstream
 * without leaving a temporary output file behind.
 *
 * atomic_file registers each temporary file it creates and unregisters it
 * when the file is renamed into place or removed. interrupt__install (main.c,
 * before any thread starts) sets a handler for the three signals that
 * unlinks every registered file (unlink is async-signal-safe) and exits with
 * 128 + the signal number, as a shell reports a command the signal ended.
 * Outputs already renamed into place stay whole; an output being replaced
 * keeps its old contents.
 *
 * A signal the process was started with ignored (nohup) stays ignored.
 * The handler may run on any thread. interrupt__hold closes the window
 * between creating a file and registering it: the creating thread holds
 * the signals (so the handler cannot run on it then), and a handler on
 * another thread waits until the registration is done.
 *
 * Threads: register/unregister may be called from any thread; each slot is
 * a fixed buffer published with a release store of its flag, so the handler,
 * on whichever thread the signal lands, reads only complete paths and never
 * memory another thread frees. INTERRUPT_SLOTS files at once at most (one
 * output and its .base per pipeline; batch mode runs one emit at a time);
 * a file that finds no slot is still written, only not cleaned on a signal.
 */
#ifndef BTFSTREAM_INTERRUPT_H
#define BTFSTREAM_INTERRUPT_H

#include <stdbool.h>

#include <sys/types.h>

#define INTERRUPT_SLOTS 8
#define INTERRUPT_CHILDREN 256

void interrupt__install(void);

/* A slot index for path (copied), or -1 if none is free or it is too long. */
int interrupt__register(const char *path);
void interrupt__unregister(int slot);

/* Worker processes (batch mode): on a signal the handler passes it on to
 * each and waits for them (they remove their own files) before it exits.
 * Fork and add with interrupt__hold held; the child calls interrupt__in_child
 * (it has no workers of its own) and releases the hold it inherited. */
void interrupt__add_child(pid_t pid);
void interrupt__remove_child(pid_t pid);
void interrupt__in_child(void);

/* fn runs in the handler, last before it exits (so only async-signal-safe
 * calls: the jobserver writes its tokens back). One at a time; NULL: none;
 * a worker process (interrupt__in_child) has none. */
void interrupt__at_exit(void (*fn)(void));

/* Hold (true) or release (false) the three signals on the calling thread
 * and mark a creation in progress, around creating a file and registering
 * it (nothing else: a handler elsewhere waits meanwhile). errno is kept. */
void interrupt__hold(bool hold);

#endif
