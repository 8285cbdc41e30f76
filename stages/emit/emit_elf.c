/* stages/emit/emit_elf.c: the .BTF section of an ELF file, added or replaced.
 *
 * The input is copied to a temporary file beside the output, the copy is
 * edited, flushed, and renamed over the output: a failure at any point
 * removes the copy and leaves the original untouched. Existing sections keep
 * their bytes and file offsets (nothing a program header points at can
 * move); the new .BTF data, a grown section name table and a new section
 * header table go after the end of the file, written in the file's class and
 * byte order by libelf's translation functions.
 */
#include "stages/emit/emit.h"

#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "stages/common/atomic_file.h"


static uint64_t align_up(uint64_t v, uint64_t a)
{
	return a > 1 ? (v + a - 1) / a * a : v;
}

/* Serialize n records of type t (ELF_T_SHDR, ELF_T_EHDR) from the native
 * structs of the file's class into its byte order, and write them at off. */
static int put_records(int fd, Elf *elf, Elf_Type t, void *native, size_t bytes, size_t file_bytes, off_t off)
{
	Elf_Data src = { .d_buf = native, .d_type = t, .d_size = bytes, .d_version = EV_CURRENT };
	Elf_Data dst = { .d_type = t, .d_size = file_bytes, .d_version = EV_CURRENT };
	unsigned int enc = elf_getident(elf, NULL)[EI_DATA];
	int ok;

	dst.d_buf = malloc(file_bytes ? file_bytes : 1);
	if (!dst.d_buf)
		return -1;
	ok = gelf_xlatetof(elf, &dst, &src, enc) != NULL;
	ok = ok && pwrite(fd, dst.d_buf, dst.d_size, off) == (ssize_t)dst.d_size;
	free(dst.d_buf);
	return ok ? 0 : -1;
}

static int pwrite_all(int fd, const void *p, size_t n, off_t off)
{
	return pwrite(fd, p, n, off) == (ssize_t)n ? 0 : -1;
}

/* The copy being edited: its ELF header and section headers as read. */
struct elf_edit {
	Elf *elf;
	GElf_Ehdr eh;
	GElf_Shdr *shdrs;	/* nsh of them: shnum, then room for new sections */
	size_t shnum, shstrndx, nsh;
	uint64_t end;		/* the file's end: what comes after is new */
};

/* The section headers and where the file's contents end. */
static int read_sections(struct elf_edit *e, size_t nnew)
{
	if (!gelf_getehdr(e->elf, &e->eh) || elf_getshdrnum(e->elf, &e->shnum) ||
	    elf_getshdrstrndx(e->elf, &e->shstrndx) || e->shnum + nnew >= SHN_LORESERVE - 1 ||
	    e->shstrndx >= e->shnum || !(e->shdrs = calloc(e->shnum + nnew, sizeof(*e->shdrs))))
		return -1;
	e->end = e->eh.e_phoff + (uint64_t)e->eh.e_phnum * e->eh.e_phentsize;
	for (size_t i = 0; i < e->shnum; i++) {
		Elf_Scn *scn = elf_getscn(e->elf, i);
		const GElf_Shdr *sh = &e->shdrs[i];

		if (!scn || !gelf_getshdr(scn, &e->shdrs[i]))
			return -1;
		if (sh->sh_type != SHT_NOBITS && sh->sh_offset + sh->sh_size > e->end)
			e->end = sh->sh_offset + sh->sh_size;
	}
	if (e->eh.e_shoff + (uint64_t)e->shnum * e->eh.e_shentsize > e->end)
		e->end = e->eh.e_shoff + (uint64_t)e->shnum * e->eh.e_shentsize;
	e->nsh = e->shnum;
	return 0;
}

/* The index of the section called name, or 0. */
static size_t find_section(const struct elf_edit *e, const char *name)
{
	for (size_t i = 1; i < e->shnum; i++) {
		const char *n = elf_strptr(e->elf, e->shstrndx, e->shdrs[i].sh_name);

		if (n && !strcmp(n, name))
			return i;
	}
	return 0;
}

/* Sections the file lacks: new headers, and their names at the end of a
 * moved copy of the section name table. at[i] gets each section's index. */
static int add_sections(int fd, struct elf_edit *e, const struct emit_section *secs, size_t n, size_t *at)
{
	Elf_Data *names = elf_getdata(elf_getscn(e->elf, e->shstrndx), NULL);
	GElf_Shdr *strsh = &e->shdrs[e->shstrndx];
	uint64_t size;

	if (!names)
		return -1;
	size = names->d_size;
	for (size_t i = 0; i < n; i++)
		if (!at[i] && secs[i].data)
			size += strlen(secs[i].name) + 1;
	if (size == names->d_size)
		return 0;
	if (pwrite_all(fd, names->d_buf, names->d_size, e->end))
		return -1;
	size = names->d_size;
	for (size_t i = 0; i < n; i++) {
		size_t len = strlen(secs[i].name) + 1;

		if (at[i] || !secs[i].data)
			continue;
		if (pwrite_all(fd, secs[i].name, len, e->end + size))
			return -1;
		at[i] = e->nsh++;
		e->shdrs[at[i]] = (GElf_Shdr){ .sh_name = (GElf_Word)size, .sh_type = SHT_PROGBITS,
					       .sh_addralign = 4 };
		size += len;
	}
	strsh->sh_offset = e->end;
	strsh->sh_size = size;
	e->end += size;
	return 0;
}

/* The new section header table at e->end, and the ELF header pointing at it,
 * in the file's class and byte order. */
