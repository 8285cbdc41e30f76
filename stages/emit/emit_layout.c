/* stages/emit/emit_layout.c: the BTF layout section (the `layout` feature).
 *
 * Kernel 7.1's BTF UAPI lets a header of 32 bytes name a third section
 * (layout_off, layout_len after str_len) that gives, for each kind 0 ..
 * BTF_KIND_ENUM64, the size of the single record after struct btf_type
 * (info_sz) and of each of its vlen records (elem_sz), so that a parser can
 * step over a kind it does not know. Each entry is 4 bytes: info_sz (u8),
 * elem_sz (u8), flags (u16, 0). The section sits between the types and the
 * strings: header, types, layout, strings. The sizes below are the UAPI
 * structs' own. Kernels before 7.1 refuse a header longer than 24 bytes
 * with nonzero bytes past 24, so this is written only when asked for, and,
 * as pahole does, for base BTF only (never a module's split BTF).
 */
#include "stages/emit/emit.h"

#include <errno.h>
#include <linux/btf.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define LAYOUT_KINDS (BTF_KIND_ENUM64 + 1)
#define OLD_HDR_LEN 24u
#define LAYOUT_HDR_LEN 32u

static const struct {
	uint8_t info_sz, elem_sz;
} kind_sizes[LAYOUT_KINDS] = {
	[BTF_KIND_INT] = { sizeof(uint32_t), 0 },
	[BTF_KIND_ARRAY] = { sizeof(struct btf_array), 0 },
	[BTF_KIND_STRUCT] = { 0, sizeof(struct btf_member) },
	[BTF_KIND_UNION] = { 0, sizeof(struct btf_member) },
	[BTF_KIND_ENUM] = { 0, sizeof(struct btf_enum) },
	[BTF_KIND_FUNC_PROTO] = { 0, sizeof(struct btf_param) },
	[BTF_KIND_VAR] = { sizeof(struct btf_var), 0 },
	[BTF_KIND_DATASEC] = { 0, sizeof(struct btf_var_secinfo) },
	[BTF_KIND_DECL_TAG] = { sizeof(struct btf_decl_tag), 0 },
	[BTF_KIND_ENUM64] = { 0, sizeof(struct btf_enum64) },
	/* PTR, FWD, TYPEDEF, VOLATILE, CONST, RESTRICT, FUNC, FLOAT, TYPE_TAG,
	 * and kind 0: nothing after struct btf_type */
};

static uint32_t get32(const unsigned char *p, bool be)
{
	return be ? (uint32_t)p[0] << 24 | p[1] << 16 | p[2] << 8 | p[3]
		  : (uint32_t)p[3] << 24 | p[2] << 16 | p[1] << 8 | p[0];
}

static void put32(unsigned char *p, uint32_t v, bool be)
{
	for (int i = 0; i < 4; i++)
		p[be ? 3 - i : i] = (unsigned char)(v >> (8 * i));
}

int emit__add_layout(const void *raw, size_t size, bool big_endian, void **out, size_t *out_size)
{
	const unsigned char *in = raw;
	uint32_t hdr_len, type_off, type_len, str_off, str_len, layout_off;
	unsigned char *o;
	size_t n;

	if (size < OLD_HDR_LEN)
		return -EINVAL;
	hdr_len = get32(in + 4, big_endian);
	type_off = get32(in + 8, big_endian);
	type_len = get32(in + 12, big_endian);
	str_off = get32(in + 16, big_endian);
	str_len = get32(in + 20, big_endian);
	/* what btf__raw_data writes: a 24-byte header, types, then strings */
	if (hdr_len != OLD_HDR_LEN || type_off != 0 || str_off != type_len || type_len % 4 ||
	    (uint64_t)hdr_len + str_off + str_len != size)
		return -EINVAL;
	layout_off = type_len;
	n = LAYOUT_HDR_LEN + (size_t)type_len + LAYOUT_KINDS * 4 + str_len;
	o = calloc(1, n);
	if (!o)
		return -ENOMEM;
	memcpy(o, in, 4);				/* magic, version, flags */
	put32(o + 4, LAYOUT_HDR_LEN, big_endian);
	put32(o + 8, 0, big_endian);
	put32(o + 12, type_len, big_endian);
	put32(o + 16, layout_off + LAYOUT_KINDS * 4, big_endian);
	put32(o + 20, str_len, big_endian);
	put32(o + 24, layout_off, big_endian);
	put32(o + 28, LAYOUT_KINDS * 4, big_endian);
	memcpy(o + LAYOUT_HDR_LEN, in + OLD_HDR_LEN, type_len);
	for (int k = 0; k < LAYOUT_KINDS; k++) {
		unsigned char *e = o + LAYOUT_HDR_LEN + layout_off + 4 * k;

		e[0] = kind_sizes[k].info_sz;
		e[1] = kind_sizes[k].elem_sz;	/* e[2], e[3]: flags, 0 */
	}
	memcpy(o + LAYOUT_HDR_LEN + layout_off + LAYOUT_KINDS * 4, in + OLD_HDR_LEN + type_len, str_len);
	*out = o;
	*out_size = n;
	return 0;
}
