/* stages/input/reloc.c: see reloc.h. */
#include "stages/input/reloc.h"

#include <elf.h>
#include <errno.h>
#include <gelf.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>

#ifndef EM_AARCH64
#define EM_AARCH64 183
#endif

/* Type 0 is "no relocation" in every psABI (R_X86_64_NONE, R_AARCH64_NONE,
 * R_390_NONE, R_386_NONE, R_ARM_NONE, ...): ld.lld -r writes it for
 * relocations against a discarded section (a module's .discard.addressable).
 * AArch64 also reserves 256 for R_AARCH64_NONE (its withdrawn number). */
static bool reloc_is_none(unsigned int machine, unsigned int type)
{
	return type == 0 || (machine == EM_AARCH64 && type == 256);
}

/* Bytes a relocation writes (4 or 8), or 0 if the type is not an absolute
 * one this code knows for the machine. */
static unsigned int reloc_width(unsigned int machine, unsigned int type)
{
	switch (machine) {
	case EM_X86_64:
		return type == R_X86_64_64 ? 8 : (type == R_X86_64_32 || type == R_X86_64_32S) ? 4 : 0;
	case EM_AARCH64:
		return type == 257 /* ABS64 */ ? 8 : type == 258 /* ABS32 */ ? 4 : 0;
	case EM_S390:
		return type == R_390_64 ? 8 : type == R_390_32 ? 4 : 0;
	default:
		return 0;
	}
}

static void put(unsigned char *p, uint64_t v, unsigned int n, bool big_endian)
{
	for (unsigned int i = 0; i < n; i++)
		p[big_endian ? n - 1 - i : i] = (unsigned char)(v >> (8 * i));
}

static uint64_t get(const unsigned char *p, unsigned int n, bool big_endian)
{
	uint64_t v = 0;

	for (unsigned int i = 0; i < n; i++)
		v |= (uint64_t)p[big_endian ? n - 1 - i : i] << (8 * i);
	return v;
}

/* Relocation i of data as gelf_getrela gives it: for 64-bit RELA sections
 * (x86-64, arm64, s390x modules) read from libelf's array of Elf64_Rela,
 * in host order once elf_getdata has it, without gelf_getrela's call and
 * lock per entry (a module has hundreds of thousands of them); else
 * through gelf_getrela/gelf_getrel. */
static bool get_rela(Elf_Data *data, bool rela64, int type, size_t i, GElf_Rela *rela)
{
	GElf_Rel rel;

	if (rela64) {
		Elf64_Rela r;

		if ((i + 1) * sizeof(r) > data->d_size)
			return false;
		memcpy(&r, (const char *)data->d_buf + i * sizeof(r), sizeof(r));
		rela->r_offset = r.r_offset;
		rela->r_info = r.r_info;
		rela->r_addend = r.r_addend;
		return true;
	}
	if (type == SHT_RELA)
		return gelf_getrela(data, (int)i, rela) != NULL;
	if (!gelf_getrel(data, (int)i, &rel))
		return false;
	rela->r_offset = rel.r_offset;
	rela->r_info = rel.r_info;
	rela->r_addend = 0;
	return true;
}

/* Symbol i as gelf_getsym gives it, the same way (sym64: an Elf64_Sym array). */
static bool get_sym(Elf_Data *syms, bool sym64, size_t i, GElf_Sym *sym)
{
	if (sym64) {
		if ((i + 1) * sizeof(Elf64_Sym) > syms->d_size)
			return false;
		memcpy(sym, (const char *)syms->d_buf + i * sizeof(Elf64_Sym), sizeof(*sym));
		return true;
	}
	return gelf_getsym(syms, (int)i, sym) != NULL;
}

static int out_of_bounds(const struct input *in, size_t i, const char *tname, struct fail *f)
{
	return fail__set(f, -EINVAL, "input: %s: relocation %zu for %s is out of bounds", in->path, i, tname);
}

/* The bytes relocation i of type `type` writes at off in target tname: 0
 * to skip it (no relocation), or -errno with the reason in f (a type this
 * code does not know, or bytes past the section). */
