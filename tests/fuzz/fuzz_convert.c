/* tests/fuzz/fuzz_convert.c: the converter on one ELF file, end to end:
 * the input checks and section table, relocation of ET_REL DWARF,
 * decompression (zlib, zstd), the CU index, the DWARF readers, the writer,
 * dedup, emit. Seeds: the fixtures built as executables, objects, with
 * -gz and zstd sections (scripts/fuzz.sh). Two runs per input: plain to a
 * raw file, and -J into a copy with every feature on (one reader each,
 * so a run is quick and what a crash needs is one thread's story).
 */
#include "fuzz_common.h"

#include "pipeline/pipeline.h"

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
	return 0;
}
