/* stages/common/libbpf_log.c: see libbpf_log.h. */
#include "stages/common/libbpf_log.h"

#include <stdio.h>

#include "stages/common/log.h"

int libbpf_log__print(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	char line[512];

	(void)level;
	if (log__level() < LOG_DEBUG)
		return 0;
	vsnprintf(line, sizeof(line), fmt, ap);	/* "libbpf: ...\n": log.c keeps one newline */
	pr_debug("%s", line);
	return 0;
}