static int checked_width(const struct input *in, unsigned int type, uint64_t off, const GElf_Shdr *tsh,
			 const char *tname, size_t i, struct fail *f)
{
	unsigned int width;

	if (reloc_is_none(in->machine, type))
		return 0;
	if (!(width = reloc_width(in->machine, type)))
		return fail__set(f, -ENOTSUP, "input: %s: relocation type %u in %s is not supported for machine %u",
				 in->path, type, tname, in->machine);
	if (off > tsh->sh_size || tsh->sh_size - off < width)
		return out_of_bounds(in, i, tname, f);
	return (int)width;
}

/* The value a relocation adds to its addend for symbol sym: its value, plus
 * its section's base when that section is allocated (an address); an offset
 * into another section (.debug_str, .debug_abbrev, ...) gets no base (64-bit
 * DWARF keeps all 8 bytes of it). */
static uint64_t sym_value(const struct input *in, const GElf_Sym *sym, const bool *alloc, size_t nsec)
{
	if (sym->st_shndx == SHN_UNDEF || sym->st_shndx >= SHN_LORESERVE)
		return 0;
	return sym->st_value + (sym->st_shndx < nsec && alloc[sym->st_shndx] ? reloc__section_base(in, sym->st_shndx) : 0);
}

/*
 * The common case, a 64-bit RELA section of a file in this machine's byte
 * order (x86-64 and arm64 modules built on such a machine): the relocations
 * read in place, the last symbol's value kept (a .debug_* section's
 * relocations nearly all name the few section symbols of .debug_str,
 * .debug_abbrev, .debug_line, .text), each value stored whole. The general
 * loop below (an entry and a symbol copied out, the value put byte by byte)
 * was ~3.5% of the CPU over all 1,121 Debian modules in batch mode. The
 * same checks and messages as the general loop; returns 1 for a section
 * it does not take (BTFSTREAM_RELOC_GENERAL=1: none, for the tests that
 * compare the two).
 */
#define RELA64_CHUNK 2048	/* relocations read at once (48 KiB) */

struct rela64_run {
	struct input *in;
	const Elf64_Sym *symtab;
	size_t nsyms;
	const GElf_Shdr *tsh;
	unsigned char *target;		/* the relocated section in the mapping */
	const char *tname;
	const bool *alloc;
	size_t nsec;
	uint64_t last_sym, last_value;
};

static int apply_rela64_one(struct rela64_run *run, const Elf64_Rela *rel, size_t i, struct fail *f)
{
	uint64_t symi = ELF64_R_SYM(rel->r_info), off = rel->r_offset, value;
	int width = checked_width(run->in, (unsigned int)ELF64_R_TYPE(rel->r_info), off, run->tsh, run->tname, i, f);

	if (width <= 0)
		return width;
	if (symi >= run->nsyms)
		return out_of_bounds(run->in, i, run->tname, f);
	if (symi != run->last_sym) {
		GElf_Sym sym;

		memcpy(&sym, &run->symtab[symi], sizeof(sym));
		run->last_value = sym_value(run->in, &sym, run->alloc, run->nsec);
		run->last_sym = symi;
	}
	value = (uint64_t)rel->r_addend + run->last_value;
	if (width == 8) {
		memcpy(run->target + off, &value, 8);
	} else {
		uint32_t v32 = (uint32_t)value;

		memcpy(run->target + off, &v32, 4);
	}
	return 0;
}

/* Entries [i, i + k) of the section: read with pread into buf when there is
 * one (the input's file is open, rsh->sh_offset is where they lie), else
 * those of the mapping. The relocations of a module are more bytes than its
 * .debug_info (95 MB against 56 over 224 Debian modules): read through the
 * mapping, each page of them is a page fault, on an input nothing else reads
 * them from. */
static const Elf64_Rela *rela64_chunk(const struct input *in, const Elf64_Rela *mapped, const GElf_Shdr *rsh,
				      size_t i, size_t k, Elf64_Rela *buf, bool *read_mapped)
{
	size_t bytes = k * sizeof(*buf);

	if (buf && pread(in->fd, buf, bytes, (off_t)(rsh->sh_offset + i * sizeof(*buf))) == (ssize_t)bytes)
		return buf;
	*read_mapped = true;
	return mapped + i;
}

