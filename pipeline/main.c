/* pipeline/main.c: the command line. The only file that calls exit(). */
#include <errno.h>
#include <getopt.h>
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <libgen.h>
#include <unistd.h>

#include "pipeline/batch.h"
#include "pipeline/cgroup_memory.h"
#include "pipeline/huge_heap.h"
#include "pipeline/jobserver.h"
#include "pipeline/diff/diff.h"
#include "stages/common/interrupt.h"
#include "stages/common/libbpf_caps.h"
#include "stages/common/libbpf_log.h"
#include "stages/common/log.h"
#include "stages/common/trace.h"
#include "pipeline/pipeline.h"
#include "pipeline/sizing.h"
#include "stages/input/cu_index.h"

enum {
	OPT_STATS = 256,
	OPT_QUEUE,
	OPT_WINDOW,
	OPT_LANG_EXCLUDE,
	OPT_DETACHED,
	OPT_VERSION,
	OPT_NUMERIC_VERSION,
	OPT_SUPPORTED_FEATURES,
	OPT_FEATURES,
	OPT_FEATURES_STRICT,
	OPT_FUNCS_REPORT,
	OPT_MEMORY_LIMIT,
	OPT_BATCH_RECORDS,
	OPT_BASE,
	OPT_EMBED,
	OPT_PROGRESS,
	OPT_MODULES,
	OPT_TRACE,
	OPT_PAHOLE_FEATURE,	/* pahole's single-feature switches, table below */
};

/* The version pahole-compatible callers are told (see print_version). */
#define PAHOLE_COMPAT_VERSION "v1.31"
#define PAHOLE_COMPAT_NUMERIC 131	/* pahole --numeric_version */

static struct option long_opts[64] = {
	{ "output", required_argument, NULL, 'o' },
	{ "jobs", optional_argument, NULL, 'j' },
	{ "stats", optional_argument, NULL, OPT_STATS },
	{ "queue-capacity", required_argument, NULL, OPT_QUEUE },
	{ "window", required_argument, NULL, OPT_WINDOW },
	{ "lang-exclude", required_argument, NULL, OPT_LANG_EXCLUDE },
	{ "lang_exclude", required_argument, NULL, OPT_LANG_EXCLUDE },
	{ "btf_encode_detached", required_argument, NULL, OPT_DETACHED },
	{ "btf-features", required_argument, NULL, OPT_FEATURES },
	{ "btf_features", required_argument, NULL, OPT_FEATURES },
	{ "btf-features-strict", required_argument, NULL, OPT_FEATURES_STRICT },
	{ "btf_features_strict", required_argument, NULL, OPT_FEATURES_STRICT },
	{ "funcs-report", required_argument, NULL, OPT_FUNCS_REPORT },
	{ "memory-limit", required_argument, NULL, OPT_MEMORY_LIMIT },
	{ "trace", required_argument, NULL, OPT_TRACE },
	{ "batch-records", required_argument, NULL, OPT_BATCH_RECORDS },
	{ "base", required_argument, NULL, OPT_BASE },
	{ "embed", no_argument, NULL, OPT_EMBED },
	{ "progress", optional_argument, NULL, OPT_PROGRESS },
	{ "modules", required_argument, NULL, OPT_MODULES },
	{ "btf_base", required_argument, NULL, OPT_BASE },
	{ "quiet", no_argument, NULL, 'q' },
	{ "verbose", no_argument, NULL, 'v' },
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, OPT_VERSION },
	{ "numeric_version", no_argument, NULL, OPT_NUMERIC_VERSION },
	{ "supported_btf_features", no_argument, NULL, OPT_SUPPORTED_FEATURES },
};

/* long_opts ends with pahole's switches (features__pahole_switch_name; each
 * returns OPT_PAHOLE_FEATURE and the option index tells which). */
