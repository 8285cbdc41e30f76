/* pipeline/pipeline.c: the driver. run_stages, at the end, reads top to
 * bottom as the list of stages: open (input, relocations, cu index, ELF
 * symbols), readers + writer + merge thread (concurrently), functions and
 * DATASECs, final dedup, emit.
 *
 * Threads: N reader threads, the merge thread (stages/dedup/merge.h: each batch's
 * dedup) and the calling thread, which is the writer.
 * Each reader owns one ring (queue/ring_mpsc.h) and pushes the records of the
 * CUs it claims, in claim order; CUs are claimed in increasing order from one
 * shared cursor, so each ring holds its CUs in increasing order and the writer
 * can take CU k from the ring of whichever reader claimed k without any
 * reordering buffer. A reader may not start CU k before k < consumed + window
 * (consumed: CUs the writer has finished), which bounds the CUs in flight.
 */
#include "pipeline/pipeline.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <urcu.h>

#include <bpf/btf.h>

#include "stages/common/log.h"
#include "pipeline/probes.h"
#include "queue/ring_mpsc.h"
#include "stages/record/arena.h"
#include "stages/dedup/base_prune.h"
#include "stages/input/cu_index.h"
#include "stages/write/datasec.h"
#include "stages/dedup/dedup.h"
#include "stages/emit/emit.h"
#include "stages/write/func_select.h"
#include "stages/input/elf_funcs.h"
#include "stages/input/input.h"
#include "stages/input/elf_kfuncs.h"
#include "stages/dedup/merge.h"
#include "stages/read/name_cache.h"
#include "stages/input/elf_vars.h"
#include "stages/write/write_btf.h"
#include "strtab/strtab.h"

#define WRITER_BATCH 256
#define PIPELINE_PENDING_BATCHES 2	/* batches waiting for the merge thread */
#define AUX_RELEASE_CUS 64		/* release location/range list pages this often */
#define RELEASE_BYTES (1u << 20)	/* release .debug_info behind the writer by this much */

#define NO_OWNER (-1)

struct reader_thread;

struct pipeline {
	const struct pipeline_opts *opts;
	struct input in;
	struct cu_index idx;
	struct strtab *strtab;
	struct elf_vars vars;
	struct elf_funcs funcs;
	struct elf_kfuncs kfuncs;
	struct read_opts read;		/* from opts->features and the input */
	struct fail fail;

	struct reader_thread *readers;
	unsigned int nreaders;
	atomic_uint next_cu;		/* the shared cursor */
	int *owner;			/* CU -> reader, NO_OWNER until claimed; under lock */
	unsigned int consumed;		/* CUs the writer finished; under lock */
	unsigned int window;
	unsigned int dwarf_cus;		/* a reader's Dwarf is begun again after this many CUs */
	size_t max_cu_arena;		/* largest CU arena seen by the writer, bytes */
	struct merger merger;		/* the merge thread's; main thread after the join */
	struct btf *base;		/* --base, read-only once loaded */
	struct base_prune *prune;	/* on base, for the final dedup; NULL: none */
	struct name_cache names;	/* .debug_str offset -> strtab id, for the readers */
	struct ring_mpsc batch_ring;	/* writer -> merge thread, struct btf_batch * */
	struct btf_batch *batch_slots[PIPELINE_PENDING_BATCHES];
	pthread_t merge_tid;
	bool merge_started;
	uint32_t *func_order;		/* func_select__order, made before the merge ends */
	pthread_t cleanup_tid;		/* frees the read side during dedup */
	bool cleanup_started;
	uint64_t merge_cpu_ns, merge_wall_ns;
	bool abort;			/* under lock */
	pthread_mutex_t lock;
	pthread_cond_t cond;		/* claims, progress and abort */
};

struct reader_thread {
	struct pipeline *p;
	unsigned int id;
	pthread_t tid;
	bool started;
	Elf *elf;
	Dwarf *dw;
	struct dwarf_reader rd;
	struct ring_mpsc ring;
	struct type_rec *slots;
	uint64_t wall_ns, cpu_ns, window_wait_ns;

	/* writer side: records popped from this ring but not yet consumed */
	struct type_rec buf[WRITER_BATCH];
	size_t bhead, btail;
};

/* ---- coordination ---- */

static void pipeline_abort(struct pipeline *p)
{
	pthread_mutex_lock(&p->lock);
	p->abort = true;
	pthread_cond_broadcast(&p->cond);
	pthread_mutex_unlock(&p->lock);
	for (unsigned int i = 0; i < p->nreaders; i++)
		ring_mpsc__close(&p->readers[i].ring);
	ring_mpsc__close(&p->batch_ring);
}

static bool lang_excluded(const struct pipeline_opts *o, uint32_t lang)
{
	for (unsigned int i = 0; i < o->n_lang_exclude; i++)
		if (o->lang_exclude[i] == lang)
			return true;
	return false;
}

