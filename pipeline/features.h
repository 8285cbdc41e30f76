/* pipeline/features.h: pahole's --btf_features names, parsed once by the CLI.
 *
 * Names map one to one to pahole's so a kernel's flags work unchanged:
 * encode_force, var, float, decl_tag, type_tag, enum64, optimized_func,
 * consistent_func, decl_tag_kfuncs, global_var, reproducible_build; "default"
 * is the kernel's list (everything but global_var). Main thread only.
 */
#ifndef BTFSTREAM_FEATURES_H
#define BTFSTREAM_FEATURES_H

#include <stdbool.h>
#include <stddef.h>

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
};

/* The kernel's default list. */
void features__default(struct btf_features *f);

/* Turn on each name in the comma-separated list (all off first). Unknown
 * names are warned about (pr_warn) and skipped, or, with strict, make it
 * fail. Returns 0 or -EINVAL. */
int features__parse(struct btf_features *f, const char *list, bool strict);

/* pahole's older single-feature switches (1.22-1.25, still passed by the
 * kernel's scripts/pahole-flags.sh): --skip_encoding_btf_vars and the like.
 * features__pahole_switch sets the one named (without "--") and returns
 * true, or returns false for an unknown name; features__pahole_switch_name
 * gives the i-th name, NULL past the last (for the option table). */
bool features__pahole_switch(struct btf_features *f, const char *name);
const char *features__pahole_switch_name(size_t i);

/* "name,name,..." of the features that are on, in a static buffer. */
const char *features__describe(const struct btf_features *f);

#endif