static void add_pahole_switches(void)
{
	const char *name;
	size_t n = 0;

	while (long_opts[n].name)
		n++;
	for (size_t i = 0; (name = features__pahole_switch_name(i)) && n + 1 < sizeof(long_opts) / sizeof(long_opts[0]);
	     i++, n++)
		long_opts[n] = (struct option){ name, no_argument, NULL, OPT_PAHOLE_FEATURE };
}

/* Invoked as "pahole" (a link, e.g. make PAHOLE=/path/to/pahole-link), the
 * version answer is pahole's format, which the kernel's
 * scripts/pahole-version.sh parses to pick its flags; btfstream takes every
 * flag pahole up to that version takes from the kernel. */
static void print_version(const char *argv0)
{
	const char *base = strrchr(argv0, '/');

	base = base ? base + 1 : argv0;
	if (!strcmp(base, "pahole"))
		printf("%s\n", PAHOLE_COMPAT_VERSION);
	else
		printf("btfstream %s (pahole-compatible options up to %s)\n", BTFSTREAM_VERSION,
		       PAHOLE_COMPAT_VERSION);
}

static void usage(FILE *out)
{
	fprintf(out,
		"usage: btfstream [options] ELF -o OUT\n"
		"       btfstream [options] --base VMLINUX -o OUTDIR MODULE... [--modules DIR]\n"
		"       btfstream diff [options] A B\n"
		"\n"
		"Convert the DWARF of ELF (vmlinux, a module, any -g binary) into raw BTF in OUT.\n"
		"\n"
		"  -o, --output FILE        write raw BTF to FILE (replaced atomically)\n"
		"      --modules DIR        also convert every .ko under DIR (batch mode: one process,\n"
		"                           -j processes at once; -o is then a folder, OUTDIR/NAME.btf)\n"
		"      --embed              write a copy of ELF with its .BTF section added or\n"
		"                           replaced, to -o FILE, or over ELF itself without -o\n"
		"  -j, --jobs N             reader threads (default and -j alone: online CPUs, at most\n"
		"                           one per 2 MiB of .debug_info; any N: at most one per CU)\n"
		"      --base FILE          write split BTF on top of FILE (raw BTF, or an ELF file with\n"
		"                           .BTF, e.g. vmlinux), as for kernel modules (also --btf_base)\n"
		"      --lang-exclude LIST  skip CUs of these languages, e.g. rust (also --lang_exclude)\n"
		"      --btf-features LIST  what to encode, pahole's names (also --btf_features):\n"
		"                           encode_force var float decl_tag type_tag enum64\n"
		"                           optimized_func consistent_func decl_tag_kfuncs (= default,\n"
		"                           the kernel's list), reproducible_build, distilled_base\n"
		"                           (split BTF: also .BTF.base), global_var, attributes,\n"
		"                           layout (7.1's layout section), all.\n"
		"                           Without the option: default. Given several times, the\n"
		"                           lists add up; +LIST is default plus LIST. Unknown names\n"
		"                           are skipped (a line under -v), as pahole does\n"
		"      --btf-features-strict LIST  the same, but a name btfstream cannot encode is an error\n"
		"      --supported_btf_features  print the feature names btfstream encodes\n"
		"      --funcs-report FILE  one line per function name: verdict, name, ELF symbols\n"
		"      --stats[=table|json] print per-stage wall/CPU time, items, bytes, queue waits, memory\n"
		"      --trace FILE         write the run's timeline to FILE: Chrome trace-event JSON\n"
		"                           (Perfetto, chrome://tracing), a track per thread\n"
		"      --queue-capacity N   records per reader queue (default %d)\n"
		"      --window N           CUs readers may run ahead of the writer (default %d per job)\n"
		"      --memory-limit SIZE  size queues, window and batches for SIZE bytes (K, M, G\n"
		"                           suffixes); without it, 3/4 of the memory cgroup's limit if\n"
		"                           there is one; 'none': no budget. The output does not change\n"
		"      --batch-records N    type records read per dedup batch (default %u); the output does not\n"
		"                           change\n"
		"      --progress[=WHEN]    a progress line on stderr: auto (default: when stderr is a\n"
		"                           terminal, not under make, not as pahole), always, never\n"
		"  -q, --quiet              print nothing, not even the error line\n"
		"  -v, -V, --verbose        more messages (features in effect, skipped names)\n"
		"      --version            print the version (--numeric_version: pahole's number, %d)\n"
		"  -h, --help               this text\n"
		"\n"
		"pahole spellings accepted: -J (with no output: --embed), -j with no number (every CPU),\n"
		"--btf_encode_detached=FILE, --btf_gen_floats, --btf_features=LIST, --btf_base=FILE,\n"
		"--lang_exclude=LIST, --skip_encoding_btf_{vars,decl_tag,type_tag,enum64,inconsistent_proto},\n"
		"--btf_gen_optimized, --btf_encode_force, --btf_gen_all, --reproducible_build, -V.\n"
		"Run as \"pahole\" (a link), --version answers in pahole's format (%s) for the\n"
		"kernel's scripts/pahole-version.sh.\n"
		"Run 'btfstream diff --help' for the BTF comparison.\n",
		PIPELINE_DEFAULT_QUEUE_CAPACITY, PIPELINE_DEFAULT_WINDOW_PER_JOB, PIPELINE_BATCH_RECORDS,
		PAHOLE_COMPAT_NUMERIC, PAHOLE_COMPAT_VERSION);
}