/* Claim the next CU and wait until the window lets it start. -1: stop. */
static long reader_claim(struct reader_thread *t)
{
	struct pipeline *p = t->p;
	unsigned int cu = atomic_fetch_add(&p->next_cu, 1);
	uint64_t t0;

	if (cu >= p->idx.count)
		return -1;
	pthread_mutex_lock(&p->lock);
	p->owner[cu] = t->id;
	pthread_cond_broadcast(&p->cond);
	t0 = stats__now_ns();
	while (!p->abort && cu >= p->consumed + p->window)
		pthread_cond_wait(&p->cond, &p->lock);
	t->window_wait_ns += stats__now_ns() - t0;
	pthread_mutex_unlock(&p->lock);
	return p->abort ? -1 : (long)cu;
}

static int reader_push_cu(struct reader_thread *t, unsigned int cu, struct arena *arena)
{
	struct type_rec begin = { .kind = REC_CU_BEGIN, .elem = cu }, end = { .kind = REC_CU_END, .elem = cu };

	begin.extra = (uint32_t)t->rd.nrecs;
	begin.index = t->rd.int_ref;
	end.payload = arena;
	if (ring_mpsc__push(&t->ring, &begin) ||
	    ring_mpsc__push_many(&t->ring, t->rd.recs, t->rd.nrecs) ||
	    ring_mpsc__push_many(&t->ring, t->rd.funcs, t->rd.nfuncs) ||
	    ring_mpsc__push(&t->ring, &end))
		return -EPIPE;
	return 0;
}

/*
 * libdw keeps what it parsed for every CU it was asked about (each CU's
 * abbreviations, above all) until dwarf_end: ~12 MB per reader by the end of
 * the vmlinux. A reader never goes back to a CU it has read, so after every
 * READER_DWARF_CUS CUs it ends its Dwarf and begins a fresh one over its own
 * Elf. The new handle finds a CU by reading every unit header before it
 * (libdw has no other way); the kernel maps up to 64 KiB around each header
 * read, so they are read READER_HEADER_STEP CUs at a time, letting those
 * pages go after each step (not for pinned inputs, whose pages stay).
 * BTFSTREAM_READER_DWARF_CUS=N sets the period (tests use 1).
 */
#define READER_DWARF_CUS 256
#define READER_HEADER_STEP 64

static int reader_fresh_dwarf(struct reader_thread *t, long cu)
{
	struct pipeline *p = t->p;
	Dwarf_Die cudie;

	dwarf_end(t->dw);
	t->dw = t->rd.dw = dwarf_begin_elf(t->elf, DWARF_C_READ, NULL);
	if (!t->dw)
		return fail__set(&p->fail, -EINVAL, "%s: cannot read DWARF: %s", p->opts->input, dwarf_errmsg(-1));
	if (p->in.pinned)
		return 0;
	for (long k = READER_HEADER_STEP; k < cu; k += READER_HEADER_STEP) {
		dwarf_offdie(t->dw, p->idx.cus[k].die_off, &cudie);
		input__sweep_released(&p->in);
	}
	return 0;
}

static void *reader_main(void *arg)
{
	struct reader_thread *t = arg;
	struct pipeline *p = t->p;
	uint64_t t0 = stats__now_ns();
	unsigned int cus_read = 0;
	long cu;

	rcu_register_thread();
	while ((cu = reader_claim(t)) >= 0) {
		const struct cu_info *ci = &p->idx.cus[cu];
		struct arena *arena = calloc(1, sizeof(*arena));
		int err = 0;

		if (++cus_read % p->dwarf_cus == 0 && (err = reader_fresh_dwarf(t, cu))) {
			free(arena);
			pipeline_abort(p);
			break;
		}
		t->rd.nrecs = 0;
		t->rd.nfuncs = 0;
		t->rd.int_ref = REF_VOID;
		PROBE_READ_CU_START(cu, t->id);
		if (!arena)
			err = fail__set(&p->fail, -ENOMEM, "read_dwarf: out of memory");
		else if (!lang_excluded(p->opts, ci->lang))
			err = dwarf_reader__read_cu(&t->rd, ci, arena);
		PROBE_READ_CU_END(cu, t->id, t->rd.nrecs);
		if (!err && reader_push_cu(t, cu, arena))
			err = -EPIPE;	/* closed: someone else failed */

		if (err) {
			if (arena)
				arena__free(arena);
			free(arena);
			pipeline_abort(p);
			break;
		}
	}
	rcu_unregister_thread();
	t->cpu_ns = stats__thread_cpu_ns();
	t->wall_ns = stats__now_ns() - t0;
	return NULL;
}

/* ---- the writer (the calling thread) ---- */

