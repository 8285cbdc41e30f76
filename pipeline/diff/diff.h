/* pipeline/diff/diff.h: `btfstream diff A B`, an id-independent comparison of two BTFs.
 *
 * Every type of A and of B is reduced to its canonical description
 * (pipeline/diff/btf_canon.h); the two multisets of descriptions are compared kind
 * by kind. A type present twice in A and once in B is one difference. A type
 * whose content changed shows up twice: once "only in A", once "only in B".
 * For split BTF only the types beyond the base are compared (references into
 * the base are still described).
 *
 * Output: the report goes to the FILE * the caller gives; errors go through
 * pr_warn as one line naming the file and the problem. Single-threaded; it
 * temporarily redirects libbpf's print callback to pr_debug while parsing.
 */
#ifndef BTFSTREAM_DIFF_H
#define BTFSTREAM_DIFF_H

#include <linux/types.h>
#include <stdio.h>

struct btf;

#define DIFF_NR_KINDS 32 /* the BTF kind field is 5 bits wide */
#define DIFF_DEFAULT_SHOW 5

struct diff_opts {
	size_t sz;	      /* sizeof(struct diff_opts) */
	__u32 ignore_kinds;   /* bit (1u << kind): kind not compared, not counted */
	int show;	      /* examples printed per kind with differences (>= 0) */
	const char *name_a;   /* labels for the report header; may be NULL */
	const char *name_b;
	unsigned int canon_options; /* BTF_CANON_* (pipeline/diff/btf_canon.h) */
};

struct diff_kind_stats {
	unsigned int cnt_a, cnt_b;   /* types of this kind (compared range only) */
	unsigned int only_a, only_b; /* unmatched descriptions; 0 if ignored */
};

struct diff_stats {
	struct diff_kind_stats kinds[DIFF_NR_KINDS];
	unsigned long only_a, only_b; /* sums over the compared kinds */
};

/* Compare @a and @b (each from its first non-base id). If @out is not NULL
 * write the report there; if @stats is not NULL fill it. @opts may be NULL
 * (nothing ignored, DIFF_DEFAULT_SHOW examples).
 * Returns the number of differences (only_a + only_b), or -errno.
 */
long diff__btf(const struct btf *a, const struct btf *b, const struct diff_opts *opts,
	       FILE *out, struct diff_stats *stats);

/* The subcommand: argv[0] is "diff". Options: --base FILE, --ignore-kinds LIST,
 * --show N, -q, --help. Returns the exit code: 0 same, 1 differences,
 * 2 usage or read error.
 */
int diff__main(int argc, char **argv, FILE *out);

#endif