static int parse_uint(const char *opt, const char *s, unsigned long max, unsigned long *v)
{
	char *end;

	errno = 0;
	*v = strtoul(s, &end, 10);
	if (errno || end == s || *end || *v == 0 || *v > max) {
		pr_warn("btfstream: %s: '%s' is not a number from 1 to %lu", opt, s, max);
		return -1;
	}
	return 0;
}

/* "64M" -> bytes. */
static int parse_size(const char *s, size_t *out)
{
	unsigned long long v;
	char *end;

	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || end == s || v == 0)
		goto bad;
	switch (*end) {
	case 'k': case 'K': v <<= 10; end++; break;
	case 'm': case 'M': v <<= 20; end++; break;
	case 'g': case 'G': v <<= 30; end++; break;
	}
	if (*end == 'i' && end[1] == 'B')
		end += 2;
	else if (*end == 'B')
		end++;
	if (*end)
		goto bad;
	*out = v;
	return 0;
bad:
	pr_warn("btfstream: --memory-limit: '%s' is not a size (e.g. 64M, 1G)", s);
	return -1;
}

static int parse_langs(struct pipeline_opts *o, const char *list)
{
	char *copy = strdup(list), *save = NULL, *tok;
	int err = 0;

	for (tok = strtok_r(copy, ",", &save); tok && !err; tok = strtok_r(NULL, ",", &save)) {
		uint32_t lang = cu_index__lang_by_name(tok);

		if (!lang) {
			pr_warn("btfstream: --lang-exclude: unknown language '%s'", tok);
			err = -1;
		} else if (o->n_lang_exclude == PIPELINE_MAX_LANG_EXCLUDE) {
			pr_warn("btfstream: --lang-exclude: too many languages");
			err = -1;
		} else {
			o->lang_exclude[o->n_lang_exclude++] = lang;
		}
	}
	free(copy);
	return err;
}

