/* stages/input/decompress.c: see decompress.h. */
#include "stages/input/decompress.h"
#include "stages/common/grow.h"

#include <elf.h>
#include <errno.h>
#include <gelf.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include <zlib.h>
#include <zstd.h>

#ifndef ELFCOMPRESS_ZSTD
#define ELFCOMPRESS_ZSTD 2
#endif

#define ALIGN 16	/* appended sections start at this alignment */

static uint64_t page_up(uint64_t v)
{
	uint64_t page = (uint64_t)sysconf(_SC_PAGESIZE);

	return (v + page - 1) / page * page;
}

static uint64_t get_n(const unsigned char *p, unsigned int n, bool be)
{
	uint64_t v = 0;

	for (unsigned int i = 0; i < n; i++)
		v = v << 8 | p[be ? i : n - 1 - i];
	return v;
}

static void put_n(unsigned char *p, uint64_t v, unsigned int n, bool be)
{
	for (unsigned int i = 0; i < n; i++, v >>= 8)
		p[be ? n - 1 - i : i] = (unsigned char)v;
}

/* One compressed section: its header as read and what it decompresses to. */
struct zsec {
	size_t ndx;
	uint64_t off, size;		/* the compressed bytes in the file */
	uint64_t flags;			/* sh_flags */
	uint64_t plain_size, plain_align;
	uint64_t new_off;		/* where its plain bytes go in the image */
	uint32_t type;			/* ELFCOMPRESS_ZLIB or ELFCOMPRESS_ZSTD */
};

/* The Chdr of a section at p (size bytes): type, plain size and alignment,
 * and where the stream starts. false if it does not fit. */
static bool read_chdr(const struct input *in, const unsigned char *p, uint64_t size, uint32_t *type,
		      struct zsec *z, uint64_t *hdr)
{
	bool be = in->big_endian;

	if (in->elf_class == ELFCLASS64) {
		if (size < 24)
			return false;
		*type = (uint32_t)get_n(p, 4, be);
		z->plain_size = get_n(p + 8, 8, be);
		z->plain_align = get_n(p + 16, 8, be);
		*hdr = 24;
	} else {
		if (size < 12)
			return false;
		*type = (uint32_t)get_n(p, 4, be);
		z->plain_size = get_n(p + 4, 4, be);
		z->plain_align = get_n(p + 8, 4, be);
		*hdr = 12;
	}
	return true;
}

/* Rewrites section header ndx in the image: offset, size, flags. */
static void patch_shdr(const struct input *in, unsigned char *img, const GElf_Ehdr *eh, const struct zsec *z)
{
	unsigned char *h = img + eh->e_shoff + z->ndx * eh->e_shentsize;
	bool be = in->big_endian;
	uint64_t flags = z->flags & ~(uint64_t)SHF_COMPRESSED;

	if (in->elf_class == ELFCLASS64) {	/* name type flags addr offset size link info align entsize */
		put_n(h + 8, flags, 8, be);
		put_n(h + 24, z->new_off, 8, be);
		put_n(h + 32, z->plain_size, 8, be);
		put_n(h + 48, z->plain_align ? z->plain_align : 1, 8, be);
	} else {				/* the same fields, 4 bytes each */
		put_n(h + 8, flags, 4, be);
		put_n(h + 16, z->new_off, 4, be);
		put_n(h + 20, z->plain_size, 4, be);
		put_n(h + 32, z->plain_align ? z->plain_align : 1, 4, be);
	}
}

/* The compressed .debug_* sections of in, or an error for ones it cannot
 * read. *out is malloc'd (NULL and 0 when there are none). */
static int find_compressed(struct input *in, const GElf_Ehdr *eh, struct zsec **out, size_t *n, struct fail *f)
{
	size_t shstrndx, cap = 0;
	Elf_Scn *scn = NULL;

	*out = NULL;
	*n = 0;
	if (elf_getshdrstrndx(in->elf, &shstrndx) < 0)
		return 0;	/* check_sections says what is wrong */
	while ((scn = elf_nextscn(in->elf, scn))) {
		const char *name;
		struct zsec z = { 0 };
		uint32_t type;
		uint64_t hdr;
		GElf_Shdr sh;

		if (!gelf_getshdr(scn, &sh) || !(name = elf_strptr(in->elf, shstrndx, sh.sh_name)))
			continue;
		if (!strncmp(name, ".zdebug_", 8))
			return fail__set(f, -ENOTSUP, "input: %s: GNU-compressed DWARF (section %s) is not supported; "
					 "decompress it first: objcopy --decompress-debug-sections IN OUT", in->path, name);
		if (!(sh.sh_flags & SHF_COMPRESSED) || strncmp(name, ".debug_", 7) || sh.sh_type == SHT_NOBITS)
			continue;
		if (sh.sh_offset > in->size || sh.sh_size > in->size - sh.sh_offset)
			return 0;	/* check_sections says what is wrong */
		z.ndx = elf_ndxscn(scn);
		z.flags = sh.sh_flags;
		z.off = sh.sh_offset;
		z.size = sh.sh_size;
		if (!read_chdr(in, (const unsigned char *)in->map + z.off, z.size, &type, &z, &hdr) ||
		    z.plain_size > ((uint64_t)1 << 40))
			return fail__set(f, -EINVAL, "input: %s: corrupt compressed section %s", in->path, name);
		if (type != ELFCOMPRESS_ZLIB && type != ELFCOMPRESS_ZSTD)
			return fail__set(f, -ENOTSUP, "input: %s: section %s is compressed with unknown type %u", in->path,
					 name, type);
		if (GROW(*out, cap, *n + 1, 16))
			return fail__set(f, -ENOMEM, "input: %s: out of memory", in->path);
		z.type = type;
		(*out)[(*n)++] = z;
	}
	(void)eh;
	return 0;
}

