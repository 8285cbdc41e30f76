/* stages/read/no_symbol_names.h: the names of function definitions that
 * have no ELF function symbol, kept by where they lie in .debug_str
 * instead of interned.
 *
 * Such a function is never a FUNC and never named in the output; function
 * selection only counts its name (no_symbol), and --funcs-report lists it.
 * They are many: the static inline functions of headers, 103K definitions
 * of 30K names on the Debian vmlinux, a quarter of the strings the readers
 * would intern. Without a report, a reader that meets a function name in
 * .debug_str for the first time (the shared name cache has no id for it)
 * asks the ELF symbols about the bytes; with none, it sets the name's bit
 * here (one per byte of .debug_str, where the name starts) and neither
 * interns the name nor sends a candidate. A later definition of that name
 * finds the bit and is done with at once. Names outside .debug_str, and
 * names the cache already knows, take the old way (interned; a bare
 * candidate the writer counts, stages/write/write_btf.c note_no_symbol).
 *
 * Counting: the names are counted by their bytes, once all readers are
 * done (no_symbol_names__count): one string at two offsets (a .debug_str
 * the linker did not merge) counts once, and so does a string also sent
 * the old way by another definition. The count is then what interning
 * every name gave, whatever the thread timing.
 *
 * Threads: init and fini and count from one thread while no reader runs
 * (count after they are joined); covers, has and add from any reader at
 * once (a bit is set with an atomic OR; a reader that misses a bit set a
 * moment ago only asks the symbols again). The set borrows .debug_str (the
 * input mapping, which outlives it) and owns its bits.
 */
#ifndef BTFSTREAM_NO_SYMBOL_NAMES_H
#define BTFSTREAM_NO_SYMBOL_NAMES_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct strtab;

struct no_symbol_names {
	const char *lo;			/* .debug_str in the mapping; NULL: off */
	size_t size;
	_Atomic uint64_t *bits;		/* bit i: a name without a symbol starts at lo + i */
	size_t words;
};

/* A set over the size bytes at lo (.debug_str, ending with a NUL), or an
 * off one (covers nothing) when lo is NULL or size 0. 0 or -ENOMEM. */
int no_symbol_names__init(struct no_symbol_names *ns, const char *lo, size_t size);
void no_symbol_names__fini(struct no_symbol_names *ns);

static inline bool no_symbol_names__covers(const struct no_symbol_names *ns, const char *s)
{
	return ns->bits && s >= ns->lo && s < ns->lo + ns->size;
}

/* Whether the name at s (which the set covers) was added. */
static inline bool no_symbol_names__has(const struct no_symbol_names *ns, const char *s)
{
	size_t off = (size_t)(s - ns->lo);

	return atomic_load_explicit(&ns->bits[off / 64], memory_order_relaxed) >> (off % 64) & 1;
}

/* Adds the name at s (which the set covers): it has no function symbol. */
static inline void no_symbol_names__add(struct no_symbol_names *ns, const char *s)
{
	size_t off = (size_t)(s - ns->lo);

	atomic_fetch_or_explicit(&ns->bits[off / 64], 1ull << (off % 64), memory_order_relaxed);
}

/* *count: the distinct strings added, less those equal to a string of t
 * whose id has its bit set in also[0..also_words) (the names counted the
 * old way: strtab ids, bit id % 64 of word id / 64; also may be NULL).
 * After every reader is done. 0 or -ENOMEM. */
int no_symbol_names__count(const struct no_symbol_names *ns, const struct strtab *t, const uint64_t *also,
			   size_t also_words, uint64_t *count);

#endif
