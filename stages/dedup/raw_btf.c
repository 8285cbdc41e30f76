/* stages/dedup/raw_btf.c: see raw_btf.h. */
#include "stages/dedup/raw_btf.h"

#include <bpf/btf.h>
#include <errno.h>
#include <linux/btf.h>
#include <stdlib.h>
#include <string.h>

#include "stages/common/elf_btf.h"

/* btf__new, or elf_btf__from_bytes on a base, of header + types + strs. */
static struct btf *assembled(const void *types, uint32_t tlen, const void *strs, uint32_t slen, struct btf *base)
{
	struct btf_header h = {
		.magic = BTF_MAGIC, .version = BTF_VERSION, .hdr_len = sizeof(h),
		.type_off = 0, .type_len = tlen, .str_off = tlen, .str_len = slen,
	};
	size_t size = sizeof(h) + (size_t)tlen + slen;
	char *raw = malloc(size);
	struct btf *btf;
	int e;

	if (!raw) {
		errno = ENOMEM;
		return NULL;
	}
	memcpy(raw, &h, sizeof(h));
	if (tlen)	/* types or strs may be NULL when empty (a strings-only base) */
		memcpy(raw + sizeof(h), types, tlen);
	if (slen)
		memcpy(raw + sizeof(h) + tlen, strs, slen);
	btf = elf_btf__from_bytes(raw, size, base);
	e = errno;
	free(raw);
	errno = e;
	return btf;
}

struct btf *raw_btf__new(const void *types, uint32_t tlen, const void *strs, uint32_t slen)
{
	return assembled(types, tlen, strs, slen, NULL);
}

struct btf *raw_btf__new_split(const void *types, uint32_t tlen, const void *strs, uint32_t slen, struct btf *base)
{
	return assembled(types, tlen, strs, slen, base);
}
