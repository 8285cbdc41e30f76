/* pipeline/stats.c: see stats.h. */
#include "pipeline/stats.h"

#include "pipeline/sizing.h"
#include "stages/common/clock.h"
#include "stages/common/json.h"
#include "stages/common/probes.h"
#include "stages/common/trace.h"

#include <stdbool.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

uint64_t stats__now_ns(void) { return clock__ns(CLOCK_MONOTONIC); }
uint64_t stats__thread_cpu_ns(void) { return clock__thread_cpu_ns(); }
uint64_t stats__process_cpu_ns(void) { return clock__ns(CLOCK_PROCESS_CPUTIME_ID); }

/* The largest value of a "Field: N kB" line of a /proc file into *peak. */
static void sample_kb(const char *path, const char *field, uint64_t *peak)
{
	size_t flen = strlen(field);
	char line[256];
	FILE *f;

	if (!(f = fopen(path, "re")))
		return;
	while (fgets(line, sizeof(line), f)) {
		unsigned long long kb;

		if (!strncmp(line, field, flen) && line[flen] == ':' &&
		    sscanf(line + flen + 1, "%llu kB", &kb) == 1 && kb > *peak)
			*peak = kb;
	}
	fclose(f);
}

void stats__sample_memory(struct run_stats *s)
{
	struct rusage ru;

	if (s->unsampled)
		return;
	sample_kb("/proc/self/status", "RssAnon", &s->peak_anon_kb);
	sample_kb("/proc/self/smaps_rollup", "AnonHugePages", &s->peak_huge_kb);
	if (getrusage(RUSAGE_SELF, &ru) == 0 && (uint64_t)ru.ru_maxrss > s->peak_rss_kb)
		s->peak_rss_kb = ru.ru_maxrss;
}

struct stage_stat *stats__add(struct run_stats *s, const char *name)
{
	struct stage_stat *st;

	if (s->nstages == STATS_MAX_STAGES)
		return NULL;
	st = &s->stages[s->nstages++];
	memset(st, 0, sizeof(*st));
	st->name = name;
	return st;
}

void stats__clock_start(struct stage_clock *m, const char *name)
{
	m->name = name;
	PROBE_STAGE_START(name);
	m->wall0 = stats__now_ns();
	m->cpu0 = stats__thread_cpu_ns();
}

struct stage_stat *stats__clock_stop(const struct stage_clock *m, struct run_stats *s, uint64_t items,
				     const char *items_what)
{
	static struct stage_stat dummy;
	struct stage_stat *st = stats__add(s, m->name);

	uint64_t now = stats__now_ns();

	PROBE_STAGE_END(m->name);
	trace__slice(m->name, m->wall0, now, NULL, 0);
	if (!st)
		st = &dummy;
	st->wall_ns = now - m->wall0;
	st->cpu_ns = stats__thread_cpu_ns() - m->cpu0;
	st->items = items;
	st->items_what = items_what;
	return st;
}

static double ms(uint64_t ns) { return ns / 1e6; }

/* The rows that are not the readers' (parallel) work: every stage row but
 * read, read.thread, and strtab and release, which run inside the readers
 * (release's last rounds inside the writer's row: pipeline/releaser.h). */
static bool is_parallel_row(const struct stage_stat *st)
{
	return !strcmp(st->name, "read") || !strcmp(st->name, "read.thread") || !strcmp(st->name, "strtab") ||
	       !strcmp(st->name, "release");
}

void stats__split(const struct run_stats *s, struct stats_split *out)
{
	memset(out, 0, sizeof(*out));
	for (unsigned int i = 0; i < s->nstages; i++) {
		const struct stage_stat *st = &s->stages[i];

		if (!strcmp(st->name, "read"))
			out->parallel_cpu_ns = st->cpu_ns;
		else if (is_parallel_row(st))
			continue;
		else if (!strcmp(st->name, "write")) {
			out->serial_cpu_ns += st->cpu_ns;
			out->write_ns = st->cpu_ns;
		} else if (!strcmp(st->name, "merge")) {
			/* the turns are serial, each batch's own dedup is not */
			out->merge_serial_ns = s->merge_serial_ns < st->cpu_ns ? s->merge_serial_ns : st->cpu_ns;
			out->merge_parallel_ns = st->cpu_ns - out->merge_serial_ns;
			out->serial_cpu_ns += out->merge_serial_ns;
		} else {
			out->serial_cpu_ns += st->cpu_ns;
			out->outside_ns += st->cpu_ns;
		}
	}
}

