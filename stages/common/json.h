/* stages/common/json.h: JSON output helpers (--stats=json, --trace).
 * Any thread; f is the caller's. */
#ifndef BTFSTREAM_JSON_H
#define BTFSTREAM_JSON_H

#include <stdio.h>

/* s as a JSON string, quotes included: '"', '\' and control characters
 * escaped (a path or a name may hold any of them). */
void json__str(FILE *f, const char *s);

#endif
