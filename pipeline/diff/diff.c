/* pipeline/diff/diff.c: see diff.h.
 *
 * The comparison is four passes:
 *   1. collect: describe every compared type of each side (btf_canon memoises,
 *      so shared sub-descriptions are built once) and count types per kind;
 *   2. sort each side by (kind, hash, text): equal descriptions become
 *      neighbours, and the text tie-break makes hash collisions harmless;
 *   3. merge the two sorted lists: an entry without a partner is a difference
 *      (so duplicates are matched one to one, as a multiset);
 *   4. report: the per-kind table, then per kind the differences re-sorted by
 *      text, so that a changed "struct foo" prints its A and B versions next
 *      to each other, cut around the first place where they differ.
 */
#include "pipeline/diff/diff.h"
#include "pipeline/diff/distilled.h"
#include "pipeline/diff/btf_canon.h"
#include "stages/common/btf_bits.h"
#include "stages/common/elf_btf.h"
#include "stages/common/libbpf_log.h"
#include "stages/common/log.h"

#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#define EXAMPLE_WIDTH 200 /* characters of a description shown per example */
#define EXAMPLE_HEAD 60	  /* when cutting, characters kept from the start */

struct diff_entry {
	__u64 hash;
	const char *desc; /* owned by the side's btf_canon */
	unsigned int kind;
	bool in_b;
};

struct diff_side {
	const struct btf *btf;
	struct btf_canon *canon;
	struct diff_entry *ents;
	size_t nr;
	unsigned int start_id, end_id; /* compared ids: [start_id, end_id) */
};

static int entry_cmp(const void *pa, const void *pb)
{
	const struct diff_entry *a = pa, *b = pb;

	if (a->kind != b->kind)
		return a->kind < b->kind ? -1 : 1;
	if (a->hash != b->hash)
		return a->hash < b->hash ? -1 : 1;
	return strcmp(a->desc, b->desc);
}

/* Order of the examples: by kind, then text, A before B. */
static int example_cmp(const void *pa, const void *pb)
{
	const struct diff_entry *a = pa, *b = pb;
	int r;

	if (a->kind != b->kind)
		return a->kind < b->kind ? -1 : 1;
	r = strcmp(a->desc, b->desc);
	if (r)
		return r;
	return (int)a->in_b - (int)b->in_b;
}

static const char *kind_label(unsigned int kind, char *buf, size_t sz)
{
	const char *s = btf_canon__kind_str(kind);

	if (s)
		return s;
	snprintf(buf, sz, "kind#%u", kind);
	return buf;
}

/* Pass 1 and 2 for one side. */
static int side_collect(struct diff_side *s, __u32 ignore, unsigned int canon_options, bool in_b,
			struct diff_stats *st)
{
	const struct btf *base = btf__base_btf(s->btf);
	struct diff_kind_stats *ks;
	const struct btf_type *t;
	struct diff_entry *e;
	unsigned int id, kind;

	s->start_id = base ? btf__type_cnt(base) : 1;
	s->end_id = btf__type_cnt(s->btf);
	s->canon = btf_canon__new(s->btf);
	s->ents = calloc(s->end_id - s->start_id + 1, sizeof(*s->ents));
	if (!s->canon || !s->ents)
		return -ENOMEM;
	btf_canon__set_options(s->canon, canon_options);
	for (id = s->start_id; id < s->end_id; id++) {
		t = btf__type_by_id(s->btf, id);
		kind = btf_kind(t);
		ks = &st->kinds[kind];
		if (in_b)
			ks->cnt_b++;
		else
			ks->cnt_a++;
		if (ignore & (1u << kind))
			continue;
		e = &s->ents[s->nr++];
		e->desc = btf_canon__describe(s->canon, id);
		if (!e->desc)
			return -errno;
		e->hash = btf_canon__hash(s->canon, id);
		e->kind = kind;
		e->in_b = in_b;
	}
	qsort(s->ents, s->nr, sizeof(*s->ents), entry_cmp);
	return 0;
}

