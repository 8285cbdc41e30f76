/* tests/unit/test_unit_header.c: unit headers parsed from their bytes
 * (stages/input/unit_header.h), on made-up headers of every kind and against
 * libdw's dwarf_next_unit on real binaries (this test, and the btfstream
 * binary when make check names it); the CU index read with pread against the
 * one libdw reads (stages/input/cu_index.h). */
#include "stages/input/cu_index.h"
#include "stages/input/input.h"
#include "stages/input/unit_header.h"
#include "tests/tap.h"
#include "tests/unit/dwarf_file.h"

#include <stdlib.h>
#include <string.h>

static void put(unsigned char *p, uint64_t v, unsigned int n, bool be)
{
	for (unsigned int i = 0; i < n; i++)
		p[be ? n - 1 - i : i] = (unsigned char)(v >> (8 * i));
}

/* A header: length (4, or 0xffffffff + 8 for DWARF64), version, then for
 * version 5 the unit type and the extra bytes; returns its size. */
static size_t make(unsigned char *b, bool dwarf64, unsigned int version, unsigned int ut, uint64_t len, bool be)
{
	unsigned int os = dwarf64 ? 8 : 4;
	size_t p = 0;

	memset(b, 0xab, UNIT_HEADER_MAX);
	if (dwarf64) {
		put(b, 0xffffffffu, 4, be);
		put(b + 4, len, 8, be);
		p = 12;
	} else {
		put(b, len, 4, be);
		p = 4;
	}
	put(b + p, version, 2, be);
	p += 2;
	if (version < 5)
		return p + os + 1;
	b[p] = (unsigned char)ut;
	p += 2 + os;
	return p + (ut == 4 || ut == 5 ? 8 : ut == 2 || ut == 6 ? 8 + os : 0);
}

static void made_up(void)
{
	static const struct { bool dwarf64; unsigned int version, ut; size_t die; } good[] = {
		{ false, 2, 0, 11 }, { false, 4, 0, 11 }, { true, 4, 0, 23 },
		{ false, 5, 1, 12 }, { false, 5, 3, 12 }, { false, 5, 4, 20 }, { false, 5, 5, 20 },
		{ false, 5, 2, 24 }, { false, 5, 6, 24 }, { true, 5, 1, 24 }, { true, 5, 2, 40 },
	};
	unsigned char b[UNIT_HEADER_MAX];
	struct unit_header h;

	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		for (int be = 0; be <= 1; be++) {
			size_t n = make(b, good[i].dwarf64, good[i].version, good[i].ut, 1000, be);

			ok(n == good[i].die && unit_header__parse(b, n, be, &h) && h.die == good[i].die &&
			   h.next == 1000 + (good[i].dwarf64 ? 12 : 4),
			   "v%u%s unit type %u, %s: DIE at %zu, next at length + %d", good[i].version,
			   good[i].dwarf64 ? " DWARF64" : "", good[i].ut, be ? "big-endian" : "little-endian", good[i].die,
			   good[i].dwarf64 ? 12 : 4);
			ok(!unit_header__parse(b, n - 1, be, &h), "... one byte short: declined");
		}
	make(b, false, 4, 0, 0xfffffff0u, false);
	ok(!unit_header__parse(b, UNIT_HEADER_MAX, false, &h), "a reserved length: declined");
	make(b, false, 1, 0, 100, false);
	ok(!unit_header__parse(b, UNIT_HEADER_MAX, false, &h), "version 1: declined");
	make(b, false, 6, 0, 100, false);
	ok(!unit_header__parse(b, UNIT_HEADER_MAX, false, &h), "version 6: declined");
	make(b, false, 5, 0x80, 100, false);
	ok(!unit_header__parse(b, UNIT_HEADER_MAX, false, &h), "a DWARF 5 unit type of a vendor: declined");
	make(b, true, 4, 0, UINT64_MAX - 3, false);
	ok(!unit_header__parse(b, UNIT_HEADER_MAX, false, &h), "a length that overflows: declined");
}

/* Every unit of path's .debug_info: libdw's reading and ours agree. */
static bool same_as_libdw(const char *path, unsigned long *units)
{
	struct dwarf_file df;
	const unsigned char *info;
	size_t size, hsize;
	Dwarf_Off off = 0, next;
	bool same = true;

	if (!dwarf_file__open(&df, path))
		return false;
	info = dwarf_file__section(&df, ".debug_info", &size);
	while (info && dwarf_next_unit(df.dw, off, &next, &hsize, NULL, NULL, NULL, NULL, NULL, NULL) == 0) {
		struct unit_header h;

		if (!unit_header__parse(info + off, size - off, false, &h) || h.next != next - off || h.die != hsize) {
			diag("%s: unit at 0x%llx differs", path, (unsigned long long)off);
			same = false;
		}
		(*units)++;
		off = next;
	}
	dwarf_file__close(&df);
	return info && same;
}

/* path's CU index read with pread and by libdw: the same units. */
static bool index_same(const char *path)
{
	struct cu_index a, b;
	struct input in;
	struct fail f = { 0 };
	struct cu_index_file cf;
	bool same;

	if (input__open(&in, path, &f) || in.relocatable || !in.fd_open || !in.debug_info_off)
		return input__close(&in), false;
	cf = (struct cu_index_file){ .fd = in.fd, .off = in.debug_info_off, .size = in.debug_info_size };
	if (cu_index__build(&a, in.dwarf, &cf, path, &f, NULL, NULL))
		return input__close(&in), false;
	if (cu_index__build(&b, in.dwarf, NULL, path, &f, NULL, NULL)) {
		cu_index__free(&a);
		return input__close(&in), false;
	}
	same = a.count == b.count && a.bytes == b.bytes && a.count &&
	       !memcmp(a.cus, b.cus, a.count * sizeof(*a.cus));
	cu_index__free(&a);
	cu_index__free(&b);
	input__close(&in);
	return same;
}

int main(void)
{
	const char *files[] = { "/proc/self/exe", getenv("BTFSTREAM") };
	unsigned long units = 0;

	elf_version(EV_CURRENT);
	made_up();
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		if (!files[i])
			continue;
		ok(same_as_libdw(files[i], &units), "%s: every unit header read as libdw reads it", files[i]);
		ok(index_same(files[i]), "%s: the CU index read with pread is libdw's", files[i]);
	}
	/* the test alone has a few (9 here; an LTO build may have one), the
	 * btfstream binary when make check names it ~80 */
	ok(units >= 1, "there were units to compare (%lu)", units);
	done_testing();
	return exit_status();
}