/* Next record from reader t's ring, buffered. false once closed and drained. */
static bool writer_next(struct reader_thread *t, struct type_rec *out)
{
	if (t->bhead == t->btail) {
		t->bhead = 0;
		t->btail = ring_mpsc__pop_many(&t->ring, t->buf, WRITER_BATCH);
		if (t->btail == 0)
			return false;
	}
	*out = t->buf[t->bhead++];
	return true;
}

static int writer_wait_owner(struct pipeline *p, unsigned int cu, uint64_t *wait_ns)
{
	uint64_t t0 = stats__now_ns();
	int owner;

	pthread_mutex_lock(&p->lock);
	while (!p->abort && p->owner[cu] == NO_OWNER)
		pthread_cond_wait(&p->cond, &p->lock);
	owner = p->abort ? NO_OWNER : p->owner[cu];
	pthread_mutex_unlock(&p->lock);
	*wait_ns += stats__now_ns() - t0;
	return owner;
}

static void writer_cu_done(struct pipeline *p)
{
	pthread_mutex_lock(&p->lock);
	p->consumed++;
	pthread_cond_broadcast(&p->cond);
	pthread_mutex_unlock(&p->lock);
}

static int writer_run(struct pipeline *p, struct btf_writer *w, uint64_t *owner_wait_ns)
{
	struct type_rec rec;

	for (unsigned int cu = 0; cu < p->idx.count; cu++) {
		int owner = writer_wait_owner(p, cu, owner_wait_ns);
		struct reader_thread *t;
		uint64_t end;

		if (owner == NO_OWNER)
			return -ECANCELED;
		t = &p->readers[owner];
		PROBE_WRITE_CU_START(cu);
		for (;;) {
			if (!writer_next(t, &rec))
				return -ECANCELED;
			if (rec.kind == REC_CU_BEGIN && rec.elem != cu)
				return fail__set(&p->fail, -EPROTO, "write_btf: CU #%u arrived out of order", rec.elem);
			if (btf_writer__add(w, &rec))
				return -EIO;
			if (rec.kind == REC_CU_END) {
				struct arena *a = rec.payload;

				if (a->total > p->max_cu_arena)
					p->max_cu_arena = a->total;
				arena__free(rec.payload);
				free(rec.payload);
				break;
			}
		}
		writer_cu_done(p);
		PROBE_WRITE_CU_END(cu, w->records);
		/* CUs done with: let their input pages go, a MiB at a time (each
		 * madvise interrupts the readers' cores to flush their TLBs) */
		end = p->in.debug_info_off + p->idx.cus[cu].off + p->idx.cus[cu].size;
		if (p->in.debug_info_off && end - __atomic_load_n(&p->in.released, __ATOMIC_RELAXED) >= RELEASE_BYTES)
			input__release_until(&p->in, end);
		if (cu % AUX_RELEASE_CUS == AUX_RELEASE_CUS - 1)
			input__release_aux(&p->in);
	}
	return 0;
}

/* After an abort: free the arenas still queued. Readers are joined. */
static void drain_rings(struct pipeline *p)
{
	struct type_rec rec;

	for (unsigned int i = 0; i < p->nreaders; i++) {
		struct reader_thread *t = &p->readers[i];

		ring_mpsc__close(&t->ring);
		while (writer_next(t, &rec))
			if (rec.kind == REC_CU_END && rec.payload) {
				arena__free(rec.payload);
				free(rec.payload);
			}
	}
}

/* ---- setup and teardown ---- */

static unsigned int pick_jobs(const struct pipeline_opts *o, size_t ncus)
{
	long n = o->jobs ? (long)o->jobs : sysconf(_SC_NPROCESSORS_ONLN);

	if (n < 1)
		n = 1;
	if ((size_t)n > ncus)
		n = (long)ncus;
	return (unsigned int)n;
}

static size_t pow2_at_least(size_t v)
{
	size_t n = 2;

	while (n < v)
		n <<= 1;
	return n;
}

/* --memory-limit: an eighth of the budget for the rings, and one CU arena
 * (MEMORY_PER_CU: the largest per-CU arena on the Debian vmlinux measures
 * 256 KiB, --stats shows it) per window slot from another eighth (at 64M, the
 * 8 CUs of the default before it was raised for speed). Explicit
 * --queue-capacity and --window win. Neither changes the output. */
#define MEMORY_PER_CU (1u << 20)

static void apply_memory_limit(const struct pipeline_opts *o, unsigned int nreaders, size_t *cap,
			       unsigned int *window)
{
	size_t ring_bytes, slots;

	if (!o->memory_limit)
		return;
	ring_bytes = o->memory_limit / 8 / nreaders;
	if (!o->queue_capacity) {
		for (*cap = 2; *cap * 2 * sizeof(struct type_rec) <= ring_bytes && *cap < PIPELINE_DEFAULT_QUEUE_CAPACITY;)
			*cap *= 2;
	}
	slots = o->memory_limit / 8 / MEMORY_PER_CU;
	if (!o->window)
		*window = slots < nreaders ? nreaders : (slots < *window ? (unsigned int)slots : *window);
}