/* Several inputs, or --modules DIR: -o names a folder (batch.h). */
static int run_batch(struct pipeline_opts *o, char **args, int nargs, const char *modules_dir, bool pahole_J,
		     const char *stats_fmt, const char *trace)
{
	char **inputs = NULL;
	size_t n = 0;
	int failed;

	if (stats_fmt || o->funcs_report || trace) {
		pr_warn("btfstream: --stats, --trace and --funcs-report take one input; run them per module");
		return 2;
	}
	if (pahole_J && !o->output)
		o->embed = true;
	if (!o->output && !o->embed) {
		pr_warn("btfstream: several inputs: give an output folder (-o DIR) or --embed");
		return 2;
	}
	inputs = calloc(nargs + 1, sizeof(*inputs));
	if (!inputs)
		return 1;
	for (int i = 0; i < nargs; i++)
		inputs[n++] = strdup(args[i]);
	if (modules_dir && batch__find_modules(modules_dir, &inputs, &n))
		return 1;
	if (!n) {
		pr_warn("btfstream: %s: no .ko files found", modules_dir ? modules_dir : "input list");
		return 2;
	}
	failed = batch__run(o, inputs, n, o->output, o->jobs);
	for (size_t i = 0; i < n; i++)
		free(inputs[i]);
	free(inputs);
	if (failed > 0)
		pr_warn("btfstream: %d of %zu inputs failed", failed, n);
	return failed ? 1 : 0;
}

/* A feature option, kept until every option is read: lists and switches
 * act in command-line order, and what they print obeys a -v given after
 * them (pahole prints its unknown-feature lines under -V). */
struct feature_op {
	int opt;		/* OPT_FEATURES, OPT_FEATURES_STRICT or OPT_PAHOLE_FEATURE */
	const char *arg;	/* the list, or the switch's name */
};

/* What the command line asks for. */
struct cli {
	struct pipeline_opts o;
	const char *stats_fmt;		/* NULL, "table" or "json" */
	const char *modules_dir;	/* --modules */
	bool pahole_J;			/* -J given */
	const char *progress;		/* --progress: auto (default), always, never */
	const char *trace;		/* --trace FILE */
	struct jobserver js;		/* make's, if MAKEFLAGS names a usable one */
	bool no_memory_limit;		/* --memory-limit none: not even the cgroup's */
	char budget_from[4200];		/* the cgroup file a budget came from */
	struct feature_op *fops;	/* argc entries */
	char **argv;			/* main's argv before getopt reordered it */
	int nfops;
};

/* Applies the feature options in order. Returns 0, or 2 (a usage error). */
static int apply_features(struct cli *c)
{
	for (int i = 0; i < c->nfops; i++) {
		const struct feature_op *op = &c->fops[i];

		if (op->opt == OPT_PAHOLE_FEATURE)
			features__pahole_switch(&c->o.features, op->arg);
		else if (features__add_list(&c->o.features, op->arg, op->opt == OPT_FEATURES_STRICT))
			return 2;
	}
	if (c->nfops)
		pr_debug("btfstream: features: %s", features__describe(&c->o.features));
	return 0;
}

/* The options that take a number, a size or a word: 0, or 2 (a usage
 * error, said). */
static int parse_value(int opt, char **argv, int argc, struct cli *c)
{
	unsigned long v;

	switch (opt) {
	case 'j':	/* pahole: -j alone is every CPU; -jN, -j N, --jobs=N */
		if (!optarg && optind < argc && argv[optind][0] >= '0' && argv[optind][0] <= '9')
			optarg = argv[optind++];
		/* "-j abc": abc is an input only if it is a file; else a mistyped count */
		if (!optarg && optind < argc && argv[optind][0] != '-' && access(argv[optind], F_OK)) {
			pr_warn("btfstream: -j: '%s' is not a number of jobs, nor a file (the count goes -j4, -j 4 or --jobs=4)",
				argv[optind]);
			return 2;
		}
		if (!optarg)
			return c->o.jobs = 0;
		if (parse_uint("-j", optarg, STATS_MAX_READERS, &v))
			return 2;
		c->o.jobs = v;
		return 0;
	case OPT_STATS:
		c->stats_fmt = optarg ? optarg : "table";
		if (!strcmp(c->stats_fmt, "table") || !strcmp(c->stats_fmt, "json"))
			return 0;
		pr_warn("btfstream: --stats takes 'table' or 'json', not '%s'", c->stats_fmt);
		return 2;
	case OPT_QUEUE:
		return parse_uint("--queue-capacity", optarg, 1ul << 24, &v) ? 2 : (c->o.queue_capacity = v, 0);
	case OPT_WINDOW:
		return parse_uint("--window", optarg, 1ul << 20, &v) ? 2 : (c->o.window = v, 0);
	case OPT_BATCH_RECORDS:
		return parse_uint("--batch-records", optarg, 1ul << 30, &v) ? 2 : (c->o.batch_records = v, 0);
	case OPT_MEMORY_LIMIT:
		if (!strcmp(optarg, "none"))
			return c->o.memory_limit = 0, c->no_memory_limit = true, 0;
		c->no_memory_limit = false;
		return parse_size(optarg, &c->o.memory_limit) ? 2 : 0;
	case OPT_LANG_EXCLUDE:
		return parse_langs(&c->o, optarg) ? 2 : 0;
	case OPT_TRACE:
		c->trace = optarg;
		return 0;
	}
	return 0;
}

