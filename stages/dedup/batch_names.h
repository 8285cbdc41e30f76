/* stages/dedup/batch_names.h: a deduped batch's names, from strtab ids to strings.
 *
 * With libbpf that does not check names (1.1, Debian 12's: "bare" batch
 * strings, merge.c), libbpf's dedup reads a batch's name offsets only to
 * compare them, and one string is one strtab id. So the writer puts each
 * name's strtab id where the offset goes (stages/write/write_btf.c) and
 * writes no string section at all: placing every name of the batch's ~128K
 * records in a string section of its own was ~45 ms of the writer, on the
 * serial path. Only the types left after the dedup (a few thousand a batch)
 * need strings, to be appended to the accumulated BTF: batch_names__strings
 * makes their string section, each name once, in the order of first use,
 * and rewrites their name fields to offsets into it.
 *
 * Ids from BATCH_NAME_ANCHOR up are the anchors' own names (unique, never
 * looked up: the anchors are cut before this). Any thread; names are only
 * looked up (stages/record/batch.h, struct batch_names).
 */
#ifndef BTFSTREAM_BATCH_NAMES_H
#define BTFSTREAM_BATCH_NAMES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "stages/record/batch.h"

/*
 * Name ids placed in a string section of their own, each the first time it
 * is seen: its offset kept in an array indexed by id (no hashing), the ids
 * kept in the order placed, the bytes written from names at the end. What
 * batch_names__strings and the accumulated BTF (acc_btf.h) both make. One
 * thread; zeroed to begin.
 */
struct name_places {
	uint32_t *off;		/* id -> offset + 1; 0: not placed */
	size_t ncap;
	uint32_t *order;	/* the ids placed, in order */
	uint32_t n;
	size_t ocap;
	size_t len;		/* the section's bytes so far: "" first, once anything is placed */
};

/* *name (an id) to its offset, placing the string on first use; 0 stays 0.
 * 0, -ENOMEM, -E2BIG (past 4 GiB), -EPROTO (an anchor's id, an id names
 * has no string for). */
int name_places__place(struct name_places *p, const struct batch_names *names, uint32_t *name);
/* *name (an id) to its offset if it is placed already, without placing it:
 * false if it is not (0 stays 0, and is placed). */
static inline bool name_places__placed(const struct name_places *p, uint32_t *name)
{
	if (!*name)
		return true;
	if (*name >= p->ncap || !p->off[*name])
		return false;
	*name = p->off[*name] - 1;
	return true;
}
/* The section's len bytes ("" when nothing was placed: len 1) into buf;
 * -EPROTO if names no longer has an id's string. */
int name_places__write(struct name_places *p, const struct batch_names *names, char *buf);
void name_places__fini(struct name_places *p);

/*
 * types[0..tlen): BTF types whose name fields hold name ids. Rewrites them
 * in place to offsets into a new string section, returned in *strs (malloc'd,
 * "" first; the caller frees it) of *slen bytes. Returns 0, -ENOMEM, or
 * -EPROTO (a kind it cannot walk, a type running past tlen, an id names
 * does not have).
 */
int batch_names__strings(void *types, uint32_t tlen, const struct batch_names *names, char **strs, uint32_t *slen);

#endif
