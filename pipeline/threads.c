/* pipeline/threads.c: see threads.h. */
#include "pipeline/threads.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <urcu.h>

#include "pipeline/jobserver.h"
#include "pipeline/stats.h"
#include "stages/common/libbpf_caps.h"
#include "stages/common/probes.h"
#include "stages/common/trace.h"
#include "stages/dedup/merge.h"
#include "stages/read/name_cache.h"
#include "stages/record/arena.h"
#include "stages/write/write_btf.h"
#include "strtab/strtab.h"

#define NO_OWNER (-1)
#define TRACE_WAIT_MIN_NS 1000		/* shorter waits are not slices of --trace */
#define AUX_RELEASE_CUS 64		/* release location/range list pages this often */
#define RELEASE_BYTES (1u << 20)	/* release .debug_info behind the writer by this much */
#define RELEASE_BY_READERS_MIN (8u << 20)	/* .debug_info whose pages the readers let go as they go */

struct reader_thread {
	struct run_threads *rt;
	unsigned int id;
	pthread_t tid;
	bool started;
	Elf *elf;
	Dwarf *dw;
	struct dwarf_reader rd;
	struct ring_mpsc ring;
	struct type_rec *slots;
	uint64_t wall_ns, cpu_ns, window_wait_ns;
	uint64_t dwarf_renewals;	/* times its Dwarf was begun again */

	/* writer side: records popped from this ring but not yet consumed */
	struct type_rec buf[RUN_WRITER_BATCH];
	size_t bhead, btail;
};

void run_threads__abort(struct run_threads *rt)
{
	pthread_mutex_lock(&rt->lock);
	rt->abort = true;
	pthread_cond_broadcast(&rt->cond);
	pthread_mutex_unlock(&rt->lock);
	for (unsigned int i = 0; rt->readers && i < rt->nreaders; i++)
		ring_mpsc__close(&rt->readers[i].ring);
	ring_mpsc__close(&rt->batch_ring);
}

/* ---- the readers ---- */

/* Claim the next CU and wait until the window lets it start. -1: stop. */
static long reader_claim(struct reader_thread *t)
{
	struct run_threads *rt = t->rt;
	unsigned int cu = atomic_fetch_add(&rt->next_cu, 1);
	uint64_t t0, t1;

	if (cu >= rt->idx->count)
		return -1;
	pthread_mutex_lock(&rt->lock);
	rt->owner[cu] = (int)t->id;
	pthread_cond_broadcast(&rt->cond);
	t0 = stats__now_ns();
	if (!rt->abort && cu >= rt->consumed + rt->window)
		ring_mpsc__flush(&t->ring);	/* the writer moves the window */
	while (!rt->abort && cu >= rt->consumed + rt->window)
		pthread_cond_wait(&rt->cond, &rt->lock);
	t1 = stats__now_ns();
	t->window_wait_ns += t1 - t0;
	pthread_mutex_unlock(&rt->lock);
	if (t1 - t0 >= TRACE_WAIT_MIN_NS)
		trace__slice("wait: window", t0, t1, "cu", cu);
	return rt->abort ? -1 : (long)cu;
}

/*
 * libdw keeps what it parsed for every CU it was asked about (each CU's
 * abbreviations, above all: ~4 KB a CU) until dwarf_end. The readers ask it
 * about few DIEs (stages/read/die_attrs.h); a CU during which they did is
 * counted (read_stats.libdw_cus). A reader never goes back to a CU it has
 * read, so after READER_DWARF_CUS such CUs it ends its Dwarf and begins a
 * fresh one over its own Elf (on the Debian vmlinux, now never: a few
 * hundred CUs ask, ~12 MB per reader when every CU did). The new handle
 * finds a CU by reading every unit header before it (libdw has no other
 * way); the kernel maps up to 64 KiB around each header read, so they are
 * read READER_HEADER_STEP CUs at a time, letting those pages go after each
 * step (not for pinned inputs, whose pages stay).
 * That re-reading costs as many header reads as there are CUs before the
 * current one, so with many small CUs (hundreds of thousands: generated
 * code, a fuzzer's input) a fixed period would make reading quadratic: the
 * period grows with the position, at least a sixteenth of the CUs before
 * (READER_DWARF_REREAD), which keeps the header reads linear (at most 16 per
 * CU) and leaves the vmlinux (3K CUs) at 256. BTFSTREAM_READER_DWARF_CUS=N
 * sets a fixed period instead (tests use 1).
 */