/* The options that only print something: their exit code. */
static int print_and_exit(int opt, const char *argv0)
{
	switch (opt) {
	case 'h':
		usage(stdout);
		return 0;
	case OPT_VERSION:
		print_version(argv0);
		return 0;
	case OPT_NUMERIC_VERSION:
		printf("%d\n", PAHOLE_COMPAT_NUMERIC);
		return 0;
	case OPT_SUPPORTED_FEATURES:
		features__print_supported(stdout);
		return 0;
	}
	return 2;
}

/* A mistake on the command line: one line, exit status 2. */
static int bad_option(int opt, char **argv)
{
	const char *arg = argv[optind - 1], *eq = strchr(arg, '=');

	if (opt == ':')
		pr_warn("btfstream: option '%s' needs a value; see btfstream --help", arg);
	else if (optopt > 0 && optopt < 128 && arg[1] != '-')
		pr_warn("btfstream: unknown option '-%c'; see btfstream --help", optopt);
	else if (optopt >= 256 && eq)
		pr_warn("btfstream: option '%.*s' takes no value; see btfstream --help", (int)(eq - arg), arg);
	else
		pr_warn("btfstream: unknown option '%s'; see btfstream --help", arg);
	return 2;
}

/* Parses the options into c. Returns -1 to go on, else the exit code
 * (--help, --version, a usage error). */
static int parse_args(int argc, char **argv, struct cli *c)
{
	int opt, li = 0, err;

	add_pahole_switches();
	opterr = 0;	/* one line of ours, not getopt's (with argv[0]'s path) and a usage */
	while ((opt = getopt_long(argc, argv, ":o:j::qvVhJ", long_opts, &li)) != -1) {
		switch (opt) {
		case 'o':
		case OPT_DETACHED:
			c->o.output = optarg;
			c->o.detached_as_pahole = opt == OPT_DETACHED;
			break;
		case 'j': case OPT_STATS: case OPT_QUEUE: case OPT_WINDOW:
		case OPT_BATCH_RECORDS: case OPT_MEMORY_LIMIT: case OPT_LANG_EXCLUDE: case OPT_TRACE:
			if ((err = parse_value(opt, argv, argc, c)))
				return err;
			break;
		case OPT_PAHOLE_FEATURE:
			c->fops[c->nfops++] = (struct feature_op){ opt, long_opts[li].name };
			break;
		case OPT_FEATURES:
		case OPT_FEATURES_STRICT:
			c->fops[c->nfops++] = (struct feature_op){ opt, optarg };
			break;
		case OPT_MODULES:
			c->modules_dir = optarg;
			break;
		case OPT_EMBED:
			c->o.embed = true;
			break;
		case OPT_PROGRESS:
			c->progress = optarg ? optarg : "always";
			if (strcmp(c->progress, "auto") && strcmp(c->progress, "always") && strcmp(c->progress, "never")) {
				pr_warn("btfstream: --progress takes auto, always or never, not '%s'", c->progress);
				return 2;
			}
			break;
		case OPT_BASE:
			c->o.base = optarg;
			break;
		case OPT_FUNCS_REPORT:
			c->o.funcs_report = optarg;
			break;
		case 'J':
			c->pahole_J = true;
			break;
		case 'q':
			log__set_level(LOG_QUIET);
			break;
		case 'v':
		case 'V':	/* pahole's spelling */
			log__set_level(LOG_DEBUG);
			break;
		case ':':
		case '?':
			return bad_option(opt, argv);
		default:
			return print_and_exit(opt, argv[0]);
		}
	}
	return apply_features(c) ?: -1;
}

