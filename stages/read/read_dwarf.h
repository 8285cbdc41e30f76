/* stages/read/read_dwarf.h: stage 2, a reader turns one CU's DIEs into type records.
 *
 * References into other CUs (DW_FORM_ref_addr, as LTO and dwz produce) are
 * followed by the reader itself: the DIEs they name are read into the
 * current CU as its own records (dedup merges the copies), so records never
 * refer outside their CU.
 *
 * Each reader thread owns one struct dwarf_reader with its own libdw handle
 * (libdw handles are not shared between threads; see docs/design.md). A reader
 * reads one CU at a time: dwarf_reader__read_cu fills r->recs[0..r->nrecs) in
 * DIE order, with every intra-CU reference already resolved to a CU-local ref
 * (stages/record/record.h) and every name interned in the shared strtab. Payloads go
 * into the arena the caller gives; the records array is the reader's scratch,
 * reused by the next call, so the caller copies the records out (into the
 * queue) before reading the next CU.
 *
 * Mapping rules (pahole's, see docs/btf-rules.md): base types -> INT/FLOAT,
 * pointer and reference types -> PTR (+ TYPE_TAG chain from btf_type_tag
 * annotations), arrays -> one ARRAY (dimensions multiplied), struct/class/union ->
 * STRUCT/UNION or FWD for declarations, enums -> ENUM/ENUM64, typedef, const,
 * volatile, restrict, subroutine types -> FUNC_PROTO, btf_decl_tag annotations
 * -> DECL_TAG. _Atomic is transparent; unspecified types are void; complex
 * floats are ARRAY[2] of FLOAT; imaginary and decimal floats are void. File-scope
 * variables that opts->vars selects -> VAR (record fields: see record.h).
 */
#ifndef BTFSTREAM_READ_DWARF_H
#define BTFSTREAM_READ_DWARF_H

#include <elfutils/libdw.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "stages/read/type_guard.h"
#include "stages/read/type_hash.h"
#include "stages/read/type_order.h"
#include "stages/record/rec_order.h"
#include "stages/record/arena.h"
#include "stages/input/cu_index.h"
#include "stages/read/die_attrs.h"
#include "stages/read/die_map.h"
#include "stages/read/param_loc.h"
#include "stages/common/fail.h"
#include "stages/record/record.h"

struct ring_mpsc;
struct pending_plain;

struct strtab;
struct elf_vars;
struct elf_funcs;

struct read_opts {
	bool big_endian;	/* byte order of the target, for DWARF 2/3 bit offsets and addresses */
	unsigned int addr_size;	/* bytes in a target address (4 or 8) */
	unsigned int machine;	/* e_machine, for the calling convention check */
	bool funcs;		/* send REC_FUNC candidates for function definitions */
	const struct elf_funcs *elf_funcs; /* their ELF symbols: a name without one gets a
					      bare candidate, its parameters are not read */
	bool gen_floats;	/* FLOAT kind (pahole --btf_gen_floats); else floats are skipped */
	bool type_tag;		/* TYPE_TAG from btf_type_tag annotations */
	bool decl_tag;		/* DECL_TAG from btf_decl_tag annotations */
	bool enum64;		/* ENUM64 for enums wider than 4 bytes */
	const struct elf_vars *vars; /* variables that get a VAR (stages/input/elf_vars.h); NULL: none */
	const uint32_t *lang_exclude;	/* DW_LANG_* of CUs read as empty (--lang_exclude) */
	unsigned int n_lang_exclude;
	/* .debug_info in the input mapping: names inside it (DW_FORM_string)
	 * are copied into the strtab, not borrowed, so its pages can go */
	const char *info_lo, *info_hi;
	/* .debug_abbrev in the mapping (NULL if compressed): the readers parse
	 * each CU's abbreviations themselves (stages/read/die_attrs.h) */
	const unsigned char *abbrev_lo, *abbrev_hi;
	struct name_cache *names; /* ids of .debug_str names, shared by the readers; may be NULL */
	/* with elf_funcs and names: function names in .debug_str without a
	 * symbol set here, not interned nor sent (stages/read/no_symbol_names.h);
	 * NULL: each sent as a bare candidate (--funcs-report lists them) */
	struct no_symbol_names *no_symbol;
	/* .debug_str in the mapping when it ends with a NUL (names are then
	 * read from it without libdw); NULL otherwise */
	const char *debug_str;
	size_t debug_str_size;
	struct param_loc_sections locs;	/* location lists in the mapping or the file (stages/read/param_loc.h) */
	bool btf_bytes;		/* send a CU's types encoded (stages/record/rec_btf.h) in its
				 * arena, not as records (record.h, CU_BEGIN; not with type_hashes) */
	bool type_order;	/* with btf_bytes: each type's offset and an order to decide
				 * them in follow the bytes (record.h, CU_BEGIN; rec_order.h) */
	bool type_hashes;	/* each CU_BEGIN carries, in the CU's arena, the records'
				 * structural hashes (payload: uint64_t[extra], stages/read/type_hash.h;
				 * 0: kept from pre-deduplication, type_guard.h) and right after them
				 * the order to match them in (uint32_t[extra], type_order.h) */
};

