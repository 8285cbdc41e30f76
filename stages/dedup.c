/* stages/dedup.c: see dedup.h. */
#include "stages/dedup.h"

#include <bpf/btf.h>
#include <errno.h>
#include <string.h>

int dedup__run(struct btf *btf, const char *path, struct fail *f)
{
	int err = btf__dedup(btf, NULL);

	if (err)
		return fail__set(f, err < 0 ? err : -EINVAL, "dedup: %s: btf__dedup failed: %s", path,
				 strerror(err < 0 ? -err : EINVAL));
	return 0;
}

int dedup__compact(struct btf **btf, const char *path, struct fail *f)
{
	struct btf *fresh = btf__new_empty();
	int err;

	if (!fresh)
		return fail__set(f, -ENOMEM, "dedup: %s: out of memory", path);
	err = btf__type_cnt(*btf) > 1 ? btf__add_btf(fresh, *btf) : 0;
	if (err < 0) {
		btf__free(fresh);
		return fail__set(f, err, "dedup: %s: cannot compact the BTF: %s", path, strerror(-err));
	}
	btf__free(*btf);
	*btf = fresh;
	return 0;
}