#define READER_DWARF_CUS 256
/* Under a budget of READER_TIGHT_BUDGET or less, after 64 such CUs: when
 * every CU asked libdw (before session 18), the cgroup's peak on the vmlinux
 * under --memory-limit 32M fell by 3 MiB (47 -> 44), for ~10% more time. */
#define READER_DWARF_CUS_TIGHT 64
#define READER_TIGHT_BUDGET (48u << 20)
#define READER_DWARF_REREAD 16
#define READER_HEADER_STEP 64

static int reader_fresh_dwarf(struct reader_thread *t, long cu)
{
	struct run_threads *rt = t->rt;
	uint64_t t0 = trace__now();
	Dwarf_Die cudie;
	int err = 0;

	dwarf_end(t->dw);
	t->dw = t->rd.dw = dwarf_begin_elf(t->elf, DWARF_C_READ, NULL);
	if (!t->dw)
		err = fail__set(rt->fail, -EINVAL, "read: %s: cannot read DWARF: %s", rt->in->path, dwarf_errmsg(-1));
	for (long k = READER_HEADER_STEP; !err && !rt->in->pinned && k < cu; k += READER_HEADER_STEP) {
		dwarf_offdie(t->dw, rt->idx->cus[k].die_off, &cudie);
		input__sweep_released(rt->in);
	}
	trace__slice("libdw begun again", t0, trace__now(), "cu", cu);
	return err;
}

/* A reader beyond the first, under make's jobserver: waits for a token
 * while there are CUs left to claim. The token's index, or -1: stop. */
#define TOKEN_POLL_MS 20

static int reader_take_token(struct reader_thread *t)
{
	struct run_threads *rt = t->rt;
	uint64_t t0 = trace__now();
	int token;

	while ((token = jobserver__try_acquire(rt->js)) < 0) {
		bool stop;

		pthread_mutex_lock(&rt->lock);
		stop = rt->abort;
		pthread_mutex_unlock(&rt->lock);
		if (stop || atomic_load(&rt->next_cu) >= rt->idx->count)
			break;
		jobserver__wait(rt->js, TOKEN_POLL_MS);
	}
	if (trace__now() - t0 >= TRACE_WAIT_MIN_NS)
		trace__slice("wait: a jobserver token", t0, trace__now(), "got", token >= 0);
	return token;
}

/* n readers out (one that ends, or those that could not start): the last
 * out empties the shared name cache (3.5 MB on the vmlinux) and hands the
 * release rounds to the writer (pipeline/releaser.h). */
static void readers_out(struct run_threads *rt, unsigned int n)
{
	if (atomic_fetch_sub(&rt->readers_live, n) != n)
		return;
	if (rt->names)
		name_cache__fini(rt->names);
	releaser__readers_gone(&rt->rel);
}

/* A reader out of CUs frees what only reading needs, on its own thread and
 * before the writer's end of the stream, whose peak it would add to: its
 * libdw handle (~2-3 MB by then), its scratch, and what the last reader out
 * lets go (readers_out). Its stats stay. */
static void reader_done(struct reader_thread *t)
{
	struct run_threads *rt = t->rt;

	ring_mpsc__flush(&t->ring);	/* its last CUs, below the wake batch */
	dwarf_reader__fini(&t->rd);
	if (t->dw)
		dwarf_end(t->dw);
	t->dw = t->rd.dw = NULL;
	readers_out(rt, 1);
}

