/* stages/read/sec_window.h: a section of the input file read with pread, a
 * chunk at a time, instead of through the input's mapping.
 *
 * Why: the location lists (.debug_loclists, .debug_loc) are read a few bytes
 * per parameter, spread over the whole section. Through the mapping, each
 * first touch maps what the kernel maps around it: on kernels that map a
 * whole large page-cache folio at a fault (Linux 6.18 does), 1-2 MiB of
 * file pages counted in the process's RSS for tens of bytes read, 2-4 MB of
 * the vmlinux's peak at -j2 (docs/design.md, "Session 20"). A window holds
 * SEC_WINDOW_CHUNK bytes read with one pread; the readers go through the
 * lists of each CU in order, so one read serves many lists.
 *
 * Only for a section whose bytes in the file are what the readers need:
 * not relocated in the mapping, not decompressed into it (the caller,
 * pipeline.c, decides).
 *
 * Threads: a window belongs to one reader thread; the sec_file it reads
 * (the descriptor and the section's place) is shared and read-only. pread
 * leaves the descriptor's file offset alone, so readers share the fd.
 */
#ifndef BTFSTREAM_SEC_WINDOW_H
#define BTFSTREAM_SEC_WINDOW_H

#include <stddef.h>
#include <stdint.h>

#define SEC_WINDOW_CHUNK (64u << 10)	/* bytes one pread asks for, at least */

struct sec_file {
	int fd;
	uint64_t off, size;	/* the section's place in the file; size 0: none to read */
};

struct sec_window {	/* all zero: empty */
	unsigned char *buf;		/* holds the section's bytes [lo, hi) */
	size_t cap;
	uint64_t lo, hi;
	uint64_t reads, bytes;		/* preads made, bytes they read (stats) */
};

/*
 * Section s's bytes from off (a window reads one section, always the same):
 * a pointer into the window, *end set past
 * the last byte it holds. At least min(want, size - off) bytes are there
 * (a read of max(want, SEC_WINDOW_CHUNK) bytes from off if they were not).
 * *at_section_end tells whether *end is the section's end (else a list
 * running into *end may go on: ask again with a larger want). NULL: off is
 * past the section, or the read failed (errno set; the caller falls back
 * to another way of reading, as for bytes it cannot parse).
 */
const unsigned char *sec_window__at(struct sec_window *w, const struct sec_file *s, uint64_t off, size_t want,
				    const unsigned char **end, int *at_section_end);

/* Frees the buffer; the window may be used again (it reads afresh). */
void sec_window__fini(struct sec_window *w);

#endif
