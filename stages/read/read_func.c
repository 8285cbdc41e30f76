/* stages/read/read_func.c: a reader's view of one function definition.
 *
 * For each file-scope DW_TAG_subprogram that is not a declaration, the reader sends a
 * REC_FUNC candidate (stages/record/record.h): name, linkage, return type, named
 * parameters and what the DWARF says about how it is called. Whether it
 * becomes a BTF FUNC is decided by the writer after the last CU, when every
 * CU's copy and the ELF symbols can be compared (stages/write/func_select.c).
 * A name with no ELF function symbol is never one: its parameters are not
 * read, and it is sent bare (FUNC_NO_SYMBOL), or, without --funcs-report
 * and in .debug_str, only set in no_symbol_names (func_name below).
 *
 * The prototype of a candidate is what the DIE itself lists, as pahole
 * v1.31 reads it: its own DW_TAG_formal_parameter children, in order, with
 * names and types through DW_AT_abstract_origin. An out-of-line copy whose
 * compiler removed or replaced parameters (GCC's ISRA, IPA-SRA) lists fewer
 * or other ones than its abstract instance, and function selection then
 * sees two prototypes for one name (docs/btf-rules.md, "Functions").
 *
 * Calling convention check (pahole's unexpected_reg): parameter i of the
 * DIE must arrive in the ABI's i-th argument register, for the machines
 * pahole has a register map for (x86-64, arm64, s390x, 32-bit ARM). Its
 * location gives the register by param_loc.h's reading; another register
 * means the compiler changed the calling convention, and the DWARF
 * prototype would lie about how the code is called. A parameter that is a
 * struct passed by value (it may take several registers) exempts the
 * function, as in pahole.
 */
#include <dwarf.h>
#include <elf.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "stages/input/elf_funcs.h"
#include "stages/common/grow.h"
#include "stages/read/name_cache.h"
#include "stages/read/no_symbol_names.h"
#include "stages/read/read_internal.h"

#define NO_REG (-1)

/* The DWARF register argument i arrives in, or NO_REG where nothing is
 * checked: pahole v1.31's map (dwarf_loader.c), so the same functions pass.
 * 32-bit ARM gets r0-r7 there although AAPCS passes four in registers:
 * arguments 5-8 live on the stack, whose locations give no register. i386
 * (even -mregparm=3), RISC-V, PowerPC, MIPS and the rest have no map. */
static int abi_arg_reg(unsigned int machine, unsigned int i)
{
	static const int x86_64[] = { 5, 4, 1, 2, 8, 9 };	/* rdi rsi rdx rcx r8 r9 */

	switch (machine) {
	case EM_X86_64:
		return i < 6 ? x86_64[i] : NO_REG;
	case EM_AARCH64:
		return i < 8 ? (int)i : NO_REG;		/* x0-x7 */
	case EM_ARM:
		return i < 8 ? (int)i : NO_REG;		/* r0-r7 (pahole's table) */
	case EM_S390:
		return i < 5 ? 2 + (int)i : NO_REG;	/* r2-r6 */
	default:
		return NO_REG;
	}
}

/* A candidate from one operation: DW_OP_regN gives N; with any_op, any
 * other operation gives PARAM_LOC_OTHER (inside DW_OP_entry_value). */
static int op_candidate(const Dwarf_Op *op, bool any_op)
{
	if (op->atom >= DW_OP_reg0 && op->atom <= DW_OP_reg31)
		return op->atom - DW_OP_reg0;
	return any_op ? PARAM_LOC_OTHER : NO_REG;
}

/* DW_OP_entry_value(one operation): its candidate, else NO_REG. Lock held. */
static int entry_value_reg(Dwarf_Attribute *at, Dwarf_Op *op)
{
	Dwarf_Attribute inner;
	Dwarf_Op *ops;
	size_t n;

	if (op->atom != DW_OP_entry_value && op->atom != DW_OP_GNU_entry_value)
		return NO_REG;
	if (dwarf_getlocation_attr(at, op, &inner) || dwarf_getlocation(&inner, &ops, &n) || n != 1)
		return NO_REG;
	return op_candidate(&ops[0], true);
}

