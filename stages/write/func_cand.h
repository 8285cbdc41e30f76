/* stages/write/func_cand.h: a function candidate as the writer keeps it
 * until the last CU (one per function definition per CU), its parameters
 * and its decl tags. The writer fills them (write_btf.c), function
 * selection and the prototype memo read them. Writer thread only.
 */
#ifndef BTFSTREAM_FUNC_CAND_H
#define BTFSTREAM_FUNC_CAND_H

#include <stdbool.h>
#include <stdint.h>

struct func_param {
	uint32_t name;		/* strtab id */
	uint32_t type;		/* type id */
};

struct func_tag {	/* a btf_decl_tag annotation on a function or a parameter */
	uint32_t value;		/* strtab id */
	int32_t component;	/* parameter index, -1 for the function */
};

struct func_cand {
	uint32_t name;		/* strtab id */
	uint32_t ret;		/* type id */
	uint32_t flags;		/* FUNC_* (stages/record/record.h) */
	uint32_t first_param;	/* index into the params array */
	uint16_t nparams;	/* a variadic "..." included */
	uint16_t ntags;		/* its decl tags, from first_tag in the tags array */
	uint32_t first_tag;
	bool external;
	uint32_t batch;		/* writer's use: the batch ret was numbered in */
	uint32_t sym_first;	/* with FUNC_SYMS in flags: the name's ELF symbols, */
	uint32_t sym_n;		/* as elf_funcs__find gave them to the reader */
};

#endif