/* Pass 3: append every unmatched entry to @diffs, count them in @st. */
static size_t sides_merge(const struct diff_side *a, const struct diff_side *b,
			  struct diff_entry *diffs, struct diff_stats *st)
{
	size_t i = 0, j = 0, n = 0;
	int r;

	while (i < a->nr || j < b->nr) {
		if (j >= b->nr)
			r = -1;
		else if (i >= a->nr)
			r = 1;
		else
			r = entry_cmp(&a->ents[i], &b->ents[j]);
		if (r < 0) {
			st->kinds[a->ents[i].kind].only_a++;
			st->only_a++;
			diffs[n++] = a->ents[i++];
		} else if (r > 0) {
			st->kinds[b->ents[j].kind].only_b++;
			st->only_b++;
			diffs[n++] = b->ents[j++];
		} else {
			i++;
			j++;
		}
	}
	return n;
}

static void report_table(FILE *out, const struct diff_stats *st, __u32 ignore)
{
	const struct diff_kind_stats *ks;
	unsigned long tot_a = 0, tot_b = 0;
	unsigned int k;
	char buf[16];

	fprintf(out, "%-12s %9s %9s %9s %9s\n", "kind", "A", "B", "only A", "only B");
	for (k = 0; k < DIFF_NR_KINDS; k++) {
		ks = &st->kinds[k];
		if (!ks->cnt_a && !ks->cnt_b)
			continue;
		tot_a += ks->cnt_a;
		tot_b += ks->cnt_b;
		if (ignore & (1u << k))
			fprintf(out, "%-12s %9u %9u %9s %9s\n", kind_label(k, buf, sizeof(buf)),
				ks->cnt_a, ks->cnt_b, "ignored", "ignored");
		else
			fprintf(out, "%-12s %9u %9u %9u %9u\n", kind_label(k, buf, sizeof(buf)),
				ks->cnt_a, ks->cnt_b, ks->only_a, ks->only_b);
	}
	fprintf(out, "%-12s %9lu %9lu %9lu %9lu\n", "total", tot_a, tot_b, st->only_a, st->only_b);
}

static size_t common_prefix(const char *a, const char *b)
{
	size_t n = 0;

	while (a[n] && a[n] == b[n])
		n++;
	return n;
}

/* Move @p back to the start of the member or item it falls in (just after
 * "; " or ", "), by at most 60 characters and not below @min.
 */
static size_t snap_to_item(const char *s, size_t p, size_t min)
{
	size_t q;

	for (q = p; q > min && q + 60 > p; q--) {
		if (s[q - 1] == ' ' && (s[q - 2] == ';' || s[q - 2] == ','))
			return q;
	}
	return p;
}

/* One example line; d[lo..hi) are this kind's differences, d[k] is shown.
 * A long description is cut around where it first differs from an adjacent
 * entry of the other side (its likely counterpart), keeping its head.
 */
static void report_example(FILE *out, const struct diff_entry *d, size_t lo, size_t hi, size_t k)
{
	const char *s = d[k].desc, *head;
	size_t len = strlen(s), focus = 0, p, n, head_len;

	if (k > lo && d[k - 1].in_b != d[k].in_b)
		focus = common_prefix(s, d[k - 1].desc);
	if (k + 1 < hi && d[k + 1].in_b != d[k].in_b) {
		p = common_prefix(s, d[k + 1].desc);
		focus = p > focus ? p : focus;
	}
	fprintf(out, "%s only in %s: ", d[k].in_b ? "+" : "-", d[k].in_b ? "B" : "A");
	if (len <= EXAMPLE_WIDTH) {
		fprintf(out, "%s\n", s);
	} else if (focus + 60 <= EXAMPLE_WIDTH) {
		fprintf(out, "%.*s ...\n", EXAMPLE_WIDTH, s);
	} else {
		head = strchr(s, '{');
		head_len = head && head - s < EXAMPLE_HEAD ? (size_t)(head - s) + 1 : EXAMPLE_HEAD;
		p = snap_to_item(s, focus - 40, head_len);
		n = EXAMPLE_WIDTH - head_len;
		fprintf(out, "%.*s ... %.*s%s\n", (int)head_len, s, (int)n, s + p,
			p + n < len ? " ..." : "");
	}
}

