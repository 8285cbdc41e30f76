/* tests/unit/test_features.c: --btf_features parsing (pahole v1.31's rules). */
#include <stdlib.h>
#include <string.h>

#include "pipeline/features.h"
#include "stages/common/log.h"
#include "tests/tap.h"

/* The features in effect after list a (then b, if not NULL), as a copy
 * (features__describe's buffer is reused) kept in a ring that the test
 * frees at the end, so LeakSanitizer (make check SAN=address) stays quiet. */
static char *copies[64];
static unsigned int ncopies;

static const char *after(const char *a, const char *b)
{
	struct btf_features f;
	char *c;

	features__default(&f);
	if (features__add_list(&f, a, false) || (b && features__add_list(&f, b, false)))
		return "(error)";
	c = strdup(features__describe(&f));
	free(copies[ncopies % 64]);
	copies[ncopies++ % 64] = c;
	return c;
}

static void free_copies(void)
{
	for (unsigned int i = 0; i < 64; i++)
		free(copies[i]);
}

int main(void)
{
	struct btf_features f;

	log__set_level(LOG_QUIET);
	atexit(free_copies);
	features__default(&f);
	ok(f.var && f.gen_floats && f.decl_tag && f.type_tag && f.enum64 && f.optimized_func &&
	   f.consistent_func && f.decl_tag_kfuncs && f.encode_force && !f.global_var,
	   "default is the kernel's list, without global_var");
	is_int(features__add_list(&f, "var,float", false), 0, "a list parses");
	ok(f.var && f.gen_floats && !f.decl_tag && !f.consistent_func, "the first list starts from nothing");
	ok(f.reproducible_build, "reproducible_build is always on");
	is_int(features__add_list(&f, "enum64", false), 0, "a second list");
	ok(f.var && f.gen_floats && f.enum64 && !f.decl_tag, "... adds to the first");
	is_str(after("var", "+reproducible_build"),
	       "encode_force,var,float,decl_tag,type_tag,enum64,optimized_func,consistent_func,decl_tag_kfuncs,"
	       "reproducible_build", "+NAME adds the default set");
	is_str(after("+global_var", NULL),
	       "encode_force,var,float,decl_tag,type_tag,enum64,optimized_func,consistent_func,decl_tag_kfuncs,"
	       "reproducible_build,global_var", "+global_var is default plus global_var");
	is_str(after("default,global_var", NULL), after("+global_var", NULL), "default,global_var is the same");
	is_str(after("all", NULL), after("+distilled_base,global_var,attributes,layout", NULL),
	       "all turns on every feature btfstream encodes");
	is_str(after("var,bogus,true_signature", NULL), "var,reproducible_build", "unknown names are skipped");
	is_str(after("float,attributes", NULL), "float,reproducible_build,attributes",
	       "attributes is a feature like the others");
	is_str(after("", NULL), "reproducible_build", "an empty list turns everything off");
	features__default(&f);
	ok(features__add_list(&f, "var,bogus", true) < 0, "strict: an unknown name is an error");
	features__default(&f);
	is_int(features__add_list(&f, "var,attributes,distilled_base,layout", true), 0,
	       "strict: every name pahole v1.31 encodes (and layout) is accepted");
	features__default(&f);
	is_int(features__add_list(&f, "+reproducible_build", true), 0, "strict: +reproducible_build is fine");
	features__default(&f);
	ok(features__pahole_switch(&f, "skip_encoding_btf_vars") && !f.var, "--skip_encoding_btf_vars turns var off");
	ok(features__pahole_switch(&f, "skip_encoding_btf_inconsistent_proto") && f.consistent_func,
	   "--skip_encoding_btf_inconsistent_proto is consistent_func");
	features__add_list(&f, "var", false);
	ok(features__pahole_switch(&f, "btf_gen_floats") && f.gen_floats && f.var, "--btf_gen_floats after a list adds float");
	ok(!features__pahole_switch(&f, "no_such_switch"), "an unknown switch is refused");
	ok(features__pahole_switch_name(0) && !features__pahole_switch_name(1000), "the switch names end");
	done_testing();
	return exit_status();
}
