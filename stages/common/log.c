/* stages/common/log.c: see log.h. */
#include "stages/common/log.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static enum log_level current_level = LOG_WARN;
static FILE *current_stream;

static struct {	/* lines held: each a FILE * and a NUL-terminated line */
	bool on;
	char *buf;
	size_t len, cap;
} held;

void log__set_level(enum log_level level) { current_level = level; }
void log__set_stream(FILE *stream) { current_stream = stream; }
enum log_level log__level(void) { return current_level; }

/* Keeps the line for log__release; false (write it now) if out of memory. */
static bool hold_line(FILE *stream, const char *line, size_t n)
{
	size_t need = held.len + sizeof(stream) + n + 1;

	if (need > held.cap) {
		size_t cap = need > 2 * held.cap ? need : 2 * held.cap;
		char *buf = realloc(held.buf, cap);

		if (!buf)
			return false;
		held.buf = buf;
		held.cap = cap;
	}
	memcpy(held.buf + held.len, &stream, sizeof(stream));
	memcpy(held.buf + held.len + sizeof(stream), line, n + 1);
	held.len = need;
	return true;
}

void log__release(void)
{
	size_t at = 0;

	held.on = false;
	while (at < held.len) {
		FILE *stream;
		const char *line = held.buf + at + sizeof(stream);
		size_t n = strlen(line);

		memcpy(&stream, held.buf + at, sizeof(stream));
		if (fwrite(line, 1, n, stream) == n)
			fflush(stream);
		at += sizeof(stream) + n + 1;
	}
	free(held.buf);
	held.buf = NULL;
	held.len = held.cap = 0;
}

void log__hold(void)
{
	static bool registered;

	if (!registered && !atexit(log__release))
		registered = true;
	held.on = registered;	/* without the exit hook, nothing is held */
}

static void emit(FILE *stream, enum log_level level, const char *fmt, va_list ap)
{
	char line[1024];
	int n;

	if (level > current_level)
		return;
	n = vsnprintf(line, sizeof(line) - 1, fmt, ap);
	if (n < 0)
		return;
	if ((size_t)n > sizeof(line) - 2)
		n = sizeof(line) - 2;
	if (n == 0 || line[n - 1] != '\n')
		line[n++] = '\n';
	line[n] = '\0';
	if (held.on && hold_line(stream, line, (size_t)n))
		return;
	if (fwrite(line, 1, n, stream) != (size_t)n)
		return;
	fflush(stream);
}

void log__printf(enum log_level level, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	emit(current_stream ? current_stream : stderr, level, fmt, ap);
	va_end(ap);
}

void log__printf_out(enum log_level level, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	emit(stdout, level, fmt, ap);
	va_end(ap);
}
