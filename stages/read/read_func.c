/* stages/read/read_func.c: a reader's view of one function definition.
 *
 * For each file-scope DW_TAG_subprogram that is not a declaration, the reader sends a
 * REC_FUNC candidate (stages/record/record.h): name, linkage, return type, named
 * parameters and what the DWARF says about how it is called. Whether it
 * becomes a BTF FUNC is decided by the writer after the last CU, when every
 * CU's copy and the ELF symbols can be compared (stages/write/func_select.c).
 *
 * Calling convention check (pahole's optimized_func / unexpected_reg rule):
 * the first N parameters must arrive in the ABI's argument registers. A
 * parameter whose location is a lone DW_OP_regN at entry (the first
 * location-list entry) or DW_OP_entry_value(DW_OP_regN) anywhere gives its
 * register; none means it was optimised away. A register other than the
 * ABI's means the compiler changed the calling convention (an .isra clone,
 * say) and the DWARF prototype would lie about how to call it.
 */
#include <dwarf.h>
#include <elf.h>
#include <errno.h>
#include <string.h>

#include "stages/input/elf_funcs.h"
#include "stages/read/read_internal.h"

#define NO_REG (-1)

/* DWARF register number of integer argument i, or NO_REG if the target's
 * convention is not known here (then nothing is checked). */
static int abi_arg_reg(unsigned int machine, unsigned int i)
{
	static const int x86_64[] = { 5, 4, 1, 2, 8, 9 };	/* rdi rsi rdx rcx r8 r9 */

	switch (machine) {
	case EM_X86_64:
		return i < 6 ? x86_64[i] : NO_REG;
	case EM_AARCH64:
		return i < 8 ? (int)i : NO_REG;		/* x0-x7 */
	case EM_S390:
		return i < 5 ? 2 + (int)i : NO_REG;	/* r2-r6 */
	case EM_RISCV:
		return i < 8 ? 10 + (int)i : NO_REG;	/* a0-a7 */
	case EM_PPC64:
		return i < 8 ? 3 + (int)i : NO_REG;	/* r3-r10 */
	default:
		return NO_REG;
	}
}

static int op_reg(const Dwarf_Op *op)
{
	if (op->atom >= DW_OP_reg0 && op->atom <= DW_OP_reg31)
		return op->atom - DW_OP_reg0;
	if (op->atom == DW_OP_regx)
		return (int)op->number;
	return NO_REG;
}

/* DW_OP_entry_value(DW_OP_regN): the register, else NO_REG. Lock held. */
static int entry_value_reg(Dwarf_Attribute *at, Dwarf_Op *op)
{
	Dwarf_Attribute inner;
	Dwarf_Op *ops;
	size_t n;

	if (op->atom != DW_OP_entry_value && op->atom != DW_OP_GNU_entry_value)
		return NO_REG;
	if (dwarf_getlocation_attr(at, op, &inner) || dwarf_getlocation(&inner, &ops, &n) || n != 1)
		return NO_REG;
	return op_reg(&ops[0]);
}

/* Where parameter p arrives: its register, or NO_REG if none is known.
 * Read from the section bytes (stages/read/param_loc.h) when that can be done,
 * else through libdw. */
static int param_reg(struct dwarf_reader *r, Dwarf_Die *p)
{
	Dwarf_Addr base, start, end;
	Dwarf_Attribute at;
	ptrdiff_t off = 0;
	Dwarf_Op *expr;
	size_t len;
	int reg = NO_REG;

	if (!die_attr(r, p, DW_AT_location, &at))
		return NO_REG;
	if (r->attrs.cu && at.cu == r->attrs.cu) {
		struct param_loc_cu cu = {
			.version = r->attrs.version, .address_size = r->attrs.address_size,
			.offset_size = r->attrs.offset_size, .big_endian = r->opts->big_endian,
		};

		if ((reg = param_loc__reg(&r->opts->locs, &cu, &at)) != PARAM_LOC_ASK_LIBDW)
			return reg < 0 ? NO_REG : reg;
		reg = NO_REG;
	}
	pthread_mutex_lock(&getlocation_lock);
	for (int k = 0; reg == NO_REG && (off = dwarf_getlocations(&at, off, &base, &start, &end, &expr, &len)) > 0; k++) {
		if (len == 2 && expr[1].atom == DW_OP_stack_value)
			len = 1;
		if (len != 1)
			continue;
		if (k == 0)
			reg = op_reg(&expr[0]);
		if (reg == NO_REG)
			reg = entry_value_reg(&at, &expr[0]);
	}
	pthread_mutex_unlock(&getlocation_lock);
	return reg;
}

