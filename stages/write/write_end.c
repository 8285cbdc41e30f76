/* stages/write/write_end.c: see write_end.h. */
#include "stages/write/write_end.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "stages/write/datasec.h"
#include "stages/input/elf_vars.h"
#include "stages/record/record.h"
#include "strtab/strtab.h"

int btf_writer__order_funcs(struct btf_writer *w)
{
	if (!w->ncands || w->func_order)
		return 0;
	if (!(w->func_order = name_order__finish(&w->names, w->cands, w->ncands)))
		return fail__set(w->fail, -ENOMEM, "write: %s: out of memory", w->path);
	return 0;
}

/* ids[*n] = id, unless 0 or seen (a bit per id below limit). */
static void add_name(uint32_t id, uint64_t *seen, uint32_t limit, uint32_t *ids, size_t *n)
{
	if (!id || id >= limit || (seen[id / 64] >> (id % 64) & 1))
		return;
	seen[id / 64] |= 1ull << (id % 64);
	ids[(*n)++] = id;
}

/* The kfunc tags' values and the sections' names, interned. */
static int intern_end_strings(struct btf_writer *w, const struct elf_vars *vars)
{
	static const char *const kfunc_tags[2] = { "bpf_kfunc", "bpf_fastcall" };

	for (int k = 0; k < 2; k++)
		if (strtab__intern(w->strtab, kfunc_tags[k], strlen(kfunc_tags[k]), &w->kfunc_tag_ids[k]))
			return -ENOMEM;
	if (!(w->sec_name_ids = calloc((size_t)vars->nsecs + 1, sizeof(*w->sec_name_ids))))
		return -ENOMEM;
	for (uint32_t i = 0; i < vars->nsecs; i++)
		if (vars->secs[i].name &&
		    strtab__intern(w->strtab, vars->secs[i].name, strlen(vars->secs[i].name), &w->sec_name_ids[i]))
			return -ENOMEM;
	return 0;
}

int btf_writer__end_names(struct btf_writer *w, const struct elf_vars *vars)
{
	uint32_t limit;
	uint64_t *seen = NULL;
	size_t n = 0;

	if (intern_end_strings(w, vars))
		goto oom;
	limit = strtab__id_limit(w->strtab);	/* (each id below it at most once: room for all) */
	if (!(seen = calloc((size_t)limit / 64 + 1, sizeof(*seen))) ||
	    !(w->end_names = malloc(((size_t)limit + 1) * sizeof(*w->end_names))))
		goto oom;
	for (size_t i = 0; i < w->ncands; i++) {
		const struct func_cand *c = &w->cands[i];

		if (c->flags & FUNC_NO_SYMBOL)	/* (never a FUNC) */
			continue;
		add_name(c->name, seen, limit, w->end_names, &n);
		for (uint32_t k = 0; k < c->nparams; k++)
			add_name(w->params[c->first_param + k].name, seen, limit, w->end_names, &n);
		for (uint32_t k = 0; k < c->ntags; k++)
			add_name(w->tags[c->first_tag + k].value, seen, limit, w->end_names, &n);
	}
	for (int k = 0; k < 2; k++)
		add_name(w->kfunc_tag_ids[k], seen, limit, w->end_names, &n);
	for (uint32_t i = 0; i < vars->nsecs; i++)
		add_name(w->sec_name_ids[i], seen, limit, w->end_names, &n);
	w->nend_names = n;
	free(seen);
	return 0;
oom:
	free(seen);
	return fail__set(w->fail, -ENOMEM, "write: %s: out of memory", w->path);
}

static int add_datasecs(struct btf_writer *w, struct btf *btf, const struct anchor_ids *fin,
			const struct elf_vars *vars, const struct placed_names *placed)
{
	struct final_secinfo *fs = malloc((w->nsecinfo + 1) * sizeof(*fs));
	int err;

	if (!fs)
		return fail__set(w->fail, -ENOMEM, "write: %s: out of memory", w->path);
	for (size_t i = 0; i < w->nsecinfo; i++)
		fs[i] = (struct final_secinfo){ btf_writer__final_id(w, fin, w->secinfo[i].var), w->secinfo[i].offset,
						w->secinfo[i].size, w->secinfo[i].slot };
	err = datasec__add_all(btf, vars, fs, w->nsecinfo, placed, w->sec_name_ids);
	free(fs);
	return err ? fail__set(w->fail, err, "write: %s: %s", w->path, strerror(-err)) : 0;
}

static int select_funcs(struct btf_writer *w, struct btf *btf, const struct anchor_ids *fin,
			const struct write_end_opts *o, struct func_select_stats *fs)
{
	struct func_select_input in = {
		.path = w->path, .strtab = w->strtab, .cands = w->cands, .ncands = w->ncands, .order = w->func_order,
		.tags = w->tags, .elf_funcs = o->elf_funcs, .elf_kfuncs = o->elf_kfuncs, .rules = o->rules,
		.placed = o->placed, .kfunc_tag_ids = { w->kfunc_tag_ids[0], w->kfunc_tag_ids[1] },
	};
	struct func_param *params = NULL;
	int err = 0;

	if (btf_writer__resolve_funcs(w, fin, &params))
		return fail__set(w->fail, -ENOMEM, "write: %s: out of memory", w->path);
	in.params = params;
	if (o->report_path && !(in.report = fopen(o->report_path, "w")))
		err = fail__set(w->fail, -errno, "write: %s: cannot write the report: %s", o->report_path,
				strerror(errno));
	if (!err)
		err = func_select__run(btf, &in, fs, w->fail);
	if (in.report && fclose(in.report) && !err)
		err = fail__set(w->fail, -EIO, "write: %s: cannot write the report", o->report_path);
	free(params);
	return err;
}

int btf_writer__end_stream(struct btf_writer *w, struct btf *btf, const struct anchor_ids *fin,
			   const struct write_end_opts *o, struct func_select_stats *fs)
{
	int err;

	memset(fs, 0, sizeof(*fs));
	if ((err = add_datasecs(w, btf, fin, o->vars, o->placed)) || (err = select_funcs(w, btf, fin, o, fs)))
		return err;
	if (!w->no_symbol_cands) {	/* counted, not decided: each its own name, no symbol */
		fs->names += w->no_symbol_names;
		fs->verdicts[FV_NO_SYMBOL] += w->no_symbol_names;
	}
	return 0;
}
