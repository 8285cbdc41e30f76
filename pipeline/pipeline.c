/* pipeline/pipeline.c: the driver. run_stages, at the end, reads top to
 * bottom as the list of passes:
 *   1. open: the input, its relocations, the CU index, the ELF symbols
 *   2. read + write + merge, concurrently (pipeline/threads.h): readers push
 *      CUs into their rings, the writer (this thread) turns them into
 *      batches, the merge thread dedups each batch into the whole
 *   3. the writer's end of the stream: DATASECs and FUNCs, on the merged BTF
 *   4. the final dedup, while another thread frees the read side
 *   5. distill (split BTF with distilled_base: the .BTF.base)
 *   6. emit
 * Each stage hands its product to the next through this file; none calls
 * back into it.
 */
#include "pipeline/pipeline.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <urcu.h>

#include <bpf/btf.h>

#include "pipeline/sizing.h"
#include "pipeline/switches.h"
#include "pipeline/threads.h"
#include "stages/common/libbpf_caps.h"
#include "stages/common/log.h"
#include "stages/common/trace.h"
#include "stages/dedup/base_prune.h"
#include "stages/dedup/split_late.h"
#include "stages/dedup/dedup.h"
#include "stages/dedup/merge.h"
#include "stages/distill/distill.h"
#include "stages/emit/emit.h"
#include "stages/input/base_btf.h"
#include "stages/input/cu_index.h"
#include "stages/input/elf_funcs.h"
#include "stages/input/elf_kfuncs.h"
#include "stages/input/elf_vars.h"
#include "stages/input/input.h"
#include "stages/read/name_cache.h"
#include "stages/read/no_symbol_names.h"
#include "stages/write/write_btf.h"
#include "stages/write/write_end.h"
#include "strtab/strtab.h"

struct pipeline {
	const struct pipeline_opts *opts;
	struct fail fail;
	struct input in;
	struct cu_index idx;
	struct elf_vars vars;
	struct elf_funcs funcs;
	struct elf_kfuncs kfuncs;
	struct btf *base;		/* --base, read-only once loaded */
	struct base_prune *prune;	/* on base, for the final dedup; NULL: none */
	bool split_late;		/* the module read on no base, made split BTF at the end */
	struct split_late sl;		/* ... its extended base, from the dedup to its end */
	struct read_opts read;		/* from opts->features and the input */
	struct name_cache names;	/* .debug_str offset -> strtab id, for the readers */
	struct no_symbol_names no_symbol;	/* function names without a symbol, the readers' */
	struct strtab *strtab;
	bool to_exit;			/* the process ends right after, with no memory budget:
					   the strtab and the uncompacted BTF are left to it
					   (switches.h; set as the run starts) */
	struct run_threads threads;
	struct btf_writer writer;
	struct merger merger;		/* the merge thread's until it is joined */
	struct btf *btf;		/* the merged BTF, taken from the merger */
	struct btf *dist_base;		/* distilled base under btf (stage 5), or NULL */
	struct progress progress;	/* the line on stderr (opts->progress) */
	struct anchor_ids fin;		/* its anchors' final ids, for the writer's end */
	pthread_t cleanup_tid;		/* frees the read side during dedup */
	struct btf *uncompacted;	/* the final dedup's BTF before its strings were
					   compacted, left to the process's end (to_exit) */
	struct btf *acc_strs;		/* under btf (and uncompacted) until the compaction:
					   the accumulated strings (stages/dedup/acc_btf.h) */
	bool cleanup_started;
};

/* ---- 1. open ---- */

static void index_progress(void *ctx, uint64_t bytes)
{
	input__release_debug_info(ctx, bytes);
}

/* The location lists: read with pread where the file holds them as the
 * readers need them (neither relocated in the mapping nor decompressed
 * into it); in the mapping otherwise (stages/read/sec_window.h says why). */
