/* stages/common/log.h: the one logging helper library code may print through.
 *
 * Library code (queue/, strtab/, stages/, pipeline/) never calls fprintf on its
 * own; it calls pr_warn/pr_info/pr_debug. The CLI sets the level and the stream
 * once, before any thread starts (log__set_level, log__set_stream); after that
 * any thread may log. Each call writes one whole line with a single write, so
 * lines from different threads do not interleave.
 */
#ifndef BTFSTREAM_LOG_H
#define BTFSTREAM_LOG_H

#include <stdio.h>

enum log_level {
	LOG_QUIET = 0, /* nothing, not even warnings */
	LOG_WARN = 1,
	LOG_INFO = 2,
	LOG_DEBUG = 3,
};

void log__set_level(enum log_level level);
void log__set_stream(FILE *stream);
enum log_level log__level(void);
void log__printf(enum log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* The same, to standard output: lines a tool reads from pahole's -V
 * output (function skip reasons), which pahole prints there. */
void log__printf_out(enum log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Lines logged between log__hold and log__release are kept in memory and
 * written, in order, at log__release (or at exit, whichever comes first).
 * For the start of the process, which may run itself again before it does
 * anything (pipeline/huge_heap.h): an execv drops what is held, so each
 * line is printed once, by the process that goes on. Main thread only,
 * before any other thread exists. */
void log__hold(void);
void log__release(void);

#define pr_warn(...) log__printf(LOG_WARN, __VA_ARGS__)
#define pr_info(...) log__printf(LOG_INFO, __VA_ARGS__)
#define pr_debug(...) log__printf(LOG_DEBUG, __VA_ARGS__)
#define pr_out(level, ...) log__printf_out(level, __VA_ARGS__)

#endif
