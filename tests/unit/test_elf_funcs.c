/* tests/unit/test_elf_funcs.c: the ELF function symbols by base name,
 * checked against a plain walk of .symtab on real binaries (this test, and
 * the btfstream binary when make check names it). */
#include "stages/input/elf_funcs.h"
#include "tests/tap.h"

#include <fcntl.h>
#include <gelf.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct tally {
	unsigned long syms, names, wrong_run, wrong_order, missing, extra, in_mapping;
};

static size_t base_len(const char *name)
{
	const char *dot = strchr(name, '.');

	return dot ? (size_t)(dot - name) : strlen(name);
}

static bool same_base(const char *a, const char *b)
{
	size_t len = base_len(a);

	return base_len(b) == len && !memcmp(a, b, len);
}

/* The names of path's defined STT_FUNC symbols with a name, in .symtab
 * order (a malloc'd array, *n of them; NULL: none or out of memory): what
 * elf_funcs__build should collect, found without it. */
static const char **func_names(Elf *elf, size_t *n)
{
	Elf_Scn *scn = NULL;
	GElf_Shdr sh;
	Elf_Data *data;
	const char **names = NULL;
	size_t nsyms;

	*n = 0;
	while ((scn = elf_nextscn(elf, scn)) && !(gelf_getshdr(scn, &sh) && sh.sh_type == SHT_SYMTAB && sh.sh_entsize))
		;
	if (!scn || !(data = elf_getdata(scn, NULL)) || !(names = calloc(sh.sh_size / sh.sh_entsize + 1, sizeof(*names))))
		return NULL;
	nsyms = sh.sh_size / sh.sh_entsize;
	for (size_t i = 0; i < nsyms; i++) {
		GElf_Sym s;
		const char *name;

		if (gelf_getsym(data, (int)i, &s) && GELF_ST_TYPE(s.st_info) == STT_FUNC && s.st_shndx != SHN_UNDEF &&
		    (name = elf_strptr(elf, sh.sh_link, s.st_name)) && *name)
			names[(*n)++] = name;
	}
	return names;
}

/* The run elf_funcs__find gives for name's base must hold every symbol
 * of that base (want), each of that base, in (addr, name) order; returns
 * the run's length. */
static uint32_t check_run(const struct elf_funcs *ef, const char *name, size_t want, struct tally *t)
{
	size_t len = base_len(name);
	uint32_t first, n;

	if (!elf_funcs__find(ef, name, len, &first, &n)) {
		t->missing++;
		return 0;
	}
	t->wrong_run += n != want;
	for (uint32_t i = first; i < first + n; i++) {
		const struct elf_func *f = &ef->syms[i];

		t->wrong_run += f->base_len != len || memcmp(f->name, name, len);
		if (i > first && (f[-1].addr > f->addr || (f[-1].addr == f->addr && strcmp(f[-1].name, f->name) > 0)))
			t->wrong_order++;
	}
	return n;
}

static bool check_file(const char *path, struct tally *t)
{
	struct input in;
	struct elf_funcs ef;
	struct fail f = { 0 };
	const char **names;
	size_t n, covered = 0;

	if (input__open(&in, path, &f))
		return false;
	if (elf_funcs__build(&ef, &in, &f)) {
		input__close(&in);
		return false;
	}
	names = func_names(in.elf, &n);
	t->syms += n;
	for (uint32_t i = 0; i < ef.count; i++)	/* copies: .strtab's pages may go */
		t->in_mapping += ef.syms[i].name >= (const char *)in.map &&
				 ef.syms[i].name < (const char *)in.map + in.size;
	for (size_t i = 0; i < n; i++) {
		size_t seen = 0, want = 0;

		for (size_t j = 0; j < n; j++) {
			seen += j < i && same_base(names[j], names[i]);
			want += same_base(names[j], names[i]);
		}
		if (seen)
			continue;	/* each base name once: at its first symbol */
		t->names++;
		covered += check_run(&ef, names[i], want, t);
	}
	t->extra += covered != ef.count;
	free(names);
	elf_funcs__free(&ef);
	input__close(&in);
	return true;
}

/*
 * A relocatable ELF of the given class and byte order written with libelf:
 * a .text, and symbols foo, foo.isra.0, foo.cold (functions), bar (a
 * function), obj (an object) and ext (an undefined function), so that the
 * symbol table is read in each word size and byte order (libelf converts a
 * foreign one), whatever machine the test runs on.
 */
struct layout {
	int class, data;
	const char *what;
};

