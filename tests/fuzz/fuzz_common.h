/* tests/fuzz/fuzz_common.h: what every fuzz target shares (make fuzz).
 *
 * btfstream reads files by path (it maps them), so each input is written to
 * one file in a private temporary folder made on the first call and reused;
 * the targets call the same entry points the CLI does. Messages are
 * silenced: a rejected input is the expected outcome, a crash, a sanitizer
 * report or a hang (libFuzzer's -timeout) is the finding.
 */
#ifndef BTFSTREAM_FUZZ_COMMON_H
#define BTFSTREAM_FUZZ_COMMON_H

#include <bpf/libbpf.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "stages/common/log.h"

static char fuzz_dir[64];

static int fuzz_quiet_libbpf(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	(void)level, (void)fmt, (void)ap;
	return 0;
}

/* path of a file in the private folder: fuzz_path("in") */
static const char *fuzz_path(const char *name)
{
	static char buf[4][128];
	static int next;
	char *p = buf[next++ & 3];

	if (!fuzz_dir[0]) {
		strcpy(fuzz_dir, "/tmp/btfstream-fuzz.XXXXXX");
		if (!mkdtemp(fuzz_dir))
			abort();
		log__set_level(LOG_QUIET);
		libbpf_set_print(fuzz_quiet_libbpf);
	}
	snprintf(p, sizeof(buf[0]), "%s/%s", fuzz_dir, name);
	return p;
}

/* data[0..size) into the file fuzz_path(name); its path */
static const char *fuzz_write(const char *name, const uint8_t *data, size_t size)
{
	const char *path = fuzz_path(name);
	FILE *f = fopen(path, "wb");

	if (!f || (size && fwrite(data, 1, size, f) != size) || fclose(f))
		abort();
	return path;
}

#endif
