/* stages/dedup/raw_btf.h: a libbpf BTF from a type section and a string section.
 *
 * Used where btfstream has rebuilt one of the two sections itself (the
 * merge thread cutting a batch's anchors off, the final string
 * compaction). Any thread; the caller keeps its buffers, libbpf copies them.
 */
#ifndef BTFSTREAM_RAW_BTF_H
#define BTFSTREAM_RAW_BTF_H

#include <stdint.h>

struct btf;

/* btf__new of header + types[0..tlen) + strs[0..slen): the BTF, or NULL with
 * errno set. */
struct btf *raw_btf__new(const void *types, uint32_t tlen, const void *strs, uint32_t slen);

#endif
