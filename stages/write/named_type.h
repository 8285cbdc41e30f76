/* stages/write/named_type.h: types appended to a libbpf BTF under a name
 * whose string the BTF already holds, given by its offset.
 *
 * libbpf's btf__add_func, btf__add_decl_tag and btf__add_datasec take the
 * name as a string and look it up (btf__add_str: on split BTF first in the
 * base, whose whole string section it indexes the first time, then in its
 * own set, where a new one is hashed in): ~40K FUNC names at the end of a
 * vmlinux run cost 25-40 ms that way (docs/design.md, session 30). When
 * the name's offset is known (the accumulated strings placed it:
 * stages/dedup/merge.h, merger__placed), the type is added nameless with
 * btf__add_type, which looks no string up for a name_off of 0, and is then
 * given its offset: the bytes btf__add_str's answer would have made, since
 * it finds a string the base holds there.
 *
 * The caller's thread, on its own btf. Each returns the new type's id, or
 * -errno as libbpf's adds do.
 */
#ifndef BTFSTREAM_NAMED_TYPE_H
#define BTFSTREAM_NAMED_TYPE_H

#include <stdint.h>

struct btf;

int named_type__func(struct btf *btf, uint32_t name_off, int linkage, int proto);
int named_type__decl_tag(struct btf *btf, uint32_t value_off, int ref, int component);
/* A DATASEC of no entries yet: btf__add_datasec_var_info adds them. */
int named_type__datasec(struct btf *btf, uint32_t name_off, uint32_t size);

#endif