/* Records per dedup batch: explicit, else from --memory-limit (a batch of
 * n records costs about 1 KiB per record at its peak, raw image and libbpf's
 * dedup tables together), else the default. The cuts never change the bytes
 * (tests/integ/0003). */
static uint64_t batch_records(const struct pipeline_opts *o)
{
	uint64_t n;

	if (o->batch_records)
		return o->batch_records;
	if (!o->memory_limit)
		return PIPELINE_BATCH_RECORDS;
	n = o->memory_limit / 1024;
	return n < 4096 ? 4096 : (n > PIPELINE_BATCH_RECORDS ? PIPELINE_BATCH_RECORDS : n);
}

static int readers_setup(struct pipeline *p)
{
	const struct pipeline_opts *o = p->opts;
	size_t cap = pow2_at_least(o->queue_capacity ? o->queue_capacity : PIPELINE_DEFAULT_QUEUE_CAPACITY);
	int err;

	p->nreaders = pick_jobs(o, p->idx.count);
	p->window = o->window ? o->window : PIPELINE_DEFAULT_WINDOW_PER_JOB * p->nreaders;
	apply_memory_limit(o, p->nreaders, &cap, &p->window);
	p->dwarf_cus = getenv("BTFSTREAM_READER_DWARF_CUS") ? (unsigned int)atoi(getenv("BTFSTREAM_READER_DWARF_CUS")) : 0;
	if (!p->dwarf_cus)
		p->dwarf_cus = READER_DWARF_CUS;
	p->readers = calloc(p->nreaders, sizeof(*p->readers));
	p->owner = malloc(p->idx.count * sizeof(*p->owner));
	if (!p->readers || !p->owner)
		return fail__set(&p->fail, -ENOMEM, "pipeline: out of memory");
	for (size_t i = 0; i < p->idx.count; i++)
		p->owner[i] = NO_OWNER;
	for (unsigned int i = 0; i < p->nreaders; i++) {
		struct reader_thread *t = &p->readers[i];

		t->p = p;
		t->id = i;
		t->slots = malloc(cap * sizeof(*t->slots));
		if (!t->slots || ring_mpsc__init(&t->ring, t->slots, cap, sizeof(*t->slots)))
			return fail__set(&p->fail, -ENOMEM, "pipeline: out of memory");
		if ((err = input__open_dwarf(&p->in, &t->elf, &t->dw, &p->fail)))
			return err;
		t->rd.opts = &p->read;
		t->rd.strtab = p->strtab;
		t->rd.path = o->input;
		t->rd.dw = t->dw;
		t->rd.fail = &p->fail;
	}
	return 0;
}

/* Thread names for perf, top -H and gdb: "btfs-read0", "btfs-merge". */
static void name_thread(pthread_t tid, const char *what, int i)
{
	char name[16];

	if (i >= 0)
		snprintf(name, sizeof(name), "btfs-%s%d", what, i % 1000);
	else
		snprintf(name, sizeof(name), "btfs-%s", what);
	pthread_setname_np(tid, name);
}

static int readers_start(struct pipeline *p)
{
	for (unsigned int i = 0; i < p->nreaders; i++) {
		int err = pthread_create(&p->readers[i].tid, NULL, reader_main, &p->readers[i]);

		if (err) {
			pipeline_abort(p);
			return fail__set(&p->fail, -err, "pipeline: cannot start reader thread: %s", strerror(err));
		}
		p->readers[i].started = true;
		name_thread(p->readers[i].tid, "read", i);
	}
	return 0;
}

static void readers_join(struct pipeline *p)
{
	for (unsigned int i = 0; i < p->nreaders; i++)
		if (p->readers[i].started) {
			pthread_join(p->readers[i].tid, NULL);
			p->readers[i].started = false;
		}
}

static void readers_free(struct pipeline *p)
{
	for (unsigned int i = 0; p->readers && i < p->nreaders; i++) {
		struct reader_thread *t = &p->readers[i];

		dwarf_reader__fini(&t->rd);
		ring_mpsc__destroy(&t->ring);
		free(t->slots);
		input__close_dwarf(t->elf, t->dw);
	}
	free(p->readers);
	free(p->owner);
}

/* ---- stats ---- */

/* What the readers could not map, said once, after a successful read. */
static void warn_unmapped(struct pipeline *p)
{
	uint64_t unsupported = 0, unresolved = 0;

	if (fail__is_set(&p->fail))	/* a failed run says one thing */
		return;
	for (unsigned int i = 0; i < p->nreaders; i++) {
		unsupported += p->readers[i].rd.stats.unsupported;
		unresolved += p->readers[i].rd.stats.unresolved;
	}
	if (unsupported)
		pr_warn("btfstream: %s: %llu DWARF types have no BTF equivalent (imaginary/decimal floats); "
			"references to them became void",
			p->opts->input, (unsigned long long)unsupported);
	if (unresolved)
		pr_info("btfstream: %s: %llu references to DIEs without a type became void", p->opts->input,
			(unsigned long long)unresolved);
}

