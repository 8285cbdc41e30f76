/* pipeline/diff/distilled.h: `btfstream diff` on module BTF that carries a
 * distilled base (.BTF.base, stages/distill/distill.h).
 *
 * distilled__load_elf reads an ELF file's .BTF on top of its .BTF.base. With
 * a base to compare on (--base), distilled__relocate then does what the
 * kernel does when it loads such a module: each distilled base type is
 * matched to one type of the real base (INT by name, size and encoding;
 * FLOAT by name and size; ENUM by name and size, to an ENUM or ENUM64;
 * STRUCT/UNION by kind and name, by size as well when several share the name
 * or when a split type embeds it by value; FWD by name and kind to a FWD,
 * STRUCT or UNION), the split types are moved onto the real base, and, for
 * the comparison only, deduplicated against it, so the types distillation
 * copied out of the base (pointers, typedefs, anonymous types) fold back
 * into it and a distilled module compares equal to the same module encoded
 * without distillation.
 *
 * Main thread of the diff subcommand; nothing is shared.
 */
#ifndef BTFSTREAM_DIFF_DISTILLED_H
#define BTFSTREAM_DIFF_DISTILLED_H

#include <stddef.h>

struct btf;

/* path's .BTF on its .BTF.base: 1 with *split set (the caller frees the
 * split, then *dist_base); 0 if the file has no .BTF.base; -errno with a
 * reason (no file name) in why. */
int distilled__load_elf(const char *path, struct btf **dist_base, struct btf **split, char *why, size_t len);

/* split (on its distilled base) moved onto base and deduplicated against it:
 * a new BTF, or NULL with a reason (no file name) in why. */
struct btf *distilled__relocate(const struct btf *split, const struct btf *base, char *why, size_t len);

#endif
