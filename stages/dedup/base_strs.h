/* stages/dedup/base_strs.h: an index of a base BTF's strings, for batch mode.
 *
 * Appending a module's deduped batch to its split BTF gives each name the
 * offset libbpf's btf__add_str would: the base's, if the base has the
 * string, else one in the split BTF's own section. libbpf finds the base's
 * in its own index of the base (a chained hash map compared by strcmp entry
 * by entry, made by btf_ensure_modifiable), once per name reference: ~8.5%
 * of a batch run's CPU over the 1,121 Debian modules. This index keeps each
 * string's 32-bit hash beside its offset, in open addressing, so a lookup
 * reads a run of slots and, nearly always, one string.
 *
 * Offsets are those libbpf's index gives: of every string that starts in
 * the section (not of a suffix inside a longer one), the first place of a
 * string the section holds twice. "" is offset 0.
 *
 * Made once by batch__run right after the base is read (before base
 * pruning and before the workers fork: shared, copy-on-write, read only
 * from then on, by any thread). Its strings are read through
 * btf__str_by_offset, so libbpf may make the base modifiable (move its
 * strings) later; the base must outlive the index. base_strs__new returns
 * NULL (errno EINVAL) for a base it cannot index: a split one (libbpf would
 * look in its base first), or one whose raw bytes are not in this
 * machine's byte order; callers then use libbpf's lookups.
 */
#ifndef BTFSTREAM_BASE_STRS_H
#define BTFSTREAM_BASE_STRS_H

#include <stdint.h>

struct btf;
struct base_strs;

struct base_strs *base_strs__new(const struct btf *base);
/* s's offset in the base's string section, or -ENOENT. */
long base_strs__find(const struct base_strs *bs, const char *s);
/* The base's string section length: where a split BTF's own strings start. */
uint32_t base_strs__len(const struct base_strs *bs);
const struct btf *base_strs__base(const struct base_strs *bs);
void base_strs__free(struct base_strs *bs);

#endif
