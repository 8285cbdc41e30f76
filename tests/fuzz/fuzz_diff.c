/* tests/fuzz/fuzz_diff.c: `btfstream diff`'s readers: the format sniffing,
 * raw and ELF BTF, an ELF's .BTF on its .BTF.base, relocation onto a given
 * base (pipeline/diff/distilled.c), and the canonical descriptions
 * (pipeline/diff/btf_canon.c). The input is compared with itself, alone and
 * on itself as the base. Seeds: BTF files and ELF files with .BTF and
 * .BTF.base made from the fixtures. */
#include "fuzz_common.h"

#include "pipeline/diff/diff.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *f = fuzz_write("a.btf", data, size);
	char *plain[] = { "diff", "-q", (char *)f, (char *)f, NULL };
	char *based[] = { "diff", "-q", "--base", (char *)f, (char *)f, (char *)f, NULL };
	FILE *out = fopen("/dev/null", "w");

	diff__main(4, plain, out);
	diff__main(6, based, out);
	fclose(out);
	return 0;
}
