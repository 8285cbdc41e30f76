/* stages/common/elf_btf.h: BTF out of files, without libbpf's ELF reader.
 *
 * libbpf 1.1's btf__parse_elf copies a section's data without checking that
 * it has any: an ELF file whose .BTF is SHT_NOBITS (or whose data libelf
 * cannot give) crashes it (found by fuzz_diff, tests/fixtures/fuzz/). Every
 * place btfstream reads BTF from a file it did not write (--base, diff)
 * goes through here instead: the section is read with libelf and checked,
 * and libbpf parses the bytes as raw BTF (split BTF through btf__new_split
 * where libbpf exports it, 1.4 and later; with libbpf 1.1 through an
 * anonymous memory file).
 *
 * Any thread; nothing is shared. Each returns NULL with errno set, or 0 /
 * -errno, as said.
 */
#ifndef BTFSTREAM_ELF_BTF_H
#define BTFSTREAM_ELF_BTF_H

#include <stdbool.h>
#include <stddef.h>

struct btf;

/* Whether path starts with the ELF magic (false if it cannot be read). */
bool elf_btf__is_elf(const char *path);

/* A malloc'ed copy of the section called name of ELF file path: 0 with
 * *data and *size set; -ENOENT if there is no such section with contents;
 * -EINVAL if the file is not ELF or the section cannot be read; -errno. */
int elf_btf__section(const char *path, const char *name, void **data, size_t *size);

/* BTF from bytes: raw BTF, split on base if base is not NULL (through
 * btf__new_split where libbpf exports it, libbpf_caps.h; libbpf 1.1
 * parses split BTF only from a file: a memfd read back through
 * /proc/self/fd, or without /proc a file in $TMPDIR or /tmp, which a
 * signal's handler removes; NULL with errno set). */
struct btf *elf_btf__from_bytes(const void *data, size_t size, struct btf *base);
/* The same for malloc'd data, freed as soon as the bytes are elsewhere
 * (in the file, before libbpf reads them back; or once libbpf has its
 * copy), so that two copies at most are alive at once. Frees data on
 * failure too. */
struct btf *elf_btf__from_owned_bytes(void *data, size_t size, struct btf *base);

/* The BTF of path: its .BTF if it is an ELF file, else the file as raw BTF;
 * split on base if base is not NULL. */
struct btf *elf_btf__parse(const char *path, struct btf *base);

#endif
