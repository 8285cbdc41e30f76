/* stages/write/write_end.c: see write_end.h. */
#include "stages/write/write_end.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "stages/write/datasec.h"

int btf_writer__order_funcs(struct btf_writer *w)
{
	if (!w->ncands || w->func_order)
		return 0;
	if (!(w->func_order = name_order__finish(&w->names, w->cands, w->ncands)))
		return fail__set(w->fail, -ENOMEM, "write: %s: out of memory", w->path);
	return 0;
}

static int add_datasecs(struct btf_writer *w, struct btf *btf, const struct anchor_ids *fin,
			const struct elf_vars *vars)
{
	struct final_secinfo *fs = malloc((w->nsecinfo + 1) * sizeof(*fs));
	int err;

	if (!fs)
		return fail__set(w->fail, -ENOMEM, "write: %s: out of memory", w->path);
	for (size_t i = 0; i < w->nsecinfo; i++)
		fs[i] = (struct final_secinfo){ btf_writer__final_id(w, fin, w->secinfo[i].var), w->secinfo[i].offset,
						w->secinfo[i].size, w->secinfo[i].slot };
	err = datasec__add_all(btf, vars, fs, w->nsecinfo);
	free(fs);
	return err ? fail__set(w->fail, err, "write: %s: %s", w->path, strerror(-err)) : 0;
}

static int select_funcs(struct btf_writer *w, struct btf *btf, const struct anchor_ids *fin,
			const struct write_end_opts *o, struct func_select_stats *fs)
{
	struct func_select_input in = {
		.path = w->path, .strtab = w->strtab, .cands = w->cands, .ncands = w->ncands, .order = w->func_order,
		.tags = w->tags, .elf_funcs = o->elf_funcs, .elf_kfuncs = o->elf_kfuncs, .rules = o->rules,
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
	if ((err = add_datasecs(w, btf, fin, o->vars)))
		return err;
	return select_funcs(w, btf, fin, o, fs);
}