static void stats_readers(struct pipeline *p, struct run_stats *s, uint64_t wall)
{
	struct stage_stat *all = stats__add(s, "read");
	struct strtab_stats ss;

	all->items_what = "records";
	all->wall_ns = wall;
	for (unsigned int i = 0; i < p->nreaders; i++) {
		struct reader_thread *t = &p->readers[i];
		struct stage_stat *st = stats__add(s, "read.thread");
		struct ring_mpsc_stats rs;

		ring_mpsc__stats(&t->ring, &rs);
		if (!st)
			continue;
		st->items_what = "records";
		st->wall_ns = t->wall_ns;
		st->cpu_ns = t->cpu_ns;
		st->items = t->rd.stats.records;
		st->bytes = t->rd.stats.bytes;
		st->blocked_full_ns = rs.push_blocked_ns + t->window_wait_ns;
		st->high_water = rs.high_water;
		all->cpu_ns += st->cpu_ns;
		all->items += st->items;
		all->bytes += st->bytes;
		all->blocked_full_ns += st->blocked_full_ns;
		if (rs.high_water > all->high_water)
			all->high_water = rs.high_water;
	}
	strtab__stats(p->strtab, &ss);
	s->strings = ss.strings;
	all = stats__add(s, "strtab");
	if (all) {	/* runs inside the readers: its time is theirs */
		all->items_what = "strings";
		all->items = ss.strings;
		all->bytes = ss.bytes_copied;
	}
}

/* ---- the run: one function per stage ---- */

/* A stage row with its wall and CPU time measured from the marks in *m. */
struct stage_clock {
	uint64_t wall0, cpu0;
	const char *name;
};

static void clock_start(struct stage_clock *m, const char *name)
{
	m->name = name;
	PROBE_STAGE_START(name);
	m->wall0 = stats__now_ns();
	m->cpu0 = stats__thread_cpu_ns();
}

static struct stage_stat *clock_stop(const struct stage_clock *m, struct run_stats *s, const char *name,
				     uint64_t items, const char *items_what)
{
	static struct stage_stat dummy;
	struct stage_stat *st = stats__add(s, name);

	PROBE_STAGE_END(m->name);
	if (!st)
		st = &dummy;
	st->wall_ns = stats__now_ns() - m->wall0;
	st->cpu_ns = stats__thread_cpu_ns() - m->cpu0;
	st->items = items;
	st->items_what = items_what;
	return st;
}

static void index_progress(void *ctx, uint64_t bytes)
{
	input__release_debug_info(ctx, bytes);
}

/* 1. open the input, index its CUs, collect the symbols later stages need */
static int stage_open(struct pipeline *p, struct run_stats *s)
{
	const struct pipeline_opts *o = p->opts;
	struct stage_clock m;
	int err;

	clock_start(&m, "cu_index");
	if (o->base_btf)
		p->base = (struct btf *)o->base_btf;	/* read-only use; the caller owns it */
	else if (o->base && !(p->base = btf__parse(o->base, NULL)))
		return fail__set(&p->fail, -errno, "%s: cannot read base BTF (raw BTF, or an ELF file with .BTF): %s",
				 o->base, strerror(errno));
	if ((err = input__open(&p->in, o->input, &p->fail)) ||
	    (err = cu_index__build(&p->idx, p->in.dwarf, o->input, &p->fail, index_progress, &p->in)) ||
	    (err = elf_vars__build(&p->vars, &p->in, o->features.global_var, &p->fail)) ||
	    (err = elf_funcs__build(&p->funcs, &p->in, &p->fail)) ||
	    (err = elf_kfuncs__build(&p->kfuncs, p->in.elf, p->in.big_endian, o->input, &p->fail)))
		return err;
	input__release_debug_info(&p->in, p->idx.bytes);
	/* the index read every CU's DIE: the main handle now caches every CU's
	 * abbreviations, which nothing needs again */
	dwarf_end(p->in.dwarf);
	p->in.dwarf = NULL;
	p->read = (struct read_opts){
		.big_endian = p->in.big_endian,
		.addr_size = p->in.elf_class == ELFCLASS32 ? 4 : 8,
		.machine = p->in.machine,
		.gen_floats = o->features.gen_floats,
		.type_tag = o->features.type_tag,
		.decl_tag = o->features.decl_tag,
		.enum64 = o->features.enum64,
		.funcs = true,
		.elf_funcs = &p->funcs,
		.vars = o->features.var || o->features.global_var ? &p->vars : NULL,
	};
	if (p->in.debug_info_off) {
		p->read.info_lo = (const char *)p->in.map + p->in.debug_info_off;
		p->read.info_hi = p->read.info_lo + p->idx.bytes;
	}
	if (p->in.abbrev_size) {
		p->read.abbrev_lo = (const unsigned char *)p->in.map + p->in.abbrev_off;
		p->read.abbrev_hi = p->read.abbrev_lo + p->in.abbrev_size;
	}
	if (p->in.debug_str_size && ((const char *)p->in.map)[p->in.debug_str_off + p->in.debug_str_size - 1] == '\0') {
		p->read.debug_str = (const char *)p->in.map + p->in.debug_str_off;
		p->read.debug_str_size = p->in.debug_str_size;
	}
	if (name_cache__init(&p->names, p->in.debug_str_size ? (const char *)p->in.map + p->in.debug_str_off : NULL,
			     p->in.debug_str_size))
		return fail__set(&p->fail, -ENOMEM, "pipeline: out of memory");
	p->read.names = &p->names;
	if (p->in.loclists_size) {
		p->read.locs.loclists = (const unsigned char *)p->in.map + p->in.loclists_off;
		p->read.locs.loclists_end = p->read.locs.loclists + p->in.loclists_size;
	}
	if (p->in.loc_size) {
		p->read.locs.loc = (const unsigned char *)p->in.map + p->in.loc_off;
		p->read.locs.loc_end = p->read.locs.loc + p->in.loc_size;
	}
	clock_stop(&m, s, "cu_index", p->idx.count, "CUs")->bytes = p->idx.bytes;
	return 0;
}

