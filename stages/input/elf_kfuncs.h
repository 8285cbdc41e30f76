/* stages/input/elf_kfuncs.h: the kfuncs a kernel declares in its .BTF_ids section.
 *
 * The kernel's BTF_KFUNCS_START/END macros emit a set8 in .BTF_ids: a
 * symbol __BTF_ID__set8__<set> pointing at { u32 cnt; u32 flags; { u32 id;
 * u32 flags; } pairs[cnt] }, with BTF_SET8_KFUNCS in the set's flags, and
 * one symbol __BTF_ID__func__<name>__<n> per pair. A function named in such
 * a set is a kfunc; its pair's flags say whether it is KF_FASTCALL.
 *
 * elf_kfuncs__build runs on the main thread; afterwards the table is read-only.
 */
#ifndef BTFSTREAM_KFUNCS_H
#define BTFSTREAM_KFUNCS_H

#include <libelf.h>
#include <stdbool.h>
#include <stdint.h>

#include "stages/common/fail.h"

#define KFUNCS_SECTION ".BTF_ids"
#define BTF_SET8_KFUNCS (1u << 0)
#define KF_FASTCALL (1u << 12)

struct kfunc {
	char *name;		/* owned */
	uint32_t flags;		/* the pair's KF_* flags */
};

struct elf_kfuncs {
	struct kfunc *list;	/* sorted by name, unique */
	uint32_t count;
};

/* Returns 0 (no .BTF_ids or no symbols: an empty table) or -errno. */
int elf_kfuncs__build(struct elf_kfuncs *k, Elf *elf, bool big_endian, const char *path, struct fail *f);
const struct kfunc *elf_kfuncs__find(const struct elf_kfuncs *k, const char *name);
void elf_kfuncs__free(struct elf_kfuncs *k);

#endif
