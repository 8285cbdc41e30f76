/* stages/dedup/acc_exact.c: see acc_exact.h. */
#include "stages/dedup/acc_exact.h"

#include <errno.h>
#include <linux/btf.h>
#include <stdlib.h>
#include <string.h>

#include "stages/common/btf_refs.h"
#include "stages/common/grow.h"

/* What became of a type of the batch: KEPT may stand for later ones;
 * KEPT_ALWAYS (on or leading to a cycle, or a kind libbpf keeps each) is
 * never looked up nor recorded. */
enum { UNDECIDED, LEFT_OUT, KEPT, KEPT_ALWAYS };

/* Type i, whose refs all lead to types decided: KEPT (a ref to a type
 * kept, or a name not placed: no accumulated type can have its bytes),
 * LEFT_OUT with map[i + 1] set, or KEPT when no accumulated type has its
 * final bytes. */
static int decide_one(struct acc_exact *x, const unsigned char *in, const uint32_t *off, uint32_t n, uint32_t *map,
		      const struct name_places *places, const unsigned char *acc, uint32_t i)
{
	uint32_t size = off[i + 1] - off[i], *p, found;
	struct btf_type *t;
	struct btf_strs names;
	struct rec_refs refs;

	if (GROW(x->cand, x->cand_cap, size, 256))
		return -ENOMEM;
	t = memcpy(x->cand, in + off[i], size);
	refs = rec_order__refs(t);
	for (uint32_t k = 0; (p = rec_order__ref(&refs, k)) != NULL; k++) {
		if (!*p)
			continue;
		if (*p > n)
			return -EPROTO;
		if (x->cls[*p - 1] != LEFT_OUT)
			return x->cls[i] = KEPT, 0;
		*p = map[*p];
	}
	btf_strs__init(&names, t);
	while ((p = btf_strs__next(&names)))
		if (!name_places__placed(places, p))
			return x->cls[i] = KEPT, 0;
	if ((found = exact_dup__find_in(&x->xd, acc, t, size))) {
		map[i + 1] = found;
		x->dropped++;
		return x->cls[i] = LEFT_OUT, 0;
	}
	return x->cls[i] = KEPT, 0;
}

int acc_exact__decide(struct acc_exact *x, const unsigned char *in, const uint32_t *off, uint32_t n, uint32_t *map,
		      const struct name_places *places, const unsigned char *acc)
{
	int err;

	if (!n)
		return 0;
	if (GROW(x->order, x->order_cap, n, 1024) || GROW(x->cls, x->cls_cap, n, 1024))
		return -ENOMEM;
	if ((err = rec_order__cu(in, off, n, x->order, &x->scratch)))
		return err;
	memset(x->cls, UNDECIDED, n);
	for (uint32_t k = 0; k < n; k++) {
		uint32_t i = x->order[k] & REC_ORDER_INDEX;
		const struct btf_type *t = (const struct btf_type *)(in + off[i]);

		if (i >= n || x->cls[i] != UNDECIDED)
			return -EPROTO;
		if ((x->order[k] & REC_ORDER_CYCLIC) || !exact_dup__kind(BTF_INFO_KIND(t->info)))
			x->cls[i] = KEPT_ALWAYS;
		else if ((err = decide_one(x, in, off, n, map, places, acc, i)))
			return err;
	}
	return 0;
}

int acc_exact__record(struct acc_exact *x, const unsigned char *acc, uint32_t at, uint32_t size, uint32_t i,
		      uint32_t id)
{
	return x->cls[i] == KEPT ? exact_dup__add_in(&x->xd, acc, at, size, id) : 0;
}

void acc_exact__fini(struct acc_exact *x)
{
	exact_dup__fini(&x->xd);
	free(x->order);
	free(x->cls);
	free(x->cand);
	rec_order__free(&x->scratch);
	memset(x, 0, sizeof(*x));
}