/* The children of a function DIE its reading looks at, with their tags. */
struct func_kid {
	Dwarf_Die die;
	int tag;
};

struct func_kids {
	struct func_kid *kid;
	uint32_t n;
	size_t cap;
};

struct read_stats {
	uint64_t cus;
	uint64_t dies;		/* DIEs visited */
	uint64_t records;	/* type records produced */
	uint64_t bytes;		/* .debug_info bytes of the CUs read */
	uint64_t unresolved;	/* references to DIEs that give no type (become void) */
	uint64_t unsupported;	/* types BTF cannot express (references become void) */
	uint64_t funcs;		/* function candidates sent */
	uint64_t memo_hits;	/* names found in the name cache or the pointer memo */
	uint64_t imported;	/* DIEs of other CUs read into a CU (LTO, dwz) */
	uint64_t guarded;	/* records kept from pre-deduplication (stages/read/type_guard.h) */
	uint64_t libdw_cus;	/* CUs during which libdw was asked about a DIE
				   (die_attrs__asked_libdw): its handle grew */
};

#define NAME_MEMO_BITS 16
#define NAME_MEMO_SIZE (1u << NAME_MEMO_BITS)

struct name_memo {	/* a name pointer already interned, and its id */
	const char *p;
	uint32_t id;
};

/* Names of up to 8 bytes held inside .debug_info (DW_FORM_string: GCC puts
 * names that are no longer than a .debug_str offset inline, "i", "len",
 * "pad"), keyed by their bytes: each copy has its own address, so the
 * pointer memo never hit them. */
#define SHORT_NAME_BITS 12
#define SHORT_NAME_SIZE (1u << SHORT_NAME_BITS)

struct short_name {
	uint64_t key;		/* the bytes, zero-padded; 0: empty slot */
	uint32_t id;
};

/* A function name's ELF symbols (stages/input/elf_funcs.h), by its strtab
 * id: the same inline function from a header is defined in CU after CU
 * (185K lookups for 72K names in the Debian vmlinux), and a name without a
 * symbol (29.6K of them) probes the index far before it fails. */
#define FUNC_SYMS_MEMO_BITS 12
#define FUNC_SYMS_MEMO_SIZE (1u << FUNC_SYMS_MEMO_BITS)

struct func_syms_memo {
	uint32_t name;		/* strtab id; 0: empty slot */
	uint32_t first;		/* elf_funcs__find's answer */
	uint32_t n;		/* ... UINT32_MAX: the name has no symbol */
};

struct dwarf_reader {
	/* set by the caller before the first read, then read-only */
	const struct read_opts *opts;
	struct strtab *strtab;
	const char *path;
	Dwarf *dw;
	struct fail *fail;
	unsigned int id;	/* the reader's number, for probes */

	/* results of the last dwarf_reader__read_cu */
	struct type_rec *recs;	/* type records, local ref r = recs[r - 1] */
	size_t nrecs;
	struct type_rec *funcs;	/* REC_FUNC candidates (they take no type id) */
	size_t nfuncs;
	uint32_t int_ref;	/* ref of the CU's "int" base type, REF_VOID if none */

