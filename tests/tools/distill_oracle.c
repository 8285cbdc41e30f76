/* tests/tools/distill_oracle.c BASE SPLIT OUT_BASE OUT_SPLIT: libbpf's own
 * btf__distill_base over SPLIT (raw BTF or ELF .BTF, split on BASE), its
 * distilled base written raw to OUT_BASE and the new split BTF to OUT_SPLIT.
 * distill_oracle --relocate ELF BASE OUT: ELF's .BTF read on its .BTF.base
 * by libbpf, btf__relocate'd onto BASE as the kernel does, deduplicated
 * against BASE (so what distillation copied folds back), written raw to OUT.
 * Linked against libbpf 1.5 built by scripts/fetch-libbpf-oracle.sh; the
 * reference stages/distill is compared with (tests/integ/0017-distill.sh).
 * Exit 0, or 1 with libbpf's reason.
 */
#include <bpf/btf.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

static int write_raw(const struct btf *btf, const char *path)
{
	unsigned int size;
	const void *data = btf__raw_data(btf, &size);
	FILE *f = fopen(path, "wb");
	int ok = data && f && fwrite(data, 1, size, f) == size;

	if (f && fclose(f))
		ok = 0;
	return ok ? 0 : -1;
}

static int relocate(const char *elf, const char *base_path, const char *out)
{
	struct btf *base = btf__parse(base_path, NULL);
	struct btf *btf = btf__parse(elf, NULL);	/* .BTF on .BTF.base */

	if (!base || !btf) {
		fprintf(stderr, "distill_oracle: cannot read %s: %s\n", base ? elf : base_path, strerror(errno));
		return 1;
	}
	if (!btf__base_btf(btf)) {
		fprintf(stderr, "distill_oracle: %s: no .BTF.base\n", elf);
		return 1;
	}
	if (btf__relocate(btf, base) || btf__dedup(btf, NULL) || write_raw(btf, out)) {
		fprintf(stderr, "distill_oracle: %s: relocate/dedup/write: %s\n", elf, strerror(errno));
		return 1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct btf *base, *split, *nb = NULL, *ns = NULL;

	if (argc == 5 && !strcmp(argv[1], "--relocate"))
		return relocate(argv[2], argv[3], argv[4]);

	if (argc != 5) {
		fprintf(stderr, "usage: distill_oracle BASE SPLIT OUT_BASE OUT_SPLIT\n");
		return 2;
	}
	base = btf__parse(argv[1], NULL);
	split = base ? btf__parse_split(argv[2], base) : NULL;
	if (!split) {
		fprintf(stderr, "distill_oracle: cannot read %s: %s\n", base ? argv[2] : argv[1], strerror(errno));
		return 1;
	}
	if (btf__distill_base(split, &nb, &ns)) {
		fprintf(stderr, "distill_oracle: %s: btf__distill_base: %s\n", argv[2], strerror(errno));
		return 1;
	}
	if (write_raw(nb, argv[3]) || write_raw(ns, argv[4])) {
		fprintf(stderr, "distill_oracle: cannot write the output: %s\n", strerror(errno));
		return 1;
	}
	return 0;
}