/* A zstd section (one or more frames) into the image: exactly plain_size
 * bytes, or an error. */
static int unzstd_one(const struct input *in, unsigned char *img, const struct zsec *z, uint64_t hdr,
		      struct fail *f)
{
	size_t got = ZSTD_decompress(img + z->new_off, z->plain_size, (const char *)in->map + z->off + hdr,
				     z->size - hdr);

	if (ZSTD_isError(got) || got != z->plain_size)
		return fail__set(f, -EINVAL, "input: %s: corrupt zstd-compressed section at file offset 0x%llx%s%s",
				 in->path, (unsigned long long)z->off, ZSTD_isError(got) ? ": " : "",
				 ZSTD_isError(got) ? ZSTD_getErrorName(got) : "");
	return 0;
}

/* Inflates section z of the original mapping into the image. */
static int inflate_one(const struct input *in, unsigned char *img, const struct zsec *z, struct fail *f)
{
	uint64_t hdr = in->elf_class == ELFCLASS64 ? 24 : 12;
	z_stream s = { 0 };
	int ret;

	if (z->type == ELFCOMPRESS_ZSTD)
		return unzstd_one(in, img, z, hdr, f);

	if (inflateInit(&s) != Z_OK)
		return fail__set(f, -ENOMEM, "input: %s: out of memory", in->path);
	s.next_in = (unsigned char *)in->map + z->off + hdr;
	s.avail_in = (uInt)(z->size - hdr);
	s.next_out = img + z->new_off;
	s.avail_out = (uInt)z->plain_size;
	/* sections over 4 GiB are fed in pieces: avail_* are 32-bit */
	if (z->size - hdr > UINT32_MAX || z->plain_size > UINT32_MAX) {
		inflateEnd(&s);
		return fail__set(f, -ENOTSUP, "input: %s: a compressed section over 4 GiB is not supported", in->path);
	}
	ret = inflate(&s, Z_FINISH);
	inflateEnd(&s);
	if (ret != Z_STREAM_END || s.total_out != z->plain_size)
		return fail__set(f, -EINVAL, "input: %s: corrupt compressed section at file offset 0x%llx", in->path,
				 (unsigned long long)z->off);
	return 0;
}

/* Every section into its place in the image, its header patched; then the
 * compressed bytes, which are not read again, let go (whole pages). */
static int inflate_all(struct input *in, unsigned char *img, const GElf_Ehdr *eh, struct zsec *zs, size_t n,
		       struct fail *f)
{
	uint64_t page = (uint64_t)sysconf(_SC_PAGESIZE);
	int err = 0;

	for (size_t i = 0; i < n && !err; i++)
		if (!(err = inflate_one(in, img, &zs[i], f)))
			patch_shdr(in, img, eh, &zs[i]);
	for (size_t i = 0; i < n && !err; i++) {
		uint64_t from = page_up(zs[i].off), to = (zs[i].off + zs[i].size) / page * page;

		if (to > from)
			madvise(img + from, to - from, MADV_DONTNEED);
	}
	return err;
}

int decompress__apply(struct input *in, struct fail *f)
{
	struct zsec *zs;
	unsigned char *img;
	uint64_t size;
	GElf_Ehdr eh;
	size_t n;
	int err;

	if (!gelf_getehdr(in->elf, &eh))
		return 0;
	if ((err = find_compressed(in, &eh, &zs, &n, f)) || !n) {
		free(zs);
		return err;
	}
	size = page_up(in->size);
	for (size_t i = 0; i < n; i++) {
		zs[i].new_off = size;
		size += (zs[i].plain_size + ALIGN - 1) / ALIGN * ALIGN;
	}
	if (in->elf_class != ELFCLASS64 && size > UINT32_MAX) {
		free(zs);
		return fail__set(f, -ENOTSUP, "input: %s: decompressed, the file would pass 4 GiB (ELF32)", in->path);
	}
	/* libelf's handle reads the old mapping: done with before it moves */
	elf_end(in->elf);
	in->elf = NULL;
	/* the image: the file's own private mapping moved to the front of a
	 * reservation (no copy: its pages stay file pages, read on demand),
	 * the plain sections in anonymous memory after it */
	img = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (img == MAP_FAILED) {
		free(zs);
		return fail__set(f, -ENOMEM, "input: %s: out of memory for the decompressed DWARF (%llu MB)", in->path,
				 (unsigned long long)(size >> 20));
	}
	if (mremap(in->map, in->size, in->size, MREMAP_MAYMOVE | MREMAP_FIXED, img) == MAP_FAILED) {
		err = -errno;
		munmap(img, size);
		free(zs);
		return fail__set(f, err, "input: %s: cannot map the decompressed DWARF: %s", in->path, strerror(-err));
	}
	in->map = img;	/* the file's bytes are at the front now; in->size unchanged */
	err = inflate_all(in, img, &eh, zs, n, f);
	free(zs);
	if (err) {	/* in->map is img: input__close unmaps the file part, this the rest */
		munmap(img + page_up(in->size), size - page_up(in->size));
		return err;
	}
	in->size = size;
	in->pinned = true;	/* the header page was written; the plain sections are anonymous */
	in->image = true;
	in->elf = elf_memory(in->map, in->size);
	if (!in->elf)
		return fail__set(f, -EINVAL, "input: %s: corrupt ELF file after decompression: %s", in->path, elf_errmsg(-1));
	return 0;
}
