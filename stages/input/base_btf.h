/* stages/input/base_btf.h: read the base BTF that split output goes on top of.
 *
 * base_btf__load parses PATH (raw BTF, or an ELF file with .BTF such as a
 * vmlinux) with libbpf and refuses a BTF that libbpf misreads (see
 * stages/common/btf_bits.h). Called once per run by the thread that sets the
 * run up; the caller owns the BTF it returns (btf__free). On failure it
 * returns NULL, with a negative errno in *err and the cause, without the file
 * name, in why.
 */
#ifndef BTFSTREAM_BASE_BTF_H
#define BTFSTREAM_BASE_BTF_H

#include <stddef.h>

struct btf;

struct btf *base_btf__load(const char *path, int *err, char *why, size_t len);

#endif
