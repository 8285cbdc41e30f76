/* tests/fuzz/fuzz_base.c: the base-BTF reader (--base): raw BTF or an ELF
 * file's .BTF through libbpf and the wide-bits check (stages/input/base_btf.c,
 * stages/common/btf_bits.c), then the base pruning index the final dedup
 * builds on it, two applies (the second builds the update index) and a
 * restore; then a small module made split BTF at the end on it
 * (stages/dedup/split_late.h: the base's strings scanned, the extended
 * base, libbpf's dedup, the strings put back). Seeds: BTF files made from
 * the fixtures. */
#include "fuzz_common.h"

#include <bpf/btf.h>

#include "stages/dedup/base_prune.h"
#include "stages/dedup/split_late.h"
#include "stages/input/base_btf.h"

/* A module (no base) with names a base may or may not have. */
static struct btf *small_module(void)
{
	struct btf *m = btf__new_empty();
	int i, s;

	if (!m)
		return NULL;
	i = btf__add_int(m, "int", 4, BTF_INT_SIGNED);
	s = btf__add_struct(m, "list_head", 16);
	btf__add_field(m, "next", btf__add_ptr(m, s), 0, 0);
	btf__add_field(m, "count", i, 64, 0);
	btf__add_fwd(m, "task_struct", BTF_FWD_STRUCT);
	btf__add_typedef(m, "a_name_of_its_own", i);
	return m;
}

static void split_late_on(struct btf *b)
{
	struct btf *m = small_module(), *split = NULL, *out = NULL;
	struct split_late sl;

	if (m && split_late__usable(b) && !split_late__make(&sl, m, b, &split)) {
		struct base_prune *bp = base_prune__new_fixed(sl.ext_base);

		if (bp)
			base_prune__apply(bp, split);
		if (!btf__dedup(split, NULL))
			split_late__finish(&sl, split, b, &out);
		base_prune__free(bp);
		btf__free(out);
		btf__free(split);
		split_late__fini(&sl);
	}
	btf__free(m);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char why[256];
	int err;
	struct btf *b = base_btf__load(fuzz_write("base.btf", data, size), &err, why, sizeof(why));
	struct base_prune *bp;

	if (!b)
		return 0;
	bp = base_prune__new(b);
	if (bp) {
		struct btf *split = btf__new_empty_split(b);

		if (split) {
			int s = btf__add_struct(split, "list_head", 16);

			btf__add_field(split, "next", s, 0, 0);
			base_prune__apply(bp, split);
			btf__add_func_proto(split, 0);
			btf__add_func_param(split, "dev", s);
			base_prune__apply(bp, split);
			base_prune__restore(bp);
			btf__free(split);
		}
	}
	base_prune__free(bp);
	btf__free(b);
	/* again from the file: base_prune__new made b modifiable */
	if ((b = base_btf__load(fuzz_path("base.btf"), &err, why, sizeof(why)))) {
		split_late_on(b);
		btf__free(b);
	}
	return 0;
}