/* ---- the merge thread: batch dedup, overlapped with reading ---- */

static void *merge_main(void *arg)
{
	struct pipeline *p = arg;
	struct btf_batch *b;
	uint64_t t0 = stats__now_ns();

	while (ring_mpsc__pop(&p->batch_ring, &b) == 0) {
		PROBE_STAGE_START("merge_batch");
		if (!fail__is_set(&p->fail) && merger__add(&p->merger, b))
			pipeline_abort(p);
		btf_batch__free_raw(b);	/* merger__add took it; after an abort nobody did */
		PROBE_STAGE_END("merge_batch");
	}
	p->merge_cpu_ns = stats__thread_cpu_ns();
	p->merge_wall_ns = stats__now_ns() - t0;
	return NULL;
}

/* The writer's flush: hand the batch to the merge thread (blocks while
 * PIPELINE_PENDING_BATCHES are waiting, which bounds their memory). */
static int flush_batch(void *ctx, struct btf_batch *b)
{
	struct pipeline *p = ctx;

	if (ring_mpsc__push(&p->batch_ring, &b)) {
		btf_batch__free_raw(b);
		return -ECANCELED;
	}
	return 0;
}

static int merge_start(struct pipeline *p)
{
	int err;

	if (merger__init(&p->merger, p->base, p->opts->input, &p->fail) ||
	    ring_mpsc__init(&p->batch_ring, p->batch_slots, PIPELINE_PENDING_BATCHES, sizeof(struct btf_batch *)))
		return fail__set(&p->fail, -ENOMEM, "merge: out of memory");
	if ((err = pthread_create(&p->merge_tid, NULL, merge_main, p)))
		return fail__set(&p->fail, -err, "pipeline: cannot start the merge thread: %s", strerror(err));
	p->merge_started = true;
	name_thread(p->merge_tid, "merge", -1);
	return 0;
}

static void merge_join(struct pipeline *p)
{
	ring_mpsc__close(&p->batch_ring);
	if (p->merge_started)
		pthread_join(p->merge_tid, NULL);
	p->merge_started = false;
}

/* 5b. after the merge: the DATASECs, and which functions become FUNCs */
static int add_datasecs(struct pipeline *p, struct btf_writer *w)
{
	struct final_secinfo *fs = malloc((w->nsecinfo + 1) * sizeof(*fs));
	int err;

	if (!fs)
		return fail__set(&p->fail, -ENOMEM, "datasec: out of memory");
	for (size_t i = 0; i < w->nsecinfo; i++)
		fs[i] = (struct final_secinfo){ btf_writer__final_id(w, w->secinfo[i].var), w->secinfo[i].offset,
						w->secinfo[i].size, w->secinfo[i].slot };
	err = datasec__add_all(p->merger.btf, &p->vars, fs, w->nsecinfo);
	free(fs);
	return err ? fail__set(&p->fail, err, "datasec: %s: %s", p->opts->input, strerror(-err)) : 0;
}

