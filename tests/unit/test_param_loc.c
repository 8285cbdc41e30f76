/* tests/unit/test_param_loc.c: param_loc__reg against libdw.
 *
 * For every DIE with a DW_AT_location in this test's own executable and in
 * the btfstream binary (both -O2 -g: location lists, DW_OP_entry_value,
 * DW_OP_stack_value), the register param_loc__reg finds must be the one
 * libdw's dwarf_getlocations gives by the same rule (stages/read/param_loc.h),
 * expecting rdi and then rsi, whenever param_loc__reg does not decline; and
 * the same with the lists read from the file with pread (sec_window.h) as
 * from the mapping. Hand-made lists check the rule's corners, a list running
 * past what a window holds, and a section running past its file.
 */
#include <dwarf.h>
#include <elfutils/libdw.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>

#include "stages/read/param_loc.h"
#include "tests/unit/dwarf_file.h"
#include "tests/tap.h"

struct tally {
	unsigned long seen, answered, declined, wrong, regs, lists, expected;
	unsigned long file_differs;	/* read with pread, another answer than from the mapping */
	unsigned long indexed, indexed_answered;	/* DW_FORM_loclistx (clang) */
};

/* The same sections, read from the file with pread (param_loc.h). */
struct from_file {
	struct param_loc_sections s;
	struct param_loc_windows w;
};

/* A candidate by the rule: DW_OP_regN is N; inside DW_OP_entry_value any
 * other operation is PARAM_LOC_OTHER, outside it none. */
static int cand_of(const Dwarf_Op *op, bool inner)
{
	if (op->atom >= DW_OP_reg0 && op->atom <= DW_OP_reg31)
		return op->atom - DW_OP_reg0;
	return inner ? PARAM_LOC_OTHER : PARAM_LOC_NO_REG;
}

/* The rule, through libdw: expected if any entry gives it, else the last
 * candidate. */
static int libdw_reg(Dwarf_Attribute *at, int expected)
{
	Dwarf_Addr base, start, end;
	Dwarf_Op *expr, *ops;
	ptrdiff_t off = 0;
	size_t len, n;
	int reg = PARAM_LOC_NO_REG;

	for (int k = 0; reg != expected && (off = dwarf_getlocations(at, off, &base, &start, &end, &expr, &len)) > 0;
	     k++) {
		Dwarf_Attribute inner;
		int c = PARAM_LOC_NO_REG;

		if (len == 2 && expr[1].atom == DW_OP_stack_value)
			len = 1;
		if (len != 1)
			continue;
		if (k == 0)
			c = cand_of(&expr[0], false);
		if (c < 0 && (expr[0].atom == DW_OP_entry_value || expr[0].atom == DW_OP_GNU_entry_value) &&
		    dwarf_getlocation_attr(at, &expr[0], &inner) == 0 && dwarf_getlocation(&inner, &ops, &n) == 0 &&
		    n == 1)
			c = cand_of(&ops[0], true);
		if (c != PARAM_LOC_NO_REG)
			reg = c;
	}
	return reg;
}

static void walk(const struct param_loc_sections *s, struct from_file *ff, const struct param_loc_cu *cu,
		 Dwarf_Die *die, struct tally *t, int depth)
{
	struct param_loc_windows none = { 0 };
	Dwarf_Attribute at;
	Dwarf_Die child;

	/* x86-64's first two argument registers, rdi and rsi, as expected */
	for (int expected = 5; expected >= 4 && dwarf_attr(die, DW_AT_location, &at); expected--) {
		int mine = param_loc__reg(s, &none, cu, &at, expected), theirs = libdw_reg(&at, expected);

		if (param_loc__reg(&ff->s, &ff->w, cu, &at, expected) != mine && t->file_differs++ < 5)
			diag("DIE 0x%llx, expecting %d: read with pread, another answer than %d",
			     (unsigned long long)dwarf_dieoffset(die), expected, mine);
		t->seen++;
		t->lists += at.form == DW_FORM_sec_offset || at.form == DW_FORM_loclistx;
		t->indexed += at.form == DW_FORM_loclistx;
		t->indexed_answered += at.form == DW_FORM_loclistx && mine != PARAM_LOC_ASK_LIBDW;
		if (mine == PARAM_LOC_ASK_LIBDW) {
			t->declined++;
		} else {
			t->answered++;
			t->regs += mine >= 0 && mine != PARAM_LOC_OTHER;
			t->expected += mine == expected;
			if (mine != theirs && t->wrong++ < 5)
				diag("DIE 0x%llx, expecting %d: register %d, libdw says %d",
				     (unsigned long long)dwarf_dieoffset(die), expected, mine, theirs);
		}
	}
	if (depth < 64 && dwarf_child(die, &child) == 0)
		do
			walk(s, ff, cu, &child, t, depth + 1);
		while (dwarf_siblingof(&child, &child) == 0);
}

