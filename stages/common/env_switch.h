/* stages/common/env_switch.h: the BTFSTREAM_* switches that are on unless
 * set to 0 (for comparisons: each names what turning it off does where it
 * is read). Header only; any thread (getenv, no setenv while threads run). */
#ifndef BTFSTREAM_ENV_SWITCH_H
#define BTFSTREAM_ENV_SWITCH_H

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

/* false only when the variable name is set to exactly "0". */
static inline bool env_switch__on(const char *name)
{
	const char *e = getenv(name);

	return !e || strcmp(e, "0");
}

#endif
