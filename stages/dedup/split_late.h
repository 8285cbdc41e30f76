/* stages/dedup/split_late.h: a module's split BTF made at the end, without
 * libbpf's index of the base's strings.
 *
 * libbpf resolves every string added to a split BTF against its base
 * (btf__add_str looks it up there first), and the first lookup makes the
 * whole base modifiable and indexes all of its strings: ~126K hash inserts
 * for the Debian vmlinux, 24-30 ms, about two fifths of a small module's
 * process, paid again in each of the thousand processes kbuild runs. So a
 * single module on a base the pipeline loaded itself is read into a BTF of
 * its own (no base: ids from 1, its own strings), and made split BTF only
 * once its types and functions are all there:
 *
 *   split_late__make: one pass over the base's string section finds which
 *     of the module's strings the base has, and where (its first place, as
 *     libbpf's index says); the module's other strings go after a copy of
 *     the base's strings (the "extended" base: the same types); the module's
 *     types, their ids moved past the base's and their names renumbered,
 *     become split BTF on it with an empty string section of their own,
 *     which libbpf takes as already deduplicated: its dedup then looks no
 *     string up. The dedup compares names by offset, and one name has one
 *     offset, as after libbpf's own resolution, so it decides the same.
 *   split_late__finish: the deduped types get a string section of their
 *     own back, holding the module's strings they use in the order they
 *     first use them, after the real base's (what appending them to a fresh
 *     split BTF with btf__add_type gives), as split BTF on the real base.
 *
 * The output bytes are those of the way through libbpf: tests/integ/0011
 * compares the two (BTFSTREAM_SPLIT_LATE=0) on fixtures and real modules.
 * Main thread. The base must be in this machine's byte order
 * (split_late__usable); nothing may make the extended base modifiable while
 * it is alive (base_prune holds pointers into its types: base_prune__new
 * with fixed_base).
 */
#ifndef BTFSTREAM_SPLIT_LATE_H
#define BTFSTREAM_SPLIT_LATE_H

#include <stdbool.h>
#include <stdint.h>

struct btf;

struct split_late {
	struct btf *ext_base;	/* the base's types; its strings, then the module's */
	uint32_t base_str_len;	/* the real base's string section */
	uint32_t ext_str_len;	/* the extended base's */
	uint32_t shared;	/* module strings the base has (for --stats) */
	uint32_t own;		/* module strings it has not */
};

/* Whether base can be extended this way (its raw bytes in host order). */
bool split_late__usable(const struct btf *base);

/* mod: the module's BTF, on no base; base: the real base (read only). On
 * success, *split holds mod's types as split BTF on sl->ext_base. Returns
 * 0 or -errno (-EPROTO: a kind or a string offset it cannot follow). */
int split_late__make(struct split_late *sl, const struct btf *mod, const struct btf *base, struct btf **split);

/* split (on sl->ext_base, deduped) as split BTF on base, with only the
 * module strings its types use. Returns 0 or -errno. */
int split_late__finish(const struct split_late *sl, const struct btf *split, struct btf *base, struct btf **out);

/* Frees the extended base (after everything on it). */
void split_late__fini(struct split_late *sl);

/* false when the environment says BTFSTREAM_SPLIT_LATE=0 (for comparisons). */
bool split_late__enabled(void);

#endif