uint64_t stats__project_amdahl(const struct stats_split *sp, unsigned int jobs)
{
	return sp->serial_cpu_ns + sp->parallel_cpu_ns / jobs + sp->merge_parallel_ns / sizing__merge_threads(jobs);
}

uint64_t stats__project_pipelined(const struct stats_split *sp, unsigned int jobs)
{
	uint64_t reading = sp->parallel_cpu_ns / jobs;
	uint64_t merging = sp->merge_serial_ns + sp->merge_parallel_ns / sizing__merge_threads(jobs);
	uint64_t beside = sp->write_ns > merging ? sp->write_ns : merging;

	return sp->outside_ns + (reading > beside ? reading : beside);
}

static const unsigned int projected_jobs[] = { 8, 16, 64 };

static void print_projection(const struct run_stats *s, FILE *out)
{
	struct stats_split sp;

	stats__split(s, &sp);
	fprintf(out, "serial CPU %.2f s (every stage but the readers and the merge threads' batch dedups),"
		     " readers' CPU %.2f s, batch dedups %.2f s on %u merge thread%s; projected wall: Amdahl"
		     " (serial + readers/N + dedups/M)", sp.serial_cpu_ns / 1e9, sp.parallel_cpu_ns / 1e9,
		sp.merge_parallel_ns / 1e9, s->merge_threads, s->merge_threads == 1 ? "" : "s");
	for (unsigned int i = 0; i < sizeof(projected_jobs) / sizeof(*projected_jobs); i++)
		fprintf(out, " -j%u %.2f s%s", projected_jobs[i], stats__project_amdahl(&sp, projected_jobs[i]) / 1e9,
			i + 1 < sizeof(projected_jobs) / sizeof(*projected_jobs) ? "," : ";");
	fprintf(out, " pipelined (before + max(write, merge turns + dedups/M, readers/N) + after)");
	for (unsigned int i = 0; i < sizeof(projected_jobs) / sizeof(*projected_jobs); i++)
		fprintf(out, " -j%u %.2f s%s", projected_jobs[i],
			stats__project_pipelined(&sp, projected_jobs[i]) / 1e9,
			i + 1 < sizeof(projected_jobs) / sizeof(*projected_jobs) ? "," : "\n");
}

/* What a module's run did with its base and its relocated input. */
static void print_input_lines(const struct run_stats *s, FILE *out)
{
	if (s->loc_preads)
		fprintf(out, "location lists: read with pread, %llu reads of %llu KiB, none mapped (stages/read/sec_window.h)\n",
			(unsigned long long)s->loc_preads, (unsigned long long)s->loc_pread_bytes >> 10);
	if (s->split_late)
		fprintf(out, "split BTF: made at the end on the base extended with the module's strings (%llu the base has,"
			     " %llu its own): no index of the base's strings (stages/dedup/split_late.h)\n",
			(unsigned long long)s->split_shared, (unsigned long long)s->split_own);
	else if (s->split)
		fprintf(out, "split BTF: through libbpf (batch mode, distilled_base or BTFSTREAM_SPLIT_LATE=0)\n");
	if (s->relocated)
		fprintf(out, "relocated input: %llu KiB of relocations read without mapping them, %llu KiB let go once"
			     " applied (stages/input/reloc.c)\n", (unsigned long long)s->rela_unmapped >> 10,
			(unsigned long long)s->rela_let_go >> 10);
	if (s->relocated && s->units_let_go_ok)
		fprintf(out, "relocated input: %llu KiB of written units let go early (stages/input/input.h)\n",
			(unsigned long long)s->units_let_go >> 10);
	else if (s->relocated)
		fprintf(out, "relocated input: written units kept (%s)\n", s->units_kept ? s->units_kept : "");
}