static void read_locations(const struct input *in, struct param_loc_sections *locs)
{
	const unsigned char *map = in->map;
	bool from_file = in->fd_open && !in->relocatable && !in->image;

	if (in->loclists_size && from_file)
		locs->loclists_file = (struct sec_file){ in->fd, in->loclists_off, in->loclists_size };
	else if (in->loclists_size) {
		locs->loclists = map + in->loclists_off;
		locs->loclists_end = locs->loclists + in->loclists_size;
	}
	if (in->loc_size && from_file)
		locs->loc_file = (struct sec_file){ in->fd, in->loc_off, in->loc_size };
	else if (in->loc_size) {
		locs->loc = map + in->loc_off;
		locs->loc_end = locs->loc + in->loc_size;
	}
}

/* The readers' view of the input: byte order, word size, machine, the
 * sections they read directly, the features that shape their records. */
static void read_opts_from_input(struct pipeline *p)
{
	const struct btf_features *ft = &p->opts->features;
	const struct input *in = &p->in;
	const char *map = in->map;

	p->read = (struct read_opts){
		.big_endian = in->big_endian, .addr_size = in->elf_class == ELFCLASS32 ? 4 : 8,
		.machine = in->machine, .gen_floats = ft->gen_floats, .type_tag = ft->type_tag,
		.decl_tag = ft->decl_tag, .enum64 = ft->enum64, .funcs = true, .elf_funcs = &p->funcs,
		.vars = ft->var || ft->global_var ? &p->vars : NULL, .names = &p->names,
		.lang_exclude = p->opts->lang_exclude, .n_lang_exclude = p->opts->n_lang_exclude,
		.type_hashes = switches__predup(),
	};
	p->read.btf_bytes = !p->read.type_hashes && switches__btf_bytes();
	if (in->debug_info_off) {
		p->read.info_lo = map + in->debug_info_off;
		p->read.info_hi = p->read.info_lo + p->idx.bytes;
	}
	if (in->abbrev_size) {
		p->read.abbrev_lo = (const unsigned char *)map + in->abbrev_off;
		p->read.abbrev_hi = p->read.abbrev_lo + in->abbrev_size;
	}
	if (in->debug_str_size && map[in->debug_str_off + in->debug_str_size - 1] == '\0') {
		p->read.debug_str = map + in->debug_str_off;
		p->read.debug_str_size = in->debug_str_size;
	}
	read_locations(in, &p->read.locs);
}

/* .debug_info where the CU index may read its headers with pread: in the
 * file as it is (not relocated in the mapping, not decompressed into it). */
static const struct cu_index_file *index_file(const struct input *in, struct cu_index_file *cf)
{
	if (!in->fd_open || in->relocatable || in->image || !in->debug_info_off || !in->debug_info_size)
		return NULL;
	*cf = (struct cu_index_file){ .fd = in->fd, .off = in->debug_info_off, .size = in->debug_info_size,
				      .big_endian = in->big_endian };
	return cf;
}

static int stage_open(struct pipeline *p, struct run_stats *s)
{
	const struct pipeline_opts *o = p->opts;
	struct cu_index_file cf;
	struct stage_clock m;
	int err;

	stats__clock_start(&m, "cu_index");
	if (o->base_btf)
		p->base = (struct btf *)o->base_btf;	/* read-only use; the caller owns it */
	else if (o->base) {
		char why[512];

		if (!(p->base = base_btf__load(o->base, &err, why, sizeof(why))))
			return fail__set(&p->fail, err, "input: %s: %s", o->base, why);
	}
	if ((err = input__open(&p->in, o->input, &p->fail)) ||
	    (err = cu_index__build(&p->idx, p->in.dwarf, index_file(&p->in, &cf), o->input, &p->fail, index_progress,
				   &p->in)) ||
	    (err = elf_vars__build(&p->vars, &p->in, o->features.global_var, &p->fail)) ||
	    (err = elf_funcs__build(&p->funcs, &p->in, &p->fail)) ||
	    (err = elf_kfuncs__build(&p->kfuncs, p->in.elf, p->in.big_endian, o->input, &p->fail)))
		return err;
	input__release_debug_info(&p->in, p->idx.bytes);
	/* the index read every CU's DIE: the main handle now caches every CU's
	 * abbreviations, which nothing needs again */
	dwarf_end(p->in.dwarf);
	p->in.dwarf = NULL;
	if (name_cache__init(&p->names, p->in.debug_str_size ? (const char *)p->in.map + p->in.debug_str_off : NULL,
			     p->in.debug_str_size))
		return fail__set(&p->fail, -ENOMEM, "input: %s: out of memory", o->input);
	read_opts_from_input(p);
	/* (with --funcs-report each is sent, and the report lists it) */
	if (p->read.debug_str && !o->funcs_report && switches__no_symbol_names()) {
		if (no_symbol_names__init(&p->no_symbol, p->read.debug_str, p->read.debug_str_size))
			return fail__set(&p->fail, -ENOMEM, "input: %s: out of memory", o->input);
		p->read.no_symbol = &p->no_symbol;
	}
	stats__clock_stop(&m, s, p->idx.count, "CUs")->bytes = p->idx.bytes;
	return 0;
}