/* The file place of section want (uncompressed), as pipeline.c gives it. */
static struct sec_file file_section(const struct dwarf_file *f, const char *want)
{
	Elf_Scn *scn = NULL;
	size_t shstrndx;

	if (elf_getshdrstrndx(f->elf, &shstrndx))
		return (struct sec_file){ 0 };
	while ((scn = elf_nextscn(f->elf, scn))) {
		const char *name;
		GElf_Shdr sh;

		if (gelf_getshdr(scn, &sh) && (name = elf_strptr(f->elf, shstrndx, sh.sh_name)) && !strcmp(name, want) &&
		    !(sh.sh_flags & SHF_COMPRESSED))
			return (struct sec_file){ f->fd, sh.sh_offset, sh.sh_size };
	}
	return (struct sec_file){ 0 };
}

static bool check_file(const char *path, struct tally *t)
{
	struct param_loc_sections s = { 0 };
	struct from_file ff = { 0 };
	struct dwarf_file f;
	Dwarf_Off off = 0, next;
	size_t hsize, n;
	Dwarf_Half version;
	uint8_t asize, osize;
	Dwarf *dw;

	if (!dwarf_file__open(&f, path))
		return false;
	dw = f.dw;
	if ((s.loclists = dwarf_file__section(&f, ".debug_loclists", &n)))
		s.loclists_end = s.loclists + n;
	if ((s.loc = dwarf_file__section(&f, ".debug_loc", &n)))
		s.loc_end = s.loc + n;
	ff.s.loclists_file = file_section(&f, ".debug_loclists");
	ff.s.loc_file = file_section(&f, ".debug_loc");
	while (dwarf_next_unit(dw, off, &next, &hsize, &version, NULL, &asize, &osize, NULL, NULL) == 0) {
		struct param_loc_cu cu = { .version = (uint8_t)version, .address_size = asize, .offset_size = osize };
		Dwarf_Attribute base;
		Dwarf_Word b;
		Dwarf_Die cudie;

		if (!dwarf_offdie(dw, off + hsize, &cudie)) {
			off = next;
			continue;
		}
		if (dwarf_attr(&cudie, DW_AT_loclists_base, &base) && dwarf_formudata(&base, &b) == 0)
			cu.loclists_base = b;
		walk(&s, &ff, &cu, &cudie, t, 0);
		off = next;
	}
	sec_window__fini(&ff.w.loclists);
	sec_window__fini(&ff.w.loc);
	dwarf_file__close(&f);
	return true;
}

/* param_loc__reg on one hand-made DWARF 5 location list (entries of
 * [start, end) = [0, 4), [4, 8), ...), expecting expected. */
static int on_list(const unsigned char *exprs[], const size_t lens[], int n, int expected)
{
	unsigned char list[256], off[4] = { 0, 0, 0, 0 };
	struct param_loc_sections s = { 0 };
	struct param_loc_cu cu = { .version = 5, .address_size = 8, .offset_size = 4 };
	Dwarf_Attribute at = { .code = DW_AT_location, .form = DW_FORM_sec_offset, .valp = off };
	size_t len = 0;

	for (int i = 0; i < n; i++) {
		list[len++] = DW_LLE_offset_pair;
		list[len++] = (unsigned char)(4 * i);
		list[len++] = (unsigned char)(4 * i + 4);
		list[len++] = (unsigned char)lens[i];
		for (size_t k = 0; k < lens[i]; k++)
			list[len++] = exprs[i][k];
	}
	list[len++] = DW_LLE_end_of_list;
	s.loclists = list;
	s.loclists_end = list + len;
	return param_loc__reg(&s, &(struct param_loc_windows){ 0 }, &cu, &at, expected);
}

