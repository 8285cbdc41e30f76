/* stages/input/input.c: see input.h. */
#include "stages/input/input.h"
#include "stages/input/decompress.h"
#include "stages/input/reloc.h"
#include "stages/input/unit_refs.h"

#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

static int map_file(struct input *in, struct fail *f)
{
	struct stat st;
	int fd, err;

	fd = open(in->path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		err = -errno;
		return fail__set(f, err, "input: %s: cannot open: %s", in->path, strerror(errno));
	}
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return fail__set(f, -EINVAL, "input: %s: not a regular file", in->path);
	}
	if (st.st_size < (off_t)EI_NIDENT) {
		close(fd);
		return fail__set(f, -EINVAL, "input: %s: not an ELF file (too short)", in->path);
	}
	in->size = st.st_size;
	/* Private and writable: libelf may convert data in place; nothing reaches the file. */
	in->map = mmap(NULL, in->size, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
	err = errno;
	if (in->map == MAP_FAILED) {
		close(fd);
		in->map = NULL;
		return fail__set(f, -err, "input: %s: cannot map: %s", in->path, strerror(err));
	}
	in->fd = fd;	/* kept: the CU index reads unit headers with pread */
	in->fd_open = true;
	return 0;
}

/* libelf's own checks pass on some truncated files; check that every section
 * holding data lies inside the file, so libdw never reads past the mapping. */
static int check_sections(struct input *in, struct fail *f)
{
	Elf_Scn *scn = NULL;
	size_t shstrndx;

	if (elf_getshdrstrndx(in->elf, &shstrndx) < 0)
		return fail__set(f, -EINVAL, "input: %s: corrupt ELF: no section name table", in->path);
	while ((scn = elf_nextscn(in->elf, scn))) {
		const char *name;
		GElf_Shdr sh;

		if (!gelf_getshdr(scn, &sh))
			return fail__set(f, -EINVAL, "input: %s: corrupt ELF section header", in->path);
		if (sh.sh_type == SHT_NOBITS)
			continue;
		name = elf_strptr(in->elf, shstrndx, sh.sh_name);
		if (sh.sh_offset > in->size || sh.sh_size > in->size - sh.sh_offset)
			return fail__set(f, -EINVAL, "input: %s: truncated or corrupt ELF: section %s ends past the end of the file",
					 in->path, name ? name : "?");
	}
	return 0;
}

/* Where the uncompressed sections whose pages can be released lie:
 * .debug_info, the location and range lists, the abbreviations, the symbol
 * table and its string table (read once, before the readers start, into
 * elf_funcs and elf_vars, which keep copies of the names they need: 2.8 MB
 * of .symtab's and 2.2 MB of .strtab's pages stayed resident for nothing on
 * the Debian vmlinux). */
static void add_aux(struct input *in, uint64_t off, uint64_t size)
{
	if (in->naux < INPUT_MAX_AUX) {
		in->aux_off[in->naux] = off;
		in->aux_size[in->naux++] = size;
	}
}

/* The symbol table's string table, by its link (its name is no promise). */
static void releasable_link(struct input *in, size_t ndx)
{
	Elf_Scn *scn = elf_getscn(in->elf, ndx);
	GElf_Shdr sh;

	if (scn && gelf_getshdr(scn, &sh) && sh.sh_type == SHT_STRTAB && !(sh.sh_flags & SHF_COMPRESSED) &&
	    sh.sh_offset <= in->size && sh.sh_size <= in->size - sh.sh_offset)
		add_aux(in, sh.sh_offset, sh.sh_size);
}

static void releasable_sections(struct input *in)
{
	static const char *const aux[] = { ".debug_loclists", ".debug_rnglists", ".debug_loc", ".debug_ranges",
					   ".debug_abbrev", ".symtab" };
	Elf_Scn *scn = NULL;
	size_t shstrndx;

	if (elf_getshdrstrndx(in->elf, &shstrndx) < 0)
		return;
	while ((scn = elf_nextscn(in->elf, scn))) {
		GElf_Shdr sh;
		const char *name;

		if (!gelf_getshdr(scn, &sh) || !(name = elf_strptr(in->elf, shstrndx, sh.sh_name)))
			continue;
		if (sh.sh_type == SHT_SYMTAB)
			releasable_link(in, sh.sh_link);
		if ((sh.sh_flags & SHF_COMPRESSED) || sh.sh_type == SHT_NOBITS)
			continue;
		if (sh.sh_offset + sh.sh_size <= in->size) {
			if (!strcmp(name, ".debug_str"))
				in->debug_str_off = sh.sh_offset, in->debug_str_size = sh.sh_size;
			else if (!strcmp(name, ".debug_loclists"))
				in->loclists_off = sh.sh_offset, in->loclists_size = sh.sh_size;
			else if (!strcmp(name, ".debug_loc"))
				in->loc_off = sh.sh_offset, in->loc_size = sh.sh_size;
			else if (!strcmp(name, ".debug_abbrev"))
				in->abbrev_off = sh.sh_offset, in->abbrev_size = sh.sh_size;
		}
		if (!strcmp(name, ".debug_info"))
			in->debug_info_off = sh.sh_offset, in->debug_info_size = sh.sh_size;
		for (size_t i = 0; i < sizeof(aux) / sizeof(aux[0]); i++)
			if (!strcmp(name, aux[i]))
				add_aux(in, sh.sh_offset, sh.sh_size);
	}
}