/* ---- 2. read, write and merge, concurrently ---- */

/* What the readers could not map, said once, after a successful read. */
static void warn_unmapped(struct pipeline *p)
{
	struct read_stats rs;

	if (fail__is_set(&p->fail))	/* a failed run says one thing */
		return;
	run_threads__read_stats(&p->threads, &rs);
	if (rs.unsupported)
		pr_warn("btfstream: read: %s: %llu DWARF types have no BTF equivalent (imaginary/decimal floats); "
			"references to them became void", p->opts->input, (unsigned long long)rs.unsupported);
	if (rs.unresolved)
		pr_info("btfstream: read: %s: %llu references to DIEs without a type became void", p->opts->input,
			(unsigned long long)rs.unresolved);
}

/* Presized from the input: ~1 distinct name per KiB of .debug_info on the
 * Debian vmlinux (128 K names, 160 MiB); small inputs (modules) get one
 * small table, quick to make and to tear down: with eight, the 1,121
 * Debian modules in batch mode took 5-8% more CPU (setting up, emptying and
 * destroying eight RCU hash tables per module), and a module is read by one
 * or two readers, too few to contend on one table. */
static int make_strtab(struct pipeline *p)
{
	p->strtab = strtab__new(&(struct strtab_opts){
		.sz = sizeof(struct strtab_opts),
		.shards = p->idx.bytes < (64u << 20) ? 1 : 0,
		.expected_strings = p->idx.bytes / 1024 < 1024 ? 1024 : p->idx.bytes / 1024,
	});
	return p->strtab ? 0 : fail__set(&p->fail, -ENOMEM, "read: %s: out of memory", p->opts->input);
}

/* The merge thread's view of the strtab (stages/record/batch.h). */
static const char *batch_name_str(const void *strtab, uint32_t id, size_t *len)
{
	return strtab__str(strtab, id, len);
}