static void report_examples(FILE *out, struct diff_entry *d, size_t n,
			    const struct diff_stats *st, int show)
{
	size_t i = 0, j, k;
	unsigned int kind;
	char buf[16];

	qsort(d, n, sizeof(*d), example_cmp);
	while (i < n) {
		kind = d[i].kind;
		for (j = i; j < n && d[j].kind == kind; j++)
			;
		fprintf(out, "\n%s: %u only in A, %u only in B\n", kind_label(kind, buf, sizeof(buf)),
			st->kinds[kind].only_a, st->kinds[kind].only_b);
		for (k = i; k < j && k - i < (size_t)show; k++)
			report_example(out, d, i, j, k);
		if (j - i > (size_t)show)
			fprintf(out, "  ... and %zu more\n", j - i - show);
		i = j;
	}
}

static void report_side(FILE *out, const char *label, const char *name, const struct diff_side *s)
{
	fprintf(out, "%s: %s: %u types", label, name ?: "(unnamed)", s->end_id - s->start_id);
	if (s->start_id > 1)
		fprintf(out, " (split, ids %u..%u)", s->start_id, s->end_id - 1);
	fprintf(out, "\n");
}

long diff__btf(const struct btf *a, const struct btf *b, const struct diff_opts *opts,
	       FILE *out, struct diff_stats *stats)
{
	struct diff_opts def = { .sz = sizeof(def), .show = DIFF_DEFAULT_SHOW };
	struct diff_side sa = { .btf = a }, sb = { .btf = b };
	struct diff_entry *diffs = NULL;
	struct diff_stats st = {};
	size_t nr_diffs;
	long ret;
	int err;

	if (!opts)
		opts = &def;
	if (!a || !b || opts->sz < sizeof(*opts) || opts->show < 0)
		return -EINVAL;
	err = side_collect(&sa, opts->ignore_kinds, opts->canon_options, false, &st);
	if (!err)
		err = side_collect(&sb, opts->ignore_kinds, opts->canon_options, true, &st);
	if (!err) {
		diffs = calloc(sa.nr + sb.nr + 1, sizeof(*diffs));
		err = diffs ? 0 : -ENOMEM;
	}
	if (err) {
		pr_warn("btfstream diff: cannot describe types: %s", strerror(-err));
		ret = err;
		goto out;
	}
	nr_diffs = sides_merge(&sa, &sb, diffs, &st);
	if (out) {
		report_side(out, "A", opts->name_a, &sa);
		report_side(out, "B", opts->name_b, &sb);
		report_table(out, &st, opts->ignore_kinds);
		report_examples(out, diffs, nr_diffs, &st, opts->show);
		if (nr_diffs)
			fprintf(out, "\n%zu differences (%lu only in A, %lu only in B)\n", nr_diffs,
				st.only_a, st.only_b);
		else
			fprintf(out, "\nno differences\n");
	}
	if (stats)
		*stats = st;
	ret = nr_diffs;
out:
	free(diffs);
	free(sa.ents);
	free(sb.ents);
	btf_canon__free(sa.canon);
	btf_canon__free(sb.canon);
	return ret;
}

/* ---- the subcommand ---- */

struct diff_args {
	const char *base, *path_a, *path_b;
	__u32 ignore_kinds;
	int show;
	bool quiet, help, ignore_func_linkage;
};