static void *reader_main(void *arg)
{
	struct reader_thread *t = arg;
	struct run_threads *rt = t->rt;
	uint64_t t0 = stats__now_ns();
	unsigned long since = 0;	/* CUs read on this Dwarf */
	uint64_t asked0 = 0;		/* read_stats.libdw_cus when it began */
	int token = -1;			/* a jobserver token held (reader_take_token) */
	long cu;

	run_threads__name_self("read", (int)t->id);
	rcu_register_thread();
	trace__thread("read", (int)t->id);
	if (t->id > 0 && rt->js && (token = reader_take_token(t)) < 0)
		goto out;
	for (;;) {
		/* a handle due to be begun again is, before the next claim: the
		 * CU the writer waits for is never one whose reader is busy
		 * re-reading unit headers (46 ms late in the vmlinux) */
		unsigned long next = atomic_load(&rt->next_cu);
		uint64_t asked = t->rd.stats.libdw_cus - asked0;

		if (next < rt->idx->count && since >= rt->dwarf_cus &&
		    (rt->dwarf_cus_fixed || (asked >= rt->dwarf_cus && since * READER_DWARF_REREAD >= next))) {
			since = 0;
			asked0 = t->rd.stats.libdw_cus;
			t->dwarf_renewals++;
			if (reader_fresh_dwarf(t, (long)next)) {
				run_threads__abort(rt);
				break;
			}
		}
		if ((cu = reader_claim(t)) < 0)
			break;
		since++;
		const struct cu_info *ci = &rt->idx->cus[cu];
		uint64_t c0 = trace__now();

		if (dwarf_reader__push_cu(&t->rd, ci, (unsigned int)cu, &t->ring)) {
			run_threads__abort(rt);
			break;
		}
		trace__slice("read CU", c0, trace__now(), "cu", cu);
		releaser__help(&rt->rel);	/* what the writer posted (releaser.h) */
	}
out:
	reader_done(t);
	if (token >= 0)
		jobserver__release(rt->js, token);
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
		t->btail = ring_mpsc__pop_many(&t->ring, t->buf, RUN_WRITER_BATCH);
		if (t->btail == 0)
			return false;
	}
	*out = t->buf[t->bhead++];
	return true;
}

static int writer_wait_owner(struct run_threads *rt, unsigned int cu)
{
	uint64_t t0 = stats__now_ns();
	int owner;

	uint64_t t1;

	pthread_mutex_lock(&rt->lock);
	while (!rt->abort && rt->owner[cu] == NO_OWNER)
		pthread_cond_wait(&rt->cond, &rt->lock);
	owner = rt->abort ? NO_OWNER : rt->owner[cu];
	pthread_mutex_unlock(&rt->lock);
	t1 = stats__now_ns();
	rt->owner_wait_ns += t1 - t0;
	if (t1 - t0 >= TRACE_WAIT_MIN_NS)
		trace__slice("wait: no reader has the CU yet", t0, t1, "cu", cu);
	return owner;
}

static void writer_cu_done(struct run_threads *rt, unsigned int cu)
{
	uint64_t end;
	bool aux;

	pthread_mutex_lock(&rt->lock);
	rt->consumed++;
	pthread_cond_broadcast(&rt->cond);
	pthread_mutex_unlock(&rt->lock);
	/* CUs done with: let their input pages go, a MiB at a time (each
	 * madvise interrupts the readers' cores to flush their TLBs), by a
	 * reader between CUs (pipeline/releaser.h) */
	input__release_unit(rt->in, rt->idx->cus[cu].off, rt->idx->cus[cu].size);
	end = rt->in->debug_info_off + rt->idx->cus[cu].off + rt->idx->cus[cu].size;
	aux = cu % AUX_RELEASE_CUS == AUX_RELEASE_CUS - 1;
	if (rt->in->debug_info_off && end - rt->release_posted >= RELEASE_BYTES)
		rt->release_posted = end;
	else if (!aux)
		return;
	releaser__post(&rt->rel, rt->release_posted, aux);
}