/* glibc's malloc policy, chosen for the pipeline's big blocks (docs/design.md,
 * "Memory"). Blocks from M_MMAP_THRESHOLD up get their own mappings, which
 * go back to the kernel when freed, and come back as fresh pages: a page
 * fault for every 4 KiB. The merge thread's libbpf copies of each batch
 * (~5.5 MB, twice) stay under 8 MiB, so they come from its heap and reuse the
 * pages of the batch before (page faults 140K -> 68K on the vmlinux, 0.1 s
 * less system time), and a trim threshold of 32 MiB keeps those pages from
 * being handed back between batches (8 MiB in batch mode: a module's
 * batches are small, and 32 MiB kept 10 MB more per worker for 0.2 s of
 * system time over 1,121 modules). The batch images themselves are
 * mappings of their own (stages/write/write_btf.c). glibc's default raises the
 * threshold to the largest block freed, after which freed blocks of every
 * size stayed in the heaps (~35 MB more peak RSS). Under --memory-limit,
 * 256 KiB and glibc's trim threshold, for the last few MB, when the budget
 * is tight (TIGHT_BUDGET or less). That policy costs time (the vmlinux at
 * -j2: 3.3 s against 2.3 s) and is what lets a 48 MiB budget fit under a
 * 64 MiB cgroup cap; a 60 MiB budget fits an 80 MiB cap without it, so a
 * cgroup's more generous limit keeps the fast policy.
 * glibc's own MALLOC_MMAP_THRESHOLD_ / MALLOC_TRIM_THRESHOLD_ in the
 * environment win. */
#define TIGHT_BUDGET (64ull << 20)
/* Without --memory-limit, the cap of the memory cgroup btfstream runs in
 * sizes the budget (pipeline/cgroup_memory.h), shared by the processes of a
 * batch; --memory-limit none: no budget. */
static void budget_from_cgroup(struct cli *c, unsigned int processes)
{
	uint64_t lim;

	if (c->o.memory_limit || c->no_memory_limit)
		return;
	lim = cgroup_memory__limit("/proc/self", "", c->budget_from, sizeof(c->budget_from));
	if (!lim)
		return;
	c->o.memory_limit = lim / (processes ? processes : 1) / CGROUP_MEMORY_SHARE_DEN * CGROUP_MEMORY_SHARE_NUM;
	c->o.memory_limit_from = c->budget_from;
	pr_info("btfstream: memory budget %zu MiB%s: %d/%d of the cgroup's limit, %llu MiB (%s)",
		c->o.memory_limit >> 20, processes > 1 ? " per process" : "", CGROUP_MEMORY_SHARE_NUM,
		CGROUP_MEMORY_SHARE_DEN, (unsigned long long)lim >> 20, c->budget_from);
}

/*
 * One malloc arena per merge thread (glibc's default: one for each thread that
 * finds the others' busy, up to 8 per core). The merge threads make nearly
 * all the calls (libbpf's; the readers allocate a few blocks per CU), and
 * memory one thread frees in its arena could not be reused by a thread of
 * another: on the Debian vmlinux (3 alternating runs each, session 19) -j1
 * 71 -> 66 MB peak RSS and CPU -2%, -j2 75 -> 71 MB and -3%, -j8 100 -> 98
 * MB; 224 modules in batch mode (a reader and a merge thread per worker's
 * module: one arena) -4.6% CPU and 3.5K fewer page faults. So the main arena
 * alone below -j6 (sizing__merge_threads), more with more merge threads,
 * which would otherwise queue on its lock. glibc's MALLOC_ARENA_MAX wins.
 */
