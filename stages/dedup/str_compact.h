/* stages/dedup/str_compact.h: a BTF's string section cut down to the strings its
 * types use, in first-use order.
 *
 * The same result as appending the BTF to an empty one with libbpf's
 * btf__add_btf (which visits each type's name, then its members', values'
 * or parameters' names, in type order, adding each string the first time),
 * without hashing every string again: the input's strings are already
 * unique (btf__dedup made them so), so an old offset stands for its string
 * and a table from old to new offsets is enough. Half of the final stage's
 * time on the vmlinux went to that hashing.
 *
 * It runs at the run's peak of memory (the deduped BTF is still whole), so
 * it holds little beside the result: the types are copied by id straight
 * into the new raw BTF (no btf__raw_data copy of the old one), and old
 * offsets map to new ones through a hash of the strings used (~100K on the
 * vmlinux, 2 MiB), not an array the size of the old section (4 bytes per
 * byte: 6.8 MiB there). On the vmlinux at -j2 that took the run's peak of
 * anonymous memory from 74 to 64 MB (docs/design.md, session 19).
 *
 * For a BTF without a base (split BTF keeps libbpf's path). One thread.
 */
#ifndef BTFSTREAM_STR_COMPACT_H
#define BTFSTREAM_STR_COMPACT_H

struct btf;

/* A new BTF with btf's types and only the strings they use, or NULL with
 * errno set (ENOMEM, or EPROTO for a type it cannot walk). */
struct btf *str_compact(const struct btf *btf);

#endif
