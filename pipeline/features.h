/* pipeline/features.h: pahole's --btf_features names, parsed by the CLI.
 *
 * Names map one to one to pahole's so a kernel's flags work unchanged:
 * encode_force, var, float, decl_tag, type_tag, enum64, optimized_func,
 * consistent_func, decl_tag_kfuncs (the default set, the kernel's list),
 * reproducible_build, distilled_base, global_var, attributes and layout (off
 * by default). Lists add up the way
 * pahole v1.31 adds them (features__add_list). Main thread only.
 */
#ifndef BTFSTREAM_FEATURES_H
#define BTFSTREAM_FEATURES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

struct btf_features {
	bool encode_force;	/* accepted; btfstream skips what BTF cannot name anyway */
	bool var;		/* per-CPU variables: VAR + DATASEC */
	bool gen_floats;	/* "float": FLOAT kind */
	bool decl_tag;
	bool type_tag;
	bool enum64;
	bool optimized_func;
	bool consistent_func;
	bool decl_tag_kfuncs;
	bool global_var;	/* every global variable, one DATASEC per section */
	bool reproducible_build;	/* accepted; output is always reproducible */
	bool distilled_base;	/* split BTF: also a .BTF.base (stages/distill) */
	bool attributes;	/* arena kfunc pointers: kind_flag 1 TYPE_TAGs (stages/write/kfunc_attrs.h) */
	bool layout;		/* base BTF: 7.1's layout section (stages/emit/emit_layout.c) */
	bool listed;		/* a list was given: the next one adds to it */
};

/* The default set (what btfstream does without the option). */
void features__default(struct btf_features *f);

/* One --btf_features=LIST (or --btf_features_strict=LIST with strict), in
 * command-line order, with pahole v1.31's meaning:
 * - the first list given starts from nothing (every feature off); each list
 *   turns on what it names, so repeated options add up;
 * - a list that starts with '+' ("+reproducible_build") also turns on the
 *   default set; "default" names the default set, "all" every feature
 *   btfstream can encode (pahole 1.26's "all" was today's "default");
 * - a name pahole v1.31 knows that btfstream cannot encode yet
 * - any other unknown name is skipped with a line under -v (pr_info), as
 *   pahole does under -V, so lists from newer kernels keep working.
 * With strict, both kinds of names are an error: one line naming the name
 * and the supported list, and -EINVAL. Returns 0, -EINVAL or -ENOMEM. */
int features__add_list(struct btf_features *f, const char *list, bool strict);

/* pahole's older single-feature switches (1.22-1.25, still passed by the
 * kernel's scripts/pahole-flags.sh): --skip_encoding_btf_vars and the like.
 * features__pahole_switch sets the one named (without "--") and returns
 * true, or returns false for an unknown name; features__pahole_switch_name
 * gives the i-th name, NULL past the last (for the option table). */
bool features__pahole_switch(struct btf_features *f, const char *name);
const char *features__pahole_switch_name(size_t i);

/* "name,name,..." of the features that are on, in a static buffer. */
const char *features__describe(const struct btf_features *f);

/* Every name btfstream encodes, comma-separated, one line (pahole's
 * --supported_btf_features). */
void features__print_supported(FILE *out);

#endif