static int setup_threads(struct pipeline *p, struct run_size *rs)
{
	const struct pipeline_opts *o = p->opts;
	struct run_threads_opts to = {
		.sz = sizeof(to), .nreaders = rs->readers, .queue_capacity = rs->queue_capacity,
		.window = rs->window,
		.read = &p->read, .strtab = p->strtab, .js = o->js,
		.memory_limit = rs->memory_limit, .merge_threads = rs->merge_threads,
	};
	int err;

	/* one module on a base of its own: read on no base, made split BTF at
	 * the end (stages/dedup/split_late.h); not in batch mode, whose workers
	 * pay libbpf's index of the base's strings once for all their modules */
	p->split_late = p->base && !o->base_btf && !o->features.distilled_base && split_late__enabled() &&
			split_late__usable(p->base);
	if ((err = run_threads__init(&p->threads, &p->in, &p->idx, &to, &p->fail)) ||
	    (err = merger__init(&p->merger, p->split_late ? NULL : p->base, o->input, &p->fail)))
		return err;
	if (!p->split_late)	/* (no compaction of split BTF: merge_compact.h) */
		merger__budget(&p->merger, rs->memory_limit);
	p->merger.base_strs = o->base_strs;	/* (used on the base it indexes only) */
	if (btf_writer__init(&p->writer, p->strtab, o->input, &p->fail, rs->batch_records, &p->threads.batch_ring,
			     run_threads__batch_images(rs->merge_threads, rs->readers)))
		return fail__set(&p->fail, -ENOMEM, "write: %s: out of memory", o->input);
	p->writer.predup = p->read.type_hashes;
	p->writer.no_symbol_cands = o->funcs_report != NULL;	/* (the report lists them) */
	p->writer.huge_images = o->huge_pages;
	/* names as strtab ids where libbpf only compares them (bare batch
	 * strings, on a libbpf that takes them: one that checks names refuses a
	 * bare batch, which is then hashed, and needs offsets for that); not
	 * with pre-dedup, which compares written offsets (stages/write/predup.c) */
	if (p->merger.strings == BATCH_STRINGS_BARE && !libbpf_caps__get()->names_checked && !p->writer.predup &&
	    !getenv("BTFSTREAM_BATCH_NAME_OFFSETS")) {
		p->writer.names_as_ids = true;
		merger__names_as_ids(&p->merger, (struct batch_names){ batch_name_str, p->strtab }, !p->split_late);
	}
	/* exact copies left out where batch names are ids; the order to
	 * decide a CU's types in made by its reader, unless one reader is the
	 * run's path (the merge thread then makes it). The readers' threads
	 * start later: they see this. */
	p->writer.exact = p->read.btf_bytes && p->writer.names_as_ids && switches__exact();
	p->read.type_order = p->writer.exact && rs->readers > 1;
	if (p->writer.exact && rs->chunk_bytes)	/* (the merge thread walks every batch) */
		btf_writer__chunks(&p->writer, rs->chunk_bytes, rs->chunk_images);
	return 0;
}

/* A --memory-limit under the floor (pipeline/sizing.c) is raised to it;
 * said once per process (batch mode runs many pipelines). */
static void warn_memory_floor(const struct pipeline *p, const struct run_size *rs)
{
	static atomic_flag said = ATOMIC_FLAG_INIT;
	size_t asked = p->opts->memory_limit;

	if (!asked || rs->memory_limit == asked || atomic_flag_test_and_set(&said))
		return;
	pr_warn("btfstream: warning: %s %zu KiB is below the %zu MiB a run with %u reader%s needs; using %zu MiB",
		p->opts->memory_limit_from ? "the memory budget from the cgroup's limit," : "--memory-limit", asked >> 10,
		rs->memory_limit >> 20, rs->readers, rs->readers == 1 ? "" : "s", rs->memory_limit >> 20);
}

static void writer_stats(struct pipeline *p, struct run_stats *s)
{
	struct read_stats rs;

	run_threads__read_stats(&p->threads, &rs);
	s->types_read = p->writer.records;
	s->cu_types_bytes = p->read.btf_bytes;
	s->exact = p->writer.exact;
	s->exact_order_read = p->read.type_order;
	s->predup = p->writer.predup;
	s->predup_matched = p->writer.pd.matched;
	s->predup_checks = p->writer.pd.checks;
	s->predup_failed = p->writer.pd.failed;
	s->predup_guarded = rs.guarded;
	s->images_made = p->writer.pool.made;
	s->images_reused = p->writer.pool.reused;
	s->image_wait_ns = p->writer.pool.wait_ns;
	s->chunks = p->writer.chunks;
	s->chunk_bytes = p->writer.chunk_bytes;
	s->relocated = p->in.relocatable;
	s->units_let_go_ok = p->in.release_units;
	s->rela_let_go = p->in.rela_let_go;
	s->rela_unmapped = p->in.rela_unmapped;
	s->units_kept = p->in.units_kept;
	s->units_let_go = p->in.units_let_go;
}

