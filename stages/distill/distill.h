/* stages/distill/distill.h: stage 6b, the distilled base of a split BTF
 * (the `distilled_base` feature: a module's .BTF.base).
 *
 * A module's split BTF names its base types by id, so it is only valid on
 * the exact vmlinux BTF it was made against. Distilling keeps, beside it, a
 * minimal base that describes what those ids meant, so that a kernel (6.11
 * and later) can relocate the module's BTF onto another vmlinux BTF built
 * from the same source:
 *
 *  1. Mark: every base type a split type refers to, and, through those, what
 *     they refer to, except behind a named STRUCT or UNION (the distilled
 *     base carries no members). A split type referring to a base VAR, FUNC,
 *     DATASEC or DECL_TAG is an error.
 *  2. The distilled base, in base id order: every marked INT, FLOAT and FWD
 *     as it is; a named STRUCT or UNION as one of the same name and size with
 *     no members; a named ENUM or ENUM64 as an ENUM of the same name and size
 *     with no values.
 *  3. The new split BTF: the split types in their order, then, in base id
 *     order, the marked types that are not in the distilled base (anonymous
 *     STRUCT/UNION/ENUM/ENUM64, ARRAY, TYPEDEF, PTR, CONST, VOLATILE,
 *     RESTRICT, FUNC_PROTO, TYPE_TAG), copied whole.
 *  4. Every id is rewritten: base ids to their new place, split ids shifted
 *     down by the difference in base sizes.
 * Strings are added in the order the types are written, a split string
 * that the distilled base holds pointing into the base's section.
 *
 * This is libbpf's btf__distill_base (libbpf 1.5 and later) step for step,
 * so the bytes equal what pahole v1.28+ writes for the same split BTF (the
 * test tests/integ/0017-distill.sh compares them with libbpf 1.5 built from
 * Debian's source); Debian 12's libbpf 1.1 does not have it
 * (docs/design.md, "Distilled base").
 *
 * Main thread, after the final dedup. Deterministic: depends only on the
 * split BTF and its base.
 */
#ifndef BTFSTREAM_DISTILL_H
#define BTFSTREAM_DISTILL_H

#include "stages/common/fail.h"

struct btf;

/* The distilled base and the split BTF on top of it, both new (the caller
 * frees the split first, then the base). split is not changed. Returns 0 or
 * -errno with the reason in f ("distill: PATH: ..."). */
int distill__run(const struct btf *split, struct btf **new_base, struct btf **new_split, const char *path,
		 struct fail *f);

#endif
