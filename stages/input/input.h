/* stages/input/input.h: the input ELF file, mapped once and shared read-only.
 *
 * input__open runs on the main thread before any other stage. It maps the file
 * privately (nothing is ever written back), checks that it is an ELF file with
 * DWARF, and opens the main thread's libelf/libdw handles. Reader threads open
 * their own handles on the same mapping with input__open_dwarf; strings that
 * libdw returns from .debug_str point into the mapping (or into that handle's
 * decompressed copy) and stay valid until input__close.
 */
#ifndef BTFSTREAM_INPUT_H
#define BTFSTREAM_INPUT_H

#include <elfutils/libdw.h>
#include <libelf.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "stages/common/fail.h"

struct input {
	const char *path;
	void *map;
	size_t size;
	Elf *elf;		/* main thread's handle */
	Dwarf *dwarf;		/* main thread's handle */
	bool big_endian;
	bool relocatable;	/* ET_REL: DWARF relocated in the mapping (stages/input/reloc.h) */
	bool pinned;		/* the mapping's pages are never released: relocated,
				   or an image in memory (stages/input/decompress.h) */
	bool image;		/* the mapping is that image: its plain sections are
				   anonymous pages, which come back as zeros */
	bool release_units;	/* relocated, yet a written unit's pages may go:
				   no unit refers into another, and .debug_info is
				   INPUT_RELEASE_MIN or more (input__release_unit;
				   BTFSTREAM_KEEP_UNITS=1 keeps them, for tests) */
	const char *units_kept;	/* relocated, and why its written units stay (or NULL) */
	uint64_t rela_let_go;	/* bytes of applied relocation sections dropped (main thread) */
	uint64_t rela_unmapped;	/* ... read with pread instead: never resident (main thread) */
	uint64_t units_let_go;	/* bytes of written relocated units dropped (writer) */
	unsigned int elf_class;	/* ELFCLASS32 / ELFCLASS64 */
	unsigned int machine;	/* e_machine */
	uint64_t debug_info_off;	/* file offset of .debug_info (0 if compressed) */
	uint64_t debug_info_size;	/* ... its size */
	int fd;			/* the file, open while fd_open (until input__close): */
	bool fd_open;		/* bytes read with pread map no page (cu_index.h) */
	uint64_t debug_str_off, debug_str_size;	/* .debug_str (0 if compressed or absent) */
	uint64_t loclists_off, loclists_size;	/* .debug_loclists (the same) */
	uint64_t loc_off, loc_size;		/* .debug_loc (the same) */
	uint64_t abbrev_off, abbrev_size;	/* .debug_abbrev (the same) */
	uint64_t released;		/* file offset up to which pages were released:
					   written by one thread at a time (the main
					   thread, or a release round under the
					   releaser's lock: pipeline/releaser.h), read
					   by any; both atomically, through the
					   functions below (input__released) */
#define INPUT_MAX_AUX 8
	uint64_t aux_off[INPUT_MAX_AUX], aux_size[INPUT_MAX_AUX];	/* .debug_loclists/rnglists/loc/ranges/abbrev, .symtab and its strings */
	unsigned int naux;
};

/* Open and check path. Returns 0, or -errno with the reason in f
 * ("FILE: not an ELF file", "FILE: no DWARF (.debug_info) found", ...). */
int input__open(struct input *in, const char *path, struct fail *f);

/* A new Elf + Dwarf pair over the same mapping, for one reader thread.
 * Returns 0 or -errno (reason in f). Close with input__close_dwarf. */
int input__open_dwarf(struct input *in, Elf **elf, Dwarf **dwarf, struct fail *f);
void input__close_dwarf(Elf *elf, Dwarf *dwarf);

/* Drop the resident pages of the mapping between in->released and file
 * offset end (whole pages only), so input already processed does not stay in
 * memory. Any thread that later touches them faults them back in from the
 * file, unchanged: the mapping is private and never written. One caller at
 * a time (it reads in->released, then moves it): the main thread, or a
 * release round under the releaser's lock (pipeline/releaser.h). */
void input__release_until(struct input *in, uint64_t end);

/* Drop every resident page of .debug_info up to size bytes into it (the
 * CU index touches a page or two of every CU, and the kernel maps up to
 * 64 KiB around each: the index calls this as it goes), keeping
 * in->released where it was. Main thread, before the readers start. */
void input__release_debug_info(struct input *in, uint64_t size);

/* Drop the resident pages of the location and range lists and of the
 * abbreviations (readers touch them CU by CU and come back only for CUs in
 * flight, which fault the few pages they need back in), and again those of
 * .debug_info behind in->released (CU headers libdw read after the writer
 * let them go). Not for relocated inputs. One caller at a time, as
 * input__release_until. */
void input__release_aux(struct input *in);

/* Drop again the resident pages of .debug_info behind in->released (CU
 * headers libdw read after the writer let them go: a reader's fresh Dwarf
 * reads every header before its CU). Not for relocated inputs. Any thread:
 * in->released is read atomically, and pages behind it are needed by no one. */
void input__sweep_released(struct input *in);

/* Drop the resident pages wholly inside [off, off + size) of the file's
 * mapping, bytes nothing wrote and nothing reads again: a relocation
 * section once applied (stages/input/reloc.c), whose ~17 MB stayed resident
 * for the whole run of xfs.ko. The pages at either end, which may also
 * hold relocated bytes of the next section, stay; so does everything of a
 * decompressed image (in->image). Main thread, at input time. */
void input__release_range(struct input *in, uint64_t off, uint64_t size);

/* A relocated input's unit at byte off of .debug_info, size bytes long,
 * just written: drop its pages but the first (its header and unit DIE,
 * which a reader's libdw reads again when it looks for a later unit from
 * the start; the rest comes back unrelocated if touched, and no reader
 * touches it: no unit refers into another, see stages/input/unit_refs.h).
 * Only when in->release_units; the relocated .debug_info was all resident
 * until the end (11 MB of xfs.ko's 60 MB peak). Writer only. */
void input__release_unit(struct input *in, uint64_t off, uint64_t size);

/* in->released, read atomically. Any thread. */
uint64_t input__released(const struct input *in);

/* Drop every resident page of the mapping: the BTF holds copies of all the
 * input's strings now. Relocated inputs too (their .debug_info, all of it
 * written, was 11 MB of xfs.ko's peak): nothing reads the DWARF once the
 * readers are joined, so nothing sees the file's unrelocated bytes come
 * back. Not a decompressed image (in->image). Main thread, once the readers
 * are joined. */
void input__release_all(struct input *in);

/* Releases the main handles and the mapping. Fine on a zeroed struct. */
void input__close(struct input *in);

#endif
