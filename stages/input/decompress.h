/* stages/input/decompress.h: compressed DWARF made plain, once, for every handle.
 *
 * gcc -gz and the kernel's CONFIG_DEBUG_INFO_COMPRESSED write .debug_*
 * sections with SHF_COMPRESSED (an Elf{32,64}_Chdr, then a zlib stream, or
 * zstd frames with ELFCOMPRESS_ZSTD: -gz=zstd, CONFIG_DEBUG_INFO_COMPRESSED_ZSTD).
 * libdw decompresses such a section in place in the Elf handle it opens,
 * header included; over one shared mapping the other handles then saw
 * half-changed headers. Instead, before any handle is opened, the input is
 * replaced by an image in anonymous memory: the file's bytes, each
 * compressed debug section decompressed and appended after them, and its
 * section header rewritten (offset, size, flags) in the file's class and
 * byte order. Every handle then reads plain sections, decompressed once.
 *
 * The image is memory of the process: its pages are never released behind
 * the writer (input->pinned), so a compressed vmlinux costs its whole
 * decompressed DWARF in RSS (libdw in pahole holds the same).
 * Both zlib and zstd are read here (libzstd: elfutils 0.188, Debian 12's,
 * cannot read zstd at all); GNU .zdebug_* sections are refused with a clear
 * error. Main thread, in input__open.
 */
#ifndef BTFSTREAM_DECOMPRESS_H
#define BTFSTREAM_DECOMPRESS_H

#include "stages/common/fail.h"
#include "stages/input/input.h"

/* If in's ELF (in->elf over in->map) has compressed .debug_* sections,
 * replaces in->map/in->size/in->elf with the decompressed image and sets
 * in->pinned; otherwise changes nothing. Returns 0 or -errno (reason in f). */
int decompress__apply(struct input *in, struct fail *f);

#endif
