/* stages/input/reloc.c: see reloc.h. */
#include "stages/input/reloc.h"

#include <elf.h>
#include <errno.h>
#include <gelf.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

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

/* One relocation section (SHT_RELA or SHT_REL) against target. */
static int apply_section(struct input *in, Elf_Scn *rscn, const GElf_Shdr *rsh, const GElf_Shdr *tsh,
			 const char *tname, Elf_Data *syms, const bool *alloc, size_t nsec, struct fail *f)
{
	Elf_Data *data = elf_getdata(rscn, NULL);
	size_t n = rsh->sh_entsize ? rsh->sh_size / rsh->sh_entsize : 0;
	unsigned char *target = (unsigned char *)in->map + tsh->sh_offset;
	bool is64 = in->elf_class == ELFCLASS64, rela64, sym64 = is64 && syms->d_type == ELF_T_SYM;

	if (!data)
		return fail__set(f, -EINVAL, "input: %s: corrupt relocations for %s", in->path, tname);
	rela64 = is64 && rsh->sh_type == SHT_RELA && data->d_type == ELF_T_RELA;
	for (size_t i = 0; i < n; i++) {
		GElf_Rela rela;
		GElf_Sym sym;
		unsigned int width;
		uint64_t value;

		if (!get_rela(data, rela64, (int)rsh->sh_type, i, &rela))
			return fail__set(f, -EINVAL, "input: %s: corrupt relocation %zu for %s", in->path, i, tname);
		if (reloc_is_none(in->machine, GELF_R_TYPE(rela.r_info)))
			continue;
		width = reloc_width(in->machine, GELF_R_TYPE(rela.r_info));
		if (!width)
			return fail__set(f, -ENOTSUP, "input: %s: relocation type %u in %s is not supported for machine %u",
					 in->path, (unsigned int)GELF_R_TYPE(rela.r_info), tname, in->machine);
		if (rela.r_offset > tsh->sh_size || tsh->sh_size - rela.r_offset < width ||
		    !get_sym(syms, sym64, GELF_R_SYM(rela.r_info), &sym))
			return fail__set(f, -EINVAL, "input: %s: relocation %zu for %s is out of bounds", in->path, i, tname);
		value = rsh->sh_type == SHT_RELA ? (uint64_t)rela.r_addend : get(target + rela.r_offset, width, in->big_endian);
		/* an address in an allocated section gets its section's base;
		 * an offset into another section (.debug_str, .debug_abbrev, ...)
		 * does not (64-bit DWARF keeps all 8 bytes of it) */
		if (sym.st_shndx != SHN_UNDEF && sym.st_shndx < SHN_LORESERVE)
			value += sym.st_value +
				 (sym.st_shndx < nsec && alloc[sym.st_shndx] ? reloc__section_base(in, sym.st_shndx) : 0);
		put(target + rela.r_offset, value, width, in->big_endian);
	}
	return 0;
}

int reloc__apply(struct input *in, struct fail *f)
{
	Elf_Scn *scn = NULL, *symscn = NULL;
	size_t shstrndx, nsec = 0;
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
			return fail__set(f, -ENOTSUP, "input: %s: relocations against compressed %s are not supported",
					 in->path, tname);
		}
		if ((err = apply_section(in, scn, &sh, &tsh, tname, syms, alloc, nsec, f))) {
			free(alloc);
			return err;
		}
		/* applied: nothing reads it again (more than half of a
		 * module's resident file pages, 17 MB of xfs.ko's 38) */
		input__release_range(in, sh.sh_offset, sh.sh_size);
	}
	free(alloc);
	return 0;
}