static void set_malloc_arenas(const struct pipeline_opts *o, bool batch)
{
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	unsigned int readers = batch ? 1 : o->jobs ? o->jobs : cpus > 0 ? (unsigned int)cpus : 1;

	if (!getenv("MALLOC_ARENA_MAX"))
		mallopt(M_ARENA_MAX, (int)sizing__merge_threads(readers));
}

static void set_malloc_policy(const struct pipeline_opts *o, bool batch)
{
	bool tight = o->memory_limit && o->memory_limit <= TIGHT_BUDGET;

	set_malloc_arenas(o, batch);
	if (!getenv("MALLOC_MMAP_THRESHOLD_"))
		mallopt(M_MMAP_THRESHOLD, tight ? 256 << 10 : 8 << 20);
	if (!getenv("MALLOC_TRIM_THRESHOLD_") && !tight)
		mallopt(M_TRIM_THRESHOLD, batch ? 8 << 20 : 32 << 20);
}

/* The output's folder, checked before the conversion rather than when the
 * result is ready to be written: 0, or 1 after one line naming it. For
 * batch mode (a folder of outputs) the folder's parent, if it does not exist
 * yet. */
static int check_output_folder(const char *out, bool is_folder)
{
	char *copy = strdup(out), *dir;
	struct stat st;
	int ret = 0;

	if (!copy)
		return 0;	/* the run will say out of memory */
	dir = is_folder && stat(out, &st) == 0 ? copy : dirname(copy);
	if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode) || access(dir, W_OK | X_OK) != 0) {
		int err = errno ? errno : ENOTDIR;

		pr_warn("btfstream: %s: cannot write the output there: %s: %s", out, dir,
			stat(dir, &st) == 0 && !S_ISDIR(st.st_mode) ? strerror(ENOTDIR) : strerror(err));
		ret = 1;
	}
	free(copy);
	return ret;
}

/* --progress=auto: a person at a terminal, not kbuild (run as "pahole", or
 * under make: MAKELEVEL), not -q. */
static bool want_progress(const char *mode, const char *argv0)
{
	const char *base = strrchr(argv0, '/');

	base = base ? base + 1 : argv0;
	if (mode && !strcmp(mode, "always"))
		return true;
	if (mode && !strcmp(mode, "never"))
		return false;
	return isatty(STDERR_FILENO) && log__level() > LOG_QUIET && strcmp(base, "pahole") && !getenv("MAKELEVEL");
}

/* make's jobserver, when MAKEFLAGS names one this process can use
 * (pipeline/jobserver.h); why not, under -v. Closed (its tokens given
 * back) at exit. */
static struct jobserver *open_js;

static void close_jobserver(void)
{
	if (open_js)
		jobserver__close(open_js);
}

static void use_jobserver(struct cli *c)
{
	char why[512];

	if (jobserver__open(&c->js, getenv("MAKEFLAGS"), why, sizeof(why))) {
		c->o.js = open_js = &c->js;
		atexit(close_jobserver);
		pr_info("btfstream: make's jobserver (%s): readers beyond the first take a token each", c->js.desc);
	} else if (*why) {
		pr_info("btfstream: no jobserver: %s", why);
	}
}

/* --trace FILE: started before the pipeline, written after it (a failed
 * run writes none). 0, or 1 after one line. */
static int start_trace(const char *path)
{
	if (!trace__start(path))
		return 0;
	pr_warn("btfstream: trace: %s: out of memory", path);
	return 1;
}

static int finish_trace(const char *path, const char *input, int run_err)
{
	const char *what = "write";
	int err;

	if (run_err) {
		trace__discard();
		return 0;
	}
	if (!(err = trace__write(input, &what)))
		return 0;
	pr_warn("btfstream: trace: %s: cannot %s: %s", path, what, strerror(-err));
	return 1;
}

