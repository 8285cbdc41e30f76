/* stages/read/read_internal.h: what the reader's source files share. Not an
 * API: every function here runs on the reader thread that owns r.
 *
 *   read_cu.c      the walk over one CU, pass 2, the hand-off to the ring
 *   read_types.c   type DIEs (read_type), read_struct.c structs and unions
 *   read_func.c    function candidates, read_var.c variables
 *   read_die.c     the helpers below, used by all of them
 * Calls go down this list only (read_cu -> read_types -> read_struct ->
 * read_die; read_cu -> read_func, read_var -> read_die): no circles.
 */
#ifndef BTFSTREAM_READ_INTERNAL_H
#define BTFSTREAM_READ_INTERNAL_H

#include <pthread.h>

#include "stages/read/die_plain.h"
#include "stages/read/read_dwarf.h"

#ifndef DW_TAG_LLVM_annotation
#define DW_TAG_LLVM_annotation 0x6000
#endif
#ifndef DW_TAG_GNU_annotation
#define DW_TAG_GNU_annotation 0x6001
#endif
#ifndef DW_TAG_atomic_type
#define DW_TAG_atomic_type 0x47
#endif
#ifndef DW_TAG_immutable_type
#define DW_TAG_immutable_type 0x4b
#endif

/* pass-1 reference encoding for a ref to another record of the same DIE
 * (read_dwarf.c's pass 2 turns it into a plain ref) */
#define REF_LOCAL 0x80000000u

static inline uint32_t local_ref(long idx)
{
	return REF_LOCAL | (uint32_t)(idx + 1);
}

/* libdw's dwarf_getlocation* calls take this lock (read_die.c). */
extern pthread_mutex_t getlocation_lock;

int reader_fail(struct dwarf_reader *r, Dwarf_Die *die, int err, const char *what);
long add_rec(struct dwarf_reader *r, uint8_t kind);
long add_func_rec(struct dwarf_reader *r);
int map_die(struct dwarf_reader *r, Dwarf_Die *die, uint32_t val);
int intern_name(struct dwarf_reader *r, const char *s, uint32_t *id);
const char *attr_string(struct dwarf_reader *r, Dwarf_Attribute *at);
int die_name(struct dwarf_reader *r, Dwarf_Die *die, uint32_t *id);
int die_ref(struct dwarf_reader *r, Dwarf_Die *die, unsigned int name, uint32_t *ref);
int die_ref_at(struct dwarf_reader *r, Dwarf_Die *die, Dwarf_Attribute *found, uint32_t *ref);
/* The same for a reference already decoded: cu_off, relative to the CU being read. */
int die_ref_offset(struct dwarf_reader *r, Dwarf_Die *die, uint64_t cu_off, uint32_t *ref);
int die_ref_integrate(struct dwarf_reader *r, Dwarf_Die *die, unsigned int name, uint32_t *ref);
bool die_flag(struct dwarf_reader *r, Dwarf_Die *die, unsigned int name);
bool die_udata(struct dwarf_reader *r, Dwarf_Die *die, unsigned int name, Dwarf_Word *v);
/* dwarf_attr / dwarf_attr_integrate / dwarf_diename through the reader's
 * cache of the current DIE's attributes (stages/read/die_attrs.h). */
bool die_attr(struct dwarf_reader *r, Dwarf_Die *die, unsigned int name, Dwarf_Attribute *at);
bool die_attr_integrate(struct dwarf_reader *r, Dwarf_Die *die, unsigned int name, Dwarf_Attribute *at);
/* dwarf_formref_die(at, target): a reference in the CU being read, in one
 * of the CU-relative forms, found from the CU's bytes without libdw (which
 * looks the CU up and walks the DIE's abbreviation); others through libdw. */
Dwarf_Die *die_follow(struct dwarf_reader *r, Dwarf_Attribute *at, Dwarf_Die *target);
const char *die_name_str(struct dwarf_reader *r, Dwarf_Die *die);

bool die_sdata(struct dwarf_reader *r, Dwarf_Die *die, unsigned int name, int64_t *v, bool *is_signed_form);
bool is_annotation(int tag);
/* Appends v to the growable array *arr of *n elements. 0 or -ENOMEM. */
int push_u32(uint32_t **arr, size_t *n, size_t *cap, uint32_t v);