static int stage_funcs(struct pipeline *p, struct run_stats *s, struct btf_writer *w)
{
	const struct btf_features *ft = &p->opts->features;
	struct func_rules rules = {
		.consistent_func = ft->consistent_func,
		.optimized_func = ft->optimized_func,
		.decl_tag_kfuncs = ft->decl_tag_kfuncs && ft->decl_tag,
	};
	struct func_select_stats fs = { 0 };
	struct func_param *params = NULL;
	struct stage_clock m;
	FILE *report = NULL;
	int err;

	clock_start(&m, "funcs");
	if ((err = add_datasecs(p, w)))
		return err;
	if (btf_writer__resolve_funcs(w, &params))
		return fail__set(&p->fail, -ENOMEM, "funcs: out of memory");
	if (p->opts->funcs_report && !(report = fopen(p->opts->funcs_report, "w")))
		err = fail__set(&p->fail, -errno, "funcs: %s: cannot write the report: %s", p->opts->funcs_report,
				strerror(errno));
	if (!err)
		err = func_select__run(p->merger.btf, p->strtab, w->cands, w->ncands, p->func_order, params, w->tags,
				       &p->funcs, &p->kfuncs, &rules, report, &fs, &p->fail);
	if (report && fclose(report) && !err)
		err = fail__set(&p->fail, -EIO, "funcs: %s: cannot write the report", p->opts->funcs_report);
	free(params);
	clock_stop(&m, s, "funcs", fs.verdicts[FV_EMITTED], "FUNCs");
	s->funcs = fs;
	return err;
}

static void stats_write_merge(struct pipeline *p, struct run_stats *s, const struct stage_clock *m,
			      const struct btf_writer *w, uint64_t owner_wait)
{
	struct stage_stat *st = clock_stop(m, s, "write", w->records, "types");
	struct ring_mpsc_stats rs;

	for (unsigned int i = 0; i < p->nreaders; i++) {
		ring_mpsc__stats(&p->readers[i].ring, &rs);
		st->blocked_empty_ns += rs.pop_blocked_ns;
	}
	st->blocked_empty_ns += owner_wait;
	ring_mpsc__stats(&p->batch_ring, &rs);
	st->blocked_full_ns = rs.push_blocked_ns;
	st = stats__add(s, "merge");
	if (st) {
		st->wall_ns = p->merge_wall_ns;
		st->cpu_ns = p->merge_cpu_ns;
		st->items = p->merger.batches;
		st->items_what = "batches";
		st->bytes = p->merger.raw_bytes;
		st->blocked_empty_ns = rs.pop_blocked_ns;
		st->high_water = rs.high_water;
	}
	s->types_before_dedup = p->merger.types_in;
}

/* 2-6a. readers, strtab, the writer and the merge thread, concurrently */
static int stage_read_write(struct pipeline *p, struct run_stats *s)
{
	const struct pipeline_opts *o = p->opts;
	struct stage_clock m;
	struct btf_writer w;
	uint64_t owner_wait = 0;
	int err;

	/* presized from the input: ~1 distinct name per KiB of .debug_info on
	 * the Debian vmlinux (128 K names, 160 MiB); small inputs (modules)
	 * get small tables, which are also quick to tear down */
	p->strtab = strtab__new(&(struct strtab_opts){
		.sz = sizeof(struct strtab_opts),
		.shards = p->idx.bytes < (64u << 20) ? 8 : 0,
		.expected_strings = p->idx.bytes / 1024 < 1024 ? 1024 : p->idx.bytes / 1024,
	});
	if (!p->strtab)
		return fail__set(&p->fail, -ENOMEM, "strtab: out of memory");
	if ((err = readers_setup(p)) || (err = merge_start(p)))
		return err;
	if (btf_writer__init(&w, p->strtab, o->input, &p->fail, batch_records(o), flush_batch, p))
		return fail__set(&p->fail, -ENOMEM, "write_btf: out of memory");
	s->jobs = p->nreaders;
	clock_start(&m, "read_write");
	err = readers_start(p);
	if (!err)
		err = writer_run(p, &w, &owner_wait);
	if (!err)
		err = btf_writer__finish(&w);
	/* while the merge thread dedups the last batches: the functions' name
	 * order (names only, no types needed) */
	if (!err && w.ncands && !(p->func_order = func_select__order(p->strtab, w.cands, w.ncands)))
		err = fail__set(&p->fail, -ENOMEM, "funcs: out of memory");
	if (err)
		pipeline_abort(p);
	readers_join(p);
	if (err)
		drain_rings(p);
	merge_join(p);
	if (!err && fail__is_set(&p->fail))
		err = p->fail.err;
	warn_unmapped(p);
	stats_readers(p, s, stats__now_ns() - m.wall0);
	s->max_cu_arena_bytes = p->max_cu_arena;
	s->window = p->window;
	stats_write_merge(p, s, &m, &w, owner_wait);
	stats__sample_memory(s);
	if (!err)
		err = stage_funcs(p, s, &w);
	btf_writer__fini(&w);
	stats__sample_memory(s);
	return err;
}

/* The final dedup; on a base, with the base types it cannot use hidden
 * (stages/dedup/base_prune.h) */
