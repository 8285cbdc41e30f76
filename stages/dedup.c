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
