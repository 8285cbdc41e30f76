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