/* Before any thread: temporary outputs go on a signal; libbpf's own lines
 * only at -v, a failure being one line (stages/common/libbpf_log.h); what
 * the libbpf we run with accepts, probed while no other thread can use it
 * (stages/common/libbpf_caps.h: batch mode's workers all read it). */
static void setup_process(void)
{
	interrupt__install();
	libbpf_set_print(libbpf_log__print);
	libbpf_caps__get();
}

/* --stats: the pipeline's figures with how this process was set up. */
static void report_stats(const struct cli *c, struct run_stats *stats)
{
	const struct pipeline_opts *o = &c->o;

	stats->features = features__describe(&o->features);
	stats->heap = huge_heap__describe();
	stats->memory_limit_from = o->memory_limit_from;
	if (o->js) {
		stats->jobserver = o->js->desc;
		stats->tokens_max = atomic_load(&o->js->held_max);
		stats->tokens_taken = atomic_load(&o->js->taken);
	}
	if (!strcmp(c->stats_fmt, "json"))
		stats__print_json(stats, stdout);
	else
		stats__print_table(stats, stdout);
}

int main(int argc, char **argv)
{
	struct cli c = { .o = { .sz = sizeof(c.o) } };
	struct pipeline_opts *o = &c.o;
	struct run_stats stats;
	int err;

	if (argc > 1 && !strcmp(argv[1], "diff"))
		return diff__main(argc - 1, argv + 1, stdout);
	setup_process();
	log__hold();	/* until the second start is decided: each line once (huge_heap.h) */
	if (!(c.fops = calloc(argc, sizeof(*c.fops))) || !(c.argv = calloc(argc + 1, sizeof(*c.argv)))) {
		free(c.fops);
		pr_warn("btfstream: out of memory");
		return 1;
	}
	features__default(&o->features);
	memcpy(c.argv, argv, (size_t)argc * sizeof(*argv));	/* as given: getopt reorders argv */
	err = parse_args(argc, argv, &c);
	free(c.fops);	/* applied by parse_args */
	if (err >= 0) {
		free(c.argv);
		return err;
	}
	budget_from_cgroup(&c, c.modules_dir || optind + 1 < argc ? batch__workers(o->jobs, SIZE_MAX) : 1);
	huge_heap__reexec(c.argv, o->memory_limit != 0);	/* before any thread, file or token */
	free(c.argv);	/* (the second start was decided) */
	c.argv = NULL;
	log__release();
	o->huge_pages = huge_heap__on();
	pr_info("btfstream: heap: %s", huge_heap__describe());
	use_jobserver(&c);
	set_malloc_policy(o, c.modules_dir || optind + 1 < argc);
	if ((c.modules_dir || optind + 1 < argc) && o->output && check_output_folder(o->output, true))
		return 1;
	if (c.modules_dir || optind + 1 < argc)
		exit(run_batch(o, argv + optind, argc - optind, c.modules_dir, c.pahole_J, c.stats_fmt, c.trace));
	if (optind + 1 != argc) {
		pr_warn("btfstream: no input ELF file given; see --help");
		return 2;
	}
	o->input = argv[optind];
	if (!o->output && (o->embed || c.pahole_J)) {	/* pahole -J FILE: .BTF into FILE */
		o->embed = true;
		o->output = o->input;
	}
	if (!o->output) {
		pr_warn("btfstream: %s: no output file given (-o OUT, or --embed)", o->input);
		return 2;
	}
	if (check_output_folder(o->output, false))
		return 1;
	o->progress = want_progress(c.progress, argv[0]);
	if (c.trace && (check_output_folder(c.trace, false) || start_trace(c.trace)))
		return 1;
	o->exit_after = true;	/* main exits right after: nothing to free */
	err = pipeline__run(o, c.stats_fmt ? &stats : NULL);	/* (stats read only with --stats) */
	if (c.trace && finish_trace(c.trace, o->input, err))
		err = -EIO;
	if (c.stats_fmt && !err)
		report_stats(&c, &stats);
	exit(err ? 1 : 0);
}
