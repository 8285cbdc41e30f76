/* stages/read/read_var.c: a reader's view of a file-scope variable.
 *
 * A variable in a section stages/input/elf_vars.h selects becomes a VAR record (with
 * its decl tags); its offset, size and section slot ride in the record for
 * the writer's DATASECs (stages/record/record.h).
 */
#include <dwarf.h>
#include <errno.h>
#include <linux/btf.h>
#include <stdint.h>
#include <string.h>

#include "stages/read/read_internal.h"
#include "stages/input/elf_vars.h"


/* DWARF 5's DW_OP_addrx <index>: the address lives in .debug_addr. */
static bool variable_addrx(Dwarf_Attribute *at, uint64_t *addr)
{
	Dwarf_Attribute result;
	Dwarf_Addr a = 0;
	Dwarf_Op *ops;
	size_t nops;
	bool ok = false;

	pthread_mutex_lock(&getlocation_lock);
	if (dwarf_getlocation(at, &ops, &nops) == 0 && nops == 1 &&
	    (ops[0].atom == DW_OP_addrx || ops[0].atom == DW_OP_GNU_addr_index) &&
	    dwarf_getlocation_attr(at, &ops[0], &result) == 0 && dwarf_formaddr(&result, &a) == 0) {
		*addr = a;
		ok = true;
	}
	pthread_mutex_unlock(&getlocation_lock);
	return ok;
}

/* The address of a variable located by a lone DW_OP_addr or DW_OP_addrx. */
static bool variable_addr(struct dwarf_reader *r, Dwarf_Die *die, uint64_t *addr)
{
	unsigned int n = r->opts->addr_size;
	Dwarf_Attribute at;
	Dwarf_Block blk;

	if (!die_attr(r, die, DW_AT_location, &at) || dwarf_formblock(&at, &blk) || blk.length < 2)
		return false;
	if (blk.data[0] == DW_OP_addrx || blk.data[0] == DW_OP_GNU_addr_index)
		return die_attrs__asked_libdw(&r->attrs), variable_addrx(&at, addr);
	if (blk.length != 1 + n || blk.data[0] != DW_OP_addr || (n != 4 && n != 8))
		return false;
	*addr = 0;
	for (unsigned int i = 0; i < n; i++) {
		unsigned int byte = r->opts->big_endian ? i : n - 1 - i;

		*addr = *addr << 8 | blk.data[1 + byte];
	}
	return true;
}

/* Byte size of die's type (following DW_AT_specification), 0 if unknown. */
static uint64_t variable_size(struct dwarf_reader *r, Dwarf_Die *die)
{
	Dwarf_Attribute at;
	Dwarf_Word size;
	Dwarf_Die type;

	die_attrs__asked_libdw(&r->attrs);
	if (!dwarf_attr_integrate(die, DW_AT_type, &at) || !dwarf_formref_die(&at, &type) ||
	    dwarf_aggregate_size(&type, &size))
		return 0;
	return size;
}

/* A file-scope variable in a section opts->vars selects -> VAR (+ its decl
 * tags); the rules are in stages/input/elf_vars.h. */
int read_variable(struct dwarf_reader *r, Dwarf_Die *die)
{
	const struct elf_vars *v = r->opts->vars;
	const char *name_str;
	Dwarf_Attribute at;
	uint32_t type, name;
	uint64_t addr, offset, size;
	bool external = false;
	long idx;
	int slot, err;

	if (!v || die_attr(r, die, DW_AT_declaration, &at) || die_flag(r, die, DW_AT_artificial) ||
	    !variable_addr(r, die, &addr) || (slot = elf_vars__section(v, addr)) < 0)
		return 0;
	name_str = die_name_str(r, die);
	if (!name_str || !*name_str || elf_vars__name_filtered(name_str))
		return 0;
	offset = addr - v->secs[slot].addr;
	if (offset == 0 && !elf_vars__has_symbol(v, slot, addr, name_str))
		return 0;	/* discarded by the linker, not the variable at the start */
	size = variable_size(r, die);
	if (size == 0 || size > UINT32_MAX || offset > UINT32_MAX)
		return 0;
	if ((err = die_ref_integrate(r, die, DW_AT_type, &type)))
		return err;
	if (type == REF_VOID)
		return 0;
	if (die_attr_integrate(r, die, DW_AT_external, &at))
		dwarf_formflag(&at, &external);
	if (intern_name(r, name_str, &name) || (idx = add_rec(r, BTF_KIND_VAR)) < 0)
		return -ENOMEM;
	r->recs[idx].name = name;
	r->recs[idx].size_type = type;
	r->recs[idx].extra = external ? BTF_VAR_GLOBAL_ALLOCATED : BTF_VAR_STATIC;
	r->recs[idx].elem = (uint32_t)offset;
	r->recs[idx].index = (uint32_t)size;
	r->recs[idx].vlen = (uint16_t)slot;
	return add_decl_tags(r, die, idx, -1);
}