/* Where parameter p arrives, by param_loc.h's reading: want if any entry
 * says so, else the last candidate, else NO_REG. Read from the section
 * bytes when that can be done, else through libdw. */
static int param_reg(struct dwarf_reader *r, Dwarf_Attribute *at, int want)
{
	Dwarf_Addr base, start, end;
	ptrdiff_t off = 0;
	Dwarf_Op *expr;
	size_t len;
	int reg = NO_REG;

	if (r->attrs.cu && at->cu == r->attrs.cu) {
		struct param_loc_cu cu = {
			.version = r->attrs.version, .address_size = r->attrs.address_size,
			.offset_size = r->attrs.offset_size, .big_endian = r->opts->big_endian,
			.loclists_base = r->loclists_base,
		};

		if ((reg = param_loc__reg(&r->opts->locs, &r->loc_windows, &cu, at, want)) != PARAM_LOC_ASK_LIBDW)
			return reg < 0 ? NO_REG : reg;
		reg = NO_REG;
	}
	die_attrs__asked_libdw(&r->attrs);
	pthread_mutex_lock(&getlocation_lock);
	for (int k = 0; reg != want && (off = dwarf_getlocations(at, off, &base, &start, &end, &expr, &len)) > 0; k++) {
		int cand = NO_REG;

		if (len == 2 && expr[1].atom == DW_OP_stack_value)
			len = 1;
		if (len != 1)
			continue;
		if (k == 0)
			cand = op_candidate(&expr[0], false);
		if (cand == NO_REG)
			cand = entry_value_reg(at, &expr[0]);
		if (cand != NO_REG)
			reg = cand;
	}
	pthread_mutex_unlock(&getlocation_lock);
	return reg;
}

/* Is p's type a struct passed by value (typedefs and const looked through,
 * as pahole's param__is_struct: unions and volatile do not count)? It may
 * take several registers, so a function with one is not checked. */
static bool param_is_struct(struct dwarf_reader *r, Dwarf_Die *p)
{
	Dwarf_Attribute at;
	Dwarf_Die t = *p;

	for (int depth = 0; depth < 16; depth++) {
		int tag;

		if (!die_attr_integrate(r, &t, DW_AT_type, &at) || !die_follow(r, &at, &t))
			return false;
		tag = die_tag(r, &t);
		if (tag == DW_TAG_structure_type || tag == DW_TAG_class_type || tag == DW_TAG_interface_type)
			return true;
		if (tag != DW_TAG_typedef && tag != DW_TAG_const_type)
			return false;
	}
	return false;
}

/* Parameter i's calling convention: FUNC_OPTIMIZED_PARAM (no register),
 * *unexpected (another register than the ABI's). */
static void check_param(struct dwarf_reader *r, Dwarf_Die *p, uint32_t i, bool *unexpected, uint32_t *flags)
{
	int want = abi_arg_reg(r->opts->machine, i), got;
	Dwarf_Attribute at;

	if (want == NO_REG)
		return;
	if (!die_attr(r, p, DW_AT_location, &at)) {
		*flags |= FUNC_OPTIMIZED_PARAM;
		return;
	}
	if ((got = param_reg(r, &at, want)) == NO_REG)
		*flags |= FUNC_OPTIMIZED_PARAM;
	else if (got != want)
		*unexpected = true;
}

/* The children of d a function's reading looks at (its parameters, a
 * "..." and annotations), in order, into r->fkids[slot]: one walk over
 * them, which may be long (a function's variables, blocks and call sites
 * lie among them), where counting, reading and tagging the parameters took
 * three or four. */
static int list_kids(struct dwarf_reader *r, Dwarf_Die *d, int slot)
{
	struct func_kids *k = &r->fkids[slot];
	Dwarf_Die child;

	k->n = 0;
	if (first_child(r, d, &child) != 0)
		return 0;
	do {
		int tag = die_tag(r, &child);

		if (tag != DW_TAG_formal_parameter && tag != DW_TAG_unspecified_parameters && !is_annotation(tag))
			continue;
		if (GROW(k->kid, k->cap, (size_t)k->n + 1, 16))
			return -ENOMEM;
		k->kid[k->n++] = (struct func_kid){ child, tag };
	} while (next_sibling(r, &child) == 0);
	return 0;
}