static const struct layout layouts[] = {
	{ ELFCLASS64, ELFDATA2LSB, "64-bit little-endian" }, { ELFCLASS64, ELFDATA2MSB, "64-bit big-endian" },
	{ ELFCLASS32, ELFDATA2LSB, "32-bit little-endian" }, { ELFCLASS32, ELFDATA2MSB, "32-bit big-endian" },
};

static const char strs[] = "\0foo\0foo.isra.0\0foo.cold\0bar\0obj\0ext\0";
static const char shstrs[] = "\0.text\0.strtab\0.symtab\0.shstrtab\0";
static const struct { unsigned name; unsigned char type; uint64_t value; bool undef; } symdefs[] = {
	{ 0, STT_NOTYPE, 0, true }, { 1, STT_FUNC, 0x10, false }, { 5, STT_FUNC, 0x20, false },
	{ 16, STT_FUNC, 0x30, false }, { 25, STT_FUNC, 0x40, false }, { 29, STT_OBJECT, 0x50, false },
	{ 33, STT_FUNC, 0, true },
};
#define NSYMS (sizeof(symdefs) / sizeof(symdefs[0]))

static Elf_Scn *add_section(Elf *elf, unsigned name, unsigned type, void *buf, size_t size, Elf_Type t)
{
	Elf_Scn *scn = elf_newscn(elf);
	Elf_Data *d = scn ? elf_newdata(scn) : NULL;
	GElf_Shdr sh;

	if (!d || !gelf_getshdr(scn, &sh))
		return NULL;
	d->d_buf = buf;
	d->d_size = size;
	d->d_type = t;
	d->d_align = 8;
	d->d_version = EV_CURRENT;
	sh.sh_name = name;
	sh.sh_type = type;
	return gelf_update_shdr(scn, &sh) ? scn : NULL;
}

static bool write_elf(const char *path, const struct layout *l)
{
	static unsigned char text[0x60];
	Elf64_Sym s64[NSYMS];
	Elf32_Sym s32[NSYMS];
	int fd = open(path, O_CREAT | O_TRUNC | O_RDWR, 0600);
	Elf *elf = fd >= 0 ? elf_begin(fd, ELF_C_WRITE, NULL) : NULL;
	Elf_Scn *sym = NULL;
	GElf_Ehdr eh;
	GElf_Shdr sh;
	bool ok = false;

	for (size_t i = 0; i < NSYMS; i++) {
		unsigned shndx = symdefs[i].undef ? SHN_UNDEF : 1;

		s64[i] = (Elf64_Sym){ .st_name = symdefs[i].name, .st_value = symdefs[i].value, .st_shndx = shndx,
				      .st_info = ELF64_ST_INFO(STB_GLOBAL, symdefs[i].type) };
		s32[i] = (Elf32_Sym){ .st_name = symdefs[i].name, .st_value = (Elf32_Addr)symdefs[i].value,
				      .st_shndx = shndx, .st_info = ELF32_ST_INFO(STB_GLOBAL, symdefs[i].type) };
	}
	if (elf && gelf_newehdr(elf, l->class) && gelf_getehdr(elf, &eh)) {
		eh.e_ident[EI_DATA] = l->data;
		eh.e_type = ET_REL;
		eh.e_machine = l->class == ELFCLASS64 ? EM_X86_64 : EM_386;
		eh.e_version = EV_CURRENT;
		eh.e_shstrndx = 4;
		ok = gelf_update_ehdr(elf, &eh) &&
		     add_section(elf, 1, SHT_PROGBITS, text, sizeof(text), ELF_T_BYTE) &&
		     add_section(elf, 7, SHT_STRTAB, (void *)strs, sizeof(strs), ELF_T_BYTE) &&
		     (sym = l->class == ELFCLASS64 ? add_section(elf, 15, SHT_SYMTAB, s64, sizeof(s64), ELF_T_SYM)
						   : add_section(elf, 15, SHT_SYMTAB, s32, sizeof(s32), ELF_T_SYM)) &&
		     add_section(elf, 23, SHT_STRTAB, (void *)shstrs, sizeof(shstrs), ELF_T_BYTE) &&
		     gelf_getshdr(sym, &sh);
		if (ok) {
			sh.sh_link = 2;
			sh.sh_info = 1;
			sh.sh_entsize = gelf_fsize(elf, ELF_T_SYM, 1, EV_CURRENT);
			ok = gelf_update_shdr(sym, &sh) && elf_update(elf, ELF_C_WRITE) > 0;
		}
	}
	if (elf)
		elf_end(elf);
	if (fd >= 0)
		close(fd);
	return ok;
}

/* The symbol table's string table is among the ranges whose pages the
 * input lets go (input__release_aux), now that no table points into it. */
