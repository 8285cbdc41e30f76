/* pipeline/diff/btf_canon.h: canonical, id-independent text descriptions of BTF types.
 *
 * Two BTF files that hold the same C types under different type ids give the
 * same descriptions: a description is built from a type's content only (kind,
 * names, sizes, offsets, values, linkage) and from the descriptions of the
 * types it references, never from a type id. `btfstream diff` compares two
 * files by comparing the multisets of these strings; golden files and DATASEC
 * checks can print them.
 *
 * A reference to another type is written shallowly when the target is a named
 * STRUCT, UNION, ENUM, ENUM64, FWD or TYPEDEF ("struct foo", "enum64 e",
 * "fwd union u", "typedef u32"), and inlined in full otherwise (void, INT,
 * FLOAT, unnamed types, modifiers, pointers, arrays, protos, FUNC, VAR), so a
 * pointer to an anonymous struct carries the struct's body. Cycles through
 * unnamed types (not possible in C) are cut with "<cycle>", and nesting deeper
 * than BTF_CANON_MAX_DEPTH with "<too deep>".
 *
 * Description grammar (REF = a reference as above, NAME "(anon)" if empty):
 *   int "NAME" size=S bits=B[ offset=O][ signed][ char][ bool][ encoding=0xE]
 *   float "NAME" size=S
 *   ptr(REF)  const(REF)  volatile(REF)  restrict(REF)
 *   type_tag("VALUE"[, kflag], REF)
 *   array[N](REF, index=REF)
 *   struct|union NAME size=S { MEMBER: REF @BITOFF[:BITFIELD_SIZE]; ... }
 *   enum|enum64 NAME size=S signed|unsigned { NAME=VALUE, ... }
 *   fwd struct|union NAME
 *   typedef NAME = REF
 *   func NAME static|global|extern: REF
 *   proto([NAME: ]REF, ..., ...) -> REF        (last "..." if variadic)
 *   var NAME static|global|extern: REF
 *   datasec NAME size=S { REF @OFFSET+SIZE; ... }   (sorted by offset, then text)
 *   decl_tag("VALUE"[, kflag], component_idx=I, REF)
 *   void
 *   kind#K "NAME" info=0x... size_or_type=N      (kinds this build does not know)
 * Struct bit offsets and bitfield sizes are decoded from either kflag encoding.
 *
 * Threading: a struct btf_canon is single-threaded; it memoises into itself
 * on every call, so even btf_canon__describe() must not run concurrently on
 * one instance. Distinct instances are independent. The BTF object must stay
 * alive and unmodified while the instance exists.
 */
#ifndef BTFSTREAM_BTF_CANON_H
#define BTFSTREAM_BTF_CANON_H

#include <linux/types.h>

struct btf;
struct btf_canon;

#define BTF_CANON_MAX_DEPTH 64

/* Create a describer for every type id of @btf (for split BTF that includes
 * the base ids, which references may need). Descriptions are computed lazily.
 * Returns NULL and sets errno (ENOMEM, EINVAL) on failure.
 */
struct btf_canon *btf_canon__new(const struct btf *btf);

/* Options for the descriptions; set before the first describe call. */
#define BTF_CANON_NO_FUNC_LINKAGE (1u << 0)	/* FUNC descriptions leave out static/global */
void btf_canon__set_options(struct btf_canon *c, unsigned int options);

/* Free @c and every string it returned. NULL is fine. */
void btf_canon__free(struct btf_canon *c);

/* The canonical description of type @id (0 is "void"). The string is owned
 * by @c and stays valid until btf_canon__free(). Returns NULL and sets errno
 * on an invalid id (EINVAL) or out of memory (ENOMEM).
 */
const char *btf_canon__describe(struct btf_canon *c, unsigned int id);

/* A 64-bit hash of btf_canon__describe(c, id), memoised. Equal descriptions
 * give equal hashes. Returns 0 and sets errno if the description fails.
 */
__u64 btf_canon__hash(struct btf_canon *c, unsigned int id);

/* The same 64-bit hash for any NUL-terminated string. */
__u64 btf_canon__hash_str(const char *s);

/* Upper-case name of BTF kind @kind ("STRUCT", "FUNC_PROTO"), or NULL if the
 * kind is unknown to this build. The string is static.
 */
const char *btf_canon__kind_str(unsigned int kind);

/* The kind whose btf_canon__kind_str() equals @name (case-insensitive), or
 * -EINVAL.
 */
int btf_canon__kind_by_name(const char *name);

#endif
