/* stages/input/base_btf.c: see base_btf.h. */
#include "stages/input/base_btf.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <bpf/btf.h>

#include "stages/common/btf_bits.h"
#include "stages/common/elf_btf.h"

struct btf *base_btf__load(const char *path, int *err, char *why, size_t len)
{
	struct btf *btf = elf_btf__parse(path, NULL);
	char bits[256];

	if (!btf) {
		*err = -errno;
		snprintf(why, len, "cannot read base BTF (raw BTF, or an ELF file with .BTF): %s",
			 *err == -ENOENT && elf_btf__is_elf(path) ? "no .BTF section" : strerror(-*err));
		return NULL;
	}
	if ((*err = btf_bits__why(btf, bits, sizeof(bits)))) {
		snprintf(why, len, "base BTF: %s", bits);
		btf__free(btf);
		return NULL;
	}
	return btf;
}