static bool strtab_releasable(const char *path)
{
	struct input in;
	struct fail f = { 0 };
	Elf_Scn *scn = NULL, *link;
	GElf_Shdr sh, lsh;
	bool found = false;

	if (input__open(&in, path, &f))
		return false;
	while ((scn = elf_nextscn(in.elf, scn)) && !(gelf_getshdr(scn, &sh) && sh.sh_type == SHT_SYMTAB))
		;
	if (scn && (link = elf_getscn(in.elf, sh.sh_link)) && gelf_getshdr(link, &lsh))
		for (unsigned int i = 0; i < in.naux; i++)
			found |= in.aux_off[i] == lsh.sh_offset && in.aux_size[i] == lsh.sh_size;
	input__close(&in);
	return found;
}

/* The symbols of one written layout, as elf_funcs__build collects them. */
static void check_layout(const struct layout *l)
{
	char path[] = "/tmp/btfstream-elf-funcs-XXXXXX";
	int fd = mkstemp(path);
	struct input in = { .path = path };
	struct elf_funcs ef;
	struct fail f = { 0 };
	uint32_t first = 0, n = 0;
	bool built;

	if (fd < 0 || !write_elf(path, l) || (in.fd = open(path, O_RDONLY)) < 0 ||
	    !(in.elf = elf_begin(in.fd, ELF_C_READ_MMAP, NULL))) {
		ok(0, "%s: an ELF written and opened", l->what);
		goto out;
	}
	built = elf_funcs__build(&ef, &in, &f) == 0;
	ok(built && ef.count == 4, "%s: the 4 defined functions collected (%u)", l->what, built ? ef.count : 0);
	ok(built && elf_funcs__find(&ef, "foo", 3, &first, &n) && n == 3 && ef.syms[first].addr == 0x10 &&
	   !strcmp(ef.syms[first].name, "foo") && !strcmp(ef.syms[first + 1].name, "foo.isra.0") &&
	   ef.syms[first + 2].addr == 0x30 && ef.syms[first + 2].suffixed,
	   "%s: foo, foo.isra.0 and foo.cold under foo, by address, names and suffixes read", l->what);
	ok(built && elf_funcs__find(&ef, "bar", 3, &first, &n) && n == 1 && ef.syms[first].addr == 0x40,
	   "%s: bar found at its address", l->what);
	ok(built && !elf_funcs__find(&ef, "obj", 3, &first, &n) && !elf_funcs__find(&ef, "ext", 3, &first, &n),
	   "%s: no object and no undefined symbol", l->what);
	ok(built && !elf_funcs__find(&ef, "fo", 2, &first, &n) && !elf_funcs__find(&ef, "fooo", 4, &first, &n) &&
	   !elf_funcs__find(&ef, "foo.isra.0", 10, &first, &n) && !elf_funcs__find(&ef, "foo.", 4, &first, &n),
	   "%s: a base name's prefix, a longer name, a full suffixed name: none found", l->what);
	if (built)
		elf_funcs__free(&ef);
	elf_end(in.elf);
	close(in.fd);
out:
	if (fd >= 0)
		close(fd);
	unlink(path);
}

int main(void)
{
	const char *files[] = { "/proc/self/exe", getenv("BTFSTREAM") };
	struct tally t = { 0 };
	struct elf_funcs none = { 0 };
	uint32_t first, n;

	elf_version(EV_CURRENT);
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++)
		if (files[i])
			ok(check_file(files[i], &t), "%s: opened, its function symbols collected", files[i]);
	diag("%lu function symbols, %lu base names", t.syms, t.names);
	/* this test alone has a few dozen, ~20 once link-time optimisation has
	 * inlined the library's small functions (the package build runs it
	 * without BTFSTREAM); with the btfstream binary, hundreds */
	ok(t.names >= 10, "there are names to look up (%lu)", t.names);
	is_int((int)t.missing, 0, "every base name is found");
	is_int((int)t.wrong_run, 0, "each run holds exactly the symbols of its base name");
	is_int((int)t.wrong_order, 0, "each run is in (address, name) order");
	is_int((int)t.extra, 0, "the runs cover every collected symbol once");
	is_int((int)t.in_mapping, 0, "no name points into the input's mapping (they are copies)");
	ok(strtab_releasable("/proc/self/exe"), "the symbols' string table is released with .symtab");
	for (size_t i = 0; i < sizeof(layouts) / sizeof(layouts[0]); i++)
		check_layout(&layouts[i]);
	ok(!elf_funcs__find(&none, "main", 4, &first, &n), "an empty table finds nothing");
	done_testing();
	return exit_status();
}