static uint32_t count_params(const struct func_kids *k)
{
	uint32_t n = 0;

	for (uint32_t i = 0; i < k->n; i++)
		n += k->kid[i].tag == DW_TAG_formal_parameter;
	return n;
}

/* The DIE offsets of the formal parameters among k, in order (at most max). */
static uint32_t param_offsets(const struct func_kids *k, Dwarf_Off *offs, uint32_t max)
{
	uint32_t n = 0;

	for (uint32_t i = 0; i < k->n && n < max; i++)
		if (k->kid[i].tag == DW_TAG_formal_parameter)
			offs[n++] = dwarf_dieoffset((Dwarf_Die *)&k->kid[i].die);
	return n;
}

/* Does parameter i of an out-of-line copy stand for another parameter than
 * the abstract instance's i-th (aoffs[0..na))? The compiler reordered the
 * parameters (and the copy says so); its code takes them in another order
 * than the source prototype. */
static bool param_moved(struct dwarf_reader *r, Dwarf_Die *p, uint32_t i, const Dwarf_Off *aoffs, uint32_t na)
{
	Dwarf_Attribute at;
	Dwarf_Die o;

	if (!aoffs || !die_attr(r, p, DW_AT_abstract_origin, &at) || !die_follow(r, &at, &o))
		return false;
	return i >= na || dwarf_dieoffset(&o) != aoffs[i];
}

/* die's own parameters (at most *n), names and types through their
 * abstract origins, with FUNC_VARIADIC, FUNC_UNNAMED_PARAM, FUNC_REORDERED
 * and the calling convention flags; proto: die's abstract instance, or die. */
static int read_params(struct dwarf_reader *r, const struct func_kids *kids, const struct func_kids *proto,
		       struct rec_param *params, uint32_t *n, uint32_t *flags)
{
	bool unexpected = false, has_struct = false;
	Dwarf_Attribute at;
	Dwarf_Off *aoffs = NULL;
	uint32_t i = 0, na = 0;
	int err;

	if (proto != kids) {
		if (!(aoffs = arena__alloc(r->arena, (*n + 1) * sizeof(*aoffs))))
			return -ENOMEM;
		na = param_offsets(proto, aoffs, *n);
	}
	for (uint32_t k = 0; k < kids->n; k++) {
		Dwarf_Die child = kids->kid[k].die;
		int tag = kids->kid[k].tag;

		if (tag == DW_TAG_unspecified_parameters)
			*flags |= FUNC_VARIADIC;
		if (tag != DW_TAG_formal_parameter || i == *n)
			continue;
		if (intern_name(r, die_name_str(r, &child), &params[i].name))
			return -ENOMEM;
		if (!params[i].name)
			*flags |= FUNC_UNNAMED_PARAM;
		if ((err = die_ref_integrate(r, &child, DW_AT_type, &params[i].type)))
			return err;
		has_struct |= param_is_struct(r, &child);
		/* a parameter the code receives (it has a location), at
		 * another place than in the source prototype: reordered
		 * (one it does not receive lies about nothing it reads) */
		check_param(r, &child, i, &unexpected, flags);
		if (aoffs && die_attr(r, &child, DW_AT_location, &at) && param_moved(r, &child, i, aoffs, na))
			*flags |= FUNC_REORDERED;
		i++;
	}
	*n = i;
	if (unexpected && !has_struct)
		*flags |= FUNC_UNEXPECTED_REG;
	return 0;
}

/* The decl tags of the function (component -1) and of its parameters
 * (their index) among proto's children: counted when out is NULL, else
 * written to out. */
