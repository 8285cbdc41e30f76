/* pipeline/switches.c: see switches.h. */
#include "pipeline/switches.h"

#include <stdlib.h>
#include <string.h>

#include "stages/common/env_switch.h"

#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define PIPELINE_FREES_AT_EXIT 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer) || __has_feature(memory_sanitizer)
#define PIPELINE_FREES_AT_EXIT 1
#endif
#endif
#ifndef PIPELINE_FREES_AT_EXIT
#define PIPELINE_FREES_AT_EXIT 0
#endif

bool switches__predup(void)
{
	const char *e = getenv("BTFSTREAM_PREDUP");

	return e && !strcmp(e, "1");
}

bool switches__exact(void)
{
	return env_switch__on("BTFSTREAM_EXACT");
}

bool switches__named_end(void)
{
	return env_switch__on("BTFSTREAM_NAMED_END");
}

bool switches__btf_bytes(void)
{
	const char *e = getenv("BTFSTREAM_RECORDS");

	return !e || strcmp(e, "1");
}

bool switches__no_symbol_names(void)
{
	return env_switch__on("BTFSTREAM_NO_SYMBOL_NAMES");
}

bool switches__leave_to_exit(const struct pipeline_opts *o)
{
	const char *e = getenv("BTFSTREAM_FREE_AT_EXIT");

	return o->exit_after && !PIPELINE_FREES_AT_EXIT && !(e && *e && strcmp(e, "0"));
}