static void free_arena(struct run_threads *rt, struct arena *a)
{
	if (!a)
		return;
	if (a->total > rt->max_cu_arena)
		rt->max_cu_arena = a->total;
	arena__free(a);
	free(a);
}

/* CU number cu, from reader t's ring into w. */
static int write_cu(struct run_threads *rt, struct reader_thread *t, struct btf_writer *w, unsigned int cu)
{
	struct type_rec rec;

	for (;;) {
		if (!writer_next(t, &rec))
			return -ECANCELED;
		if (rec.kind == REC_CU_BEGIN && rec.elem != cu)
			return fail__set(rt->fail, -EPROTO, "write: %s: CU #%u arrived out of order", rt->in->path,
					 rec.elem);
		if (btf_writer__add(w, &rec))
			return -EIO;
		if (rec.kind == REC_CU_END) {
			free_arena(rt, rec.payload);
			return 0;
		}
	}
}

int run_threads__write(struct run_threads *rt, struct btf_writer *w, struct progress *pr)
{
	uint64_t done = 0;

	for (unsigned int cu = 0; cu < rt->idx->count; cu++) {
		int owner = writer_wait_owner(rt, cu), err;

		if (owner == NO_OWNER)
			return -ECANCELED;
		uint64_t t0 = trace__now();

		done += rt->idx->cus[cu].size;
		btf_writer__input(w, done, rt->idx->bytes);

		PROBE_WRITE_CU_START(cu);
		if ((err = write_cu(rt, &rt->readers[owner], w, cu)))
			return err;
		writer_cu_done(rt, cu);
		trace__slice("write CU", t0, trace__now(), "cu", cu);
		PROBE_WRITE_CU_END(cu, w->records);
		progress__tick(pr, cu + 1, rt->idx->count, w->nbatches);
	}
	return 0;
}

/* After an abort: free the arenas still queued. Readers are joined. */
static void drain_rings(struct run_threads *rt)
{
	struct type_rec rec;

	for (unsigned int i = 0; i < rt->nreaders; i++) {
		struct reader_thread *t = &rt->readers[i];

		ring_mpsc__close(&t->ring);
		while (writer_next(t, &rec))
			if (rec.kind == REC_CU_END && rec.payload) {
				arena__free(rec.payload);
				free(rec.payload);
			}
	}
}

/* ---- the merge thread: each batch's dedup, overlapped with reading ---- */

static void *merge_main(void *arg)
{
	struct run_threads *rt = arg;
	unsigned int i = atomic_fetch_add(&rt->merge_ids, 1);
	uint64_t end;

	run_threads__name_self("merge", rt->nmergers > 1 ? (int)i : -1);
	trace__thread("merge", rt->nmergers > 1 ? (int)i : -1);
	merger__run(rt->merger, &rt->batch_ring);
	rt->merge_cpu[i] = stats__thread_cpu_ns();
	end = stats__now_ns();
	for (uint64_t e = atomic_load(&rt->merge_end); e < end;)
		if (atomic_compare_exchange_weak(&rt->merge_end, &e, end))
			break;
	return NULL;
}

/* ---- setup, start, stop ---- */

/*
 * With one reader, it wakes the writer (asleep on its empty ring, as it is
 * most of the time: it writes a CU ~10x faster than the reader reads one)
 * once half its ring waits, not once per CU: ~3 CUs a wake on the vmlinux.
 * A wake-up is a system call on the reader's thread, the run's path at -j1,
 * and an interrupt to the writer's CPU: ~20 us each on this machine, and the
 * vmlinux has 2,172 CUs (docs/design.md, session 27). The reader wakes it at
 * once before it waits for the writer (for the window; a full ring wakes it
 * by itself), and at its end (tests/integ/0037 hangs without either). With
 * more readers each wakes the writer per CU:
 * there the writer waits for one CU of one reader, and a late wake-up holds
 * back every reader through the window (measured: no gain at -j2).
 * BTFSTREAM_WAKE_BATCH=N sets N records for every ring (0: per CU).
 */
