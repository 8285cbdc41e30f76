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

#define BTF_SECTION ".BTF"

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

/* The copy in fd gets: the .BTF data, a section name table with ".BTF" if
 * it had none, and a new section header table, all after its current end;
 * then the ELF header points at the new table. */
static int edit(int fd, const void *data, size_t size)
{
	size_t shnum, shstrndx, btf = 0, nsh;
	GElf_Shdr *shdrs = NULL;
	Elf_Data *names = NULL;
	Elf *elf = NULL;
	GElf_Ehdr eh;
	uint64_t end = 0;
	int err = -1, cls;

	elf_version(EV_CURRENT);
	elf = elf_begin(fd, ELF_C_READ, NULL);
	if (!elf || elf_kind(elf) != ELF_K_ELF || !gelf_getehdr(elf, &eh) || elf_getshdrnum(elf, &shnum) ||
	    elf_getshdrstrndx(elf, &shstrndx) || shnum >= SHN_LORESERVE - 1 || shstrndx >= shnum)
		goto out;
	cls = gelf_getclass(elf);
	shdrs = calloc(shnum + 1, sizeof(*shdrs));
	if (!shdrs)
		goto out;
	end = eh.e_phoff + (uint64_t)eh.e_phnum * eh.e_phentsize;
	for (size_t i = 0; i < shnum; i++) {
		Elf_Scn *scn = elf_getscn(elf, i);
		const char *name;

		if (!scn || !gelf_getshdr(scn, &shdrs[i]))
			goto out;
		if (shdrs[i].sh_type != SHT_NOBITS && shdrs[i].sh_offset + shdrs[i].sh_size > end)
			end = shdrs[i].sh_offset + shdrs[i].sh_size;
		name = elf_strptr(elf, shstrndx, shdrs[i].sh_name);
		if (i && name && !strcmp(name, BTF_SECTION))
			btf = i;
	}
	if (eh.e_shoff + (uint64_t)shnum * eh.e_shentsize > end)
		end = eh.e_shoff + (uint64_t)shnum * eh.e_shentsize;
	nsh = shnum;
	if (!btf) {	/* a new section, and its name at the end of a moved name table */
		names = elf_getdata(elf_getscn(elf, shstrndx), NULL);
		if (!names || pwrite_all(fd, names->d_buf, names->d_size, end) ||
		    pwrite_all(fd, BTF_SECTION, sizeof(BTF_SECTION), end + names->d_size))
			goto out;
		shdrs[shstrndx].sh_offset = end;
		shdrs[shstrndx].sh_size = names->d_size + sizeof(BTF_SECTION);
		btf = nsh++;
		shdrs[btf] = (GElf_Shdr){ .sh_name = (GElf_Word)names->d_size, .sh_type = SHT_PROGBITS, .sh_addralign = 4 };
		end += shdrs[shstrndx].sh_size;
	}
	end = align_up(end, 4);
	shdrs[btf].sh_offset = end;	/* even a replaced .BTF moves: its old room may be too small */
	shdrs[btf].sh_size = size;
	if (pwrite_all(fd, data, size, end))
		goto out;
	end = align_up(end + size, 8);
	eh.e_shoff = end;
	eh.e_shnum = (GElf_Half)nsh;
	if (cls == ELFCLASS64) {
		Elf64_Shdr *raw = calloc(nsh, sizeof(*raw));
		Elf64_Ehdr e64;

		for (size_t i = 0; raw && i < nsh; i++)
			raw[i] = (Elf64_Shdr){ shdrs[i].sh_name, shdrs[i].sh_type, shdrs[i].sh_flags, shdrs[i].sh_addr,
					       shdrs[i].sh_offset, shdrs[i].sh_size, shdrs[i].sh_link, shdrs[i].sh_info,
					       shdrs[i].sh_addralign, shdrs[i].sh_entsize };
		memcpy(&e64, &eh, sizeof(e64));	/* GElf_Ehdr is Elf64_Ehdr */
		err = !raw || put_records(fd, elf, ELF_T_SHDR, raw, nsh * sizeof(*raw), nsh * sizeof(*raw), end) ||
		      put_records(fd, elf, ELF_T_EHDR, &e64, sizeof(e64), sizeof(e64), 0) ? -1 : 0;
		free(raw);
	} else {
		Elf32_Shdr *raw = calloc(nsh, sizeof(*raw));
		Elf32_Ehdr e32;

		for (size_t i = 0; raw && i < nsh; i++)
			raw[i] = (Elf32_Shdr){ shdrs[i].sh_name, shdrs[i].sh_type, (Elf32_Word)shdrs[i].sh_flags,
					       (Elf32_Addr)shdrs[i].sh_addr, (Elf32_Off)shdrs[i].sh_offset,
					       (Elf32_Word)shdrs[i].sh_size, shdrs[i].sh_link, shdrs[i].sh_info,
					       (Elf32_Word)shdrs[i].sh_addralign, (Elf32_Word)shdrs[i].sh_entsize };
		Elf32_Ehdr *src = elf32_getehdr(elf);

		err = raw && src ? 0 : -1;
		if (!err) {
			e32 = *src;
			e32.e_shoff = (Elf32_Off)end;
			e32.e_shnum = (Elf32_Half)nsh;
			err = put_records(fd, elf, ELF_T_SHDR, raw, nsh * sizeof(*raw), nsh * sizeof(*raw), end) ||
			      put_records(fd, elf, ELF_T_EHDR, &e32, sizeof(e32), sizeof(e32), 0) ? -1 : 0;
		}
		free(raw);
	}
out:
	free(shdrs);
	if (elf)
		elf_end(elf);
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

int emit__elf(const char *in_path, const char *out_path, const void *data, size_t size, struct fail *f)
{
	struct stat st;
	char *tmp = NULL;
	int in = -1, fd = -1, err = 0;
	const char *what = "cannot create the output";

	if (asprintf(&tmp, "%s.tmpXXXXXX", out_path) < 0)
		return fail__set(f, -ENOMEM, "emit: %s: out of memory", out_path);
	in = open(in_path, O_RDONLY | O_CLOEXEC);
	fd = in < 0 ? -1 : mkstemp(tmp);
	if (in < 0 || fd < 0 || fstat(in, &st) < 0)
		err = -errno;
	else if (copy_file(in, fd) || fchmod(fd, st.st_mode & 07777))
		err = -errno, what = "cannot copy the input";
	else if (edit(fd, data, size))
		err = -EINVAL, what = "cannot add the .BTF section";
	else if (fsync(fd) < 0)
		err = -errno, what = "cannot write the output";
	if (fd >= 0 && close(fd) < 0 && !err)
		err = -errno, what = "cannot write the output";
	if (!err && rename(tmp, out_path) < 0)
		err = -errno, what = "cannot replace the output";
	if (in >= 0)
		close(in);
	if (err && fd >= 0)
		unlink(tmp);
	free(tmp);
	if (err)
		return fail__set(f, err, "emit: %s: %s: %s", out_path, what,
				 err == -EINVAL ? elf_errmsg(-1) : strerror(-err));
	return 0;
}