uint64_t input__released(const struct input *in)
{
	return __atomic_load_n(&in->released, __ATOMIC_RELAXED);
}

static void set_released(struct input *in, uint64_t off)
{
	__atomic_store_n(&in->released, off, __ATOMIC_RELAXED);
}

void input__release_debug_info(struct input *in, uint64_t size)
{
	uint64_t keep = input__released(in);

	if (!in->debug_info_off)
		return;
	input__release_until(in, in->debug_info_off + size);
	set_released(in, keep);
}

/*
 * Pages are let go early (madvise) only from an input of INPUT_RELEASE_MIN or
 * more (.debug_info, for a relocated input's written units; the mapping, for
 * input__release_all): each madvise interrupts the cores running the
 * process's other threads to flush their TLBs, which for a small input costs
 * more than its few pages are worth; its pages go with the mapping at the end.
 * Over 224 Debian modules in batch mode (median .debug_info 135 KB) the
 * written units' madvises were 3.4% of the CPU; the 27 modules of the 1,121
 * above 2 MiB (xfs.ko: 11 MB of its 60 MB peak) still let theirs go.
 * BTFSTREAM_RELEASE_MIN=N (bytes) sets it, for the tests.
 */
#define INPUT_RELEASE_MIN (2ull << 20)

static uint64_t release_min(void)
{
	const char *e = getenv("BTFSTREAM_RELEASE_MIN");

	return e && *e ? strtoull(e, NULL, 0) : INPUT_RELEASE_MIN;
}

void input__release_all(struct input *in)
{
	uint64_t page = (uint64_t)sysconf(_SC_PAGESIZE);

	/* a relocated mapping's pages come back unrelocated, but nothing
	 * reads the DWARF once the readers are joined; an image's would come
	 * back as zeros, and its strings are the strtab's */
	if (in->image || !in->map || in->size < release_min())
		return;
	madvise(in->map, in->size / page * page, MADV_DONTNEED);
	set_released(in, in->size);
}

void input__sweep_released(struct input *in)
{
	uint64_t page = (uint64_t)sysconf(_SC_PAGESIZE);
	uint64_t start = in->debug_info_off / page * page;
	uint64_t released = input__released(in);

	if (in->pinned)	/* released pages would come back unrelocated, or as zeros */
		return;
	if (in->debug_info_off && released > start)
		madvise((char *)in->map + start, released - start, MADV_DONTNEED);
}

void input__release_aux(struct input *in)
{
	uint64_t page = (uint64_t)sysconf(_SC_PAGESIZE);

	if (in->pinned)	/* released pages would come back unrelocated, or as zeros */
		return;
	/* a reader's libdw reads the headers of the CUs before the one it
	 * claims, some of which the writer has already let go: released
	 * pages come back, one or two per CU, so sweep them again */
	input__sweep_released(in);

	for (unsigned int i = 0; i < in->naux; i++) {
		uint64_t from = (in->aux_off[i] + page - 1) / page * page;
		uint64_t to = (in->aux_off[i] + in->aux_size[i]) / page * page;

		if (to > from)
			madvise((char *)in->map + from, to - from, MADV_DONTNEED);
	}
}

void input__release_range(struct input *in, uint64_t off, uint64_t size)
{
	uint64_t page = (uint64_t)sysconf(_SC_PAGESIZE);
	uint64_t from = (off + page - 1) / page * page, to = (off + size) / page * page;

	if (in->image || off > in->size || size > in->size - off || to <= from)
		return;
	madvise((char *)in->map + from, to - from, MADV_DONTNEED);
	in->rela_let_go += to - from;
}

/* What stays of a written unit of a relocated input: its header and unit
 * DIE lie in its first bytes (libdw reads the header's relocated abbreviation
 * offset, and the unit DIE's tag and attributes, when it looks for a later
 * unit from the first one). */
#define UNIT_HEAD_KEPT 256

void input__release_unit(struct input *in, uint64_t off, uint64_t size)
{
	uint64_t page = (uint64_t)sysconf(_SC_PAGESIZE);
	uint64_t start = in->debug_info_off + off;
	uint64_t from = (start + UNIT_HEAD_KEPT + page - 1) / page * page, to = (start + size) / page * page;

	if (!in->release_units || to <= from || to > in->size)
		return;
	madvise((char *)in->map + from, to - from, MADV_DONTNEED);
	in->units_let_go += to - from;
}

void input__release_until(struct input *in, uint64_t end)
{
	if (in->pinned)
		return;
	uint64_t page = (uint64_t)sysconf(_SC_PAGESIZE);
	uint64_t from = (input__released(in) + page - 1) / page * page, to = end / page * page;

	if (to > in->size)
		to = in->size / page * page;
	if (to <= from)
		return;
	madvise((char *)in->map + from, to - from, MADV_DONTNEED);
	set_released(in, to);
}