static const char diff_usage[] =
	"usage: btfstream diff [options] A B\n"
	"Compare two BTF files (raw BTF or ELF with .BTF) independently of type ids.\n"
	"  --base FILE          A and B are split BTF on top of FILE; compare only their own types\n"
	"                       (an ELF file with a .BTF.base, a distilled base, is read on that\n"
	"                       without --base, and relocated onto FILE with it, as the kernel would)\n"
	"  --ignore-kinds LIST  comma-separated kinds not to compare (e.g. FUNC,FUNC_PROTO)\n"
	"  --show N             print up to N example differences per kind (default 5)\n"
	"  --ignore-func-linkage  FUNCs that differ only in static/global count as equal\n"
	"  -q                   print nothing; only the exit code\n"
	"  -h, --help           this text\n"
	"Exit code: 0 same, 1 differences, 2 usage or read error.\n";

static int parse_kinds(const char *list, __u32 *mask)
{
	char *copy, *tok, *save = NULL;
	int kind, err = 0;

	copy = strdup(list);
	if (!copy)
		return -ENOMEM;
	for (tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		kind = btf_canon__kind_by_name(tok);
		if (kind < 0 || kind >= DIFF_NR_KINDS) {
			pr_warn("btfstream diff: --ignore-kinds: unknown BTF kind '%s'", tok);
			err = -EINVAL;
			break;
		}
		*mask |= 1u << kind;
	}
	free(copy);
	return err;
}

static int parse_args(int argc, char **argv, struct diff_args *args)
{
	static const struct option longopts[] = {
		{ "base", required_argument, NULL, 'B' },
		{ "ignore-kinds", required_argument, NULL, 'I' },
		{ "show", required_argument, NULL, 'S' },
		{ "ignore-func-linkage", no_argument, NULL, 'L' },
		{ "help", no_argument, NULL, 'h' },
		{},
	};
	char *end;
	long n;
	int c;

	args->show = DIFF_DEFAULT_SHOW;
	optind = 0; /* glibc: full re-initialisation, diff__main may run twice */
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":qh", longopts, NULL)) != -1) {
		switch (c) {
		case 'B':
			args->base = optarg;
			break;
		case 'I':
			if (parse_kinds(optarg, &args->ignore_kinds))
				return -EINVAL;
			break;
		case 'S':
			errno = 0;
			n = strtol(optarg, &end, 10);
			if (errno || end == optarg || *end || n < 0 || n > 1000000) {
				pr_warn("btfstream diff: --show: '%s' is not a count", optarg);
				return -EINVAL;
			}
			args->show = n;
			break;
		case 'q':
			args->quiet = true;
			break;
		case 'L':
			args->ignore_func_linkage = true;
			break;
		case 'h':
			args->help = true;
			return 0;
		case ':':
			pr_warn("btfstream diff: option '%s' needs an argument", argv[optind - 1]);
			return -EINVAL;
		default:
			pr_warn("btfstream diff: unknown option '%s' (see --help)", argv[optind - 1]);
			return -EINVAL;
		}
	}
	if (argc - optind != 2) {
		pr_warn("btfstream diff: expected two files A and B, got %d (see --help)", argc - optind);
		return -EINVAL;
	}
	args->path_a = argv[optind];
	args->path_b = argv[optind + 1];
	return 0;
}

enum file_format { FMT_NONE, FMT_RAW, FMT_ELF };

/* Look at the magic so that the error says what is wrong with the file. */
static enum file_format sniff_format(const char *path)
{
	unsigned char m[4];
	size_t n;
	FILE *f;

	f = fopen(path, "rb");
	if (!f) {
		pr_warn("btfstream diff: %s: %s", path, strerror(errno));
		return FMT_NONE;
	}
	n = fread(m, 1, sizeof(m), f);
	if (n < sizeof(m) && ferror(f)) {
		pr_warn("btfstream diff: %s: %s", path, strerror(errno));
		fclose(f);
		return FMT_NONE;
	}
	fclose(f);
	if (n == 4 && !memcmp(m, "\177ELF", 4))
		return FMT_ELF;
	if (n >= 2 && ((m[0] == 0x9f && m[1] == 0xeb) || (m[0] == 0xeb && m[1] == 0x9f)))
		return FMT_RAW;
	pr_warn("btfstream diff: %s: not a BTF file (%s)", path, n ? "bad magic" : "empty file");
	return FMT_NONE;
}

