/* stages/dedup/btf_append.h: one BTF's types appended to another.
 *
 * btf_append__types(dst, src, &start) appends src's types (src standalone,
 * ids 1..n-1) to dst one at a time with btf__add_type, each type id moved
 * past the types dst had (void stays void), and sets *start to the first
 * new id. The types, strings and ids are those libbpf's btf__add_btf gives
 * (tests/unit/test_btf_append.c compares them); but when memory runs out
 * part way, btf__add_btf (libbpf 1.1 to 1.5) clears memory through the
 * string section pointer of a BTF whose strings live in a string set,
 * which is NULL: a crash under `ulimit -v` instead of an error, where
 * btf__add_type fails cleanly. Returns 0 or -errno (-EPROTO: a kind this
 * build does not know); after a failure dst may hold some of src's types.
 *
 * Any thread, on a dst no other thread uses (the merger's turn).
 */
#ifndef BTFSTREAM_BTF_APPEND_H
#define BTFSTREAM_BTF_APPEND_H

struct btf;
struct base_strs;

int btf_append__types(struct btf *dst, const struct btf *src, int *start);

/*
 * btf_append__types_split(&dst, src, index, &start): the same result, when
 * dst is split BTF on index's base (stages/dedup/base_strs.h) with nothing
 * of its own yet (the first batch of a batch-mode module), made from bytes:
 * *dst is replaced by a split BTF holding src's types, their ids moved,
 * each distinct name looked up once in index, where btf__add_type looks
 * every name of every type up in libbpf's index of the base. The types,
 * ids and string offsets are btf_append__types's
 * (tests/unit/test_btf_append.c). In any other case (index NULL, another
 * base, dst not empty) it is btf_append__types. On failure *dst is
 * unchanged. Same threads as btf_append__types; index is only read.
 */
int btf_append__types_split(struct btf **dst, const struct btf *src, const struct base_strs *index, int *start);

#endif