/* Is p's type a struct or union passed by value (typedefs and qualifiers
 * looked through)? Such parameters take several registers or the stack, so
 * the register check cannot be applied. */
static bool param_is_aggregate(Dwarf_Die *p)
{
	Dwarf_Attribute at;
	Dwarf_Die t = *p;

	for (int depth = 0; depth < 16; depth++) {
		int tag;

		if (!dwarf_attr_integrate(&t, DW_AT_type, &at) || !dwarf_formref_die(&at, &t))
			return false;
		tag = dwarf_tag(&t);
		if (tag == DW_TAG_structure_type || tag == DW_TAG_union_type || tag == DW_TAG_class_type)
			return true;
		if (tag != DW_TAG_typedef && tag != DW_TAG_const_type && tag != DW_TAG_volatile_type)
			return false;
	}
	return false;
}

static const char *name_integrate(Dwarf_Die *die)
{
	Dwarf_Attribute at;

	return dwarf_attr_integrate(die, DW_AT_name, &at) ? dwarf_formstring(&at) : NULL;
}

/* The abstract instance a concrete out-of-line copy refers to, if any. */
static bool abstract_origin(Dwarf_Die *die, Dwarf_Die *origin)
{
	Dwarf_Attribute at;

	return dwarf_attr(die, DW_AT_abstract_origin, &at) && dwarf_formref_die(&at, origin);
}

/* The prototype: die's formal parameters in source order, their DIE offsets
 * in offs[], and FUNC_VARIADIC / FUNC_UNNAMED_PARAM. */
static int read_proto_params(struct dwarf_reader *r, Dwarf_Die *die, struct rec_param *params,
			     Dwarf_Off *offs, uint32_t *n, uint32_t *flags)
{
	Dwarf_Die child;
	uint32_t i = 0;
	int err;

	if (first_child(r, die, &child) == 0) {
		do {
			int tag = die_tag(r, &child);

			if (tag == DW_TAG_unspecified_parameters)
				*flags |= FUNC_VARIADIC;
			if (tag != DW_TAG_formal_parameter || i == *n)
				continue;
			if (intern_name(r, name_integrate(&child), &params[i].name))
				return -ENOMEM;
			if (!params[i].name)
				*flags |= FUNC_UNNAMED_PARAM;
			if ((err = die_ref_integrate(r, &child, DW_AT_type, &params[i].type)))
				return err;
			offs[i++] = dwarf_dieoffset(&child);
		} while (next_sibling(r, &child) == 0);
	}
	*n = i;
	return 0;
}

/* Source position of a concrete parameter: the index of its abstract origin
 * among offs[] (a clone may list its parameters in another order). */
static long param_position(Dwarf_Die *p, const Dwarf_Off *offs, uint32_t n, uint32_t fallback)
{
	Dwarf_Die o;

	if (!abstract_origin(p, &o))
		return fallback < n ? (long)fallback : -1;
	for (uint32_t i = 0; i < n; i++)
		if (offs[i] == dwarf_dieoffset(&o))
			return i;
	return -1;
}

/* The calling convention check over the parameters of code (the concrete
 * DIE, or die itself): FUNC_OPTIMIZED_PARAM, FUNC_UNEXPECTED_REG. */
static void check_registers(struct dwarf_reader *r, Dwarf_Die *code, const Dwarf_Off *offs, uint32_t n,
			    bool *in_reg, uint32_t *flags)
{
	bool aggregate = false, unexpected = false;
	uint32_t k = 0;
	Dwarf_Die child;

	if (first_child(r, code, &child) == 0) {
		do {
			long pos;
			int want;

			if (die_tag(r, &child) != DW_TAG_formal_parameter)
				continue;
			aggregate |= param_is_aggregate(&child);
			pos = param_position(&child, offs, n, k++);
			want = pos < 0 ? NO_REG : abi_arg_reg(r->opts->machine, (unsigned int)pos);
			if (want == NO_REG)
				continue;
			int got = param_reg(r, &child);

			if (got == NO_REG)
				continue;
			in_reg[pos] = true;
			if (got != want)
				unexpected = true;
		} while (next_sibling(r, &child) == 0);
	}
	for (uint32_t i = 0; i < n; i++)
		if (abi_arg_reg(r->opts->machine, i) != NO_REG && !in_reg[i])
			*flags |= FUNC_OPTIMIZED_PARAM;
	if (unexpected && !aggregate)
		*flags |= FUNC_UNEXPECTED_REG;
}

static uint32_t count_params(struct dwarf_reader *r, Dwarf_Die *die)
{
	Dwarf_Die child;
	uint32_t n = 0;

	if (first_child(r, die, &child) == 0)
		do
			n += die_tag(r, &child) == DW_TAG_formal_parameter;
		while (next_sibling(r, &child) == 0);
	return n;
}

