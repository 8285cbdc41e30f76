/* stages/write/func_select.h: the whole-program decision about functions.
 *
 * The writer collects one candidate per function definition per CU (from the
 * readers' REC_FUNC records, refs already turned into type ids). After the
 * last CU, func_select__run groups them by name and applies pahole's rules
 * (docs/btf-rules.md, "Functions"), then appends a FUNC_PROTO + FUNC for each
 * function kept, in name order, with the DECL_TAGs of its chosen copy's
 * btf_decl_tag annotations and the kfunc DECL_TAGs. Writer thread only.
 */
#ifndef BTFSTREAM_FUNC_SELECT_H
#define BTFSTREAM_FUNC_SELECT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "stages/common/fail.h"
#include "stages/write/func_cand.h"

struct btf;
struct placed_names;
struct strtab;
struct elf_funcs;
struct elf_kfuncs;

/* The rules, each one of pahole's --btf_features names. */
struct func_rules {
	bool consistent_func;	/* skip names with differing prototypes or moved registers */
	bool optimized_func;	/* skip DW_CC_nocall functions (not callable by the ABI) */
	bool decl_tag_kfuncs;	/* bpf_kfunc / bpf_fastcall DECL_TAGs */
	bool attributes;	/* arena kfunc pointers: TYPE_TAG attributes (kfunc_attrs.h) */
};

/* Why a name did or did not become a FUNC; the names (func_select__verdict_name)
 * are pahole's reasons where pahole has one. */
enum func_verdict {
	FV_EMITTED,
	FV_NO_SYMBOL,		/* no STT_FUNC symbol of that name (cut at '.'; .cold/.part not counted) */
	FV_UNNAMED_PARAM,	/* every copy has an unnamed parameter */
	FV_AMBIGUOUS,		/* its symbols have several addresses */
	FV_PARAM_COUNT,		/* copies (CUs, or an abstract instance and its out-of-line */
	FV_RETURN_TYPE,		/*   copy) differ: in the number of parameters, the return */
	FV_PARAM_TYPE,		/*   type, or a parameter's type */
	FV_UNEXPECTED_REG,	/* a parameter is not in the ABI's register */
	FV_REORDERED,		/* a copy takes its parameters in another order (pahole v1.32's rule) */
	FV_NOCALL,		/* DW_CC_nocall (btfstream's own rule, not pahole v1.31's) */
	FV_COUNT
};

const char *func_select__verdict_name(enum func_verdict v);

struct func_select_stats {
	uint64_t names;			/* distinct function names seen */
	uint64_t verdicts[FV_COUNT];	/* names per verdict */
	uint64_t kfunc_tags;		/* DECL_TAGs added for kfuncs */
	uint64_t kfunc_attrs;		/* arena pointers given an attribute (attributes) */
};

/* The order func_select__run decides in: indexes into cands[0..n), by name
 * (bytes, as strcmp), each name's candidates in CU order. It needs only the
 * names, not the types: the pipeline computes it while the merge thread
 * finishes. Any thread; a malloc'd array (the caller frees it), NULL when
 * out of memory. */
uint32_t *func_select__order(const struct strtab *strtab, const struct func_cand *cands, size_t n);

/* What function selection decides on: cands[0..ncands) in CU order, their
 * parameters and decl tags (final type ids), the ELF symbols. order: from
 * func_select__order, or NULL to have it computed here. report (may be
 * NULL) gets one line per name: "VERDICT<TAB>NAME<TAB>SYMBOLS" (symbols
 * comma-separated, "-" if none). */
struct func_select_input {
	const char *path;		/* the input, for errors */
	const struct strtab *strtab;
	const struct func_cand *cands;
	size_t ncands;
	const uint32_t *order;
	const struct func_param *params;
	const struct func_tag *tags;
	const struct elf_funcs *elf_funcs;
	const struct elf_kfuncs *elf_kfuncs;
	struct func_rules rules;
	FILE *report;
	/* names whose strings btf's base holds already, by strtab id (the
	 * accumulated strings: stages/record/batch.h), or NULL: each name is
	 * looked up through libbpf (stages/write/named_type.h) */
	const struct placed_names *placed;
	uint32_t kfunc_tag_ids[2];	/* strtab ids of "bpf_kfunc", "bpf_fastcall" (0: none) */
};

/* Appends the FUNCs to btf. Returns 0 or -errno (reason in f). */
int func_select__run(struct btf *btf, const struct func_select_input *in, struct func_select_stats *stats,
		     struct fail *f);

#endif
