/* tests/fuzz/fuzz_convert.c: the converter on one ELF file, end to end:
 * the input checks and section table, relocation of ET_REL DWARF,
 * decompression (zlib, zstd), the CU index, the DWARF readers, the writer,
 * dedup, emit. Seeds: the fixtures built as executables, objects, with
 * -gz and zstd sections (scripts/fuzz.sh). Two runs per input: plain to a
 * raw file, and -J into a copy with every feature on (one reader each,
 * so a run is quick and what a crash needs is one thread's story); and
 * a third on a small base BTF (--base), as a module's process runs: its
 * split BTF made at the end (stages/dedup/split_late.h).
 */
#include "fuzz_common.h"

#include <bpf/btf.h>

#include "pipeline/pipeline.h"

/* A small base, written once: int, a struct with a pointer to itself, a
 * typedef; names a module may share. */
static const char *base_file(void)
{
	static const char *path;
	struct btf *b;
	const void *raw;
	__u32 n;
	int i, s;

	if (path || !(b = btf__new_empty()))
		return path;
	i = btf__add_int(b, "int", 4, BTF_INT_SIGNED);
	s = btf__add_struct(b, "list_head", 16);
	btf__add_field(b, "next", btf__add_ptr(b, s), 0, 0);
	btf__add_field(b, "prev", btf__add_ptr(b, s), 64, 0);
	btf__add_typedef(b, "u32", i);
	if ((raw = btf__raw_data(b, &n)))
		path = strdup(fuzz_write("base0.btf", raw, n));
	btf__free(b);
	return path;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *in = fuzz_write("in.elf", data, size);
	struct pipeline_opts o = { .sz = sizeof(o), .input = in, .output = fuzz_path("out.btf"), .jobs = 1 };

	features__default(&o.features);
	pipeline__run(&o, NULL);
	features__add_list(&o.features, "all", false);
	o.embed = true;
	o.output = fuzz_path("embed.elf");
	pipeline__run(&o, NULL);
	if ((o.base = base_file())) {
		features__default(&o.features);
		o.embed = false;
		o.output = fuzz_path("split.btf");
		pipeline__run(&o, NULL);
	}
	return 0;
}
