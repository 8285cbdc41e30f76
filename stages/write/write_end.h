/* stages/write/write_end.h: the writer's end of the stream.
 *
 * After the last CU (btf_writer__finish) the writer knows every variable and
 * every function candidate, but their types' final ids exist only once the
 * merge thread has merged every batch. Then, on the writer's thread (the
 * main thread), btf_writer__end_stream adds to the merged BTF:
 *   1. the DATASECs (datasec.h), one per section with variables;
 *   2. the FUNCs, with their FUNC_PROTOs and decl tags (func_select.h).
 * btf_writer__order_funcs may run before, while the merge thread finishes:
 * it needs only the candidates' names.
 */
#ifndef BTFSTREAM_WRITE_END_H
#define BTFSTREAM_WRITE_END_H

#include <stddef.h>
#include <stdio.h>

#include "stages/record/batch.h"
#include "stages/write/func_select.h"
#include "stages/write/write_btf.h"

struct btf;
struct elf_vars;
struct elf_funcs;
struct elf_kfuncs;

struct write_end_opts {
	size_t sz;				/* sizeof(struct write_end_opts) */
	const struct elf_vars *vars;		/* the sections of the DATASECs */
	const struct elf_funcs *elf_funcs;	/* function symbols */
	const struct elf_kfuncs *elf_kfuncs;	/* kfuncs, for their DECL_TAGs */
	struct func_rules rules;
	const char *report_path;		/* --funcs-report, or NULL */
	/* names the BTF's base holds, by strtab id (btf_writer__end_names,
	 * placed by the merger), or NULL: names looked up through libbpf */
	const struct placed_names *placed;
};

/* The order function selection decides in (w->func_order). Any time after
 * btf_writer__finish. Returns 0 or -ENOMEM (reason in the writer's fail). */
int btf_writer__order_funcs(struct btf_writer *w);

/* Every name the end of the stream may give a type, as strtab ids in
 * w->end_names[0..w->nend_names), each once: the names of the candidates
 * that have an ELF symbol, their parameters' names and their tags' values,
 * the kfunc tags' values and the variable sections' names (the last two
 * interned here). For the merger to place them in the accumulated strings
 * (merger__end_names), so that btf_writer__end_stream adds its types
 * under names their base holds (stages/write/named_type.h). After
 * btf_writer__finish, before the batch ring closes; main thread. Returns 0
 * or -ENOMEM (reason in the writer's fail). */
int btf_writer__end_names(struct btf_writer *w, const struct elf_vars *vars);

/* Adds the DATASECs and FUNCs to btf, the merged BTF; fin: the merger's
 * anchor ids (merger__take). *fs gets the function verdicts. Returns 0 or
 * -errno (reason in the writer's fail). */
int btf_writer__end_stream(struct btf_writer *w, struct btf *btf, const struct anchor_ids *fin,
			   const struct write_end_opts *o, struct func_select_stats *fs);

#endif