static int stage_read_write(struct pipeline *p, struct run_stats *s)
{
	struct run_size rs;
	struct stage_clock m;
	uint64_t t0;
	int err;

	sizing__pick(p->opts, p->idx.count, p->idx.bytes, &rs);
	warn_memory_floor(p, &rs);
	s->memory_limit = rs.memory_limit;
	progress__start(&p->progress, p->opts->progress, p->opts->input);
	if ((err = make_strtab(p)) || (err = setup_threads(p, &rs)))
		return err;
	stats__clock_start(&m, "read_write");
	err = run_threads__start(&p->threads, &p->merger);
	if (!err)
		err = run_threads__write(&p->threads, &p->writer, &p->progress);
	t0 = trace__now();
	if (!err)
		err = btf_writer__finish(&p->writer);
	/* the names the functions and DATASECs will have, placed in the
	 * accumulated strings when the merge thread hands them over
	 * (stages/write/named_type.h) */
	if (!err && p->merger.raw_chosen && switches__named_end() &&
	    !(err = btf_writer__end_names(&p->writer, &p->vars)))
		merger__end_names(&p->merger, p->writer.end_names, p->writer.nend_names);
	if (!err)
		run_threads__batches_end(&p->threads);
	/* while the merge thread dedups the last batches and hands the
	 * accumulated BTF over: the functions' name order (names only, no
	 * types needed) */
	if (!err)
		err = btf_writer__order_funcs(&p->writer);
	progress__end(&p->progress);
	trace__slice("write: last batch, function order", t0, trace__now(), NULL, 0);
	t0 = trace__now();
	run_threads__stop(&p->threads, err != 0);
	trace__slice("wait: the merge thread's last batches", t0, trace__now(), NULL, 0);
	if (!err && fail__is_set(&p->fail))
		err = p->fail.err;
	warn_unmapped(p);
	run_threads__stats(&p->threads, s, stats__now_ns() - m.wall0, stats__thread_cpu_ns() - m.cpu0,
			   p->writer.records);
	writer_stats(p, s);
	stats__sample_memory(s);
	return err;
}

/* ---- 3. the writer's end of the stream ---- */

/* The names the readers set aside as without a symbol counted into the
 * selection's, less those the writer counted already (no_symbol_names.h). */
static int count_no_symbol(struct pipeline *p, struct func_select_stats *fs)
{
	uint64_t more;

	if (!p->read.no_symbol)
		return 0;
	if (no_symbol_names__count(&p->no_symbol, p->strtab, p->writer.no_symbol, p->writer.no_symbol_words, &more))
		return fail__set(&p->fail, -ENOMEM, "write: %s: out of memory", p->opts->input);
	fs->names += more;
	fs->verdicts[FV_NO_SYMBOL] += more;
	return 0;
}

static int stage_funcs(struct pipeline *p, struct run_stats *s)
{
	const struct btf_features *ft = &p->opts->features;
	struct write_end_opts eo = {
		.sz = sizeof(eo), .vars = &p->vars, .elf_funcs = &p->funcs, .elf_kfuncs = &p->kfuncs,
		.rules = { .consistent_func = ft->consistent_func, .optimized_func = ft->optimized_func,
			   .decl_tag_kfuncs = ft->decl_tag_kfuncs && ft->decl_tag,
			   .attributes = ft->attributes && ft->decl_tag_kfuncs },
		.report_path = p->opts->funcs_report,
	};
	struct stage_clock m;
	struct placed_names placed;
	uint64_t t0;
	int err;

	stats__clock_start(&m, "funcs");
	t0 = trace__now();
	err = merger__take(&p->merger, &p->fin, &p->btf, &p->acc_strs);
	placed = merger__placed(&p->merger);
	eo.placed = placed.off && switches__named_end() ? &placed : NULL;
	s->named_end = eo.placed != NULL;
	if (trace__now() - t0 > 100000)	/* (made by the merge thread unless it could not) */
		trace__slice("funcs: the accumulated BTF to libbpf", t0, trace__now(), NULL, 0);
	if (err)
		fail__set(&p->fail, err, "dedup: %s: cannot make the accumulated BTF: %s", p->opts->input,
			  strerror(-err));
	s->accumulated_types = p->btf ? btf__type_cnt(p->btf) - 1 : 0;
	if (!err)
		err = btf_writer__end_stream(&p->writer, p->btf, &p->fin, &eo, &s->funcs);
	if (!err)
		err = count_no_symbol(p, &s->funcs);
	stats__clock_stop(&m, s, s->funcs.verdicts[FV_EMITTED], "FUNCs");
	btf_writer__fini(&p->writer);
	anchor_ids__free(&p->fin);
	stats__sample_memory(s);
	return err;
}

