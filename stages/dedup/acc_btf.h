/* stages/dedup/acc_btf.h: the accumulated BTF kept as raw bytes while the
 * batches come, names placed once.
 *
 * When the batches' names are strtab ids (stages/dedup/batch_names.h) and
 * there is no base, the merger appends each deduped batch here instead of
 * to a libbpf BTF: its types are copied, their ids moved past the types
 * already here, and each name id becomes an offset into one string section,
 * the string placed the first time its id is seen (an array indexed by id,
 * no hashing). The section's bytes are written only at the end, from the
 * strtab, which holds them anyway: until then it is a list of ids. The
 * other way, libbpf's btf__add_type looks every name of every type up in
 * its string set again (some 400K names of 166K types on the Debian
 * vmlinux) and needs a libbpf BTF of each batch, with strings, to copy from.
 *
 * acc_btf__take hands the result to libbpf once, as split BTF with no
 * strings of its own on a base of no types that holds the strings: libbpf
 * then counts the strings as deduplicated (as it does for a BTF built with
 * its add API), so the final dedup does not hash them again, and the type
 * ids are those of a BTF without a base (the base has only void). Each
 * buffer becomes raw BTF in place (room for the header kept in front) and
 * is freed as soon as libbpf has the bytes. acc_btf__take_whole gives one
 * BTF holding both, for the compaction under a memory budget
 * (stages/dedup/merge_compact.h), which is libbpf's dedup.
 *
 * The merger's turn only (one thread at a time), and the main thread once
 * the merge threads are joined; names.str is called for ids that came in
 * a batch, so the strtab must outlive the take.
 */
#ifndef BTFSTREAM_ACC_BTF_H
#define BTFSTREAM_ACC_BTF_H

#include <stddef.h>
#include <stdint.h>

#include "stages/dedup/acc_exact.h"
#include "stages/dedup/batch_names.h"
#include "stages/record/batch.h"

struct btf;

struct acc_btf {
	unsigned char *types;	/* the type section so far */
	size_t tlen, tcap;
	struct name_places places;	/* the string section, as ids until the end */
	uint32_t ntypes;
	struct batch_names names;
	struct acc_exact exact;	/* exact copies left out (acc_exact.h); exact.on set by the owner */
	uint32_t *off, *map;	/* the batch being appended: where its types begin, their ids here */
	size_t off_cap, map_cap;
};

void acc_btf__init(struct acc_btf *a, struct batch_names names);

/* Appends types[0..tlen) (a deduped batch: ids from 1 among themselves,
 * names strtab ids), leaving out those an accumulated type stands for when
 * a->exact.on; *map: each of the batch's ids (0 for void) -> its id here,
 * (*map)[0..*nmap], valid until the next append. Returns 0, -ENOMEM, -E2BIG (the sections
 * past 4 GiB), or -EPROTO (a kind it cannot walk, a type running past
 * tlen, a ref past the batch, an id with no string); after a failure none
 * of the types is appended (names placed on the way stay placed) and the
 * run is to be failed. */
int acc_btf__append(struct acc_btf *a, const void *types, uint32_t tlen, const uint32_t **map, uint32_t *nmap);

/* Places the strings of ids[0..n) (strtab ids; 0 is skipped) in the
 * section, after those placed so far, unless placed already: names no type
 * here uses yet, which types appended to the BTF once taken will (the
 * function selection's: stages/write/write_end.h). They cost nothing in
 * the output: its strings are those its types use, in first-use order
 * (stages/dedup/str_compact.h). Returns 0, -ENOMEM, -E2BIG or -EPROTO (an
 * id with no string), as acc_btf__append. */
int acc_btf__place(struct acc_btf *a, const uint32_t *ids, size_t n);

/* The types as split BTF on *strs (a BTF of no types whose string section
 * is the accumulated one; the caller frees *btf before *strs). places (may
 * be NULL): where each placed name went (the offsets are *strs's), handed
 * over (name_places__fini). Frees what a holds either way. Returns 0 or
 * -errno (places then holds nothing). */
int acc_btf__take(struct acc_btf *a, struct btf **btf, struct btf **strs, struct name_places *places);

/* The types and strings as one BTF (its strings not yet counted as
 * deduplicated by libbpf), or NULL with errno set. Frees what a holds
 * either way. */
struct btf *acc_btf__take_whole(struct acc_btf *a);

void acc_btf__fini(struct acc_btf *a);

#endif
