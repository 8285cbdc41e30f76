/* tests/tap.h: a tiny TAP producer for the C unit tests, read by `prove`.
 *
 * Single-threaded use only: call ok()/is_int()/is_str() from the test's main thread.
 * A test file calls plan(N) (or done_testing() at the end), then one ok() per
 * check, and returns exit_status() from main.
 */
#ifndef BTFSTREAM_TAP_H
#define BTFSTREAM_TAP_H

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int tap_count;
static int tap_failed;

static inline void plan(int n) { printf("1..%d\n", n); fflush(stdout); }

static inline int ok(int cond, const char *fmt, ...)
{
	va_list ap;

	tap_count++;
	if (!cond)
		tap_failed++;
	printf("%sok %d - ", cond ? "" : "not ", tap_count);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
	return cond;
}

#define is_int(got, want, ...)                                               \
	({                                                                    \
		long long _g = (long long)(got), _w = (long long)(want);      \
		int _r = ok(_g == _w, __VA_ARGS__);                           \
		if (!_r)                                                      \
			printf("#   got %lld, want %lld\n", _g, _w);          \
		_r;                                                           \
	})

#define is_str(got, want, ...)                                               \
	({                                                                    \
		const char *_g = (got), *_w = (want);                         \
		int _r = ok(_g && _w && !strcmp(_g, _w), __VA_ARGS__);        \
		if (!_r)                                                      \
			printf("#   got '%s', want '%s'\n", _g ? _g : "(null)", \
			       _w ? _w : "(null)");                           \
		_r;                                                           \
	})

static inline void diag(const char *fmt, ...)
{
	va_list ap;

	printf("# ");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
}

/* A test not run here, with the reason (TAP's "# SKIP"). */
static inline void skip(const char *why)
{
	tap_count++;
	printf("ok %d # SKIP %s\n", tap_count, why);
	fflush(stdout);
}

static inline void done_testing(void) { printf("1..%d\n", tap_count); fflush(stdout); }

static inline int exit_status(void) { return tap_failed ? 1 : 0; }

#endif