/* ---- 4. the final dedup, with the read side freed beside it ---- */

/* What only reading and function selection use: the readers (each freed
 * its libdw handle, and the last one the name cache, as it ran out of CUs:
 * threads.c reader_done; done again here is a no-op), the strtab (126K
 * strings in RCU hash tables: ~30 ms to empty), the CU index, the symbols
 * and variables. */
static void free_read_side(struct pipeline *p)
{
	run_threads__free(&p->threads);
	if (!p->to_exit)
		strtab__free(p->strtab);
	p->strtab = NULL;
	name_cache__fini(&p->names);
	no_symbol_names__fini(&p->no_symbol);
	cu_index__free(&p->idx);
	elf_vars__free(&p->vars);
	elf_funcs__free(&p->funcs);
	elf_kfuncs__free(&p->kfuncs);
}

static void *cleanup_main(void *arg)
{
	uint64_t t0;

	run_threads__name_self("free", -1);
	t0 = trace__now();
	trace__thread("free", -1);
	free_read_side(arg);
	trace__slice("free the read side", t0, trace__now(), NULL, 0);
	return NULL;
}

/* Once the functions are chosen the read side is done with: it is freed on
 * a thread of its own while this one dedups and writes (if that thread
 * cannot start, pipeline__run frees it at the end). */
static void start_cleanup(struct pipeline *p)
{
	if (pthread_create(&p->cleanup_tid, NULL, cleanup_main, p) == 0)
		p->cleanup_started = true;
}

/* On a base, the base types the dedup cannot use are hidden from it
 * (stages/dedup/base_prune.h). Nothing but distill reads the base's types
 * after the dedup: without it they stay as the dedup saw them, and a batch's
 * next module changes only what it uses differently. */
static int dedup_split(struct pipeline *p, struct run_stats *s)
{
	struct base_prune *prune = p->opts->base_prune;
	struct btf *base = p->split_late ? p->sl.ext_base : p->base;
	int err;

	if (!base || !base_prune__enabled())
		return dedup__run(p->btf, p->opts->input, &p->fail);
	if (!prune && !(prune = p->prune = p->split_late ? base_prune__new_fixed(base) : base_prune__new(base)))
		return fail__set(&p->fail, -ENOMEM, "dedup: %s: out of memory", p->opts->input);
	s->base_types = btf__type_cnt(p->base) - 1;
	s->base_hidden = base_prune__apply(prune, p->btf);
	err = dedup__run(p->btf, p->opts->input, &p->fail);
	if (p->opts->features.distilled_base)
		base_prune__restore(prune);
	return err;
}

/* The module's BTF (on no base) as split BTF on the extended base, for
 * the dedup (stages/dedup/split_late.h). */
static int split_late_begin(struct pipeline *p)
{
	struct btf *split;
	int err = split_late__make(&p->sl, p->btf, p->base, &split);

	if (err)
		return fail__set(&p->fail, err, "dedup: %s: cannot make split BTF: %s", p->opts->input, strerror(-err));
	btf__free(p->btf);
	p->btf = split;
	return 0;
}

/* The deduped types as split BTF on the real base, with strings of their
 * own again; the extended base (and the pruning on it) go. */
static int split_late_end(struct pipeline *p)
{
	struct btf *out;
	int err = split_late__finish(&p->sl, p->btf, p->base, &out);

	if (err)
		return fail__set(&p->fail, err, "dedup: %s: cannot compact the BTF: %s", p->opts->input, strerror(-err));
	btf__free(p->btf);
	p->btf = out;
	base_prune__free(p->prune);
	p->prune = NULL;
	split_late__fini(&p->sl);
	return 0;
}

