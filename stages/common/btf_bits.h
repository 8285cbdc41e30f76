/* stages/common/btf_bits.h: refuse BTF whose type words use bits that the
 * libbpf we link cannot read.
 *
 * The kernel's BTF UAPI from 7.1 widens a type's vlen from 16 to 24 bits and
 * its kind from 5 to 7 bits. libbpf 1.1.2 (Debian 12) masks info at the old
 * widths, so such a type would be read as another kind or with fewer members,
 * and every type after it from the wrong offset: a silently wrong base BTF or
 * diff. btf_bits__check walks a parsed BTF in id order (its own types only,
 * not a base's) and reports the first type whose info has a bit set that the
 * old layout leaves unused (bits 16-23 and 29-30). The types before it were
 * read correctly, so the id it names is the real culprit.
 *
 * Any thread may call it on a BTF nobody is modifying. Returns 0, or the id
 * of the first offending type with *info set to that type's info word.
 * It reads each type's info word: call it only on a BTF whose types are
 * aligned (btf_bits__misaligned false; btf_bits__why checks both).
 */
#ifndef BTFSTREAM_BTF_BITS_H
#define BTFSTREAM_BTF_BITS_H

#include <stdbool.h>
#include <stdint.h>

struct btf;

/* the bits of btf_type.info that the 16-bit vlen / 5-bit kind layout leaves unused */
#define BTF_BITS_UNUSED_16_5 0x60ff0000u

uint32_t btf_bits__check(const struct btf *btf, uint32_t *info);

/* libbpf 1.1 checks the type section's offset but not the header's length:
 * a header of 26 bytes puts every type 2 bytes off, where reading one is
 * undefined (fuzz_base found it). True when the BTF's own first type is not
 * at a multiple of 4 bytes. */
bool btf_bits__misaligned(const struct btf *btf);

/* btf_bits__why: when the BTF is misaligned or btf_bits__check finds a type, write the one-line cause
 * (without the file name) into buf and return -EPROTO; otherwise return 0. */
int btf_bits__why(const struct btf *btf, char *buf, unsigned long len);

#endif
