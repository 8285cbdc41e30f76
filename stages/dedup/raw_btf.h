/* stages/dedup/raw_btf.h: a libbpf BTF from a type section and a string section.
 *
 * Used where btfstream has rebuilt one of the two sections itself (the
 * merge thread cutting a batch's anchors off, the final string
 * compaction, a module's split BTF made at the end: split_late.h). Any
 * thread; the caller keeps its buffers, libbpf copies them.
 */
#ifndef BTFSTREAM_RAW_BTF_H
#define BTFSTREAM_RAW_BTF_H

#include <stdint.h>

struct btf;

/* btf__new of header + types[0..tlen) + strs[0..slen): the BTF, or NULL with
 * errno set. types (strs) may be NULL when tlen (slen) is 0. */
struct btf *raw_btf__new(const void *types, uint32_t tlen, const void *strs, uint32_t slen);

/* The same as split BTF on base (ids after base's, string offsets from
 * base's string section's end; slen may be 0). libbpf 1.1 parses split BTF
 * only from a file, so the bytes go through elf_btf__from_bytes (a memfd,
 * or a file in $TMPDIR without /proc). The BTF, or NULL with errno set. */
struct btf *raw_btf__new_split(const void *types, uint32_t tlen, const void *strs, uint32_t slen, struct btf *base);

#endif