/* How this process was set up: its memory budget, jobserver and heap pages. */
static void print_process_lines(const struct run_stats *s, FILE *out)
{
	if (s->memory_limit)
		fprintf(out, "memory budget: %llu MiB, from %s\n", (unsigned long long)s->memory_limit >> 20,
			s->memory_limit_from ? s->memory_limit_from : "--memory-limit");
	else
		fprintf(out, "memory budget: none (no --memory-limit, no memory cgroup limit)\n");
	if (s->jobserver)
		fprintf(out, "jobserver: %s: at most %u token%s held at once (readers beyond the first), %llu taken\n",
			s->jobserver, s->tokens_max, s->tokens_max == 1 ? "" : "s", (unsigned long long)s->tokens_taken);
	else
		fprintf(out, "jobserver: none\n");
	fprintf(out, "heap: %s; at most %llu KiB in huge pages (pipeline/huge_heap.h)\n", s->heap ? s->heap : "",
		(unsigned long long)s->peak_huge_kb);
}

/* How the end of the stream named its types (stages/write/named_type.h). */
static void print_named_end(const struct run_stats *s, FILE *out)
{
	fprintf(out, "end of stream: FUNCs, their tags and DATASECs %s\n",
		s->named_end ? "named by offsets placed in the accumulated strings (stages/write/named_type.h)"
			     : "named through libbpf's string lookups (BTFSTREAM_NAMED_END=0, a base, or the"
			       " accumulated BTF not kept as bytes)");
}

/* The exact copies the merge threads left out (stages/dedup/batch_exact.h). */
static void print_exact(const struct run_stats *s, FILE *out)
{
	if (s->exact)
		fprintf(out, "exact copies: %llu of %llu records left out by the merge threads in %.1f ms of their CPU, an"
			     " earlier type of their batch with the same bytes standing for each, %llu of them on"
			     " cycles, a copy of an earlier CU's component (stages/dedup/batch_exact.h); the order to"
			     " decide them in made by %s\n",
			(unsigned long long)s->exact_dropped, (unsigned long long)s->types_read, s->exact_cpu_ns / 1e6,
			(unsigned long long)s->exact_cyclic,
			s->exact_order_read ? "the readers" : "the merge threads (one reader)");
	else
		fprintf(out, "exact copies: all written (BTFSTREAM_EXACT=0, names as offsets, or CUs not sent as"
			     " bytes)\n");
}

/* The "queue:" line: what crossed the readers' rings, and how the writer
 * was woken. */
static void print_queue(const struct run_stats *s, FILE *out)
{
	fprintf(out, "queue: a CU's types as %s; the writer waited %llu times on an empty ring, woken ",
		s->cu_types_bytes ? "BTF bytes its reader encoded, ids rewritten by the writer (stages/record/rec_btf.h)" :
		"one record each, encoded by the writer (BTFSTREAM_RECORDS=1, or pre-dedup)",
		(unsigned long long)s->writer_sleeps);
	if (s->wake_batch)
		fprintf(out, "once %llu records wait (pipeline/threads.c reader_wake_batch)\n",
			(unsigned long long)s->wake_batch);
	else
		fprintf(out, "per CU\n");
}

/* How batches crossed from the writer to the merge thread. */
static void print_batch_images(const struct run_stats *s, FILE *out)
{
	if (s->chunk_bytes)
		fprintf(out, "batch chunks: %llu of ~%llu KiB, cut at CU boundaries and made final by the merge"
			     " thread as each came (stages/record/batch.h)\n",
			(unsigned long long)s->chunks, (unsigned long long)s->chunk_bytes >> 10);
	fprintf(out, "batch images: %llu mapped, %llu reused; the writer waited %.1f ms for one"
		     " (stages/record/image_pool.h)\n", (unsigned long long)s->images_made,
		(unsigned long long)s->images_reused, ms(s->image_wait_ns));
}

