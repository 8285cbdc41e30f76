/* pipeline/features.c: see features.h. */
#include "pipeline/features.h"

#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

#include "stages/common/log.h"

/* In pahole's order (its --supported_btf_features: v1.31's, then layout,
 * which pahole's master added after v1.31). */
static const struct {
	const char *name;
	size_t off;
	bool in_default;
} table[] = {
	{ "encode_force", offsetof(struct btf_features, encode_force), true },
	{ "var", offsetof(struct btf_features, var), true },
	{ "float", offsetof(struct btf_features, gen_floats), true },
	{ "decl_tag", offsetof(struct btf_features, decl_tag), true },
	{ "type_tag", offsetof(struct btf_features, type_tag), true },
	{ "enum64", offsetof(struct btf_features, enum64), true },
	{ "optimized_func", offsetof(struct btf_features, optimized_func), true },
	{ "consistent_func", offsetof(struct btf_features, consistent_func), true },
	{ "decl_tag_kfuncs", offsetof(struct btf_features, decl_tag_kfuncs), true },
	{ "reproducible_build", offsetof(struct btf_features, reproducible_build), false },
	{ "distilled_base", offsetof(struct btf_features, distilled_base), false },
	{ "global_var", offsetof(struct btf_features, global_var), false },
	{ "attributes", offsetof(struct btf_features, attributes), false },
	{ "layout", offsetof(struct btf_features, layout), false },
};

#define NFEATURES (sizeof(table) / sizeof(table[0]))

static bool *field(struct btf_features *f, size_t i)
{
	return (bool *)((char *)f + table[i].off);
}

static void set_default(struct btf_features *f)
{
	for (size_t i = 0; i < NFEATURES; i++)
		if (table[i].in_default)
			*field(f, i) = true;
}

void features__default(struct btf_features *f)
{
	memset(f, 0, sizeof(*f));
	set_default(f);
	f->reproducible_build = true;	/* btfstream's output never depends on timing */
}

static int refuse(const char *name, const char *list, const char *why)
{
	char supported[512];
	size_t len = 0;

	for (size_t i = 0; i < NFEATURES; i++)
		len += snprintf(supported + len, sizeof(supported) - len, "%s%s", i ? "," : "", table[i].name);
	pr_warn("btfstream: --btf_features_strict: feature '%s' in '%s' is %s; supported: %s", name, list, why,
		supported);
	return -EINVAL;
}

static int set_one(struct btf_features *f, const char *name, const char *list, bool strict)
{
	if (!strcmp(name, "default")) {
		set_default(f);
		return 0;
	}
	if (!strcmp(name, "all")) {
		for (size_t i = 0; i < NFEATURES; i++)
			*field(f, i) = true;
		return 0;
	}
	for (size_t i = 0; i < NFEATURES; i++) {
		if (!strcmp(name, table[i].name)) {
			*field(f, i) = true;
			return 0;
		}
	}
	if (strict)
		return refuse(name, list, "unknown");
	pr_info("btfstream: --btf_features: ignoring unknown feature '%s'", name);
	return 0;
}

int features__add_list(struct btf_features *f, const char *list, bool strict)
{
	char *copy, *save = NULL, *tok;
	int err = 0;

	if (!f->listed) {	/* the first list replaces the default set */
		bool reproducible = f->reproducible_build;

		memset(f, 0, sizeof(*f));
		f->reproducible_build = reproducible;
		f->listed = true;
	}
	if (list[0] == '+') {
		set_default(f);
		list++;
	}
	if (!(copy = strdup(list)))
		return -ENOMEM;
	for (tok = strtok_r(copy, ",", &save); tok && !err; tok = strtok_r(NULL, ",", &save))
		err = set_one(f, tok, list, strict);
	free(copy);
	return err;
}

const char *features__describe(const struct btf_features *f)
{
	static char buf[512];
	size_t len = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < NFEATURES; i++)
		if (*field((struct btf_features *)f, i))
			len += snprintf(buf + len, sizeof(buf) - len, "%s%s", len ? "," : "", table[i].name);
	return buf;
}

void features__print_supported(FILE *out)
{
	for (size_t i = 0; i < NFEATURES; i++)
		fprintf(out, "%s%s", i ? "," : "", table[i].name);
	fputc('\n', out);
}

static const struct {
	const char *name;
	size_t off;
	bool value;
} switches[] = {
	{ "skip_encoding_btf_vars", offsetof(struct btf_features, var), false },
	{ "skip_encoding_btf_decl_tag", offsetof(struct btf_features, decl_tag), false },
	{ "skip_encoding_btf_type_tag", offsetof(struct btf_features, type_tag), false },
	{ "skip_encoding_btf_enum64", offsetof(struct btf_features, enum64), false },
	{ "skip_encoding_btf_inconsistent_proto", offsetof(struct btf_features, consistent_func), true },
	{ "btf_gen_optimized", offsetof(struct btf_features, optimized_func), true },
	{ "btf_encode_force", offsetof(struct btf_features, encode_force), true },
	{ "btf_gen_all", offsetof(struct btf_features, gen_floats), true },
	{ "btf_gen_floats", offsetof(struct btf_features, gen_floats), true },
	{ "reproducible_build", offsetof(struct btf_features, reproducible_build), true },
};

bool features__pahole_switch(struct btf_features *f, const char *name)
{
	for (size_t i = 0; i < sizeof(switches) / sizeof(switches[0]); i++) {
		if (!strcmp(name, switches[i].name)) {
			*(bool *)((char *)f + switches[i].off) = switches[i].value;
			return true;
		}
	}
	return false;
}

const char *features__pahole_switch_name(size_t i)
{
	return i < sizeof(switches) / sizeof(switches[0]) ? switches[i].name : NULL;
}
