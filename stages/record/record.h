/* stages/record/record.h: the compact type record that crosses the reader -> writer queue.
 *
 * A reader turns each DWARF DIE that BTF needs into one or more records. Records
 * are plain structs copied by value through the ring (queue/ring_mpsc.h); the
 * variable-length part (members, enumerators, parameters) lives in the producing
 * CU's arena (stages/record/arena.h) and is valid until the writer has consumed that
 * CU's END record, after which the writer frees the arena.
 *
 * References between records ("refs") are CU-local: REF_VOID (0) is void, and
 * ref r > 0 names the (r-1)-th record of the same CU. The writer rebases them to
 * BTF type ids by adding the id of the CU's first record. Names are strtab ids
 * (strtab/strtab.h), 0 being the empty name.
 */
#ifndef BTFSTREAM_RECORD_H
#define BTFSTREAM_RECORD_H

#include <stdint.h>

#define REF_VOID 0u
/* An ARRAY's index type: the writer replaces it with the id of the first
 * CU's "int" (or a synthesised signed 4-byte "int"), as pahole does. */
#define REF_INDEX_TYPE 0xffffffffu

/* kinds: BTF_KIND_* from <linux/btf.h>, plus two markers framing a CU:
 * CU_BEGIN: extra = number of type records that follow, elem = CU index,
 *           index = ref of the CU's "int" base type (REF_VOID if none);
 *           with kflag 1 (read_opts.btf_bytes), the CU's types do not follow
 *           as records: payload holds them encoded (stages/record/rec_btf.h),
 *           size_type bytes in the CU's arena, and a REC_VAR_PLACE record
 *           follows for each VAR among them, in order; with vlen 1 too
 *           (read_opts.type_order), right after those bytes: uint32_t
 *           off[extra + 1] (where each type starts, then the bytes' end)
 *           and uint32_t order[extra] (rec_order.h);
 * CU_END:   elem = CU index, payload = the CU's struct arena, which the
 *           consumer frees (arena__free + free) once it is done with the CU. */
#define REC_CU_BEGIN 0xfeu
#define REC_CU_END 0xffu
/* A function candidate (not a type: it takes no type id). The writer keeps
 * it until the last CU, then decides (stages/write/func_select.h).
 *   name, kflag = DW_AT_external, size_type = return type ref,
 *   vlen + payload = rec_param[] (names and type refs; a variadic "..." is
 *   the last, {0, REF_VOID}), extra = FUNC_* flags below, elem = number of
 *   decl tags, stored after the parameters as rec_param {value strtab id,
 *   component index (-1: the function)}. */
#define REC_FUNC 0xfdu
/* Where the VAR that is type record elem (1-based) of a CU sent as bytes
 * lies: extra = offset in its section, index = size, vlen = the section's
 * slot (as a VAR record carries them, below). Not a type. */
#define REC_VAR_PLACE 0xfcu

#define FUNC_UNNAMED_PARAM	(1u << 0)	/* a parameter has no name */
#define FUNC_OPTIMIZED_PARAM	(1u << 1)	/* a parameter has no register location */
#define FUNC_UNEXPECTED_REG	(1u << 2)	/* a parameter is not where the ABI puts it */
#define FUNC_NOCALL		(1u << 3)	/* DW_CC_nocall: not callable by the ABI */
#define FUNC_VARIADIC		(1u << 4)
#define FUNC_REORDERED		(1u << 5)	/* an out-of-line copy lists its parameters in
						   another order than its abstract instance */
#define FUNC_NO_SYMBOL		(1u << 6)	/* the name has no ELF function symbol: only the
						   name is read (no type, no parameters) */
#define FUNC_SYMS		(1u << 7)	/* the reader found the name's ELF symbols:
						   index is the first (stages/input/elf_funcs.h),
						   elem >> 16 how many (elem & 0xffff: the decl tags) */

struct rec_member {	/* STRUCT/UNION member */
	uint32_t name;
	uint32_t type;	/* ref */
	uint32_t offset; /* bit offset, or (bitfield size << 24 | bit offset) with kflag */
};

struct rec_enum_val {	/* ENUM (val_hi unused) and ENUM64 value */
	uint32_t name;
	uint32_t val_lo;
	uint32_t val_hi;
};

struct rec_param {	/* FUNC_PROTO parameter; type REF_VOID + name 0 ends a variadic list */
	uint32_t name;
	uint32_t type;	/* ref */
};

struct type_rec {
	uint8_t kind;		/* BTF_KIND_* or REC_CU_END */
	uint8_t kflag;
	uint16_t vlen;		/* entries in payload */
	uint32_t name;		/* strtab id */
	uint32_t size_type;	/* byte size (INT, FLOAT, STRUCT, UNION, ENUM*), or a ref */
	uint32_t extra;		/* INT: the encoding word; ARRAY: nelems; DECL_TAG: component_idx */
	uint32_t elem;		/* ARRAY: element ref */
	uint32_t index;		/* ARRAY: index-type ref */
	void *payload;		/* rec_member / rec_enum_val / rec_param[vlen] in the CU arena */
	/* VAR: size_type = type ref, extra = linkage, elem = offset in its
	 * section, index = size, vlen = the section's slot in stages/input/elf_vars.h
	 * (the writer writes a VAR with vlen 0). */
};

#endif