/* A plain DIE (stages/read/die_plain.h) decoded in a walk over a list of
 * children (members, enumerators, parameters) and finished after the walk:
 * its name is interned then, by which time the name cache's slot for it,
 * fetched ahead, is in the cache (a slot load per name, to a table the
 * size of .debug_str, missed the cache: 5% of the readers' time). */
struct pending_plain {
	struct die_plain dp;	/* first: die_plain__run fills it */
	const char *name;	/* as attr_string gives it */
	uint32_t i;		/* its index in the list being read */
};

/* dp's name as attr_string would give it; false when this path cannot say
 * (a .debug_str offset past the section, or no .debug_str in the mapping). */
bool plain_name(struct dwarf_reader *r, const struct die_plain *dp, const char **name);

/* The run of plain DIEs of tag from *child on, when *child is of the CU
 * being read (stages/read/die_plain.h)
 * appended to r->pending from *npending on, numbered from *i (both
 * advanced), each name's cache slot fetched. 0: *child is now the first
 * DIE of the list that is not one (read it as any other, then step to its
 * sibling); 1: the list ended; -1: the tree is corrupt (past the unit's
 * end); -ENOMEM. */
int take_plain_run(struct dwarf_reader *r, Dwarf_Die *child, unsigned int tag, uint32_t *i, size_t *npending);

static inline struct pending_plain *pending_at(struct dwarf_reader *r, size_t k)
{
	return &r->pending[k];
}

/* Element i of the reader's scratch array of elem-byte elements (grown as
 * needed, contents kept), or NULL; scratch_to_arena copies the first n
 * into the CU arena. */
void *scratch_at(struct dwarf_reader *r, size_t i, size_t elem);
void *scratch_to_arena(struct dwarf_reader *r, size_t n, size_t elem);

/* If die is an annotation (clang's DW_TAG_LLVM_annotation, GCC's
 * DW_TAG_GNU_annotation) named kind ("btf_decl_tag", "btf_type_tag"): its
 * value string, else NULL. */
const char *annotation_value(struct dwarf_reader *r, Dwarf_Die *die, const char *kind);

/* DECL_TAG records for the btf_decl_tag annotations among die's children
 * (read_dwarf.c); target is the record they tag, component its index or -1. */
int add_decl_tags(struct dwarf_reader *r, Dwarf_Die *die, long target, int component);

/* dwarf_siblingof(die, die), skipping the decoding when die's attributes
 * are the ones in the reader's cache (stages/read/die_attrs.h). */
static inline int next_sibling(struct dwarf_reader *r, Dwarf_Die *die)
{
	return die_attrs__siblingof(&r->attrs, die);
}

/* dwarf_tag, dwarf_child, dwarf_haschildren through the CU's plans. */
static inline int die_tag(struct dwarf_reader *r, Dwarf_Die *die)
{
	return die_attrs__tag(&r->attrs, die);
}

static inline int first_child(struct dwarf_reader *r, Dwarf_Die *die, Dwarf_Die *child)
{
	return die_attrs__child(&r->attrs, die, child);
}

/* After a loop over die's children that ended (step returned 1). */
static inline void children_done(struct dwarf_reader *r, Dwarf_Die *die)
{
	die_attrs__children_done(&r->attrs, die);
}

/* After a walk over die's children that stopped with res (first_child's
 * or next_sibling's result): a corrupt tree, or, with what, more than 65535
 * of them (n) for BTF's 16-bit vlen, is an error; else 0. */
int walk_done(struct dwarf_reader *r, Dwarf_Die *die, int res, uint32_t n, const char *what);

/* read_types.c: the records of a type DIE of this tag; 1 if the tag is not
 * a type's. read_struct.c: a STRUCT/UNION (FWD if declared only), leaving
 * its nested type definitions in r->nested_todo for the walk. */
int read_type(struct dwarf_reader *r, Dwarf_Die *die, int tag);
/* Whether read_type reads DIEs of tag (else it returns 1 for them). */
bool read_type__tag(unsigned int tag);
int read_struct(struct dwarf_reader *r, Dwarf_Die *die, bool is_union);

/* read_var.c: a VAR record for a file-scope variable opts->vars selects. */
int read_variable(struct dwarf_reader *r, Dwarf_Die *die);

/* read_func.c: a REC_FUNC candidate for a function definition. */
int read_function(struct dwarf_reader *r, Dwarf_Die *die);

#endif