static uint32_t func_decl_tags(struct dwarf_reader *r, const struct func_kids *proto, struct rec_param *out)
{
	uint32_t n = 0, param = 0;
	Dwarf_Die ann;
	const char *v;

	if (!r->opts->decl_tag)
		return 0;
	for (uint32_t k = 0; k < proto->n; k++) {
		Dwarf_Die child = proto->kid[k].die;
		int tag = proto->kid[k].tag;

		if (is_annotation(tag) && (v = annotation_value(r, &child, "btf_decl_tag"))) {
			if (out && intern_name(r, v, &out[n].name))
				return n;
			if (out)
				out[n].type = (uint32_t)-1;
			n++;
		}
		if (tag != DW_TAG_formal_parameter)
			continue;
		if (first_child(r, &child, &ann) == 0) {
			do {
				if (!is_annotation(die_tag(r, &ann)) || !(v = annotation_value(r, &ann, "btf_decl_tag")))
					continue;
				if (out && intern_name(r, v, &out[n].name))
					return n;
				if (out)
					out[n].type = param;
				n++;
			} while (next_sibling(r, &ann) == 0);
		}
		param++;
	}
	return n;
}

/* A function without an ELF symbol: no FUNC (func_select says so). The name
 * is all the report needs; its prototype and locations are not read. */
static int bare_candidate(struct dwarf_reader *r, uint32_t name)
{
	long idx = add_func_rec(r);

	if (idx < 0)
		return -ENOMEM;
	r->funcs[idx].name = name;
	r->funcs[idx].extra = FUNC_NO_SYMBOL;
	r->stats.funcs++;
	return 0;
}

/* The children of die (*kids) and of its abstract instance (*proto: the
 * same list if it has none) that read_function looks at. */
static int function_kids(struct dwarf_reader *r, Dwarf_Die *die, const struct func_kids **kids,
			 const struct func_kids **proto)
{
	Dwarf_Attribute at;
	Dwarf_Die origin;
	bool has_origin = die_attr(r, die, DW_AT_abstract_origin, &at) && die_follow(r, &at, &origin);
	int err;

	if ((err = list_kids(r, die, 0)) || (has_origin && (err = list_kids(r, &origin, 1))))
		return err;
	*kids = &r->fkids[0];
	*proto = has_origin ? &r->fkids[1] : *kids;
	return 0;
}

/* The reader's memo slot for strtab id name (read_dwarf.h); NULL: -ENOMEM. */
static struct func_syms_memo *func_syms_slot(struct dwarf_reader *r, uint32_t name)
{
	if (!r->func_syms && !(r->func_syms = calloc(FUNC_SYMS_MEMO_SIZE, sizeof(*r->func_syms))))
		return NULL;
	return &r->func_syms[(name * 0x9E3779B1u) >> (32 - FUNC_SYMS_MEMO_BITS)];
}

/* elf_funcs__find for a function named s, strtab id name (not 0), through
 * the reader's memo of its answers; -ENOMEM, or 1 found, 0 not. */
static int func_syms(struct dwarf_reader *r, uint32_t name, const char *s, uint32_t *first, uint32_t *n)
{
	struct func_syms_memo *m = func_syms_slot(r, name);
	bool found;

	if (!m)
		return -ENOMEM;
	if (m->name != name) {
		found = elf_funcs__find(r->opts->elf_funcs, s, strlen(s), first, n);
		*m = (struct func_syms_memo){ name, *first, found ? *n : UINT32_MAX };
	}
	*first = m->first;
	*n = m->n;
	return m->n != UINT32_MAX;
}

/* A name in .debug_str the name cache has no id for (met for the first
 * time, as far as this reader can tell): its symbols asked for by its
 * bytes, before it is interned. Without one it is set in no_symbol_names
 * and not interned (0); with one it is interned and the answer memoised
 * (1, *name, *first and *n); -ENOMEM. */
static int first_func_name(struct dwarf_reader *r, const char *s, uint32_t *name, uint32_t *first, uint32_t *n)
{
	struct func_syms_memo *m;

	if (!elf_funcs__find(r->opts->elf_funcs, s, strlen(s), first, n)) {
		no_symbol_names__add(r->opts->no_symbol, s);
		return 0;
	}
	if (intern_name(r, s, name) || !(m = func_syms_slot(r, *name)))
		return -ENOMEM;
	*m = (struct func_syms_memo){ *name, *first, *n };
	return 1;
}