static int stage_dedup(struct pipeline *p, struct run_stats *s)
{
	struct stage_clock m;
	int err;

	input__release_all(&p->in);
	stats__clock_start(&m, "dedup");
	err = p->split_late ? split_late_begin(p) : 0;
	s->split = p->base != NULL;
	s->split_late = p->split_late && !err;
	s->split_shared = p->sl.shared;
	s->split_own = p->sl.own;
	if (!err)
		err = dedup_split(p, s);
	if (!err)
		err = p->split_late ? split_late_end(p)
				    : dedup__compact(&p->btf, p->to_exit ? &p->uncompacted : NULL,
						     p->opts->input, &p->fail);
	if (!err && !p->uncompacted) {	/* (the compacted BTF has its own strings) */
		btf__free(p->acc_strs);
		p->acc_strs = NULL;
	}
	s->types_after_dedup = btf__type_cnt(p->btf) - (p->base ? btf__type_cnt(p->base) : 1);
	stats__clock_stop(&m, s, s->types_after_dedup, "types");
	stats__sample_memory(s);
	return err;
}

/* ---- 5. distill ---- */

static int stage_distill(struct pipeline *p, struct run_stats *s)
{
	struct btf *split = NULL;
	struct stage_clock m;
	int err;

	stats__clock_start(&m, "distill");
	err = distill__run(p->btf, &p->dist_base, &split, p->opts->input, &p->fail);
	if (!err) {
		btf__free(p->btf);
		p->btf = split;
		s->distilled_base_types = btf__type_cnt(p->dist_base) - 1;
	}
	stats__clock_stop(&m, s, err ? 0 : s->distilled_base_types, "base types");
	return err;
}

/* ---- 6. emit ---- */

/* The raw BTF of b in the target's byte order, for one section. */
static int section_of(struct pipeline *p, struct btf *b, const char *name, struct emit_section *sec)
{
	sec->name = name;
	sec->data = emit__raw_data(b, p->in.big_endian, &sec->size, &p->fail, p->opts->output);
	return sec->data ? 0 : p->fail.err;
}

/* layout: base BTF gets kernel 7.1's layout section; split BTF does not
 * (as pahole: a module's BTF is parsed with its base's). *buf: the new
 * bytes, freed by the caller. */
static int add_layout(struct pipeline *p, struct emit_section *sec, void **buf)
{
	int err;

	if (!p->opts->features.layout)
		return 0;
	if (p->base) {
		pr_info("btfstream: %s: layout: written for base BTF only, not for split BTF (as pahole)",
			p->opts->input);
		return 0;
	}
	err = emit__add_layout(sec->data, sec->size, p->in.big_endian, buf, &sec->size);
	if (err)
		return fail__set(&p->fail, err, "emit: %s: cannot add the layout section: %s", p->opts->output,
				 strerror(-err));
	sec->data = *buf;
	return 0;
}

static int stage_emit(struct pipeline *p, struct run_stats *s)
{
	const struct pipeline_opts *o = p->opts;
	struct emit_section secs[2] = { { .name = ".BTF" }, { .name = ".BTF.base" } };
	struct stage_clock m;
	void *layout_buf = NULL;
	size_t bytes = 0;
	int err;

	stats__clock_start(&m, "emit");
	err = section_of(p, p->btf, ".BTF", &secs[0]);
	if (!err)
		err = add_layout(p, &secs[0], &layout_buf);
	if (!err && p->dist_base)
		err = section_of(p, p->dist_base, ".BTF.base", &secs[1]);
	if (!err && o->embed)
		/* the input is mapped; the copy is made from the file, which
		 * the mapping never changed (it is private) */
		err = emit__elf(o->input, o->output, secs, 2, &p->fail);
	else if (!err)
		err = emit__raw_files(o->output, secs, p->dist_base ? 2 : 1, &p->fail);
	bytes = secs[0].size + secs[1].size;
	free(layout_buf);
	stats__clock_stop(&m, s, err ? 0 : 1, "files")->bytes = err ? 0 : bytes;
	return err;
}

