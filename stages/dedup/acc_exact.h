/* stages/dedup/acc_exact.h: a deduped batch's types that the accumulated
 * BTF already holds, byte for byte, left out of it (stages/dedup/acc_btf.h).
 *
 * Each batch is deduped on its own, so the header types every CU sees come
 * out of every batch again: 73,559 of the 191,353 types accumulated from
 * the Debian vmlinux's 38 batches are, their refs resolved, exact copies of
 * a type of an earlier batch. The final dedup merges them (two types equal
 * field for field, ref for ref, are always equivalent to libbpf's dedup,
 * which keeps the earlier; stages/dedup/exact_dup.h), but it spends ~27%
 * of its time on them, and they take ~2.5 MB of the accumulated bytes at
 * the run's peak. So as a batch is appended its types are decided in
 * rec_order's order (each after those it refers to; stages/record/
 * rec_order.h): a type whose refs all lead to types left out (or to void)
 * has its final bytes before it is kept (refs to the types standing for
 * them, names to their offsets, a name not placed yet meaning a new type),
 * and if a type with those bytes is already accumulated, that type stands
 * for it. A type on or leading to a cycle is kept and never looked up, as
 * are VARs, DATASECs and FUNCs, which libbpf keeps each. The table holds
 * the offsets of the accumulated types that could stand for a later one
 * (kept, not cyclic), not copies of their bytes.
 *
 * The same bytes out either way (docs/design.md, "Session 28";
 * tests/integ/0038); BTFSTREAM_ACC_EXACT=0 turns it off. Owned by the
 * accumulated BTF; its merge turn only (one thread at a time).
 */
#ifndef BTFSTREAM_ACC_EXACT_H
#define BTFSTREAM_ACC_EXACT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "stages/dedup/batch_names.h"
#include "stages/dedup/exact_dup.h"
#include "stages/record/rec_order.h"

struct acc_exact {
	bool on;
	struct exact_dup xd;		/* accumulated types that may stand for later ones */
	uint32_t *order;		/* the batch's rec_order */
	size_t order_cap;
	uint8_t *cls;			/* per type of the batch: what became of it */
	size_t cls_cap;
	unsigned char *cand;		/* a type's final bytes, to look up */
	size_t cand_cap;
	struct rec_order_scratch scratch;
	uint64_t dropped;		/* types left out, all batches */
};

/* The batch's n types (type i at in + off[i], off[n] its end; refs 1..n
 * among themselves) decided: map[i + 1] set to the accumulated id standing
 * for each one left out, left 0 for each one to keep. places: the
 * accumulated names (looked up, never placed); acc: the accumulated type
 * section, whose offsets the table holds. 0, -ENOMEM or -EPROTO. */
int acc_exact__decide(struct acc_exact *x, const unsigned char *in, const uint32_t *off, uint32_t n, uint32_t *map,
		      const struct name_places *places, const unsigned char *acc);
/* Type i of the batch decided by acc_exact__decide was kept as id, its
 * size bytes at acc + at: recorded if it may stand for later ones. */
int acc_exact__record(struct acc_exact *x, const unsigned char *acc, uint32_t at, uint32_t size, uint32_t i,
		      uint32_t id);
void acc_exact__fini(struct acc_exact *x);

#endif
