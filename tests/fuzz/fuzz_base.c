/* tests/fuzz/fuzz_base.c: the base-BTF reader (--base): raw BTF or an ELF
 * file's .BTF through libbpf and the wide-bits check (stages/input/base_btf.c,
 * stages/common/btf_bits.c), then the base pruning index the final dedup
 * builds on it, two applies (the second builds the update index) and a
 * restore. Seeds: BTF files made from the fixtures. */
#include "fuzz_common.h"

#include <bpf/btf.h>

#include "stages/dedup/base_prune.h"
#include "stages/input/base_btf.h"

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
	return 0;
}