/* distilled_base applies to split BTF, written into an ELF file or by -o;
 * pahole ignores it for --btf_encode_detached, and so does btfstream there
 * (one line under -v). */
static bool wants_distill(const struct pipeline *p)
{
	const struct pipeline_opts *o = p->opts;

	if (!o->features.distilled_base)
		return false;
	if (!p->base) {
		pr_info("btfstream: %s: distilled_base: not split BTF (no --base), nothing to distill", o->input);
		return false;
	}
	if (!o->embed && o->detached_as_pahole) {
		pr_info("btfstream: %s: distilled_base: no .BTF.base for --btf_encode_detached output (as pahole)",
			o->input);
		return false;
	}
	return true;
}

static int run_stages(struct pipeline *p, struct run_stats *s)
{
	int err;

	p->to_exit = switches__leave_to_exit(p->opts) && !p->opts->memory_limit;
	err = stage_open(p, s);
	if (!err)
		err = stage_read_write(p, s);
	if (!err)
		err = stage_funcs(p, s);
	if (!err && (!p->to_exit || p->idx.bytes >= SWITCHES_FREE_READ_SIDE_BYTES))
		start_cleanup(p);
	if (!err)
		err = stage_dedup(p, s);
	if (!err && wants_distill(p))
		err = stage_distill(p, s);
	if (!err)
		err = stage_emit(p, s);
	return err;
}

/* Everything a run holds, once its threads are joined. */
static void free_all(struct pipeline *p, int err)
{
	if (!p->cleanup_started) {
		/* Out of memory: the string table is left to the process's
		 * end. Emptying liburcu's hash tables allocates, and liburcu
		 * aborts when it cannot (docs/reliability.md); a module in
		 * batch mode leaks its (small) table instead. */
		if (err == -ENOMEM || (fail__is_set(&p->fail) && p->fail.err == -ENOMEM))
			p->strtab = NULL;
		free_read_side(p);
	}
	btf_writer__fini(&p->writer);
	merger__fini(&p->merger);
	anchor_ids__free(&p->fin);
	btf__free(p->btf);	/* (on the extended base, after a failure: before it) */
	btf__free(p->uncompacted);
	btf__free(p->acc_strs);
	btf__free(p->dist_base);
	base_prune__free(p->prune);
	split_late__fini(&p->sl);
	if (p->base != p->opts->base_btf)
		btf__free(p->base);
	input__close(&p->in);
}

/* --trace: a wait on any ring is a slice on the waiting thread's track. */
static void ring_wait_slice(bool push, uint64_t t0, uint64_t t1)
{
	trace__slice(push ? "wait: queue full" : "wait: queue empty", t0, t1, NULL, 0);
}

int pipeline__run(const struct pipeline_opts *opts, struct run_stats *stats)
{
	struct run_stats local;
	struct pipeline p;
	uint64_t t0 = stats__now_ns();
	int err;

	if (!stats)
		stats = &local;
	memset(stats, 0, sizeof(*stats));
	/* reading /proc/self/status at each stage's end was ~1.4% of a batch
	 * run's CPU over 224 Debian modules, for figures nobody printed */
	stats->unsampled = stats == &local;
	memset(&p, 0, sizeof(p));
	p.opts = opts;
	rcu_register_thread();
	if (trace_on) {
		trace__thread("main (writer)", -1);
		ring_mpsc_wait_hook = ring_wait_slice;
	}

	err = run_stages(&p, stats);

	if (p.cleanup_started)
		pthread_join(p.cleanup_tid, NULL);
	if (!switches__leave_to_exit(opts))
		free_all(&p, err);
	rcu_unregister_thread();
	stats->wall_ns = stats__now_ns() - t0;
	stats->cpu_ns = stats__process_cpu_ns();
	stats__sample_memory(stats);
	if (err) {
		pr_warn("btfstream: %s", fail__is_set(&p.fail) ? p.fail.msg : strerror(-err));
		return fail__is_set(&p.fail) ? p.fail.err : err;
	}
	return 0;
}