/* Parameters of the prototype (from the abstract origin when die is an
 * out-of-line copy) and the register check on die's own locations. */
static int read_params(struct dwarf_reader *r, Dwarf_Die *die, struct rec_param *params, uint32_t *n,
		       uint32_t *flags)
{
	Dwarf_Die origin, *proto = abstract_origin(die, &origin) ? &origin : die;
	Dwarf_Off *offs;
	bool *in_reg;
	int err;

	offs = arena__alloc(r->arena, (*n + 1) * sizeof(*offs));
	in_reg = arena__alloc(r->arena, *n + 1);
	if (!offs || !in_reg)
		return -ENOMEM;
	if ((err = read_proto_params(r, proto, params, offs, n, flags)))
		return err;
	check_registers(r, die, offs, *n, in_reg, flags);
	return 0;
}

/* The decl tags of proto (component -1) and of its parameters (their
 * index): counted when out is NULL, else written to out. */
static uint32_t func_decl_tags(struct dwarf_reader *r, Dwarf_Die *proto, struct rec_param *out)
{
	Dwarf_Die child, ann;
	uint32_t n = 0, param = 0;
	const char *v;

	if (!r->opts->decl_tag || first_child(r, proto, &child) != 0)
		return 0;
	do {
		int tag = die_tag(r, &child);

		if ((v = annotation_value(&child, "btf_decl_tag"))) {
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
				if (!(v = annotation_value(&ann, "btf_decl_tag")))
					continue;
				if (out && intern_name(r, v, &out[n].name))
					return n;
				if (out)
					out[n].type = param;
				n++;
			} while (next_sibling(r, &ann) == 0);
		}
		param++;
	} while (next_sibling(r, &child) == 0);
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
	r->stats.funcs++;
	return 0;
}

int read_function(struct dwarf_reader *r, Dwarf_Die *die)
{
	struct rec_param *params = NULL;
	uint32_t name, ret, n, ntags, flags = 0;
	Dwarf_Word cc = 0;
	Dwarf_Attribute at;
	Dwarf_Die origin, *proto;
	const char *name_str;
	uint32_t sym_first, sym_n;
	bool external = false;
	long idx;
	int err;

	/* Definitions only. A DIE without code (an abstract instance, or a
	 * function the compiler emitted as a jump to another) still has the
	 * source prototype; the ELF symbol decides whether it exists. */
	if (!r->opts->funcs || die_attr(r, die, DW_AT_declaration, &at))
		return 0;
	name_str = die_name_str(r, die);
	if (intern_name(r, name_str, &name))
		return -ENOMEM;
	if (!name)
		return 0;
	if (r->opts->elf_funcs && !elf_funcs__find(r->opts->elf_funcs, name_str, strlen(name_str), &sym_first, &sym_n))
		return bare_candidate(r, name);
	if ((err = die_ref_integrate(r, die, DW_AT_type, &ret)))
		return err;
	proto = die_attr(r, die, DW_AT_abstract_origin, &at) && dwarf_formref_die(&at, &origin) ? &origin : die;
	n = count_params(r, proto);
	ntags = func_decl_tags(r, proto, NULL);
	if (n > 0xfffe || ntags > 0xffff)
		return reader_fail(r, die, -E2BIG, "function with more than 65534 parameters or tags");
	if (!(params = arena__alloc(r->arena, (n + 1 + ntags) * sizeof(*params))))
		return -ENOMEM;
	if ((err = read_params(r, die, params, &n, &flags)))
		return err;
	if (die_attr_integrate(r, die, DW_AT_external, &at))
		dwarf_formflag(&at, &external);
	if (die_attr_integrate(r, die, DW_AT_calling_convention, &at) && dwarf_formudata(&at, &cc) == 0 &&
	    cc == DW_CC_nocall)
		flags |= FUNC_NOCALL;
	if (flags & FUNC_VARIADIC)
		n++;	/* params[n-1] stays {0, REF_VOID} */
	if (ntags && func_decl_tags(r, proto, params + n) != ntags)
		return -ENOMEM;
	if ((idx = add_func_rec(r)) < 0)
		return -ENOMEM;
	r->funcs[idx].name = name;
	r->funcs[idx].kflag = external;
	r->funcs[idx].size_type = ret;
	r->funcs[idx].vlen = (uint16_t)n;
	r->funcs[idx].payload = params;
	r->funcs[idx].extra = flags;
	r->funcs[idx].elem = ntags;
	r->stats.funcs++;
	return 0;
}
