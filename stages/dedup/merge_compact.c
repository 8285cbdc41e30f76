/* stages/dedup/merge_compact.c: see merge_compact.h. */
#include "stages/dedup/merge_compact.h"

#include <bpf/btf.h>
#include <errno.h>
#include <linux/btf.h>
#include <stdio.h>
#include <stdlib.h>

#include "stages/common/u32_set.h"

/* The distinct anchored ids of fin (void left out), sorted, in a new array;
 * NULL when out of memory. */
static uint32_t *distinct_ids(const struct anchor_ids *fin, size_t *n)
{
	size_t total = 0, k = 0;
	uint32_t *v;

	for (uint32_t b = 0; b < fin->nbatches; b++)
		total += fin->counts[b];
	if (!(v = malloc((total + 1) * sizeof(*v))))
		return NULL;
	for (uint32_t b = 0; b < fin->nbatches; b++)
		for (uint32_t i = 0; i < fin->counts[b]; i++)
			if (fin->ids[b][i])
				v[k++] = fin->ids[b][i];
	*n = u32_set__sort_unique(v, k);
	return v;
}

/* One TYPEDEF "~anchorI" -> ids[i] per distinct id, at the end of btf. */
static int add_anchors(struct btf *btf, const uint32_t *ids, size_t n)
{
	char name[32];

	for (size_t i = 0; i < n; i++) {
		snprintf(name, sizeof(name), "~anchor%zu", i);
		if (btf__add_typedef(btf, name, (int)ids[i]) < 0)
			return -errno;
	}
	return 0;
}

/* After the dedup: the last n types are the anchors, in order; their
 * targets become the new ids (in place of ids[]). */
static int read_anchors(const struct btf *btf, uint32_t *ids, size_t n)
{
	uint32_t first = btf__type_cnt(btf) - (uint32_t)n;

	for (size_t i = 0; i < n; i++) {
		const struct btf_type *t = btf__type_by_id(btf, first + (uint32_t)i);

		if (!t || !btf_is_typedef(t) || t->type >= first)
			return -EPROTO;
		ids[i] = t->type;
	}
	return 0;
}

/* btf without its last n types, as a new BTF, type by type: no raw image
 * of either (btf__raw_data and btf__new would hold two more copies at the
 * merge thread's peak), and the anchors' names are left behind. */
static struct btf *cut_anchors(const struct btf *btf, size_t n)
{
	uint32_t end = btf__type_cnt(btf) - (uint32_t)n;
	struct btf *cut = btf__new_empty();

	for (uint32_t id = 1; cut && id < end; id++)
		if (btf__add_type(cut, btf, btf__type_by_id(btf, id)) < 0) {
			int err = errno;

			btf__free(cut);
			cut = NULL;
			errno = err;
		}
	return cut;
}

/* Every id of fin, old (one of old[0..n)) to new (the same index of neu). */
static void remap(struct anchor_ids *fin, const uint32_t *old, const uint32_t *neu, size_t n)
{
	for (uint32_t b = 0; b < fin->nbatches; b++)
		for (uint32_t i = 0; i < fin->counts[b]; i++) {
			long at;

			if (!fin->ids[b][i])
				continue;
			at = u32_set__find(old, n, fin->ids[b][i]);
			fin->ids[b][i] = at >= 0 ? neu[at] : 0;
		}
}

int merge_compact__run(struct btf **btf, struct anchor_ids *fin)
{
	uint32_t *old, *neu = NULL;
	struct btf *cut = NULL;
	size_t n = 0;
	int err;

	if (btf__base_btf(*btf))
		return -EINVAL;
	if (!(old = distinct_ids(fin, &n)))
		return -ENOMEM;
	err = (neu = malloc((n + 1) * sizeof(*neu))) ? add_anchors(*btf, old, n) : -ENOMEM;
	if (!err)
		err = btf__dedup(*btf, NULL);
	if (!err)
		err = read_anchors(*btf, neu, n);
	if (!err && !(cut = cut_anchors(*btf, n)))
		err = -errno;
	if (!err) {
		remap(fin, old, neu, n);
		btf__free(*btf);
		*btf = cut;
	}
	free(old);
	free(neu);
	return err;
}