/* Appends to list[*len] one entry of the offset_pair kind with expression
 * expr (n bytes). */
static void add_entry(unsigned char *list, size_t *len, const unsigned char *expr, size_t n)
{
	list[(*len)++] = DW_LLE_offset_pair;
	list[(*len)++] = 0;
	list[(*len)++] = 4;
	list[(*len)++] = (unsigned char)n;
	for (size_t k = 0; k < n; k++)
		list[(*len)++] = expr[k];
}

/* A DW_FORM_sec_offset value (4 bytes, little-endian). */
static void set_off(unsigned char off[4], size_t v)
{
	for (int i = 0; i < 4; i++)
		off[i] = (unsigned char)(v >> (8 * i));
}

/* Lists read with pread: a short one at the start of a section, then a
 * long one (its answer in its last entry) that begins inside the window
 * the first read left and ends past it; then the same section claiming
 * more bytes than its file has. */
static void windows(void)
{
	static const unsigned char r5[] = { DW_OP_reg5 }, deref[] = { DW_OP_breg7, 8, DW_OP_deref };
	static const unsigned char ev_r4[] = { DW_OP_entry_value, 1, DW_OP_reg4, DW_OP_stack_value };
	size_t size = SEC_WINDOW_CHUNK + 4096, len = 0, far = SEC_WINDOW_CHUNK - 300;
	unsigned char *sec = calloc(1, size), off[4];
	struct param_loc_cu cu = { .version = 5, .address_size = 8, .offset_size = 4 };
	Dwarf_Attribute at = { .code = DW_AT_location, .form = DW_FORM_sec_offset, .valp = off };
	struct from_file ff = { 0 };
	FILE *tmp = tmpfile();

	add_entry(sec, &len, r5, sizeof(r5));
	sec[len++] = DW_LLE_end_of_list;
	len = far;
	for (int i = 0; i < 60; i++)
		add_entry(sec, &len, deref, sizeof(deref));
	add_entry(sec, &len, ev_r4, sizeof(ev_r4));
	sec[len++] = DW_LLE_end_of_list;
	if (!tmp || !sec || fwrite(sec, 1, size, tmp) != size || fflush(tmp)) {
		ok(0, "a file of location lists written");
		return;
	}
	ff.s.loclists_file = (struct sec_file){ fileno(tmp), 0, size };
	set_off(off, 0);
	is_int(param_loc__reg(&ff.s, &ff.w, &cu, &at, 5), 5, "with pread: RDI in the first list");
	set_off(off, far);
	is_int(param_loc__reg(&ff.s, &ff.w, &cu, &at, 4), 4,
	       "with pread: a list past the end of the window read first, RSI in its last entry");
	is_int((int)ff.w.loclists.reads, 2, "two reads: the first window, then again from the long list");
	is_int(param_loc__reg(&ff.s, &ff.w, &cu, &at, 4), 4, "asked again: the same answer");
	is_int((int)ff.w.loclists.reads, 2, "from the window it holds");
	sec_window__fini(&ff.w.loclists);
	ff.s.loclists_file.size = size + 8192;
	set_off(off, size + 100);
	is_int(param_loc__reg(&ff.s, &ff.w, &cu, &at, 4), PARAM_LOC_ASK_LIBDW,
	       "a section said to run past its file: libdw is asked, nothing read past the end");
	sec_window__fini(&ff.w.loclists);
	fclose(tmp);
	free(sec);
}

