/* stages/record/rec_btf.h: a type record in BTF's own layout, its ids raw.
 *
 * A record (record.h) encoded as the struct btf_type it becomes, with its
 * trailing part (INT's encoding word, btf_array, members, enumerators,
 * parameters), but every name field still a strtab id and every type field
 * still a CU-local ref (REF_VOID, REF_INDEX_TYPE, or 1..n). The writer turns
 * those into batch names and type ids in place (stages/write/write_btf.c),
 * which it does the same way whether it encoded the record itself or a
 * reader did (read_opts.btf_bytes: a CU's types cross the queue as one block
 * of such bytes in the CU's arena, so the writer copies a block and rewrites
 * its ids instead of building each type from a record).
 *
 * A VAR is encoded with vlen 0: its section slot, offset and size travel
 * beside it (record.h, REC_VAR_PLACE).
 *
 * Pure functions on caller memory; any thread.
 */
#ifndef BTFSTREAM_REC_BTF_H
#define BTFSTREAM_REC_BTF_H

#include <stddef.h>
#include <stdint.h>

#include "stages/record/record.h"

/* Bytes r takes in BTF (struct btf_type and what follows it). */
size_t rec_btf__size(const struct type_rec *r);

/* Writes r's rec_btf__size(r) bytes at out (4-byte aligned). Returns that
 * size, or -EINVAL for a record of a kind that carries no vlen entries but
 * has some. */
long rec_btf__encode(const struct type_rec *r, void *out);

#endif
