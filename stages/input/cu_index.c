/* stages/input/cu_index.c: see cu_index.h. */
#include "stages/input/cu_index.h"
#include "stages/common/grow.h"
#include "stages/common/pread_full.h"
#include "stages/input/unit_header.h"

#include <dwarf.h>
#include <errno.h>
#include <gelf.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#ifndef DW_LANG_Rust
#define DW_LANG_Rust 0x001c
#endif

static int add_cu(struct cu_index *idx, size_t *cap, const struct cu_info *ci)
{
	if (GROW(idx->cus, *cap, idx->count + 1, 256))
		return -ENOMEM;
	idx->cus[idx->count++] = *ci;
	idx->bytes += ci->size;
	return 0;
}

/* The size of .debug_info as libdw reads it (decompressed, if it was), or
 * UINT64_MAX if the section is not found in dw's own ELF. */
static uint64_t info_size(Dwarf *dw)
{
	Elf *elf = dwarf_getelf(dw);
	Elf_Scn *scn = NULL;
	size_t shstrndx;

	if (!elf || elf_getshdrstrndx(elf, &shstrndx) < 0)
		return UINT64_MAX;
	while ((scn = elf_nextscn(elf, scn))) {
		const char *name;
		Elf_Data *data;
		GElf_Shdr sh;

		if (!gelf_getshdr(scn, &sh) || !(name = elf_strptr(elf, shstrndx, sh.sh_name)) ||
		    strcmp(name, ".debug_info"))
			continue;
		data = elf_getdata(scn, NULL);
		return data ? data->d_size : UINT64_MAX;
	}
	return UINT64_MAX;
}

/* CUs between two progress calls */
#define PROGRESS_CUS 64

/* The header at off into b: the bytes read (fewer at the section's end),
 * or -errno. */
static ssize_t read_header(const struct cu_index_file *file, uint64_t off, unsigned char *b)
{
	size_t want = file->size - off < UNIT_HEADER_MAX ? (size_t)(file->size - off) : UNIT_HEADER_MAX;

	return pread_full(file->fd, b, want, (off_t)(file->off + off));
}

/* Every unit from its header in the file: 1, 0 when a header is not one
 * this reads as libdw would (idx emptied: libdw indexes), or -errno. Like
 * libdw, a unit starts only where 5 bytes or more are left. */
static int index_from_file(struct cu_index *idx, const struct cu_index_file *file, size_t *cap)
{
	unsigned char b[UNIT_HEADER_MAX];
	struct unit_header h;
	uint64_t off = 0;

	while (off < file->size && file->size - off > 4) {
		ssize_t got = read_header(file, off, b);
		struct cu_info ci;

		if (got < 0)
			return (int)got;
		if (!unit_header__parse(b, (size_t)got, file->big_endian, &h) || h.next > file->size - off ||
		    h.die >= h.next) {
			cu_index__free(idx);
			*cap = 0;
			return 0;
		}
		ci = (struct cu_info){ .off = off, .die_off = off + h.die, .size = h.next };
		if (add_cu(idx, cap, &ci))
			return -ENOMEM;
		off += h.next;
	}
	return 1;
}

int cu_index__build(struct cu_index *idx, Dwarf *dw, const struct cu_index_file *file, const char *path,
		    struct fail *f, void (*progress)(void *ctx, uint64_t bytes), void *ctx)
{
	Dwarf_Off off = 0, next;
	uint64_t size = 0;	/* of .debug_info, once a unit is found */
	size_t hsize, cap = 0;
	Dwarf_Half version;
	int r = 0;

	memset(idx, 0, sizeof(*idx));
	if (file && file->fd >= 0 && (r = index_from_file(idx, file, &cap)) != 0) {
		if (r < 0)
			return fail__set(f, r, "input: %s: cannot read the unit headers: %s", path, strerror(-r));
		return idx->count ? 0 : fail__set(f, -ENODATA, "input: %s: no compile units in .debug_info", path);
	}
	while ((r = dwarf_next_unit(dw, off, &next, &hsize, &version, NULL, NULL, NULL, NULL, NULL)) == 0) {
		struct cu_info ci = { .off = off, .die_off = off + hsize, .size = next - off };

		/* libdw hands out a unit whose length runs past the section; the
		 * readers walk DIEs up to the unit's end on their own */
		if (!size)
			size = info_size(dw);
		if (next < off || next > size)
			return fail__set(f, -EINVAL,
					 "input: %s: CU 0x%llx: corrupt DWARF: its length (%llu bytes) runs past the end of"
					 " .debug_info (%llu bytes)",
					 path, (unsigned long long)off, (unsigned long long)(next - off),
					 (unsigned long long)size);
		/* the unit DIE is the readers' (its language, --lang_exclude): asking
		 * libdw for it here made libdw set up every unit (an allocation, its
		 * abbreviations, a lock), a third of this stage */
		if (ci.die_off >= next)
			return fail__set(f, -EINVAL, "input: %s: CU 0x%llx: corrupt DWARF: a unit header without a DIE",
					 path, (unsigned long long)off);
		if (add_cu(idx, &cap, &ci))
			return fail__set(f, -ENOMEM, "input: %s: out of memory indexing CUs", path);
		off = next;
		if (progress && idx->count % PROGRESS_CUS == 0)
			progress(ctx, idx->bytes);
	}
	if (r < 0)
		return fail__set(f, -EINVAL, "input: %s: corrupt DWARF after CU 0x%llx: %s", path,
				 (unsigned long long)off, dwarf_errmsg(-1));
	if (idx->count == 0)
		return fail__set(f, -ENODATA, "input: %s: no compile units in .debug_info", path);
	return 0;
}

void cu_index__free(struct cu_index *idx)
{
	free(idx->cus);
	memset(idx, 0, sizeof(*idx));
}

static const struct {
	const char *name;
	uint32_t lang;
} langs[] = {
	{ "c89", DW_LANG_C89 }, { "c", DW_LANG_C }, { "ada83", DW_LANG_Ada83 },
	{ "c++", DW_LANG_C_plus_plus }, { "cobol74", DW_LANG_Cobol74 }, { "cobol85", DW_LANG_Cobol85 },
	{ "fortran77", DW_LANG_Fortran77 }, { "fortran90", DW_LANG_Fortran90 },
	{ "pascal83", DW_LANG_Pascal83 }, { "modula2", DW_LANG_Modula2 }, { "java", DW_LANG_Java },
	{ "c99", DW_LANG_C99 }, { "ada95", DW_LANG_Ada95 }, { "fortran95", DW_LANG_Fortran95 },
	{ "pli", DW_LANG_PLI }, { "objc", DW_LANG_ObjC }, { "objc++", DW_LANG_ObjC_plus_plus },
	{ "upc", DW_LANG_UPC }, { "d", DW_LANG_D }, { "python", DW_LANG_Python },
	{ "go", DW_LANG_Go }, { "c++11", DW_LANG_C_plus_plus_11 }, { "rust", DW_LANG_Rust },
	{ "c11", DW_LANG_C11 }, { "c++14", DW_LANG_C_plus_plus_14 },
	{ "fortran03", DW_LANG_Fortran03 }, { "fortran08", DW_LANG_Fortran08 },
	{ "asm", DW_LANG_Mips_Assembler }, { "mips_assembler", DW_LANG_Mips_Assembler },
};

uint32_t cu_index__lang_by_name(const char *name)
{
	for (size_t i = 0; i < sizeof(langs) / sizeof(langs[0]); i++)
		if (!strcasecmp(name, langs[i].name))
			return langs[i].lang;
	return 0;
}
