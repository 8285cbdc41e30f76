/* stages/common/libbpf_caps.h: what the libbpf btfstream runs with accepts.
 *
 * btfstream is built against Debian 12's libbpf 1.1 but may run with a newer
 * one (a distribution's libbpf.so.1 is replaced under it, or it is built on
 * a newer release). Two behaviours matter to the merge thread:
 *
 * - names_checked: libbpf 1.3 and later check every name offset when they
 *   parse BTF (btf_sanity_check) and refuse, with a warning on stderr, a
 *   BTF whose names point past its string section; 1.1 does not look. The
 *   merge thread hands each batch over with a string section of just ""
 *   (stages/dedup/merge.c) only where that is accepted.
 * - btf__new_split: exported from libbpf 1.4 on (1.1 declares it in btf.h
 *   but does not export it); elf_btf__from_bytes then needs no memory file.
 *
 * Probed, not read from the version numbers: what counts is what the library
 * does. The probe parses a 40-byte BTF with libbpf's printing off, once
 * (pthread_once). Call it first on the main thread while no other thread
 * uses libbpf (libbpf_set_print is process-wide); later calls from any
 * thread read the result.
 */
#ifndef BTFSTREAM_LIBBPF_CAPS_H
#define BTFSTREAM_LIBBPF_CAPS_H

#include <stdbool.h>
#include <stdint.h>

struct btf;

struct libbpf_caps {
	bool names_checked;	/* btf__new refuses a name past the string section */
	/* btf__new_split if the library exports it, else NULL */
	struct btf *(*new_split)(const void *data, uint32_t size, struct btf *base);
};

const struct libbpf_caps *libbpf_caps__get(void);

#endif
