/* tests/unit/word_names.h: names by strtab id for the unit tests of batch
 * names (stages/record/batch.h, struct batch_names): with ctx a struct
 * word_list, id i is words[i]; an id past its end has no string. */
#ifndef BTFSTREAM_TEST_WORD_NAMES_H
#define BTFSTREAM_TEST_WORD_NAMES_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "stages/record/batch.h"

struct word_list {
	const char *const *words;
	size_t n;
};

static inline const char *word_names__str(const void *ctx, uint32_t id, size_t *len)
{
	const struct word_list *l = ctx;

	if (id >= l->n)
		return NULL;
	*len = strlen(l->words[id]);
	return l->words[id];
}

#endif
