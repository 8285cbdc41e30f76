/* stages/dedup/btf_append.c: see btf_append.h. */
#include "stages/dedup/btf_append.h"

#include <bpf/btf.h>
#include <errno.h>
#include <linux/btf.h>
#include <stdlib.h>
#include <string.h>

#include "stages/common/btf_refs.h"
#include "stages/common/grow.h"

int btf_append__types(struct btf *dst, const struct btf *src, int *start)
{
	uint32_t n = btf__type_cnt(src), shift = btf__type_cnt(dst) - 1;
	unsigned char *copy = NULL;	/* malloc's alignment suits a btf_type */
	size_t cap = 0;
	int err = 0;

	*start = (int)btf__type_cnt(dst);
	for (uint32_t id = 1; !err && id < n; id++) {
		const struct btf_type *t = btf__type_by_id(src, id);
		size_t sz = t ? btf_refs__type_bytes(t) : 0;
		struct btf_refs it;
		uint32_t *ref;

		if (!sz || !btf_refs__known(t)) {
			err = -EPROTO;
			break;
		}
		if (GROW(copy, cap, sz, 4096)) {
			err = -ENOMEM;
			break;
		}
		memcpy(copy, t, sz);
		btf_refs__init(&it, (struct btf_type *)copy);
		while ((ref = btf_refs__next(&it)))
			if (*ref)
				*ref += shift;
		if ((err = btf__add_type(dst, src, (struct btf_type *)copy)) > 0)
			err = 0;
	}
	free(copy);
	return err;
}
