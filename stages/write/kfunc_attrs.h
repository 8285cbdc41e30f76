/* stages/write/kfunc_attrs.h: the `attributes` feature for kfuncs.
 *
 * A kfunc whose .BTF_ids pair carries KF_ARENA_RET, KF_ARENA_ARG1 or
 * KF_ARENA_ARG2 (stages/input/elf_kfuncs.h) returns or takes a pointer
 * into a BPF arena. As pahole >= 1.30 writes it, each such pointer becomes
 * a new PTR to a TYPE_TAG with kind_flag 1 (an attribute: its name is the
 * attribute text, "address_space(1)") on the old pointee, and the kfunc's
 * prototype uses the new PTR; in the order return value, first argument,
 * second argument. Kernels from 6.15 accept kind_flag 1 tags; the kernel
 * build asks for it with --btf_features=attributes (pahole >= 1.30).
 *
 * Main thread, during function selection (stages/write/func_select.c), on
 * the BTF being written.
 */
#ifndef BTFSTREAM_KFUNC_ATTRS_H
#define BTFSTREAM_KFUNC_ATTRS_H

#include <stdint.h>

struct btf;
struct func_param;

#define KF_ARENA_RET (1u << 13)
#define KF_ARENA_ARG1 (1u << 14)
#define KF_ARENA_ARG2 (1u << 15)
#define KF_ARENA_ATTR "address_space(1)"

/* Rewrites *ret and params[0..nparams) (the caller's copies) for the
 * KF_ARENA_* bits in flags, adding the types to btf. Returns the number of
 * pointers rewritten, or -errno; -EINVAL when a flagged place is not a
 * pointer or not there, with *what naming it ("the return type", "the
 * first argument", "the second argument"). */
int kfunc_attrs__arena(struct btf *btf, uint32_t flags, uint32_t *ret, struct func_param *params,
		       uint32_t nparams, const char **what);

#endif
