/* stages/dedup/dedup.c: see dedup.h. */
#include "stages/dedup/dedup.h"

#include <bpf/btf.h>
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "stages/dedup/str_compact.h"

int dedup__run(struct btf *btf, const char *path, struct fail *f)
{
	int err = btf__dedup(btf, NULL);

	if (err)
		return fail__set(f, err < 0 ? err : -EINVAL, "dedup: %s: btf__dedup failed: %s", path,
				 strerror(err < 0 ? -err : EINVAL));
	return 0;
}

/* Split BTF: libbpf's btf__add_btf takes no split source, so its own types
 * are copied one by one; the base is the same, so their ids stay right. */
static int copy_split(struct btf *fresh, const struct btf *src)
{
	unsigned int first = btf__type_cnt(btf__base_btf(src)), n = btf__type_cnt(src);

	for (unsigned int id = first; id < n; id++) {
		int err = btf__add_type(fresh, src, btf__type_by_id(src, id));

		if (err < 0)
			return err;
	}
	return 0;
}

int dedup__compact(struct btf **btf, struct btf **old, const char *path, struct fail *f)
{
	const struct btf *base = btf__base_btf(*btf);
	/* a base of no types holds only strings (stages/dedup/acc_btf.h): the
	 * result is a BTF of its own, the ids the same */
	bool types_base = base && btf__type_cnt(base) > 1;
	struct btf *fresh = types_base ? btf__new_empty_split((struct btf *)base) : btf__new_empty();
	int err;

	if (!fresh)
		return fail__set(f, -ENOMEM, "dedup: %s: out of memory", path);
	if (types_base || (base && getenv("BTFSTREAM_LIBBPF_COMPACT")))
		err = copy_split(fresh, *btf);
	else if (btf__type_cnt(*btf) > 1 && !getenv("BTFSTREAM_LIBBPF_COMPACT")) {
		btf__free(fresh);
		err = (fresh = str_compact(*btf)) ? 0 : -errno;
	} else
		err = btf__type_cnt(*btf) > 1 ? btf__add_btf(fresh, *btf) : 0;
	if (err < 0) {
		btf__free(fresh);
		return fail__set(f, err, "dedup: %s: cannot compact the BTF: %s", path, strerror(-err));
	}
	if (old)
		*old = *btf;
	else
		btf__free(*btf);
	*btf = fresh;
	return 0;
}