/* A function definition's name s interned, and its symbols looked up.
 * 1: *name, and with elf_funcs its symbols (*first, *n); 0: nothing more
 * to read (no name, or none of its symbols: a bare candidate sent, or the
 * name set in no_symbol_names); -ENOMEM. */
static int func_name(struct dwarf_reader *r, const char *s, uint32_t *name, uint32_t *first, uint32_t *n)
{
	struct no_symbol_names *ns = r->opts->no_symbol;
	int err;

	if (ns && s && *s && no_symbol_names__covers(ns, s) && r->opts->elf_funcs && r->opts->names &&
	    name_cache__covers(r->opts->names, s)) {
		if (no_symbol_names__has(ns, s))
			return 0;
		if (!name_cache__get(r->opts->names, s, name))
			return first_func_name(r, s, name, first, n);
	} else if (intern_name(r, s, name)) {
		return -ENOMEM;
	}
	if (!*name)
		return 0;
	if (r->opts->elf_funcs && (err = func_syms(r, *name, s, first, n)) <= 0)
		return err < 0 ? err : bare_candidate(r, *name);
	return 1;
}

int read_function(struct dwarf_reader *r, Dwarf_Die *die)
{
	const struct func_kids *kids, *proto_kids;
	struct rec_param *params = NULL;
	uint32_t name, ret, n, ntags, flags = 0;
	Dwarf_Word cc = 0;
	Dwarf_Attribute at;
	uint32_t sym_first, sym_n;
	bool external = false;
	long idx;
	int err;

	/* Definitions only. A DIE without code (an abstract instance, or a
	 * function the compiler emitted as a jump to another) still has the
	 * source prototype; the ELF symbol decides whether it exists. */
	if (!r->opts->funcs || die_attr(r, die, DW_AT_declaration, &at))
		return 0;
	if ((err = func_name(r, die_name_str(r, die), &name, &sym_first, &sym_n)) <= 0)
		return err;
	if ((err = die_ref_integrate(r, die, DW_AT_type, &ret)))
		return err;
	if ((err = function_kids(r, die, &kids, &proto_kids)))
		return err;
	n = count_params(kids);
	ntags = func_decl_tags(r, proto_kids, NULL);
	if (n > 0xfffe || ntags > 0xffff)
		return reader_fail(r, die, -E2BIG, "function with more than 65534 parameters or tags");
	if (!(params = arena__alloc(r->arena, (n + 1 + ntags) * sizeof(*params))))
		return -ENOMEM;
	if ((err = read_params(r, kids, proto_kids, params, &n, &flags)))
		return err;
	if (die_attr_integrate(r, die, DW_AT_external, &at))
		dwarf_formflag(&at, &external);
	if (die_attr_integrate(r, die, DW_AT_calling_convention, &at) && dwarf_formudata(&at, &cc) == 0 &&
	    cc == DW_CC_nocall)
		flags |= FUNC_NOCALL;
	if (flags & FUNC_VARIADIC)
		n++;	/* params[n-1] stays {0, REF_VOID} */
	if (ntags && func_decl_tags(r, proto_kids, params + n) != ntags)
		return -ENOMEM;
	if ((idx = add_func_rec(r)) < 0)
		return -ENOMEM;
	r->funcs[idx].name = name;
	r->funcs[idx].kflag = external;
	r->funcs[idx].size_type = ret;
	r->funcs[idx].vlen = (uint16_t)n;
	r->funcs[idx].payload = params;
	r->funcs[idx].elem = ntags;
	if (r->opts->elf_funcs && sym_n <= 0xffff) {	/* found above: func_select need not look again */
		flags |= FUNC_SYMS;
		r->funcs[idx].index = sym_first;
		r->funcs[idx].elem |= sym_n << 16;
	}
	r->funcs[idx].extra = flags;
	r->stats.funcs++;
	return 0;
}
