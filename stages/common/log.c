/* stages/common/log.c: see log.h. */
#include "stages/common/log.h"

#include <stdarg.h>
#include <string.h>
#include <unistd.h>

static enum log_level current_level = LOG_WARN;
static FILE *current_stream;

void log__set_level(enum log_level level) { current_level = level; }
void log__set_stream(FILE *stream) { current_stream = stream; }
enum log_level log__level(void) { return current_level; }

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
