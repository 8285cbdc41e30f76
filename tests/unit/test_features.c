/* tests/unit/test_features.c: --btf-features parsing (pahole's names). */
#include <string.h>

#include "pipeline/features.h"
#include "pipeline/log.h"
#include "tests/tap.h"

int main(void)
{
	struct btf_features f;

	log__set_level(LOG_QUIET);
	features__default(&f);
	ok(f.var && f.gen_floats && f.decl_tag && f.type_tag && f.enum64 && f.optimized_func &&
	   f.consistent_func && f.decl_tag_kfuncs && f.encode_force && !f.global_var,
	   "default is the kernel's list, without global_var");
	is_int(features__parse(&f, "var,float", false), 0, "a list parses");
	ok(f.var && f.gen_floats && !f.decl_tag && !f.consistent_func, "only the named features are on");
	ok(f.reproducible_build, "reproducible_build is always on");
	is_int(features__parse(&f, "default,global_var", false), 0, "default plus one");
	ok(f.consistent_func && f.global_var, "... gives both");
	is_int(features__parse(&f, "all", false), 0, "all");
	ok(f.global_var && f.var && f.decl_tag_kfuncs, "all turns everything on");
	is_int(features__parse(&f, "var,bogus", false), 0, "an unknown name is not an error");
	ok(f.var, "... and the known ones still apply");
	ok(features__parse(&f, "var,bogus", true) < 0, "with strict, an unknown name is an error");
	features__parse(&f, "var,enum64", false);
	ok(!strcmp(features__describe(&f), "var,enum64,reproducible_build"), "describe lists what is on (%s)",
	   features__describe(&f));
	features__default(&f);
	ok(features__pahole_switch(&f, "skip_encoding_btf_vars") && !f.var, "--skip_encoding_btf_vars turns var off");
	ok(features__pahole_switch(&f, "skip_encoding_btf_inconsistent_proto") && f.consistent_func,
	   "--skip_encoding_btf_inconsistent_proto is consistent_func");
	ok(!features__pahole_switch(&f, "no_such_switch"), "an unknown switch is refused");
	ok(features__pahole_switch_name(0) && !features__pahole_switch_name(1000), "the switch names end");
	done_testing();
	return exit_status();
}
