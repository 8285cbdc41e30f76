/* stages/write/proto_memo.h: FUNC_PROTOs already added, by content.
 *
 * Function selection adds one FUNC_PROTO per FUNC (41,736 on the vmlinux);
 * most are the same prototype again (22,765 remain after the final dedup).
 * Two prototypes with the same return type id and the same parameters
 * (name and type id each, in order) are the same BTF type, which the final
 * dedup would merge keeping the first: the memo hands out the first one's id
 * instead, so the copies are never added, and the bytes after the final
 * dedup are the same. Prototypes equal only after the dedup (types that are
 * still duplicates) are left to it.
 *
 * One thread (the writer, during function selection). The memo keeps
 * pointers to the caller's parameter arrays, which must outlive it.
 */
#ifndef BTFSTREAM_PROTO_MEMO_H
#define BTFSTREAM_PROTO_MEMO_H

#include <stddef.h>
#include <stdint.h>

#include "stages/write/func_cand.h"

struct proto_memo_slot {
	const struct func_param *params;	/* NULL: empty */
	uint32_t ret, n, hash;
	int id;
};

struct proto_memo {
	struct proto_memo_slot *slots;
	size_t cap, used;			/* cap: power of two */
};

/* Room for about n prototypes to start with (it grows). Returns 0 or -ENOMEM. */
int proto_memo__init(struct proto_memo *m, size_t n);
void proto_memo__fini(struct proto_memo *m);

/* The id recorded for (ret, params[0..n)), or 0 if none. */
int proto_memo__find(const struct proto_memo *m, uint32_t ret, const struct func_param *params, uint32_t n);

/* Records id for (ret, params[0..n)). Returns 0 or -ENOMEM. */
int proto_memo__add(struct proto_memo *m, uint32_t ret, const struct func_param *params, uint32_t n, int id);

#endif