static int dedup_split(struct pipeline *p, struct run_stats *s, struct btf *btf)
{
	struct base_prune *prune = p->opts->base_prune;
	int err;

	if (!p->base || !base_prune__enabled())
		return dedup__run(btf, p->opts->input, &p->fail);
	if (!prune && !(prune = p->prune = base_prune__new(p->base)))
		return fail__set(&p->fail, -ENOMEM, "dedup: %s: out of memory", p->opts->input);
	s->base_types = btf__type_cnt(p->base) - 1;
	s->base_hidden = base_prune__apply(prune, btf);
	err = dedup__run(btf, p->opts->input, &p->fail);
	base_prune__restore(prune);
	return err;
}

/* 6. dedup */
static int stage_dedup(struct pipeline *p, struct run_stats *s, struct btf *btf)
{
	struct stage_clock m;
	int err;

	/* the BTF holds copies of everything now: no input page is needed */
	p->in.released = 0;
	input__release_until(&p->in, p->in.size);
	clock_start(&m, "dedup");
	err = dedup_split(p, s, btf);
	if (!err)
		err = dedup__compact(&p->merger.btf, p->opts->input, &p->fail);
	btf = p->merger.btf;
	s->types_after_dedup = btf__type_cnt(btf) - (p->base ? btf__type_cnt(p->base) : 1);
	clock_stop(&m, s, "dedup", s->types_after_dedup, "types");
	stats__sample_memory(s);
	return err;
}

/* 7. emit */
static int stage_emit(struct pipeline *p, struct run_stats *s, struct btf *btf)
{
	struct stage_clock m;
	size_t bytes = 0;
	int err;

	clock_start(&m, "emit");
	if (p->opts->embed) {
		const void *data = emit__raw_data(btf, p->in.big_endian, &bytes, &p->fail, p->opts->output);

		/* the input is mapped; the copy is made from the file, which the
		 * mapping never changed (it is private) */
		err = data ? emit__elf(p->opts->input, p->opts->output, data, bytes, &p->fail) : p->fail.err;
	} else {
		err = emit__raw(btf, p->in.big_endian, p->opts->output, &bytes, &p->fail);
	}
	clock_stop(&m, s, "emit", err ? 0 : 1, "files")->bytes = bytes;
	return err;
}

/* What only reading and function selection use: the readers (their libdw
 * handles), the strtab (126K strings in RCU hash tables: ~30 ms to empty),
 * the name cache, the CU index, the symbols and variables. */
static void free_read_side(struct pipeline *p)
{
	readers_free(p);
	p->readers = NULL;
	p->owner = NULL;
	strtab__free(p->strtab);
	p->strtab = NULL;
	name_cache__fini(&p->names);
	cu_index__free(&p->idx);
	free(p->func_order);
	p->func_order = NULL;
	elf_vars__free(&p->vars);
	elf_funcs__free(&p->funcs);
	elf_kfuncs__free(&p->kfuncs);
}

static void *cleanup_main(void *arg)
{
	free_read_side(arg);
	return NULL;
}

/* Once the functions are chosen the read side is done with: it is freed on
 * a thread of its own while this one dedups and writes (if that thread
 * cannot start, pipeline__run frees it at the end). */
static void start_cleanup(struct pipeline *p)
{
	if (pthread_create(&p->cleanup_tid, NULL, cleanup_main, p) == 0) {
		p->cleanup_started = true;
		name_thread(p->cleanup_tid, "free", -1);
	}
}

static int run_stages(struct pipeline *p, struct run_stats *s)
{
	int err;

	err = stage_open(p, s);
	if (!err)
		err = stage_read_write(p, s);
	if (!err)
		start_cleanup(p);
	if (!err)
		err = stage_dedup(p, s, p->merger.btf);
	if (!err)
		err = stage_emit(p, s, p->merger.btf);
	return err;
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
	memset(&p, 0, sizeof(p));
	p.opts = opts;
	pthread_mutex_init(&p.lock, NULL);
	pthread_cond_init(&p.cond, NULL);
	rcu_register_thread();

	err = run_stages(&p, stats);

	if (p.cleanup_started)
		pthread_join(p.cleanup_tid, NULL);
	else
		free_read_side(&p);
	merger__fini(&p.merger);
	base_prune__free(p.prune);
	if (p.base != opts->base_btf)
		btf__free(p.base);
	ring_mpsc__destroy(&p.batch_ring);
	input__close(&p.in);
	rcu_unregister_thread();
	pthread_cond_destroy(&p.cond);
	pthread_mutex_destroy(&p.lock);
	stats->wall_ns = stats__now_ns() - t0;
	stats->cpu_ns = stats__process_cpu_ns();
	stats__sample_memory(stats);
	if (err) {
		pr_warn("btfstream: %s", fail__is_set(&p.fail) ? p.fail.msg : strerror(-err));
		return fail__is_set(&p.fail) ? p.fail.err : err;
	}
	return 0;
}