static int apply_rela64_native(struct input *in, Elf_Data *data, Elf_Data *syms, size_t n, const GElf_Shdr *rsh,
			       const GElf_Shdr *tsh, const char *tname, const bool *alloc, size_t nsec,
			       Elf64_Rela *buf, bool *read_mapped, struct fail *f)
{
	const bool host_big = __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__;
	const Elf64_Rela *rel = data->d_buf;
	const char *general = getenv("BTFSTREAM_RELOC_GENERAL");
	struct rela64_run run = {
		.in = in, .symtab = syms->d_buf, .nsyms = syms->d_size / sizeof(Elf64_Sym), .tsh = tsh,
		.target = (unsigned char *)in->map + tsh->sh_offset, .tname = tname, .alloc = alloc, .nsec = nsec,
		.last_sym = UINT64_MAX,
	};

	if ((general && *general && strcmp(general, "0")) || in->big_endian != host_big ||
	    n > data->d_size / sizeof(*rel) || (uintptr_t)rel % _Alignof(Elf64_Rela) ||
	    (uintptr_t)run.symtab % _Alignof(Elf64_Sym))
		return 1;
	if (!in->fd_open || rsh->sh_type != SHT_RELA || rsh->sh_offset > in->size ||
	    (const char *)rel != (const char *)in->map + rsh->sh_offset)
		buf = NULL;	/* not the file's bytes as they lie: read them where libelf has them */
	for (size_t i = 0; i < n; i += RELA64_CHUNK) {
		size_t k = n - i < RELA64_CHUNK ? n - i : RELA64_CHUNK;
		const Elf64_Rela *chunk = rela64_chunk(in, rel, rsh, i, k, buf, read_mapped);

		for (size_t j = 0; j < k; j++) {
			int err = apply_rela64_one(&run, &chunk[j], i + j, f);

			if (err < 0)
				return err;
		}
	}
	return 0;
}

/* One relocation section (SHT_RELA or SHT_REL) against target. 0, or 1 when
 * its entries were all read with pread (none of its pages mapped: nothing to
 * let go), or -errno. */
static int apply_section(struct input *in, Elf_Scn *rscn, const GElf_Shdr *rsh, const GElf_Shdr *tsh,
			 const char *tname, Elf_Data *syms, const bool *alloc, size_t nsec, Elf64_Rela *buf,
			 struct fail *f)
{
	Elf_Data *data = elf_getdata(rscn, NULL);
	size_t n = rsh->sh_entsize ? rsh->sh_size / rsh->sh_entsize : 0;
	unsigned char *target = (unsigned char *)in->map + tsh->sh_offset;
	bool is64 = in->elf_class == ELFCLASS64, rela64, sym64 = is64 && syms->d_type == ELF_T_SYM;

	if (!data)
		return fail__set(f, -EINVAL, "input: %s: corrupt relocations for %s", in->path, tname);
	rela64 = is64 && rsh->sh_type == SHT_RELA && data->d_type == ELF_T_RELA;
	if (rela64 && sym64) {
		bool read_mapped = !buf;
		int err = apply_rela64_native(in, data, syms, n, rsh, tsh, tname, alloc, nsec, buf, &read_mapped, f);

		if (err <= 0)
			return err < 0 ? err : !read_mapped;
	}
	for (size_t i = 0; i < n; i++) {
		GElf_Rela rela;
		GElf_Sym sym;
		uint64_t value;
		int width;

		if (!get_rela(data, rela64, (int)rsh->sh_type, i, &rela))
			return fail__set(f, -EINVAL, "input: %s: corrupt relocation %zu for %s", in->path, i, tname);
		width = checked_width(in, (unsigned int)GELF_R_TYPE(rela.r_info), rela.r_offset, tsh, tname, i, f);
		if (width <= 0) {
			if (width < 0)
				return width;
			continue;
		}
		if (!get_sym(syms, sym64, GELF_R_SYM(rela.r_info), &sym))
			return out_of_bounds(in, i, tname, f);
		value = rsh->sh_type == SHT_RELA ? (uint64_t)rela.r_addend : get(target + rela.r_offset, width, in->big_endian);
		value += sym_value(in, &sym, alloc, nsec);
		put(target + rela.r_offset, value, width, in->big_endian);
	}
	return 0;
}

