/* stages/write_btf.h: stage 5, the single writer that assembles raw BTF.
 *
 * One thread only (the writer). It is fed the records of each CU strictly in
 * CU order, framed by CU_BEGIN/CU_END (stages/record.h), and appends them to a
 * raw BTF image: CU-local refs become type ids (the CU's first record gets the
 * next free id), strtab ids become string offsets assigned in first-use order,
 * so the image depends only on the records' order, never on thread timing.
 * Set w->vars after init to get a DATASEC for the VARs. REC_FUNC candidates
 * are kept (w->cands, w->params, type ids already rebased) for
 * func_select__run after btf_writer__finish.
 * btf_writer__finish turns the image into a libbpf struct btf.
 */
#ifndef BTFSTREAM_WRITE_BTF_H
#define BTFSTREAM_WRITE_BTF_H

#include <stddef.h>
#include <stdint.h>

#include "stages/fail.h"
#include "stages/func_select.h"
#include "stages/record.h"

struct btf;
struct strtab;
struct vars;

struct btf_secinfo {
	uint32_t type;		/* VAR id */
	uint32_t offset;
	uint32_t size;
	uint32_t slot;		/* section slot (stages/vars.h) */
};

struct btf_writer {
	struct strtab *strtab;	/* read-only use: strtab__str */
	const char *path;	/* input file, for errors */
	struct fail *fail;

	char *types;		/* type section being built */
	size_t tlen, tcap;
	char *strs;		/* string section being built, starts with "" */
	size_t slen, scap;
	uint32_t *str_off;	/* strtab id -> offset in strs, 0 = not yet placed */
	size_t str_off_cap;

	uint32_t next_id;	/* the id the next type gets */
	uint32_t cu_base;	/* id of the current CU's first record */
	uint32_t cu_nrecs;	/* records announced by CU_BEGIN */
	uint32_t cu_seen;	/* records added so far in this CU */
	uint32_t cu;		/* current CU index */
	uint32_t index_type;	/* array index type id, 0 while undecided */
	uint32_t cu_index_type;	/* the id arrays of this CU use */
	int cu_needs_index;	/* this CU must end with __ARRAY_SIZE_TYPE__ */
	uint64_t records;	/* type records written */

	const struct vars *vars;	/* the per-CPU section, for its DATASEC; may be NULL */
	struct btf_secinfo *secinfo;	/* one per VAR written */
	size_t nsecinfo, secinfo_cap;

	struct func_cand *cands;	/* REC_FUNC candidates, in CU order */
	size_t ncands, cands_cap;
	struct func_param *params;	/* their parameters */
	size_t nparams, params_cap;
};

/* Returns 0 or -ENOMEM. */
int btf_writer__init(struct btf_writer *w, struct strtab *strtab, const char *path, struct fail *f);
/* Consume one record (markers included). Returns 0 or -errno (reason in f). */
int btf_writer__add(struct btf_writer *w, const struct type_rec *rec);
/* After the last CU: appends one DATASEC per section that has VARs, in
 * section index order (secinfos sorted by offset), then returns the finished BTF (caller frees with btf__free), or
 * NULL (reason in f). */
struct btf *btf_writer__finish(struct btf_writer *w);
/* Frees the image buffers. */
void btf_writer__fini(struct btf_writer *w);

#endif