void stats__print_table(const struct run_stats *s, FILE *out)
{
	fprintf(out, "%-12s %10s %10s %12s %-8s %12s %11s %11s %9s\n", "stage", "wall ms", "cpu ms",
		"items", "", "bytes", "full ms", "empty ms", "queue hw");
	for (unsigned int i = 0; i < s->nstages; i++) {
		const struct stage_stat *st = &s->stages[i];

		fprintf(out, "%-12s %10.1f %10.1f %12llu %-8s %12llu %11.1f %11.1f %9llu\n", st->name,
			ms(st->wall_ns), ms(st->cpu_ns), (unsigned long long)st->items,
			st->items_what ? st->items_what : "", (unsigned long long)st->bytes,
			ms(st->blocked_full_ns), ms(st->blocked_empty_ns), (unsigned long long)st->high_water);
	}
	fprintf(out, "%-12s %10.1f %10.1f   jobs %u, types %llu -> %llu after dedup, strings %llu\n",
		"total", ms(s->wall_ns), ms(s->cpu_ns), s->jobs, (unsigned long long)s->types_before_dedup,
		(unsigned long long)s->types_after_dedup, (unsigned long long)s->strings);
	print_projection(s, out);
	if (s->predup)
		fprintf(out, "pre-dedup: %llu of %llu records matched a type already in their batch (%llu checks, %llu"
			     " failed; %llu records kept out by the guard)\n", (unsigned long long)s->predup_matched,
			(unsigned long long)s->types_read, (unsigned long long)s->predup_checks,
			(unsigned long long)s->predup_failed, (unsigned long long)s->predup_guarded);
	else
		fprintf(out, "pre-dedup: off (BTFSTREAM_PREDUP=1 turns it on, docs/design.md)\n");
	print_exact(s, out);
	print_queue(s, out);
	fprintf(out, "accumulated BTF: %llu types before the final dedup, %llu exact copies of its types left out"
		     " as batches came (stages/dedup/acc_exact.h); deduped again %llu time%s on the way"
		     " (stages/dedup/merge_compact.h); kept as %s (stages/dedup/acc_btf.h)\n",
		(unsigned long long)s->accumulated_types, (unsigned long long)s->acc_dropped,
		(unsigned long long)s->compactions, s->compactions == 1 ? "" : "s",
		s->accumulated_as ? s->accumulated_as : "libbpf's BTF");
	print_named_end(s, out);
	fprintf(out, "batch strings: %llu set aside behind a bare \"\", %llu on a strings-only base, %llu hashed"
		     " by libbpf (libbpf %s names: stages/dedup/merge.c); names %s\n",
		(unsigned long long)s->batch_strings[0], (unsigned long long)s->batch_strings[1],
		(unsigned long long)s->batch_strings[2], s->libbpf_checks_names ? "checks" : "does not check",
		s->batch_names_ids ? "as strtab ids, strings made after each dedup (stages/dedup/batch_names.h)"
				   : "as offsets");
	print_batch_images(s, out);
	if (s->base_types)
		fprintf(out, "base: %llu types, %llu hidden from the final dedup (stages/dedup/base_prune.h)\n",
			(unsigned long long)s->base_types, (unsigned long long)s->base_hidden);
	if (s->distilled_base_types)
		fprintf(out, "distilled base: %llu types (.BTF.base, stages/distill/distill.h)\n",
			(unsigned long long)s->distilled_base_types);
	print_process_lines(s, out);
	fprintf(out, "features: %s\n", s->features ? s->features : "");
	fprintf(out, "functions: %llu names;", (unsigned long long)s->funcs.names);
	for (int v = 0; v < FV_COUNT; v++)
		fprintf(out, " %s %llu", func_select__verdict_name(v), (unsigned long long)s->funcs.verdicts[v]);
	fprintf(out, "; kfunc tags %llu, arena attributes %llu\n", (unsigned long long)s->funcs.kfunc_tags,
		(unsigned long long)s->funcs.kfunc_attrs);
	fprintf(out, "peak RSS %llu KiB, peak anonymous memory %llu KiB; window %u CUs, largest CU arena %llu KiB\n",
		(unsigned long long)s->peak_rss_kb, (unsigned long long)s->peak_anon_kb, s->window,
		(unsigned long long)s->max_cu_arena_bytes >> 10);
	fprintf(out, "libdw: asked about DIEs during %llu of %llu CUs; a reader's handle begun again %llu times\n",
		(unsigned long long)s->libdw_cus, (unsigned long long)s->cus_read, (unsigned long long)s->dwarf_renewals);
	print_input_lines(s, out);
}

