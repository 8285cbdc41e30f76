/* stages/common/btf_bits.c: see btf_bits.h. */
#include "stages/common/btf_bits.h"

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include <bpf/btf.h>
#include <bpf/libbpf_version.h>

uint32_t btf_bits__check(const struct btf *btf, uint32_t *info)
{
	const struct btf *base = btf__base_btf(btf);
	uint32_t id = base ? btf__type_cnt(base) : 1, end = btf__type_cnt(btf);

	for (; id < end; id++) {
		const struct btf_type *t = btf__type_by_id(btf, id);

		if (t && (t->info & BTF_BITS_UNUSED_16_5)) {
			*info = t->info;
			return id;
		}
	}
	return 0;
}

bool btf_bits__misaligned(const struct btf *btf)
{
	const struct btf *base = btf__base_btf(btf);
	uint32_t first = base ? btf__type_cnt(base) : 1;

	return btf__type_cnt(btf) > first && ((uintptr_t)btf__type_by_id(btf, first) & 3);
}

int btf_bits__why(const struct btf *btf, char *buf, unsigned long len)
{
	uint32_t info = 0, id;

	if (btf_bits__misaligned(btf)) {
		snprintf(buf, len, "its types do not start at a multiple of 4 bytes (a header of an odd length):"
			 " corrupt");
		return -EPROTO;
	}
	id = btf_bits__check(btf, &info);
	if (!id)
		return 0;
	snprintf(buf, len, "type [%u] has info 0x%08x: a kind wider than 5 bits or a vlen wider than 16 bits "
		 "(a newer kernel's BTF UAPI), which libbpf %d.%d cannot read", id, info, LIBBPF_MAJOR_VERSION,
		 LIBBPF_MINOR_VERSION);
	return -EPROTO;
}
