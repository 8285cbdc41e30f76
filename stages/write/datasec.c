/* stages/write/datasec.c: see datasec.h. */
#include "stages/write/datasec.h"

#include <bpf/btf.h>
#include <errno.h>
#include <stdlib.h>

#include "stages/input/elf_vars.h"
#include "stages/record/batch.h"
#include "stages/write/named_type.h"

static const struct elf_vars *sort_vars;	/* qsort context: one thread only */

static int cmp_secinfo(const void *a, const void *b)
{
	const struct final_secinfo *x = a, *y = b;
	uint32_t nx = sort_vars->secs[x->slot].ndx, ny = sort_vars->secs[y->slot].ndx;

	if (nx != ny)
		return nx < ny ? -1 : 1;
	if (x->offset != y->offset)
		return x->offset < y->offset ? -1 : 1;
	return x->var < y->var ? -1 : x->var > y->var;
}

static int add_one(struct btf *btf, const struct elf_vars *vars, const struct final_secinfo *s, size_t n,
		   const struct placed_names *placed, const uint32_t *name_ids)
{
	uint32_t size = s[n - 1].offset + s[n - 1].size, off;
	int id, err;

	if (n > 0xffff)
		return -E2BIG;
	if (name_ids && placed_names__get(placed, name_ids[s[0].slot], &off))
		id = named_type__datasec(btf, off, size);
	else
		id = btf__add_datasec(btf, vars->secs[s[0].slot].name, size);
	if (id < 0)
		return id;
	for (size_t i = 0; i < n; i++)
		if ((err = btf__add_datasec_var_info(btf, s[i].var, s[i].offset, s[i].size)))
			return err;
	return 0;
}

int datasec__add_all(struct btf *btf, const struct elf_vars *vars, struct final_secinfo *s, size_t n,
		     const struct placed_names *placed, const uint32_t *name_ids)
{
	int err = 0;

	if (!n)
		return 0;
	sort_vars = vars;
	qsort(s, n, sizeof(*s), cmp_secinfo);
	for (size_t lo = 0, hi; lo < n && !err; lo = hi) {
		for (hi = lo + 1; hi < n && s[hi].slot == s[lo].slot; hi++)
			;
		err = add_one(btf, vars, s + lo, hi - lo, placed, name_ids);
	}
	return err;
}