static size_t reader_wake_batch(const struct run_threads_opts *o)
{
	const char *e = getenv("BTFSTREAM_WAKE_BATCH");

	if (e && *e)
		return strtoul(e, NULL, 10);
	return o->nreaders == 1 ? o->queue_capacity / 2 : 0;
}

int run_threads__init(struct run_threads *rt, struct input *in, const struct cu_index *idx,
		      const struct run_threads_opts *o, struct fail *f)
{
	const char *period = getenv("BTFSTREAM_READER_DWARF_CUS");
	int err;

	memset(rt, 0, sizeof(*rt));
	rt->in = in;
	rt->idx = idx;
	rt->fail = f;
	rt->strtab = o->strtab;
	rt->names = o->read ? o->read->names : NULL;
	rt->nreaders = o->nreaders;
	rt->js = o->js;
	rt->window = o->window;
	rt->nmergers = o->merge_threads < 1 ? 1
		     : o->merge_threads > SIZING_MERGE_THREADS_MAX ? SIZING_MERGE_THREADS_MAX : o->merge_threads;
	rt->wake_batch = reader_wake_batch(o);
	rt->dwarf_cus_fixed = period && atoi(period) > 0;
	rt->dwarf_cus = rt->dwarf_cus_fixed ? (unsigned int)atoi(period)
			: o->memory_limit && o->memory_limit <= READER_TIGHT_BUDGET ? READER_DWARF_CUS_TIGHT
			: READER_DWARF_CUS;
	pthread_mutex_init(&rt->lock, NULL);
	pthread_cond_init(&rt->cond, NULL);
	rt->readers = calloc(rt->nreaders, sizeof(*rt->readers));
	rt->owner = malloc((idx->count + 1) * sizeof(*rt->owner));
	if (!rt->readers || !rt->owner ||
	    ring_mpsc__init(&rt->batch_ring, rt->batch_slots, RUN_PENDING_BATCHES, sizeof(struct btf_batch *)))
		return fail__set(f, -ENOMEM, "read: %s: out of memory", in->path);
	for (size_t i = 0; i < idx->count; i++)
		rt->owner[i] = NO_OWNER;
	for (unsigned int i = 0; i < rt->nreaders; i++) {
		struct reader_thread *t = &rt->readers[i];

		t->rt = rt;
		t->id = i;
		t->slots = malloc(o->queue_capacity * sizeof(*t->slots));
		if (!t->slots || ring_mpsc__init(&t->ring, t->slots, o->queue_capacity, sizeof(*t->slots)))
			return fail__set(f, -ENOMEM, "read: %s: out of memory", in->path);
		ring_mpsc__set_wake_batch(&t->ring, rt->wake_batch);
		if ((err = input__open_dwarf(in, &t->elf, &t->dw, f)))
			return err;
		t->rd = (struct dwarf_reader){ .opts = o->read, .strtab = o->strtab, .path = in->path,
					       .dw = t->dw, .fail = f, .id = i };
	}
	return 0;
}

/* Thread names for perf, top -H and gdb: "btfs-read0", "btfs-merge". */
void run_threads__name_self(const char *what, int i)
{
	char name[16];

	if (i >= 0)
		snprintf(name, sizeof(name), "btfs-%s%d", what, i % 1000);
	else
		snprintf(name, sizeof(name), "btfs-%s", what);
	pthread_setname_np(pthread_self(), name);
}