/* The counters of the merge, split, relocation and pre-dedup steps. */
static void print_json_stages_counts(const struct run_stats *s, FILE *out)
{
	fprintf(out, "\"accumulated_types\":%llu,\"compactions\":%llu,\"accumulated_as\":\"%s\",",
		(unsigned long long)s->accumulated_types, (unsigned long long)s->compactions,
		s->accumulated_as ? s->accumulated_as : "libbpf's BTF");
	fprintf(out, "\"cus_read\":%llu,\"libdw_cus\":%llu,\"dwarf_renewals\":%llu,", (unsigned long long)s->cus_read,
		(unsigned long long)s->libdw_cus, (unsigned long long)s->dwarf_renewals);
	fprintf(out, "\"loc_preads\":%llu,\"loc_pread_bytes\":%llu,", (unsigned long long)s->loc_preads,
		(unsigned long long)s->loc_pread_bytes);
	fprintf(out, "\"batch_strings\":{\"bare\":%llu,\"base\":%llu,\"hashed\":%llu},\"libbpf_checks_names\":%s,"
		     "\"batch_names\":\"%s\",",
		(unsigned long long)s->batch_strings[0], (unsigned long long)s->batch_strings[1],
		(unsigned long long)s->batch_strings[2], s->libbpf_checks_names ? "true" : "false",
		s->batch_names_ids ? "ids" : "offsets");
	fprintf(out, "\"split\":%s,\"split_late\":%s,\"split_shared_strings\":%llu,\"split_own_strings\":%llu,",
		s->split ? "true" : "false", s->split_late ? "true" : "false", (unsigned long long)s->split_shared,
		(unsigned long long)s->split_own);
	fprintf(out, "\"relocated\":%s,\"units_may_go\":%s,\"rela_let_go_bytes\":%llu,\"rela_unmapped_bytes\":%llu,"
		"\"units_let_go_bytes\":%llu,",
		s->relocated ? "true" : "false", s->units_let_go_ok ? "true" : "false", (unsigned long long)s->rela_let_go,
		(unsigned long long)s->rela_unmapped, (unsigned long long)s->units_let_go);
	fprintf(out, "\"batch_images\":{\"mapped\":%llu,\"reused\":%llu,\"wait_ms\":%.1f},",
		(unsigned long long)s->images_made, (unsigned long long)s->images_reused, ms(s->image_wait_ns));
	fprintf(out, "\"batch_chunks\":{\"chunks\":%llu,\"bytes\":%llu},", (unsigned long long)s->chunks,
		(unsigned long long)s->chunk_bytes);
	fprintf(out, "\"cu_types_as\":\"%s\",\"wake_batch\":%llu,\"writer_sleeps\":%llu,",
		s->cu_types_bytes ? "bytes" : "records", (unsigned long long)s->wake_batch,
		(unsigned long long)s->writer_sleeps);
	fprintf(out, "\"acc_dropped\":%llu,\"named_end\":%s,", (unsigned long long)s->acc_dropped,
		s->named_end ? "true" : "false");
	fprintf(out, "\"exact\":%s,\"exact_dropped\":%llu,\"exact_cyclic\":%llu,\"exact_order\":\"%s\","
		     "\"exact_cpu_ms\":%.3f,",
		s->exact ? "true" : "false", (unsigned long long)s->exact_dropped, (unsigned long long)s->exact_cyclic,
		s->exact_order_read ? "readers" : "merge", s->exact_cpu_ns / 1e6);
	fprintf(out, "\"predup_matched\":%llu,\"predup_checks\":%llu,\"predup_failed\":%llu,\"predup_guarded\":%llu,",
		(unsigned long long)s->predup_matched, (unsigned long long)s->predup_checks,
		(unsigned long long)s->predup_failed, (unsigned long long)s->predup_guarded);
}

