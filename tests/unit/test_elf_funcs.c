/* tests/unit/test_elf_funcs.c: the ELF function symbols by base name,
 * checked against a plain walk of .symtab on real binaries (this test, and
 * the btfstream binary when make check names it). */
#include "stages/input/elf_funcs.h"
#include "tests/tap.h"

#include <gelf.h>
#include <stdlib.h>
#include <string.h>

struct tally {
	unsigned long syms, names, wrong_run, wrong_order, missing, extra;
};

static size_t base_len(const char *name)
{
	const char *dot = strchr(name, '.');

	return dot ? (size_t)(dot - name) : strlen(name);
}

/* The run elf_funcs__find gives for name's base must hold every defined
 * STT_FUNC symbol of that base (counted by walking .symtab), each of that
 * base, in (addr, name) order. */
static void check_name(const struct elf_funcs *ef, Elf_Data *data, size_t nsyms, Elf *elf, size_t strndx,
		       const char *name, struct tally *t)
{
	size_t len = base_len(name), want = 0;
	uint32_t first, n;

	for (size_t i = 0; i < nsyms; i++) {
		GElf_Sym s;
		const char *other;

		if (!gelf_getsym(data, (int)i, &s) || GELF_ST_TYPE(s.st_info) != STT_FUNC || s.st_shndx == SHN_UNDEF ||
		    !(other = elf_strptr(elf, strndx, s.st_name)) || !*other)
			continue;
		want += base_len(other) == len && !memcmp(other, name, len);
	}
	if (!elf_funcs__find(ef, name, len, &first, &n)) {
		t->missing++;
		return;
	}
	t->wrong_run += n != want;
	for (uint32_t i = first; i < first + n; i++) {
		const struct elf_func *f = &ef->syms[i];

		t->wrong_run += f->base_len != len || memcmp(f->name, name, len);
		if (i > first && (f[-1].addr > f->addr || (f[-1].addr == f->addr && strcmp(f[-1].name, f->name) > 0)))
			t->wrong_order++;
	}
}

static bool check_file(const char *path, struct tally *t)
{
	struct input in;
	struct elf_funcs ef;
	struct fail f = { 0 };
	Elf_Scn *scn = NULL;
	GElf_Shdr sh;
	Elf_Data *data = NULL;
	size_t nsyms = 0, strndx = 0, covered = 0;

	if (input__open(&in, path, &f))
		return false;
	if (elf_funcs__build(&ef, &in, &f)) {
		input__close(&in);
		return false;
	}
	while ((scn = elf_nextscn(in.elf, scn)))
		if (gelf_getshdr(scn, &sh) && sh.sh_type == SHT_SYMTAB && sh.sh_entsize) {
			data = elf_getdata(scn, NULL);
			nsyms = sh.sh_size / sh.sh_entsize;
			strndx = sh.sh_link;
			break;
		}
	for (size_t i = 0; data && i < nsyms; i++) {
		GElf_Sym s;
		const char *name;
		uint32_t first, n;

		if (!gelf_getsym(data, (int)i, &s) || GELF_ST_TYPE(s.st_info) != STT_FUNC || s.st_shndx == SHN_UNDEF ||
		    !(name = elf_strptr(in.elf, strndx, s.st_name)) || !*name)
			continue;
		t->syms++;
		/* each base name once: at its first symbol in the table */
		bool seen = false;

		for (size_t j = 0; j < i && !seen; j++) {
			GElf_Sym o;
			const char *other;

			seen = gelf_getsym(data, (int)j, &o) && GELF_ST_TYPE(o.st_info) == STT_FUNC &&
			       o.st_shndx != SHN_UNDEF && (other = elf_strptr(in.elf, strndx, o.st_name)) && *other &&
			       base_len(other) == base_len(name) && !memcmp(other, name, base_len(name));
		}
		if (seen)
			continue;
		t->names++;
		check_name(&ef, data, nsyms, in.elf, strndx, name, t);
		if (elf_funcs__find(&ef, name, base_len(name), &first, &n))
			covered += n;
	}
	t->extra += covered != ef.count;
	elf_funcs__free(&ef);
	input__close(&in);
	return true;
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
	/* this test alone has a few dozen (the package build runs it without
	 * BTFSTREAM); with the btfstream binary, hundreds */
	ok(t.names >= 20, "there are names to look up (%lu)", t.names);
	is_int((int)t.missing, 0, "every base name is found");
	is_int((int)t.wrong_run, 0, "each run holds exactly the symbols of its base name");
	is_int((int)t.wrong_order, 0, "each run is in (address, name) order");
	is_int((int)t.extra, 0, "the runs cover every collected symbol once");
	ok(!elf_funcs__find(&none, "main", 4, &first, &n), "an empty table finds nothing");
	done_testing();
	return exit_status();
}