static int write_headers64(int fd, struct elf_edit *e)
{
	Elf64_Shdr *raw = calloc(e->nsh, sizeof(*raw));
	Elf64_Ehdr e64;
	int err;

	for (size_t i = 0; raw && i < e->nsh; i++) {
		const GElf_Shdr *sh = &e->shdrs[i];

		raw[i] = (Elf64_Shdr){ sh->sh_name, sh->sh_type, sh->sh_flags, sh->sh_addr, sh->sh_offset,
				       sh->sh_size, sh->sh_link, sh->sh_info, sh->sh_addralign, sh->sh_entsize };
	}
	e->eh.e_shoff = e->end;
	e->eh.e_shnum = (GElf_Half)e->nsh;
	memcpy(&e64, &e->eh, sizeof(e64));	/* GElf_Ehdr is Elf64_Ehdr */
	err = !raw || put_records(fd, e->elf, ELF_T_SHDR, raw, e->nsh * sizeof(*raw), e->nsh * sizeof(*raw), e->end) ||
	      put_records(fd, e->elf, ELF_T_EHDR, &e64, sizeof(e64), sizeof(e64), 0) ? -1 : 0;
	free(raw);
	return err;
}

static int write_headers32(int fd, struct elf_edit *e)
{
	Elf32_Shdr *raw = calloc(e->nsh, sizeof(*raw));
	Elf32_Ehdr *src = elf32_getehdr(e->elf), e32;
	int err;

	for (size_t i = 0; raw && i < e->nsh; i++) {
		const GElf_Shdr *sh = &e->shdrs[i];

		raw[i] = (Elf32_Shdr){ sh->sh_name, sh->sh_type, (Elf32_Word)sh->sh_flags, (Elf32_Addr)sh->sh_addr,
				       (Elf32_Off)sh->sh_offset, (Elf32_Word)sh->sh_size, sh->sh_link, sh->sh_info,
				       (Elf32_Word)sh->sh_addralign, (Elf32_Word)sh->sh_entsize };
	}
	err = raw && src ? 0 : -1;
	if (!err) {
		e32 = *src;
		e32.e_shoff = (Elf32_Off)e->end;
		e32.e_shnum = (Elf32_Half)e->nsh;
		err = put_records(fd, e->elf, ELF_T_SHDR, raw, e->nsh * sizeof(*raw), e->nsh * sizeof(*raw), e->end) ||
		      put_records(fd, e->elf, ELF_T_EHDR, &e32, sizeof(e32), sizeof(e32), 0) ? -1 : 0;
	}
	free(raw);
	return err;
}

/* The copy in fd gets: each section's data, a section name table with the
names it lacked, and a new section header table, all after its current end;
then the ELF header points at the new table. A section without data that the
file has is made inactive (SHT_NULL, no name, no bytes): indexes of the
others do not move. */
static int edit(int fd, const struct emit_section *secs, size_t n)
{
	struct elf_edit e = { 0 };
	size_t at[EMIT_MAX_SECTIONS] = { 0 };
	int err = -1;

	if (n > EMIT_MAX_SECTIONS)
		return -1;
	elf_version(EV_CURRENT);
	e.elf = elf_begin(fd, ELF_C_READ, NULL);
	if (!e.elf || elf_kind(e.elf) != ELF_K_ELF || read_sections(&e, n))
		goto out;
	for (size_t i = 0; i < n; i++)
		at[i] = find_section(&e, secs[i].name);
	if (add_sections(fd, &e, secs, n, at))
		goto out;
	for (size_t i = 0; i < n; i++) {
		GElf_Shdr *sh = &e.shdrs[at[i]];

		if (!at[i])
			continue;
		if (!secs[i].data) {
			*sh = (GElf_Shdr){ .sh_type = SHT_NULL };
			continue;
		}
		/* even a replaced section moves: its old room may be too small */
		e.end = align_up(e.end, 4);
		sh->sh_offset = e.end;
		sh->sh_size = secs[i].size;
		if (pwrite_all(fd, secs[i].data, secs[i].size, e.end))
			goto out;
		e.end += secs[i].size;
	}
	e.end = align_up(e.end, 8);
	err = gelf_getclass(e.elf) == ELFCLASS64 ? write_headers64(fd, &e) : write_headers32(fd, &e);
out:
	free(e.shdrs);
	if (e.elf)
		elf_end(e.elf);
	return err;
}

static int copy_file(int from, int to)
{
	char buf[1 << 16];
	ssize_t n;

	while ((n = read(from, buf, sizeof(buf))) > 0)
		for (ssize_t done = 0, w; done < n; done += w)
			if ((w = write(to, buf + done, n - done)) <= 0)
				return -1;
	return n < 0 ? -1 : 0;
}

int emit__elf(const char *in_path, const char *out_path, const struct emit_section *secs, size_t n, struct fail *f)
{
	struct atomic_file af;
	const char *what = "cannot read the input";
	struct stat st;
	int in, err = 0;

	if ((in = open(in_path, O_RDONLY | O_CLOEXEC)) < 0 || fstat(in, &st) < 0) {
		err = -errno;
		if (in >= 0)
			close(in);
		return fail__set(f, err, "emit: %s: %s: %s", in_path, what, strerror(-err));
	}
	if ((err = atomic_file__open(&af, out_path, st.st_mode & 07777, &what))) {
		close(in);
		return fail__set(f, err, "emit: %s: %s: %s", out_path, what, strerror(-err));
	}
	if (copy_file(in, af.fd))
		err = errno ? -errno : -EIO, what = "cannot copy the input";
	else if (edit(af.fd, secs, n))
		err = -EINVAL, what = "cannot add the BTF sections";
	else
		err = atomic_file__commit(&af, &what);
	close(in);
	if (err) {
		atomic_file__abort(&af);
		return fail__set(f, err, "emit: %s: %s: %s", out_path, what,
				 err == -EINVAL ? elf_errmsg(-1) : strerror(-err));
	}
	return 0;
}
