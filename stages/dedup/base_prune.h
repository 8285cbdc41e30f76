/* stages/dedup/base_prune.h: hide the base types a split dedup cannot use.
 *
 * libbpf's split dedup (btf__dedup on a BTF with a base) first hashes every
 * base type into its candidate table: for a module on the vmlinux BTF that is
 * ~95,000 hashes and as many small allocations, per module, although a module
 * names a few thousand of them at most. Most of the CPU of a module run went
 * there (docs/design.md, "Modules").
 *
 * Which base types can a split type ever be found equal to? libbpf compares
 * names first for every kind (string offsets: the split BTF's strings that
 * the base has are the base's offsets), so:
 *   - a named base type whose name no split type carries can match nothing;
 *   - nor can an anonymous struct, union or function prototype with a member
 *     or parameter name that no split type's member or parameter carries:
 *     libbpf compares those names too, in its hash and in every comparison
 *     (not so for a named struct, which a split FWD of its name matches
 *     whatever its members are called: named types go by their name only);
 *   - an anonymous base type that refers (member, parameter, element, target)
 *     to an unmatchable type can match nothing either: the split type in
 *     that place would have to match the unmatchable one.
 * Everything else is kept. base_prune__apply turns the unmatchable types into
 * empty DATASECs in place (same name, vlen 0, size 0: 12 bytes, which every
 * type has), a kind the dedup never hashes, never matches and never renumbers;
 * base_prune__restore puts the original bytes back. The dedup's decisions are
 * the same (tests/integ/0011 compares the bytes with and without pruning on
 * real modules; BTFSTREAM_BASE_PRUNE=0 turns it off).
 *
 * A batch of modules on one base: a module uses a few thousand base types,
 * and hiding ~80,000 and putting them back for each module cost more than
 * deciding. So an apply keeps its verdict for the next one: without a
 * restore in between, the next apply changes and writes only the types
 * whose verdict the new split's names change. Deciding works up from the
 * split's names through an index made once (base_prune__new), so an apply
 * costs what differs between two modules, not the size of the base.
 *
 * Threads: one caller at a time. From an apply to the next restore nothing
 * else may read the base's types (its strings are untouched); the pipeline
 * applies it for its final dedup, when the merge thread is done, and
 * restores it after the dedup when something reads the base's types next
 * (distill). The base must stay the same object, unmodified by anything
 * else, for the life of the base_prune. A base_prune made before a fork() is
 * shared by the children (copy-on-write), each applying its own.
 */
#ifndef BTFSTREAM_BASE_PRUNE_H
#define BTFSTREAM_BASE_PRUNE_H

#include <stdbool.h>
#include <stddef.h>

struct btf;
struct base_prune;

/* Prepares base (which it also puts into libbpf's "modifiable" state, so that
 * its type memory no longer moves). NULL and errno on failure. */
struct base_prune *base_prune__new(struct btf *base);
/* The same for a base that nothing will make modifiable while the
 * base_prune lives (stages/dedup/split_late.h: making it so is what that
 * avoids), whose type memory therefore stays where it is. */
struct base_prune *base_prune__new_fixed(struct btf *base);
void base_prune__free(struct base_prune *bp);

/* Hides the base types no type of split (a split BTF on that base) can be
 * equal to, and shows every other, whatever the last apply left. Returns
 * how many are hidden. */
size_t base_prune__apply(struct base_prune *bp, const struct btf *split);

/* Puts back every type an apply hid: the base is whole again. Safe to call
 * at any time. */
void base_prune__restore(struct base_prune *bp);

/* false when the environment says BTFSTREAM_BASE_PRUNE=0 (for comparisons). */
bool base_prune__enabled(void);

#endif