/* The rule on cases the compilers here may not make (pahole v1.31's scan). */
static void synthetic(void)
{
	static const unsigned char r15[] = { DW_OP_reg15 }, r5[] = { DW_OP_reg5 }, r4[] = { DW_OP_reg4 };
	static const unsigned char ev_r4[] = { DW_OP_entry_value, 1, DW_OP_reg4, DW_OP_stack_value };
	static const unsigned char ev_r1[] = { DW_OP_entry_value, 1, DW_OP_reg1, DW_OP_stack_value };
	static const unsigned char ev_b4[] = { DW_OP_entry_value, 2, DW_OP_breg4, 0, DW_OP_stack_value };
	static const unsigned char deref[] = { DW_OP_breg7, 8, DW_OP_deref };

	is_int(on_list((const unsigned char *[]){ r15, ev_r4 }, (size_t[]){ 1, 4 }, 2, 4), 4,
	       "R15 first, then DW_OP_entry_value(RSI): in RSI, as expected (clang's bool)");
	is_int(on_list((const unsigned char *[]){ r15, ev_r1 }, (size_t[]){ 1, 4 }, 2, 4), 1,
	       "R15 first, then DW_OP_entry_value(RDX), expecting RSI: the last candidate, RDX");
	is_int(on_list((const unsigned char *[]){ deref, r4 }, (size_t[]){ 3, 1 }, 2, 4), PARAM_LOC_NO_REG,
	       "a plain register counts in the first entry only");
	is_int(on_list((const unsigned char *[]){ r5 }, (size_t[]){ 1 }, 1, 5), 5, "RDI in the first entry: RDI");
	is_int(on_list((const unsigned char *[]){ ev_b4 }, (size_t[]){ 5 }, 1, 4), PARAM_LOC_OTHER,
	       "DW_OP_entry_value(DW_OP_breg4 0) is no register: never the expected one");
	is_int(on_list((const unsigned char *[]){ deref }, (size_t[]){ 3 }, 1, 4), PARAM_LOC_NO_REG,
	       "an expression of several operations gives nothing");
}

/* The function fixtures built with clang into path (its location lists are
 * DW_FORM_loclistx); false if there is no clang or no fixtures here (the
 * tests run from the top of the tree). */
static bool clang_build(char *path, size_t size)
{
	char cmd[512];
	int fd;

	snprintf(path, size, "%s/btfstream-param-loc-XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	if ((fd = mkstemp(path)) < 0)
		return false;
	close(fd);
	snprintf(cmd, sizeof(cmd), "cd tests/fixtures/funcs 2> /dev/null && command -v clang > /dev/null && "
		 "clang -w -g -O2 -fno-inline-small-functions a.c b.c kfuncs.c clones.c -o '%s' 2> /dev/null", path);
	if (system(cmd) == 0)
		return true;
	unlink(path);
	return false;
}

int main(void)
{
	char clang_elf[256];
	bool clang = clang_build(clang_elf, sizeof(clang_elf));
	const char *files[] = { "/proc/self/exe", getenv("BTFSTREAM"), clang ? clang_elf : NULL };
	struct tally t = { 0 };

	elf_version(EV_CURRENT);
	synthetic();
	windows();
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++)
		if (files[i])
			ok(check_file(files[i], &t), "%s: has DWARF", files[i]);
	if (clang) {
		ok(t.indexed > 10 && t.indexed_answered == t.indexed,
		   "clang's DW_FORM_loclistx lists: %lu, all answered without libdw (%lu)", t.indexed, t.indexed_answered);
		unlink(clang_elf);
	} else {
		skip("no clang or no tests/fixtures/funcs here: DW_FORM_loclistx not checked");
	}
	diag("%lu locations (%lu lists): %lu answered (%lu in a register), %lu declined", t.seen, t.lists, t.answered,
	     t.regs, t.declined);
	ok(t.lists > 50 && t.regs > 20 && t.expected > 10, "there are location lists and registers to compare "
	   "(%lu the expected one)", t.expected);
	ok(t.answered * 10 > t.seen * 9, "at least 90%% are answered without libdw");
	is_int((int)t.wrong, 0, "every answer is libdw's");
	is_int((int)t.file_differs, 0, "read with pread, every answer is the one from the mapping");
	done_testing();
	return exit_status();
}