void stats__print_json(const struct run_stats *s, FILE *out)
{
	struct stats_split sp;

	fprintf(out, "{\"jobs\":%u,\"wall_ns\":%llu,\"cpu_ns\":%llu,\"peak_rss_kb\":%llu,"
		     "\"peak_anon_kb\":%llu,\"types_before_dedup\":%llu,\"types_after_dedup\":%llu,"
		     "\"strings\":%llu,\"base_types\":%llu,\"base_hidden\":%llu,\"distilled_base_types\":%llu,\"window\":%u,"
		     "\"max_cu_arena_bytes\":%llu,\"memory_limit\":%llu,\"tokens_max\":%u,\"tokens_taken\":%llu,",
		s->jobs, (unsigned long long)s->wall_ns, (unsigned long long)s->cpu_ns,
		(unsigned long long)s->peak_rss_kb, (unsigned long long)s->peak_anon_kb,
		(unsigned long long)s->types_before_dedup, (unsigned long long)s->types_after_dedup,
		(unsigned long long)s->strings, (unsigned long long)s->base_types,
		(unsigned long long)s->base_hidden, (unsigned long long)s->distilled_base_types, s->window,
		(unsigned long long)s->max_cu_arena_bytes, (unsigned long long)s->memory_limit, s->tokens_max,
		(unsigned long long)s->tokens_taken);
	print_json_stages_counts(s, out);
	fprintf(out, "\"memory_limit_from\":");
	json__str(out, s->memory_limit ? (s->memory_limit_from ? s->memory_limit_from : "--memory-limit") : "");
	fprintf(out, ",\"jobserver\":");
	json__str(out, s->jobserver ? s->jobserver : "");
	fprintf(out, ",\"heap\":");
	json__str(out, s->heap ? s->heap : "");
	fprintf(out, ",\"peak_huge_kb\":%llu", (unsigned long long)s->peak_huge_kb);
	fprintf(out, ",\"features\":");
	json__str(out, s->features ? s->features : "");
	fputc(',', out);
	stats__split(s, &sp);
	fprintf(out, "\"serial_cpu_ns\":%llu,\"parallel_cpu_ns\":%llu,\"merge_parallel_ns\":%llu,"
		     "\"merge_threads\":%u,\"projected_wall_ns\":{",
		(unsigned long long)sp.serial_cpu_ns, (unsigned long long)sp.parallel_cpu_ns,
		(unsigned long long)sp.merge_parallel_ns, s->merge_threads);
	for (unsigned int i = 0; i < sizeof(projected_jobs) / sizeof(*projected_jobs); i++)
		fprintf(out, "%s\"amdahl_j%u\":%llu,\"pipelined_j%u\":%llu", i ? "," : "", projected_jobs[i],
			(unsigned long long)stats__project_amdahl(&sp, projected_jobs[i]), projected_jobs[i],
			(unsigned long long)stats__project_pipelined(&sp, projected_jobs[i]));
	fprintf(out, "},\"stages\":[");
	for (unsigned int i = 0; i < s->nstages; i++) {
		const struct stage_stat *st = &s->stages[i];

		fprintf(out, "%s{\"name\":\"%s\",\"wall_ns\":%llu,\"cpu_ns\":%llu,\"items\":%llu,"
			     "\"items_what\":\"%s\",\"bytes\":%llu,\"blocked_full_ns\":%llu,"
			     "\"blocked_empty_ns\":%llu,\"queue_high_water\":%llu}",
			i ? "," : "", st->name, (unsigned long long)st->wall_ns, (unsigned long long)st->cpu_ns,
			(unsigned long long)st->items, st->items_what ? st->items_what : "",
			(unsigned long long)st->bytes, (unsigned long long)st->blocked_full_ns,
			(unsigned long long)st->blocked_empty_ns, (unsigned long long)st->high_water);
	}
	fprintf(out, "],\"functions\":{\"names\":%llu,\"kfunc_tags\":%llu,\"kfunc_attrs\":%llu",
		(unsigned long long)s->funcs.names, (unsigned long long)s->funcs.kfunc_tags,
		(unsigned long long)s->funcs.kfunc_attrs);
	for (int v = 0; v < FV_COUNT; v++)
		fprintf(out, ",\"%s\":%llu", func_select__verdict_name(v), (unsigned long long)s->funcs.verdicts[v]);
	fprintf(out, "}}\n");
}