int run_threads__start(struct run_threads *rt, struct merger *m)
{
	int err;

	rt->merger = m;
	rt->read_wall0 = stats__now_ns();
	rt->release_posted = input__released(rt->in);
	/* (or the writer lets pages go itself: a module's are kept, see
	 * input.h, and a small input's few are not worth the readers' rounds) */
	releaser__start(&rt->rel, rt->in, !rt->in->pinned && rt->in->debug_info_size >= RELEASE_BY_READERS_MIN);
	merger__threads(m, rt->nmergers);	/* (a failure to start one fails the run) */
	for (unsigned int i = 0; i < rt->nmergers; i++) {
		if ((err = pthread_create(&rt->merge_tid[i], NULL, merge_main, rt))) {
			run_threads__abort(rt);
			return fail__set(rt->fail, -err, "dedup: %s: cannot start a merge thread: %s",
					 rt->in->path, strerror(err));
		}
		rt->mergers_started = i + 1;
	}
	/* all counted first: a reader done before the next one starts is not
	 * the last out */
	atomic_store(&rt->readers_live, rt->nreaders);
	for (unsigned int i = 0; i < rt->nreaders; i++) {
		if ((err = pthread_create(&rt->readers[i].tid, NULL, reader_main, &rt->readers[i]))) {
			run_threads__abort(rt);
			readers_out(rt, rt->nreaders - i);	/* those that will not start */
			return fail__set(rt->fail, -err, "read: %s: cannot start reader thread: %s", rt->in->path,
					 strerror(err));
		}
		rt->readers[i].started = true;
	}
	return 0;
}

void run_threads__batches_end(struct run_threads *rt)
{
	ring_mpsc__close(&rt->batch_ring);
}

void run_threads__stop(struct run_threads *rt, bool failed)
{
	if (failed)
		run_threads__abort(rt);
	for (unsigned int i = 0; rt->readers && i < rt->nreaders; i++)
		if (rt->readers[i].started) {
			pthread_join(rt->readers[i].tid, NULL);
			rt->readers[i].started = false;
		}
	if (failed && rt->readers)
		drain_rings(rt);
	ring_mpsc__close(&rt->batch_ring);
	for (unsigned int i = 0; i < rt->mergers_started; i++)
		pthread_join(rt->merge_tid[i], NULL);
	rt->mergers_started = 0;
	releaser__stop(&rt->rel);
}

void run_threads__free(struct run_threads *rt)
{
	if (!rt->fail)	/* never set up */
		return;
	for (unsigned int i = 0; rt->readers && i < rt->nreaders; i++) {
		struct reader_thread *t = &rt->readers[i];

		dwarf_reader__fini(&t->rd);
		ring_mpsc__destroy(&t->ring);
		free(t->slots);
		input__close_dwarf(t->elf, t->dw);
	}
	free(rt->readers);
	free(rt->owner);
	rt->readers = NULL;
	rt->owner = NULL;
	ring_mpsc__destroy(&rt->batch_ring);
	pthread_cond_destroy(&rt->cond);
	pthread_mutex_destroy(&rt->lock);
	rt->fail = NULL;
}

/* ---- measurements ---- */

void run_threads__read_stats(const struct run_threads *rt, struct read_stats *sum)
{
	memset(sum, 0, sizeof(*sum));
	for (unsigned int i = 0; i < rt->nreaders; i++) {
		sum->unsupported += rt->readers[i].rd.stats.unsupported;
		sum->unresolved += rt->readers[i].rd.stats.unresolved;
		sum->guarded += rt->readers[i].rd.stats.guarded;
	}
}

