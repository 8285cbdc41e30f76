/* stages/common/fail.c: see fail.h. */
#include "stages/common/fail.h"

#include <stdarg.h>
#include <stdio.h>

int fail__set(struct fail *f, int err, const char *fmt, ...)
{
	int expected = 0;
	va_list ap;

	if (!atomic_compare_exchange_strong(&f->state, &expected, 1))
		return err;
	va_start(ap, fmt);
	vsnprintf(f->msg, sizeof(f->msg), fmt, ap);
	va_end(ap);
	f->err = err;
	/* release: whoever sees state 2 also sees msg and err */
	atomic_store_explicit(&f->state, 2, memory_order_release);
	return err;
}
