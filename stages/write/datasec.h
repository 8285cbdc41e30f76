/* stages/write/datasec.h: the DATASECs, made once every VAR has its final id.
 *
 * Writer thread (the main thread), after the merge: one DATASEC per section
 * that has variables, in section index order, secinfos sorted by offset
 * (then VAR id), the DATASEC's size being the end of its last variable
 * (pahole's rule).
 */
#ifndef BTFSTREAM_DATASEC_H
#define BTFSTREAM_DATASEC_H

#include <stddef.h>
#include <stdint.h>

struct btf;
struct elf_vars;
struct placed_names;

struct final_secinfo {
	uint32_t var;		/* final VAR id */
	uint32_t offset, size;
	uint32_t slot;		/* section slot (stages/input/elf_vars.h) */
};

/* Sorts s[0..n) and adds the DATASECs to btf. A section whose name's
 * strtab id (name_ids[slot], may be NULL) is in placed (may be NULL) is
 * named by its offset there (stages/write/named_type.h). Returns 0 or
 * -errno. */
int datasec__add_all(struct btf *btf, const struct elf_vars *vars, struct final_secinfo *s, size_t n,
		     const struct placed_names *placed, const uint32_t *name_ids);

#endif
