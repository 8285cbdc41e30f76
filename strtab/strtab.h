/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * strtab/strtab.h: the string interner, a sharded insert-only RCU hash table.
 *
 * Reader threads intern every name they meet and get back a 32-bit id; the
 * writer later turns ids back into bytes. Strings are never removed; every
 * entry lives until strtab__free().
 *
 * Which operations may run at the same time on one table (Y: yes, any
 * number of threads; -: no, the table is not shared yet or any more):
 *
 *                    new   free   intern*   str   count/stats/id_limit
 *   new               -     -       -        -          -
 *   free              -     -       -        -          -
 *   intern*           -     -       Y        Y          Y
 *   str               -     -       Y        Y          Y
 *   count/stats/...   -     -       Y        Y          Y
 *
 *   intern* = strtab__intern() and strtab__intern_borrowed().
 *
 * Which thread may call what, in which RCU state (liburcu's default "memb"
 * flavour, <urcu.h>):
 *
 *   function            caller                      RCU state
 *   strtab__new         any                         any
 *   strtab__free        any, once no other user     any, outside rcu_read_lock
 *   intern*             any                         registered
 *                                                   (rcu_register_thread),
 *                                                   outside rcu_read_lock
 *   strtab__str         any (see "Memory ordering") any
 *   count/stats/...     any                         any
 *
 * Who frees what:
 * - The table owns its hash tables, its entries, the copies made by
 *   strtab__intern() and its id directory; strtab__free() frees them all.
 *   Pointers returned by strtab__str() stay valid until strtab__free().
 * - strtab__intern_borrowed() keeps the caller's pointer: the caller keeps
 *   those bytes valid and unchanged until strtab__free() returns, and frees
 *   them afterwards (typically they point into the mmap()ed input).
 *
 * Ids:
 * - id 0 is always the empty string (length 0); it is never hashed.
 * - Other ids come from one atomic counter, 1, 2, 3, ..., in the order the
 *   inserts happen, so they depend on thread timing. A given string always
 *   maps to exactly one id for the life of the table. The writer must not
 *   use ids as output order; it assigns final BTF string offsets in its own
 *   deterministic order.
 * - When two threads insert the same new string at the same moment, both
 *   take an id and the loser's id is never handed out: ids have rare holes.
 *   strtab__id_limit() bounds all ids given so far (to size id-indexed
 *   arrays); strtab__str() returns NULL for a hole.
 *
 * Memory ordering: an id received from strtab__intern*() may be passed to
 * strtab__str() in the same thread at once. Another thread may use it once
 * it received it through something that orders memory (a queue, a mutex,
 * pthread_join); strtab__str() itself takes no lock.
 */
#ifndef BTFSTREAM_STRTAB_H
#define BTFSTREAM_STRTAB_H

#include <stddef.h>
#include <stdint.h>

struct strtab_opts {
	size_t sz;		/* sizeof(struct strtab_opts) */
	unsigned int shards;	/* power of two, at most 65536; 0 = 64 */
	size_t expected_strings; /* presize hint; 0 = 65536 */
};

struct strtab_stats {
	uint64_t lookups;	/* intern calls with len > 0 (= hits + inserts
				 * + insert_races + failed calls) */
	uint64_t hits;		/* ... that found the string already there */
	uint64_t inserts;	/* ... that added it */
	uint64_t insert_races;	/* ... that lost an insert race (an id hole) */
	uint64_t bytes_copied;	/* string bytes (with NULs) copied by intern */
	size_t strings;		/* == strtab__count() */
};

struct strtab;

/*
 * strtab__new - create an empty table (holding only "" as id 0).
 * @opts: NULL for the defaults; else opts->sz must be set.
 * Returns NULL and sets errno (EINVAL: bad opts, ENOMEM) on failure.
 * Any thread; no RCU registration needed.
 */
struct strtab *strtab__new(const struct strtab_opts *opts);

/*
 * strtab__free - free the table, every entry and every copy. NULL is fine.
 * No other thread may use the table any more, and pointers from
 * strtab__str() die here. Any thread, registered with RCU or not, but not
 * inside rcu_read_lock (a grace period is waited for): the hash tables are
 * emptied by a short-lived helper thread that registers itself. If that
 * thread cannot be created, the table is leaked rather than freed unsafely.
 */
void strtab__free(struct strtab *t);

/*
 * strtab__intern - intern the bytes s[0..len) and return their id in *id.
 * s need not be NUL-terminated; if the string is new, the bytes are copied
 * (plus a NUL) into the table's own storage.
 * Caller: any thread registered with rcu_register_thread(), NOT holding
 * rcu_read_lock() (the function takes it itself). Lookups are lock-free;
 * inserts take no lock of ours either (cds_lfht_add_unique), though they
 * may malloc() a new arena block or directory chunk.
 * Returns 0, -ENOMEM, -E2BIG (len >= UINT32_MAX, or the 2^28 ids are
 * used up), or -EINVAL for a new string with a NUL in s[0..len) (a BTF
 * string cannot hold one, and strtab__str measures with strlen); *id is
 * set only on success.
 */
int strtab__intern(struct strtab *t, const char *s, size_t len, uint32_t *id);

/*
 * strtab__intern_borrowed - like strtab__intern(), but if the string is
 * new, the table keeps the pointer s instead of copying: s[0..len] must
 * stay valid and unchanged until strtab__free(), and s[len] must be '\0'.
 * If the string was already there, the existing bytes are kept.
 */
int strtab__intern_borrowed(struct strtab *t, const char *s, size_t len,
			    uint32_t *id);

/*
 * strtab__str - the NUL-terminated bytes of id, and their length in *len
 * (len may be NULL; the length is strlen's, a read of the bytes). O(1)
 * apart from that, lock-free, no RCU state needed. Any thread, for
 * an id it got from strtab__intern*() or through something that ordered
 * memory after that. Returns NULL (and *len = 0) for an id never handed out
 * or a hole.
 */
const char *strtab__str(const struct strtab *t, uint32_t id, size_t *len);

/*
 * strtab__count - the number of distinct strings, the empty string
 * included (a new table counts 1). Exact when no intern is running; while
 * interns run, a recent value. Any thread, no RCU state needed.
 */
size_t strtab__count(const struct strtab *t);

/*
 * strtab__id_limit - one more than the largest id handed out so far: every
 * id is below it. Use it to size arrays indexed by id (count() is smaller
 * when there are holes). Any thread, no RCU state needed.
 */
uint32_t strtab__id_limit(const struct strtab *t);

/*
 * strtab__stats - sum the per-thread counters into *out. Exact when no
 * intern is running. Any thread, no RCU state needed.
 */
void strtab__stats(const struct strtab *t, struct strtab_stats *out);

#endif