	/* scratch */
	size_t cap, funcs_cap;
	struct die_map map;
	struct name_memo *memo;	/* NAME_MEMO_SIZE slots, allocated on first use */
	struct short_name *short_names;	/* SHORT_NAME_SIZE slots, allocated on first use */
	struct func_syms_memo *func_syms;	/* FUNC_SYMS_MEMO_SIZE slots, allocated on first use */
	struct arena *arena;
	uint64_t cu_off, cu_end;
	uint64_t first_die;	/* the unit DIE's offset in its unit (after the header) */
	Dwarf_CU *cu;		/* the CU being read */
	uint64_t loclists_base;	/* its DW_AT_loclists_base, 0 if none */
	uint32_t *imports;	/* DIE offsets in other CUs this CU refers to */
	size_t nimports, imports_cap;
	void *scratch;		/* a list (members, values, params) while it is read */
	size_t scratch_cap;	/* bytes */
	struct pending_plain *pending;	/* plain DIEs of the list being read (read_internal.h) */
	size_t pending_cap;
	uint64_t *hash_tmp;	/* type_hash__cu's scratch */
	size_t hash_tmp_cap;	/* words */
	struct type_guard_scratch guard;	/* type_guard__mark's */
	struct type_order_scratch order;	/* type_order__cu's */
	struct rec_order_scratch rec_order;	/* rec_order__cu's */
	struct type_hash_scratch closure;	/* type_hash__closure's */
	uint32_t *nested;	/* offsets of type DIEs nested in a struct (C++) */
	size_t nnested, nested_cap;
	const uint32_t *nested_todo;	/* read_struct's copy of them (CU arena), for the walk */
	uint32_t nnested_todo;
	uint32_t *tagged;	/* (member index, DIE offset) of a struct's members with children */
	size_t ntagged, tagged_cap;
	bool struct_tagged;	/* the struct being read has annotation children */
	unsigned int level;	/* DIE tree depth of the children being visited */
	struct die_attrs attrs;	/* plans for walking attributes (stages/read/die_attrs.h) */
	struct param_loc_windows loc_windows;	/* location lists read with pread (param_loc.h) */
	struct arena own;	/* with opts->btf_bytes, the payloads while a CU is read: the
				   CU's arena then gets its bytes and its candidates' only */
	size_t rec_bytes, rec_bytes_of;	/* the BTF bytes of the first rec_bytes_of records (resolve_all) */
	struct die_scan_out body;	/* types found in a function's body (read_cu.c, visit_body) */
	struct func_kids fkids[2];	/* a function's and its abstract instance's children (read_func.c) */
	struct type_rec *places;	/* REC_VAR_PLACE records of a CU sent as bytes */
	size_t places_cap;
	struct read_stats stats;
};

/* Read the CU ci into r->recs (see above). The calling thread must be
 * registered with RCU (the strtab needs it). Returns 0, or -errno with the
 * reason ("read_dwarf: FILE: CU 0x...: ...") recorded in r->fail. */
int dwarf_reader__read_cu(struct dwarf_reader *r, const struct cu_info *ci, struct arena *arena);

/* The reader's hand-off: reads CU number cu (ci) into a fresh arena (a CU
 * of a language in opts->lang_exclude gives nothing) and pushes it into
 * out, framed:
 *   CU_BEGIN (extra = records, elem = cu, index = its "int")
 *   its type records (with opts->btf_bytes: none, but their bytes in the
 *   arena, and a REC_VAR_PLACE record for each VAR), its function candidates,
 *   CU_END (elem = cu, payload = the arena, which the consumer frees:
 *           arena__free, then free).
 * Returns 0, -EPIPE if out was closed (another thread failed), or -errno
 * (reason in r->fail). Reader thread. */
int dwarf_reader__push_cu(struct dwarf_reader *r, const struct cu_info *ci, unsigned int cu,
			  struct ring_mpsc *out);

/* Frees the scratch; not r->dw. */
void dwarf_reader__fini(struct dwarf_reader *r);

#endif
