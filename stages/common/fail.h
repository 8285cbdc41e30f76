/* stages/common/fail.h: the pipeline's first error.
 *
 * Any thread may call fail__set; the first call wins and later ones are
 * dropped, so the error is reported once. Readers of the message (the driver,
 * after joining every thread) see it complete: the flag is set with release
 * order after the text is written.
 */
#ifndef BTFSTREAM_FAIL_H
#define BTFSTREAM_FAIL_H

#include <stdatomic.h>
#include <stdbool.h>

struct fail {
	atomic_int state;	/* 0 clear, 1 being written, 2 set */
	int err;		/* -errno of the first error */
	char msg[512];
};

/* Record "fmt..." as the first error with code err (-errno). Returns err. */
int fail__set(struct fail *f, int err, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static inline bool fail__is_set(struct fail *f)
{
	return atomic_load_explicit(&f->state, memory_order_acquire) != 0;
}

#endif
