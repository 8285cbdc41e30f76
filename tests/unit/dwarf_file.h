/* tests/unit/dwarf_file.h: a test's view of an ELF file's DWARF, for the
 * unit tests that compare btfstream's readers with libdw on real binaries.
 * Header-only (each test is one program). */
#ifndef BTFSTREAM_TEST_DWARF_FILE_H
#define BTFSTREAM_TEST_DWARF_FILE_H

#include <elfutils/libdw.h>
#include <fcntl.h>
#include <gelf.h>
#include <stdbool.h>
#include <string.h>
#include <unistd.h>

struct dwarf_file {
	int fd;
	Elf *elf;
	Dwarf *dw;
};

/* Opens path's DWARF; false (nothing left open) if it has none. */
static inline bool dwarf_file__open(struct dwarf_file *f, const char *path)
{
	f->fd = open(path, O_RDONLY);
	f->elf = f->fd < 0 ? NULL : elf_begin(f->fd, ELF_C_READ, NULL);
	f->dw = f->elf ? dwarf_begin_elf(f->elf, DWARF_C_READ, NULL) : NULL;
	if (f->dw)
		return true;
	if (f->elf)
		elf_end(f->elf);
	if (f->fd >= 0)
		close(f->fd);
	return false;
}

static inline void dwarf_file__close(struct dwarf_file *f)
{
	dwarf_end(f->dw);
	elf_end(f->elf);
	close(f->fd);
}

/* The bytes of the uncompressed section want, or NULL. */
static inline const unsigned char *dwarf_file__section(const struct dwarf_file *f, const char *want, size_t *size)
{
	Elf_Scn *scn = NULL;
	size_t shstrndx;

	if (elf_getshdrstrndx(f->elf, &shstrndx))
		return NULL;
	while ((scn = elf_nextscn(f->elf, scn))) {
		GElf_Shdr sh;
		const char *name;
		Elf_Data *data;

		if (!gelf_getshdr(scn, &sh) || !(name = elf_strptr(f->elf, shstrndx, sh.sh_name)) || strcmp(name, want) ||
		    (sh.sh_flags & SHF_COMPRESSED) || !(data = elf_getdata(scn, NULL)))
			continue;
		*size = data->d_size;
		return data->d_buf;
	}
	return NULL;
}

#endif
