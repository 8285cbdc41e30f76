/* stages/write/write_fix.h: the writer's own (stages/write/write_btf.c),
 * not a stage's interface: how a type's names and refs are
 * made the batch's, in place, and the image's space.
 *
 * A type as a record or a reader left it (stages/record/rec_btf.h) holds
 * strtab ids as names and CU-local refs; fix_type rewrites them for the
 * current batch: names as the batch's string offsets (or, with
 * names_as_ids, the ids themselves), refs as batch ids (the CU's first id
 * + ref - 1 where every record of the CU is written, else through cu_map).
 * In line, as these run for every name and ref of every type (~9 M and ~7
 * M on the vmlinux).
 *
 * The writer thread only.
 */
#ifndef BTFSTREAM_WRITE_FIX_H
#define BTFSTREAM_WRITE_FIX_H

#include <errno.h>
#include <linux/btf.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "stages/record/batch.h"
#include "stages/record/rec_refs.h"
#include "stages/write/write_btf.h"

#define ARRAY_FIRST 1024	/* elements of the writer's growable arrays to start with */
#define IMAGE_HDR sizeof(struct btf_header)	/* the image's header space, before its types */

/* Offset of strtab id (not 0) in the string section, placing the string on
 * first use. 0 or -errno. */
int btf_writer__str_place(struct btf_writer *w, uint32_t id, uint32_t *off);
/* bytes more at the end of the batch's type section (w->tlen grows); NULL
 * if the image cannot grow. The pointer lasts until the next call. */
void *btf_writer__type_space(struct btf_writer *w, size_t bytes);

/* A name's field in the batch: the offset of strtab id, or, with
 * names_as_ids, the id itself (stages/record/batch.h); inline, as it runs
 * for every name of every record (~9 M on the vmlinux). */
static inline int str_offset(struct btf_writer *w, uint32_t id, uint32_t *off)
{
	if (id == 0 || w->names_as_ids) {
		*off = id;
		return id < BATCH_NAME_ANCHOR ? 0 : -E2BIG;
	}
	return btf_writer__str_place(w, id, off);
}

/* Type id of a CU-local ref of the current CU (inline: it runs for every
 * ref of every type, ~7 M on the vmlinux). */
static inline int type_id(struct btf_writer *w, uint32_t ref, uint32_t *id)
{
	if (ref - 1u < w->cu_nrecs) {	/* 1..n (REF_VOID wraps past n) */
		*id = w->cu_bytes ? w->cu_base + ref - 1 : w->cu_map[ref - 1];
		return 0;
	}
	if (ref == REF_VOID) {
		*id = 0;
		return 0;
	}
	if (ref != REF_INDEX_TYPE)
		return -EINVAL;
	*id = w->cu_index_type;
	if (!w->index_type)
		w->cu_needs_index = 1;
	return 0;
}

/* The refs (and with names, the names) of the vlen members of a struct or
 * union at m, in place. */
static inline __attribute__((always_inline)) int fix_members(struct btf_writer *w, struct btf_member *m,
							    uint32_t vlen, bool names)
{
	int err;

	for (; vlen--; m++)
		if ((names && (err = str_offset(w, m->name_off, &m->name_off))) || (err = type_id(w, m->type, &m->type)))
			return err;
	return 0;
}

/* The names (and with params, the refs) of vlen entries of `step` bytes
 * at p, each beginning with its name (enumerators, parameters), in place. */
static inline __attribute__((always_inline)) int fix_named(struct btf_writer *w, unsigned char *p, uint32_t vlen,
							  size_t step, bool params, bool names)
{
	int err;

	for (; vlen-- && (names || params); p += step) {
		uint32_t *name = (uint32_t *)p;

		if ((names && (err = str_offset(w, *name, name))) || (params && (err = type_id(w, name[1], &name[1]))))
			return err;
	}
	return 0;
}

/* The names and refs of the type at t, as a record or a reader left them
 * (stages/record/rec_btf.h), made the batch's, in place: names in the order
 * they are met (the string section's order when names are placed). names
 * false: the names stay what they are (strtab ids the batch keeps; a
 * constant, so each caller gets a walk of its own). Returns the bytes the
 * type takes, 0 if that is more than avail (or a kind the records never
 * carry), or -errno. */
static inline __attribute__((always_inline)) long fix_type(struct btf_writer *w, struct btf_type *t, size_t avail,
							   bool names)
{
	uint32_t kind = BTF_INFO_KIND(t->info), vlen = BTF_INFO_VLEN(t->info);
	size_t size = sizeof(*t);
	void *p = t + 1;
	int err;

	if ((names && (err = str_offset(w, t->name_off, &t->name_off))) ||
	    (!rec__has_size((uint8_t)kind) && (err = type_id(w, t->type, &t->type))))
		return err;
	switch (kind) {
	case BTF_KIND_INT:
	case BTF_KIND_VAR:
	case BTF_KIND_DECL_TAG:
		size += 4;
		break;
	case BTF_KIND_ARRAY: {
		struct btf_array *a = p;

		size += sizeof(*a);
		if (size <= avail &&
		    ((err = type_id(w, a->type, &a->type)) || (err = type_id(w, a->index_type, &a->index_type))))
			return err;
		break;
	}
	case BTF_KIND_STRUCT:
	case BTF_KIND_UNION:
		size += (size_t)vlen * sizeof(struct btf_member);
		if (size <= avail && (err = fix_members(w, p, vlen, names)))
			return err;
		break;
	case BTF_KIND_ENUM:
	case BTF_KIND_ENUM64: {
		size_t step = kind == BTF_KIND_ENUM ? sizeof(struct btf_enum) : sizeof(struct btf_enum64);

		size += (size_t)vlen * step;
		if (size <= avail && (err = fix_named(w, p, vlen, step, false, names)))
			return err;
		break;
	}
	case BTF_KIND_FUNC_PROTO:
		size += (size_t)vlen * sizeof(struct btf_param);
		if (size <= avail && (err = fix_named(w, p, vlen, sizeof(struct btf_param), true, names)))
			return err;
		break;
	case BTF_KIND_DATASEC:	/* made after the merge (stages/write/datasec.c) */
		return 0;
	default:
		break;
	}
	return size <= avail ? (long)size : 0;
}

#endif