static bool has_section(Elf *elf, const char *want)
{
	Elf_Scn *scn = NULL;
	size_t shstrndx;

	if (elf_getshdrstrndx(elf, &shstrndx) < 0)
		return false;
	while ((scn = elf_nextscn(elf, scn))) {
		GElf_Shdr sh;
		const char *name;

		if (!gelf_getshdr(scn, &sh))
			continue;
		name = elf_strptr(elf, shstrndx, sh.sh_name);
		if (name && (!strcmp(name, want) || (!strncmp(name, ".zdebug", 7) && !strcmp(name + 7, want + 6))))
			return true;
	}
	return false;
}

/* BTFSTREAM_KEEP_UNITS=1 keeps a relocated input's written units (for the
 * tests that compare the bytes with and without letting them go). */
static bool keep_units(void)
{
	const char *e = getenv("BTFSTREAM_KEEP_UNITS");

	return e && *e && strcmp(e, "0");
}

/* Whether a relocated input's written units may be let go; if not, why not
 * (in->units_kept, for --stats). */
static bool units_may_go(struct input *in)
{
	if (in->debug_info_size < release_min())
		in->units_kept = "under 2 MiB of .debug_info: its pages go at the end";
	else if (unit_refs__across((const unsigned char *)in->map + in->abbrev_off, in->abbrev_size))
		in->units_kept = "a unit may refer into another, stages/input/unit_refs.h";
	else if (keep_units())
		in->units_kept = "BTFSTREAM_KEEP_UNITS";
	return !in->units_kept;
}

int input__open(struct input *in, const char *path, struct fail *f)
{
	GElf_Ehdr eh;
	int err;

	memset(in, 0, sizeof(*in));
	in->path = path;
	elf_version(EV_CURRENT);
	err = map_file(in, f);
	if (err)
		return err;
	if (memcmp(in->map, ELFMAG, SELFMAG))
		return fail__set(f, -EINVAL, "input: %s: not an ELF file", path);
	errno = 0;
	in->elf = elf_memory(in->map, in->size);
	if (!in->elf || elf_kind(in->elf) != ELF_K_ELF || !gelf_getehdr(in->elf, &eh)) {
		/* a failed allocation inside libelf is not a corrupt file */
		if (errno == ENOMEM)
			return fail__set(f, -ENOMEM, "input: %s: out of memory", path);
		return fail__set(f, -EINVAL, "input: %s: corrupt ELF file: %s", path, elf_errmsg(-1));
	}
	if (eh.e_shoff > in->size || (uint64_t)eh.e_shnum * eh.e_shentsize > in->size - eh.e_shoff)
		return fail__set(f, -EINVAL, "input: %s: truncated or corrupt ELF: section headers end past the end of the file",
				 path);
	in->big_endian = eh.e_ident[EI_DATA] == ELFDATA2MSB;
	in->relocatable = eh.e_type == ET_REL;
	in->elf_class = eh.e_ident[EI_CLASS];
	in->machine = eh.e_machine;
	in->pinned = in->relocatable;
	if ((err = check_sections(in, f)) || (err = decompress__apply(in, f)))
		return err;
	if (!has_section(in->elf, ".debug_info"))
		return fail__set(f, -ENODATA, "input: %s: no DWARF found (no .debug_info section); build with -g", path);
	if ((err = reloc__apply(in, f)))
		return err;
	in->dwarf = dwarf_begin_elf(in->elf, DWARF_C_READ, NULL);
	if (!in->dwarf)
		return fail__set(f, -EINVAL, "input: %s: cannot read DWARF: %s", path, dwarf_errmsg(-1));
	releasable_sections(in);	/* (nothing is released from a relocated mapping ...) */
	/* (... but its written units, when none refers into another) */
	in->release_units = in->relocatable && !in->image && in->debug_info_off && in->abbrev_size &&
			    units_may_go(in);
	set_released(in, in->debug_info_off);
	return 0;
}

int input__open_dwarf(struct input *in, Elf **elf, Dwarf **dwarf, struct fail *f)
{
	*elf = elf_memory(in->map, in->size);
	if (!*elf)
		return fail__set(f, -ENOMEM, "input: %s: cannot open ELF: %s", in->path, elf_errmsg(-1));
	*dwarf = dwarf_begin_elf(*elf, DWARF_C_READ, NULL);
	if (!*dwarf) {
		elf_end(*elf);
		*elf = NULL;
		return fail__set(f, -EINVAL, "input: %s: cannot read DWARF: %s", in->path, dwarf_errmsg(-1));
	}
	return 0;
}

void input__close_dwarf(Elf *elf, Dwarf *dwarf)
{
	if (dwarf)
		dwarf_end(dwarf);
	if (elf)
		elf_end(elf);
}

void input__close(struct input *in)
{
	input__close_dwarf(in->elf, in->dwarf);
	in->elf = NULL;
	in->dwarf = NULL;
	if (in->map)
		munmap(in->map, in->size);
	in->map = NULL;
	if (in->fd_open)
		close(in->fd);
	in->fd_open = false;
}