static void stats_readers(struct run_threads *rt, struct run_stats *s, struct strtab *strtab)
{
	struct stage_stat *all = stats__add(s, "read");
	struct strtab_stats ss;

	all->items_what = "records";
	all->wall_ns = stats__now_ns() - rt->read_wall0;
	for (unsigned int i = 0; i < rt->nreaders; i++) {
		struct reader_thread *t = &rt->readers[i];
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
		s->cus_read += t->rd.stats.cus;
		s->libdw_cus += t->rd.stats.libdw_cus;
		s->dwarf_renewals += t->dwarf_renewals;
		s->loc_preads += t->rd.loc_windows.loclists.reads + t->rd.loc_windows.loc.reads;
		s->loc_pread_bytes += t->rd.loc_windows.loclists.bytes + t->rd.loc_windows.loc.bytes;
		all->items += st->items;
		all->bytes += st->bytes;
		all->blocked_full_ns += st->blocked_full_ns;
		if (rs.high_water > all->high_water)
			all->high_water = rs.high_water;
	}
	strtab__stats(strtab, &ss);
	s->strings = ss.strings;
	all = stats__add(s, "strtab");
	if (all) {	/* runs inside the readers: its time is theirs */
		all->items_what = "strings";
		all->items = ss.strings;
		all->bytes = ss.bytes_copied;
	}
}

void run_threads__stats(struct run_threads *rt, struct run_stats *s, uint64_t write_wall_ns,
			uint64_t write_cpu_ns, uint64_t write_records)
{
	struct stage_stat *st;
	struct ring_mpsc_stats rs;
	struct merger_stats ms;

	stats_readers(rt, s, rt->strtab);
	s->max_cu_arena_bytes = rt->max_cu_arena;
	s->window = rt->window;
	s->wake_batch = rt->wake_batch;
	s->jobs = rt->nreaders;
	st = stats__add(s, "write");
	if (st) {
		st->wall_ns = write_wall_ns;
		st->cpu_ns = write_cpu_ns;
		st->items = write_records;
		st->items_what = "types";
		for (unsigned int i = 0; i < rt->nreaders; i++) {
			ring_mpsc__stats(&rt->readers[i].ring, &rs);
			st->blocked_empty_ns += rs.pop_blocked_ns;
			s->writer_sleeps += rs.pop_blocks;
		}
		st->blocked_empty_ns += rt->owner_wait_ns;
	}
	ring_mpsc__stats(&rt->batch_ring, &rs);
	if (st)
		st->blocked_full_ns = rs.push_blocked_ns;
	if (rt->rel.calls && (st = stats__add(s, "release"))) {
		st->wall_ns = rt->rel.wall_ns;
		st->cpu_ns = rt->rel.cpu_ns;
		st->items = rt->rel.calls;
		st->items_what = "rounds";
	}
	merger__stats(rt->merger, &ms);
	st = stats__add(s, "merge");
	if (st) {
		st->wall_ns = rt->merge_end > rt->read_wall0 ? rt->merge_end - rt->read_wall0 : 0;
		for (unsigned int i = 0; i < rt->nmergers; i++)
			st->cpu_ns += rt->merge_cpu[i];
		st->items = ms.batches;
		st->items_what = "batches";
		st->bytes = ms.raw_bytes;
		st->blocked_empty_ns = rs.pop_blocked_ns;
		st->high_water = rs.high_water;
	}
	s->types_before_dedup = ms.types_in;
	s->compactions = ms.compactions;
	for (int i = 0; i < BATCH_STRINGS_WAYS; i++)
		s->batch_strings[i] = ms.strings_ways[i];
	s->libbpf_checks_names = libbpf_caps__get()->names_checked;
	s->batch_names_ids = ms.names_as_ids;
	s->accumulated_as = !ms.acc_bytes ? "libbpf's BTF" : ms.acc_bytes_ended ? "bytes, then libbpf's BTF" : "bytes";
	s->merge_threads = rt->nmergers;
	s->merge_serial_ns = ms.append_ns;
	s->exact_dropped = ms.exact_dropped;
	s->exact_cyclic = ms.exact_cyclic;
	s->exact_cpu_ns = ms.exact_ns;
	s->acc_dropped = ms.acc_dropped;
}