/* The relocations write into nearly every page of their target (a DW_FORM_strp
 * every few bytes), each write to a page of the private mapping a page fault
 * that copies it: 13.7K faults for the 56 MB of .debug_info of 224 Debian
 * modules. MADV_POPULATE_WRITE (Linux 5.14) makes those copies in one call,
 * without a fault each: -5% CPU over the 224 in batch mode (perf stat, 5
 * alternating runs; page faults 52K -> 35K). The same pages, made private a
 * little earlier; an older kernel refuses the advice and the faults happen as
 * before. */
static void prefault_target(struct input *in, const GElf_Shdr *tsh)
{
#ifdef MADV_POPULATE_WRITE
	uint64_t page = (uint64_t)sysconf(_SC_PAGESIZE), from = tsh->sh_offset / page * page;

	if (tsh->sh_type != SHT_NOBITS && tsh->sh_size && tsh->sh_offset + tsh->sh_size <= in->size)
		madvise((char *)in->map + from, tsh->sh_offset + tsh->sh_size - from, MADV_POPULATE_WRITE);
#else
	(void)in;
	(void)tsh;
#endif
}

int reloc__apply(struct input *in, struct fail *f)
{
	Elf_Scn *scn = NULL, *symscn = NULL;
	size_t shstrndx, nsec = 0;
	Elf64_Rela *buf;
	bool *alloc;
	Elf_Data *syms;
	GElf_Shdr sh;
	int err;

	if (!in->relocatable)
		return 0;
	if (elf_getshdrstrndx(in->elf, &shstrndx) < 0)
		return fail__set(f, -EINVAL, "input: %s: corrupt ELF: no section name table", in->path);
	while ((scn = elf_nextscn(in->elf, scn)))
		if (gelf_getshdr(scn, &sh) && sh.sh_type == SHT_SYMTAB)
			symscn = scn;
	if (!symscn || !(syms = elf_getdata(symscn, NULL)))
		return fail__set(f, -EINVAL, "input: %s: relocatable file without a symbol table", in->path);
	if (elf_getshdrnum(in->elf, &nsec) < 0 || !(alloc = calloc(nsec ? nsec : 1, sizeof(*alloc))))
		return fail__set(f, -ENOMEM, "input: %s: out of memory", in->path);
	buf = in->fd_open ? malloc(RELA64_CHUNK * sizeof(*buf)) : NULL;	/* none: read in the mapping */
	for (size_t i = 0; i < nsec; i++) {
		Elf_Scn *s = elf_getscn(in->elf, i);

		alloc[i] = s && gelf_getshdr(s, &sh) && (sh.sh_flags & SHF_ALLOC);
	}
	while ((scn = elf_nextscn(in->elf, scn))) {
		GElf_Shdr tsh;
		Elf_Scn *tscn;
		const char *tname;

		if (!gelf_getshdr(scn, &sh) || (sh.sh_type != SHT_RELA && sh.sh_type != SHT_REL))
			continue;
		if (!(tscn = elf_getscn(in->elf, sh.sh_info)) || !gelf_getshdr(tscn, &tsh) ||
		    !(tname = elf_strptr(in->elf, shstrndx, tsh.sh_name)) || strncmp(tname, ".debug_", 7))
			continue;
		if (tsh.sh_flags & SHF_COMPRESSED) {
			free(alloc);
			free(buf);
			return fail__set(f, -ENOTSUP, "input: %s: relocations against compressed %s are not supported",
					 in->path, tname);
		}
		prefault_target(in, &tsh);
		if ((err = apply_section(in, scn, &sh, &tsh, tname, syms, alloc, nsec, buf, f)) < 0) {
			free(alloc);
			free(buf);
			return err;
		}
		/* applied: nothing reads it again (more than half of a
		 * module's resident file pages, 17 MB of xfs.ko's 38, when
		 * they were read through the mapping) */
		if (err)
			in->rela_unmapped += sh.sh_size;
		else
			input__release_range(in, sh.sh_offset, sh.sh_size);
	}
	free(alloc);
	free(buf);
	return 0;
}
