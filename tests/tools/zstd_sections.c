/* tests/tools/zstd_sections.c IN OUT: a copy of ELF file IN whose
 * zlib-compressed sections (SHF_COMPRESSED, ELFCOMPRESS_ZLIB, as objcopy
 * --compress-debug-sections=zlib-gabi or gcc -gz write them) are compressed
 * with zstd instead (ELFCOMPRESS_ZSTD): GCC 12 and binutils 2.40 cannot
 * write zstd sections. A section whose zstd stream fits where the zlib one
 * was stays there; a bigger one moves to the end of the file (these are
 * not allocated sections: nothing else points at them). Exit 0, or 2 (not
 * such an ELF file). ELF32/ELF64, either byte order.
 * A test helper (tests/integ/0015-zstd.sh), built by the test itself.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>
#include <zstd.h>

static bool be, is64;

static uint64_t get(const unsigned char *p, int n)
{
	uint64_t v = 0;

	for (int i = 0; i < n; i++)
		v = v << 8 | p[be ? i : n - 1 - i];
	return v;
}

static void put(unsigned char *p, uint64_t v, int n)
{
	for (int i = 0; i < n; i++, v >>= 8)
		p[be ? n - 1 - i : i] = (unsigned char)v;
}

static unsigned char *d;	/* the file, grown at its end for moved sections */
static size_t len;

/* Recompresses the section whose header is at index i (shoff, shentsize);
 * 0, or 2 on failure. */
static int recompress(uint64_t shoff, uint64_t shentsize, uint64_t i)
{
	int w = is64 ? 8 : 4, hdr = is64 ? 24 : 12;
	unsigned char *sh = d + shoff + i * shentsize, *c, *plain, *z, *nd;
	uint64_t off = get(sh + (is64 ? 24 : 16), w), size = get(sh + (is64 ? 32 : 20), w);
	uLongf plain_len;
	size_t zlen, at;

	if (off > len || size > len - off || size < (uint64_t)hdr || get(d + off, 4) != 1 /* ELFCOMPRESS_ZLIB */)
		return 0;
	c = d + off;
	plain_len = (uLongf)get(c + (is64 ? 8 : 4), w);
	plain = malloc(plain_len + 1);
	z = malloc(ZSTD_compressBound(plain_len));
	if (!plain || !z || uncompress(plain, &plain_len, c + hdr, size - hdr) != Z_OK)
		return 2;
	zlen = ZSTD_compress(z, ZSTD_compressBound(plain_len), plain, plain_len, 19);
	if (ZSTD_isError(zlen))
		return 2;
	at = off;
	if (zlen > size - hdr) {	/* to the end of the file, 8-aligned */
		at = (len + 7) & ~(size_t)7;
		if (!(nd = realloc(d, at + hdr + zlen)))
			return 2;
		d = nd;
		memset(d + len, 0, at + hdr + zlen - len);
		memcpy(d + at, d + off, hdr);
		len = at + hdr + zlen;
		sh = d + shoff + i * shentsize;
		put(sh + (is64 ? 24 : 16), at, w);
	}
	c = d + at;
	put(c, 2 /* ELFCOMPRESS_ZSTD */, 4);
	memcpy(c + hdr, z, zlen);
	if (at == off)
		memset(c + hdr + zlen, 0, size - hdr - zlen);
	put(sh + (is64 ? 32 : 20), hdr + zlen, w);
	free(plain);
	free(z);
	return 0;
}

int main(int argc, char **argv)
{
	FILE *f = argc == 3 ? fopen(argv[1], "rb") : NULL;
	uint64_t shoff, shentsize, shnum;
	long n;
	int err = 0;

	if (!f || fseek(f, 0, SEEK_END) || (n = ftell(f)) < 64 || fseek(f, 0, SEEK_SET) || !(d = malloc(n)) ||
	    fread(d, 1, n, f) != (size_t)n || memcmp(d, "\177ELF", 4))
		return fprintf(stderr, "usage: zstd_sections IN OUT (IN an ELF file)\n"), 2;
	fclose(f);
	len = (size_t)n;
	is64 = d[4] == 2;
	be = d[5] == 2;
	shoff = get(d + (is64 ? 0x28 : 0x20), is64 ? 8 : 4);
	shentsize = get(d + (is64 ? 0x3a : 0x2e), 2);
	shnum = get(d + (is64 ? 0x3c : 0x30), 2);
	if (shoff > len || shnum * shentsize > len - shoff)
		return fprintf(stderr, "zstd_sections: %s: bad section header table\n", argv[1]), 2;
	for (uint64_t i = 1; i < shnum && !err; i++)
		if (get(d + shoff + i * shentsize + 8, is64 ? 8 : 4) & 0x800 /* SHF_COMPRESSED */)
			err = recompress(shoff, shentsize, i);
	if (err)
		return fprintf(stderr, "zstd_sections: %s: cannot recompress a section\n", argv[1]), err;
	if (!(f = fopen(argv[2], "wb")) || fwrite(d, 1, len, f) != len || fclose(f))
		return fprintf(stderr, "zstd_sections: %s: cannot write\n", argv[2]), 2;
	return 0;
}
