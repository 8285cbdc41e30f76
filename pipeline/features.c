/* pipeline/features.c: see features.h. */
#include "pipeline/features.h"

#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

#include "pipeline/log.h"

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
	{ "global_var", offsetof(struct btf_features, global_var), false },
	{ "reproducible_build", offsetof(struct btf_features, reproducible_build), false },
};

#define NFEATURES (sizeof(table) / sizeof(table[0]))

static bool *field(struct btf_features *f, size_t i)
{
	return (bool *)((char *)f + table[i].off);
}

void features__default(struct btf_features *f)
{
	memset(f, 0, sizeof(*f));
	for (size_t i = 0; i < NFEATURES; i++)
		*field(f, i) = table[i].in_default;
	f->reproducible_build = true;
}

static int set_one(struct btf_features *f, const char *name, bool strict)
{
	if (!strcmp(name, "default")) {
		for (size_t i = 0; i < NFEATURES; i++)
			if (table[i].in_default)
				*field(f, i) = true;
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
	if (strict) {
		pr_warn("btfstream: --btf-features: unknown feature '%s'", name);
		return -EINVAL;
	}
	pr_warn("btfstream: warning: --btf-features: unknown feature '%s' ignored", name);
	return 0;
}

int features__parse(struct btf_features *f, const char *list, bool strict)
{
	char *copy = strdup(list), *save = NULL, *tok;
	int err = 0;

	if (!copy)
		return -ENOMEM;
	memset(f, 0, sizeof(*f));
	for (tok = strtok_r(copy, ",", &save); tok && !err; tok = strtok_r(NULL, ",", &save))
		err = set_one(f, tok, strict);
	f->reproducible_build = true;	/* btfstream's output never depends on timing */
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