/* An ELF file with a distilled base (.BTF.base): its .BTF on that, or,
 * with a base given, moved onto the base as the kernel would
 * (pipeline/diff/distilled.h). 1 with *out (and *own_base, to free after
 * it) set, 0 if the file has no .BTF.base, -1 after the error line. */
static int diff_load_distilled(const char *path, struct btf *base, struct btf **out, struct btf **own_base)
{
	struct btf *dist_base, *split;
	char why[256];
	int r;

	r = distilled__load_elf(path, &dist_base, &split, why, sizeof(why));
	if (r <= 0) {
		if (r < 0)
			pr_warn("btfstream diff: %s: %s", path, why);
		return r < 0 ? -1 : 0;
	}
	if (base) {
		*out = distilled__relocate(split, base, why, sizeof(why));
		btf__free(split);
		btf__free(dist_base);
		if (!*out) {
			pr_warn("btfstream diff: %s: cannot relocate its BTF onto the given base: %s", path, why);
			return -1;
		}
		pr_info("btfstream diff: %s: .BTF relocated from its .BTF.base onto the given base", path);
		return 1;
	}
	*out = split;
	*own_base = dist_base;
	return 1;
}

static struct btf *diff_load(const char *path, struct btf *base, struct btf **own_base)
{
	enum file_format fmt = sniff_format(path);
	struct btf *btf = NULL;
	int err;

	if (fmt == FMT_NONE)
		return NULL;
	if (fmt == FMT_ELF) {
		int r = diff_load_distilled(path, base, &btf, own_base);

		if (r < 0)
			return NULL;
		if (!r)
			btf = elf_btf__parse(path, base);	/* not libbpf's ELF reader (elf_btf.h) */
	} else {
		btf = btf__parse_raw_split(path, base);
	}
	if (btf) {
		char why[256];

		if (!btf_bits__why(btf, why, sizeof(why)))
			return btf;
		pr_warn("btfstream diff: %s: %s", path, why);
		btf__free(btf);
		return NULL;
	}
	err = errno;
	if (fmt == FMT_ELF && err == ENOENT)
		pr_warn("btfstream diff: %s: ELF file has no .BTF section", path);
	else
		pr_warn("btfstream diff: %s: cannot parse %s BTF%s: %s%s", path, fmt == FMT_ELF ? "ELF" : "raw",
			base ? " on the given base" : "", strerror(err),
			!base && err == EINVAL ? " (if it is split BTF, give --base)" : "");
	return NULL;
}

int diff__main(int argc, char **argv, FILE *out)
{
	struct diff_args args = {};
	struct diff_opts opts = { .sz = sizeof(opts) };
	struct btf *base = NULL, *a = NULL, *b = NULL, *a_base = NULL, *b_base = NULL, *unused = NULL;
	libbpf_print_fn_t old_print;
	long ret = -EINVAL;

	if (parse_args(argc, argv, &args))
		return 2;
	if (args.help) {
		fputs(diff_usage, out);
		return 0;
	}
	old_print = libbpf_set_print(libbpf_log__print);
	if (args.base) {
		base = diff_load(args.base, NULL, &unused);
		if (!base)
			goto out;
	}
	a = diff_load(args.path_a, base, &a_base);
	b = a ? diff_load(args.path_b, base, &b_base) : NULL;
	if (!b)
		goto out;
	opts.ignore_kinds = args.ignore_kinds;
	opts.canon_options = args.ignore_func_linkage ? BTF_CANON_NO_FUNC_LINKAGE : 0;
	opts.show = args.show;
	opts.name_a = args.path_a;
	opts.name_b = args.path_b;
	ret = diff__btf(a, b, &opts, args.quiet ? NULL : out, NULL);
out:
	libbpf_set_print(old_print);
	btf__free(a);
	btf__free(b);
	btf__free(a_base);
	btf__free(b_base);
	btf__free(base);
	btf__free(unused);
	if (ret < 0)
		return 2;
	return ret ? 1 : 0;
}
