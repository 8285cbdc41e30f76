/* stages/common/btf_refs.h: the type ids a BTF type refers to, and the
 * string offsets it holds, as pointers into the type itself, so a caller
 * can read them or rewrite them in place.
 *
 * Covers every kind of the 16-bit-vlen UAPI that holds ids: the modifiers,
 * TYPEDEF, FUNC, VAR, DECL_TAG and TYPE_TAG (type), ARRAY (element, index),
 * STRUCT and UNION (each member), FUNC_PROTO (return, then each parameter),
 * DATASEC (each variable). INT, FLOAT, ENUM, ENUM64 and FWD hold none; so
 * does a kind this build does not know (the caller decides whether that is
 * an error: btf_refs__known). Id 0 (void) is returned like any other id.
 *
 * No allocation, no state outside the iterator; any thread, on a type that
 * no other thread is writing.
 */
#ifndef BTFSTREAM_BTF_REFS_H
#define BTFSTREAM_BTF_REFS_H

#include <linux/btf.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct btf_refs {
	struct btf_type *t;
	uint32_t next, count;
};

/* Start iterating over t's ids. */
void btf_refs__init(struct btf_refs *it, struct btf_type *t);

/* The next id field of the type, or NULL after the last. */
uint32_t *btf_refs__next(struct btf_refs *it);

/* Whether this file knows the layout of t's kind. */
bool btf_refs__known(const struct btf_type *t);

/* Bytes of the type at t, its kind's extra data included; 0 for a kind
 * this file does not know. In line, from a table per kind: it runs for
 * every type of every CU (the readers' and the merge threads' offsets). */
static inline size_t btf_refs__type_bytes(const struct btf_type *t)
{
	/* per kind: bytes after the btf_type, fixed and per vlen entry */
	static const uint8_t fixed[BTF_KIND_ENUM64 + 1] = {
		[BTF_KIND_INT] = 4, [BTF_KIND_ARRAY] = sizeof(struct btf_array), [BTF_KIND_VAR] = sizeof(struct btf_var),
		[BTF_KIND_DECL_TAG] = sizeof(struct btf_decl_tag),
	};
	static const uint8_t per[BTF_KIND_ENUM64 + 1] = {
		[BTF_KIND_STRUCT] = sizeof(struct btf_member), [BTF_KIND_UNION] = sizeof(struct btf_member),
		[BTF_KIND_ENUM] = sizeof(struct btf_enum), [BTF_KIND_ENUM64] = sizeof(struct btf_enum64),
		[BTF_KIND_FUNC_PROTO] = sizeof(struct btf_param), [BTF_KIND_DATASEC] = sizeof(struct btf_var_secinfo),
	};
	uint32_t kind = BTF_INFO_KIND(t->info);

	if (kind == BTF_KIND_UNKN || kind > BTF_KIND_ENUM64)
		return 0;
	return sizeof(*t) + fixed[kind] + (size_t)BTF_INFO_VLEN(t->info) * per[kind];
}

/* The string offsets a type holds, in the order libbpf visits them: its
 * name, then each member's (STRUCT, UNION), enumerator's (ENUM, ENUM64) or
 * parameter's (FUNC_PROTO) name. Offset 0 ("") is returned like any other. */
struct btf_strs {
	struct btf_type *t;
	uint32_t next, count;
};

void btf_strs__init(struct btf_strs *it, struct btf_type *t);
uint32_t *btf_strs__next(struct btf_strs *it);

#endif
